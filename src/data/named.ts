/**
 * Datasets by name, as the released OPTIN configs write them (`dataset: mnli`): which Hub repo,
 * subset (config) and splits they mean, and which Parquet files of that repo hold a split.
 * Any other Hub dataset works by its id (`dataset: org/name`, `dataset_config`, splits as keys).
 */
import { UserError } from '../errors';
import type { MetricName } from '../eval/metrics';

export interface NamedDataset {
  /** The Hub dataset repo. */
  repo: string;
  /** The subset (the folder of its Parquet files); undefined: the default layout (data/ or the root). */
  config?: string;
  calibrationSplit: string;
  evalSplit: string;
  /** The task's usual metric (GLUE's: Matthews for CoLA, Pearson for STS-B, F1 for MRPC/QQP). */
  metric?: MetricName;
  /** Where the name came from, for messages. */
  label: string;
}

const GLUE = 'nyu-mll/glue';

/** GLUE tasks by the names the released configs use (validation: the dev set the paper reports). */
const KNOWN: Record<string, Omit<NamedDataset, 'label'>> = {
  mnli: { repo: GLUE, config: 'mnli', calibrationSplit: 'train', evalSplit: 'validation_matched', metric: 'accuracy' },
  'mnli-mm': { repo: GLUE, config: 'mnli', calibrationSplit: 'train', evalSplit: 'validation_mismatched', metric: 'accuracy' },
  qqp: { repo: GLUE, config: 'qqp', calibrationSplit: 'train', evalSplit: 'validation', metric: 'accuracy' },
  qnli: { repo: GLUE, config: 'qnli', calibrationSplit: 'train', evalSplit: 'validation', metric: 'accuracy' },
  sst2: { repo: GLUE, config: 'sst2', calibrationSplit: 'train', evalSplit: 'validation', metric: 'accuracy' },
  stsb: { repo: GLUE, config: 'stsb', calibrationSplit: 'train', evalSplit: 'validation', metric: 'pearson' },
  mrpc: { repo: GLUE, config: 'mrpc', calibrationSplit: 'train', evalSplit: 'validation', metric: 'f1' },
  cola: { repo: GLUE, config: 'cola', calibrationSplit: 'train', evalSplit: 'validation', metric: 'matthews' },
  rte: { repo: GLUE, config: 'rte', calibrationSplit: 'train', evalSplit: 'validation', metric: 'accuracy' },
  cifar10: { repo: 'uoft-cs/cifar10', config: 'plain_text', calibrationSplit: 'train', evalSplit: 'test', metric: 'accuracy' },
};

/** Spellings people use for the same task ("sst-2", "SST2", "glue/mnli"). */
function canonical(name: string): string {
  const n = name.trim().toLowerCase().replace(/^glue[/:]/, '');
  const aliases: Record<string, string> = { 'sst-2': 'sst2', 'sts-b': 'stsb', 'mnli-m': 'mnli', mnli_matched: 'mnli', mnli_mismatched: 'mnli-mm', 'cifar-10': 'cifar10' };
  return aliases[n] ?? n;
}

export const KNOWN_DATASETS: readonly string[] = Object.keys(KNOWN);

export interface NamedDatasetOverrides {
  config?: string;
  calibrationSplit?: string;
  evalSplit?: string;
}

/** What `dataset:` names, or undefined when it is neither a known task nor a Hub id (org/name). */
export function namedDataset(name: string, o: NamedDatasetOverrides = {}): NamedDataset | undefined {
  const known = KNOWN[canonical(name)];
  const base = known ?? (name.includes('/') ? { repo: name.trim(), calibrationSplit: 'train', evalSplit: 'validation' } : undefined);
  if (!base) return undefined;
  return {
    ...base,
    ...(o.config && { config: o.config }),
    ...(o.calibrationSplit && { calibrationSplit: o.calibrationSplit }),
    ...(o.evalSplit && { evalSplit: o.evalSplit }),
    label: `${base.repo}${(o.config ?? base.config) ? ` (${o.config ?? base.config})` : ''}`,
  };
}

/** What a config's keys name (`dataset` with `dataset_config`, `calibration_split`, `eval_split`); undefined when nothing resolvable. */
export function datasetOfKeys(keys: { dataset?: unknown; dataset_config?: unknown; calibration_split?: unknown; eval_split?: unknown }): NamedDataset | undefined {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const name = str(keys.dataset);
  return name === undefined ? undefined : namedDataset(name, { config: str(keys.dataset_config), calibrationSplit: str(keys.calibration_split), evalSplit: str(keys.eval_split) });
}

/** The part of a path inside the subset folder, or undefined when the file is not in it. */
function inSubset(file: string, config: string | undefined): string | undefined {
  if (config) return file.startsWith(`${config}/`) ? file.slice(config.length + 1) : undefined;
  if (file.startsWith('data/')) return file.slice(5);
  return file.includes('/') ? undefined : file;
}

/** The split a Parquet file belongs to: `<split>-00000-of-00001.parquet`, `<split>.parquet` or `<split>/*.parquet`. */
function splitOf(rel: string): string | undefined {
  const parts = rel.split('/');
  if (parts.length === 2) return parts[0];
  if (parts.length !== 1) return undefined;
  const m = /^(.+?)(?:-\d{5}-of-\d{5})?\.parquet$/.exec(parts[0]);
  return m?.[1];
}

/** The Parquet shards of `split` in a repo's file list, in order; a UserError lists what exists. */
export function splitFiles(files: readonly string[], ds: NamedDataset, split: string, key: string): string[] {
  const parquet = files.filter((f) => f.toLowerCase().endsWith('.parquet'));
  const found = new Map<string, string[]>();
  for (const f of parquet) {
    const rel = inSubset(f, ds.config);
    const s = rel === undefined ? undefined : splitOf(rel);
    if (s) found.set(s, [...(found.get(s) ?? []), f]);
  }
  const shards = found.get(split);
  if (shards) return shards.sort();
  const subsets = [...new Set(parquet.filter((f) => f.includes('/')).map((f) => f.split('/')[0]))].sort();
  if (found.size === 0) {
    throw new UserError(
      parquet.length === 0
        ? `\`dataset\`: ${ds.repo} has no Parquet files; only Parquet datasets are read. Convert it (datasets' to_parquet) and set \`calibration_data\` / \`eval_data\`, or use a revision with Parquet files (\`dataset_revision\`, e.g. refs/convert/parquet).`
        : `\`dataset\`: ${ds.repo} has no Parquet files ${ds.config ? `in the subset "${ds.config}"` : 'in data/ or at its root'}; its subsets are ${subsets.join(', ')}. Set \`dataset_config\`.`,
    );
  }
  throw new UserError(`\`${key}\`: ${ds.label} has no split "${split}"; its splits are ${[...found.keys()].sort().join(', ')}.`);
}
