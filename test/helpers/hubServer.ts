/**
 * A local Hugging Face Hub for tests: the same URLs, status codes, headers and error codes as
 * huggingface.co (API listing, resolve with HEAD/GET, LFS files redirected to a CDN that serves
 * ranges), plus switches for the faults a real network has: a token required, a connection cut
 * mid-file, a stalled transfer, corrupted bytes.
 */
import { createHash, randomBytes } from 'crypto';
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface HubRepoSpec {
  type?: 'model' | 'dataset';
  id: string;
  /** The branch this commit is the head of; the commit itself also resolves. */
  revision?: string;
  commit?: string;
  files: Record<string, Buffer | string>;
  /** Which files are stored in LFS (served by a 302 to the CDN); default: *.safetensors, *.parquet, *.bin, *.onnx or over 10 kB. */
  lfs?: (path: string, size: number) => boolean;
  /** Listing is public, file downloads need the server's token: 401 without one, 403 with another (GatedRepo). */
  gated?: boolean;
  /** Hidden without the token, as the Hub hides private repos: 401 anonymous, 404 with another token (RepoNotFound). */
  private?: boolean;
}

export interface HubServerOptions {
  repos: HubRepoSpec[];
  /** The one token the server accepts for gated and private repos. */
  token?: string;
  /** Where LFS redirects point: a path on this server (default) or a second server, like the real CDN. */
  cdn?: 'same-origin' | 'other-origin';
}

export interface RecordedRequest { server: 'hub' | 'cdn'; method: string; url: string; headers: http.IncomingHttpHeaders }

export interface ServedFile { path: string; data: Buffer; lfs: boolean; sha256: string; gitSha1: string; etag: string }

export interface HubServer {
  endpoint: string;
  cdnEndpoint: string;
  requests: RecordedRequest[];
  /** Requests for a file's content (GET), on the Hub or the CDN, with their Range header. */
  gets(path: string): RecordedRequest[];
  commit(id: string, type?: 'model' | 'dataset', revision?: string): string;
  file(id: string, path: string, type?: 'model' | 'dataset'): ServedFile;
  /** The next GET of this file's content sends `afterBytes` bytes, then the connection is destroyed. */
  cutOnce(path: string, afterBytes: number): void;
  /** The next GET of this file's content sends `afterBytes` bytes, then hangs; resolves once it hangs. */
  stallOnce(path: string, afterBytes: number): Promise<void>;
  /** Every GET of this file serves its bytes with one byte changed (headers still claim the right ETag); `false` heals it. */
  corrupt(path: string, on?: boolean): void;
  close(): Promise<void>;
}

const gitSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const defaultLfs = (p: string, size: number): boolean => /\.(safetensors|parquet|bin|onnx|h5|msgpack)$/.test(p) || size > 10_000;

interface Repo { type: 'model' | 'dataset'; id: string; revision: string; commit: string; gated: boolean; private: boolean; files: Map<string, ServedFile> }

