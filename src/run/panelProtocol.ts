/**
 * Messages between the results panel's host (the extension, src/vscode/resultsPanel.ts) and the
 * results app (webview/src). report.html has no host: it embeds one PanelData and sends nothing.
 */
import type { PanelData, RunSummary } from './runData';

export type HostMessage =
  /** The run history (newest first) and which run is shown. */
  | { type: 'runs'; runs: RunSummary[]; selected?: string }
  /** Everything to render for one run (sent on select, and again while it runs). */
  | { type: 'data'; data: PanelData }
  /** Live progress of a running run (between 'data' messages). */
  | { type: 'progress'; runDir: string; phase: string; done?: number; total?: number; etaSeconds?: number };

export type PanelMessage =
  /** The app has loaded and listens (the host answers with 'runs' and 'data'). */
  | { type: 'ready'; runDir?: string }
  /** The user picked another run in the run list. */
  | { type: 'select'; runDir: string }
  /** Save exported content through the host's save dialog (webviews cannot download). */
  | { type: 'export'; fileName: string; content: string; encoding: 'utf8' | 'base64' }
  /** Buttons that run extension commands on the shown run. */
  | { type: 'command'; command: 'revealRunFolder' | 'exportModel' | 'openConfig'; runDir: string; budget?: number };

/** What the app keeps with vscode.setState, so the serializer can restore the panel after a reload. */
export interface PanelState {
  runDir?: string;
}
