import * as vscode from 'vscode';
import { CONFIG_KEYS, describeExpected, isConfigKey, keyHoverMarkdown, keySpec, parseConfig } from '../config';
import type { ConfigKey, KeySpec } from '../config';
import type { ConfigDocuments } from './configDocuments';

/**
 * Completions in a config: at the start of a line, the keys the file does not set yet (with
 * their default as a snippet and their documentation); after `key: `, the values of an enum
 * or boolean key (and inside `[...]` of a list of enum values, the ones not listed yet).
 */

export const TRIGGER_CHARACTERS = [' ', '[', ','];

/** `$`, `}` and `\` are special in snippets; `,` and `|` inside a choice. */
const snippetText = (s: string) => s.replace(/[$}\\]/g, '\\$&');
const choice = (values: readonly string[]) => `\${1|${values.map((v) => snippetText(v).replace(/[,|]/g, '\\$&')).join(',')}|}`;

/** The value part of a key's snippet: its default first. */
function valueSnippet(spec: KeySpec): string {
  const dflt = spec.default;
  const first = (values: readonly string[]) => (typeof dflt === 'string' && values.includes(dflt) ? [dflt, ...values.filter((v) => v !== dflt)] : values);
  switch (spec.type) {
    case 'enum':
      return choice(first(spec.values ?? []));
    case 'boolean':
      return choice(dflt === false ? ['false', 'true'] : ['true', 'false']);
    case 'enum-list':
      return `[${choice(spec.values ?? [])}]`;
    case 'string-list':
      return '[${1:sentence}]';
    case 'path':
      return dflt !== undefined ? `\${1:${snippetText(String(dflt))}}` : '$1';
    default:
      return dflt !== undefined && !Array.isArray(dflt) ? `\${1:${snippetText(String(dflt))}}` : '$1';
  }
}

export class ConfigCompletions implements vscode.CompletionItemProvider {
  constructor(private readonly docs: ConfigDocuments) {}

  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    if (!this.docs.mayBeConfig(doc)) return undefined;
    const parsed = parseConfig(doc.getText());
    if (this.docs.kind(doc, parsed) === 'no') return undefined;
    const line = doc.lineAt(position.line).text;
    const before = line.slice(0, position.character);

    const listValue = /^([A-Za-z_][\w.-]*)[ \t]*:[ \t]*\[((?:[^\]]*,)?)[ \t]*([\w+.-]*)$/.exec(before);
    if (listValue && isConfigKey(listValue[1]) && keySpec(listValue[1]).type === 'enum-list') {
      const listed = listValue[2].split(',').map((s) => s.trim());
      const start = position.character - listValue[3].length;
      return this.valueItems(listValue[1], new vscode.Range(position.line, start, position.line, position.character)).filter((i) => !listed.includes(String(i.label)));
    }
    const value = /^([A-Za-z_][\w.-]*)[ \t]*:[ \t]*([\w+.-]*)$/.exec(before);
    if (value) {
      if (!isConfigKey(value[1])) return undefined;
      const start = position.character - value[2].length;
      const end = start + (/^[\w+.-]*/.exec(line.slice(start))?.[0].length ?? 0);
      return this.valueItems(value[1], new vscode.Range(position.line, start, position.line, end));
    }
    if (/^[A-Za-z_][\w-]*$|^$/.test(before)) return this.keyItems(parsed.byKey, line, position);
    return undefined;
  }

  private keyItems(present: ReadonlyMap<string, unknown>, line: string, position: vscode.Position): vscode.CompletionItem[] {
    const word = /^[\w.-]*/.exec(line)?.[0] ?? '';
    const range = new vscode.Range(position.line, 0, position.line, Math.max(word.length, position.character));
    // On a line that already has its colon, complete the name only.
    const nameOnly = /^[\w.-]*[ \t]*:/.test(line);
    const typed = line.slice(0, word.length);
    return CONFIG_KEYS.filter((k) => !present.has(k) || k === typed).map((key, i) => {
      const spec = keySpec(key);
      const item = new vscode.CompletionItem(key, vscode.CompletionItemKind.Property);
      item.detail = describeExpected(spec);
      item.documentation = new vscode.MarkdownString(keyHoverMarkdown(key));
      item.insertText = nameOnly ? key : new vscode.SnippetString(`${key}: ${valueSnippet(spec)}`);
      item.range = range;
      // The keys that act first, in the table's order; those kept only for compatibility last.
      item.sortText = `${spec.acted ? (spec.requiredToRun ? 0 : 1) : 2}-${String(i).padStart(3, '0')}`;
      return item;
    });
  }

  private valueItems(key: ConfigKey, range: vscode.Range): vscode.CompletionItem[] {
    const spec = keySpec(key);
    const values = spec.type === 'enum' || spec.type === 'enum-list' ? (spec.values ?? []) : spec.type === 'boolean' ? ['true', 'false'] : [];
    return values.map((v, i) => {
      const item = new vscode.CompletionItem(v, vscode.CompletionItemKind.EnumMember);
      item.range = range;
      item.sortText = String(i).padStart(3, '0');
      if (spec.default === v || String(spec.default) === v) item.detail = 'default';
      item.documentation = new vscode.MarkdownString(keyHoverMarkdown(key));
      return item;
    });
  }
}
