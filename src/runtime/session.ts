import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { speedProbe } from './probe';
import { pickInputs } from './tensors';

export type Device = 'cpu' | 'webgpu' | 'cuda';
export type DeviceChoice = Device | 'auto';
export const DEVICES: readonly DeviceChoice[] = ['auto', 'cpu', 'webgpu', 'cuda'];

export interface SessionOptions {
  device?: DeviceChoice;
  /** Intra-op threads; 0 or undefined lets ONNX Runtime choose. */
  threads?: number;
}

export interface OpenSession {
  session: ort.InferenceSession;
  /** The execution provider that actually runs the graph. */
  device: Device;
  /** Why this provider was chosen, and what failed before it (for logs and reports). */
  notes: string[];
}

const HINTS: Record<Exclude<Device, 'cpu'>, string> = {
  cuda:
    'the CUDA execution provider is not installed with onnxruntime-node by default; on a machine with network access run ' +
    '`node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12` and make sure the CUDA 12 and cuDNN 9 libraries are on the library path',
  webgpu:
    'the WebGPU execution provider needs a Vulkan driver with a usable adapter (on Linux without a GPU, Mesa\'s lavapipe from bookworm-backports works); set XDG_RUNTIME_DIR if Mesa complains',
};

/** Providers whose libraries/adapters are known to work in this process. */
const probed = new Map<Device, string | null>();

function sessionOptions(device: Device, threads?: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    graphOptimizationLevel: 'all',
    // Warnings go to stderr from native code and cannot be captured; keep errors only.
    logSeverityLevel: 3,
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

async function tryCreate(model: Uint8Array | string, device: Device, threads?: number): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(model as Uint8Array, sessionOptions(device, threads));
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (device === 'cpu') throw new UserError(`ONNX Runtime could not load the model on the CPU: ${message}`);
    probed.set(device, message);
    throw new UserError(`The ${device} execution provider could not be used (${firstLine(message)}); ${HINTS[device]}.`);
  }
}

/** The useful part of an ONNX Runtime error: no source-location prefix, one line, bounded. */
function firstLine(s: string): string {
  let line = s.split('\n')[0];
  const adapter = line.indexOf('Failed to get a WebGPU adapter');
  if (adapter >= 0) line = line.slice(adapter);
  return line.replace(/^\/onnxruntime_src\/\S+ \S+.*? was false\. /, '').slice(0, 300);
}

/** WebGPU for `auto`: usable and faster than the CPU in a short probe (decided once per process). */
let webgpuVerdict: Promise<string | null> | undefined;

function webgpuAllowed(threads?: number): Promise<string | null> {
  webgpuVerdict ??= speedProbe('webgpu', threads).then(
    (r) => (r.faster ? null : `slower than the CPU in a speed probe (${r.deviceMs.toFixed(1)} ms vs ${r.cpuMs.toFixed(1)} ms), e.g. a software Vulkan driver`),
    (e: Error) => {
      probed.set('webgpu', e.message ?? String(e));
      return e.message ?? String(e);
    },
  );
  return webgpuVerdict;
}

/**
 * Opens an ONNX Runtime session on the requested device. `auto` tries CUDA, then WebGPU (only
 * when a speed probe shows it beats the CPU), then the CPU, and records why each was skipped;
 * an explicit device never falls back silently.
 */
export async function openSession(model: Uint8Array | string, opts: SessionOptions = {}): Promise<OpenSession> {
  const choice = opts.device ?? 'cpu';
  if (choice !== 'auto') {
    const session = await tryCreate(model, choice, opts.threads);
    return { session, device: choice, notes: [`${choice} requested`] };
  }
  const notes: string[] = [];
  for (const device of ['cuda', 'webgpu'] as const) {
    const known = probed.get(device) ?? (device === 'webgpu' ? await webgpuAllowed(opts.threads) : null);
    if (known) {
      notes.push(`${device} skipped: ${firstLine(known)}`);
      continue;
    }
    try {
      const session = await tryCreate(model, device, opts.threads);
      notes.push(`${device} chosen by auto`);
      return { session, device, notes };
    } catch (e) {
      notes.push(`${device} unavailable: ${firstLine(probed.get(device) ?? (e as Error).message)}`);
    }
  }
  const session = await tryCreate(model, 'cpu', opts.threads);
  notes.push('cpu chosen by auto');
  return { session, device: 'cpu', notes };
}

export function parseDevice(value: string, where: string): DeviceChoice {
  if ((DEVICES as readonly string[]).includes(value)) return value as DeviceChoice;
  throw new UserError(`${where}: device "${value}" is not one of ${DEVICES.join(', ')}.`);
}

export { ort };

/**
 * Opens a graph, runs it once on the inputs it declares (from `feeds`, which may hold more) and
 * releases it: for passes that build one graph per step and keep only its outputs.
 */
export async function runOnce(model: Uint8Array, feeds: Record<string, ort.Tensor>, opts: SessionOptions = {}): Promise<ort.InferenceSession.OnnxValueMapType> {
  const { session } = await openSession(model, opts);
  try {
    return await session.run(pickInputs(session, feeds));
  } finally {
    await session.release();
  }
}
