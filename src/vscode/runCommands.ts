import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { diagnoseConfig, formatDiagnostic, macBudgets, resolveConfig, type RunConfig } from '../config';
import { pct } from '../format';
import { jobFromConfig, parseBudgetList } from '../run/job';
import { readReport, type RunSummary } from '../run/runData';
import type { RunOutcome } from '../run/runProcess';
import type { ConfigDocuments } from './configDocuments';
import { activeConfig, pickConfig } from './configPicker';
import type { ConfigDiagnostics } from './diagnostics';
import type { ResultsPanel } from './resultsPanel';
import type { ActiveRun, RunController } from './runController';
import type { RunHistory } from './runHistory';
import { describeRun, type RunNode, type RunsView } from './runsView';

/**
 * The run commands: Prune, Sweep Budgets, Cancel Run, Open Results, Reveal Run Folder, Export
 * Pruned Model (and the view's helpers). A config with errors never starts a run; runs are off in
 * untrusted workspaces (a run loads the model and data files the config names).
 */

export interface RunPieces {
  docs: ConfigDocuments;
  diagnostics: ConfigDiagnostics;
  controller: RunController;
  history: RunHistory;
  view: RunsView;
  panel: ResultsPanel;
}

/** What a command gets: a run folder, a Runs-view node, a config URI, or nothing (then it asks). */
type RunArg = string | RunNode | vscode.Uri | undefined;

function runDirOf(arg: RunArg): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && !(arg instanceof vscode.Uri) && 'kind' in arg) return arg.run.runDir;
  return undefined;
}

function trusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      'OPTIN: runs are disabled in Restricted Mode, because a run loads the model and data files this workspace names. Linting still works. Trust the workspace to prune.',
      'Manage Workspace Trust',
    )
    .then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

/** Validates the config (saved first) and builds its job, or shows why it cannot run. */
async function prepareRun(p: RunPieces, uri: vscode.Uri): Promise<{ file: string; config: RunConfig; text: string } | undefined> {
  const doc = await vscode.workspace.openTextDocument(uri);
  p.docs.choose(uri);
  if (doc.isUntitled || uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('OPTIN: save the config to a file first: its paths are relative to the file.');
    return undefined;
  }
  if (doc.isDirty && !(await doc.save())) {
    void vscode.window.showWarningMessage(`OPTIN: ${path.basename(uri.fsPath)} could not be saved; the run uses the file on disk.`);
    return undefined;
  }
  const file = uri.fsPath;
  const text = doc.getText();
  const { validated, diagnostics } = await diagnoseConfig(text, file, 'run', true);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    await p.diagnostics.validateFully(doc);
    const n = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    const first = formatDiagnostic(errors[0], path.basename(file));
    void vscode.window.showErrorMessage(`OPTIN: cannot prune ${path.basename(file)}: ${n} in the config. ${first}`, 'Show Problems', 'Go to Error').then((c) => {
      if (c === 'Show Problems') void vscode.commands.executeCommand('workbench.actions.view.problems');
      if (c === 'Go to Error') {
        const { start } = errors[0].range;
        void vscode.window.showTextDocument(doc, { selection: new vscode.Range(start.line, start.character, start.line, start.character) });
      }
    });
    return undefined;
  }
  const config = resolveConfig(validated.values, path.dirname(file)) as RunConfig;
  return { file, config, text };
}

