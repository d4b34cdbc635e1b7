/**
 * One pruning run, end to end: load -> calibrate -> score (or reuse rankings) -> search each
 * budget -> (repair) -> export pruned.onnx -> evaluate -> report.json. Each phase is a module under phases/
 * that takes the run's context; every phase updates report.json, so a cancelled or failed run
 * states what finished. Files are written atomically.
 */
import * as path from 'path';
import { UserError } from '../errors';
import { writeFileAtomic } from './atomic';
import { openRunFolder } from './runFolder';
import { downloadPhase } from './phases/download';
import { evaluatePhase } from './phases/evaluate';
import { loadPhase } from './phases/load';
import { rankingsPhase } from './phases/rankings';
import { repairPhase } from './phases/repair';
import { exportPhase, searchPhase } from './phases/searchExport';
import type { PruneJob, RunHooks } from './pruneJob';
import type { Report } from './report';
import { createRunContext } from './runContext';

export type { PruneJob, RunHooks } from './pruneJob';
export { TOOL_VERSION } from './runContext';

/** Runs a pruning job; resolves to the final report (also on disk) whatever the outcome. */
export async function runPrune(job: PruneJob, hooks: RunHooks = {}): Promise<Report> {
  const folder = openRunFolder(job.outputDir, job.method, job.runDir);
  try {
    return await runInFolder(job, folder.dir, hooks);
  } finally {
    folder.release();
  }
}

async function runInFolder(job: PruneJob, runDir: string, hooks: RunHooks): Promise<Report> {
  const ctx = createRunContext(job, runDir, hooks);
  const { report } = ctx;
  if (job.configText !== undefined) writeFileAtomic(path.join(runDir, 'config.yaml'), job.configText);
  ctx.log(`run folder ${runDir}`);
  ctx.save();
  ctx.emit({ type: 'started', runDir });
  try {
    await downloadPhase(ctx);
    const loaded = await loadPhase(ctx);
    const scores = await rankingsPhase(ctx, loaded);
    const { searches, curves } = await searchPhase(ctx, loaded, scores);
    const repaired = await repairPhase(ctx, loaded, searches);
    exportPhase(ctx, loaded, searches, repaired?.models);
    await evaluatePhase(ctx, loaded, repaired, curves);
    report.status = 'complete';
  } catch (e) {
    const cancelled = hooks.signal?.aborted === true;
    report.status = cancelled ? 'cancelled' : 'failed';
    report.error = cancelled ? 'cancelled by the user' : (e as Error).message;
    ctx.failPhase(cancelled ? 'cancelled' : 'failed');
    ctx.log(`${report.status}: ${report.error}`, cancelled ? 'warn' : 'error');
    if (!cancelled && !(e instanceof UserError)) {
      ctx.finish();
      throw e;
    }
  }
  ctx.finish();
  ctx.emit({ type: 'done', status: report.status, runDir, error: report.error });
  return report;
}
