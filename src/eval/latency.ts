import type { InferenceSession } from 'onnxruntime-node';
import type { Feeds } from '../data/dataset';
import { pickInputs, toOrtFeeds } from '../runtime/tensors';

export interface Latency {
  /** Median wall time of one session run, milliseconds. */
  medianMs: number;
  p90Ms: number;
  runs: number;
  batchSize: number;
}

/** Median of `runs` timed session runs after `warmup` untimed ones, on the same feeds. */
export async function measureLatency(session: InferenceSession, feeds: Feeds, runs: number, warmup = 3): Promise<Latency> {
  const inputs = pickInputs(session, toOrtFeeds(feeds));
  for (let i = 0; i < warmup; i++) await session.run(inputs);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(inputs);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const first = Object.values(feeds)[0];
  return { medianMs: (times[(times.length - 1) >> 1] + times[times.length >> 1]) / 2, p90Ms: at(0.9), runs, batchSize: first.dims[0] };
}
