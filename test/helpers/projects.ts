/** Small but complete pruning projects (checkpoint + tokenizer/preprocessor + data) with random weights. */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { rng, writeSyntheticCheckpoint } from './synthetic';

const WORDS = ['free', 'money', 'now', 'meeting', 'tomorrow', 'offer', 'click', 'report', 'lunch', 'win', 'cash', 'project', 'team', 'urgent', 'hello', 'thanks'];

/** A BERT checkpoint with a vocab.txt tokenizer and train/eval TSVs of random word sentences. */
export function textProject(dir: string, opts: { layers?: number; heads?: number; hidden?: number; intermediate?: number; examples?: number; seed?: number } = {}): { model: string; calibration: string; eval: string } {
  const model = path.join(dir, 'model');
  writeSyntheticCheckpoint(model, { family: 'bert', layers: opts.layers ?? 2, heads: opts.heads ?? 2, hidden: opts.hidden ?? 16, intermediate: opts.intermediate ?? 32, labels: 2, vocab: 5 + WORDS.length, seed: opts.seed ?? 3 });
  const cfg = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ ...cfg, id2label: { 0: 'ham', 1: 'spam' }, label2id: { ham: 0, spam: 1 } }, null, 2));
  fs.writeFileSync(path.join(model, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...WORDS].join('\n') + '\n');
  const r = rng(opts.seed ?? 3);
  const rows = (n: number) => ['sentence\tlabel', ...Array.from({ length: n }, () => {
    const len = 2 + Math.floor(r() * 8);
    return `${Array.from({ length: len }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ')}\t${r() < 0.5 ? 'ham' : 'spam'}`;
  })].join('\n') + '\n';
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const calibration = path.join(dir, 'data', 'calibration.tsv');
  const evalFile = path.join(dir, 'data', 'eval.tsv');
  fs.writeFileSync(calibration, rows(opts.examples ?? 12));
  fs.writeFileSync(evalFile, rows(opts.examples ?? 12));
  return { model, calibration, eval: evalFile };
}

/** A ViT checkpoint with an ImageFolder of random grayscale PNGs. */
export async function imageProject(dir: string, opts: { examples?: number } = {}): Promise<{ model: string; calibration: string; eval: string }> {
  const model = path.join(dir, 'model');
  writeSyntheticCheckpoint(model, { family: 'vit', layers: 2, heads: 2, hidden: 16, intermediate: 32, labels: 2, imageSize: 8, patchSize: 4, channels: 1 });
  const r = rng(5);
  const out: Record<string, string> = {};
  for (const split of ['calibration', 'eval']) {
    for (let i = 0; i < (opts.examples ?? 8); i++) {
      const cls = `class_${i % 2}`;
      fs.mkdirSync(path.join(dir, 'data', split, cls), { recursive: true });
      const px = Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256)));
      await sharp(px, { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(path.join(dir, 'data', split, cls, `${i}.png`));
    }
    out[split] = path.join(dir, 'data', split);
  }
  return { model, calibration: out.calibration, eval: out.eval };
}
