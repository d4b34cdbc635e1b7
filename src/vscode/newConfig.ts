import * as path from 'path';
import * as vscode from 'vscode';
import { checkpointModality, describeData, findDataNear, summariseCheckpoint, summariseData } from '../config/disk';
import type { DataCandidate } from '../config/disk';
import { newConfigText, newHubConfigText, relativePath } from '../config/template';
import { KNOWN_DATASETS } from '../data/named';
import { findCachedSnapshot } from '../hub/cache';
import { repoRef } from '../hub/repo';
import { hubSettings } from '../hub/settings';

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
  /** A Hugging Face model id instead of a checkpoint folder (`model_name`), and optionally a `dataset` name. */
  model?: string;
  dataset?: string;
}

/** Names that say nothing about the model; the parent folder names the config then. */
const GENERIC = new Set(['model', 'models', 'checkpoint', 'checkpoints', 'best', 'final', 'output', 'hf']);

export async function newConfigCommand(args: NewConfigArgs = {}): Promise<vscode.Uri | undefined> {
  let source: 'folder' | 'hub' | undefined = args.model ? 'hub' : args.checkpoint ? 'folder' : undefined;
  if (!source) {
    const picked = await vscode.window.showQuickPick(
      [
        { label: '$(folder) A checkpoint folder on disk…', description: 'config.json + model.safetensors', source: 'folder' as const },
        { label: '$(cloud) A Hugging Face model id…', description: 'e.g. textattack/bert-base-uncased-MNLI; read from the cache or downloaded', source: 'hub' as const },
      ],
      { title: 'OPTIN: New Config: the fine-tuned model to prune' },
    );
    source = picked?.source;
  }
  if (source === 'hub') return newHubConfig(args);
  if (!source) return undefined;
  const checkpoint = args.checkpoint ?? (await askCheckpoint());
  if (!checkpoint) return undefined;
  const summary = await summariseCheckpoint(checkpoint.fsPath);
  if (!summary) {
    void vscode.window.showErrorMessage(`OPTIN: ${checkpoint.fsPath} has no readable config.json; choose a Hugging Face checkpoint folder (config.json + model.safetensors).`);
    return undefined;
  }
  const modality = checkpointModality(summary);
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

/** A config that names its model (and data) on the Hub: `model_name`, `dataset`. */
async function newHubConfig(args: NewConfigArgs): Promise<vscode.Uri | undefined> {
  const model = args.model ?? (await vscode.window.showInputBox({
    title: 'OPTIN: New Config: Hugging Face model id',
    prompt: 'The fine-tuned classifier to prune (org/name); a base model such as bert-base-uncased has no trained classifier.',
    placeHolder: 'textattack/bert-base-uncased-MNLI',
    validateInput: (v) => {
      try {
        repoRef('model', v.trim(), 'main', 'model id');
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  }))?.trim();
  if (!model) return undefined;
  let dataset = args.dataset;
  if (dataset === undefined && args.pick !== 'best') {
    const items: (vscode.QuickPickItem & { name?: string })[] = [
      ...KNOWN_DATASETS.map((n) => ({ label: n, description: n === 'cifar10' ? 'uoft-cs/cifar10' : 'GLUE (nyu-mll/glue)', name: n })),
      { label: 'None for now', description: 'set calibration_data / eval_data, or a Hub dataset id (org/name), in the config' },
    ];
    const chosen = await vscode.window.showQuickPick(items, { title: 'OPTIN: New Config: the data (dataset:)', placeHolder: 'A GLUE task, cifar10, or none' });
    if (!chosen) return undefined;
    dataset = chosen.name;
  }
  const cached = findCachedSnapshot(repoRef('model', model), hubSettings().cacheDir);
  const checkpoint = cached ? await summariseCheckpoint(cached.dir) : undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!args.configFile && !folder) {
    void vscode.window.showErrorMessage('OPTIN: open a folder first; the config is written into it.');
    return undefined;
  }
  const name = model.split('/').pop()!.replace(/[^\w.-]+/g, '-');
  let configFile = args.configFile;
  if (!configFile) {
    for (const n of ['config.yaml', `optin-${name}.yaml`, ...Array.from({ length: 98 }, (_, i) => `optin-${name}-${i + 2}.yaml`)]) {
      const uri = vscode.Uri.joinPath(folder!, n);
      if (!(await exists(uri))) {
        configFile = uri;
        break;
      }
    }
  }
  if (!configFile || (await exists(configFile))) {
    void vscode.window.showErrorMessage(`OPTIN: ${configFile?.fsPath ?? 'the config'} already exists; not overwriting it.`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(configFile, Buffer.from(newHubConfigText({ model, checkpoint, dataset }), 'utf8'));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(configFile));
  return configFile;
}
