import { HubError, responseError } from './errors';
import { readBody, request } from './http';
import { describeRepo, type RepoRef } from './repo';
import type { HubSettings } from './settings';
import { apiRevisionUrl } from './urls';

/** The repo at one revision: its commit and every file in it. */
export interface RepoInfo { commit: string; files: string[] }

/** A listed path we are willing to write under snapshots/: relative, no '..', no backslashes. */
export function isSafeRepoPath(file: string): boolean {
  return !!file && !file.startsWith('/') && !file.includes('\\') && !file.includes('\0') && file.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** GET {endpoint}/api/{models|datasets}/{id}/revision/{rev}: the commit and files at that revision. */
export async function fetchRepoInfo(ref: RepoRef, settings: HubSettings, signal?: AbortSignal): Promise<RepoInfo> {
  const url = apiRevisionUrl(settings.endpoint, ref);
  const { res } = await request(url, { token: settings.token, tokenOrigin: new URL(settings.endpoint).origin, signal, headers: { accept: 'application/json' } });
  if (res.statusCode !== 200) throw responseError(res, ref, settings);
  const body = await readBody(res, url, signal);
  let json: { sha?: unknown; siblings?: Array<{ rfilename?: unknown }> };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = {};
  }
  const commit = json.sha;
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit) || !Array.isArray(json.siblings)) {
    throw new HubError('network', `${describeRepo(ref)}: ${url} did not answer like a Hugging Face Hub (no commit sha and file list): check HF_ENDPOINT (now ${settings.endpoint}).`);
  }
  const files = json.siblings.map((s) => s?.rfilename).filter((f): f is string => typeof f === 'string' && isSafeRepoPath(f));
  return { commit, files: [...new Set(files)].sort() };
}
