/**
 * Diagnostics about a config file, shaped like LSP diagnostics so the editor shell can
 * hand them to VS Code unchanged: 0-based lines and UTF-16 characters, end exclusive.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information';

/** Stable codes (quick fixes and docs key on them), with what each one means. */
export const DIAGNOSTIC_CODES = {
  'yaml-syntax': 'The file is not valid YAML.',
  'yaml-warning': 'Valid YAML, but something the YAML parser warns about (e.g. an unknown tag).',
  'not-a-mapping': 'The top level must be a mapping of `key: value` lines.',
  'not-a-config': 'The file is empty, or none of its keys is an OPTIN config key (it is not an OPTIN config).',
  'invalid-key': 'A key that is not a plain name (a list or mapping used as a key).',
  'duplicate-key': 'The same key appears twice; reported at the second occurrence.',
  'unknown-key': 'Not a config key; `data.replacement` holds the closest key when one is close.',
  'wrong-type': 'The value has the wrong type (e.g. a quoted number); `data.replacement` holds a fix when there is an obvious one.',
  'out-of-range': 'A number outside its allowed range, or a list with too few/many entries; `data.replacement` holds e.g. 0.6 for a percentage 60.',
  enum: 'Not one of the allowed values; `data.replacement` holds the closest allowed value.',
  'empty-value': 'A key with no value (the default is used) or an empty path.',
  'duplicate-value': 'The same value twice in a list.',
  'missing-key': 'A key needed to run (a path) is not set; `data.insertKey` names it. Information when linting, an error when running.',
  'not-acted-on': 'A key of the released OPTIN configs that is accepted but has no effect here.',
  'cross-field': 'Keys that contradict each other, or one that has no effect given another.',
  'missing-path': 'A path that does not exist.',
  'bad-path': 'A path that exists but is not what the key needs (e.g. a file instead of a checkpoint folder).',
  'unsupported-model': "The checkpoint's model_type is not one this tool can prune.",
  'not-downloaded': 'A model or dataset named by `model_name` / `dataset` is not in the Hugging Face cache yet: a run downloads it (quick fix: Download now).',
  'hub-name': 'What the Hugging Face cache holds for `model_name` / `dataset` is not what a run needs (a base model without a classifier, a split that is not there).',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** What a quick fix needs; every field is optional. */
export interface DiagnosticData {
  /** YAML source text that fixes the problem, to put at `replaceRange` (default: the diagnostic's range). */
  replacement?: string;
  replaceRange?: Range;
  /** A key to add to the file (for `missing-key`). */
  insertKey?: string;
}

export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** The config key it is about, when there is one. */
  key?: string;
  range: Range;
  data?: DiagnosticData;
}

export const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** `file:line:col: severity: message`, 1-based as compilers print it (and VS Code's problem matchers read it). */
export function formatDiagnostic(d: Diagnostic, file: string): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}

/** By position, then errors before warnings before information; otherwise stable. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const rank: Record<Severity, number> = { error: 0, warning: 1, information: 2 };
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => comparePositions(a.d.range.start, b.d.range.start) || rank[a.d.severity] - rank[b.d.severity] || a.i - b.i)
    .map((x) => x.d);
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}
