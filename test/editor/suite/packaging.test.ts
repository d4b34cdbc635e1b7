/// <reference types="mocha" />
/**
 * Packaging suite: what the bundles require at run time is inside the installed extension,
 * and the CLI bundled in it loads ONNX Runtime and sharp from there and evaluates the
 * workspace's BERT fixture exactly as the Python reference did.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { builtinModules, createRequire } from 'module';
import * as path from 'path';
import { ourExtension, workspaceDir } from './helpers';

const BUNDLES = ['extension.js', 'cli.js', 'child.js'];
const BUILTIN = new Set([...builtinModules, 'vscode']);

/** Bare module names a bundle still loads with require("..."). */
function externalRequires(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/\brequire\("([^"./][^"]*)"\)/g)) {
    const name = m[1].replace(/^node:/, '');
    if (!BUILTIN.has(name) && !BUILTIN.has(name.split('/')[0])) names.add(name);
  }
  return [...names].sort();
}

describe('OPTIN packaging', () => {
  it('ships dist/extension.js, cli.js, child.js and webview.js', () => {
    const dist = path.join(ourExtension().extensionPath, 'dist');
    for (const f of [...BUNDLES, 'webview.js']) assert.ok(fs.existsSync(path.join(dist, f)), `missing dist/${f}`);
  });

  it('every module the bundles require resolves inside the installed extension', () => {
    const root = ourExtension().extensionPath;
    const problems: string[] = [];
    const seen: string[] = [];
    for (const bundle of BUNDLES) {
      const file = path.join(root, 'dist', bundle);
      const req = createRequire(file);
      for (const name of externalRequires(file)) {
        seen.push(name);
        try {
          const resolved = req.resolve(name);
          if (!resolved.startsWith(root + path.sep)) problems.push(`${bundle}: ${name} resolves outside the extension (${resolved})`);
        } catch (err) {
          problems.push(`${bundle}: ${name}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    assert.ok(seen.includes('onnxruntime-node'), 'expected the bundles to load onnxruntime-node at run time');
    assert.deepStrictEqual(problems, []);
  });

  it("the installed CLI evaluates the workspace's BERT fixture as the reference does", function () {
    this.timeout(120_000);
    const cli = path.join(ourExtension().extensionPath, 'dist', 'cli.js');
    const ws = workspaceDir();
    const reference = JSON.parse(fs.readFileSync(path.join(ws, 'bert-spam', 'reference.json'), 'utf8')) as { eval_accuracy: number; eval_examples: number };
    // The run child is forked the same way: plain Node (ELECTRON_RUN_AS_NODE on desktop VS Code).
    const script = `require(${JSON.stringify(cli)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 1; })`;
    const r = spawnSync(process.execPath, ['-e', script, 'eval', path.join(ws, 'bert-spam', 'model'), path.join(ws, 'bert-spam', 'data', 'eval.tsv'), '--device', 'cpu', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      timeout: 110_000,
    });
    assert.strictEqual(r.status, 0, `optin eval exited ${r.status}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { metric: string; value: number; examples: number; device: string };
    assert.strictEqual(out.metric, 'accuracy');
    assert.strictEqual(out.examples, reference.eval_examples);
    assert.ok(Math.abs(out.value - reference.eval_accuracy) < 1e-9, `accuracy ${out.value}, reference ${reference.eval_accuracy}`);
    assert.strictEqual(out.device, 'cpu');
  });
});
