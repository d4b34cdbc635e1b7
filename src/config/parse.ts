import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { comparePositions, Diagnostic, Position, Range } from './diagnostics';

/**
 * A config file's YAML, reduced to what validation needs: the top-level entries with the
 * exact source range of every key, value and list item. Parsing never throws; whatever is
 * wrong with the YAML comes back as diagnostics.
 */

/** A value as written: a scalar (with its source text), a list, or a mapping (never valid for a key). */
export type ConfigNode =
  | { kind: 'scalar'; value: string | number | boolean | null; source: string; quoted: boolean; range: Range }
  | { kind: 'list'; items: ConfigNode[]; range: Range }
  | { kind: 'map'; range: Range };

export interface ConfigEntry {
  key: string;
  keyRange: Range;
  value: ConfigNode;
  /** Right after the colon: where a value goes when the key has none yet. */
  valueInsert: Position;
  /** Overlaps a YAML syntax error, so its value is not trusted (and not validated). */
  damaged: boolean;
  /** A later occurrence of a key already set above (reported as duplicate-key). */
  duplicate: boolean;
}

export interface ParsedConfig {
  text: string;
  /** Top-level entries in file order, duplicates included. */
  entries: ConfigEntry[];
  /** The first occurrence of each key. */
  byKey: Map<string, ConfigEntry>;
  /** YAML syntax errors and warnings, duplicate keys, a top level that is not a mapping, keys that are not names. */
  diagnostics: Diagnostic[];
  hasSyntaxErrors: boolean;
}

/** Hints for the YAML parser's error codes whose messages do not say what to do. */
const SYNTAX_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces',
  BLOCK_AS_IMPLICIT_KEY: "put each key on its own line, and quote a value that contains ': '",
  MULTILINE_IMPLICIT_KEY: 'a key and its colon must be on one line; check the indentation of the line above',
  BAD_INDENT: 'check the indentation',
};

/** Parser messages written for programmers, reworded for the person editing the file. */
const SYNTAX_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'The file holds more than one YAML document; a config is one document: remove the `---` line',
};

export function parseConfig(text: string): ParsedConfig {
  const lineCounter = new LineCounter();
  // uniqueKeys: false, so duplicates are ours to report (at the second occurrence, naming the first).
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const toRange = rangeMaker(text, lineCounter);
  const diagnostics: Diagnostic[] = [];
  const errorSpans: Array<[number, number]> = [];

  for (const e of doc.errors) {
    errorSpans.push([e.pos[0], e.pos[1]]);
    const hint = SYNTAX_HINTS[e.code];
    const message = SYNTAX_MESSAGES[e.code] ?? `${e.message}${hint ? `; ${hint}` : ''}`;
    diagnostics.push({ severity: 'error', code: 'yaml-syntax', message: `YAML: ${message}.`, range: toRange(e.pos[0], e.pos[1]) });
  }
  for (const w of doc.warnings) {
    diagnostics.push({ severity: 'warning', code: 'yaml-warning', message: `YAML: ${w.message}.`, range: toRange(w.pos[0], w.pos[1]) });
  }

  const entries: ConfigEntry[] = [];
  const byKey = new Map<string, ConfigEntry>();
  const contents = doc.contents as YamlNode | null;
  if (contents && !isMap(contents)) {
    const what = isSeq(contents) ? 'a list' : 'a single value';
    diagnostics.push({
      severity: 'error',
      code: 'not-a-mapping',
      message: `The config must be a mapping of \`key: value\` lines (like \`batch_size: 128\`), but its top level is ${what}.`,
      range: nodeRange(contents, toRange),
    });
  }
  if (isMap(contents)) {
    for (const pair of contents.items) {
      const keyNode = pair.key as YamlNode | null;
      const valueNode = pair.value as YamlNode | null;
      if (!isScalar(keyNode) || keyNode.value === null || keyNode.value === '') {
        const keyWidth = keyNode?.range ? keyNode.range[1] - keyNode.range[0] : 0;
        const at = keyWidth > 0 ? keyNode : (valueNode ?? keyNode);
        diagnostics.push({
          severity: 'error',
          code: 'invalid-key',
          message: 'Keys must be plain names like `batch_size`, not lists, mappings or empty.',
          range: at ? nodeRange(at, toRange) : toRange(0, 0),
        });
        continue;
      }
      // A key YAML reads as a number or boolean (`1:`, `true:`) is kept as written.
      const key = typeof keyNode.value === 'string' ? keyNode.value : text.slice(keyNode.range![0], keyNode.range![1]);
      const keyRange = nodeRange(keyNode, toRange);
      const span: [number, number] = [keyNode.range![0], valueNode?.range ? valueNode.range[1] : keyNode.range![1]];
      const first = byKey.get(key);
      const entry: ConfigEntry = {
        key,
        keyRange,
        value: toConfigNode(valueNode, doc, text, toRange, keyNode.range![1]),
        valueInsert: toRange(valueNode?.range ? valueNode.range[0] : afterColon(text, keyNode.range![1]), 0).start,
        damaged: errorSpans.some(([s, e]) => s <= span[1] && e >= span[0]),
        duplicate: first !== undefined,
      };
      entries.push(entry);
      if (first) {
        diagnostics.push({
          severity: 'error',
          code: 'duplicate-key',
          message: `\`${key}\` is set twice (first on line ${first.keyRange.start.line + 1}); delete one of them.`,
          key,
          range: keyRange,
        });
      } else {
        byKey.set(key, entry);
      }
    }
  }
  return { text, entries, byKey, diagnostics, hasSyntaxErrors: doc.errors.length > 0 };
}

