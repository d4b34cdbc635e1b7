import * as vscode from 'vscode';
import { isOptinConfigText } from '../config/detect';
import type { ConfigDocuments } from './configDocuments';
import { settingsFor } from './settings';

/** Which config a command acts on: the active editor's, else the workspace's only one, else the user's pick. */

export function activeConfig(docs: ConfigDocuments): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && docs.kind(doc) === 'config' ? doc.uri : undefined;
}

/** The workspace's config files: matched by the globs and recognised by their content. */
export async function findConfigs(): Promise<vscode.Uri[]> {
  const files = new Map<string, vscode.Uri>();
  for (const glob of settingsFor().configGlobs) {
    for (const uri of await vscode.workspace.findFiles(glob, '**/{node_modules,.git,.optin}/**', 200)) files.set(uri.toString(), uri);
  }
  const configs: vscode.Uri[] = [];
  for (const uri of files.values()) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
    if (isOptinConfigText(text)) configs.push(uri);
  }
  return configs;
}

/** The workspace's only config, or the one the user picks (a file dialog when there is none). */
export async function pickConfig(title: string, openLabel: string): Promise<vscode.Uri | undefined> {
  const configs = await findConfigs();
  if (configs.length === 1) return configs[0];
  if (configs.length === 0) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { YAML: ['yaml', 'yml'] }, openLabel, title });
    return picked?.[0];
  }
  const items = configs
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.label.localeCompare(b.label));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Which config?' }))?.uri;
}
