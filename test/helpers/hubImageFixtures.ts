/**
 * Image repos for the test Hub: vit-mnist as a model and its images as a Parquet dataset. Kept
 * apart from hubFixtures.ts because it loads the image decoder (sharp), which the editor suites'
 * bundle cannot load; only the CLI tests use these.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { listImageFolder } from '../../src/data/images';
import { loadModel } from '../../src/model';
import { renamedModelRepo } from './hubFixtures';
import type { HubRepoSpec } from './hubServer';

const ROOT = path.resolve(__dirname, '..', '..');

/** Image files as one Parquet split the way `datasets` stores images: an `img` struct of the file's bytes and name, a ClassLabel. */
export function imageParquet(images: Array<{ file: string; label: number }>, names: readonly string[]): Buffer {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'img', data: images.map((it) => ({ bytes: new Uint8Array(fs.readFileSync(it.file)), path: path.basename(it.file) })) },
      { name: 'label', data: images.map((it) => BigInt(it.label)) },
    ],
    schema: [
      { name: 'schema', num_children: 2 },
      { name: 'img', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features: { img: { _type: 'Image' }, label: { names, _type: 'ClassLabel' } } } }) }],
  });
  return Buffer.from(buf);
}

/** An ImageFolder (classes named as the model's labels) as one Parquet split with the class names `names`. */
export function imageFolderParquet(folder: string, modelDir: string, names: readonly string[]): Buffer {
  const spec = loadModel(modelDir).spec;
  return imageParquet(listImageFolder(folder, spec).map((it) => ({ file: it.file, label: names.indexOf(spec.labels[it.label]) })), names);
}

/** vit-mnist as a Hub model and its data as a Hub dataset in the default layout (data/train-…, data/test-…). */
export function mnistRepos(modelId: string, datasetId: string): HubRepoSpec[] {
  const dir = path.join(ROOT, 'fixtures', 'vit-mnist');
  const names = Array.from({ length: 10 }, (_, i) => String(i));
  return [
    renamedModelRepo(modelId, path.join(dir, 'model'), names),
    {
      type: 'dataset',
      id: datasetId,
      files: {
        'README.md': '---\nlicense: cc-by-sa-3.0\n---\n',
        'data/train-00000-of-00001.parquet': imageFolderParquet(path.join(dir, 'data', 'calibration'), path.join(dir, 'model'), names),
        'data/test-00000-of-00001.parquet': imageFolderParquet(path.join(dir, 'data', 'eval'), path.join(dir, 'model'), names),
      },
    },
  ];
}
