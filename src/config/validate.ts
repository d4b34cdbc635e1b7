import { Diagnostic, FILE_START, sortDiagnostics } from './diagnostics';
import { ConfigEntry, parseConfig, ParsedConfig } from './parse';
import { crossFieldRules } from './rules';
import { CONFIG_KEYS, ConfigKey, ConfigValues, describeDefault, isConfigKey, keySpec } from './schema';
import { closest, normaliseName } from './suggest';
import { checkValue } from './values';
import { KNOWN_DATASETS, namedDataset } from '../data/named';

/**
 * Structure and value checks of a parsed config, without touching the disk (path checks are
 * the separate, async checkPaths), so the editor can run this on every keystroke.
 *
 * `lint`: a config without paths is fine to edit (missing paths are information);
 * `run`: every path a run needs must be set.
 */
export type Mode = 'lint' | 'run';

export interface ValidateOptions {
  mode?: Mode;
}

export interface ValidatedConfig {
  parsed: ParsedConfig;
  mode: Mode;
  /** The values the file sets that passed their checks. */
  values: ConfigValues;
  /** Everything found, sorted by position. */
  diagnostics: Diagnostic[];
  /** The first valid occurrence of a key, for ranges (checkPaths, editor). */
  entry(key: ConfigKey): ConfigEntry | undefined;
}

/** Aliases (normalised) -> key, for "did you mean" beyond edit distance. */
const ALIASES: ReadonlyMap<string, string> = new Map(
  CONFIG_KEYS.flatMap((k) => (keySpec(k).aliases ?? []).map((a): [string, string] => [normaliseName(a), k])),
);

export function validateText(text: string, opts: ValidateOptions = {}): ValidatedConfig {
  return validateConfig(parseConfig(text), opts);
}

export function validateConfig(parsed: ParsedConfig, opts: ValidateOptions = {}): ValidatedConfig {
  const mode = opts.mode ?? 'lint';
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  const values: ConfigValues = {};
  const valid = new Map<ConfigKey, ConfigEntry>();

  for (const entry of parsed.entries) {
    if (entry.damaged) continue;
    const { key } = entry;
    if (!isConfigKey(key)) {
      diagnostics.push(unknownKey(entry, parsed));
      continue;
    }
    if (entry.value.kind === 'scalar' && entry.value.value === null) {
      diagnostics.push(emptyValue(key, entry));
      continue;
    }
    const checked = checkValue(key, entry.value);
    diagnostics.push(...checked.diagnostics);
    if (checked.value !== undefined && !entry.duplicate) {
      (values as Record<string, unknown>)[key] = checked.value;
      valid.set(key, entry);
    }
  }

  for (const [key, entry] of valid) {
    const spec = keySpec(key);
    if (spec.acted) continue;
    const warn = spec.warnIfSetTo !== undefined && values[key] === spec.warnIfSetTo;
    diagnostics.push({
      severity: warn ? 'warning' : 'information',
      code: 'not-acted-on',
      message: warn
        ? `\`${key}: ${entry.value.kind === 'scalar' ? entry.value.source : ''}\` is not acted on: ${spec.notActed}. Delete the line or set it to ${describeDefault(spec)}.`
        : `\`${key}\` is accepted for compatibility with the released OPTIN configs but not acted on: ${spec.notActed}.`,
      key,
      range: warn ? entry.value.range : entry.keyRange,
      ...(warn ? { data: { replacement: describeDefault(spec) } } : {}),
    });
  }

  // A file that is not a mapping, or nothing but broken YAML, has bigger problems than missing paths.
  const shapeless = parsed.diagnostics.some((d) => d.code === 'not-a-mapping') || (parsed.entries.length === 0 && parsed.hasSyntaxErrors);
  // So is one that is empty or sets no config key at all: say that once instead of listing every missing path.
  const notConfig = shapeless ? undefined : notAConfig(parsed);
  if (notConfig) diagnostics.unshift(notConfig);
  else if (!shapeless) diagnostics.push(...missingKeys(parsed, mode, values));
  const entry = (key: ConfigKey) => valid.get(key);
  diagnostics.push(...crossFieldRules({ values, entry }));
  return { parsed, mode, values, diagnostics: sortDiagnostics(diagnostics), entry };
}

function unknownKey(entry: ConfigEntry, parsed: ParsedConfig): Diagnostic {
  const suggestion = closest(entry.key, CONFIG_KEYS, ALIASES);
  // Renaming to a key the file already sets would only trade this error for a duplicate.
  const taken = suggestion !== undefined ? parsed.byKey.get(suggestion) : undefined;
  const message = !suggestion
    ? `Unknown key \`${entry.key}\`; the config keys are listed in docs/config.md.`
    : taken
      ? `Unknown key \`${entry.key}\`; did you mean \`${suggestion}\` (already set on line ${taken.keyRange.start.line + 1})? Delete one of them.`
      : `Unknown key \`${entry.key}\`; did you mean \`${suggestion}\`?`;
  return {
    severity: 'error',
    code: 'unknown-key',
    message,
    key: entry.key,
    range: entry.keyRange,
    ...(suggestion && !taken ? { data: { replacement: suggestion } } : {}),
  };
}

