import type { RepoRef } from './repo';

/** Path segments are escaped one by one; the revision as a whole, since `refs/pr/1` is one segment (as huggingface_hub quotes it). */
const escapePath = (file: string): string => file.split('/').map(encodeURIComponent).join('/');

export function apiRevisionUrl(endpoint: string, ref: RepoRef, revision = ref.revision): string {
  return `${endpoint}/api/${ref.type}s/${ref.id}/revision/${encodeURIComponent(revision)}`;
}

export function resolveUrl(endpoint: string, ref: RepoRef, file: string, revision = ref.revision): string {
  return `${repoPageUrl(endpoint, ref)}/resolve/${encodeURIComponent(revision)}/${escapePath(file)}`;
}

/** The repo's page on the Hub, where a user logs in and accepts a gated repo's terms. */
export function repoPageUrl(endpoint: string, ref: RepoRef): string {
  return `${endpoint}/${ref.type === 'dataset' ? 'datasets/' : ''}${ref.id}`;
}
