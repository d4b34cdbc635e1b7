import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { Diagnostic, formatDiagnostic, sortDiagnostics } from './diagnostics';
import { checkPaths } from './paths';
import { resolveConfig } from './resolve';
import type { OptinConfig, RunConfig } from './schema';
import { Mode, ValidatedConfig, validateText } from './validate';

export { formatDiagnostic };

export interface LoadOptions {
  /** `run` (default): the paths a run needs must be set. `lint`: missing paths are information. */
  mode?: Mode;
  /** Check the paths on disk (default: true). */
  checkPaths?: boolean;
}

export interface LoadedConfig<C extends OptinConfig = OptinConfig> {
  /** The config file as given. */
  file: string;
  config: C;
  /** Warnings and information (errors throw), sorted by position. */
  diagnostics: Diagnostic[];
  validated: ValidatedConfig;
}

/** A config file's text as an editor shows it, or why it cannot be read. */
export function readConfigText(file: string): { text: string } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { problem: `cannot read the config (${(e as NodeJS.ErrnoException).code ?? e})` };
  }
  // Editors drop a byte-order mark from the document, so positions must not count it.
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** Every diagnostic of a config text: the instant checks, then (optionally) the disk checks. */
export async function diagnoseConfig(text: string, file: string, mode: Mode, disk: boolean): Promise<{ validated: ValidatedConfig; diagnostics: Diagnostic[] }> {
  const validated = validateText(text, { mode });
  const onDisk = disk ? await checkPaths(validated, file) : [];
  return { validated, diagnostics: sortDiagnostics([...validated.diagnostics, ...onDisk]) };
}

/**
 * Reads, validates and resolves a config file. Throws a UserError that lists every error as
 * `file:line:col: error: message`; warnings and information come back in `diagnostics`.
 */
export async function loadConfig(file: string, opts?: LoadOptions & { mode?: 'run' }): Promise<LoadedConfig<RunConfig>>;
export async function loadConfig(file: string, opts?: LoadOptions): Promise<LoadedConfig>;
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const read = readConfigText(file);
  if ('problem' in read) throw new UserError(`${file}: ${read.problem}.`, file);
  const { validated, diagnostics } = await diagnoseConfig(read.text, file, opts.mode ?? 'run', opts.checkPaths !== false);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const n = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    throw new UserError(`${file}: ${n} in the config:\n${errors.map((d) => formatDiagnostic(d, file)).join('\n')}`, file);
  }
  const config = resolveConfig(validated.values, path.dirname(path.resolve(file)));
  return { file, config, diagnostics, validated };
}
