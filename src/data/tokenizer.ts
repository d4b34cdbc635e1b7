import * as fs from 'fs';
import * as path from 'path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../errors';
import { readJsonObject } from '../model/checkpoint';

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
 * Loads `tokenizer.json` from a checkpoint directory; when only a BERT `vocab.txt` exists, builds the
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
    definition = bertDefinitionFromVocab(source, config);
  } else {
    throw new UserError(`${modelDir}: no tokenizer.json or vocab.txt; a text model needs its tokenizer files next to config.json.`, modelDir);
  }
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(definition, config);
    tok.encode('a');
  } catch (e) {
    throw new UserError(`${source}: not a usable tokenizer definition (${(e as Error).message}).`, source);
  }
  return wrap(tok, source, config);
}

function wrap(tok: Tokenizer, source: string, config: Record<string, unknown>): TextTokenizer {
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
      const id = tok.token_to_id(t);
      if (id === undefined) throw new UserError(`${source}: token "${t}" produced by the tokenizer is not in its vocabulary.`, source);
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

/** A special token as tokenizer_config.json writes it: a string, or an AddedToken object with `content`. */
function specialToken(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
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

/** The tokenizer.json that HF's BertTokenizerFast would write for this vocab and config. */
function bertDefinitionFromVocab(vocabFile: string, config: Record<string, unknown>): Record<string, unknown> {
  const lines = fs.readFileSync(vocabFile, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const vocab: Record<string, number> = {};
  lines.forEach((tokRaw, i) => {
    const tok = tokRaw.replace(/\r$/, '');
    if (!(tok in vocab)) vocab[tok] = i;
  });
  const special = (key: string, fallback: string) => specialToken(config[key]) ?? fallback;
  const cls = special('cls_token', '[CLS]');
  const sep = special('sep_token', '[SEP]');
  const unk = special('unk_token', '[UNK]');
  for (const t of [cls, sep, unk]) {
    if (!(t in vocab)) throw new UserError(`${vocabFile}: special token "${t}" is not in the vocabulary.`, vocabFile);
  }
  const lowercase = config.do_lower_case !== false;
  const addedTokens = [special('pad_token', '[PAD]'), unk, cls, sep, special('mask_token', '[MASK]')]
    .filter((t) => t in vocab)
    .map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars !== false,
      strip_accents: typeof config.strip_accents === 'boolean' ? config.strip_accents : null,
      lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: {
        [cls]: { id: cls, ids: [vocab[cls]], tokens: [cls] },
        [sep]: { id: sep, ids: [vocab[sep]], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}
