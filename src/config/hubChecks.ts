/**
 * Lint checks for the names a config uses instead of paths (`model_name`, `dataset`): what the
 * Hugging Face cache holds for them, read synchronously and never over the network. A name not
 * cached yet is information (a run downloads it; the quick fix "Download now" does it first).
 */
import { datasetOfKeys, splitFiles } from '../data/named';
import { findCachedSnapshot } from '../hub/cache';
import { repoRef } from '../hub/repo';
import { hubSettings, type HubSettings } from '../hub/settings';
import { baseModelArchitectures, isKnownBaseModel, notAClassifier } from '../model/classifier';
import type { Diagnostic } from './diagnostics';
import type { ValidatedConfig } from './validate';

export interface HubNameCheck {
  diagnostics: Diagnostic[];
  /** The cached snapshot of `model_name`, when a run would read it (the disk checks inspect it as the checkpoint). */
  modelDir?: string;
}

export function checkHubNames(config: ValidatedConfig, settings: HubSettings = hubSettings()): HubNameCheck {
  const { values } = config;
  const out: HubNameCheck = { diagnostics: [] };
  const push = (key: 'model_name' | 'dataset', severity: Diagnostic['severity'], code: Diagnostic['code'], message: string) => {
    const e = config.entry(key);
    if (e) out.diagnostics.push({ severity, code, message, key, range: e.value.range });
  };
  const missing = (what: string) =>
    settings.offline
      ? `${what} is not in the Hugging Face cache (${settings.cacheDir}) and HF_HUB_OFFLINE is set, so a run cannot download it: unset HF_HUB_OFFLINE, or copy the snapshot into the cache.`
      : `${what} is not in the Hugging Face cache (${settings.cacheDir}) yet: a run downloads it from ${settings.endpoint}, or use the quick fix "Download now".`;

  if (values.model_name !== undefined && values.model_path === undefined) {
    try {
      const ref = repoRef('model', values.model_name, values.model_revision ?? 'main', 'model_name');
      const cached = findCachedSnapshot(ref, settings.cacheDir);
      const complete = cached?.files.includes('config.json') && cached.files.some((f) => f === 'model.safetensors' || f === 'model.safetensors.index.json');
      if (!cached && isKnownBaseModel(ref.id)) {
        // Say it before a run downloads hundreds of MB only to stop at the missing classifier.
        push('model_name', 'warning', 'hub-name', `${notAClassifier(ref.id, ['pretrained base model'])} The released OPTIN configs name the base model their fine-tuning started from.`);
      } else if (!cached || !complete) {
        push('model_name', settings.offline ? 'warning' : 'information', 'not-downloaded', missing(`\`model_name\` ${ref.id}@${ref.revision}`));
      } else {
        const base = baseModelArchitectures(cached.dir);
        if (base) push('model_name', 'warning', 'hub-name', notAClassifier(ref.id, base));
        else out.modelDir = cached.dir;
      }
    } catch (e) {
      push('model_name', 'error', 'hub-name', (e as Error).message);
    }
  }

  const needCalib = values.calibration_data === undefined;
  const needEval = values.eval_data === undefined;
  const ds = needCalib || needEval ? datasetOfKeys(values) : undefined;
  if (ds) {
    try {
      const ref = repoRef('dataset', ds.repo, values.dataset_revision ?? 'main', 'dataset');
      const cached = findCachedSnapshot(ref, settings.cacheDir);
      if (!cached) {
        push('dataset', settings.offline ? 'warning' : 'information', 'not-downloaded', missing(`\`dataset\` ${ds.label}@${ref.revision}`));
      } else {
        // Splits not downloaded yet are fetched by a run; a split the cached files cannot have is an error now.
        for (const [need, split, key] of [[needCalib, ds.calibrationSplit, 'calibration_split'], [needEval, ds.evalSplit, 'eval_split']] as const) {
          if (!need) continue;
          try {
            splitFiles(cached.files, ds, split, key);
          } catch {
            push('dataset', settings.offline ? 'warning' : 'information', 'not-downloaded', missing(`The ${split} split of \`dataset\` ${ds.label}`));
          }
        }
      }
    } catch (e) {
      push('dataset', 'error', 'hub-name', (e as Error).message);
    }
  }
  return out;
}
