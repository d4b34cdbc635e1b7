import { DIAGNOSTIC_CODES } from './diagnostics';
import { CONFIG_KEYS, ConfigKey, describeDefault, describeExpected, KeySpec, keySpec, Origin } from './schema';

/** Documentation generated from the key table: hovers in the editor and docs/config.md. */

const ORIGIN: Record<Origin, string> = { original: 'key of the released OPTIN configs', 'optin-vscode': 'OPTIN for VS Code key' };

/** Markdown for hovering a key: what it is, its type and default, and whether it has an effect. */
export function keyHoverMarkdown(key: ConfigKey): string {
  const spec = keySpec(key);
  const facts = [describeExpected(spec), defaultPhrase(spec), ORIGIN[spec.origin]].filter(Boolean).join(' · ');
  const parts = [`**${key}**: ${facts}`, spec.doc];
  if (!spec.acted) parts.push(`*Accepted, not acted on:* ${spec.notActed}.`);
  return parts.join('\n\n');
}

function defaultPhrase(spec: KeySpec): string {
  const d = describeDefault(spec);
  if (d) return `default ${d.includes('`') ? d : `\`${d}\``}`;
  if (spec.requiredToRun) return 'required to run';
  return spec.whenAbsent ? `when absent: ${spec.whenAbsent}` : '';
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function keyTable(origin: Origin): string {
  const rows = CONFIG_KEYS.filter((k) => keySpec(k).origin === origin).map((k) => {
    const spec = keySpec(k);
    const d = describeDefault(spec);
    const dflt = d ? (d.includes('`') ? d : `\`${d}\``) : spec.requiredToRun ? 'required to run' : spec.whenAbsent ? `absent: ${spec.whenAbsent}` : '';
    const acted = spec.acted ? 'yes' : `no: ${spec.notActed}`;
    return `| \`${k}\` | ${cell(describeExpected(spec))} | ${cell(dflt)} | ${cell(acted)} | ${cell(spec.doc)} |`;
  });
  return ['| key | value | default | acted on | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The committed text of docs/config.md. */
export function configDocsMarkdown(): string {
  const codes = Object.entries(DIAGNOSTIC_CODES).map(([code, what]) => `| \`${code}\` | ${cell(what)} |`);
  return `<!-- Generated from src/config/schema.ts by scripts/gen-config-docs.ts; do not edit by hand. -->
# OPTIN config keys

A config is a flat YAML mapping of \`key: value\` lines, like the released OPTIN configs
(\`configs/language/mnli_bert.yaml\`), which load unchanged. YAML 1.2: \`true\`/\`false\` and
the Python-style \`True\`/\`False\` are booleans; \`yes\`/\`no\` are strings (write \`true\`/\`false\`).
Paths are relative to the config file's folder; \`~/\` is the home folder.

\`optin\` checks a config in two modes: **lint** (while editing: a config without paths is
fine, and missing paths are information) and **run** (the paths a run needs must be set
and exist).

## Keys of the released OPTIN configs

Same names and meanings as the released code. Keys it has that this tool does not act on
are accepted, and reported as information.

${keyTable('original')}

## Keys of OPTIN for VS Code

${keyTable('optin-vscode')}

## Compatibility with the released code

\`compat: reference\` reproduces what the released code does beyond the paper, for
comparisons with published numbers: index-based score weights (head 0 ×10 down to the last
head ×1, neuron 0 ×100 down to ×1), the KD term rescaled by a power of ten to about 1/λ of
the MD term with logits not divided by T, and a head mask that is not reset between
layers. The default, \`compat: none\`, follows the paper.

## Diagnostic codes

Every diagnostic has a stable code, a severity (error, warning, information) and the exact
range of the key or value it is about.

| code | meaning |
|---|---|
${codes.join('\n')}
`;
}
