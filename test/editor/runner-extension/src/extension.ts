/**
 * Test-only extension: runs the compiled in-editor mocha suites inside the extension host of
 * a real VS Code (code-server) and writes the results as JSON for scripts/editor/run.ts.
 *
 * Config (JSON): the file named by $OPTIN_EDITOR_TEST_CONFIG, else `runner-config.json`
 * beside this extension's main file. Without one the extension does nothing.
 */
import * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';
import type { RunnerConfig, SuiteResults, TestResult } from '../../results';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const configPath = process.env.OPTIN_EDITOR_TEST_CONFIG || path.join(context.extensionPath, 'runner-config.json');
  if (!fs.existsSync(configPath)) return;
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as RunnerConfig;
  // One run per results file: a second window (the UI tests open one) must not run again.
  let lock: number;
  try {
    lock = fs.openSync(`${config.resultsFile}.lock`, 'wx');
  } catch {
    return;
  }
  fs.closeSync(lock);
  const results = await runSuites(config, configPath);
  const tmp = `${config.resultsFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
  fs.renameSync(tmp, config.resultsFile);
}

export function deactivate(): void {
  // Nothing to release.
}

async function runSuites(config: RunnerConfig, configPath: string): Promise<SuiteResults> {
  const started = Date.now();
  const files = fs.readdirSync(config.suitesDir).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(config.suitesDir, f));
  const results: SuiteResults = {
    configPath,
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    extension: { id: config.extensionId, present: false, activeBeforeTests: false, active: false },
    files: files.map((file) => ({ file, tests: 0 })),
    tests: [],
    passed: 0,
    failed: 0,
    pending: 0,
    durationMs: 0,
  };
  const ext = vscode.extensions.getExtension(config.extensionId);
  results.extension.present = ext !== undefined;
  results.extension.activeBeforeTests = ext?.isActive ?? false;
  try {
    const load = createRequire(config.mochaPath);
    const Mocha = load(config.mochaPath) as typeof import('mocha');
    const mocha = new Mocha({ ui: 'bdd', timeout: config.timeoutMs, color: false, reporter: Mocha.reporters.Base });
    for (const file of files) mocha.addFile(file);
    await new Promise<void>((resolve) => {
      const runner = mocha.run(() => resolve());
      const record = (test: Mocha.Runnable, state: TestResult['state'], err?: unknown) => {
        const file = test.file ?? '';
        const entry = results.files.find((f) => f.file === file);
        if (entry && (test as { type?: string }).type === 'test') entry.tests += 1;
        results.tests.push({
          title: test.title,
          fullTitle: test.fullTitle(),
          file: path.basename(file),
          state,
          durationMs: test.duration ?? 0,
          error: err === undefined ? undefined : describeError(err),
        });
        results[state] += 1;
      };
      runner.on('pass', (t) => record(t, 'passed'));
      runner.on('fail', (t, err) => record(t, 'failed', err));
      runner.on('pending', (t) => record(t, 'pending'));
    });
  } catch (err) {
    results.error = describeError(err);
  }
  // The suites check activation through the activation event. activate() resolves at once
  // for an extension already active and rejects with the error of a failed activation (which
  // VS Code still reports as isActive), so the driver learns of either.
  if (ext) {
    try {
      await ext.activate();
    } catch (err) {
      results.extension.activationError = describeError(err);
    }
    results.extension.active = ext.isActive;
  }
  results.durationMs = Date.now() - started;
  return results;
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
