/**
 * `npm run test:editor`: the extension in a real VS Code, installed from its .vsix.
 *
 *  1. build + package the .vsix (vsce runs `vscode:prepublish` = npm run build)
 *  2. compile the in-editor suites and the test-runner extension (scripts/editor/compile.ts)
 *  3. bash scripts/editor/setup.sh (apt packages, code-server in .tools/; fast once done)
 *  4. install both .vsix files into a fresh extensions dir; start code-server on 127.0.0.1
 *  5. in-editor suites: open the workbench in headless Chromium; the runner extension runs
 *     the mocha suites in the extension host and writes JSON results, read here
 *  6. UI tests (test/editor/ui/*.ui.ts) with playwright-core, screenshots in test-output/editor/
 *  7. always: close the browser, kill code-server's process group; print `N passed, M failed`
 *
 * Fails on any failed test, a missing results file (timeout), a code-server that does not
 * start, an extension that does not activate, and a suite file with zero tests.
 * Usage: node --import tsx scripts/editor/run.ts [--skip-setup] [--only suites|ui] [--ui-file SUBSTRING] [--under-load]
 *   --ui-file: only the UI test files whose name contains SUBSTRING (while working on one)
 *   --under-load: a CPU hog on one core (stress-ng --cpu 1 at nice 10, or a Node busy loop)
 *   for the whole run, always stopped at the end (scripts/editor/load.ts)
 * Env: OPTIN_EDITOR_SUITES_TIMEOUT_S (default 1800), OPTIN_CHROMIUM (default /usr/bin/chromium)
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser } from 'playwright-core';
import { compileRunner, compileSuites, ROOT, SUITES_OUT } from './compile';
import { startCpuHog } from './load';
import { createWorkspace } from '../../test/editor/workspace';
import type { RunnerConfig, SuiteResults } from '../../test/editor/results';
import type { UiContext, UiTest } from '../../test/editor/ui/workbench';
import { waitForWorkbench } from '../../test/editor/ui/workbench';

const OUT = path.join(ROOT, 'test-output', 'editor');
const VSIX = path.join(OUT, 'optin-vscode-linux-x64.vsix');
const CODE_SERVER = path.join(ROOT, '.tools', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.OPTIN_CHROMIUM || '/usr/bin/chromium';
const EXTENSION_ID = 'optin-tools.optin-vscode';
const RUNNER_ID = 'optin-tools.optin-editor-test-runner';
// A backstop for a runner that never reports: every test has its own limit (mocha's per-test
// timeout; the runs suite fails a run that stops making progress), which comes first.
const SUITES_TIMEOUT_MS = Number(process.env.OPTIN_EDITOR_SUITES_TIMEOUT_S || 1800) * 1000;
const UI_TEST_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** User settings of the throw-away profile: no trust prompt, nothing that calls out or pops up. */
const USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'npm.fetchOnlinePackageInfo': false,
};

const argv = process.argv.slice(2);
const skipSetup = argv.includes('--skip-setup');
/** A CPU hog on one core for the whole run (scripts/editor/load.ts): the tests must hold on a busy machine. */
const underLoad = argv.includes('--under-load');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const uiFile = argv.includes('--ui-file') ? argv[argv.indexOf('--ui-file') + 1] : undefined;

