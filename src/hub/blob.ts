/**
 * Downloads one file into blobs/<etag>: bytes go to <etag>.incomplete, a dropped connection is
 * resumed with a Range request, the content is checked against the ETag, and only then is the
 * file renamed into place, so blobs/ never holds a partial or wrong file.
 */
import * as fs from 'fs';
import type { IncomingMessage } from 'http';
import { HubError, responseError } from './errors';
import type { FileMeta } from './fileMeta';
import { abortError, ConnectionError, discard, request } from './http';
import type { ProgressTracker } from './progress';
import { describeRepo, type RepoRef } from './repo';
import type { HubSettings } from './settings';
import { ContentCheck } from './verify';

const RETRIES = 3;

export interface BlobJob { ref: RepoRef; meta: FileMeta; blob: string; settings: HubSettings; progress: ProgressTracker; signal?: AbortSignal; onLog?: (line: string) => void }

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const done = (): void => { signal?.removeEventListener('abort', onAbort); resolve(); };
    const onAbort = (): void => { clearTimeout(timer); reject(abortError(signal)); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Feeds what an earlier run left in .incomplete to the check, so a resumed file is verified whole. */
async function hashExisting(partial: string, check: ContentCheck): Promise<number> {
  let have = 0;
  try {
    for await (const chunk of fs.createReadStream(partial)) {
      check.update(chunk as Buffer);
      have += (chunk as Buffer).length;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return have;
}

/** Bytes from `res` appended to the partial file; a failed read is a dropped connection, a failed write is not. */
async function appendBody(res: IncomingMessage, partial: string, job: BlobJob, check: ContentCheck): Promise<void> {
  const fh = await fs.promises.open(partial, 'a');
  try {
    const body = res[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await body.next();
      } catch (e) {
        throw job.signal?.aborted ? abortError(job.signal) : new ConnectionError(job.meta.downloadUrl, e as Error);
      }
      if (next.done) return;
      await fh.write(next.value);
      check.update(next.value);
      job.progress.add(next.value.length);
    }
  } finally {
    await fh.close();
  }
}

/** One GET of what is still missing (Range from `have`); resolves when the server has sent its body. */
async function getRest(job: BlobJob, partial: string, have: number, check: ContentCheck): Promise<void> {
  const { meta, settings } = job;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...(have > 0 ? { range: `bytes=${have}-` } : {}) };
  const { res } = await request(meta.downloadUrl, { headers, token: settings.token, tokenOrigin: new URL(settings.endpoint).origin, signal: job.signal });
  const start = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
  if (res.statusCode === 206 && start && Number(start[1]) === have) return appendBody(res, partial, job, check);
  if (res.statusCode === 200 || res.statusCode === 206) {
    // The server ignored our Range (or answered another one): start the file again.
    if (res.statusCode === 206) {
      discard(res);
      throw new ConnectionError(meta.downloadUrl, new Error(`asked for bytes from ${have}, got ${res.headers['content-range']}`));
    }
    if (have > 0) job.onLog?.(`${describeRepo(job.ref)}: ${meta.file}: the server does not resume downloads; starting the file again.`);
    await fs.promises.truncate(partial, 0).catch(() => undefined);
    check.reset();
    job.progress.restartFile();
    return appendBody(res, partial, job, check);
  }
  throw responseError(res, job.ref, settings, meta.file);
}

export async function downloadBlob(job: BlobJob): Promise<void> {
  const { meta, blob, ref } = job;
  const partial = `${blob}.incomplete`;
  const check = new ContentCheck(meta.etag, meta.size);
  let have = await hashExisting(partial, check);
  if (have > meta.size) {
    // Not a prefix of this file: start over.
    await fs.promises.rm(partial, { force: true });
    check.reset();
    have = 0;
  }
  if (have > 0) job.onLog?.(`${describeRepo(ref)}: resuming ${meta.file} from byte ${have} of ${meta.size}.`);
  job.progress.startFile(meta.file, meta.size, have);
  const sizeOnDisk = (): number => fs.statSync(partial, { throwIfNoEntry: false })?.size ?? 0;
  for (let attempt = 0; have < meta.size; attempt++) {
    try {
      await getRest(job, partial, have, check);
      have = sizeOnDisk();
      if (have < meta.size) throw new ConnectionError(meta.downloadUrl, new Error(`the body ended after ${have} of ${meta.size} bytes`));
    } catch (e) {
      if (!(e instanceof ConnectionError) || attempt >= RETRIES) throw e;
      job.onLog?.(`${describeRepo(ref)}: ${meta.file}: connection lost (${e.message}); resuming.`);
      await sleep(250 * 2 ** attempt, job.signal);
      have = sizeOnDisk();
    }
  }
  if (meta.size === 0) fs.writeFileSync(partial, '');
  const problem = check.problem();
  if (problem) {
    fs.rmSync(partial, { force: true });
    throw new HubError('checksum', `${describeRepo(ref)}, file ${meta.file}: the download is corrupt (${problem}); the partial file was deleted: run again. If it keeps failing, a proxy may be altering downloads.`, meta.file);
  }
  fs.renameSync(partial, blob);
}
