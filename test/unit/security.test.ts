/**
 * Configs, checkpoints and data are untrusted input. Static guards that keep it that way: no
 * shell is ever built (processes are forked with JSON jobs), and the webview renders text only,
 * with no eval and no remote content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../helpers/tmp';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(ts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

const strip = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

test('no shell is ever built: no exec/execSync/execFile, no shell: true, in src/', () => {
  for (const file of sources(path.join(ROOT, 'src'))) {
    const code = strip(fs.readFileSync(file, 'utf8'));
    // Bare exec()/execSync() calls or imports of them (RegExp#exec is a method call, so allowed).
    assert.doesNotMatch(code, /(?<![.\w$])exec(Sync|File|FileSync)?\s*\(/, `${file} runs a command line`);
    assert.doesNotMatch(code, /\bexec(Sync|File|FileSync)?\b[^;]*from\s*['"](node:)?child_process['"]/, `${file} imports exec from child_process`);
    assert.doesNotMatch(code, /child_process['"]\)?\.exec/, `${file} runs a command line`);
    assert.doesNotMatch(code, /shell\s*:\s*true/, `${file} spawns through a shell`);
  }
});

test('the webview renders text only: no innerHTML, eval, Function or remote URLs', () => {
  const files = sources(path.join(ROOT, 'webview', 'src'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const code = strip(fs.readFileSync(file, 'utf8'));
    assert.doesNotMatch(code, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/, `${file} injects HTML`);
    assert.doesNotMatch(code, /\beval\s*\(|new Function\s*\(/, `${file} evaluates code`);
    assert.doesNotMatch(code, /https?:\/\//, `${file} names a remote URL`);
  }
});

test('config paths resolve against the config file, never the process working directory', async () => {
  const { resolveConfigPath } = await import('../../src/config');
  assert.equal(resolveConfigPath('model', '/projects/a/configs'), path.resolve('/projects/a/configs/model'));
  assert.equal(resolveConfigPath('../data/x.tsv', '/projects/a/configs'), path.resolve('/projects/a/data/x.tsv'));
  assert.equal(resolveConfigPath('/abs/model', '/projects/a/configs'), '/abs/model');
});
