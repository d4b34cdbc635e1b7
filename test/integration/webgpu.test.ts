/**
 * The WebGPU execution provider for real. Without a GPU it runs on Mesa's software Vulkan
 * driver (scripts/webgpu/setup.sh, which .ci/run calls); where no adapter exists the tests skip
 * and say why. Correctness only: lavapipe is slow by design.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openDataset } from '../../src/data/dataset';
import { evaluate } from '../../src/eval/evaluate';
import { loadModel } from '../../src/model';
import { runBaseline } from '../../src/optin/calibration';
import { scoreUnits } from '../../src/optin/scoring';
import { buildModelGraph } from '../../src/onnx/model';
import { openSession } from '../../src/runtime/session';
import { speedProbe } from '../../src/runtime/probe';
import { FIXTURES } from '../helpers/tmp';

// Mesa wants a runtime dir; without one it prints errors (and some versions refuse).
if (!process.env.XDG_RUNTIME_DIR) {
  process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-xdg-'));
}

let adapter: Promise<boolean> | undefined;
/** True when a WebGPU session can be created; otherwise the test skips itself, saying why. */
async function needsAdapter(t: TestContext): Promise<boolean> {
  adapter ??= speedProbe('webgpu', undefined, 32, 1, 1).then(() => true, () => false);
  if (await adapter) return true;
  t.skip('no WebGPU adapter here (install Mesa from bookworm-backports: scripts/webgpu/setup.sh)');
  return false;
}

test('webgpu: vit-mnist eval accuracy equals the CPU run', async (t) => {
  if (!(await needsAdapter(t))) return;
  const model = path.join(FIXTURES, 'vit-mnist', 'model');
  const data = path.join(FIXTURES, 'vit-mnist', 'data', 'eval');
  const gpu = await evaluate(model, data, { device: 'webgpu', batchSize: 100 });
  const cpu = await evaluate(model, data, { device: 'cpu', batchSize: 100 });
  assert.equal(gpu.device, 'webgpu');
  assert.equal(gpu.value, cpu.value);
});

test('webgpu: OPTIN scores equal the CPU scores within 1e-3 of scale (vit-mnist, a sample of every layer)', async (t) => {
  if (!(await needsAdapter(t))) return;
  const model = loadModel(path.join(FIXTURES, 'vit-mnist', 'model'));
  const feeds = await (await openDataset(path.join(FIXTURES, 'vit-mnist', 'data', 'calibration'), model.spec)).batch(0, 8);
  const loss = { aggregate: 'sum' as const, temperature: 4, divideByTemperature: true, trajectory: 'layernorm_before' as const };
  const scores = [];
  for (const device of ['cpu', 'webgpu'] as const) {
    const baseline = await runBaseline(model, feeds, { mmdTokens: 128, seed: 0, trajectory: loss.trajectory, device });
    scores.push(await scoreUnits(model, baseline, { loss, device, limitPerLayer: 3 }));
  }
  const [cpu, gpu] = scores;
  for (const kind of ['heads', 'neurons'] as const) {
    cpu[kind].forEach((l, i) => {
      const g = gpu[kind][i];
      const check = (a: number[], b: number[]) => {
        const scale = Math.max(...a.map(Math.abs));
        a.forEach((v, u) => assert.ok(Math.abs(v - b[u]) <= 1e-3 * scale, `${kind} layer ${l.layer} unit ${u}: cpu ${v} webgpu ${b[u]}`));
      };
      check(l.kd, g.kd);
      for (const z of Object.keys(l.md)) check(l.md[Number(z)], g.md[Number(z)]);
    });
  }
});

test('webgpu: device auto follows the speed probe (a software driver loses to the CPU)', async (t) => {
  if (!(await needsAdapter(t))) return;
  const model = loadModel(path.join(FIXTURES, 'vit-mnist', 'model'));
  const probe = await speedProbe('webgpu');
  const { session, device, notes } = await openSession(buildModelGraph(model).bytes, { device: 'auto' });
  await session.release();
  assert.equal(device, probe.faster ? 'webgpu' : 'cpu', notes.join('; '));
  if (!probe.faster) assert.ok(notes.some((n) => /webgpu skipped: slower than the CPU in a speed probe/.test(n)), notes.join('; '));
});
