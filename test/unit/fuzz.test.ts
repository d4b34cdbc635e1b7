/**
 * Property-based fuzzing of every parser that reads untrusted input. The property: either a
 * result, or a UserError whose message names the input — never another exception, a hang or
 * an unbounded allocation. Seeded, so a failure reproduces; OPTIN_FUZZ_RUNS scales the count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import sharp from 'sharp';
import { validateText } from '../../src/config';
import { openDataset } from '../../src/data/dataset';
import { loadImage, readPreprocessor } from '../../src/data/images';
import { loadTokenizer } from '../../src/data/tokenizer';
import { UserError } from '../../src/errors';
import { loadModel } from '../../src/model';
import { readSafetensorsHeader } from '../../src/model/safetensors';
import { writeSyntheticCheckpoint } from '../helpers/synthetic';
import { tmpDir } from '../helpers/tmp';

const RUNS = Number(process.env.OPTIN_FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.OPTIN_FUZZ_SEED ?? 20261127);
const dir = tmpDir('optin-fuzz-');

/** Runs `fn`; passes when it returns, or throws a UserError mentioning `name`. Counts outcomes. */
function expectCleanError(name: string, fn: () => unknown, tally: { ok: number; rejected: number }): void {
  try {
    fn();
    tally.ok++;
  } catch (e) {
    if (!(e instanceof UserError)) throw new Error(`crash (not a UserError): ${(e as Error)?.stack ?? e}`);
    assert.ok(e.message.includes(name), `message does not name ${name}: ${e.message}`);
    tally.rejected++;
  }
}

async function expectCleanErrorAsync(name: string, fn: () => Promise<unknown>, tally: { ok: number; rejected: number }): Promise<void> {
  try {
    await fn();
    tally.ok++;
  } catch (e) {
    if (!(e instanceof UserError)) throw new Error(`crash (not a UserError): ${(e as Error)?.stack ?? e}`);
    assert.ok(e.message.includes(name), `message does not name ${name}: ${e.message}`);
    tally.rejected++;
  }
}

function report(what: string, runs: number, tally: { ok: number; rejected: number }): void {
  // Printed for the closing note's table: cases tried, accepted, rejected, crashes (always 0 here).
  console.log(`fuzz ${what}: ${runs} cases, ${tally.ok} accepted, ${tally.rejected} rejected with a clear error, 0 crashes`);
}

const VALID_CONFIG = [
  'task_name: "language"', 'model_path: ./model', 'calibration_data: data/calibration.tsv', 'eval_data: data/eval.tsv',
  'mac_constraint: [0.5, 0.6]', 'loss_type: "MMD+KL"', 'lambda_contribution: 10', 'temp: 4', "aggregate: 'sum'",
  'head_fin_decay_bool: True', 'head_fin_decay_val: 0.5', 'seed: 0', 'batch_size: 128', 'device: auto',
].join('\n') + '\n';

test('fuzz: YAML mutations of a valid config give diagnostics with ranges inside the text, never a crash', () => {
  const runs = Math.max(100, RUNS);
  let diagnostics = 0;
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string(), fc.constantFrom(':', '- ', '[', ']', '{', '}', '"', "'", '\t', '\n', '#', '&a ', '*a', '!!str ', '? ', '|', '>', '%YAML 1.2\n---\n', '\uFEFF', '\u0000')) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }) }),
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (muts) => {
      let text = VALID_CONFIG;
      for (const m of muts) {
        const at = m.at % (text.length + 1);
        if (m.kind === 'insert') text = text.slice(0, at) + m.text + text.slice(at);
        else if (m.kind === 'delete') text = text.slice(0, at) + text.slice(at + m.len);
        else text = text.slice(0, at) + text.slice(at, at + m.len) + text.slice(at);
      }
      const lines = text.split(/\r\n|\r|\n/);
      const result = validateText(text, { mode: 'lint' });
      for (const d of result.diagnostics) {
        diagnostics++;
        const { start, end } = d.range;
        assert.ok(start.line >= 0 && start.line < Math.max(1, lines.length) + 1, `start line ${start.line}`);
        assert.ok(end.line >= start.line && end.line <= lines.length, `end line ${end.line}`);
        assert.ok(typeof d.message === 'string' && d.message.length > 0);
      }
    }),
    { numRuns: runs, seed: SEED },
  );
  console.log(`fuzz config YAML: ${runs} cases, ${diagnostics} diagnostics, 0 crashes`);
});

