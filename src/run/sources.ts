/**
 * The model and data a config names on the Hugging Face Hub (`model_name`, `dataset`), made
 * local: a snapshot folder for the model, Parquet shards for each split. Used by a run's
 * download phase and by the editor's "Download now"; both read the cache first.
 */
import * as path from 'path';
import { UserError } from '../errors';
import { splitFiles } from '../data/named';
import { bytesText } from '../format';
import { baseModelArchitectures, notAClassifier } from '../model/classifier';
import { fetchSnapshot, type FetchOptions, type Snapshot } from '../hub/download';
import { resolveModel } from '../hub/modelFiles';
import { repoRef } from '../hub/repo';
import type { PruneJob } from './pruneJob';
import type { Report } from './report';

export type HubNames = NonNullable<PruneJob['hub']>;

export interface ResolvedSources {
  modelDir?: string;
  calibration?: string[];
  eval?: string[];
  sources: NonNullable<Report['sources']>;
  /** One line per repo for the log: where it came from. */
  lines: string[];
}


export async function fetchSources(hub: HubNames, opts: FetchOptions): Promise<ResolvedSources> {
  const out: ResolvedSources = { sources: {}, lines: [] };
  // "From the cache" means nothing was downloaded (a branch is still checked against the Hub when online).
  const describe = (s: Snapshot) => `${s.downloaded.length === 0 ? `from the cache${s.fromCache ? '' : ' (up to date with the Hub)'}` : `downloaded ${s.downloaded.length} file(s)`}: ${s.dir} (${bytesText(s.bytes)}, commit ${s.commit.slice(0, 12)})`;
  if (hub.model) {
    const ref = repoRef('model', hub.model.id, hub.model.revision, 'model_name');
    const snap = await resolveModel(ref, opts);
    const base = baseModelArchitectures(snap.dir);
    if (base) throw new UserError(notAClassifier(hub.model.id, base));
    out.modelDir = snap.dir;
    out.sources.model = { repo: ref.id, revision: ref.revision, commit: snap.commit, dir: snap.dir, fromCache: snap.downloaded.length === 0, downloaded: snap.downloaded, bytes: snap.bytes };
    out.lines.push(`model ${ref.id}@${ref.revision} ${describe(snap)}`);
  }
  if (hub.dataset && (hub.calibration || hub.eval)) {
    const ds = hub.dataset;
    const ref = repoRef('dataset', ds.repo, ds.revision, 'dataset');
    const chosen: { calibration: string[]; eval: string[] } = { calibration: [], eval: [] };
    const snap = await fetchSnapshot(ref, (files) => {
      chosen.calibration = hub.calibration ? splitFiles(files, ds, ds.calibrationSplit, 'calibration_split') : [];
      chosen.eval = hub.eval ? splitFiles(files, ds, ds.evalSplit, 'eval_split') : [];
      return [...new Set([...chosen.calibration, ...chosen.eval])];
    }, opts);
    const abs = (files: string[]) => files.map((f) => path.join(snap.dir, ...f.split('/')));
    if (hub.calibration) out.calibration = abs(chosen.calibration);
    if (hub.eval) out.eval = abs(chosen.eval);
    out.sources.dataset = {
      repo: ref.id, revision: ref.revision, commit: snap.commit, config: ds.config, dir: snap.dir, fromCache: snap.downloaded.length === 0, downloaded: snap.downloaded, bytes: snap.bytes,
      ...(hub.calibration && { calibrationSplit: ds.calibrationSplit, calibrationFiles: chosen.calibration }),
      ...(hub.eval && { evalSplit: ds.evalSplit, evalFiles: chosen.eval }),
    };
    out.lines.push(`dataset ${ds.label}@${ref.revision} (${[hub.calibration && `calibration: ${ds.calibrationSplit}`, hub.eval && `evaluation: ${ds.evalSplit}`].filter(Boolean).join(', ')}) ${describe(snap)}`);
  }
  return out;
}
