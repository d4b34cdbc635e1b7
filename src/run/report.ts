/**
 * The on-disk format of a run, read by the CLI, the panel and the tests. Documented in
 * docs/report.md; bump REPORT_VERSION on any incompatible change.
 */
import type { Latency } from '../eval/latency';
import type { MetricName } from '../eval/metrics';
import type { SampleRecord } from '../data/sample';
import type { BaselineCounts } from '../optin/search';
import type { Device } from '../runtime/session';

export const REPORT_VERSION = 1 as const;

export type RunStatus = 'running' | 'complete' | 'cancelled' | 'failed';
export type Method = 'optin' | 'magnitude' | 'random';

export interface PhaseTiming {
  name: 'load' | 'calibrate' | 'score' | 'search' | 'export' | 'evaluate';
  seconds: number;
  status: 'done' | 'reused' | 'cancelled' | 'failed';
}

export interface LayerKeep {
  layer: number;
  heads: number[];
  neurons: number;
  headsTotal: number;
  neuronsTotal: number;
}

export interface BaselineResult {
  method: 'magnitude' | 'random';
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
  model: { dir: string; family: string; architecture: string; layers: number; heads: number; hidden: number; intermediate: number; labels: string[]; parameters: number; fileBytes?: number };
  data: {
    /** `sample`: which examples were scored (method optin; absent in reports written before sampling existed). */
    calibration: { path: string; examples: number; paddedLength: number; realTokens: number; sample?: SampleRecord };
    /** `latencySample`: the examples of the latency batch, chosen the same way. */
    eval?: { path: string; examples: number; meanSequenceLength: number; latencySample?: SampleRecord };
  };
  macModel?: { seqLen: number; perHead: number; perNeuron: number; encoderMacs: number; note: string };
  rankings?: { file: string; fingerprint: string; reused: boolean; reusedFrom?: string; units: number; seconds: number };
  metric?: MetricName;
  unpruned?: { metric: number; macs: number; parameters: number; fileBytes: number; latency?: Latency };
  budgets: BudgetResult[];
  phases: PhaseTiming[];
  peakRssBytes: number;
}