async function startRun(p: RunPieces, arg: RunArg, sweep: boolean, given?: unknown): Promise<RunOutcome | undefined> {
  if (!trusted()) return undefined;
  const uri = (arg instanceof vscode.Uri ? arg : undefined) ?? activeConfig(p.docs) ?? (await pickConfig(sweep ? 'OPTIN: Sweep Budgets' : 'OPTIN: Prune', 'Prune'));
  if (!uri) return undefined;
  let budgets: number[] | undefined;
  const prepared = await prepareRun(p, uri);
  if (!prepared) return undefined;
  if (sweep) {
    // Budgets as an argument (a keybinding's args: [uri, [0.4, 0.5]] or "0.4, 0.5"), else asked.
    const parsed = given === undefined ? undefined : parseBudgetList(Array.isArray(given) ? given.join(',') : String(given));
    if (typeof parsed === 'string') {
      void vscode.window.showErrorMessage(`OPTIN: Sweep Budgets: ${parsed}`);
      return undefined;
    }
    budgets = parsed ?? (await askBudgets(macBudgets(prepared.config)));
    if (!budgets) return undefined;
  }
  const job = jobFromConfig(prepared.config, prepared.text, { budgets });
  p.history.remember(job.outputDir);
  const label = sweep ? `Sweep ${budgets!.join(', ')}` : 'Prune';
  const { finished } = p.controller.enqueue({ configFile: prepared.file, label, job: { kind: 'prune', job } });
  const outcome = await finished;
  if (outcome) void announce(p, prepared.file, outcome);
  return outcome;
}

async function askBudgets(current: number[]): Promise<number[] | undefined> {
  const suggestion = current.length > 1 ? current : [0.4, 0.5, 0.6, 0.7, 0.8];
  const text = await vscode.window.showInputBox({
    title: 'OPTIN: Sweep Budgets',
    prompt: 'MAC budgets to keep (fractions of the encoder MACs). Rankings from an earlier run of this config are reused, so only search, export and evaluation run again.',
    value: suggestion.join(', '),
    validateInput: (v) => {
      const r = parseBudgetList(v);
      return typeof r === 'string' ? r : undefined;
    },
  });
  if (text === undefined) return undefined;
  const r = parseBudgetList(text);
  return typeof r === 'string' ? undefined : r;
}

async function announce(p: RunPieces, file: string, outcome: RunOutcome): Promise<void> {
  const name = path.basename(file);
  const runDir = outcome.runDir;
  const buttons = [...(runDir ? ['Open Results', 'Reveal Run Folder'] : []), 'Show Log'];
  let choice: string | undefined;
  if (outcome.status === 'complete' && runDir) {
    // The results open beside the config without taking the focus from it.
    await p.panel.show(runDir, true);
    const r = readReport(runDir);
    const best = r?.budgets.map((b) => `${b.budget}: ${r.metric ?? 'metric'} ${pct(b.metric, 2)}${b.speedup ? ` (${b.speedup.toFixed(2)}×)` : ''}`).join(', ');
    choice = await vscode.window.showInformationMessage(`OPTIN: ${name} pruned${r?.unpruned ? ` (unpruned ${pct(r.unpruned.metric, 2)})` : ''}. ${best ?? ''}`, ...buttons);
  } else if (outcome.status === 'cancelled') {
    choice = await vscode.window.showInformationMessage(`OPTIN: run of ${name} cancelled${runDir ? `; what finished is kept in ${runDir}` : ''}.`, ...buttons);
  } else {
    const hint = outcome.outOfMemory ? ' It ran out of memory: lower calibration_size or batch_size, or set memory_limit_mb.' : '';
    const tail = outcome.status === 'crashed' && outcome.lastLines.length ? ` Last lines: ${outcome.lastLines.slice(-3).join(' | ')}` : '';
    choice = await vscode.window.showErrorMessage(`OPTIN: run of ${name} ${outcome.status}: ${outcome.message ?? 'see the log'}.${hint}${tail}`, ...buttons);
  }
  if (choice === 'Open Results' && runDir) await p.panel.show(runDir);
  if (choice === 'Reveal Run Folder' && runDir) await revealRunFolder(p, runDir);
  if (choice === 'Show Log') p.controller.output.show(true);
}

async function pickRun(p: RunPieces, title: string, filter: (r: RunSummary) => boolean = () => true): Promise<string | undefined> {
  const runs = (await p.view.refresh()).filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('OPTIN: no runs yet. Run "OPTIN: Prune" on a config first.');
    return undefined;
  }
  const items = runs.map((r) => ({ label: r.id, description: describeRun(r), detail: r.runDir, runDir: r.runDir }));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Which run?', matchOnDescription: true, matchOnDetail: true }))?.runDir;
}

