import type { Diagnostic, Severity } from './diagnostics';
import type { ConfigEntry } from './parse';
import { CONFIG_KEYS, ConfigKey, ConfigValues, KEYS, keySpec } from './schema';

/**
 * Cross-field rules: keys that contradict each other, or that have no effect given another.
 * Each rule sees only values that passed their own checks, and reports at the key (or value)
 * it is about. Adding a rule is one function in RULES.
 */

export interface RuleContext {
  values: ConfigValues;
  /** The first, valid occurrence of a key in the file. */
  entry(key: ConfigKey): ConfigEntry | undefined;
}

type Rule = (ctx: RuleContext) => Diagnostic[];

export type Modality = 'text' | 'image';

function note(severity: Severity, key: ConfigKey, entry: ConfigEntry, on: 'key' | 'value', message: string, replacement?: string): Diagnostic {
  return {
    severity,
    code: 'cross-field',
    message,
    key,
    range: on === 'key' ? entry.keyRange : entry.value.range,
    ...(replacement !== undefined ? { data: { replacement } } : {}),
  };
}

function line(entry: ConfigEntry): string {
  return `line ${entry.keyRange.start.line + 1}`;
}

/** Keys that feed only the KD term, only the MD term, or only OPTIN's loss-based scoring. */
const KD_KEYS: ConfigKey[] = ['lambda_contribution', 'temp', 'kd_divide_logits_by_temp'];
const MD_KEYS: ConfigKey[] = ['aggregate', 'mmd_tokens', 'embedding_choice', 'head_include_fin_layer_mmd', 'neuron_include_fin_layer_mmd'];
const SCORING_KEYS: ConfigKey[] = ['loss_type', ...KD_KEYS, ...MD_KEYS, 'head_fin_decay_bool', 'head_fin_decay_val', 'neuron_fin_decay_bool', 'neuron_fin_decay_val'];

const finDecay: Rule = ({ values, entry }) => {
  const out: Diagnostic[] = [];
  for (const unit of ['head', 'neuron'] as const) {
    const flag = `${unit}_fin_decay_bool` as const;
    const val = `${unit}_fin_decay_val` as const;
    const flagEntry = entry(flag);
    const valEntry = entry(val);
    if (values[flag] === false && values[val] !== undefined && flagEntry && valEntry) {
      out.push(note('warning', val, valEntry, 'key', `\`${val}\` has no effect because \`${flag}\` is false (${line(flagEntry)}); set \`${flag}: true\` to use it, or delete this line.`));
    }
  }
  return out;
};

const compatKd: Rule = ({ values, entry }) => {
  const kd = entry('kd_divide_logits_by_temp');
  const compat = entry('compat');
  if (values.compat !== 'reference' || values.kd_divide_logits_by_temp !== true || !kd || !compat) return [];
  return [
    note('warning', 'kd_divide_logits_by_temp', kd, 'value',
      `\`compat: reference\` (${line(compat)}) reproduces the released code, which does not divide the logits by \`temp\`; \`kd_divide_logits_by_temp: true\` departs from it (the explicit value is used). Set it to false or delete it.`, 'false'),
  ];
};

const unusedByLoss: Rule = ({ values, entry }) => {
  const loss = values.loss_type;
  const lossEntry = entry('loss_type');
  if (!lossEntry || (loss !== 'MMD' && loss !== 'KL')) return [];
  const [unused, term] = loss === 'MMD' ? [KD_KEYS, 'the KD term (L_KD)'] : [MD_KEYS, 'the manifold term (L_MD)'];
  return unused.flatMap((k) => {
    const e = entry(k);
    return e ? [note('information', k, e, 'key', `\`${k}\` only affects ${term}, which \`loss_type: ${loss}\` (${line(lossEntry)}) leaves out; it has no effect.`)] : [];
  });
};

const unusedByMethod: Rule = ({ values, entry }) => {
  const method = values.method;
  const methodEntry = entry('method');
  if (!methodEntry || method === undefined || method === 'optin') return [];
  const out = SCORING_KEYS.flatMap((k) => {
    const e = entry(k);
    return e ? [note('information', k, e, 'key', `\`${k}\` only affects OPTIN's loss-based scores; with \`method: ${method}\` (${line(methodEntry)}) it has no effect.`)] : [];
  });
  const compat = entry('compat');
  if (compat && values.compat === 'reference') {
    out.push(note('information', 'compat', compat, 'key', `\`compat: reference\` only changes OPTIN's scoring; with \`method: ${method}\` (${line(methodEntry)}) it has no effect.`));
  }
  return out;
};

const baselineIsMethod: Rule = ({ values, entry }) => {
  const method = values.method ?? KEYS.method.default;
  const baselines = entry('baselines');
  if (!baselines || baselines.value.kind !== 'list' || !values.baselines) return [];
  const out: Diagnostic[] = [];
  values.baselines.forEach((b, i) => {
    if (b !== method) return;
    const item = baselines.value.kind === 'list' ? baselines.value.items[i] : undefined;
    out.push({
      severity: 'warning',
      code: 'cross-field',
      message: `\`baselines\` lists ${b}, which is already the \`method\`; delete it from the list.`,
      key: 'baselines',
      range: item?.range ?? baselines.value.range,
    });
  });
  return out;
};

