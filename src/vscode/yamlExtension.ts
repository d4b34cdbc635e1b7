import * as vscode from 'vscode';
import type { Diagnostic, DiagnosticCode } from '../config';

/**
 * Red Hat's YAML extension (redhat.vscode-yaml) validates every YAML file's syntax, and
 * validates the files that match our `contributes.yamlValidation` patterns against
 * schemas/optin-config.schema.json. Where it does, OPTIN leaves those reports to it, so that
 * a problem is not listed twice; our quick fixes still apply on its squiggles (quickFixes.ts
 * offers fixes by range, not only for our own diagnostics).
 */

export const YAML_EXTENSION_ID = 'redhat.vscode-yaml';

/** Reported by its YAML parser in every YAML file. */
const PARSER_CODES: ReadonlySet<DiagnosticCode> = new Set(['yaml-syntax', 'duplicate-key']);
/** Reported by its JSON Schema validation (additionalProperties, type, minimum/maximum, enum, minLength/null). */
const SCHEMA_CODES: ReadonlySet<DiagnosticCode> = new Set(['unknown-key', 'wrong-type', 'out-of-range', 'enum', 'empty-value']);

export interface YamlExtensionCoverage {
  /** It reports YAML syntax errors and duplicate keys. */
  parser: boolean;
  /** It also validates this file against the OPTIN schema. */
  schema: boolean;
}

export const NO_COVERAGE: YamlExtensionCoverage = { parser: false, schema: false };

/** The `fileMatch` patterns of our `contributes.yamlValidation` (package.json). */
export function schemaFileMatch(packageJSON: unknown): string[] {
  const entries = (packageJSON as { contributes?: { yamlValidation?: { fileMatch?: string | string[] }[] } })?.contributes?.yamlValidation ?? [];
  return entries.flatMap((e) => (Array.isArray(e.fileMatch) ? e.fileMatch : e.fileMatch ? [e.fileMatch] : []));
}

export function yamlExtensionCoverage(doc: vscode.TextDocument, fileMatch: readonly string[]): YamlExtensionCoverage {
  // getExtension only knows enabled extensions; its validation can be switched off.
  if (!vscode.extensions.getExtension(YAML_EXTENSION_ID)) return NO_COVERAGE;
  if (vscode.workspace.getConfiguration('yaml', doc.uri).get<boolean>('validate', true) === false) return NO_COVERAGE;
  // A pattern without a folder matches the file name anywhere, as in the YAML extension.
  const schema = fileMatch.some((p) => vscode.languages.match({ pattern: p.includes('/') ? p : `**/${p}` }, doc) > 0);
  return { parser: true, schema };
}

/** The diagnostics OPTIN shows itself, given what the YAML extension already reports. */
export function withoutYamlExtensionDuplicates(list: Diagnostic[], coverage: YamlExtensionCoverage): Diagnostic[] {
  return list.filter((d) => !(coverage.parser && PARSER_CODES.has(d.code)) && !(coverage.schema && SCHEMA_CODES.has(d.code)));
}
