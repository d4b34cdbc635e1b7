/**
 * The on-disk format of a run, read by the CLI, the panel and the tests. Documented in
 * docs/report.md; bump REPORT_VERSION on any incompatible change.
 */
import type { TextFields } from '../data/text';
import type { Latency } from '../eval/latency';
import type { MetricName } from '../eval/metrics';
import type { FastCheck } from '../optin/fastScoring';
import type { LayerRepair, RepairFit } from '../optin/repair';

/**
 * The check that decides whether a budget's repair is delivered: divergence from the unpruned
 * model's outputs (KL; squared difference for regression) of the repaired and the unrepaired
 * model, on calibration examples outside the sample (`heldOut`; the sample itself when none are left).
 */
export interface RepairCheckRecord {
  examples: number;
  heldOut: boolean;
  repaired: number;
  unrepaired: number;
  /** True when the repaired model is the one exported (it was at least as close). */
  kept: boolean;
}
import type { SampleRecord } from '../data/sample';
import type { BaselineCounts } from '../optin/search';
import type { Device } from '../runtime/session';

export const REPORT_VERSION = 1 as const;

export type RunStatus = 'running' | 'complete' | 'cancelled' | 'failed';
export type Method = 'optin' | 'magnitude' | 'random';

export interface PhaseTiming {
  name: 'download' | 'load' | 'calibrate' | 'score' | 'search' | 'repair' | 'export' | 'evaluate';
  seconds: number;
  status: 'done' | 'reused' | 'cancelled' | 'failed';
}

export interface LayerKeep {
  layer: number;
  heads: number[];
  neurons: number;
  headsTotal: number;
  neuronsTotal: number;
  /** With token merging: tokens entering the layer, and how many it merges. */
  tokens?: number;
  merged?: number;
}

/** One way to spend a budget with token merging: a schedule and its own head/neuron mask. */
export interface TokenSplit {
  /** Share of the budget's MAC cut that the schedule takes (0: heads/neurons only; 1: tokens only). */
  share: number;
  schedule: number[];
  heads: number;
  neurons: number;
  macFraction: number;
  /** `token_schedule: auto`: KL from the unpruned model's predictions on the check examples (squared difference for regression). */
  divergence?: number;
  /** The trade-off curves: the eval metric and latency of this split's exported model (repaired as the run's are). */
  metric?: number;
  latency?: Latency;
}

/** Token merging at one budget (`token_reduction: merge`). */
export interface TokenRecord {
  reduction: 'merge';
  /** `auto`: the split closest to the unpruned model on held-out calibration examples; `config`: the schedule as written. */
  chosenBy: 'auto' | 'config';
  share?: number;
  schedule: number[];
  /** Tokens entering each layer, then leaving the last. */
  tokensPerLayer: number[];
  /** Encoder MACs of the delivered model: attention (heads), FFN (neurons), and the merges' matching. */
  macs: { attention: number; ffn: number; merge: number };
  /** `auto`: every split tried, in order of share. */
  candidates?: TokenSplit[];
  /** Where the divergences were measured: examples, and whether they lie outside the calibration sample. */
  check?: { examples: number; heldOut: boolean };
  /** The other two curves at this budget: all of the cut on tokens, all of it on heads/neurons. */
  curves?: { tokensOnly: TokenSplit; unitsOnly: TokenSplit };
}

export interface BaselineResult {
  method: 'magnitude' | 'random';
  /** With `repair: least_squares`: the same baseline masks repaired like the method's (mean, and per seed for random). */
  repaired?: { metric: number; perSeed?: number[] };
  /**
   * `global` / `per_layer`: the method's numbers of heads and neurons (in all / in every layer),
   * chosen by this ranking; `search`: this ranking's scores through the mask search
   * (`baseline_counts`). Absent in reports written before the key existed (= `search`).
   */
  counts?: BaselineCounts;
  metric: number;
  /** Random: one value per seed (the metric above is their mean). */
  perSeed?: number[];
  /** MACs kept as a fraction of the unpruned encoder (random: of the last seed). */
  macFraction: number;
  /** Heads and neurons kept (random: mean over the seeds). */
  heads?: number;
  neurons?: number;
}

