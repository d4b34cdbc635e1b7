/**
 * The workspace the editor tests open: a copy of the bundled BERT spam fixture and of
 * examples/bert-spam.yaml as `config.yaml` (which also triggers the extension's
 * `workspaceContains:**\/config.yaml` activation), a config with mistakes for the Problems
 * panel, and a Markdown file whose preview is a real webview.
 *
 * Used by scripts/editor/run.ts and, through `node --import tsx test/editor/workspace.ts DIR`,
 * by .vscode-test.mjs.
 */
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Text of the heading in the workspace README; the webview UI test reads it back. */
export const README_HEADING = 'OPTIN editor test workspace';

export function createWorkspace(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(ROOT, 'fixtures', 'bert-spam'), path.join(dir, 'bert-spam'), { recursive: true });

  // The example config, with its paths pointing into the copy.
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'bert-spam.yaml'), 'utf8');
  const config = example.replaceAll('../fixtures/bert-spam/', 'bert-spam/').replaceAll('../.optin/runs', 'runs');
  if (config.includes('../')) throw new Error('examples/bert-spam.yaml has a path this workspace copy does not map');
  fs.writeFileSync(path.join(dir, 'config.yaml'), config);

  // A config with mistakes: an unknown key, a budget outside (0, 1], a missing model folder.
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(
    path.join(dir, 'broken', 'config.yaml'),
    [
      '# Deliberately wrong: the diagnostics issue will report these in the Problems panel.',
      'task_name: language',
      'model_path: ../no-such-model',
      'calibration_data: ../bert-spam/data/calibration.tsv',
      'mac_constraint: 1.5',
      'lamda_contribution: 10',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'README.md'), `# ${README_HEADING}\n\nOpened by the OPTIN editor tests.\n`);
  return dir;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node --import tsx test/editor/workspace.ts DIR');
    process.exit(2);
  }
  createWorkspace(path.resolve(dir));
}
