/** What one pruning run is asked to do: the config, resolved to absolute paths and plain values. */
import type { NamedDataset } from '../data/named';
import type { Sampling } from '../data/sample';
import type { TextFields } from '../data/text';
import type { MetricName } from '../eval/metrics';
import type { Trajectory } from '../onnx/encoder';
import type { LossOptions } from '../onnx/segments';
import type { FastEstimator } from '../optin/fastScoring';
import type { ImportanceOptions } from '../optin/importance';
import type { RepairFit, RepairMethod } from '../optin/repair';
import type { BaselineCounts } from '../optin/search';
import type { DeviceChoice } from '../runtime/session';
import type { RunEvent } from './events';
import type { Method } from './report';

export interface PruneJob {
  /** The config as the user wrote it, saved as <run>/config.yaml. */
  configText?: string;
  /** The checkpoint folder; '' until the download phase resolves `hub.model`. */
  modelPath: string;
  /** A data path, or the Parquet shards of one split; '' until the download phase resolves `hub.dataset`. */
  calibrationData: string | string[];
  evalData: string | string[];
  /** What the config names on the Hugging Face Hub instead of paths (`model_name`, `dataset`). */
  hub?: {
    model?: { id: string; revision: string };
    dataset?: NamedDataset & { revision: string };
    /** Which of the data paths the dataset stands in for. */
    calibration: boolean;
    eval: boolean;
  };
  outputDir: string;
  /** Use exactly this run folder instead of <outputDir>/<run id>. */
  runDir?: string;
  device: DeviceChoice;
  threads?: number;
  budgets: number[];
  method: Method;
  baselines: Array<'magnitude' | 'random'>;
  seed: number;
  calibrationSize: number;
  /** How the calibration examples (and the latency batch) are chosen (`calibration_sampling`). */
  calibrationSampling: Sampling;
  /** How many units each baseline keeps at a budget (`baseline_counts`). */
  baselineCounts: BaselineCounts;
  mmdTokens: number;
  maxSeqLength?: number;
  fields?: Partial<TextFields>;
  metric?: MetricName;
  batchSize: number;
  timerBatchSize: number;
  latencyRuns: number;
  /** Loss options; `trajectory` unset = the family's default (`embedding_choice: auto`). */
  loss: Omit<LossOptions, 'trajectory'> & { trajectory?: Trajectory };
  importance: ImportanceOptions;
  /** Re-fit the kept units after the search (least_squares) or not (none, when absent; configs default to least_squares). */
  repair?: RepairMethod;
  /** What repair fits (`repair_fit`): the output projections' weights (when absent) or one scale per unit. */
  repairFit?: RepairFit;
  candidatesPerRun?: number;
  /** `scoring` and its settings (config keys scoring, scoring_time_limit, fast_*). */
  scoring?: { mode: 'auto' | 'exact' | 'fast'; timeLimitMinutes: number; fastEstimator?: FastEstimator; fastProbes?: number; fastCalibrationSize?: number; fastCheckUnits?: number };
  /** Token merging of vision models (`token_reduction`, `token_schedule`): absent = none. */
  tokens?: { schedule: 'auto' | number | number[] };
  /** Refuse scoring that would need more (default: 80% of the machine's memory). */
  memoryLimitBytes?: number;
}

export interface RunHooks {
  signal?: AbortSignal;
  onEvent?: (e: RunEvent) => void;
}
