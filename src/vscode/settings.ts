import * as vscode from 'vscode';

/** The `optin.*` settings (package.json `contributes.configuration`), read per resource. */

export const DEFAULT_CONFIG_GLOBS = ['**/config.yaml', '**/config.yml', '**/configs/**/*.yaml', '**/configs/**/*.yml', '**/*optin*.yaml', '**/*optin*.yml'];

export interface OptinSettings {
  /** YAML files that may be OPTIN configs; their content decides (src/config/detect.ts). */
  configGlobs: string[];
  lintEnable: boolean;
  /** Check model and data paths on disk after the instant checks. */
  checkPaths: boolean;
}

export function settingsFor(uri?: vscode.Uri): OptinSettings {
  const c = vscode.workspace.getConfiguration('optin', uri);
  const globs = c.get<unknown>('configGlobs');
  return {
    configGlobs: Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string' && g.trim() !== '') : DEFAULT_CONFIG_GLOBS,
    lintEnable: c.get<boolean>('lint.enable', true),
    checkPaths: c.get<boolean>('lint.checkPaths', true),
  };
}

/** Fires when any `optin.*` setting changes. */
export function onDidChangeSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('optin')) listener();
  });
}
