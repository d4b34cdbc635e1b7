/**
 * The Hub client against a local Hub (test/helpers/hubServer.ts): real HTTP, real bytes, a real
 * cache folder laid out as huggingface_hub lays it out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { findCachedSnapshot } from '../../src/hub/cache';
import { fetchSnapshot, type DownloadProgress } from '../../src/hub/download';
import { HubError } from '../../src/hub/errors';
import { headFile } from '../../src/hub/fileMeta';
import { resolveModel } from '../../src/hub/modelFiles';
import { repoRef } from '../../src/hub/repo';
import { hubSettings, type HubSettings } from '../../src/hub/settings';
import { startHubServer, type HubRepoSpec, type HubServer, type HubServerOptions } from '../helpers/hubServer';
import { tmpDir } from '../helpers/tmp';

const ID = 'optin-test/tiny-bert';
const weights = randomBytes(300_000); // large enough to be cut and resumed
const config = JSON.stringify({ model_type: 'bert', hidden_size: 8 });

function bertRepo(extra: Partial<HubRepoSpec> = {}): HubRepoSpec {
  return {
    id: ID,
    files: {
      'config.json': config, 'model.safetensors': weights, 'tokenizer.json': '{"model":{}}', 'vocab.txt': '[PAD]\n[UNK]\n',
      'pytorch_model.bin': randomBytes(2000), 'onnx/model.onnx': randomBytes(1000), 'README.md': '# tiny',
    },
    ...extra,
  };
}

async function withHub(opts: HubServerOptions, fn: (hub: HubServer, settings: HubSettings) => Promise<void>): Promise<void> {
  const hub = await startHubServer(opts);
  try {
    await fn(hub, { endpoint: hub.endpoint, offline: false, cacheDir: path.join(tmpDir('optin-hub-'), 'hub') });
  } finally {
    await hub.close();
  }
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const repoDir = (s: HubSettings): string => path.join(s.cacheDir, 'models--optin-test--tiny-bert');

function assertHubError(e: unknown, kind: string, ...words: Array<string | RegExp>): true {
  assert.ok(e instanceof HubError, `a HubError, got ${String(e)}`);
  assert.equal(e.kind, kind, e.message);
  for (const w of words) assert.match(e.message, typeof w === 'string' ? new RegExp(w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : w);
  return true;
}

test('download into an empty cache: blobs named by ETag, relative symlinks, refs/main, only the files we read', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    const progress: DownloadProgress[] = [];
    const snap = await resolveModel(repoRef('model', ID), { settings, onProgress: (p) => progress.push(p) });
    const commit = hub.commit(ID);
    assert.equal(snap.commit, commit);
    assert.equal(snap.dir, path.join(repoDir(settings), 'snapshots', commit));
    assert.deepEqual([...snap.files].sort(), ['config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt']);
    assert.deepEqual([...snap.downloaded].sort(), [...snap.files].sort());
    assert.equal(snap.fromCache, false);
    assert.equal(fs.readFileSync(path.join(repoDir(settings), 'refs', 'main'), 'utf8'), commit);

    for (const f of snap.files) {
      const served = hub.file(ID, f);
      const link = path.join(snap.dir, f);
      assert.ok(fs.lstatSync(link).isSymbolicLink(), `${f} is a symlink`);
      assert.equal(fs.readlinkSync(link), `../../blobs/${served.etag}`);
      assert.deepEqual(fs.readFileSync(link), served.data);
    }
    // LFS blobs are named by sha256, other files by their git blob sha1.
    assert.ok(fs.existsSync(path.join(repoDir(settings), 'blobs', sha256(weights))));
    assert.equal(hub.file(ID, 'config.json').etag.length, 40);
    assert.equal(snap.bytes, snap.files.reduce((n, f) => n + hub.file(ID, f).data.length, 0));

    for (const f of ['pytorch_model.bin', 'onnx/model.onnx', 'README.md']) assert.equal(hub.gets(f).length, 0, `${f} not fetched`);
    assert.ok(hub.requests.every((r) => !r.headers.authorization), 'no token, no Authorization header');
    const last = progress[progress.length - 1];
    assert.equal(last.bytes, last.total);
    assert.equal(last.filesDone, 4);
    assert.equal(last.total, snap.bytes);
    assert.ok(!fs.readdirSync(path.join(repoDir(settings), 'blobs')).some((b) => b.endsWith('.incomplete')));
  });
});

test('a second run is a cache hit: offline with zero requests, a cached commit with zero requests, and the server gone (fallback with a log line)', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    const first = await resolveModel(repoRef('model', ID), { settings });
    hub.requests.length = 0;

    const offline = await resolveModel(repoRef('model', ID), { settings: { ...settings, offline: true } });
    assert.equal(hub.requests.length, 0);
    assert.equal(offline.fromCache, true);
    assert.deepEqual(offline.files, first.files);
    assert.equal(offline.dir, first.dir);

    const pinned = await resolveModel(repoRef('model', ID, first.commit), { settings });
    assert.equal(hub.requests.length, 0, 'a cached commit needs no request');
    assert.equal(pinned.dir, first.dir);

    await hub.close();
    const logs: string[] = [];
    const fallback = await resolveModel(repoRef('model', ID), { settings, onLog: (l) => logs.push(l) });
    assert.equal(fallback.fromCache, true);
    assert.equal(fallback.dir, first.dir);
    assert.ok(logs.some((l) => /cannot reach/.test(l) && l.includes('cached snapshot')), logs.join('\n'));
  });
});

test('the server gone and nothing cached: a network error naming the repo and the endpoint', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    await hub.close();
    await assert.rejects(resolveModel(repoRef('model', ID), { settings }), (e) => assertHubError(e, 'network', ID, settings.endpoint));
  });
});

test('a connection cut mid-file resumes with a Range request and the file verifies', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    hub.cutOnce('model.safetensors', 100_000);
    const logs: string[] = [];
    const snap = await resolveModel(repoRef('model', ID), { settings, onLog: (l) => logs.push(l) });
    const gets = hub.gets('model.safetensors');
    assert.equal(gets.length, 2, 'one cut GET, one resumed GET');
    assert.equal(gets[0].headers.range, undefined);
    // The client resumes from what it had written when the connection broke (bytes still in flight are lost).
    const from = Number(/^bytes=(\d+)-$/.exec(String(gets[1].headers.range))?.[1]);
    assert.ok(from > 0 && from <= 100_000, `resumed from ${gets[1].headers.range}`);
    assert.equal(sha256(fs.readFileSync(path.join(snap.dir, 'model.safetensors'))), sha256(weights));
    assert.ok(logs.some((l) => /connection lost/.test(l)), logs.join('\n'));
  });
});

test('corrupted bytes: a checksum error, the partial file deleted, nothing in the snapshot', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    hub.corrupt('model.safetensors');
    await assert.rejects(resolveModel(repoRef('model', ID), { settings }), (e) => assertHubError(e, 'checksum', ID, 'model.safetensors', 'run again'));
    const blobs = path.join(repoDir(settings), 'blobs');
    assert.deepEqual(fs.readdirSync(blobs).filter((b) => b.endsWith('.incomplete') || b === sha256(weights)), []);
    const snapDir = path.join(repoDir(settings), 'snapshots', hub.commit(ID));
    assert.ok(!fs.existsSync(path.join(snapDir, 'model.safetensors')));
    assert.equal(findCachedSnapshot(repoRef('model', ID), settings.cacheDir), undefined, 'refs/main is written only once all files are in');

    // A non-LFS file is checked by its git blob sha1.
    hub.corrupt('model.safetensors', false);
    hub.corrupt('config.json');
    const fresh = { ...settings, cacheDir: path.join(tmpDir('optin-hub-'), 'hub') };
    await assert.rejects(resolveModel(repoRef('model', ID), { settings: fresh }), (e) => assertHubError(e, 'checksum', 'config.json', 'git sha1'));
  });
});

test('a gated repo: 401 without a token, 403 with a wrong one, and the right token works (and never reaches the CDN)', async () => {
  await withHub({ repos: [bertRepo({ gated: true })], token: 'hf_right', cdn: 'other-origin' }, async (hub, settings) => {
    await assert.rejects(resolveModel(repoRef('model', ID), { settings }),
      (e) => assertHubError(e, 'unauthorized', ID, 'HTTP 401', 'HF_TOKEN', 'huggingface-cli login', 'accept its terms', `${hub.endpoint}/${ID}`));
    await assert.rejects(resolveModel(repoRef('model', ID), { settings: { ...settings, token: 'hf_wrong' } }),
      (e) => assertHubError(e, 'unauthorized', ID, 'HTTP 403', 'HF_TOKEN', 'accept its terms'));

    const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: settings.cacheDir, HF_TOKEN: 'hf_right', HF_HOME: tmpDir() };
    const snap = await resolveModel(repoRef('model', ID), { settings: hubSettings(env) });
    assert.equal(fs.readFileSync(path.join(snap.dir, 'model.safetensors')).length, weights.length);
    const cdn = hub.requests.filter((r) => r.server === 'cdn');
    assert.ok(cdn.length > 0, 'LFS content came from the other origin');
    assert.ok(cdn.every((r) => !r.headers.authorization), 'the token stays on the Hub');
  });
});

test('a private repo without a token reads as not found, and says a token may help', async () => {
  await withHub({ repos: [bertRepo({ private: true })], token: 'hf_right' }, async (_hub, settings) => {
    await assert.rejects(resolveModel(repoRef('model', ID), { settings }), (e) => assertHubError(e, 'not-found', ID, 'HTTP 401', 'HF_TOKEN'));
    const snap = await resolveModel(repoRef('model', ID), { settings: { ...settings, token: 'hf_right' } });
    assert.ok(snap.files.includes('model.safetensors'));
  });
});

test('404: a missing repo, a missing revision, a missing file, and a model id asked for as a dataset', async () => {
  await withHub({ repos: [bertRepo()] }, async (_hub, settings) => {
    await assert.rejects(resolveModel(repoRef('model', 'optin-test/nope'), { settings: { ...settings, token: 'hf_any' } }),
      (e) => assertHubError(e, 'not-found', 'optin-test/nope', 'HTTP 404', 'check the id', 'model, not a dataset'));
    await assert.rejects(resolveModel(repoRef('model', 'optin-test/nope'), { settings }),
      (e) => assertHubError(e, 'not-found', 'optin-test/nope', 'HTTP 401', 'HF_TOKEN'));
    await assert.rejects(resolveModel(repoRef('model', ID, 'v9'), { settings }), (e) => assertHubError(e, 'not-found', `${ID}@v9`, "revision 'v9'"));
    await assert.rejects(headFile(repoRef('model', ID), 'main', 'missing.json', settings), (e) => assertHubError(e, 'not-found', ID, 'file missing.json', 'HTTP 404'));
    await assert.rejects(fetchSnapshot(repoRef('dataset', ID), (f) => [...f], { settings }), (e) => assertHubError(e, 'not-found', `dataset ${ID}`, 'dataset, not a model'));
  });
});

test('HF_HUB_OFFLINE=1 with an empty cache: a clear error and no request', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    const offline = hubSettings({ HF_HUB_OFFLINE: '1', HF_HUB_CACHE: settings.cacheDir, HF_ENDPOINT: hub.endpoint, HF_HOME: tmpDir() });
    assert.equal(offline.offline, true);
    await assert.rejects(resolveModel(repoRef('model', ID), { settings: offline }), (e) => assertHubError(e, 'offline', ID, 'HF_HUB_OFFLINE', settings.cacheDir));
    assert.equal(hub.requests.length, 0);
  });
});

test('a sharded checkpoint: the index and the two shards it names, nothing else', async () => {
  const shard1 = randomBytes(40_000);
  const shard2 = randomBytes(30_000);
  const index = JSON.stringify({ metadata: { total_size: 70_000 }, weight_map: { 'a.weight': 'model-00001-of-00002.safetensors', 'b.weight': 'model-00002-of-00002.safetensors', 'c.weight': 'model-00001-of-00002.safetensors' } });
  const repo: HubRepoSpec = {
    id: ID,
    files: {
      'config.json': config, 'model.safetensors.index.json': index, 'model-00001-of-00002.safetensors': shard1, 'model-00002-of-00002.safetensors': shard2,
      'pytorch_model.bin.index.json': '{}', 'pytorch_model-00001-of-00002.bin': randomBytes(100), 'onnx/model.onnx': randomBytes(100), 'tokenizer_config.json': '{}',
    },
  };
  await withHub({ repos: [repo] }, async (hub, settings) => {
    const snap = await resolveModel(repoRef('model', ID), { settings });
    assert.deepEqual([...snap.files].sort(), ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'tokenizer_config.json']);
    assert.deepEqual([...snap.downloaded].sort(), [...snap.files].sort());
    assert.deepEqual(snap.ref, repoRef('model', ID));
    const fetched = hub.requests.filter((r) => r.method === 'GET' && r.url.includes('/resolve/')).map((r) => decodeURIComponent(r.url.split('/').pop() ?? ''));
    assert.deepEqual(fetched.filter((f) => /pytorch|onnx/.test(f)), []);
    assert.deepEqual(fs.readFileSync(path.join(snap.dir, 'model-00002-of-00002.safetensors')), shard2);
    assert.equal(fs.readFileSync(path.join(repoDir(settings), 'refs', 'main'), 'utf8'), hub.commit(ID));

    hub.requests.length = 0;
    const again = await resolveModel(repoRef('model', ID), { settings: { ...settings, offline: true } });
    assert.deepEqual([...again.files].sort(), [...snap.files].sort());
    assert.equal(hub.requests.length, 0);
  });
});

test('a repo with only pytorch_model.bin is refused before any download, saying what to do', async () => {
  const repo: HubRepoSpec = { id: ID, files: { 'config.json': config, 'pytorch_model.bin': randomBytes(5000), 'vocab.txt': 'a\n' } };
  await withHub({ repos: [repo] }, async (hub, settings) => {
    await assert.rejects(resolveModel(repoRef('model', ID), { settings }), (e) => assertHubError(e, 'refused', ID, 'pytorch_model.bin', 'safetensors', 'refs/pr/', 'model_path'));
    assert.equal(hub.requests.filter((r) => r.url.includes('/resolve/')).length, 0);
  });
  const noConfig: HubRepoSpec = { id: ID, files: { 'model.safetensors': randomBytes(100) } };
  await withHub({ repos: [noConfig] }, async (_hub, settings) => {
    await assert.rejects(resolveModel(repoRef('model', ID), { settings }), (e) => assertHubError(e, 'refused', ID, 'config.json'));
  });
});

test('abort mid-download leaves the .incomplete file, and the next call resumes it', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    const stalled = hub.stallOnce('model.safetensors', 120_000);
    const ctl = new AbortController();
    const run = resolveModel(repoRef('model', ID), { settings, signal: ctl.signal });
    await stalled;
    const partial = path.join(repoDir(settings), 'blobs', `${sha256(weights)}.incomplete`);
    // The bytes are on their way: wait until they are on disk.
    for (let i = 0; i < 1000 && (fs.statSync(partial, { throwIfNoEntry: false })?.size ?? 0) < 120_000; i++) await new Promise((r) => setTimeout(r, 10));
    ctl.abort();
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
    assert.equal(fs.statSync(partial).size, 120_000);

    const snap = await resolveModel(repoRef('model', ID), { settings });
    const gets = hub.gets('model.safetensors');
    assert.equal(gets[gets.length - 1].headers.range, 'bytes=120000-');
    assert.equal(sha256(fs.readFileSync(path.join(snap.dir, 'model.safetensors'))), sha256(weights));
    assert.ok(!fs.existsSync(partial));
  });
});

test('HF_ENDPOINT with a trailing slash: the same URLs, no double slash', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    const s = hubSettings({ HF_ENDPOINT: `${hub.endpoint}/`, HF_HUB_CACHE: settings.cacheDir, HF_HOME: tmpDir() });
    assert.equal(s.endpoint, hub.endpoint);
    await resolveModel(repoRef('model', ID), { settings: s });
    assert.ok(hub.requests.length > 0);
    assert.ok(hub.requests.every((r) => !r.url.includes('//')), hub.requests.map((r) => r.url).join('\n'));
  });
});

test('findCachedSnapshot by branch and by commit, and undefined when not cached', async () => {
  await withHub({ repos: [bertRepo()] }, async (hub, settings) => {
    assert.equal(findCachedSnapshot(repoRef('model', ID), settings.cacheDir), undefined);
    const snap = await resolveModel(repoRef('model', ID), { settings });
    const byBranch = findCachedSnapshot(repoRef('model', ID), settings.cacheDir);
    const byCommit = findCachedSnapshot(repoRef('model', ID, hub.commit(ID)), settings.cacheDir);
    for (const found of [byBranch, byCommit]) {
      assert.ok(found);
      assert.equal(found.commit, hub.commit(ID));
      assert.equal(found.dir, snap.dir);
      assert.deepEqual(found.files, ['config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt']);
      assert.equal(found.bytes, snap.bytes);
    }
    assert.equal(findCachedSnapshot(repoRef('model', ID, 'v2'), settings.cacheDir), undefined);
    assert.equal(findCachedSnapshot(repoRef('model', ID, 'f'.repeat(40)), settings.cacheDir), undefined);
    assert.equal(findCachedSnapshot(repoRef('dataset', ID), settings.cacheDir), undefined);
  });
});

test('a dataset repo and a refs/pr/N revision: /datasets/ URLs, datasets--org--name, refs/refs/pr/1', async () => {
  const data: HubRepoSpec = { type: 'dataset', id: 'optin-test/sst2-mini', files: { 'data/train.parquet': randomBytes(20_000), 'README.md': '# d' } };
  const pr: HubRepoSpec = { ...bertRepo(), revision: 'refs/pr/1' };
  await withHub({ repos: [data, bertRepo(), pr] }, async (hub, settings) => {
    const snap = await fetchSnapshot(repoRef('dataset', 'optin-test/sst2-mini'), (files) => files.filter((f) => f.endsWith('.parquet')), { settings });
    assert.equal(snap.dir, path.join(settings.cacheDir, 'datasets--optin-test--sst2-mini', 'snapshots', hub.commit('optin-test/sst2-mini', 'dataset')));
    assert.deepEqual(snap.files, ['data/train.parquet']);
    assert.equal(fs.readlinkSync(path.join(snap.dir, 'data', 'train.parquet')), `../../../blobs/${hub.file('optin-test/sst2-mini', 'data/train.parquet', 'dataset').etag}`);
    assert.ok(hub.requests.some((r) => r.url.startsWith('/api/datasets/optin-test/sst2-mini/revision/main')));
    assert.ok(hub.requests.some((r) => r.url.startsWith('/datasets/optin-test/sst2-mini/resolve/')));

    const prSnap = await resolveModel(repoRef('model', ID, 'refs/pr/1'), { settings });
    assert.equal(prSnap.commit, hub.commit(ID, 'model', 'refs/pr/1'));
    assert.equal(fs.readFileSync(path.join(repoDir(settings), 'refs', 'refs', 'pr', '1'), 'utf8'), prSnap.commit);
    assert.ok(hub.requests.some((r) => r.url === `/api/models/${ID}/revision/refs%2Fpr%2F1`));
  });
});
