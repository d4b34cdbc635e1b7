import { parseConfig, ParsedConfig } from './parse';
import { ConfigKey, isConfigKey } from './schema';

/**
 * Whether a YAML text is an OPTIN config, by its content: editors use it together with file
 * name globs so that an unrelated `config.yaml` (docker-compose, a CI workflow, a Hydra
 * training config) is never linted as one.
 *
 * A config is a mapping that sets one key only OPTIN has (`mac_constraint`,
 * `lambda_contribution`, `head_fin_decay_val`, ...), or at least two config keys that make
 * up at least half of its top-level keys (`model_path` + `batch_size`, but not `batch_size`
 * + `seed` among ten other training keys).
 */

/** Keys whose names no other tool is likely to use. */
export const DISTINCTIVE_KEYS: readonly ConfigKey[] = [
  'mac_constraint',
  'lambda_contribution',
  'head_include_fin_layer_mmd',
  'head_fin_decay_bool',
  'head_fin_decay_val',
  'neuron_include_fin_layer_mmd',
  'neuron_fin_decay_bool',
  'neuron_fin_decay_val',
  'head_metric_decay',
  'neuron_metric_decay',
  'kd_divide_logits_by_temp',
  'mmd_tokens',
  'calibration_data',
  'embedding_choice',
];

export type ConfigLikeness =
  /** A mapping with OPTIN keys. */
  | 'config'
  /** Nothing but comments or whitespace: could become one (completions, no diagnostics). */
  | 'empty'
  /** Anything else: not ours. */
  | 'other';

export function configLikeness(textOrParsed: string | ParsedConfig): ConfigLikeness {
  const parsed = typeof textOrParsed === 'string' ? parseConfig(textOrParsed) : textOrParsed;
  if (parsed.diagnostics.some((d) => d.code === 'not-a-mapping')) return 'other';
  const keys = new Set(parsed.entries.map((e) => e.key));
  if (keys.size === 0) return parsed.hasSyntaxErrors || /\S/.test(stripComments(parsed.text)) ? 'other' : 'empty';
  const known = [...keys].filter(isConfigKey);
  if (known.some((k) => DISTINCTIVE_KEYS.includes(k))) return 'config';
  return known.length >= 2 && known.length * 2 >= keys.size ? 'config' : 'other';
}

export function isOptinConfigText(text: string): boolean {
  return configLikeness(text) === 'config';
}

function stripComments(text: string): string {
  return text.replace(/^\s*#.*$/gm, '').replace(/^---\s*$/gm, '');
}