function emptyValue(key: ConfigKey, entry: ConfigEntry): Diagnostic {
  const spec = keySpec(key);
  const fallback = describeDefault(spec);
  const plain = spec.default !== undefined && spec.derivedDefault === undefined;
  const effect = fallback ? `the default (${fallback}) is used` : `it counts as not set${spec.whenAbsent ? ` (${spec.whenAbsent})` : ''}`;
  const source = entry.value.kind === 'scalar' ? entry.value.source : '';
  return {
    severity: 'warning',
    code: 'empty-value',
    message: `\`${key}\` has no value, so ${effect}; give a value or delete the line.`,
    key,
    range: entry.keyRange,
    ...(plain
      ? source === ''
        ? { data: { replacement: ` ${fallback}`, replaceRange: { start: entry.valueInsert, end: entry.valueInsert } } }
        : { data: { replacement: fallback, replaceRange: entry.value.range } }
      : {}),
  };
}

/** What every OPTIN config sets, for the messages about files that set none of it. */
export const CONFIG_NEEDS =
  'an OPTIN config is a YAML mapping that sets at least `model_path` (a Hugging Face checkpoint folder), `calibration_data` and `eval_data`, ' +
  'usually with a MAC budget `mac_constraint` (e.g. 0.6); every key is in docs/config.md, and "OPTIN: New Config" writes one';

/** An empty file (or only comments), or a mapping none of whose keys is a config key. */
function notAConfig(parsed: ParsedConfig): Diagnostic | undefined {
  const keys = [...new Set(parsed.entries.map((e) => e.key))];
  if (keys.some(isConfigKey)) return undefined;
  const shown = keys.slice(0, 3).map((k) => `\`${k}\``).join(', ') + (keys.length > 3 ? `, … (${keys.length} keys)` : '');
  return {
    severity: 'error',
    code: 'not-a-config',
    message:
      keys.length === 0
        ? `The file is empty, so it is not an OPTIN config: ${CONFIG_NEEDS}.`
        : `None of this file's keys (${shown}) is an OPTIN config key, so it is not an OPTIN config: ${CONFIG_NEEDS}.`,
    range: FILE_START,
  };
}

/** Paths a run needs. Reported where the released config names what they replace (model_name, dataset). */
function missingKeys(parsed: ParsedConfig, mode: Mode, values: ConfigValues): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const key of CONFIG_KEYS) {
    const spec = keySpec(key);
    if (!spec.requiredToRun || values[key] !== undefined) continue;
    const present = parsed.byKey.get(key);
    const empty = present?.value.kind === 'scalar' && present.value.value === null;
    // A value that is set but invalid has its own diagnostic; an empty one has a warning, an error only for a run.
    if (present && (!empty || mode === 'lint')) continue;
    const replaced = spec.replaces ? parsed.byKey.get(spec.replaces) : undefined;
    const replacedValue = replaced?.value.kind === 'scalar' && typeof replaced.value.value === 'string' ? replaced.value.value : undefined;
    // A Hub model id, or a dataset we know how to find, stands in for the path.
    if (!present && replacedValue !== undefined && (spec.replaces === 'model_name' || namedDataset(replacedValue))) continue;
    const what = describeNeed(key);
    const suffix = mode === 'lint' ? ' Paths are needed to run it, not to lint it.' : '';
    const message = present
      ? `\`${key}\` has no value; set it to ${what}.`
      : replaced && replacedValue !== undefined
        ? `\`${replaced.key}\` '${replacedValue}' is neither a known dataset (${KNOWN_DATASETS.join(', ')}) nor a Hub dataset id (org/name); set \`${key}\` to ${what}.${suffix}`
        : `\`${key}\` is missing; set it to ${what}, or name ${spec.replaces === 'model_name' ? 'the Hub model in `model_name`' : 'the data in `dataset`'}.${suffix}`;
    out.push({
      severity: mode === 'run' ? 'error' : 'information',
      code: 'missing-key',
      message,
      key,
      range: present?.keyRange ?? replaced?.keyRange ?? FILE_START,
      data: { insertKey: key },
    });
  }
  return out;
}

function describeNeed(key: ConfigKey): string {
  switch (keySpec(key).pathKind) {
    case 'checkpoint':
      return 'the local Hugging Face checkpoint folder (config.json + model.safetensors), relative to this file';
    case 'data':
      return key === 'eval_data'
        ? 'labelled evaluation data (a .tsv/.csv/.jsonl/.parquet file, or an ImageFolder directory), relative to this file'
        : 'calibration data (a .tsv/.csv/.jsonl/.parquet file, or an ImageFolder directory), relative to this file';
    default:
      return 'a path relative to this file';
  }
}
