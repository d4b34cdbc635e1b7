/**
 * `npm run bench -- gpu`: the GPU path, measured. Reports which execution providers load here
 * (CPU, WebGPU through whatever Vulkan driver the machine has, CUDA if installed), which nodes of
 * the scorer's graphs each provider takes and which fall back to the CPU, and times the exact
 * scorer (steady state per unit, first and last layer) and the unpruned/pruned model on every
 * provider that loads, against the CPU in the same run. Writes bench-results/gpu.json.
 *
 * OPTIN_GPU_SHAPE=base (default: BERT-base, 12×12, 768, 3072) or small (4×4, 256, 1024, for a
 * software driver such as lavapipe, where only correctness is worth measuring).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Feeds } from '../src/data/dataset';
import { measureLatency } from '../src/eval/latency';
import { loadModel } from '../src/model';
import { pruneModel } from '../src/model/prune';
import { defaultTrajectory } from '../src/onnx/encoder';
import { buildModelGraph } from '../src/onnx/model';
import { buildProbe, unpackedLayout } from '../src/onnx/segments';
import { runBaseline } from '../src/optin/calibration';
import { mulberry32 } from '../src/optin/random';
import { defaultCandidatesPerRun, RawLosses, scoreUnits } from '../src/optin/scoring';
import { Device, openSession, ort } from '../src/runtime/session';
import { writeSyntheticCheckpoint } from '../test/helpers/synthetic';

const SHAPES = {
  base: { layers: 12, heads: 12, hidden: 768, intermediate: 3072, batch: 32, seq: 128 },
  small: { layers: 4, heads: 4, hidden: 256, intermediate: 1024, batch: 8, seq: 64 },
} as const;

/** Child mode: create one session with verbose logging, so the parent can read node placement. */
async function placementChild(device: Device, file: string): Promise<void> {
  await ort.InferenceSession.create(file, { executionProviders: [device], logSeverityLevel: 0, logVerbosityLevel: 0, graphOptimizationLevel: 'all' });
}

/** Node counts per execution provider and the op types left on the CPU, from ORT's verbose log. */
function placement(device: Device, file: string): { nodes: Record<string, number>; cpuOps: string[]; error?: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--placement', device, file], { encoding: 'utf8', env: process.env, timeout: 600_000 });
  const log = `${r.stdout}\n${r.stderr}`;
  const nodes: Record<string, number> = {};
  const cpuOps = new Set<string>();
  // "All nodes placed on [EP]. Number of nodes: N", or per EP "Node(s) placed on [EP]. ..." then one
  // line per node: "... VerifyEachNodeIsAssignedToAnEp]  OpType (node name)".
  let current = '';
  for (const line of log.split('\n')) {
    const placed = /placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (placed) {
      current = placed[1];
      nodes[current] = (nodes[current] ?? 0) + Number(placed[2]);
      continue;
    }
    const op = /VerifyEachNodeIsAssignedToAnEp\]\s+(\w+) \(/.exec(line);
    if (op && current === 'CPUExecutionProvider') cpuOps.add(op[1]);
  }
  return { nodes, cpuOps: [...cpuOps].sort(), error: r.status === 0 ? undefined : log.split('\n').filter((l) => /error|fail/i.test(l)).slice(0, 3).join(' | ') || `exit ${r.status}` };
}

function feedsFor(B: number, S: number): Feeds {
  const r = mulberry32(7);
  const ids = BigInt64Array.from({ length: B * S }, (_, i) => (i % S === 0 ? 101n : i % S === S - 1 ? 102n : BigInt(1000 + Math.floor(r() * 28000))));
  return {
    input_ids: { type: 'int64', dims: [B, S], data: ids },
    attention_mask: { type: 'int64', dims: [B, S], data: new BigInt64Array(B * S).fill(1n) },
    token_type_ids: { type: 'int64', dims: [B, S], data: new BigInt64Array(B * S) },
  };
}

function worstRelative(a: RawLosses, b: RawLosses): number {
  let worst = 0;
  for (const kind of ['heads', 'neurons'] as const) {
    a[kind].forEach((l, i) => {
      const r = b[kind][i];
      const pairs: Array<[number[], number[]]> = [[l.kd, r.kd], ...Object.keys(r.md).map((z) => [l.md[Number(z)], r.md[Number(z)]] as [number[], number[]])];
      for (const [x, y] of pairs) {
        const scale = Math.max(1e-12, ...y.filter(Number.isFinite).map(Math.abs));
        x.forEach((v, u) => { if (Number.isFinite(v) && Number.isFinite(y[u])) worst = Math.max(worst, Math.abs(v - y[u]) / scale); });
      }
    });
  }
  return worst;
}