type ToRange = (start: number, end: number) => Range;

/**
 * Offsets -> LSP range. The end drops trailing whitespace (a block list ends after its last
 * newline), keeping at least one character (a tab used as indentation is the error).
 */
function rangeMaker(text: string, lc: LineCounter): ToRange {
  const pos = (offset: number): Position => {
    const p = lc.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line - 1, character: p.col - 1 };
  };
  return (start, end) => {
    let e = Math.max(start, end);
    while (e > start + 1 && /\s/.test(text[e - 1])) e--;
    return { start: pos(start), end: pos(e) };
  };
}

function afterColon(text: string, keyEnd: number): number {
  const colon = text.indexOf(':', keyEnd);
  return colon < 0 ? keyEnd : colon + 1;
}

function nodeRange(node: YamlNode, toRange: ToRange): Range {
  return node.range ? toRange(node.range[0], node.range[1]) : toRange(0, 0);
}

function toConfigNode(node: YamlNode | null, doc: Document, text: string, toRange: ToRange, keyEnd: number): ConfigNode {
  if (node === null || !node.range) {
    const r = toRange(keyEnd, keyEnd);
    return { kind: 'scalar', value: null, source: '', quoted: false, range: r };
  }
  const range = toRange(node.range[0], node.range[1]);
  // An alias stands for its anchor's value, at the alias's own position.
  const target = isAlias(node) ? (node.resolve(doc) ?? null) : node;
  if (isSeq(target)) {
    const items = target.items.map((item) => {
      const n = item as YamlNode | null;
      return toConfigNode(n, doc, text, toRange, node.range![1]);
    });
    return { kind: 'list', items, range };
  }
  if (isMap(target)) return { kind: 'map', range };
  const source = text.slice(node.range[0], node.range[1]).trimEnd();
  if (isScalar(target)) {
    const v = target.value;
    const value = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
    const quoted = target.type === 'QUOTE_DOUBLE' || target.type === 'QUOTE_SINGLE';
    return { kind: 'scalar', value, source, quoted, range };
  }
  return { kind: 'scalar', value: null, source, quoted: false, range };
}

/** The entry under a position, and whether it is on the key or the value (for hovers and completions). */
export function entryAt(parsed: ParsedConfig, pos: Position): { entry: ConfigEntry; on: 'key' | 'value' } | undefined {
  const inside = (r: Range) => comparePositions(r.start, pos) <= 0 && comparePositions(pos, r.end) <= 0;
  for (const entry of parsed.entries) {
    if (inside(entry.keyRange)) return { entry, on: 'key' };
    if (inside(entry.value.range)) return { entry, on: 'value' };
  }
  return undefined;
}
