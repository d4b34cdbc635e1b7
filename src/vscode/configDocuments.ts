import * as vscode from 'vscode';
import { configLikeness } from '../config/detect';
import type { ParsedConfig } from '../config';
import { onDidChangeSettings, settingsFor } from './settings';

/**
 * Which open documents are OPTIN configs: a YAML file whose path matches `optin.configGlobs`
 * and whose content looks like a config (src/config/detect.ts), so that an unrelated
 * `config.yaml` is never linted. Once recognised, a document stays a config until it is
 * closed or the settings change (deleting lines while editing does not switch it off).
 * A file picked for "OPTIN: Validate Config" counts as a config whatever its name.
 */

export type ConfigKind =
  /** Lint it, hover it, complete it. */
  | 'config'
  /** Matches the globs but is empty (or only comments): completions and hovers, no diagnostics. */
  | 'candidate'
  | 'no';

const SCHEMES = new Set(['file', 'untitled']);

/** The documents OPTIN's editor features register for (the kind decides per document). */
export const YAML_SELECTOR: vscode.DocumentSelector = [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }];

export class ConfigDocuments implements vscode.Disposable {
  private readonly recognised = new Set<string>();
  private readonly chosen = new Set<string>();
  private readonly emitter = new vscode.EventEmitter<void>();
  /** The set of config documents may have changed (settings); re-check every open document. */
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      this.emitter,
      onDidChangeSettings(() => {
        this.recognised.clear();
        this.emitter.fire();
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.recognised.delete(doc.uri.toString())),
    ];
  }

  matchesGlobs(doc: vscode.TextDocument): boolean {
    return settingsFor(doc.uri).configGlobs.some((pattern) => vscode.languages.match({ pattern }, doc) > 0);
  }

  /** By name alone (cheap, before reading the text): picked, or a file the globs match. */
  mayBeConfig(doc: vscode.TextDocument): boolean {
    if (this.chosen.has(doc.uri.toString())) return true;
    // Files and new files; not the old side of a git diff, an output channel, ...
    return SCHEMES.has(doc.uri.scheme) && this.matchesGlobs(doc);
  }

  kind(doc: vscode.TextDocument, parsed?: ParsedConfig): ConfigKind {
    const id = doc.uri.toString();
    if (this.chosen.has(id)) return 'config';
    if (!this.mayBeConfig(doc)) return 'no';
    if (this.recognised.has(id)) return 'config';
    const likeness = configLikeness(parsed ?? doc.getText());
    if (likeness === 'config') {
      this.recognised.add(id);
      return 'config';
    }
    return likeness === 'empty' ? 'candidate' : 'no';
  }

  /** Treat this file as a config from now on (the user asked to validate it). */
  choose(uri: vscode.Uri): void {
    this.chosen.add(uri.toString());
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
