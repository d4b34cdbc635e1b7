import { parseArgs } from 'util';
import type { Diagnostic } from '../config';
import { diagnoseConfig, readConfigText } from '../config';
import { UsageError } from './usage';

export const VALIDATE_HELP = `optin validate CONFIG... [--json] [--no-disk]   the editor's checks, for scripts and CI

  prints file:line:col: severity: message (1-based), exits 1 when any error is found
  --json       one JSON array of {file, range: {start: {line, col}, end: {line, col}}, severity, code, message} (1-based)
  --no-disk    skip the checks that read model and data paths`;

interface JsonDiagnostic {
  file: string;
  range: { start: { line: number; col: number }; end: { line: number; col: number } };
  severity: Diagnostic['severity'];
  code: string;
  message: string;
}

/** Validates config files exactly as the editor's linter does (lint mode: missing paths are information). */
export async function validateFiles(files: string[], disk: boolean): Promise<JsonDiagnostic[]> {
  const out: JsonDiagnostic[] = [];
  for (const file of files) {
    const read = readConfigText(file);
    if ('problem' in read) {
      out.push({ file, range: { start: { line: 1, col: 1 }, end: { line: 1, col: 1 } }, severity: 'error', code: 'unreadable', message: read.problem });
      continue;
    }
    const { diagnostics } = await diagnoseConfig(read.text, file, 'lint', disk);
    for (const d of diagnostics) {
      out.push({
        file,
        range: { start: { line: d.range.start.line + 1, col: d.range.start.character + 1 }, end: { line: d.range.end.line + 1, col: d.range.end.character + 1 } },
        severity: d.severity, code: d.code, message: d.message,
      });
    }
  }
  return out;
}

export async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'no-disk': { type: 'boolean' } } });
  if (positionals.length === 0) throw new UsageError('validate takes one or more CONFIG files.');
  const results = await validateFiles(positionals, !values['no-disk']);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const r of results) process.stdout.write(`${r.file}:${r.range.start.line}:${r.range.start.col}: ${r.severity}: ${r.message}\n`);
    const errors = results.filter((r) => r.severity === 'error').length;
    process.stderr.write(`${positionals.length} file(s) checked: ${errors} error(s), ${results.length - errors} other diagnostic(s)\n`);
  }
  return results.some((r) => r.severity === 'error') ? 1 : 0;
}
