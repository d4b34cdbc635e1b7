import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { ensureDir } from './atomic';

const LOCK = '.optin-run.lock';

/** A run folder held by this process: two runs never write into the same folder at once. */
export interface RunFolder {
  dir: string;
  release(): void;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock file with O_EXCL; a lock left by a process that no longer exists is taken over. */
function lock(dir: string): () => void {
  const file = path.join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`${dir}: cannot lock the run folder (${(e as NodeJS.ErrnoException).code}).`, dir);
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new UserError(`${dir}: another run (process ${pid}) is writing this run folder; wait for it, cancel it, or choose another --run-dir.`, dir);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new UserError(`${dir}: cannot lock the run folder.`, dir);
}

/** Removes temporary files an interrupted atomic write left behind (never a final name). */
function removeStaleTemps(dir: string): void {
  for (const f of fs.readdirSync(dir)) if (/^\..+\.\d+\.[a-z0-9]+\.tmp$/.test(f)) fs.rmSync(path.join(dir, f), { force: true });
}

/**
 * `<outputDir>/<timestamp>-<method>[-n]` made with an exclusive mkdir (two runs started in the
 * same second get different folders), or exactly `runDir` when given; locked either way.
 */
export function openRunFolder(outputDir: string, method: string, runDir?: string): RunFolder {
  ensureDir(outputDir, 'output_dir');
  let dir: string;
  if (runDir) {
    dir = path.resolve(runDir);
    ensureDir(dir, 'run folder');
  } else {
    const base = path.resolve(outputDir, `${stamp()}-${method}`);
    dir = base;
    for (let n = 2; ; n++) {
      try {
        fs.mkdirSync(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`output_dir ${outputDir} is not writable (${(e as NodeJS.ErrnoException).code}).`, outputDir);
        dir = `${base}-${n}`;
      }
    }
  }
  const unlock = lock(dir);
  removeStaleTemps(dir);
  return { dir, release: unlock };
}