export async function gpuBench(): Promise<Record<string, unknown>> {
  const shapeName = (process.env.OPTIN_GPU_SHAPE ?? 'base') as keyof typeof SHAPES;
  const shape = SHAPES[shapeName] ?? SHAPES.base;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-bench-gpu-'));
  try {
    writeSyntheticCheckpoint(dir, { family: 'bert', layers: shape.layers, heads: shape.heads, hidden: shape.hidden, intermediate: shape.intermediate, labels: 3, vocab: 30522, maxPositions: 512, std: 0.02, seed: 1 });
    const model = loadModel(dir);
    const feeds = feedsFor(shape.batch, shape.seq);
    const backends = (ort as unknown as { listSupportedBackends?: () => unknown }).listSupportedBackends?.();
    console.log(`gpu: shape ${shapeName}; backends ${JSON.stringify(backends)}`);
    // One representative graph for placement: the probe of layer 0 (attention, FFN, LayerNorm, GELU).
    const probeFile = path.join(dir, 'probe.onnx');
    const cal = { batch: shape.batch, seq: shape.seq, hidden: shape.hidden };
    fs.writeFileSync(probeFile, buildProbe(model, 0, unpackedLayout(cal, [], feeds.attention_mask.data as BigInt64Array)).bytes);
    const fullFile = path.join(dir, 'full.onnx');
    fs.writeFileSync(fullFile, buildModelGraph(model).bytes);
    const half = (n: number) => Array.from({ length: Math.floor(n / 2) }, (_, k) => k);
    const prunedFile = path.join(dir, 'pruned.onnx');
    fs.writeFileSync(prunedFile, buildModelGraph(pruneModel(model, { heads: model.spec.headsPerLayer.map(half), neurons: model.spec.neuronsPerLayer.map(half) })).bytes);

    const devices: Record<string, unknown> = {};
    let cpuScores: RawLosses | undefined;
    for (const device of ['cpu', 'webgpu', 'cuda'] as const) {
      const entry: Record<string, unknown> = {};
      devices[device] = entry;
      try {
        const s = await openSession(fullFile, { device });
        await s.session.release();
        entry.loads = true;
      } catch (e) {
        entry.loads = false;
        entry.error = (e as Error).message;
        console.log(`gpu: ${device} does not load: ${(e as Error).message}`);
        continue;
      }
      entry.placement = { probe: placement(device, probeFile), model: placement(device, fullFile) };
      // Model latency: unpruned vs half of every layer, timer batch as in the CPU benchmarks.
      const latency: Record<string, number> = {};
      for (const [name, file] of [['unpruned', fullFile], ['pruned', prunedFile]] as const) {
        const s = await openSession(file, { device });
        latency[name] = (await measureLatency(s.session, feeds, 10)).medianMs;
        await s.session.release();
      }
      entry.latencyMs = latency;
      // Scorer: steady-state seconds per unit at the first and the last layer.
      const baseline = await runBaseline(model, feeds, { mmdTokens: 768, seed: 0, trajectory: defaultTrajectory(model.spec), device });
      const per = defaultCandidatesPerRun(model, baseline.shape);
      const perUnit: Record<number, { heads: number; neurons: number }> = {};
      const sample: RawLosses = { heads: [], neurons: [] };
      for (const layer of [0, shape.layers - 1]) {
        perUnit[layer] = { heads: NaN, neurons: NaN };
        for (const kind of ['head', 'neuron'] as const) {
          // Two runs of each kind, so the second one's time is the steady state.
          const count = kind === 'head' ? model.spec.headsPerLayer[layer] : model.spec.neuronsPerLayer[layer];
          const chunk = Math.max(1, Math.min(per, Math.floor(count / 2)));
          const marks: number[] = [];
          const r = await scoreUnits(model, baseline, {
            loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true, trajectory: defaultTrajectory(model.spec) }, device, layers: [layer],
            candidatesPerRun: chunk, onProgress: () => marks.push(performance.now()),
            units: (k) => (k === kind ? Array.from({ length: 2 * chunk }, (_, u) => u) : []),
          });
          (kind === 'head' ? sample.heads : sample.neurons).push(...(kind === 'head' ? r.heads : r.neurons));
          perUnit[layer][kind === 'head' ? 'heads' : 'neurons'] = marks.length < 2 ? NaN : (marks[1] - marks[0]) / 1000 / chunk;
        }
      }
      entry.scorerSecondsPerUnit = perUnit;
      // scoring: fast's linear-response estimate (backward graphs): one sweep with 4 Gram probes.
      const { estimateNeurons } = await import('../src/optin/linearResponse');
      const { scoringInput } = await import('../src/optin/packing');
      const t = performance.now();
      try {
        await estimateNeurons(model, baseline, scoringInput(baseline), {
          loss: { aggregate: 'sum', temperature: 4, divideByTemperature: true, trajectory: defaultTrajectory(model.spec) }, device, seed: 0, probes: 4,
        });
        entry.linearResponseSeconds = { probes: 4, seconds: (performance.now() - t) / 1000 };
      } catch (e) {
        entry.linearResponseSeconds = { probes: 4, error: (e as Error).message };
      }
      if (device === 'cpu') cpuScores = sample;
      else if (cpuScores) entry.worstDifferenceFromCpu = worstRelative(sample, cpuScores);
      console.log(`gpu: ${device}: latency ${latency.unpruned.toFixed(2)} / ${latency.pruned.toFixed(2)} ms (unpruned/half); scorer layer 0 ${perUnit[0].neurons.toFixed(3)} s/neuron`);
    }
    return { shape: { name: shapeName, ...shape }, backends, devices };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--placement') {
  placementChild(process.argv[3] as Device, process.argv[4]).then(
    () => process.exit(0),
    (e) => {
      console.error(`error: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
