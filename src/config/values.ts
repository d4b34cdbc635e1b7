import type { Diagnostic, DiagnosticCode, DiagnosticData, Range } from './diagnostics';
import type { ConfigNode } from './parse';
import { ConfigKey, describeExpected, describeInterval, KeySpec, keySpec } from './schema';
import { closest } from './suggest';

/**
 * Checks one value against its key's table entry. Each problem is reported at the exact
 * range of the value (or of the list entry), with a ready replacement when one is obvious.
 */

export interface Checked {
  /** The typed value, when it has no error (warnings allowed). */
  value?: unknown;
  diagnostics: Diagnostic[];
}

/** YAML 1.1 booleans (PyYAML reads them as booleans; YAML 1.2 and this tool read them as strings). */
const YAML11_BOOLEANS: Record<string, boolean> = { yes: true, no: false, on: true, off: false, y: true, n: false };

export function checkValue(key: ConfigKey, node: ConfigNode): Checked {
  const spec = keySpec(key);
  const out: Diagnostic[] = [];
  const report = (code: DiagnosticCode, message: string, range: Range, data?: DiagnosticData, severity: Diagnostic['severity'] = 'error') =>
    out.push({ severity, code, message, key, range, ...(data ? { data } : {}) });
  const ctx: Ctx = { key, spec, report };
  const value = checkBySpec(ctx, node);
  return { value: out.some((d) => d.severity === 'error') ? undefined : value, diagnostics: out };
}

interface Ctx {
  key: ConfigKey;
  spec: KeySpec;
  report: (code: DiagnosticCode, message: string, range: Range, data?: DiagnosticData, severity?: Diagnostic['severity']) => void;
}

function checkBySpec(ctx: Ctx, node: ConfigNode): unknown {
  const { spec } = ctx;
  const name = `\`${ctx.key}\``;
  switch (spec.type) {
    case 'number':
    case 'integer':
      return checkNumber(ctx, node, name);
    case 'boolean':
      return checkBoolean(ctx, node, name);
    case 'string':
    case 'path':
      return checkString(ctx, node, name);
    case 'enum':
      return checkEnum(ctx, node, name);
    case 'number-or-list':
      if (node.kind !== 'list') return checkNumber(ctx, node, name);
      if (node.items.length === 0) {
        ctx.report('out-of-range', `${name} must be ${describeExpected(spec)}; the list is empty.`, node.range, { replacement: String(spec.default) });
        return undefined;
      }
      return checkList(ctx, node, (item, i) => checkNumber(ctx, item, `${name} entry ${i + 1}`, true));
    case 'string-list':
    case 'enum-list':
      return checkStringList(ctx, node, name);
    case 'auto-or-counts':
      if (node.kind === 'scalar' && typeof node.value === 'string' && node.value.trim() === 'auto') return 'auto';
      if (node.kind !== 'list') return checkNumber(ctx, node, name);
      if (node.items.length === 0) {
        ctx.report('out-of-range', `${name} must be ${describeExpected(spec)}; the list is empty.`, node.range, { replacement: 'auto' });
        return undefined;
      }
      return checkList(ctx, node, (item, i) => checkNumber(ctx, item, `${name} entry ${i + 1}`, true));
  }
}

/** Reports a list, mapping or empty entry where one value belongs. */
function notScalar(ctx: Ctx, node: ConfigNode, name: string, expected = describeExpected(ctx.spec)): boolean {
  if (node.kind === 'scalar' && node.value !== null) return false;
  const got = node.kind === 'list' ? 'a list' : node.kind === 'map' ? 'a mapping' : 'empty';
  ctx.report('wrong-type', `${name} must be ${expected}, not ${got}.`, node.range);
  return true;
}

