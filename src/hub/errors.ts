import type { IncomingMessage } from 'http';
import { UserError } from '../errors';
import { describeRepo, type RepoRef } from './repo';
import type { HubSettings } from './settings';
import { repoPageUrl } from './urls';

/**
 * Why a Hub operation failed, so callers can react (the editor offers "Set token" for
 * 'unauthorized', the downloader falls back to the cache only on 'network').
 */
export type HubErrorKind = 'not-found' | 'unauthorized' | 'offline' | 'checksum' | 'network' | 'refused';

/** A Hub failure the user can fix; the message names the repo (and file) and the fix. */
export class HubError extends UserError {
  constructor(readonly kind: HubErrorKind, message: string, file?: string, readonly status?: number) {
    super(message, file);
    this.name = 'HubError';
  }
}

/** What the Hub answered, for turning a refusal into a message that says what to do. */
export interface HubAnswer { status: number; errorCode?: string; repo: string; endpoint: string; pageUrl: string; file?: string; revision: string; hasToken: boolean }

/** Maps the Hub's HTTP error answers (status + X-Error-Code) to a HubError saying what to do. */
export function hubAnswerError(a: HubAnswer): HubError {
  const what = a.file ? `${a.repo}, file ${a.file}` : a.repo;
  const login = `set HF_TOKEN to a token from ${a.endpoint}/settings/tokens or run \`huggingface-cli login\``;
  const idHint = `check the id and revision on ${a.pageUrl} (and that it is a ${a.pageUrl.includes('/datasets/') ? 'dataset, not a model' : 'model, not a dataset'})`;
  if (a.errorCode === 'RepoNotFound' || (a.status === 404 && !a.file && !a.errorCode)) {
    // Anonymous requests for private repos get the same 401 as missing ones, so say both.
    const priv = a.hasToken ? '' : `; if it is private, ${login}`;
    return new HubError('not-found', `${what}: the repo was not found on the Hub (HTTP ${a.status}): ${idHint}${priv}.`, a.file, a.status);
  }
  if (a.errorCode === 'RevisionNotFound') {
    return new HubError('not-found', `${what}: revision '${a.revision}' was not found (HTTP ${a.status}): use a branch, tag or commit listed on ${a.pageUrl}/tree/main.`, a.file, a.status);
  }
  if (a.errorCode === 'EntryNotFound' || a.status === 404) {
    return new HubError('not-found', `${what}: the file is not in the repo at revision '${a.revision}' (HTTP ${a.status}): ${idHint}.`, a.file, a.status);
  }
  if (a.status === 401 || a.status === 403) {
    const gated = `if the repo is gated, accept its terms on ${a.pageUrl} while logged in`;
    const why = a.hasToken
      ? a.status === 401 ? 'the Hub rejected your token' : 'your token has no access to this repo'
      : 'the repo needs a Hugging Face token (it is gated or private)';
    const fix = a.hasToken ? `check that HF_TOKEN (or the token from \`huggingface-cli login\`) is valid and belongs to an account with access; ${gated}` : `${login}; ${gated}`;
    return new HubError('unauthorized', `${what}: ${why} (HTTP ${a.status}${a.errorCode ? `, ${a.errorCode}` : ''}): ${fix}.`, a.file, a.status);
  }
  if (a.status === 429) {
    return new HubError('network', `${what}: the Hub is rate limiting requests (HTTP 429): wait a minute and run again${a.hasToken ? '' : `, or ${login} (logged-in users get higher limits)`}.`, a.file, a.status);
  }
  return new HubError('network', `${what}: the Hub answered HTTP ${a.status}${a.errorCode ? ` (${a.errorCode})` : ''}: run again later, or set HF_HUB_OFFLINE=1 to use a cached copy.`, a.file, a.status);
}

/** The HubError for an error answer (drained here: its body is not needed). */
export function responseError(res: IncomingMessage, ref: RepoRef, settings: HubSettings, file?: string): HubError {
  res.on('error', () => undefined); // a connection dropped while draining changes nothing here
  res.resume();
  const code = res.headers['x-error-code'];
  return hubAnswerError({
    status: res.statusCode ?? 0, errorCode: typeof code === 'string' ? code : undefined, repo: describeRepo(ref), endpoint: settings.endpoint,
    pageUrl: repoPageUrl(settings.endpoint, ref), file, revision: ref.revision, hasToken: !!settings.token,
  });
}
