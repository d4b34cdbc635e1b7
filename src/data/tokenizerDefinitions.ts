/**
 * Fast-tokenizer definitions (tokenizer.json) for checkpoints that ship only the slow tokenizer's
 * files, as transformers' converters write them: WordPiece from vocab.txt, byte-level BPE from
 * vocab.json + merges.txt.
 */
import * as fs from 'fs';
import { UserError } from '../errors';
import { readJsonObject } from '../model/checkpoint';

/** A special token as tokenizer_config.json writes it: a string, or an AddedToken object with `content`. */
export function specialToken(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/** The tokenizer.json that HF's BertTokenizerFast would write for this vocab and config. */
export function wordPieceDefinition(vocabFile: string, config: Record<string, unknown>): Record<string, unknown> {
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

/** The tokenizer.json that RobertaTokenizerFast would write for vocab.json + merges.txt. */
export function byteLevelBpeDefinition(vocabFile: string, mergesFile: string, config: Record<string, unknown>): Record<string, unknown> {
  const vocab = readJsonObject(vocabFile) as Record<string, number>;
  const merges = fs.readFileSync(mergesFile, 'utf8').split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l && !l.startsWith('#version'));
  const special = (key: string, fallback: string) => specialToken(config[key]) ?? fallback;
  const bos = special('cls_token', special('bos_token', '<s>'));
  const eos = special('sep_token', special('eos_token', '</s>'));
  for (const t of [bos, eos]) {
    if (!(t in vocab)) throw new UserError(`${vocabFile}: special token "${t}" is not in the vocabulary.`, vocabFile);
  }
  const addPrefixSpace = config.add_prefix_space === true;
  const mask = special('mask_token', '<mask>');
  const addedTokens = [bos, special('pad_token', '<pad>'), eos, special('unk_token', '<unk>'), mask]
    .filter((t, i, all) => t in vocab && all.indexOf(t) === i)
    .map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: t === mask, rstrip: false, normalized: false, special: true }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: { type: 'RobertaProcessing', sep: [eos, vocab[eos]], cls: [bos, vocab[bos]], trim_offsets: true, add_prefix_space: addPrefixSpace },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}
