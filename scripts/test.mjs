// Runs the test suites with Node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [unit|integration ...]   (default: all suites)
import { readdirSync, statSync } from 'node:fs';
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
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