/** 0.6 rather than 0.6000000000000001 */
function tidy(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/** A number or integer; `entry` for the entries of a budget sweep. */
function checkNumber(ctx: Ctx, node: ConfigNode, name: string, entry = false): number | undefined {
  const { spec } = ctx;
  const integer = spec.type === 'integer' || spec.type === 'auto-or-counts';
  // One number: for mac_constraint, one budget rather than "a number or a list".
  const expected = integer ? describeExpected(spec) : `a number${describeInterval(spec) ? ` ${withinPhrase(spec)}` : ''}`;
  if (notScalar(ctx, node, name, entry ? expected : undefined) || node.kind !== 'scalar') return undefined;
  const v = node.value;
  if (typeof v === 'string') {
    const text = v.trim();
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (percent && spec.max === 1) {
      const fraction = tidy(Number(percent[1]) / 100);
      ctx.report('wrong-type', `${name} is a fraction ${withinPhrase(spec)}, not a percentage: write ${fraction} for ${text}.`, node.range, { replacement: fraction });
      return undefined;
    }
    if (/^\d+(_\d+)+$/.test(text)) {
      const plain = text.replace(/_/g, '');
      ctx.report('wrong-type', `${name}: YAML 1.2 reads ${text} as a string (digit separators are YAML 1.1); write ${plain}.`, node.range, { replacement: plain });
      return undefined;
    }
    if (text !== '' && Number.isFinite(Number(text))) {
      ctx.report('wrong-type', `${name} must be ${expected}, but ${node.source} is a quoted string; write ${text} without quotes.`, node.range, { replacement: text });
      return undefined;
    }
    ctx.report('wrong-type', `${name} must be ${expected}, got ${node.source}.`, node.range);
    return undefined;
  }
  if (typeof v !== 'number') {
    ctx.report('wrong-type', `${name} must be ${expected}, got ${node.source}.`, node.range);
    return undefined;
  }
  if (!Number.isFinite(v)) {
    ctx.report('out-of-range', `${name} must be a finite number, got ${node.source}.`, node.range);
    return undefined;
  }
  if (integer && !Number.isInteger(v)) {
    ctx.report('wrong-type', `${name} must be a whole number (${expected}), got ${node.source}.`, node.range);
    return undefined;
  }
  const { min, max, exclusiveMin } = spec;
  const below = min !== undefined && (exclusiveMin ? v <= min : v < min);
  const above = max !== undefined && v > max;
  if (below || above) {
    // 60 for a fraction in (0, 1] is almost surely meant as 60 %; 1.5 is not obviously 1.5 %.
    if (above && max === 1 && v >= 2 && v <= 100) {
      const fraction = tidy(v / 100);
      ctx.report('out-of-range', `${name} must be ${expected}, got ${node.source}; did you mean ${fraction} (${node.source}%)?`, node.range, { replacement: fraction });
    } else {
      ctx.report('out-of-range', `${name} must be ${expected}, got ${node.source}.`, node.range);
    }
    return undefined;
  }
  return v;
}

function withinPhrase(spec: KeySpec): string {
  const interval = describeInterval(spec);
  return interval.startsWith('(') || interval.startsWith('[') ? `in ${interval}` : interval;
}

function checkBoolean(ctx: Ctx, node: ConfigNode, name: string): boolean | undefined {
  if (notScalar(ctx, node, name) || node.kind !== 'scalar') return undefined;
  const v = node.value;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const lower = v.trim().toLowerCase();
    if (node.quoted && (lower === 'true' || lower === 'false')) {
      ctx.report('wrong-type', `${name} must be true or false, but ${node.source} is a quoted string; write ${v.trim()} without quotes.`, node.range, { replacement: v.trim() });
      return undefined;
    }
    if (!node.quoted && lower in YAML11_BOOLEANS) {
      const fix = String(YAML11_BOOLEANS[lower]);
      ctx.report('wrong-type', `${name} must be true or false; YAML 1.2 reads ${node.source} as a string (PyYAML's YAML 1.1 reads it as ${fix}); write ${fix}.`, node.range, { replacement: fix });
      return undefined;
    }
  }
  if (v === 0 || v === 1) {
    const fix = String(v === 1);
    ctx.report('wrong-type', `${name} must be true or false, got ${node.source}; write ${fix}.`, node.range, { replacement: fix });
    return undefined;
  }
  ctx.report('wrong-type', `${name} must be true or false, got ${node.source}.`, node.range);
  return undefined;
}