function buildRepo(spec: HubRepoSpec): Repo {
  const files = new Map<string, ServedFile>();
  for (const [p, content] of Object.entries(spec.files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const lfs = (spec.lfs ?? defaultLfs)(p, data.length);
    const f = { path: p, data, lfs, sha256: sha256(data), gitSha1: gitSha1(data) };
    files.set(p, { ...f, etag: lfs ? f.sha256 : f.gitSha1 });
  }
  return {
    type: spec.type ?? 'model', id: spec.id, revision: spec.revision ?? 'main', commit: spec.commit ?? randomBytes(20).toString('hex'),
    gated: spec.gated ?? false, private: spec.private ?? false, files,
  };
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const repos = opts.repos.map(buildRepo);
  const requests: RecordedRequest[] = [];
  const cuts = new Map<string, number>();
  const stalls = new Map<string, { bytes: number; resolve: () => void }>();
  const corrupted = new Set<string>();
  const byLfsSha = new Map<string, ServedFile>();
  for (const r of repos) for (const f of r.files.values()) if (f.lfs) byLfsSha.set(f.sha256, f);

  const hub = http.createServer((req, res) => handleHub(req, res));
  const cdn = opts.cdn === 'other-origin' ? http.createServer((req, res) => handleCdn(req, res, 'cdn')) : undefined;
  const endpoint = await listen(hub);
  const cdnEndpoint = cdn ? await listen(cdn) : endpoint;

  function record(server: 'hub' | 'cdn', req: http.IncomingMessage): void {
    requests.push({ server, method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
  }

  /** Hub-style error: status, X-Error-Code, X-Error-Message and a JSON body. */
  function fail(res: http.ServerResponse, status: number, code: string | undefined, message: string): void {
    const body = JSON.stringify({ error: message });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(code ? { 'x-error-code': code } : {}), 'x-error-message': message });
    res.end(body);
  }

  /** The token check of a repo; true when the request may go on. */
  function authorize(req: http.IncomingMessage, res: http.ServerResponse, repo: Repo, download: boolean): boolean {
    const auth = req.headers.authorization;
    const ok = !!opts.token && auth === `Bearer ${opts.token}`;
    if (repo.private && !ok) {
      fail(res, auth ? 404 : 401, 'RepoNotFound', 'Repository Not Found for url.');
      return false;
    }
    if (repo.gated && download && !ok) {
      if (auth) fail(res, 403, 'GatedRepo', `Access to ${repo.type} ${repo.id} is restricted and you are not in the authorized list. Visit the repo page to ask for access.`);
      else fail(res, 401, 'GatedRepo', `Access to ${repo.type} ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      return false;
    }
    return true;
  }

  /** The repo a request names, or an error answered the way the Hub answers it. */
  function findRepo(req: http.IncomingMessage, res: http.ServerResponse, type: 'model' | 'dataset', id: string, rev: string): Repo | undefined {
    const same = repos.filter((r) => r.type === type && r.id === id);
    if (!same.length) {
      // Anonymous callers cannot tell missing from private: the Hub answers 401 to both.
      fail(res, req.headers.authorization ? 404 : 401, 'RepoNotFound', 'Repository Not Found for url.');
      return undefined;
    }
    const repo = same.find((r) => r.revision === rev || r.commit === rev);
    if (!repo) {
      if (authorize(req, res, same[0], false)) fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      return undefined;
    }
    return repo;
  }

  function handleHub(req: http.IncomingMessage, res: http.ServerResponse): void {
    record('hub', req);
    const url = new URL(req.url ?? '/', endpoint);
    const api = /^\/api\/(models|datasets)\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api && (req.method === 'GET' || req.method === 'HEAD')) {
      const type = api[1] === 'models' ? 'model' : 'dataset';
      const repo = findRepo(req, res, type, decodeURIComponent(api[2]), decodeURIComponent(api[3]));
      if (!repo || !authorize(req, res, repo, false)) return;
      const body = JSON.stringify({
        _id: repo.commit.slice(0, 24), id: repo.id, private: repo.private, gated: repo.gated ? 'auto' : false, sha: repo.commit,
        lastModified: new Date(0).toISOString(), siblings: [...repo.files.keys()].sort().map((rfilename) => ({ rfilename })),
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const resolve = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve && (req.method === 'GET' || req.method === 'HEAD')) {
      const type = resolve[1] ? 'dataset' : 'model';
      const repo = findRepo(req, res, type, decodeURIComponent(resolve[2]), decodeURIComponent(resolve[3]));
      if (!repo || !authorize(req, res, repo, true)) return;
      const filePath = resolve[4].split('/').map(decodeURIComponent).join('/');
      const file = repo.files.get(filePath);
      if (!file) return fail(res, 404, 'EntryNotFound', `${filePath} does not exist on "${repo.revision}"`);
      if (file.lfs) {
        // As the Hub does for LFS files: metadata on the redirect, content on the CDN (a signed URL).
        const name = file.path.split('/').pop() ?? file.path;
        const location = `${cdn ? cdnEndpoint : ''}/cdn/repos/${file.sha256}?response-content-disposition=${encodeURIComponent(`attachment; filename="${name}"`)}&Expires=9999999999&Signature=test`;
        const body = `Found. Redirecting to ${location}`;
        res.writeHead(302, {
          location, 'x-repo-commit': repo.commit, 'x-linked-etag': `"${file.sha256}"`, 'x-linked-size': String(file.data.length),
          etag: `"${gitSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${file.data.length}\n`))}"`,
          'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body),
        });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      sendContent(req, res, file, { 'x-repo-commit': repo.commit, etag: `"${file.gitSha1}"` });
      return;
    }
    if (url.pathname.startsWith('/cdn/') && !cdn) return handleCdn(req, res, undefined);
    fail(res, 404, undefined, 'Not Found');
  }

  function handleCdn(req: http.IncomingMessage, res: http.ServerResponse, server: 'cdn' | undefined): void {
    if (server) record(server, req);
    const m = /^\/cdn\/repos\/([0-9a-f]{64})$/.exec(new URL(req.url ?? '/', cdnEndpoint).pathname);
    const file = m ? byLfsSha.get(m[1]) : undefined;
    if (!file) return fail(res, 404, undefined, 'NoSuchKey');
    // A signed URL on another origin takes no other credentials (S3 answers 400 to a second auth).
    if (server && req.headers.authorization) return fail(res, 400, undefined, 'Only one auth mechanism allowed');
    sendContent(req, res, file, { etag: `"${file.sha256}"` });
  }

  /** The bytes of a file, honouring Range (206 + Content-Range, 416 past the end), with the faults switched on. */
  function sendContent(req: http.IncomingMessage, res: http.ServerResponse, file: ServedFile, headers: Record<string, string>): void {
    let data = file.data;
    if (corrupted.has(file.path) && data.length) {
      data = Buffer.from(data);
      data[data.length >> 1] ^= 0xff;
    }
    let status = 200;
    let start = 0;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` });
        res.end();
        return;
      }
      headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
      data = data.subarray(start, end + 1);
      status = 206;
    }
    res.writeHead(status, { ...headers, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream', 'content-length': data.length });
    if (req.method === 'HEAD') return void res.end();
    const cut = cuts.get(file.path);
    if (cut !== undefined) {
      cuts.delete(file.path);
      res.write(data.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    const stall = stalls.get(file.path);
    if (stall) {
      stalls.delete(file.path);
      res.write(data.subarray(0, stall.bytes), () => stall.resolve());
      return; // never ends: the client has to give up
    }
    res.end(data);
  }

  const find = (id: string, type: 'model' | 'dataset', revision?: string): Repo => {
    const repo = repos.find((r) => r.id === id && r.type === type && (revision === undefined || r.revision === revision));
    if (!repo) throw new Error(`test hub: no ${type} ${id}`);
    return repo;
  };

  return {
    endpoint,
    cdnEndpoint,
    requests,
    gets: (p) => requests.filter((r) => r.method === 'GET' && (r.url.includes(`/resolve/`) ? r.url.split('?')[0].endsWith(`/${p}`) : byLfsSha.get(r.url.split('?')[0].split('/').pop() ?? '')?.path === p)),
    commit: (id, type = 'model', revision) => find(id, type, revision).commit,
    file: (id, p, type = 'model') => {
      const f = find(id, type).files.get(p);
      if (!f) throw new Error(`test hub: ${id} has no ${p}`);
      return f;
    },
    cutOnce: (p, n) => void cuts.set(p, n),
    stallOnce: (p, n) => new Promise<void>((resolve) => stalls.set(p, { bytes: n, resolve })),
    corrupt: (p, on = true) => void (on ? corrupted.add(p) : corrupted.delete(p)),
    close: async () => {
      await closeServer(hub);
      if (cdn) await closeServer(cdn);
    },
  };
}
