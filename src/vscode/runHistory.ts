import * as path from 'path';
import * as vscode from 'vscode';
import { resolveConfig, validateText } from '../config';
import { listRuns, type RunSummary } from '../run/runData';
import { findConfigs } from './configPicker';

/**
 * The run history: every run folder under the output_dir of the workspace's configs, plus the
 * output dirs runs were started into before (remembered per workspace, so a config that moved
 * or was deleted keeps its history).
 */
const KEY = 'optin.outputDirs';

export class RunHistory {
  constructor(private readonly state: vscode.Memento) {}

  remember(outputDir: string): void {
    const dirs = new Set(this.state.get<string[]>(KEY, []));
    if (dirs.has(outputDir)) return;
    dirs.add(outputDir);
    void this.state.update(KEY, [...dirs]);
  }

  async outputDirs(): Promise<string[]> {
    const dirs = new Set(this.state.get<string[]>(KEY, []));
    for (const uri of await findConfigs()) {
      if (uri.scheme !== 'file') continue;
      const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
      const { values } = validateText(text, { mode: 'lint' });
      dirs.add(resolveConfig(values, path.dirname(uri.fsPath)).output_dir);
    }
    return [...dirs];
  }

  /** Newest first; a run folder listed under two output dirs (a symlink) shows once. */
  async list(): Promise<RunSummary[]> {
    const seen = new Set<string>();
    const runs: RunSummary[] = [];
    for (const dir of await this.outputDirs()) {
      for (const r of listRuns(dir)) {
        if (seen.has(r.runDir)) continue;
        seen.add(r.runDir);
        runs.push(r);
      }
    }
    return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
