/** `optin` as a user runs it from a terminal (bin/optin.js loads dist/cli.js), for the UI tests that need real run folders. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../workspace';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `optin ARGS...`; `stopOn` sends SIGTERM at the first stderr text matching it. */
export function optin(args: string[], stopOn?: RegExp): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'optin.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let stopped = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stopOn && !stopped && stopOn.test(stderr)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `optin prune CONFIG --run-dir RUN_DIR`. */
export function prune(config: string, runDir: string, stopOn?: RegExp): Promise<CliResult> {
  return optin(['prune', config, '--run-dir', runDir], stopOn);
}

/** The bundled spam classifier, which the UI tests prune from the CLI. */
export const FIXTURE = path.join(ROOT, 'fixtures', 'bert-spam');

/** Writes a config for FIXTURE (absolute paths, runs/ beside it, method optin) with `extra` lines after those. */
export function writeFixtureConfig(file: string, extra: string[]): string {
  fs.writeFileSync(
    file,
    [
      'task_name: language',
      `model_path: ${JSON.stringify(path.join(FIXTURE, 'model'))}`,
      `calibration_data: ${JSON.stringify(path.join(FIXTURE, 'data', 'calibration.tsv'))}`,
      `eval_data: ${JSON.stringify(path.join(FIXTURE, 'data', 'eval.tsv'))}`,
      'output_dir: runs',
      'method: optin',
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}
