import { HubError, responseError } from './errors';
import { discard, isRedirect, requestOnce } from './http';
import { describeRepo, type RepoRef } from './repo';
import type { HubSettings } from './settings';
import { resolveUrl } from './urls';

/** What the HEAD of a file tells us: its content's id and size, and where to GET it. */
export interface FileMeta { file: string; etag: string; size: number; commit?: string; downloadUrl: string }

/** Strips W/ and quotes: the Hub's ETags are content hashes, and blobs/ are named by them. */
export function normalizeEtag(raw: string | undefined): string | undefined {
  const v = raw?.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  return v ? v : undefined;
}

const str = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * HEAD {endpoint}/{id}/resolve/{rev}/{file} without following the answer's redirect: the Hub
 * puts the metadata of LFS files on the 302 (X-Linked-Etag/-Size) and its Location is the CDN.
 * Other redirects within the Hub (a renamed repo) are followed, as huggingface_hub does.
 */
export async function headFile(ref: RepoRef, revision: string, file: string, settings: HubSettings, signal?: AbortSignal): Promise<FileMeta> {
  let url = resolveUrl(settings.endpoint, ref, file, revision);
  const tokenOrigin = new URL(settings.endpoint).origin;
  for (let hops = 0; hops < 5; hops++) {
    const res = await requestOnce(url, { method: 'HEAD', token: settings.token, tokenOrigin, signal, headers: { 'accept-encoding': 'identity' } });
    discard(res);
    const h = res.headers;
    const location = str(h.location);
    const commit = str(h['x-repo-commit']);
    if (isRedirect(res.statusCode) && location && !h['x-linked-etag'] && new URL(location, url).origin === new URL(url).origin) {
      url = new URL(location, url).toString();
      continue;
    }
    if ((res.statusCode ?? 0) >= 400) throw responseError(res, ref, settings, file);
    const etag = normalizeEtag(str(h['x-linked-etag']) ?? str(h.etag));
    const size = Number(str(h['x-linked-size']) ?? str(h['content-length']));
    // The etag names a file in blobs/, so it must be a plain name.
    if (!etag || !/^[A-Za-z0-9._-]+$/.test(etag) || etag.includes('..') || !Number.isSafeInteger(size) || size < 0) {
      throw new HubError('network', `${describeRepo(ref)}, file ${file}: ${url} answered without a usable ETag and size: check HF_ENDPOINT (now ${settings.endpoint}) points at a Hugging Face Hub.`, file);
    }
    return { file, etag, size, commit, downloadUrl: location && isRedirect(res.statusCode) ? new URL(location, url).toString() : url };
  }
  throw new HubError('network', `${describeRepo(ref)}, file ${file}: too many redirects from ${settings.endpoint}: check HF_ENDPOINT.`, file);
}