const countsWithoutBaselines: Rule = ({ values, entry }) => {
  const e = entry('baseline_counts');
  if (!e || values.baseline_counts === undefined || (values.baselines && values.baselines.length > 0)) return [];
  return [note('information', 'baseline_counts', e, 'key', '`baseline_counts` only affects the `baselines`, and none are listed; add e.g. `baselines: [magnitude, random]`, or delete this line.')];
};

const scheduleWithoutMerging: Rule = ({ values, entry }) => {
  const e = entry('token_schedule');
  if (!e || values.token_schedule === undefined || values.token_reduction === 'merge') return [];
  return [note('information', 'token_schedule', e, 'key', '`token_schedule` only applies with `token_reduction: merge` (ViT/DeiT), which is not set; add `token_reduction: merge`, or delete this line.')];
};

const fitWithoutRepair: Rule = ({ values, entry }) => {
  const e = entry('repair_fit');
  if (!e || values.repair_fit === undefined || values.repair !== 'none') return [];
  return [note('information', 'repair_fit', e, 'key', '`repair_fit` only applies with `repair: least_squares`, and `repair` is `none`; set `repair: least_squares`, or delete this line.')];
};

const sameData: Rule = ({ values, entry }) => {
  const e = entry('eval_data');
  if (!e || values.eval_data === undefined || values.eval_data !== values.calibration_data) return [];
  return [note('information', 'eval_data', e, 'value', '`eval_data` is the same as `calibration_data`: the pruned model is evaluated on the examples that chose its mask, so its accuracy is optimistic. Use held-out data (e.g. the dev set) to evaluate.')];
};

/** A name that paths override is only recorded: say so, so nobody expects the named data to be used. */
const namesOverridden: Rule = ({ values, entry }) => {
  const out: Diagnostic[] = [];
  const model = entry('model_name');
  if (model && values.model_name !== undefined && values.model_path !== undefined) {
    out.push(note('information', 'model_name', model, 'key', `\`model_name\` is only recorded: \`model_path\` is set, and a path wins over a Hub name. Delete \`model_path\` to load ${values.model_name} from the Hugging Face cache or the Hub.`));
  }
  const ds = entry('dataset');
  if (ds && values.dataset !== undefined && values.calibration_data !== undefined && values.eval_data !== undefined) {
    out.push(note('information', 'dataset', ds, 'key', `\`dataset\` is only recorded: \`calibration_data\` and \`eval_data\` are set, and paths win over a dataset name.`));
  }
  return out;
};

const byTaskName: Rule = (ctx) => {
  const task = ctx.values.task_name;
  const e = ctx.entry('task_name');
  if (!task || !e) return [];
  const because = `\`task_name\` is ${task} (${line(e)})`;
  const modality = task === 'vision' ? 'image' : 'text';
  // With a checkpoint folder named, the path checks know its family (pre- or post-norm) and judge embedding_choice.
  const checkpoint = ctx.values.model_path !== undefined;
  return [...modalityRules(ctx, modality, because), ...(checkpoint || modality !== 'text' ? [] : trajectoryRule(ctx, because))];
};

/** Rules that need the model's modality: from task_name here, from the checkpoint in checkPaths. */
export function modalityRules(ctx: RuleContext, modality: Modality, because: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (modality === 'image') {
    for (const k of CONFIG_KEYS) {
      const e = ctx.entry(k);
      if (e && keySpec(k).textOnly && ctx.values[k] !== undefined) {
        out.push(note('warning', k, e, 'key', `\`${k}\` only applies to text models, and ${because}; delete it.`));
      }
    }
  }
  if (modality === 'text') {
    for (const k of CONFIG_KEYS) {
      const e = ctx.entry(k);
      const spec = keySpec(k);
      if (e && spec.visionOnly && ctx.values[k] !== undefined && ctx.values[k] !== spec.default) {
        out.push(note('error', k, e, 'value', `\`${k}: ${String(ctx.values[k])}\` only works for vision models (ViT/DeiT merge image patch tokens), and ${because}; set it to ${String(spec.default)} or delete it.`, String(spec.default)));
      }
    }
  }
  return out;
}

/** For a text model that normalises after each block (the checkpoint's family, or text by task_name): embedding_choice: layernorm_before means output_dense. */
export function trajectoryRule(ctx: RuleContext, because: string): Diagnostic[] {
  const choice = ctx.entry('embedding_choice');
  if (!choice || ctx.values.embedding_choice !== 'layernorm_before') return [];
  return [note('information', 'embedding_choice', choice, 'value',
    `\`embedding_choice: layernorm_before\` names the ViT/DeiT trajectory feature, but ${because}: BERT-family layers (BERT, RoBERTa, DistilBERT, ELECTRA, DeBERTa) have no layernorm_before (they normalise after each block), so the FFN output, \`output_dense\`, is used, as for the released BERT config.`, 'output_dense')];
}

export const RULES: readonly Rule[] = [finDecay, compatKd, unusedByLoss, unusedByMethod, baselineIsMethod, countsWithoutBaselines, scheduleWithoutMerging, fitWithoutRepair, sameData, namesOverridden, byTaskName];

export function crossFieldRules(ctx: RuleContext): Diagnostic[] {
  return RULES.flatMap((rule) => rule(ctx));
}
