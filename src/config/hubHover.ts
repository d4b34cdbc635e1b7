/**
 * Hovers over `model_name` and `dataset`: what the Hugging Face cache holds for the name, or what
 * a run would download. Reads the cache only (synchronously, no network), like the disk checks.
 */
import { datasetOfKeys } from '../data/named';
import { bytesText } from '../format';
import { findCachedSnapshot } from '../hub/cache';
import { repoRef, type RepoRef } from '../hub/repo';
import { hubSettings } from '../hub/settings';

function cacheLine(ref: RepoRef, wanted: string): string {
  const settings = hubSettings();
  const cached = findCachedSnapshot(ref, settings.cacheDir);
  if (cached) {
    return `**In the Hugging Face cache:** ${ref.id}@${ref.revision} → commit \`${cached.commit.slice(0, 12)}\`, ${cached.files.length} file${cached.files.length === 1 ? '' : 's'}, ${bytesText(cached.bytes)}\n\n\`${cached.dir}\``;
  }
  const from = settings.offline ? 'nowhere: HF_HUB_OFFLINE is set, so a run fails until it is unset or the files are copied in' : `${settings.endpoint}${settings.token ? ' (with HF_TOKEN)' : ''}`;
  return `**Not in the Hugging Face cache** (\`${settings.cacheDir}\`): a run downloads ${wanted} from ${from}.`;
}

/** Markdown for a hover over `model_name` / `dataset` values; undefined for other keys or unusable names. */
export function hubHoverMarkdown(key: string, value: string, values: Record<string, unknown>): string | undefined {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  try {
    if (key === 'model_name') {
      const note = str('model_path') ? '\n\n`model_path` is set, so runs read that folder and not this name.' : '';
      return cacheLine(repoRef('model', value, str('model_revision') ?? 'main', 'model_name'), 'config.json, model.safetensors (or its shards) and the tokenizer or preprocessor files') + note;
    }
    if (key === 'dataset') {
      const ds = datasetOfKeys({ ...values, dataset: value });
      if (!ds) return undefined;
      const splits = `calibration: \`${ds.calibrationSplit}\`, evaluation: \`${ds.evalSplit}\`${ds.metric ? `, metric ${ds.metric}` : ''}`;
      const paths = str('calibration_data') && str('eval_data') ? '\n\n`calibration_data` and `eval_data` are set, so runs read those and not this name.' : '';
      return `**${ds.label}** · ${splits}\n\n${cacheLine(repoRef('dataset', ds.repo, str('dataset_revision') ?? 'main', 'dataset'), 'the Parquet files of those splits')}${paths}`;
    }
  } catch {
    return undefined; // an invalid id has its own diagnostic
  }
  return undefined;
}
