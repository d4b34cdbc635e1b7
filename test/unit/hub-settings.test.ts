import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../../src/errors';
import { describeRepo, repoFolderName, repoRef } from '../../src/hub/repo';
import { hubSettings } from '../../src/hub/settings';
import { tmpDir } from '../helpers/tmp';

test('hubSettings: the defaults are huggingface_hub\'s', () => {
  const home = tmpDir();
  const s = hubSettings({ HF_HOME: home });
  assert.deepEqual(s, { endpoint: 'https://huggingface.co', offline: false, cacheDir: path.join(home, 'hub') });
  const bare = hubSettings({ XDG_CACHE_HOME: '/x/cache' });
  assert.equal(bare.cacheDir, path.join('/x/cache', 'huggingface', 'hub'));
  assert.equal(hubSettings({}).cacheDir, path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
});

test('hubSettings: HF_ENDPOINT without trailing slashes, HF_HUB_OFFLINE truthy words, cache variables in order, ~ expanded', () => {
  assert.equal(hubSettings({ HF_ENDPOINT: 'https://mirror.example/hf//' }).endpoint, 'https://mirror.example/hf');
  for (const v of ['1', 'true', 'YES', 'on']) assert.equal(hubSettings({ HF_HUB_OFFLINE: v }).offline, true, v);
  for (const v of ['0', 'false', '', 'no']) assert.equal(hubSettings({ HF_HUB_OFFLINE: v }).offline, false, v);
  assert.equal(hubSettings({ HF_HUB_CACHE: '/a', HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c' }).cacheDir, path.resolve('/a'));
  assert.equal(hubSettings({ HUGGINGFACE_HUB_CACHE: '/b', HF_HOME: '/c' }).cacheDir, path.resolve('/b'));
  assert.equal(hubSettings({ HF_HOME: '/c' }).cacheDir, path.resolve('/c/hub'));
  assert.equal(hubSettings({ HF_HUB_CACHE: '~/hf-cache' }).cacheDir, path.join(os.homedir(), 'hf-cache'));
});

test('hubSettings: HF_TOKEN, then HUGGING_FACE_HUB_TOKEN, then the login token file (HF_TOKEN_PATH, else $HF_HOME/token)', () => {
  const home = tmpDir();
  fs.writeFileSync(path.join(home, 'token'), 'hf_saved\n');
  const other = path.join(tmpDir(), 'tok');
  fs.writeFileSync(other, ' hf_path ');
  assert.equal(hubSettings({ HF_HOME: home, HF_TOKEN: 'hf_env', HUGGING_FACE_HUB_TOKEN: 'hf_old' }).token, 'hf_env');
  assert.equal(hubSettings({ HF_HOME: home, HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: 'hf_old' }).token, 'hf_old');
  assert.equal(hubSettings({ HF_HOME: home }).token, 'hf_saved');
  assert.equal(hubSettings({ HF_HOME: home, HF_TOKEN_PATH: other }).token, 'hf_path');
  assert.equal(hubSettings({ HF_HOME: tmpDir() }).token, undefined);
  assert.ok(!('token' in hubSettings({ HF_HOME: tmpDir() })));
});

test('repoRef: Hub id rules, revision default and checks, errors naming the key', () => {
  assert.deepEqual(repoRef('model', 'textattack/bert-base-uncased-MNLI'), { type: 'model', id: 'textattack/bert-base-uncased-MNLI', revision: 'main' });
  assert.deepEqual(repoRef('dataset', 'glue', 'refs/pr/3'), { type: 'dataset', id: 'glue', revision: 'refs/pr/3' });
  assert.doesNotThrow(() => repoRef('model', `org/${'n'.repeat(96)}`));
  for (const bad of ['', 'a/b/c', '-abc', 'abc.', 'a..b', 'a--b', 'a b', 'a/b.git', '/abc', `n${'n'.repeat(96)}`, '../x']) {
    assert.throws(() => repoRef('model', bad, 'main', 'model_name'), (e: Error) => e instanceof UserError && e.message.startsWith('model_name:') && e.message.includes(`'${bad}'`), bad);
  }
  for (const bad of ['', '../x', 'a//b', 'refs/../x', 'a\\b', '/main']) {
    assert.throws(() => repoRef('model', 'a/b', bad, 'revision'), (e: Error) => e instanceof UserError && e.message.startsWith('revision:'), bad);
  }
});

test('repoFolderName and describeRepo', () => {
  assert.equal(repoFolderName(repoRef('model', 'textattack/bert-base-uncased-MNLI')), 'models--textattack--bert-base-uncased-MNLI');
  assert.equal(repoFolderName(repoRef('dataset', 'nyu-mll/glue')), 'datasets--nyu-mll--glue');
  assert.equal(repoFolderName(repoRef('model', 'gpt2')), 'models--gpt2');
  assert.equal(describeRepo(repoRef('model', 'textattack/bert-base-uncased-MNLI')), 'model textattack/bert-base-uncased-MNLI@main');
});
