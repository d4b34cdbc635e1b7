/**
 * The one place that talks HTTP: a request with our headers, an abort signal and a timeout,
 * redirects followed by hand (so the token never leaves the Hub's origin), and errors sorted
 * into "could not connect" (the caller may fall back to the cache) and "the Hub said no".
 */
import * as http from 'http';
import * as https from 'https';

export const USER_AGENT = `optin-vscode; node/${process.versions.node}`;
/** A socket idle this long (no bytes either way) counts as a dropped connection. */
const IDLE_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
// No keep-alive: a few requests per run gain nothing from it, and a pooled socket the server
// has since closed would fail the next request with a misleading ECONNRESET.
const agents = { 'http:': new http.Agent({ keepAlive: false }), 'https:': new https.Agent({ keepAlive: false }) };

export interface HttpOptions { method?: 'GET' | 'HEAD'; headers?: Record<string, string>; token?: string; tokenOrigin?: string; signal?: AbortSignal }

/** A connection-level failure (refused, reset, timed out, DNS): no HTTP answer was read. */
export class ConnectionError extends Error {
  constructor(readonly url: string, cause: Error) {
    super((cause as NodeJS.ErrnoException).code ?? cause.message, { cause });
    this.name = 'ConnectionError';
  }
}

/** What an abort throws: the signal's reason when it is an Error, else a standard AbortError. */
export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The download was cancelled.', 'AbortError');
}

/** One request, no redirects. Resolves with the response head; the body is left to the caller. */
export function requestOnce(url: string, opts: HttpOptions = {}): Promise<http.IncomingMessage> {
  const u = new URL(url);
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...opts.headers };
  // The token is for the Hub only: a CDN on another origin must not see it.
  if (opts.token && (!opts.tokenOrigin || u.origin === opts.tokenOrigin)) headers.authorization = `Bearer ${opts.token}`;
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError(opts.signal));
    const req = mod.request(u, { method: opts.method ?? 'GET', headers, signal: opts.signal, agent: agents[u.protocol as 'http:'] }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => reject(opts.signal?.aborted ? abortError(opts.signal) : new ConnectionError(url, e)));
    req.end();
  });
}

/** Drains and discards a body we do not need, so the socket can be reused. */
export function discard(res: http.IncomingMessage): void {
  res.resume();
  res.on('error', () => undefined);
}

export async function readBody(res: http.IncomingMessage, url: string, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const c of res) chunks.push(c as Buffer);
  } catch (e) {
    throw signal?.aborted ? abortError(signal) : new ConnectionError(url, e as Error);
  }
  return Buffer.concat(chunks);
}

export function isRedirect(status: number | undefined): boolean {
  return status !== undefined && status >= 300 && status < 400 && status !== 304;
}

/** GET following redirects (resolving relative Locations against the request URL). */
export async function request(url: string, opts: HttpOptions = {}): Promise<{ res: http.IncomingMessage; url: string }> {
  let current = url;
  for (let i = 0; ; i++) {
    const res = await requestOnce(current, opts);
    const location = res.headers.location;
    if (!isRedirect(res.statusCode) || !location) return { res, url: current };
    discard(res);
    if (i >= MAX_REDIRECTS) throw new ConnectionError(url, new Error(`more than ${MAX_REDIRECTS} redirects`));
    current = new URL(location, current).toString();
  }
}
