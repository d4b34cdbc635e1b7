/**
 * The results app: renders what its host gives it (a run's PanelData; in VS Code also the run
 * list and live progress) and nothing else: no remote content, no eval, text only.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import type { HostMessage } from '../../src/run/panelProtocol';
import { App } from './app';
import { connectHost, embeddedData, isComparison } from './host';
import { followColorScheme, watchTheme } from './theme';

function start(root: HTMLElement): void {
  const host = connectHost();
  const app = new App(root, host);
  if (host.kind === 'static') {
    // Set before the first render so the first paint already has the right colours.
    followColorScheme();
    document.documentElement.dataset.host = 'static';
  }
  watchTheme(() => app.recolour());
  if (host.kind === 'vscode') {
    window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
      if (e.data && typeof e.data === 'object' && typeof e.data.type === 'string') app.receive(e.data);
    });
    app.empty('Loading the run…');
    const state = host.state();
    host.post({ type: 'ready', runDir: state.runDir, compared: state.compared });
    return;
  }
  const data = embeddedData();
  if (data && isComparison(data)) app.showCompare(data);
  else if (data) app.show(data);
  else app.empty('This page holds no run data.');
}

const root = document.getElementById('app');
if (root) start(root);
