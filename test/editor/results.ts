/** The JSON the runner extension writes and scripts/editor/run.ts reads. */

export interface RunnerConfig {
  /** Folder of the compiled suites (`*.test.js`). */
  suitesDir: string;
  /** Where to write SuiteResults (atomically); a `.lock` beside it marks a run as started. */
  resultsFile: string;
  /** Absolute path of mocha's main file (the repo's devDependency). */
  mochaPath: string;
  /** The extension under test, `publisher.name`. */
  extensionId: string;
  /** Mocha's per-test timeout. */
  timeoutMs: number;
}

export interface TestResult {
  title: string;
  fullTitle: string;
  file: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

export interface SuiteResults {
  configPath: string;
  vscodeVersion: string;
  appName: string;
  workspaceFolders: string[];
  extension: { id: string; present: boolean; activeBeforeTests: boolean; active: boolean; activationError?: string };
  /** Tests found per suite file; a file with none fails the run. */
  files: { file: string; tests: number }[];
  tests: TestResult[];
  passed: number;
  failed: number;
  pending: number;
  durationMs: number;
  /** Set when mocha itself could not run (a suite file that throws while loading, ...). */
  error?: string;
}
