/**
 * The workspace the editor tests open: a copy of the bundled BERT spam fixture and of
 * examples/bert-spam.yaml as `config.yaml` (which also triggers the extension's
 * `workspaceContains:**\/config.yaml` activation), a config with mistakes for the Problems
 * panel, a config the UI test types into, YAML files that are not configs under names the
 * config globs match, and a Markdown file whose preview is a real webview.
 *
 * Used by scripts/editor/run.ts and, through `node --import tsx test/editor/workspace.ts DIR`,
 * by .vscode-test.mjs.
 */
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Text of the heading in the workspace README; the webview UI test reads it back. */
export const README_HEADING = 'OPTIN editor test workspace';

/** Text-family fixtures copied into the workspace (models only; data in spam3-data/). */
export const FAMILY_FIXTURES = ['roberta-spam3', 'xlmr-spam3', 'distilbert-spam3', 'electra-spam3', 'deberta-spam3', 'modernbert-spam3'] as const;

export const UI_DEMO_CONFIG = 'optin-demo.yaml';
/** The bundled example config, pruned from the palette by test/editor/ui/runs.ui.ts. */
export const UI_RUN_CONFIG = 'optin-example.yaml';
export const UI_DEMO_TEXT = [
  '# Typed into by test/editor/ui/configLanguage.ui.ts.',
  'task_name: language',
  'model_path: ../bert-spam/model',
  'calibration_data: ../bert-spam/data/calibration.tsv',
  'eval_data: ../bert-spam/data/eval.tsv',
  'output_dir: ../runs',
  'mac_constraint: 0.6',
  'lambda_contribution: 10',
  'temp: 4',
  '',
].join('\n');

/** A docker-compose file named config.yaml, and a CI workflow under configs/: not OPTIN configs. */
export const UNRELATED_COMPOSE = 'version: "3.8"\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - "8080:80"\n    environment:\n      batch_size: "not ours"\n';
export const UNRELATED_WORKFLOW = 'name: CI\non:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm test\n';

export function createWorkspace(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(ROOT, 'fixtures', 'bert-spam'), path.join(dir, 'bert-spam'), { recursive: true });
  // The text families' models (transformers' own classes) and the data they share.
  fs.cpSync(path.join(ROOT, 'fixtures', 'bert-spam3', 'data'), path.join(dir, 'spam3-data'), { recursive: true });
  for (const name of FAMILY_FIXTURES) fs.cpSync(path.join(ROOT, 'fixtures', name, 'model'), path.join(dir, name, 'model'), { recursive: true });

  // The example config, with its paths pointing into the copy.
  const example = fs.readFileSync(path.join(ROOT, 'examples', 'bert-spam.yaml'), 'utf8');
  const config = example.replaceAll('../fixtures/bert-spam/', 'bert-spam/').replaceAll('../.optin/runs', 'runs');
  if (config.includes('../')) throw new Error('examples/bert-spam.yaml has a path this workspace copy does not map');
  fs.writeFileSync(path.join(dir, 'config.yaml'), config);

  // The example again under a name of its own, for the UI test that runs it from the palette.
  fs.mkdirSync(path.join(dir, 'ui-run'));
  fs.writeFileSync(path.join(dir, 'ui-run', UI_RUN_CONFIG), example.replaceAll('../fixtures/bert-spam/', '../bert-spam/').replaceAll('../.optin/runs', '../ui-runs'));

  // A config with mistakes: an unknown key, a budget outside (0, 1], a missing model folder.
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(
    path.join(dir, 'broken', 'config.yaml'),
    [
      '# Deliberately wrong: the Problems panel lists these (test/editor/ui/commands.ui.ts).',
      'task_name: language',
      'model_path: ../no-such-model',
      'calibration_data: ../bert-spam/data/calibration.tsv',
      'mac_constraint: 1.5',
      'lamda_contribution: 10',
      '',
    ].join('\n'),
  );
  // The config the UI test types into (its name matches the `**/*optin*.yaml` glob).
  fs.mkdirSync(path.join(dir, 'ui-demo'));
  fs.writeFileSync(path.join(dir, 'ui-demo', UI_DEMO_CONFIG), UI_DEMO_TEXT);

  // YAML that is not a config, under names the config globs match: it must get no diagnostics.
  fs.mkdirSync(path.join(dir, 'unrelated'));
  fs.writeFileSync(path.join(dir, 'unrelated', 'config.yaml'), UNRELATED_COMPOSE);
  fs.mkdirSync(path.join(dir, 'configs'));
  fs.writeFileSync(path.join(dir, 'configs', 'ci.yaml'), UNRELATED_WORKFLOW);

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