interface Outcome {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}
const outcomes: Outcome[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
const started = Date.now();

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (msg: string) => console.log(`[editor] ${msg}`);

function record(name: string, ok: boolean, ms: number, error?: string): void {
  outcomes.push({ name, ok, ms, error });
  console.log(`  ${ok ? '✔' : '✖'} ${name} (${secs(ms)})`);
  if (error) console.log(error.split('\n').map((l) => `      ${l}`).join('\n'));
}

/** A failure of the harness itself (no editor, no results, ...): counts as a failed test. */
class HarnessError extends Error {}

async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const t = Date.now();
  log(`${name} ...`);
  try {
    const value = await fn();
    log(`${name}: done in ${secs(Date.now() - t)}`);
    return value;
  } catch (err) {
    throw new HarnessError(`${name} failed after ${secs(Date.now() - t)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function sh(cmd: string, args: string[], opts: { cwd?: string; quiet?: boolean } = {}): void {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8' });
  if (r.status !== 0) {
    const output = opts.quiet ? `\n${(r.stdout ?? '').slice(-4000)}${(r.stderr ?? '').slice(-4000)}` : '';
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}${output}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface CodeServer {
  proc: ChildProcess;
  url: string;
  log: string;
  exited(): boolean;
  stop(): Promise<void>;
}

async function startCodeServer(opts: { userDataDir: string; extensionsDir: string; xdg: string; workspace: string; env: NodeJS.ProcessEnv; logFile: string; restricted?: boolean }): Promise<CodeServer> {
  const port = await freePort();
  const out = fs.openSync(opts.logFile, 'w');
  const proc = spawn(
    process.execPath,
    [
      CODE_SERVER,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      // Restricted Mode needs workspace trust on; every other run turns it off.
      ...(opts.restricted ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--config', path.join(opts.xdg, 'code-server.yaml'),
      '--user-data-dir', opts.userDataDir,
      '--extensions-dir', opts.extensionsDir,
      opts.workspace,
    ],
    // Its own process group, so that stopping it also ends the extension hosts it forks.
    { detached: true, stdio: ['ignore', out, out], env: opts.env },
  );
  fs.closeSync(out);
  let exitCode: number | null = null;
  const exitedPromise = new Promise<void>((resolve) =>
    proc.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      resolve();
    }),
  );
  const stop = async () => {
    if (exitCode !== null || proc.pid === undefined) return;
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exitedPromise, sleep(5000)]);
    try {
      process.kill(-proc.pid, 'SIGKILL'); // whatever of the group is left (extension hosts, ...)
    } catch {
      // already gone
    }
  };
  const server: CodeServer = { proc, url: `http://127.0.0.1:${port}`, log: opts.logFile, exited: () => exitCode !== null, stop };
  cleanups.push(stop);
  // Whatever way this process ends, the group goes with it (an 'exit' handler must be synchronous).
  process.on('exit', () => {
    if (exitCode === null && proc.pid !== undefined) {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`code-server exited with ${exitCode} before answering:\n${tail(opts.logFile, 30)}`);
    if ((await httpStatus(`${server.url}/healthz`)) === 200) return server;
    await sleep(250);
  }
  throw new Error(`code-server did not answer on ${server.url} within 60 s:\n${tail(opts.logFile, 30)}`);
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/** The extension host logs of a profile, for diagnosing a run that went wrong. */
function extensionHostLogs(userDataDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^(exthost|remoteexthost)\.log$/.test(e.name)) found.push(p);
    }
  };
  walk(path.join(userDataDir, 'logs'));
  return found;
}

async function runSuites(browser: Browser, server: CodeServer, workspaceUrl: string, resultsFile: string, userDataDir: string): Promise<void> {
  const suitePage = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t = Date.now();
  try {
    await suitePage.goto(workspaceUrl);
    await waitForWorkbench(suitePage);
    log(`workbench up in ${secs(Date.now() - t)}; waiting for the runner extension's results`);
    while (!fs.existsSync(resultsFile)) {
      if (server.exited()) throw new HarnessError(`code-server exited while the suites ran:\n${tail(server.log, 30)}`);
      if (Date.now() - t > SUITES_TIMEOUT_MS) {
        await suitePage.screenshot({ path: path.join(OUT, 'suites-timeout.png') }).catch(() => undefined);
        const hostLogs = extensionHostLogs(userDataDir).map((f) => `--- ${f}\n${tail(f, 40)}`).join('\n');
        throw new HarnessError(`no results file ${resultsFile} after ${secs(SUITES_TIMEOUT_MS)} (was ${RUNNER_ID} installed and activated?)\n${hostLogs}`);
      }
      await sleep(500);
    }
  } finally {
    await suitePage.close().catch(() => undefined);
  }
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as SuiteResults;
  log(`in-editor suites ran in ${results.appName} ${results.vscodeVersion} (${secs(results.durationMs)}), workspace ${results.workspaceFolders.join(', ')}`);
  for (const test of results.tests) record(`[suite] ${test.fullTitle}`, test.state !== 'failed', test.durationMs, test.error);
  const ext = results.extension;
  if (!ext.present) record(`[suite] ${EXTENSION_ID} is installed`, false, 0, 'the extension is not in the editor');
  else if (!ext.active || ext.activationError) record(`[suite] ${EXTENSION_ID} activates`, false, 0, ext.activationError ?? 'not active after the suites ran');
  if (results.error) record('[suite] mocha ran the suites', false, 0, results.error);
  for (const f of results.files) if (f.tests === 0) record(`[suite] ${path.basename(f.file)} has tests`, false, 0, 'the suite file reported zero tests');
  if (results.tests.length === 0) record('[suite] at least one in-editor test ran', false, 0, `no tests in ${SUITES_OUT}`);
}

async function runUiTests(browser: Browser, workspaceUrl: string, workspace: string, suffix = '.ui.ts'): Promise<void> {
  const dir = path.join(ROOT, 'test', 'editor', 'ui');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(suffix) && (!uiFile || f.includes(uiFile))).sort();
  if (files.length === 0) throw new HarnessError(`no *${suffix} files${uiFile ? ` matching ${uiFile}` : ''} in ${dir}`);
  for (const file of files) {
    const { tests } = (await import(path.join(dir, file))) as { tests: UiTest[] };
    if (!tests?.length) {
      record(`[ui] ${file} has tests`, false, 0, 'the file exports no tests');
      continue;
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const notes: string[] = [];
    const ctx: UiContext = {
      page,
      url: workspaceUrl,
      workspace,
      shot: async (name) => {
        const p = path.join(OUT, `${name}.png`);
        await page.screenshot({ path: p });
        notes.push(`screenshot ${path.relative(ROOT, p)}`);
        return p;
      },
      note: (m) => notes.push(m),
    };
    try {
      const t = Date.now();
      await page.goto(workspaceUrl);
      await waitForWorkbench(page);
      log(`${file}: workbench up in ${secs(Date.now() - t)}`);
      for (const test of tests) {
        const t0 = Date.now();
        notes.length = 0;
        let error: string | undefined;
        try {
          const limit = test.timeoutMs ?? UI_TEST_TIMEOUT_MS;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            test.run(ctx),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${secs(limit)}`)), limit);
            }),
          ]).finally(() => clearTimeout(timer));
        } catch (err) {
          error = err instanceof Error ? (err.stack ?? err.message) : String(err);
          const shot = path.join(OUT, `failed-${test.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`);
          await page.screenshot({ path: shot }).catch(() => undefined);
          notes.push(`screenshot of the failure: ${path.relative(ROOT, shot)}`);
        }
        record(`[ui] ${test.name}`, error === undefined, Date.now() - t0, error);
        for (const n of notes) console.log(`      ${n}`);
      }
    } catch (err) {
      record(`[ui] ${file}: the workbench opens`, false, 0, err instanceof Error ? err.message : String(err));
    } finally {
      await context.close().catch(() => undefined);
    }
  }
}

async function main(): Promise<void> {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optin-editor-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const xdg = path.join(tmp, 'xdg');
  const workspace = path.join(tmp, 'workspace');
  const resultsFile = path.join(OUT, 'suite-results.json');
  const runnerConfig = path.join(tmp, 'runner-config.json');

  if (underLoad) {
    const hog = startCpuHog(log);
    cleanups.push(() => hog.stop());
    log(`under load: ${hog.description} runs until the end of the run`);
    // Checked at the end, before the hog is stopped (cleanups run last-in first-out): a run whose hog died early was not under load.
    cleanups.push(() => {
      if (!hog.alive()) record('[harness] the CPU hog ran for the whole run (--under-load)', false, 0, `${hog.description} exited early`);
    });
  }
  await step('build and package the .vsix (vsce runs vscode:prepublish = npm run build)', () =>
    sh('npm', ['run', '--silent', 'package', '--', '--out', VSIX], { quiet: true }),
  );
  log(`.vsix: ${path.relative(ROOT, VSIX)}, ${(fs.statSync(VSIX).size / 1024 / 1024).toFixed(1)} MiB`);
  const runnerVsix = await step('compile the in-editor suites and the test-runner extension', async () => {
    await compileSuites();
    return compileRunner();
  });
  if (!skipSetup) await step('code-server and Chromium (scripts/editor/setup.sh)', () => sh('bash', [path.join(ROOT, 'scripts', 'editor', 'setup.sh')]));
  if (!fs.existsSync(CODE_SERVER)) throw new HarnessError(`${CODE_SERVER} is missing: run bash scripts/editor/setup.sh`);
  if (!fs.existsSync(CHROMIUM)) throw new HarnessError(`${CHROMIUM} is missing: run bash scripts/editor/setup.sh`);

  for (const d of [path.join(userDataDir, 'User'), extensionsDir, xdg]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  createWorkspace(workspace);
  const config: RunnerConfig = {
    suitesDir: SUITES_OUT,
    resultsFile,
    mochaPath: require.resolve('mocha'),
    extensionId: EXTENSION_ID,
    timeoutMs: 60_000,
  };
  fs.writeFileSync(runnerConfig, JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Keep code-server's own files (config.yaml, logs) out of the user's home.
    XDG_CONFIG_HOME: xdg,
    XDG_DATA_HOME: xdg,
    XDG_CACHE_HOME: xdg,
    XDG_RUNTIME_DIR: xdg,
    // An empty Hugging Face cache of its own and an endpoint that cannot answer: no test reads the
    // user's cache or the network (the by-name run test starts a local Hub and points at it).
    HF_HOME: path.join(xdg, 'huggingface'),
    HF_HUB_CACHE: path.join(xdg, 'huggingface', 'hub'),
    HF_ENDPOINT: 'http://127.0.0.1:9',
    HF_TOKEN: '',
    HF_HUB_OFFLINE: '',
    OPTIN_EDITOR_TEST_CONFIG: runnerConfig,
  };
  // Without a config the runner extension does nothing (UI tests only).
  if (only === 'ui') delete env.OPTIN_EDITOR_TEST_CONFIG;

  await step('install the .vsix files into a fresh extensions dir', () => {
    const r = spawnSync(
      process.execPath,
      [CODE_SERVER, '--config', path.join(xdg, 'code-server.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--force', '--install-extension', VSIX, '--install-extension', runnerVsix],
      { env, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`--install-extension exited ${r.status}:\n${r.stdout}${r.stderr}`);
    const list = spawnSync(process.execPath, [CODE_SERVER, '--config', path.join(xdg, 'code-server.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--list-extensions', '--show-versions'], { env, encoding: 'utf8' });
    for (const id of [EXTENSION_ID, RUNNER_ID]) {
      if (!list.stdout.includes(`${id}@`)) throw new Error(`${id} is not installed after --install-extension:\n${r.stdout}${r.stderr}${list.stdout}`);
    }
    log(list.stdout.trim().split('\n').filter((l) => l.includes('@')).join(', '));
  });

  const server = await step('start code-server on 127.0.0.1', () =>
    startCodeServer({ userDataDir, extensionsDir, xdg, workspace, env, logFile: path.join(OUT, 'code-server.log') }),
  );
  log(`code-server at ${server.url} (pid ${server.proc.pid}), log ${path.relative(ROOT, server.log)}`);
  const browser = await step('launch headless Chromium', () => chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      // Chromium keeps crash reports under $XDG_CONFIG_HOME/chromium: the temp dirs, not $HOME.
      env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_CACHE_HOME: xdg },
      headless: true,
      // Our own handlers stop code-server first; Playwright's would exit at once (its 'exit'
      // handler still kills the browser).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    }));
  cleanups.push(() => browser.close().catch(() => undefined));
  const workspaceUrl = `${server.url}/?folder=${encodeURIComponent(workspace)}`;

  if (only !== 'ui') await step('in-editor suites (runner extension + mocha in the extension host)', () => runSuites(browser, server, workspaceUrl, resultsFile, userDataDir));
  if (only !== 'ui') reportMeasurements(workspace);
  if (only !== 'suites') await step('UI tests (playwright-core)', () => runUiTests(browser, workspaceUrl, workspace));
  if (only !== 'suites' && !uiFile) await step('Restricted Mode: the same workspace, untrusted (test/editor/ui/*.restricted.ts)', () => runRestricted(browser, { tmp, extensionsDir, xdg, workspace, env }));
}

/**
 * A second code-server with workspace trust on and a fresh profile, so the workspace opens
 * untrusted (no prompt): linting must work, runs must be refused with a reason.
 */
async function runRestricted(browser: Browser, o: { tmp: string; extensionsDir: string; xdg: string; workspace: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const userDataDir = path.join(o.tmp, 'user-data-restricted');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  const settings = { ...USER_SETTINGS, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const env = { ...o.env };
  delete env.OPTIN_EDITOR_TEST_CONFIG;
  const server = await startCodeServer({ userDataDir, extensionsDir: o.extensionsDir, xdg: o.xdg, workspace: o.workspace, env, logFile: path.join(OUT, 'code-server-restricted.log'), restricted: true });
  cleanups.push(() => server.stop());
  try {
    await runUiTests(browser, `${server.url}/?folder=${encodeURIComponent(o.workspace)}`, o.workspace, '.restricted.ts');
  } finally {
    await server.stop();
  }
}

/** Numbers the suites measured inside the extension host (workspace/measurements/*.json): printed and kept in test-output/editor/. */
function reportMeasurements(workspace: string): void {
  const dir = path.join(workspace, 'measurements');
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    fs.writeFileSync(path.join(OUT, f), text);
    log(`measured in the extension host (${f}): ${JSON.stringify(JSON.parse(text))}`);
  }
}

async function cleanup(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      console.error(`[editor] cleanup: ${String(err)}`);
    }
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`[editor] ${signal}: stopping code-server and the browser`);
    void cleanup().then(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    const message = err instanceof Error ? (err instanceof HarnessError ? err.message : (err.stack ?? err.message)) : String(err);
    record('[harness] the editor test run completes', false, 0, message);
  })
  .finally(async () => {
    await cleanup();
    const passed = outcomes.filter((o) => o.ok).length;
    const failed = outcomes.length - passed;
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify({ passed, failed, seconds: (Date.now() - started) / 1000, outcomes }, null, 2));
    if (failed) {
      console.log('\nfailed:');
      for (const o of outcomes.filter((x) => !x.ok)) console.log(`  ✖ ${o.name}`);
    }
    console.log(`\neditor tests: ${secs(Date.now() - started)}; screenshots and logs in ${path.relative(ROOT, OUT)}/`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed > 0 || passed === 0 ? 1 : 0);
  });
