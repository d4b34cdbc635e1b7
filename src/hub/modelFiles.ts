/**
 * Which files of a model repo we read, and the two-step fetch a sharded checkpoint needs (the
 * shard names are in model.safetensors.index.json, which must be downloaded first).
 */
import * as fs from 'fs';
import * as path from 'path';
import { fetchSnapshot, type FetchOptions, type Snapshot } from './download';
import { HubError } from './errors';
import { describeRepo, type RepoRef } from './repo';

export const SAFETENSORS = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';
const OPTIONAL = ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'special_tokens_map.json', 'preprocessor_config.json'];
const OTHER_WEIGHTS = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'tf_model.h5', 'flax_model.msgpack', 'model.ckpt.index'];

/** The first step: config, the weights (or their index) and the tokenizer/preprocessor files present. Root files only. */
export function selectModelFiles(ref: RepoRef, files: readonly string[], context?: { fromCache: boolean }): string[] {
  const has = new Set(files);
  const where = context?.fromCache ? `the cached snapshot of ${describeRepo(ref)}` : describeRepo(ref);
  const online = context?.fromCache ? ' (or unset HF_HUB_OFFLINE and run online once to download it)' : '';
  if (!has.has('config.json')) {
    throw new HubError('refused', `${where} has no config.json, so it is not a transformers checkpoint we can read${online}: check the id, or set model_path to a local folder with config.json and model.safetensors.`, 'config.json');
  }
  const weights = has.has(SAFETENSORS) ? SAFETENSORS : has.has(SAFETENSORS_INDEX) ? SAFETENSORS_INDEX : undefined;
  if (!weights) {
    const other = OTHER_WEIGHTS.filter((f) => has.has(f));
    if (context?.fromCache && !other.length) {
      throw new HubError('offline', `${where} has no model.safetensors: unset HF_HUB_OFFLINE and run online once to download it.`, SAFETENSORS);
    }
    const found = other.length ? `only ${other.join(', ')}` : 'no model weights';
    throw new HubError('refused', `${where} has ${found}; OPTIN reads safetensors weights only. Set the revision to a branch that has model.safetensors (e.g. the Hub's safetensors conversion PR, revision 'refs/pr/N', listed under the repo's Community tab), or convert the checkpoint (transformers: from_pretrained(...).save_pretrained(dir, safe_serialization=True)) and set model_path to that folder.`, SAFETENSORS);
  }
  return ['config.json', weights, ...OPTIONAL.filter((f) => has.has(f))];
}

/** The shard files an index's weight_map names, each checked against the repo's listing when there is one. */
export function shardsOf(ref: RepoRef, indexText: string, listed?: readonly string[]): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(indexText) as { weight_map?: unknown }).weight_map;
  } catch {
    map = undefined;
  }
  if (!map || typeof map !== 'object') {
    throw new HubError('refused', `${describeRepo(ref)}, file ${SAFETENSORS_INDEX}: it has no weight_map object, so the shards are unknown: pick another revision or set model_path to a local checkpoint.`, SAFETENSORS_INDEX);
  }
  const shards = [...new Set(Object.values(map as Record<string, unknown>).map(String))].sort();
  const missing = listed ? shards.filter((s) => !listed.includes(s)) : [];
  if (missing.length) {
    throw new HubError('not-found', `${describeRepo(ref)}, file ${SAFETENSORS_INDEX}: its weight_map names ${missing.join(', ')}, which the repo does not have: pick another revision (the upload may be incomplete).`, missing[0]);
  }
  return shards;
}

/** Makes sure every file we read of a model repo is in the cache (shards too) and returns its snapshot. */
export async function resolveModel(ref: RepoRef, opts: FetchOptions): Promise<Snapshot> {
  let listed: readonly string[] = [];
  const first = await fetchSnapshot(ref, (files, context) => {
    listed = files;
    return selectModelFiles(ref, files, context);
  }, opts);
  if (!first.files.includes(SAFETENSORS_INDEX)) return first;

  // A cached listing is only what an earlier run fetched: the second step says what is missing.
  const shards = shardsOf(ref, fs.readFileSync(path.join(first.dir, SAFETENSORS_INDEX), 'utf8'), first.fromCache ? undefined : listed);
  // Pinned to the commit just listed, so the shards match the index even if the branch moves.
  const second = await fetchSnapshot({ ...ref, revision: first.commit }, () => [...first.files, ...shards], opts);
  return { ...second, ref, downloaded: [...first.downloaded, ...second.downloaded], fromCache: first.fromCache && second.fromCache };
}
