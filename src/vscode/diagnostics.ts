import * as vscode from 'vscode';
import { checkPaths, parseConfig, validateConfig, validateText } from '../config';
import type { ConfigKey, Diagnostic, Range, Severity, ValidatedConfig } from '../config';
import type { ConfigDocuments } from './configDocuments';
import { settingsFor } from './settings';
import { withoutYamlExtensionDuplicates, yamlExtensionCoverage } from './yamlExtension';

/**
 * Live diagnostics of OPTIN configs: the instant checks (validateText, lint mode) on open and
 * save and 200 ms after the last keystroke, then the disk checks (checkPaths) in the
 * background. A disk check whose document has changed since it started is dropped; until the
 * next one lands, the previous disk results stay on the lines they were about as long as
 * those values are unchanged, so squiggles do not flicker while typing elsewhere.
 */

export const DEBOUNCE_MS = 200;

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function toVscodeRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function toVscodeDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const v = new vscode.Diagnostic(toVscodeRange(d.range), d.message, SEVERITY[d.severity]);
  v.source = 'optin';
  v.code = d.code;
  if (d.code === 'not-acted-on' && d.severity === 'information') v.tags = [vscode.DiagnosticTag.Unnecessary];
  return v;
}

/** What the editor shows while typing: validateText (lint mode) converted to VS Code diagnostics. */
export function instantDiagnostics(text: string): vscode.Diagnostic[] {
  return validateText(text, { mode: 'lint' }).diagnostics.map(toVscodeDiagnostic);
}

/** The same problem, as OPTIN published it. */
export function isSameDiagnostic(v: vscode.Diagnostic, d: Diagnostic): boolean {
  return v.source === 'optin' && v.code === d.code && v.message === d.message && v.range.isEqual(toVscodeRange(d.range));
}

/** A disk result, with what it was about, so it can follow its line until the next disk check. */
interface DiskResult {
  diagnostic: Diagnostic;
  on: 'key' | 'value';
  valueText: string;
}

interface DocState {
  /** Bumped by every check: a disk check that finds it changed is stale. */
  generation: number;
  timer?: NodeJS.Timeout;
  version: number;
  /** Everything found (before leaving duplicates to the YAML extension), for quick fixes. */
  all: Diagnostic[];
  disk: DiskResult[];
  /** The values the disk results were computed for. */
  diskSignature?: string;
  diskDone?: Promise<void>;
}

/** The values checkPaths depends on (paths, task_name): disk results carry over while they are unchanged. */
function diskSignature(v: ValidatedConfig): string {
  const { model_path, calibration_data, eval_data, output_dir, task_name } = v.values;
  return JSON.stringify([model_path, calibration_data, eval_data, output_dir, task_name]);
}

function sliceRange(text: string, r: Range): string {
  const lines = text.split('\n');
  if (r.start.line === r.end.line) return (lines[r.start.line] ?? '').slice(r.start.character, r.end.character);
  const mid = lines.slice(r.start.line + 1, r.end.line);
  return [(lines[r.start.line] ?? '').slice(r.start.character), ...mid, (lines[r.end.line] ?? '').slice(0, r.end.character)].join('\n');
}

const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

function shownInTab(uri: vscode.Uri): boolean {
  const id = uri.toString();
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === id));
}

