/**
 * Compiles the in-editor suites and the test-runner extension with esbuild into the
 * git-ignored out/editor-tests/, and packages the runner as a .vsix.
 *   out/editor-tests/suite/*.test.js         mocha suites (vscode and mocha stay external)
 *   out/editor-tests/runner-extension/       the runner extension, unpacked
 *   out/editor-tests/optin-editor-test-runner.vsix
 * Usage: node --import tsx scripts/editor/compile.ts [--no-runner]
 */
import { build } from 'esbuild';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const OUT = path.join(ROOT, 'out', 'editor-tests');
export const SUITES_OUT = path.join(OUT, 'suite');
export const RUNNER_OUT = path.join(OUT, 'runner-extension');
export const RUNNER_VSIX = path.join(OUT, 'optin-editor-test-runner.vsix');

const common = {
  bundle: true,
  platform: 'node' as const,
  format: 'cjs' as const,
  target: 'node20',
  sourcemap: 'inline' as const,
  logLevel: 'warning' as const,
  external: ['vscode', 'mocha'],
};

export async function compileSuites(): Promise<string[]> {
  const dir = path.join(ROOT, 'test', 'editor', 'suite');
  const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f));
  if (entries.length === 0) throw new Error(`no *.test.ts in ${dir}`);
  fs.rmSync(SUITES_OUT, { recursive: true, force: true });
  await build({ ...common, entryPoints: entries, outdir: SUITES_OUT });
  return entries.map((e) => path.join(SUITES_OUT, path.basename(e).replace(/\.ts$/, '.js')));
}

export async function compileRunner(): Promise<string> {
  const src = path.join(ROOT, 'test', 'editor', 'runner-extension');
  fs.rmSync(RUNNER_OUT, { recursive: true, force: true });
  fs.mkdirSync(RUNNER_OUT, { recursive: true });
  await build({ ...common, entryPoints: [path.join(src, 'src', 'extension.ts')], outfile: path.join(RUNNER_OUT, 'extension.js') });
  for (const f of ['package.json', 'README.md']) fs.copyFileSync(path.join(src, f), path.join(RUNNER_OUT, f));
  fs.rmSync(RUNNER_VSIX, { force: true });
  execFileSync(
    path.join(ROOT, 'node_modules', '.bin', 'vsce'),
    ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', RUNNER_VSIX],
    { cwd: RUNNER_OUT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return RUNNER_VSIX;
}

if (require.main === module) {
  (async () => {
    const suites = await compileSuites();
    console.log(`compiled ${suites.length} suites into ${path.relative(ROOT, SUITES_OUT)}`);
    if (!process.argv.includes('--no-runner')) console.log(`packaged ${path.relative(ROOT, await compileRunner())}`);
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
