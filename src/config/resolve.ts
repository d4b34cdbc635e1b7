import { familyInfo } from '../model/families';
import type { Family } from '../model/spec';
import { resolveConfigPath } from './paths';
import { CONFIG_KEYS, ConfigValues, DERIVED_DEFAULTS, keySpec, OptinConfig } from './schema';

/**
 * From checked values to the config a run uses: defaults applied (derived ones after the
 * values they derive from), paths absolute against the config file's folder.
 */
export function resolveConfig(values: ConfigValues, configDir: string): OptinConfig {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const spec = keySpec(key);
    const derive = DERIVED_DEFAULTS[key] as ((v: ConfigValues) => unknown) | undefined;
    let value: unknown = values[key] ?? derive?.(values) ?? spec.default;
    if (Array.isArray(value)) value = [...value];
    if (spec.type === 'path' && typeof value === 'string') value = resolveConfigPath(value, configDir);
    out[key] = value;
  }
  return out as OptinConfig;
}

/** The FLOP budgets to search, in the order given (one budget, or a sweep). */
export function macBudgets(config: Pick<OptinConfig, 'mac_constraint'>): number[] {
  return Array.isArray(config.mac_constraint) ? [...config.mac_constraint] : [config.mac_constraint];
}

/**
 * The trajectory feature L_MD compares for a model family. `auto` picks by family; post-norm
 * families (BERT, RoBERTa, DistilBERT, ELECTRA) have no layernorm_before, so the released BERT
 * config's `layernorm_before` means the FFN output there.
 */
export function trajectoryFeature(config: Pick<OptinConfig, 'embedding_choice'>, family: Family): 'layernorm_before' | 'output_dense' {
  if (familyInfo(family).norm === 'post') return 'output_dense';
  return config.embedding_choice === 'output_dense' ? 'output_dense' : 'layernorm_before';
}
