import { macBudgets } from '../config';
import { datasetOfKeys } from '../data/named';
import type { RunConfig } from '../config';
import type { RepairMethod } from '../optin/repair';
import type { RepairFit } from '../onnx/repairGraphs';
import type { DeviceChoice } from '../runtime/session';
import type { PruneJob } from './pruneJob';

export interface JobOverrides {
  budgets?: number[];
  runDir?: string;
  device?: DeviceChoice;
  scoring?: 'auto' | 'exact' | 'fast';
  repair?: RepairMethod;
  repairFit?: RepairFit;
}

/** From a validated, resolved config (keys as the user wrote them) to what the pipeline runs. */
export function jobFromConfig(c: RunConfig, configText: string, o: JobOverrides = {}): PruneJob {
  // Paths win; names stand in for the paths a config leaves out (validation made sure one is there).
  const modelPath = c.model_path as string | undefined;
  const calibration = c.calibration_data as string | undefined;
  const evalData = c.eval_data as string | undefined;
  const dataset = !calibration || !evalData ? datasetOfKeys(c) : undefined;
  const model = !modelPath && c.model_name ? { id: c.model_name, revision: c.model_revision } : undefined;
  return {
    configText,
    modelPath: modelPath ?? '',
    calibrationData: calibration ?? '',
    evalData: evalData ?? '',
    ...((model || dataset) && {
      hub: { model, dataset: dataset && { ...dataset, revision: c.dataset_revision }, calibration: !!dataset && !calibration, eval: !!dataset && !evalData },
    }),
    outputDir: c.output_dir,
    runDir: o.runDir,
    device: o.device ?? c.device,
    threads: c.threads > 0 ? c.threads : undefined,
    budgets: o.budgets ?? macBudgets(c),
    method: c.method,
    repair: o.repair ?? c.repair,
    repairFit: o.repairFit ?? c.repair_fit,
    ...(c.token_reduction === 'merge' && { tokens: { schedule: c.token_schedule } }),
    baselines: [...c.baselines],
    seed: c.seed,
    calibrationSize: c.calibration_size,
    calibrationSampling: c.calibration_sampling,
    baselineCounts: c.baseline_counts,
    mmdTokens: c.mmd_tokens,
    maxSeqLength: c.max_seq_length,
    fields: { ...(c.text_fields ? { text: [...c.text_fields] } : {}), ...(c.label_field ? { label: c.label_field } : {}) },
    metric: c.metric,
    batchSize: c.batch_size,
    timerBatchSize: c.timer_batch_size,
    latencyRuns: c.latency_runs,
    scoring: { mode: o.scoring ?? c.scoring, timeLimitMinutes: c.scoring_time_limit, fastEstimator: c.fast_estimator, fastProbes: c.fast_probes, fastCalibrationSize: c.fast_calibration_size, fastCheckUnits: c.fast_check_units },
    memoryLimitBytes: c.memory_limit_mb !== undefined ? c.memory_limit_mb * 2 ** 20 : undefined,
    loss: {
      aggregate: c.aggregate,
      temperature: c.temp,
      divideByTemperature: c.kd_divide_logits_by_temp,
      trajectory: c.embedding_choice === 'auto' ? undefined : c.embedding_choice,
    },
    importance: {
      lossType: c.loss_type,
      lambda: c.lambda_contribution,
      metricDecay: { head: c.head_metric_decay, neuron: c.neuron_metric_decay },
      includeFinalLayer: { head: c.head_include_fin_layer_mmd, neuron: c.neuron_include_fin_layer_mmd },
      finalDecay: { head: c.head_fin_decay_bool ? c.head_fin_decay_val : undefined, neuron: c.neuron_fin_decay_bool ? c.neuron_fin_decay_val : undefined },
      compat: c.compat,
    },
  };
}

/** A list of MAC budgets as a user types it ("0.4, 0.5 0.6"): fractions in the order given, or what is wrong with it. */
export function parseBudgetList(text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return 'Give at least one budget, e.g. 0.4, 0.5, 0.6.';
  const values = parts.map(Number);
  const bad = parts.find((_, i) => !Number.isFinite(values[i]) || values[i] <= 0 || values[i] > 1);
  if (bad !== undefined) return `"${bad}" is not a fraction in (0, 1]: budgets are the share of encoder MACs to keep (0.5 = half).`;
  return [...new Set(values)];
}
