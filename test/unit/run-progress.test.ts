import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBudgetList } from '../../src/run/job';
import { describeProgress, initialProgress, nextProgress } from '../../src/run/progressModel';

test('parseBudgetList: fractions in the order given, duplicates dropped; anything else says what is wrong', () => {
  assert.deepEqual(parseBudgetList('0.5, 0.4 0.6;0.5'), [0.5, 0.4, 0.6]);
  assert.deepEqual(parseBudgetList('1'), [1]);
  assert.match(parseBudgetList('') as string, /at least one budget/);
  assert.match(parseBudgetList('0.5, 60') as string, /"60" is not a fraction in \(0, 1\]/);
  assert.match(parseBudgetList('0, 0.5') as string, /"0" is not a fraction/);
  assert.match(parseBudgetList('half') as string, /"half"/);
});

test('progress: phases weigh by a typical run, never go back, and read as phase units/total and ETA', () => {
  let s = initialProgress();
  assert.equal(describeProgress(s), 'starting');
  s = nextProgress(s, { type: 'phase', phase: 'download' });
  assert.equal(s.overall, 0);
  s = nextProgress(s, { type: 'progress', phase: 'download', done: 5 * 2 ** 20, total: 10 * 2 ** 20, detail: 'me/model: model.safetensors 5.0/10.0 MiB · 2.0 MiB/s' });
  assert.equal(describeProgress(s), 'download me/model: model.safetensors 5.0/10.0 MiB · 2.0 MiB/s');
  s = nextProgress(s, { type: 'phase', phase: 'load' });
  assert.ok(s.overall > 0 && s.overall < 0.05, String(s.overall));
  s = nextProgress(s, { type: 'phase', phase: 'score' });
  const scoreStart = s.overall;
  s = nextProgress(s, { type: 'progress', phase: 'score', done: 768, total: 1536, etaSeconds: 80 });
  assert.ok(s.overall > scoreStart && s.overall < 0.6, String(s.overall));
  assert.equal(describeProgress(s), 'score 768/1,536 · ETA 1m20s');
  // A late progress line of an earlier phase does not move the bar back.
  const before = s.overall;
  s = nextProgress(s, { type: 'progress', phase: 'calibrate', done: 1, total: 1 });
  assert.equal(s.overall, before);
  s = nextProgress(s, { type: 'done', status: 'complete', runDir: '/x' });
  assert.equal(s.overall, 1);
});
