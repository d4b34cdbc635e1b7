/**
 * A snapshot of a repo in the shared cache: list the files at a revision, let the caller pick,
 * download what the cache lacks. Offline, or for a commit already cached, the cache alone answers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fetchRepoInfo } from './api';
import { downloadBlob } from './blob';
import { blobPath, findCachedSnapshot, repoCacheDir, linkSnapshotFile, snapshotDir, snapshotHasFile, writeRef } from './cache';
import { HubError } from './errors';
import { headFile, type FileMeta } from './fileMeta';
import { ConnectionError } from './http';
import { ProgressTracker, type DownloadProgress } from './progress';
import { describeRepo, isCommit, type RepoRef } from './repo';
import type { HubSettings } from './settings';

export type { DownloadProgress } from './progress';

export interface FetchOptions { settings: HubSettings; signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void; onLog?: (line: string) => void }
/** files: the chosen files (relative to dir); downloaded: those fetched by this call; bytes: the chosen files' total size. */
export interface Snapshot { ref: RepoRef; dir: string; commit: string; files: string[]; downloaded: string[]; fromCache: boolean; bytes: number }
/** Picks the files to read from a repo listing; fromCache says the listing is what the cache holds, not the whole repo. */
export type SelectFiles = (files: readonly string[], context?: { fromCache: boolean }) => string[];

function sizeOf(dir: string, files: readonly string[]): number {
  return files.reduce((n, f) => n + fs.statSync(path.join(dir, ...f.split('/'))).size, 0);
}

function connectionFailure(ref: RepoRef, settings: HubSettings, e: ConnectionError, file?: string): HubError {
  return new HubError('network', `${describeRepo(ref)}${file ? `, file ${file}` : ''}: lost the connection to ${settings.endpoint} (${e.message}): check the network connection, proxy or HF_ENDPOINT, then run again (the partial download resumes).`, file);
}

/** The answer from the cache alone; `why` ends up in the message when the cache does not have it. */
function fromCache(ref: RepoRef, select: SelectFiles, opts: FetchOptions, why: 'offline' | 'unreachable', cause?: ConnectionError): Snapshot {
  const { settings } = opts;
  const snap = findCachedSnapshot(ref, settings.cacheDir);
  const fix = why === 'offline'
    ? 'unset HF_HUB_OFFLINE to download it, or copy its snapshot folder from a machine that has it into the cache'
    : `check the network connection, proxy or HF_ENDPOINT (cannot reach ${settings.endpoint}: ${cause?.message})`;
  if (!snap) {
    throw new HubError(why === 'offline' ? 'offline' : 'network', `${describeRepo(ref)} is not in the Hugging Face cache ${settings.cacheDir}${why === 'offline' ? ' and HF_HUB_OFFLINE is set' : ''}: ${fix}.`);
  }
  const files = select(snap.files, { fromCache: true });
  const missing = files.filter((f) => !snapshotHasFile(snap.dir, f));
  if (missing.length) {
    throw new HubError(why === 'offline' ? 'offline' : 'network', `${describeRepo(ref)}: the cached snapshot ${snap.dir} lacks ${missing.join(', ')}: ${fix}.`, missing[0]);
  }
  return { ref, dir: snap.dir, commit: snap.commit, files, downloaded: [], fromCache: true, bytes: sizeOf(snap.dir, files) };
}

/** A commit never moves: if its snapshot already has every chosen file, no request is needed. */
function cachedCommitSnapshot(ref: RepoRef, select: SelectFiles, opts: FetchOptions): Snapshot | undefined {
  const snap = findCachedSnapshot(ref, opts.settings.cacheDir);
  if (!snap) return undefined;
  let files: string[];
  try {
    files = select(snap.files, { fromCache: true });
  } catch {
    return undefined; // the cache lacks what the selection needs: ask the Hub
  }
  if (!files.every((f) => snapshotHasFile(snap.dir, f))) return undefined;
  return { ref, dir: snap.dir, commit: snap.commit, files, downloaded: [], fromCache: true, bytes: sizeOf(snap.dir, files) };
}

/**
 * Lists the repo's files at ref.revision (GET {endpoint}/api/models/{id}/revision/{rev} or /api/datasets/...: JSON with `sha` and `siblings[].rfilename`),
 * lets `select` choose what to read, and makes sure each chosen file is in the cache snapshot, downloading what is missing.
 * Returns the snapshot folder. Offline (settings.offline) or when the revision is a commit already cached: cache only, no network.
 * Online with a branch/tag revision: network first; on a connection error (not an HTTP error) fall back to the cached snapshot with an onLog line saying so.
 */
export async function fetchSnapshot(ref: RepoRef, select: SelectFiles, opts: FetchOptions): Promise<Snapshot> {
  const { settings, signal, onLog } = opts;
  if (settings.offline) return fromCache(ref, select, opts, 'offline');
  if (isCommit(ref.revision)) {
    const hit = cachedCommitSnapshot(ref, select, opts);
    if (hit) return hit;
  }
  let info;
  try {
    info = await fetchRepoInfo(ref, settings, signal);
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
    const snap = fromCache(ref, select, opts, 'unreachable', e);
    onLog?.(`${describeRepo(ref)}: cannot reach ${settings.endpoint} (${e.message}); using the cached snapshot ${snap.commit} in ${snap.dir}.`);
    return snap;
  }

  const files = select(info.files, { fromCache: false });
  const unknown = files.filter((f) => !info.files.includes(f));
  if (unknown.length) throw new Error(`bug: selected ${unknown.join(', ')}, which ${describeRepo(ref)} does not list`);
  const dir = snapshotDir(ref, settings.cacheDir, info.commit);
  const missing = files.filter((f) => !snapshotHasFile(dir, f));

  // All HEADs first, so progress knows the total size before the first byte.
  const metas: FileMeta[] = [];
  const downloaded: string[] = [];
  let current: string | undefined;
  try {
    for (const file of missing) {
      current = file;
      metas.push(await headFile(ref, info.commit, file, settings, signal));
    }
    const toGet = metas.filter((m) => !fs.existsSync(blobPath(ref, settings.cacheDir, m.etag)));
    const total = toGet.reduce((n, m) => n + m.size, 0);
    if (toGet.length) onLog?.(`${describeRepo(ref)}: downloading ${toGet.length} file(s), ${(total / 1e6).toFixed(1)} MB, into ${settings.cacheDir}.`);
    const progress = new ProgressTracker(ref.id, total, toGet.length, opts.onProgress);
    fs.mkdirSync(path.join(repoCacheDir(ref, settings.cacheDir), 'blobs'), { recursive: true });
    for (const meta of metas) {
      current = meta.file;
      const blob = blobPath(ref, settings.cacheDir, meta.etag);
      if (!fs.existsSync(blob)) {
        await downloadBlob({ ref, meta, blob, settings, progress, signal, onLog });
        progress.fileDone();
        downloaded.push(meta.file);
      }
      linkSnapshotFile(blob, path.join(dir, ...meta.file.split('/')));
    }
  } catch (e) {
    if (e instanceof ConnectionError) throw connectionFailure(ref, settings, e, current);
    throw e;
  }
  writeRef(ref, settings.cacheDir, info.commit);
  return { ref, dir, commit: info.commit, files, downloaded, fromCache: false, bytes: sizeOf(dir, files) };
}