/** A string or path; `entry` for the entries of a string list. */
function checkString(ctx: Ctx, node: ConfigNode, name: string, entry = false): string | undefined {
  const expected = entry ? 'a string' : describeExpected(ctx.spec);
  if (notScalar(ctx, node, name, expected) || node.kind !== 'scalar') return undefined;
  const v = node.value;
  if (typeof v !== 'string') {
    const quoted = JSON.stringify(node.source);
    ctx.report('wrong-type', `${name} must be ${expected}; YAML reads ${node.source} as a ${typeof v}: quote it as ${quoted}.`, node.range, { replacement: quoted });
    return undefined;
  }
  if (v.trim() === '') {
    const fix = entry ? 'give a value or delete the entry' : ctx.spec.type === 'path' ? 'give a path relative to the config file, or delete the line' : 'give a value or delete the line';
    ctx.report('empty-value', `${name} is an empty ${ctx.spec.type === 'path' ? 'path' : 'string'}; ${fix}.`, node.range);
    return undefined;
  }
  return v;
}

function checkEnum(ctx: Ctx, node: ConfigNode, name: string): string | undefined {
  const values = ctx.spec.values ?? [];
  if (notScalar(ctx, node, name, `one of ${values.join(', ')}`) || node.kind !== 'scalar') return undefined;
  if (typeof node.value === 'string' && values.includes(node.value)) return node.value;
  const given = typeof node.value === 'string' ? node.value : node.source;
  const suggestion = closest(given, values);
  const hint = suggestion !== undefined ? `; did you mean ${suggestion}?` : '.';
  ctx.report('enum', `${name} must be one of ${values.join(', ')}; got ${node.source}${hint}`, node.range, suggestion !== undefined ? { replacement: suggestion } : undefined);
  return undefined;
}

function checkStringList(ctx: Ctx, node: ConfigNode, name: string): string[] | undefined {
  const { spec } = ctx;
  if (node.kind === 'scalar' && typeof node.value === 'string' && node.value.trim() !== '') {
    const fix = `[${node.source}]`;
    ctx.report('wrong-type', `${name} must be ${describeExpected(spec)}; write a list even for one: ${fix}.`, node.range, { replacement: fix });
    return undefined;
  }
  if (node.kind !== 'list') {
    const got = node.kind === 'map' ? 'a mapping' : node.source;
    ctx.report('wrong-type', `${name} must be ${describeExpected(spec)}, got ${got}.`, node.range);
    return undefined;
  }
  const { minItems: lo, maxItems: hi } = spec;
  if ((lo !== undefined && node.items.length < lo) || (hi !== undefined && node.items.length > hi)) {
    ctx.report('out-of-range', `${name} must be ${describeExpected(spec)}, got ${node.items.length}.`, node.range);
    return undefined;
  }
  const item = (n: ConfigNode, i: number) =>
    spec.type === 'enum-list' ? checkEnum(ctx, n, `${name} entry ${i + 1}`) : checkString(ctx, n, `${name} entry ${i + 1}`, true);
  return checkList(ctx, node, item);
}

/** Checks every entry and warns about repeats (a budget or baseline listed twice runs twice). */
function checkList<T>(ctx: Ctx, node: ConfigNode & { kind: 'list' }, item: (n: ConfigNode, i: number) => T | undefined): T[] | undefined {
  const values: T[] = [];
  const firstAt = new Map<T, number>();
  let ok = true;
  node.items.forEach((n, i) => {
    const v = item(n, i);
    if (v === undefined) {
      ok = false;
      return;
    }
    const first = firstAt.get(v);
    if (first !== undefined) {
      ctx.report('duplicate-value', `\`${ctx.key}\` lists ${String(v)} twice (entries ${first + 1} and ${i + 1}); delete one.`, n.range, undefined, 'warning');
    } else {
      firstAt.set(v, i);
    }
    values.push(v);
  });
  return ok ? values : undefined;
}
