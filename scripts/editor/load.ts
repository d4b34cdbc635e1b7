/**
 * A CPU hog for `npm run test:editor -- --under-load`: the editor tests must hold on a busy
 * machine (a 2-core box with one core taken by something else, as a user's laptop during a
 * build). Debian's `stress-ng --cpu 1` at nice 10 when it is installed
 * (`apt-get install -y stress-ng`); otherwise a Node child that spins, and the log says so.
 *
 * The hog runs in its own process group and is always stopped: by stop(), and by an 'exit'
 * hook (SIGKILL to the group) whatever way the driver ends. stress-ng also gets a --timeout,
 * so it cannot outlive a driver that was SIGKILLed.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';

export interface Hog {
  /** What runs, for the log: "stress-ng --cpu 1 (nice 10, pid 123)". */
  description: string;
  /** Still running (a hog that died early means the run was not under load). */
  alive(): boolean;
  stop(): Promise<void>;
}

const NICE = 10;
/** Longer than any editor run; only matters if the driver itself is killed with SIGKILL. */
const MAX_SECONDS = 3 * 3600;

function hasStressNg(): boolean {
  return spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function startCpuHog(log: (message: string) => void): Hog {
  let proc: ChildProcess;
  let description: string;
  if (hasStressNg()) {
    proc = spawn('nice', ['-n', String(NICE), 'stress-ng', '--cpu', '1', '--cpu-method', 'matrixprod', '--timeout', `${MAX_SECONDS}s`, '--quiet'], {
      detached: true,
      stdio: 'ignore',
    });
    description = `stress-ng --cpu 1 at nice ${NICE}`;
  } else {
    log('stress-ng is not installed (apt-get install -y stress-ng): falling back to a Node busy loop on one core');
    const spin = `const end = Date.now() + ${MAX_SECONDS * 1000}; let x = 0; while (Date.now() < end) { x = (x * 1664525 + 1013904223) % 4294967296; }`;
    proc = spawn('nice', ['-n', String(NICE), process.execPath, '-e', spin], { detached: true, stdio: 'ignore' });
    description = `a Node busy loop on one core at nice ${NICE} (stress-ng not installed)`;
  }
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`could not start the CPU hog (${description})`);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  process.on('exit', () => killGroup('SIGKILL'));
  return {
    description: `${description} (pid ${pid})`,
    alive: () => !exited,
    async stop() {
      if (exited) return;
      killGroup('SIGTERM');
      const timer = new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref());
      await Promise.race([exitedPromise, timer]);
      killGroup('SIGKILL');
      log(`CPU hog stopped (${description})`);
    },
  };
}
