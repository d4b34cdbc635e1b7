import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../errors';
import { readJsonObject } from '../model/checkpoint';
import { byteLevelBpeDefinition, specialToken, wordPieceDefinition } from './tokenizerDefinitions';

export interface Encoded {
  ids: number[];
  typeIds: number[];
}

/** A Hugging Face tokenizer with HF-style truncation, as BERT sequence classification uses it. */
export interface TextTokenizer {
  readonly source: string;
  readonly padId: number;
  /** Encodes one text (or a pair), with special tokens, truncated to maxLength tokens in total. */
  encode(text: string, pair: string | undefined, maxLength: number): Encoded;
}

/**
 * Loads `tokenizer.json` from a checkpoint directory; when only a WordPiece `vocab.txt` (BERT,
 * DistilBERT, ELECTRA) or a byte-level BPE `vocab.json` + `merges.txt` (RoBERTa) exists, builds the
 * equivalent fast-tokenizer definition from it and `tokenizer_config.json`.
 */
export function loadTokenizer(modelDir: string): TextTokenizer {
  const jsonFile = path.join(modelDir, 'tokenizer.json');
  const configFile = path.join(modelDir, 'tokenizer_config.json');
  const config = fs.existsSync(configFile) ? readJsonObject(configFile) : {};
  let definition: Record<string, unknown>;
  let source: string;
  if (fs.existsSync(jsonFile)) {
    definition = readJsonObject(jsonFile);
    source = jsonFile;
  } else if (fs.existsSync(path.join(modelDir, 'vocab.txt'))) {
    source = path.join(modelDir, 'vocab.txt');
    definition = wordPieceDefinition(source, config);
  } else if (fs.existsSync(path.join(modelDir, 'vocab.json')) && fs.existsSync(path.join(modelDir, 'merges.txt'))) {
    source = path.join(modelDir, 'vocab.json');
    definition = byteLevelBpeDefinition(source, path.join(modelDir, 'merges.txt'), config);
  } else {
    throw new UserError(
      `${modelDir}: no tokenizer.json, vocab.txt, or vocab.json + merges.txt; a text model needs its tokenizer files next to config.json ` +
        '(a sentencepiece model alone is not read: save the fast tokenizer with transformers, `AutoTokenizer.from_pretrained(dir).save_pretrained(dir)`, to write tokenizer.json).',
      modelDir,
    );
  }
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(definition, config);
    tok.encode('a');
  } catch (e) {
    throw new UserError(`${source}: not a usable tokenizer definition (${(e as Error).message}).`, source);
  }
  return wrap(tok, source, config, unknownTokenId(definition));
}

/**
 * The id an out-of-vocabulary piece gets: the model's unk token (BPE/WordPiece `unk_token`,
 * Unigram `unk_id`). A Unigram model returns the unknown text itself as the token (consecutive
 * unknown characters fused), with this id, as the Rust tokenizer does.
 */
function unknownTokenId(definition: Record<string, unknown>): number | undefined {
  const model = (definition.model ?? {}) as { type?: unknown; unk_id?: unknown; unk_token?: unknown; vocab?: unknown };
  if (typeof model.unk_id === 'number') return model.unk_id;
  if (typeof model.unk_token === 'string' && model.vocab && typeof model.vocab === 'object' && !Array.isArray(model.vocab)) {
    const id = (model.vocab as Record<string, unknown>)[model.unk_token];
    if (typeof id === 'number') return id;
  }
  return undefined;
}

function wrap(tok: Tokenizer, source: string, config: Record<string, unknown>, unkId: number | undefined): TextTokenizer {
  const padToken = specialToken(config.pad_token) ?? '[PAD]';
  const padId = tok.token_to_id(padToken) ?? 0;
  // How many special tokens the post-processor adds, for single texts and pairs.
  const addedSingle = tok.encode('', { add_special_tokens: true }).ids.length;
  // Probed with real text: an empty text_pair counts as no pair, which would undercount by one
  // [SEP] and let a pair with an empty second text (MNLI-style rows) exceed maxLength.
  const probe = tok.tokenize('a', { add_special_tokens: false }).length;
  const addedPair = tok.encode('a', { text_pair: 'a', add_special_tokens: true }).ids.length - 2 * probe;
  const toIds = (tokens: string[]) =>
    tokens.map((t) => {
      const id = tok.token_to_id(t) ?? unkId;
      if (id === undefined) throw new UserError(`${source}: token "${t}" produced by the tokenizer is not in its vocabulary, and the model has no unknown token.`, source);
      return id;
    });
  return {
    source,
    padId,
    encode(text, pair, maxLength) {
      let a = tok.tokenize(text, { add_special_tokens: false });
      let b = pair === undefined ? undefined : tok.tokenize(pair, { add_special_tokens: false });
      const budget = maxLength - (b ? addedPair : addedSingle);
      if (budget < 0) throw new UserError(`max_seq_length ${maxLength} is shorter than the tokenizer's special tokens.`);
      [a, b] = truncateLongestFirst(a, b, budget);
      const post = tok.post_processor;
      if (!post) return { ids: toIds([...a, ...(b ?? [])]), typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)] };
      const out = post.post_process(a, b, { add_special_tokens: true });
      const tokens = [...out.tokens, ...(out.tokens_pair ?? [])];
      return { ids: toIds(tokens), typeIds: out.token_type_ids ?? tokens.map(() => 0) };
    },
  };
}

/**
 * Truncation as the Rust `tokenizers` LongestFirst strategy: with a pair, the shorter sequence
 * keeps its length if it fits in half the budget, otherwise both get half (the longer one the
 * odd token).
 */
export function truncateLongestFirst(a: string[], b: string[] | undefined, budget: number): [string[], string[] | undefined] {
  if (!b) return [a.slice(0, budget), undefined];
  if (a.length + b.length <= budget) return [a, b];
  const swap = a.length > b.length;
  const short = swap ? b.length : a.length;
  let n1: number;
  let n2: number;
  if (short > Math.floor(budget / 2)) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  } else {
    n1 = short;
    n2 = budget - short;
  }
  if (swap) [n1, n2] = [n2, n1];
  return [a.slice(0, n1), b.slice(0, n2)];
}
