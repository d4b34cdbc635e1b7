/** The config as run and the log tail: monospace text in collapsible sections. */
import { el, text } from './dom';

function block(title: string, body: string, open: boolean, name: string): HTMLElement {
  const c = document.createElement('vscode-collapsible');
  c.setAttribute('heading', title);
  if (open) c.setAttribute('open', '');
  const pre = text('pre', 'code', body);
  pre.dataset.block = name;
  c.append(pre);
  return c;
}

export function textBlocks(configText: string | undefined, logTail: string[], openLog: boolean): HTMLElement {
  return el(
    'div',
    'grid text-grid',
    block('Config', configText ?? 'config.yaml was not found in the run folder.', true, 'config'),
    // A run that did not complete is explained by its log: open it then.
    block(`Log (last ${logTail.length} lines)`, logTail.join('\n') || 'log.txt is empty.', openLog, 'log'),
  );
}