export interface BudgetResult {
  budget: number;
  /** Encoder MACs kept (absolute, at the eval data's mean sequence length) and as a fraction. */
  macs: number;
  macFraction: number;
  heads: number;
  neurons: number;
  perLayer: LayerKeep[];
  file: string;
  fileBytes: number;
  parameters: number;
  metric?: number;
  latency?: Latency;
  /** Unpruned median latency / pruned median latency. */
  speedup?: number;
  baselines: BaselineResult[];
  /** With `repair: least_squares`: the fit per layer (the metric above is the repaired model's). */
  repair?: { method: 'least_squares'; /** Absent in reports written before repair_fit existed (they fitted scales). */ fit?: RepairFit; seconds: number; layers: LayerRepair[]; check?: RepairCheckRecord };
  /** With repair on: the same mask without repair. */
  unrepaired?: { metric: number; latency?: Latency };
  /** With `token_reduction: merge`: the schedule, tokens per layer and how the budget was split. */
  tokens?: TokenRecord;
}

export interface Report {
  schema: 'optin-report';
  version: typeof REPORT_VERSION;
  status: RunStatus;
  error?: string;
  tool: { name: 'optin-vscode'; version: string };
  createdAt: string;
  finishedAt?: string;
  runDir: string;
  method: Method;
  device: { requested: string; used?: Device; notes: string[] };
  model: { dir: string; family: string; modelType?: string; architecture: string; layers: number; heads: number; hidden: number; intermediate: number; labels: string[]; parameters: number; fileBytes?: number };
  data: {
    calibration: {
      path: string; examples: number; paddedLength: number; realTokens: number;
      /** examples × paddedLength: the tokens one forward over the padded batch computes. */
      paddedTokens?: number;
      /** What the scorer runs per candidate: rows × paddedLength after packing (text) or as padded. */
      scoringRows?: number;
      scoringTokens?: number;
      /** Which examples were scored (method optin; absent in reports written before sampling existed). */
      sample?: SampleRecord;
    };
    /**
     * `latencySample`: the examples of the latency batch, chosen the same way; `maxSeqLength`/`fields`:
     * the text options the run read it with (`optin eval` on an export reuses them).
     */
    eval?: { path: string; files?: string[]; examples: number; meanSequenceLength: number; latencySample?: SampleRecord; maxSeqLength?: number; fields?: Partial<TextFields> };
    /** How the data's class names were mapped onto the model's (Parquet splits with ClassLabel names). */
    labelMapping?: string[];
  };
  /** Where a model or dataset named by `model_name` / `dataset` came from (the Hugging Face cache, or downloaded into it). */
  sources?: {
    /** fromCache: nothing was downloaded (`downloaded` lists what was). */
    model?: { repo: string; revision: string; commit: string; dir: string; fromCache: boolean; downloaded?: string[]; bytes: number };
    dataset?: {
      repo: string; revision: string; commit: string; config?: string; dir: string; fromCache: boolean; downloaded?: string[]; bytes: number;
      calibrationSplit?: string; calibrationFiles?: string[]; evalSplit?: string; evalFiles?: string[];
    };
  };
  macModel?: { seqLen: number; perHead: number; perNeuron: number; encoderMacs: number; note: string };
  /** How OPTIN scores were computed (`scoring`): the mode used, why, and a fast run's self-check. */
  scoring?: {
    requested: 'auto' | 'exact' | 'fast';
    mode: 'exact' | 'fast';
    reason: string;
    /** `auto`: exact scoring time projected from a timing probe (seconds). */
    projectedExactSeconds?: number;
    fast?: FastCheck;
    /** Set when the self-check found the fast scores unreliable. */
    warning?: string;
  };
  rankings?: { file: string; fingerprint: string; reused: boolean; reusedFrom?: string; units: number; seconds: number };
  metric?: MetricName;
  unpruned?: { metric: number; macs: number; parameters: number; fileBytes: number; latency?: Latency };
  budgets: BudgetResult[];
  phases: PhaseTiming[];
  peakRssBytes: number;
}