export class ConfigDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('optin');
  private readonly states = new Map<string, DocState>();
  /** The version of each open document OPTIN last looked at (linted, or found not to be a config). */
  private readonly looked = new Map<string, number>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly docs: ConfigDocuments,
    private readonly schemaFileMatch: readonly string[],
  ) {
    this.subscriptions = [
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => this.lint(doc)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.lint(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        if (this.states.has(e.document.uri.toString()) || docs.mayBeConfig(e.document)) this.schedule(e.document);
        else this.looked.set(e.document.uri.toString(), e.document.version);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.forget(doc.uri);
        this.looked.delete(doc.uri.toString());
      }),
      // A document an extension still holds stays open after its last editor closes (for
      // minutes); for the user the file is closed, so its diagnostics go with its last tab.
      // ... and come back when it is shown again (the document did not reopen).
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const editor of editors) if (!this.states.has(editor.document.uri.toString())) this.lint(editor.document);
      }),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          const uri = tab.input instanceof vscode.TabInputText ? tab.input.uri : undefined;
          if (uri && this.states.has(uri.toString()) && !shownInTab(uri)) this.forget(uri);
        }
      }),
      docs.onDidChange(() => this.lintAll()),
      vscode.extensions.onDidChange(() => this.lintAll()),
    ];
    this.lintAll();
  }

  lintAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.lint(doc);
  }

  /** Lints DEBOUNCE_MS after the last call for this document. */
  schedule(doc: vscode.TextDocument): void {
    const state = this.state(doc);
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.lint(doc);
    }, DEBOUNCE_MS);
  }

  /** The instant checks now, then the disk checks in the background (when enabled). */
  lint(doc: vscode.TextDocument): void {
    if (doc.isClosed) return;
    this.looked.set(doc.uri.toString(), doc.version);
    const settings = settingsFor(doc.uri);
    if (!settings.lintEnable || !this.docs.mayBeConfig(doc)) {
      this.forget(doc.uri);
      return;
    }
    const parsed = parseConfig(doc.getText());
    if (this.docs.kind(doc, parsed) !== 'config') {
      this.forget(doc.uri);
      return;
    }
    this.check(doc, validateConfig(parsed, { mode: 'lint' }), settings.checkPaths);
  }

  /**
   * The full check of "OPTIN: Validate Config": instant and disk checks, published; resolves
   * with what the Problems panel shows for the file.
   */
  async validateFully(doc: vscode.TextDocument): Promise<Diagnostic[]> {
    const validated = validateConfig(parseConfig(doc.getText()), { mode: 'lint' });
    await this.check(doc, validated, true);
    return this.shown(doc, this.state(doc).all);
  }

  /** Everything OPTIN found in the document at its current version (computed now if stale). */
  diagnosticsFor(doc: vscode.TextDocument): Diagnostic[] {
    const state = this.states.get(doc.uri.toString());
    if (state && state.version === doc.version && state.timer === undefined) return state.all;
    return validateText(doc.getText(), { mode: 'lint' }).diagnostics;
  }

  /** Resolves when the disk check running for the document (if any) has finished. */
  async idle(uri: vscode.Uri): Promise<void> {
    await this.states.get(uri.toString())?.diskDone;
  }

  /**
   * Resolves once OPTIN has looked at the document's current version (linted it, or found that
   * it is not a config) and no debounced lint or disk check is pending for it: what a test
   * waits for before it asserts that something is *not* shown.
   */
  async settled(doc: vscode.TextDocument, timeoutMs = 30_000): Promise<void> {
    const id = doc.uri.toString();
    const end = Date.now() + timeoutMs;
    for (;;) {
      const state = this.states.get(id);
      if (this.looked.get(id) === doc.version && !state?.timer) {
        const disk = state?.diskDone;
        await disk;
        const now = this.states.get(id);
        if (this.looked.get(id) === doc.version && !now?.timer && now?.diskDone === disk) return;
        continue;
      }
      if (doc.isClosed) throw new Error(`${doc.uri.fsPath} was closed before OPTIN linted it`);
      if (Date.now() > end) {
        throw new Error(`OPTIN had not linted ${doc.uri.fsPath} (version ${doc.version}; looked at ${this.looked.get(id) ?? 'none'}${state?.timer ? ', a lint is scheduled' : ''}) within ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private state(doc: vscode.TextDocument): DocState {
    const id = doc.uri.toString();
    let state = this.states.get(id);
    if (!state) {
      state = { generation: 0, version: doc.version, all: [], disk: [] };
      this.states.set(id, state);
    }
    return state;
  }

  private check(doc: vscode.TextDocument, validated: ValidatedConfig, disk: boolean): Promise<void> {
    const state = this.state(doc);
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    const generation = ++state.generation;
    const version = doc.version;
    const signature = diskSignature(validated);
    const carried = disk && signature === state.diskSignature ? this.carryOver(state.disk, validated) : [];
    this.publish(doc, state, version, [...validated.diagnostics, ...carried.map((r) => r.diagnostic)]);
    if (!disk || doc.uri.scheme !== 'file') {
      state.disk = [];
      state.diskSignature = undefined;
      state.diskDone = undefined;
      return Promise.resolve();
    }
    const done = checkPaths(validated, doc.uri.fsPath).then(
      (found) => {
        if (state.generation !== generation || doc.version !== version || doc.isClosed || this.states.get(doc.uri.toString()) !== state) return;
        state.disk = this.anchor(found, validated);
        state.diskSignature = signature;
        this.publish(doc, state, version, [...validated.diagnostics, ...found]);
      },
      (err: unknown) => console.error(`optin: disk checks of ${doc.uri.fsPath} failed:`, err),
    );
    state.diskDone = done;
    return done;
  }

  private publish(doc: vscode.TextDocument, state: DocState, version: number, all: Diagnostic[]): void {
    state.version = version;
    state.all = all;
    this.collection.set(doc.uri, this.shown(doc, all).map(toVscodeDiagnostic));
  }

  private shown(doc: vscode.TextDocument, all: Diagnostic[]): Diagnostic[] {
    return withoutYamlExtensionDuplicates(all, yamlExtensionCoverage(doc, this.schemaFileMatch));
  }

  private anchor(found: Diagnostic[], validated: ValidatedConfig): DiskResult[] {
    return found.flatMap((d) => {
      const entry = d.key ? validated.entry(d.key as ConfigKey) : undefined;
      if (!entry) return [];
      const on = sameRange(d.range, entry.keyRange) ? 'key' : 'value';
      return [{ diagnostic: d, on, valueText: sliceRange(validated.parsed.text, entry.value.range) }];
    });
  }

  /** Previous disk results moved to where their key and unchanged value are now. */
  private carryOver(previous: DiskResult[], validated: ValidatedConfig): DiskResult[] {
    return previous.flatMap((r) => {
      const entry = r.diagnostic.key ? validated.entry(r.diagnostic.key as ConfigKey) : undefined;
      if (!entry || sliceRange(validated.parsed.text, entry.value.range) !== r.valueText) return [];
      const range = r.on === 'key' ? entry.keyRange : entry.value.range;
      return [{ ...r, diagnostic: { ...r.diagnostic, range } }];
    });
  }

  private forget(uri: vscode.Uri): void {
    const state = this.states.get(uri.toString());
    if (state?.timer) clearTimeout(state.timer);
    this.states.delete(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}
