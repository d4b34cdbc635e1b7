/** The live progress line of a running run: phase, done/total, ETA (from 'progress' messages). */
import type { HostMessage } from '../../src/run/panelProtocol';
import { el, text } from './dom';
import { seconds } from './format';

export type Progress = Extract<HostMessage, { type: 'progress' }>;

export function progressLine(p: Progress | undefined): HTMLElement {
  const bar = document.createElement('vscode-progress-bar');
  bar.setAttribute('aria-label', 'run progress');
  const label = text('span', 'progress-text', '');
  const box = el('div', 'progress', bar, label);
  updateProgress(box, p);
  return box;
}

export function updateProgress(box: HTMLElement, p: Progress | undefined): void {
  const bar = box.querySelector('vscode-progress-bar');
  const label = box.querySelector('.progress-text');
  if (!bar || !label) return;
  const known = p?.total !== undefined && p.total > 0 && p.done !== undefined;
  if (known) {
    bar.removeAttribute('indeterminate');
    bar.max = p.total!;
    bar.value = p.done!;
  } else {
    bar.setAttribute('indeterminate', '');
  }
  const parts = [p ? `phase ${p.phase}` : 'running'];
  if (known) parts.push(`${p.done!.toLocaleString('en-US')} / ${p.total!.toLocaleString('en-US')} (${Math.floor((p.done! / p.total!) * 100)}%)`);
  if (p?.etaSeconds !== undefined) parts.push(`about ${seconds(p.etaSeconds)} left`);
  label.textContent = parts.join(' · ');
}
