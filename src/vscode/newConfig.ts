import * as path from 'path';
import * as vscode from 'vscode';
import { describeData, findDataNear, summariseCheckpoint, summariseData } from '../config/disk';
import type { DataCandidate } from '../config/disk';
import { newConfigText, relativePath } from '../config/template';

/**
 * "OPTIN: New Config": pick a checkpoint folder, read its config.json, propose calibration and
 * evaluation data found next to it (the folder, its parent, a sibling data/), write a
 * commented config (config.yaml in the workspace folder, or optin-<name>.yaml when that is
 * taken; never over an existing file) and open it.
 *
 * Tests and other commands can pass what the dialogs ask for: `checkpoint`, `configFile`,
 * and `calibrationData` / `evalData` (a Uri, or null for none); `pick: 'best'` takes the best
 * guesses without asking.
 */
export interface NewConfigArgs {
  checkpoint?: vscode.Uri;
  configFile?: vscode.Uri;
  calibrationData?: vscode.Uri | null;
  evalData?: vscode.Uri | null;
  pick?: 'ask' | 'best';
}

/** Names that say nothing about the model; the parent folder names the config then. */
const GENERIC = new Set(['model', 'models', 'checkpoint', 'checkpoints', 'best', 'final', 'output', 'hf']);

export async function newConfigCommand(args: NewConfigArgs = {}): Promise<vscode.Uri | undefined> {
  const checkpoint = args.checkpoint ?? (await askCheckpoint());
  if (!checkpoint) return undefined;
  const summary = await summariseCheckpoint(checkpoint.fsPath);
  if (!summary) {
    void vscode.window.showErrorMessage(`OPTIN: ${checkpoint.fsPath} has no readable config.json; choose a Hugging Face checkpoint folder (config.json + model.safetensors).`);
    return undefined;
  }
  const modality = summary.modelType === 'bert' ? 'text' : summary.modelType === 'vit' || summary.modelType === 'deit' ? 'image' : undefined;
  const found = await findDataNear(checkpoint.fsPath, modality);
  const configFile = args.configFile ?? (await freeConfigFile(checkpoint));
  const pick = args.pick ?? 'ask';
  const calibration = args.calibrationData !== undefined ? args.calibrationData?.fsPath : await chooseData('calibration', found.calibration, configFile, pick);
  if (calibration === null) return undefined;
  // Evaluate on other data than the calibration when there is any.
  const evalCandidates = [...found.eval.filter((c) => c.path !== calibration), ...found.eval.filter((c) => c.path === calibration)];
  const evalData = args.evalData !== undefined ? args.evalData?.fsPath : await chooseData('evaluation', evalCandidates, configFile, pick);
  if (evalData === null) return undefined;
  if (await exists(configFile)) {
    void vscode.window.showErrorMessage(`OPTIN: ${configFile.fsPath} already exists; not overwriting it.`);
    return undefined;
  }
  const text = newConfigText({ configFile: configFile.fsPath, checkpoint: summary, calibrationData: calibration, evalData });
  await vscode.workspace.fs.writeFile(configFile, Buffer.from(text, 'utf8'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(configFile));
  return configFile;
}

async function askCheckpoint(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: 'Use this checkpoint',
    title: 'OPTIN: New Config: the fine-tuned checkpoint folder (config.json + model.safetensors)',
  });
  return picked?.[0];
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  return Promise.resolve(vscode.workspace.fs.stat(uri)).then(() => true, () => false);
}

/** config.yaml in the checkpoint's workspace folder (else its parent), or optin-<name>.yaml, -2, ... */
async function freeConfigFile(checkpoint: vscode.Uri): Promise<vscode.Uri> {
  const dir = vscode.workspace.getWorkspaceFolder(checkpoint)?.uri ?? vscode.Uri.file(path.dirname(checkpoint.fsPath));
  const base = path.basename(checkpoint.fsPath);
  const name = (GENERIC.has(base.toLowerCase()) ? path.basename(path.dirname(checkpoint.fsPath)) : base).replace(/[^\w.-]+/g, '-');
  const names = ['config.yaml', `optin-${name}.yaml`, ...Array.from({ length: 98 }, (_, i) => `optin-${name}-${i + 2}.yaml`)];
  for (const n of names) {
    const uri = vscode.Uri.joinPath(dir, n);
    if (!(await exists(uri))) return uri;
  }
  return vscode.Uri.joinPath(dir, `optin-${name}-${Date.now()}.yaml`);
}

/** The data to use for one role: undefined for none, null when the user cancelled. */
async function chooseData(role: 'calibration' | 'evaluation', candidates: DataCandidate[], configFile: vscode.Uri, pick: 'ask' | 'best'): Promise<string | undefined | null> {
  if (candidates.length === 0) return undefined;
  if (pick === 'best' || candidates.length === 1) return candidates[0].path;
  const dir = path.dirname(configFile.fsPath);
  const items: (vscode.QuickPickItem & { path?: string })[] = await Promise.all(
    candidates.slice(0, 30).map(async (c) => {
      const summary = await summariseData(c.path).catch(() => undefined);
      return { label: relativePath(dir, c.path), description: summary ? describeData(summary) : c.kind, path: c.path };
    }),
  );
  items.push({ label: 'None for now', description: 'leave it as a comment in the config' });
  const chosen = await vscode.window.showQuickPick(items, {
    title: `OPTIN: New Config: ${role} data`,
    placeHolder: role === 'calibration' ? 'Examples whose forward passes score every head and neuron' : 'Labelled held-out examples to evaluate on',
  });
  if (!chosen) return null;
  return chosen.path;
}
