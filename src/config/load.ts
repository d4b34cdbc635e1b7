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

/**
 * Reads, validates and resolves a config file. Throws a UserError that lists every error as
 * `file:line:col: error: message`; warnings and information come back in `diagnostics`.
 */
export async function loadConfig(file: string, opts?: LoadOptions & { mode?: 'run' }): Promise<LoadedConfig<RunConfig>>;
export async function loadConfig(file: string, opts?: LoadOptions): Promise<LoadedConfig>;
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read the config (${(e as NodeJS.ErrnoException).code ?? e}).`, file);
  }
  // Editors drop a byte-order mark from the document, so positions must not count it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const validated = validateText(text, { mode: opts.mode ?? 'run' });
  const onDisk = opts.checkPaths === false ? [] : await checkPaths(validated, file);
  const diagnostics = sortDiagnostics([...validated.diagnostics, ...onDisk]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    const n = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    throw new UserError(`${file}: ${n} in the config:\n${errors.map((d) => formatDiagnostic(d, file)).join('\n')}`, file);
  }
  const config = resolveConfig(validated.values, path.dirname(path.resolve(file)));
  return { file, config, diagnostics, validated };
}