async function cancelRun(p: RunPieces, arg: RunArg | ActiveRun): Promise<boolean> {
  const active = p.controller.active;
  let run: ActiveRun | undefined;
  if (arg && typeof arg === 'object' && 'kind' in arg && arg.kind === 'active') run = arg.run;
  else if (arg && typeof arg === 'object' && 'request' in arg) run = arg;
  else if (arg instanceof vscode.Uri) run = active.find((r) => r.request.configFile === arg.fsPath && r.state === 'running') ?? active.find((r) => r.request.configFile === arg.fsPath);
  else if (active.length === 1) run = active[0];
  else if (active.length > 1) {
    const items = active.map((r) => ({ label: `${path.basename(r.request.configFile)} — ${r.request.label}`, description: r.state, r }));
    run = (await vscode.window.showQuickPick(items, { title: 'OPTIN: Cancel Run', placeHolder: 'Which run?' }))?.r;
  }
  if (!run) {
    if (active.length === 0) void vscode.window.showInformationMessage('OPTIN: no run is going on.');
    return false;
  }
  p.controller.cancel(run);
  return true;
}

async function revealRunFolder(p: RunPieces, arg: RunArg): Promise<void> {
  const runDir = runDirOf(arg) ?? (await pickRun(p, 'OPTIN: Reveal Run Folder'));
  if (!runDir) return;
  const uri = vscode.Uri.file(runDir);
  // Inside the workspace the explorer shows it; elsewhere (and on remote machines) the OS cannot, so open the report.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path.join(runDir, 'report.json')));
  else if (!vscode.env.remoteName) await vscode.commands.executeCommand('revealFileInOS', uri);
  else await vscode.window.showTextDocument(vscode.Uri.file(path.join(runDir, 'report.json')));
}

async function exportModel(p: RunPieces, arg: RunArg, budgetArg?: number, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const runDir = runDirOf(arg) ?? (await pickRun(p, 'OPTIN: Export Pruned Model', (r) => r.budgets.length > 0));
  if (!runDir) return undefined;
  const report = readReport(runDir);
  const exported = (report?.budgets ?? []).filter((b) => fs.existsSync(path.join(runDir, b.file)));
  if (!report || exported.length === 0) {
    void vscode.window.showWarningMessage(`OPTIN: ${runDir} has no pruned model yet (the run ended before the export phase).`);
    return undefined;
  }
  let budget = exported.find((b) => b.budget === budgetArg);
  if (!budget && exported.length === 1) budget = exported[0];
  if (!budget) {
    const items = exported.map((b) => ({ label: `${b.budget}`, description: `MACs kept ${(b.macFraction * 100).toFixed(1)}% · ${report.metric ?? 'metric'} ${pct(b.metric, 2)}${b.speedup ? ` · ${b.speedup.toFixed(2)}×` : ''}`, b }));
    budget = (await vscode.window.showQuickPick(items, { title: 'OPTIN: Export Pruned Model', placeHolder: 'Which budget?' }))?.b;
    if (!budget) return undefined;
  }
  // Checkpoints often sit in <name>/model: name the file after the folder that says what it is.
  const dirName = path.basename(report.model.dir);
  const modelName = (dirName === 'model' ? path.basename(path.dirname(report.model.dir)) : dirName) || 'model';
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? runDir;
  const dest =
    target ??
    (await vscode.window.showSaveDialog({
      title: 'OPTIN: Export Pruned Model',
      defaultUri: vscode.Uri.file(path.join(base, `${modelName}-pruned-${budget.budget}.onnx`)),
      filters: { 'ONNX model': ['onnx'] },
    }));
  if (!dest) return undefined;
  await vscode.workspace.fs.copy(vscode.Uri.file(path.join(runDir, budget.file)), dest, { overwrite: true });
  void vscode.window.showInformationMessage(`OPTIN: exported the model pruned to ${budget.budget} of the MACs to ${dest.fsPath}.`);
  return dest;
}

