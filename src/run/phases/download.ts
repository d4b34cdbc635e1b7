/**
 * Phase `download`: the model and data a config names (`model_name`, `dataset`) become folders
 * and files in the Hugging Face cache, read from it when there, fetched into it otherwise.
 * Paths the config sets win; a run without names skips this phase.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../errors';
import { splitFiles } from '../../data/named';
import type { DownloadProgress, FetchOptions, Snapshot } from '../../hub/download';
import { fetchSnapshot } from '../../hub/download';
import { resolveModel } from '../../hub/modelFiles';
import { repoRef } from '../../hub/repo';
import { hubSettings } from '../../hub/settings';
import type { RunContext } from '../runContext';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** "textattack/bert-…: model.safetensors 12.0/417 MiB · 8.1 MiB/s" */
export function describeDownload(p: DownloadProgress): string {
  return `${p.repo}: ${p.file} ${formatBytes(p.bytes)}/${formatBytes(p.total)} · ${formatBytes(Math.round(p.bytesPerSecond))}/s`;
}

/** A fine-tuned classifier, not a base model: the released configs name `bert-base-uncased`. */
function checkClassifier(dir: string, id: string): void {
  let config: { architectures?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { architectures?: unknown };
  } catch {
    return; // loadModel reports an unreadable config.json with its path
  }
  const archs = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === 'string') : [];
  if (archs.length > 0 && !archs.some((a) => /For(Sequence|Image)Classification$/.test(a))) {
    throw new UserError(
      `\`model_name\` ${id} is a ${archs.join('/')} checkpoint, not a fine-tuned classifier: OPTIN prunes a model fine-tuned for the task (its classifier is what the distillation losses compare). ` +
        'Set `model_name` to a checkpoint fine-tuned on your dataset (on the Hub, e.g. "textattack/bert-base-uncased-MNLI" for MNLI), or `model_path` to your own.',
    );
  }
}

export async function downloadPhase(ctx: RunContext): Promise<void> {
  const { job, report } = ctx;
  const hub = job.hub;
  if (!hub?.model && !hub?.dataset) return;
  ctx.phase('download');
  const opts: FetchOptions = {
    settings: hubSettings(),
    signal: ctx.hooks.signal,
    onProgress: (p) => ctx.emit({ type: 'progress', phase: 'download', done: p.bytes, total: p.total, etaSeconds: p.etaSeconds, detail: describeDownload(p) }),
    onLog: (line) => ctx.log(line),
  };
  const describe = (s: Snapshot) => `${s.fromCache ? 'from the cache' : `downloaded ${s.downloaded.length} file(s)`}: ${s.dir} (${formatBytes(s.bytes)}, commit ${s.commit.slice(0, 12)})`;
  report.sources = {};
  if (hub.model) {
    const ref = repoRef('model', hub.model.id, hub.model.revision, 'model_name');
    const snap = await resolveModel(ref, opts);
    checkClassifier(snap.dir, hub.model.id);
    job.modelPath = snap.dir;
    report.model.dir = snap.dir;
    report.sources.model = { repo: ref.id, revision: ref.revision, commit: snap.commit, dir: snap.dir, fromCache: snap.fromCache, bytes: snap.bytes };
    ctx.log(`model ${ref.id}@${ref.revision} ${describe(snap)}`);
  }
  if (hub.dataset) {
    const ds = hub.dataset;
    const ref = repoRef('dataset', ds.repo, ds.revision, 'dataset');
    const chosen: { calibration: string[]; eval: string[] } = { calibration: [], eval: [] };
    const snap = await fetchSnapshot(ref, (files) => {
      chosen.calibration = hub.calibration ? splitFiles(files, ds, ds.calibrationSplit, 'calibration_split') : [];
      chosen.eval = hub.eval ? splitFiles(files, ds, ds.evalSplit, 'eval_split') : [];
      return [...new Set([...chosen.calibration, ...chosen.eval])];
    }, opts);
    const abs = (files: string[]) => files.map((f) => path.join(snap.dir, ...f.split('/')));
    if (hub.calibration) {
      job.calibrationData = abs(chosen.calibration);
      report.data.calibration.path = job.calibrationData[0];
    }
    if (hub.eval) job.evalData = abs(chosen.eval);
    if (!job.metric && ds.metric) job.metric = ds.metric;
    report.sources.dataset = {
      repo: ref.id, revision: ref.revision, commit: snap.commit, config: ds.config, dir: snap.dir, fromCache: snap.fromCache, bytes: snap.bytes,
      ...(hub.calibration && { calibrationSplit: ds.calibrationSplit, calibrationFiles: chosen.calibration }),
      ...(hub.eval && { evalSplit: ds.evalSplit, evalFiles: chosen.eval }),
    };
    ctx.log(`dataset ${ds.label}@${ref.revision} (${[hub.calibration && `calibration: ${ds.calibrationSplit}`, hub.eval && `evaluation: ${ds.evalSplit}`].filter(Boolean).join(', ')}) ${describe(snap)}`);
  }
  ctx.save();
  ctx.endPhase();
}
