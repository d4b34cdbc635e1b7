import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressTracker, type DownloadProgress } from '../../src/hub/progress';

test('download progress: at most ~5 reports a second, a moving rate, an ETA, resumed bytes counted as done', () => {
  let now = 0;
  const seen: DownloadProgress[] = [];
  const p = new ProgressTracker('org/m', 10_000_000, 2, (x) => seen.push(x), () => now);
  p.startFile('a.safetensors', 6_000_000, 1_000_000); // resumed: a million already on disk
  for (let i = 0; i < 100; i++) {
    now += 10; // 1 MB/s in 10 kB steps for one second
    p.add(10_000);
  }
  assert.ok(seen.length <= 8, `${seen.length} reports in one second`);
  const last = seen[seen.length - 1];
  assert.equal(last.repo, 'org/m');
  assert.ok(Math.abs(last.bytesPerSecond - 1_000_000) < 150_000, `rate ${last.bytesPerSecond}`);
  assert.ok(last.etaSeconds !== undefined && Math.abs(last.etaSeconds - (10_000_000 - last.bytes) / last.bytesPerSecond) < 1e-6);
  p.fileDone();
  const done = seen[seen.length - 1];
  assert.equal(done.bytes, 2_000_000);
  assert.equal(done.fileBytes, 2_000_000);
  assert.equal(done.filesDone, 1);
  assert.equal(done.filesTotal, 2);
});