test('fuzz: corrupted safetensors headers are rejected with the file named, never a crash or a huge allocation', () => {
  const file = path.join(dir, 'fuzz.safetensors');
  const tally = { ok: 0, rejected: 0 };
  const dtype = fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'F12', '', 'f32');
  const entry = fc.record({ dtype, shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 64 }), fc.constant(2 ** 53)), { maxLength: 3 }), data_offsets: fc.array(fc.oneof(fc.integer({ min: -4, max: 600 }), fc.constant(2 ** 62)), { minLength: 0, maxLength: 3 }) });
  const header = fc.oneof(
    fc.dictionary(fc.string({ maxLength: 8 }), entry, { maxKeys: 4 }).map((h) => JSON.stringify(h)),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('{', '[]', 'null', '{"a": 1}', '{"__metadata__": 5}'),
  );
  fc.assert(
    fc.property(header, fc.oneof(fc.constant<bigint | undefined>(undefined), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 3 }), (h, lengthField, dataLen, truncate) => {
      const json = Buffer.from(h);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(lengthField ?? BigInt(json.length));
      let bytes = Buffer.concat([len, json, Buffer.alloc(dataLen)]);
      if (truncate > 0) bytes = bytes.subarray(0, Math.floor((bytes.length * (4 - truncate)) / 4));
      fs.writeFileSync(file, bytes);
      expectCleanError(file, () => readSafetensorsHeader(file), tally);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  report('safetensors headers', RUNS, tally);
});

test('fuzz: malformed tokenizer.json is rejected with the file named', () => {
  const base = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'bert-spam', 'model', 'tokenizer.json'), 'utf8'));
  base.model.vocab = Object.fromEntries(Object.entries(base.model.vocab as Record<string, number>).slice(0, 60));
  const tokDir = path.join(dir, 'tok');
  fs.mkdirSync(tokDir, { recursive: true });
  const file = path.join(tokDir, 'tokenizer.json');
  const tally = { ok: 0, rejected: 0 };
  const runs = RUNS;
  const keys = ['model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'added_tokens'];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.record({ drop: fc.subarray(keys), replace: fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.object({ maxDepth: 2 })), { maxKeys: 2 }) })
          .map(({ drop, replace }) => {
            const t = structuredClone(base);
            for (const k of drop) delete t[k];
            return JSON.stringify({ ...t, ...replace });
          }),
        fc.string({ maxLength: 60 }),
        fc.constant(JSON.stringify(base)).chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))),
      ),
      (text) => {
        fs.writeFileSync(file, text);
        expectCleanError(file, () => loadTokenizer(tokDir).encode('hello free money', undefined, 16), tally);
      },
    ),
    { numRuns: runs, seed: SEED },
  );
  report('tokenizer.json', runs, tally);
});

test('fuzz: truncated and garbage images are rejected with the file named', async () => {
  const model = path.join(dir, 'vit');
  writeSyntheticCheckpoint(model, { family: 'vit', imageSize: 8, patchSize: 4, channels: 3 });
  const spec = loadModel(model).spec;
  const pre = readPreprocessor(spec);
  const good = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
  const jpeg = await sharp({ create: { width: 12, height: 9, channels: 3, background: '#993366' } }).jpeg().toBuffer();
  const file = path.join(dir, 'img.png');
  const tally = { ok: 0, rejected: 0 };
  const runs = RUNS;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(good, jpeg),
      fc.oneof(
        fc.record({ kind: fc.constant('truncate' as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
        fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), count: fc.integer({ min: 1, max: 8 }) }),
        fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
      ),
      async (source, m) => {
        let bytes: Buffer;
        if (m.kind === 'truncate') bytes = source.subarray(0, Math.floor(source.length * m.keep));
        else if (m.kind === 'garbage') bytes = Buffer.from(m.bytes);
        else {
          bytes = Buffer.from(source);
          for (let i = 0; i < m.count; i++) bytes[(m.at + i * 7) % bytes.length] = m.value;
        }
        fs.writeFileSync(file, bytes);
        await expectCleanErrorAsync(file, () => loadImage(file, pre, spec), tally);
      },
    ),
    { numRuns: runs, seed: SEED },
  );
  report('images', runs, tally);
});

test('fuzz: TSV files with missing columns, extra tabs and stray quotes give file:line errors', async () => {
  const model = path.join(dir, 'bert');
  writeSyntheticCheckpoint(model, { family: 'bert', vocab: 12, labels: 2 });
  fs.writeFileSync(path.join(model, 'vocab.txt'), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'buy', 'now', '!', '"', ','].join('\n'));
  const spec = loadModel(model).spec;
  const file = path.join(dir, 'data.tsv');
  const tally = { ok: 0, rejected: 0 };
  const cell = fc.oneof(fc.constantFrom('hello world', 'buy now !', '"', '""', 'class_0', 'class_1', '0', '1', '', '\t', '\r', 'ünïcödé'), fc.string({ maxLength: 12 }));
  const row = fc.array(cell, { minLength: 0, maxLength: 4 }).map((cells) => cells.join('\t'));
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('sentence\tlabel', 'sentence', 'text\tlabel\textra', 'sentence1\tsentence2\tlabel', 'label\tsentence', ''), fc.array(row, { maxLength: 8 }), async (header, rows) => {
      fs.writeFileSync(file, [header, ...rows].join('\n'));
      await expectCleanErrorAsync(file, () => openDataset(file, spec, { requireLabels: true }), tally);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  report('TSV data', RUNS, tally);
});
