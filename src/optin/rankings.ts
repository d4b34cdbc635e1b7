/**
 * rankings.json: per-unit scores plus the raw losses they came from, the options and a
 * fingerprint of model, data and scoring options. Same fingerprint -> reuse, no re-scoring;
 * a new budget or new λ/decays only re-combines.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import type { Method } from '../run/report';
import type { ImportanceOptions, Scores } from './importance';
import type { FastCheck } from './fastScoring';
import type { RawLosses } from './scoring';

export const RANKINGS_VERSION = 1 as const;

export interface Rankings {
  schema: 'optin-rankings';
  version: typeof RANKINGS_VERSION;
  /** Only complete rankings are written: a cancelled scoring writes none. */
  complete: true;
  fingerprint: string;
  method: Method;
  createdAt: string;
  seconds: number;
  model: { dir: string; architecture: string; layers: number; headsPerLayer: number[]; neuronsPerLayer: number[] };
  scoring: Record<string, unknown>;
  /** `fast`: neuron scores partly from the fast proxy (never reused by an exact run); absent = exact. */
  mode?: 'exact' | 'fast';
  fastCheck?: FastCheck;
  importance?: ImportanceOptions;
  kdScale?: { head: number; neuron: number };
  heads: Scores;
  neurons: Scores;
  raw?: RawLosses;
}

function hashFile(h: ReturnType<typeof createHash>, file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

function hashPath(h: ReturnType<typeof createHash>, p: string, root: string): void {
  if (fs.statSync(p).isDirectory()) {
    for (const name of fs.readdirSync(p).sort()) hashPath(h, path.join(p, name), root);
  } else {
    h.update(path.relative(root, p));
    hashFile(h, p);
  }
}

/** sha256 over the checkpoint's files, the calibration data and the scoring options. */
export function fingerprint(modelDir: string, calibrationData: string | readonly string[], scoring: Record<string, unknown>, method: Method): string {
  try {
    return hashInputs(modelDir, calibrationData, scoring, method);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`${err.path ?? modelDir}: cannot read it to fingerprint the run's inputs (${err.code ?? err.message}); was it moved or deleted during the run?`, err.path);
  }
}

function hashInputs(modelDir: string, calibrationData: string | readonly string[], scoring: Record<string, unknown>, method: Method): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ method, scoring }));
  for (const f of fs.readdirSync(modelDir).sort()) {
    const p = path.join(modelDir, f);
    if (fs.statSync(p).isFile() && /\.(json|safetensors|txt|model)$/.test(f)) {
      h.update(f);
      hashFile(h, p);
    }
  }
  for (const p of typeof calibrationData === 'string' ? [calibrationData] : calibrationData) hashPath(h, p, p);
  return h.digest('hex');
}

/** The newest complete rankings.json under `outputDir/<run>/` with this fingerprint. */
export function findRankings(outputDir: string, fp: string): { file: string; rankings: Rankings } | undefined {
  if (!fs.existsSync(outputDir)) return undefined;
  const candidates = fs.readdirSync(outputDir)
    .map((run) => path.join(outputDir, run, 'rankings.json'))
    .filter((f) => fs.existsSync(f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const file of candidates) {
    try {
      const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Rankings;
      if (r.schema === 'optin-rankings' && r.version === RANKINGS_VERSION && r.complete === true && r.fingerprint === fp) return { file, rankings: r };
    } catch {
      // A corrupt or foreign rankings.json is simply not reused.
    }
  }
  return undefined;
}
