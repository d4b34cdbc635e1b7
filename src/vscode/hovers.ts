import * as vscode from 'vscode';
import { entryAt, isConfigKey, keyHoverMarkdown, keySpec, parseConfig } from '../config';
import { pathHoverMarkdown } from '../config/disk';
import { hubHoverMarkdown } from '../config/hubHover';
import type { ConfigDocuments } from './configDocuments';
import { toVscodeRange } from './diagnostics';

/**
 * Hovers over a config key (or its value): what the key means, its type and default
 * (keyHoverMarkdown), and for the path keys what is on disk there: the checkpoint's family
 * and size, the rows of a data file, the classes and images of an ImageFolder.
 */
export class ConfigHovers implements vscode.HoverProvider {
  constructor(private readonly docs: ConfigDocuments) {}

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (!this.docs.mayBeConfig(doc)) return undefined;
    const parsed = parseConfig(doc.getText());
    if (this.docs.kind(doc, parsed) === 'no') return undefined;
    const at = entryAt(parsed, { line: position.line, character: position.character });
    if (!at || !isConfigKey(at.entry.key)) return undefined;
    const { entry, on } = at;
    const key = at.entry.key;
    const markdown = new vscode.MarkdownString(keyHoverMarkdown(key));
    const value = entry.value.kind === 'scalar' ? entry.value.value : undefined;
    if (keySpec(key).type === 'path' && typeof value === 'string' && value.trim() !== '' && doc.uri.scheme === 'file') {
      markdown.appendMarkdown(`\n\n---\n\n${await pathHoverMarkdown(key, value, doc.uri.fsPath)}`);
    }
    if ((key === 'model_name' || key === 'dataset') && typeof value === 'string' && value.trim() !== '') {
      const values: Record<string, unknown> = {};
      for (const [k, e] of parsed.byKey) if (e.value.kind === 'scalar') values[k] = e.value.value;
      const hub = hubHoverMarkdown(key, value.trim(), values);
      if (hub) markdown.appendMarkdown(`\n\n---\n\n${hub}`);
    }
    return new vscode.Hover(markdown, toVscodeRange(on === 'key' ? entry.keyRange : entry.value.range));
  }
}
