import type { RunEvent } from '../run/events';

import { formatDuration as duration } from '../run/progressModel';

/**
 * Renders run events on a terminal: one redrawn bar on a TTY, a line every 10% otherwise
 * (CI logs), and warnings as they come.
 */
export function progressPrinter(stream: NodeJS.WriteStream): (e: RunEvent) => void {
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  let barShown = false;
  const clear = () => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  };
  return (e) => {
    if (e.type === 'phase') {
      clear();
      lastDecile = -1;
      stream.write(`» ${e.phase}\n`);
    } else if (e.type === 'progress') {
      const frac = e.total > 0 ? e.done / e.total : 1;
      const eta = e.etaSeconds !== undefined ? ` · ETA ${duration(e.etaSeconds)}` : '';
      // Downloads count bytes, which the detail already puts in MiB.
      const text = e.phase === 'download' && e.detail ? `download ${e.detail}${eta}` : `${e.phase} ${e.done}/${e.total}${e.detail ? ` (${e.detail})` : ''}${eta}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(frac * width);
        stream.write(`\r\x1b[K  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${text}`);
        barShown = true;
      } else {
        const decile = Math.floor(frac * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`  ${(frac * 100).toFixed(0)}% ${text}\n`);
        }
      }
    } else if (e.type === 'log' && e.level !== 'info') {
      clear();
      stream.write(`  ${e.level}: ${e.message}\n`);
    } else if (e.type === 'done') {
      clear();
    }
  };
}
