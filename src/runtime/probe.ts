/**
 * A short speed probe: the same small MatMul chain on the CPU and on another execution
 * provider. `device: auto` uses it so that a software GPU driver (e.g. Mesa's lavapipe behind
 * WebGPU) is not chosen over a faster CPU.
 */
import * as ort from 'onnxruntime-node';
import type { Feeds } from '../data/dataset';
import { measureLatency } from '../eval/latency';
import { ElemType, GraphBuilder } from '../onnx/proto';

function probeGraph(n: number, depth: number): Uint8Array {
  const g = new GraphBuilder('speed-probe');
  let x = g.input('x', ElemType.FLOAT, [n, n]);
  const w = g.weight('w', [n, n], Float32Array.from({ length: n * n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5));
  for (let i = 0; i < depth; i++) x = g.op('Tanh', [g.op('MatMul', [x, w])]);
  g.output(x, 'y', ElemType.FLOAT, [n, n]);
  return g.toBytes();
}

export interface ProbeResult {
  cpuMs: number;
  deviceMs: number;
  faster: boolean;
}

/** Times `device` against the CPU on the same graph; throws if `device` cannot create a session. */
export async function speedProbe(device: 'webgpu' | 'cuda', threads?: number, n = 384, depth = 6, runs = 5): Promise<ProbeResult> {
  const bytes = probeGraph(n, depth);
  const feeds: Feeds = { x: { type: 'float32', dims: [n, n], data: new Float32Array(n * n).fill(0.01) } };
  const opts = (ep: string): ort.InferenceSession.SessionOptions => ({ executionProviders: [ep], logSeverityLevel: 3, ...(threads ? { intraOpNumThreads: threads } : {}) });
  const cpu = await ort.InferenceSession.create(bytes, opts('cpu'));
  const other = await ort.InferenceSession.create(bytes, opts(device));
  try {
    const cpuMs = (await measureLatency(cpu, feeds, runs, 1)).medianMs;
    const deviceMs = (await measureLatency(other, feeds, runs, 1)).medianMs;
    return { cpuMs, deviceMs, faster: deviceMs < cpuMs };
  } finally {
    await cpu.release();
    await other.release();
  }
}
