/**
 * Entry of the run child process. The extension host forks this file so that ONNX Runtime work
 * never runs on the editor's event loop; it receives one Job and reports RunEvents over IPC.
 * Cancellation is SIGTERM (graceful: stop between session runs) or SIGKILL.
 */
import { UserError } from '../errors';
import { evaluate } from '../eval/evaluate';
import type { Job, RunEvent } from './events';
import { runPrune } from './pipeline';

function send(event: RunEvent): void {
  // Forked: events go over IPC while the parent listens (after a disconnect they are dropped;
  // report.json and log.txt still record the run). Run by hand: JSON lines on stdout.
  if (process.send) {
    if (process.connected) process.send(event);
  } else {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  }
}

async function runJob(job: Job, signal: AbortSignal): Promise<void> {
  switch (job.kind) {
    case 'eval': {
      const result = await evaluate(job.modelDir, job.dataPath, {
        batchSize: job.batchSize,
        device: job.device,
        threads: job.threads,
        signal,
        onProgress: (done, total) => send({ type: 'progress', phase: 'evaluate', done, total }),
      });
      send({ type: 'result', result });
      return;
    }
    case 'prune': {
      // runPrune reports through events and report.json; a user error is a 'failed' report.
      await runPrune(job.job, { signal, onEvent: send });
      return;
    }
    default:
      throw new UserError(`unknown job kind ${JSON.stringify((job as { kind: unknown }).kind)}`);
  }
}

function disconnect(): void {
  if (process.connected) process.disconnect();
}

function start(job: Job): void {
  const abort = new AbortController();
  // SIGTERM: stop between ONNX Runtime calls and write a 'cancelled' report (SIGKILL is the hard stop).
  process.on('SIGTERM', () => abort.abort(new UserError('cancelled')));
  // The editor that started the run went away (window closed, host crashed): nobody can see or
  // cancel this run any more, so stop it the same graceful way rather than run on orphaned.
  if (process.send) process.on('disconnect', () => abort.abort(new UserError('cancelled')));
  runJob(job, abort.signal).then(
    () => disconnect(),
    (e: unknown) => {
      send({ type: 'error', message: e instanceof Error ? e.message : String(e), userError: e instanceof UserError });
      process.exitCode = 1;
      disconnect();
    },
  );
}

// The job comes as the first IPC message, or as a JSON argument when run by hand.
if (process.argv[2]) start(JSON.parse(process.argv[2]) as Job);
else process.once('message', (job) => start(job as Job));
