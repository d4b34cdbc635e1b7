import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadTokenizer, truncateLongestFirst } from '../../src/data/tokenizer';
import { tmpDir } from '../helpers/tmp';

const toks = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);

test('longest-first truncation of pairs follows the Rust tokenizers rule', () => {
  assert.deepEqual(truncateLongestFirst(toks(10, 'a'), undefined, 4), [toks(4, 'a'), undefined]);
  // Fits: unchanged.
  assert.deepEqual(truncateLongestFirst(toks(2, 'a'), toks(3, 'b'), 5), [toks(2, 'a'), toks(3, 'b')]);
  // Short one fits in half the budget: it is kept, the long one gets the rest.
  assert.deepEqual(truncateLongestFirst(toks(2, 'a'), toks(10, 'b'), 7), [toks(2, 'a'), toks(5, 'b')]);
  assert.deepEqual(truncateLongestFirst(toks(10, 'a'), toks(2, 'b'), 7), [toks(5, 'a'), toks(2, 'b')]);
  // Both long: halves, the longer sequence gets the odd token.
  assert.deepEqual(truncateLongestFirst(toks(10, 'a'), toks(8, 'b'), 7), [toks(4, 'a'), toks(3, 'b')]);
  assert.deepEqual(truncateLongestFirst(toks(8, 'a'), toks(10, 'b'), 7), [toks(3, 'a'), toks(4, 'b')]);
});

test('a vocab.txt-only BERT tokenizer encodes singles and pairs with [CLS]/[SEP] and type ids', () => {
  const dir = tmpDir();
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world', 'un', '##believ', '##able', '!', 'cafe'];
  fs.writeFileSync(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
  const tok = loadTokenizer(dir);
  assert.equal(tok.padId, 0);
  const id = (t: string) => vocab.indexOf(t);
  assert.deepEqual(tok.encode('Hello WORLD!', undefined, 16).ids, [id('[CLS]'), id('hello'), id('world'), id('!'), id('[SEP]')]);
  // Lower-casing strips accents (BERT uncased), unknown words become [UNK], WordPiece splits.
  assert.deepEqual(tok.encode('Café unbelievable zzz', undefined, 16).ids, [2, id('cafe'), id('un'), id('##believ'), id('##able'), id('[UNK]'), 3]);
  const pair = tok.encode('hello world', 'world', 16);
  assert.deepEqual(pair.ids, [2, 5, 6, 3, 6, 3]);
  assert.deepEqual(pair.typeIds, [0, 0, 0, 0, 1, 1]);
  assert.equal(tok.encode('hello world hello world', undefined, 4).ids.length, 4);
});

test('missing and malformed tokenizer files are named in the error', () => {
  const empty = tmpDir();
  assert.throws(() => loadTokenizer(empty), /no tokenizer\.json, vocab\.txt, or vocab\.json \+ merges\.txt/);
  const bad = tmpDir();
  fs.writeFileSync(path.join(bad, 'tokenizer.json'), '{"model": {"type": "Nonsense"}}');
  assert.throws(() => loadTokenizer(bad), (e: Error) => /tokenizer\.json: not a usable tokenizer definition/.test(e.message));
  const notJson = tmpDir();
  fs.writeFileSync(path.join(notJson, 'tokenizer.json'), '{"model": ');
  assert.throws(() => loadTokenizer(notJson), /tokenizer\.json: not valid JSON/);
});