/**
 * The run folders a compare command was given: a tree passes (clicked node, selected nodes),
 * and the selection holds the clicked node, in the order the user selected; a caller may pass
 * run folder paths instead. Each folder once.
 */
function runDirsOf(args: unknown[]): string[] {
  const dirs: string[] = [];
  for (const a of Array.isArray(args[1]) ? args[1] : args.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
    const d = runDirOf(a as RunArg);
    if (d && !dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}

/** Asks for runs to compare (two or more, or one more than `with` already has). */
async function pickRuns(p: RunPieces, title: string, given: string[]): Promise<string[] | undefined> {
  const runs = (await p.view.refresh()).filter((r) => !given.includes(r.runDir));
  const need = Math.max(0, 2 - given.length);
  if (runs.length < Math.max(1, need)) {
    void vscode.window.showInformationMessage(`OPTIN: ${given.length ? 'no other run to compare with' : 'comparing needs two runs'}. Run "OPTIN: Prune" on a config first.`);
    return undefined;
  }
  const items = runs.map((r) => ({ label: r.id, description: describeRun(r), detail: r.runDir, runDir: r.runDir }));
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: given.length ? `Compare ${path.basename(given[0])} with which runs?` : 'Which runs? (two or more)',
    canPickMany: true,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  const dirs = [...given, ...picked.map((x) => x.runDir)];
  if (dirs.length < 2) {
    void vscode.window.showInformationMessage('OPTIN: pick at least two runs to compare.');
    return undefined;
  }
  return dirs;
}

/**
 * "Compare Selected Runs" (the Runs view's multi-selection; from the palette it asks) and
 * "Compare with…" (a run, then a quick pick of the others). Returns the compared run folders.
 */
async function compareRuns(p: RunPieces, args: unknown[], askFor: 'all' | 'others'): Promise<string[] | undefined> {
  const given = runDirsOf(args);
  const dirs = given.length >= 2 ? given : await pickRuns(p, askFor === 'others' ? 'OPTIN: Compare with…' : 'OPTIN: Compare Runs', given);
  if (dirs) await p.panel.showCompare(dirs);
  return dirs;
}

export function registerRunCommands(context: vscode.ExtensionContext, p: RunPieces): void {
  const reg = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg('optin.prune', (arg?: RunArg) => startRun(p, arg, false));
  reg('optin.sweep', (arg?: RunArg, budgets?: unknown) => startRun(p, arg, true, budgets));
  reg('optin.cancelRun', (arg?: RunArg | ActiveRun) => cancelRun(p, arg));
  reg('optin.openResults', async (arg?: RunArg) => {
    const runDir = runDirOf(arg) ?? (await pickRun(p, 'OPTIN: Open Results'));
    if (runDir) await p.panel.show(runDir);
    return runDir;
  });
  // Tree commands get (clicked node, selected nodes); a multi-selection compares as it is.
  reg('optin.compareRuns', (...args: unknown[]) => compareRuns(p, args, 'all'));
  reg('optin.compareWith', (...args: unknown[]) => compareRuns(p, args, 'others'));
  reg('optin.revealRunFolder', (arg?: RunArg) => revealRunFolder(p, arg));
  reg('optin.exportModel', (arg?: RunArg, budget?: number, target?: vscode.Uri) => exportModel(p, arg, budget, target));
  reg('optin.showRunLog', () => p.controller.output.show(true));
  reg('optin.refreshRuns', () => p.view.refresh());
  reg('optin.openRunConfig', async (arg?: RunArg) => {
    const runDir = runDirOf(arg) ?? (await pickRun(p, 'OPTIN: Open Run Config'));
    if (runDir) await vscode.window.showTextDocument(vscode.Uri.file(path.join(runDir, 'config.yaml')), { viewColumn: vscode.ViewColumn.One });
  });
}
