// Runs the test suites with Node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [unit|integration ...]   (default: all suites)
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2);
const selected = suites.length ? suites : ['unit', 'integration'];

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = selected.flatMap((s) => findTests(join('test', s)));
if (files.length === 0) {
  console.error(`no test files found for suites: ${selected.join(', ')}`);
  process.exit(1);
}
// Hermetic Hugging Face settings: an empty cache of our own and an endpoint that cannot answer,
// so no test reads the user's cache or reaches the network (tests that need a Hub start a
// local one and point HF_ENDPOINT at it themselves).
const hfHome = mkdtempSync(join(tmpdir(), 'optin-test-hf-'));
const env = { ...process.env, HF_HOME: hfHome, HF_HUB_CACHE: join(hfHome, 'hub'), HF_ENDPOINT: 'http://127.0.0.1:9', HF_TOKEN: '', HF_HUB_OFFLINE: '' };
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit', env },
);
rmSync(hfHome, { recursive: true, force: true });
process.exit(result.status ?? 1);
