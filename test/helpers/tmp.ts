import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after } from 'node:test';

/** A fresh temporary directory removed when the test file finishes. */
export function tmpDir(prefix = 'optin-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'fixtures');
