/**
 * Phase `download`: the model and data a config names (`model_name`, `dataset`) become folders
 * and files in the Hugging Face cache, read from it when there, fetched into it otherwise.
 * Paths the config sets win; a run without names skips this phase.
 */
import type { DownloadProgress } from '../../hub/download';
import { hubSettings } from '../../hub/settings';
import type { RunContext } from '../runContext';
import { bytesText } from '../../format';
import { fetchSources } from '../sources';

/** "textattack/bert-…: model.safetensors 12.0/417 MiB · 8.1 MiB/s" */
export function describeDownload(p: DownloadProgress): string {
  return `${p.repo}: ${p.file} ${bytesText(p.bytes)}/${bytesText(p.total)} · ${bytesText(Math.round(p.bytesPerSecond))}/s`;
}

export async function downloadPhase(ctx: RunContext): Promise<void> {
  const { job, report } = ctx;
  const hub = job.hub;
  if (!hub?.model && !hub?.dataset) return;
  ctx.phase('download');
  const got = await fetchSources(hub, {
    settings: hubSettings(),
    signal: ctx.hooks.signal,
    onProgress: (p) => ctx.emit({ type: 'progress', phase: 'download', done: p.bytes, total: p.total, etaSeconds: p.etaSeconds, detail: describeDownload(p) }),
    onLog: (line) => ctx.log(line),
  });
  if (got.modelDir) job.modelPath = report.model.dir = got.modelDir;
  if (got.calibration) {
    job.calibrationData = got.calibration;
    report.data.calibration.path = got.calibration[0];
  }
  if (got.eval) job.evalData = got.eval;
  if (!job.metric && hub.dataset?.metric) job.metric = hub.dataset.metric;
  report.sources = got.sources;
  for (const line of got.lines) ctx.log(line);
  ctx.save();
  ctx.endPhase();
}
