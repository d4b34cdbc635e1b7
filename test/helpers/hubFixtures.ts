/**
 * Hub repos made from our trained fixtures, laid out as the real ones are: a fine-tuned BERT
 * renamed to an MNLI classifier, and GLUE's `mnli` subset as Parquet files written by a real
 * Parquet writer with the `huggingface` features metadata the datasets library stores.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { readTable } from '../../src/data/table';
import type { HubRepoSpec } from './hubServer';
/** The repo root (only the CLI tests' fixtures use it; the editor suite passes its own folders). */
const ROOT = path.resolve(__dirname, '..', '..');

export const MNLI_NAMES = ['entailment', 'neutral', 'contradiction'];
/** The renamed checkpoint orders its classes differently from GLUE, as many MNLI checkpoints do. */
export const MODEL_NAMES = ['contradiction', 'entailment', 'neutral'];

type Column = { name: string; data: unknown[]; type: 'STRING' | 'INT64' };

/** A Parquet file as `datasets` writes one: the columns, plus the features in the `huggingface` metadata. */
export function hfParquet(columns: Column[], features: Record<string, unknown>): Buffer {
  const buf = parquetWriteBuffer({
    columnData: columns.map((c) => ({ name: c.name, data: c.type === 'INT64' ? c.data.map((v) => BigInt(v as number)) : c.data, type: c.type })),
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }],
  });
  return Buffer.from(buf);
}

const MNLI_FEATURES = {
  premise: { dtype: 'string', _type: 'Value' },
  hypothesis: { dtype: 'string', _type: 'Value' },
  label: { names: MNLI_NAMES, _type: 'ClassLabel' },
  idx: { dtype: 'int32', _type: 'Value' },
};

/**
 * bert-spam3's data as MNLI rows: the mail as the premise, an empty hypothesis, and its class
 * renamed to the model's new class name and stored by GLUE's index for that name.
 */
function mnliSplit(tsv: string, hidden = false): Buffer {
  const table = readTable(tsv);
  const premise = table.records.map((r) => r.fields.get('sentence') ?? '');
  const label = table.records.map((r) => (hidden ? -1 : MNLI_NAMES.indexOf(MODEL_NAMES[Number(spam3Class(r.fields.get('label') ?? ''))])));
  return hfParquet([
    { name: 'premise', data: premise, type: 'STRING' },
    { name: 'hypothesis', data: premise.map(() => ''), type: 'STRING' },
    { name: 'label', data: label, type: 'INT64' },
    { name: 'idx', data: premise.map((_, i) => i), type: 'INT64' },
  ], MNLI_FEATURES);
}

function spam3Class(label: string): number {
  const i = ['easy_ham', 'hard_ham', 'spam'].indexOf(label);
  return i >= 0 ? i : Number(label);
}

/** The bert-spam3 fixture as a model repo, its classes renamed to MODEL_NAMES. */
export function mnliModelRepo(id: string): HubRepoSpec {
  return renamedModelRepo(id, path.join(ROOT, 'fixtures', 'bert-spam3', 'model'), MODEL_NAMES);
}

/** A checkpoint folder as a Hub model repo, its classes renamed (in the checkpoint's class order). */
export function renamedModelRepo(id: string, dir: string, names: readonly string[]): HubRepoSpec {
  const files: Record<string, Buffer | string> = {};
  for (const f of fs.readdirSync(dir)) files[f] = fs.readFileSync(path.join(dir, f));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  config.id2label = Object.fromEntries(names.map((n, i) => [String(i), n]));
  config.label2id = Object.fromEntries(names.map((n, i) => [n, i]));
  files['config.json'] = JSON.stringify(config, null, 2);
  // What a real repo also carries and we must not download.
  files['pytorch_model.bin'] = Buffer.alloc(1024, 7);
  files['README.md'] = `# ${id}\n`;
  return { type: 'model', id, files };
}

/** GLUE's repo with the mnli subset (train, validation_matched, a hidden-label test split). */
export function glueRepo(): HubRepoSpec {
  const data = path.join(ROOT, 'fixtures', 'bert-spam3', 'data');
  return {
    type: 'dataset',
    id: 'nyu-mll/glue',
    files: {
      'README.md': '---\npretty_name: GLUE\n---\n',
      'mnli/train-00000-of-00001.parquet': mnliSplit(path.join(data, 'calibration.tsv')),
      'mnli/validation_matched-00000-of-00001.parquet': mnliSplit(path.join(data, 'eval.tsv')),
      'mnli/test_matched-00000-of-00001.parquet': mnliSplit(path.join(data, 'eval.tsv'), true),
      'sst2/train-00000-of-00001.parquet': hfParquet([{ name: 'sentence', data: ['a'], type: 'STRING' }, { name: 'label', data: [0], type: 'INT64' }], { label: { names: ['negative', 'positive'], _type: 'ClassLabel' } }),
    },
  };
}

/** SST-2's names, and bert-spam renamed to them in reverse (ham → positive, spam → negative). */
export const SST2_NAMES = ['negative', 'positive'];
export const SST2_MODEL_NAMES = ['positive', 'negative'];

/**
 * bert-spam as a fine-tuned SST-2 model and its data as GLUE's sst2 subset (`spamDir` holds
 * model/ and data/{calibration,eval}.tsv), for the editor's by-name run.
 */
export function sst2Repos(modelId: string, spamDir: string): HubRepoSpec[] {
  const split = (tsv: string) => {
    const table = readTable(tsv);
    const sentence = table.records.map((r) => r.fields.get('sentence') ?? '');
    const label = table.records.map((r) => SST2_NAMES.indexOf(SST2_MODEL_NAMES[['ham', 'spam'].indexOf(r.fields.get('label') ?? '')]));
    return hfParquet([
      { name: 'sentence', data: sentence, type: 'STRING' },
      { name: 'label', data: label, type: 'INT64' },
      { name: 'idx', data: sentence.map((_, i) => i), type: 'INT64' },
    ], { sentence: { dtype: 'string', _type: 'Value' }, label: { names: SST2_NAMES, _type: 'ClassLabel' }, idx: { dtype: 'int32', _type: 'Value' } });
  };
  return [
    renamedModelRepo(modelId, path.join(spamDir, 'model'), SST2_MODEL_NAMES),
    {
      type: 'dataset',
      id: 'nyu-mll/glue',
      files: {
        'README.md': '---\npretty_name: GLUE\n---\n',
        'sst2/train-00000-of-00001.parquet': split(path.join(spamDir, 'data', 'calibration.tsv')),
        'sst2/validation-00000-of-00001.parquet': split(path.join(spamDir, 'data', 'eval.tsv')),
      },
    },
  ];
}
