/**
 * The two places the app runs: a VS Code webview (messages to and from the extension) and a
 * static report.html (one PanelData embedded in the page, downloads through blob: links).
 */
import type { Comparison } from '../../src/run/compare';
import type { PanelMessage, PanelState } from '../../src/run/panelProtocol';
import type { PanelData } from '../../src/run/runData';

interface VsCodeApi {
  postMessage(message: PanelMessage): void;
  getState(): PanelState | undefined;
  setState(state: PanelState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  kind: 'vscode' | 'static';
  post(message: PanelMessage): void;
  state(): PanelState;
  setState(state: PanelState): void;
  /** Hands an export to the user: a save dialog in VS Code, a download in a browser. */
  save(fileName: string, content: string, encoding: 'utf8' | 'base64', mime: string): void;
}

function vscodeHost(api: VsCodeApi): Host {
  return {
    kind: 'vscode',
    post: (m) => api.postMessage(m),
    state: () => api.getState() ?? {},
    setState: (s) => api.setState(s),
    // Webviews cannot download; the extension shows a save dialog and writes the file.
    save: (fileName, content, encoding) => api.postMessage({ type: 'export', fileName, content, encoding }),
  };
}

function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function staticHost(): Host {
  let state: PanelState = {};
  return {
    kind: 'static',
    post: () => undefined,
    state: () => state,
    setState: (s) => {
      state = s;
    },
    save: (fileName, content, encoding, mime) => {
      const blob = new Blob([encoding === 'base64' ? base64Bytes(content) : content], { type: mime });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      // The download has started from the click; the URL can go once the event loop moves on.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}

export function connectHost(): Host {
  return typeof acquireVsCodeApi === 'function' ? vscodeHost(acquireVsCodeApi()) : staticHost();
}

/**
 * What a static page embeds as <script type="application/json" id="optin-data">: a run's
 * PanelData (report.html) or a Comparison (`optin compare --html`).
 */
export function embeddedData(): PanelData | Comparison | undefined {
  const text = document.getElementById('optin-data')?.textContent;
  if (!text) return undefined;
  try {
    return JSON.parse(text) as PanelData | Comparison;
  } catch {
    return undefined;
  }
}

export function isComparison(d: PanelData | Comparison): d is Comparison {
  return (d as Comparison).schema === 'optin-compare';
}
