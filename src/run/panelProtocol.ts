/**
 * Messages between the results panel's host (the extension, src/vscode/resultsPanel.ts) and the
 * results app (webview/src). report.html has no host: it embeds one PanelData (a compare page:
 * one Comparison) and sends nothing.
 */
import type { Comparison } from './compare';
import type { PanelData, RunSummary } from './runData';

export type HostMessage =
  /** The run history (newest first) and which run is shown (or which runs are compared). */
  | { type: 'runs'; runs: RunSummary[]; selected?: string; compared?: string[] }
  /** Everything to render for one run (sent on select, and again while it runs). */
  | { type: 'data'; data: PanelData }
  /** Compare mode: the runs side by side (sent on compare, and again while a compared run runs). */
  | { type: 'compare'; comparison: Comparison }
  /** Live progress of a running run (between 'data' messages). */
  | { type: 'progress'; runDir: string; phase: string; done?: number; total?: number; etaSeconds?: number };

export type PanelMessage =
  /** The app has loaded and listens (the host answers with 'runs' and 'data'). */
  | { type: 'ready'; runDir?: string; compared?: string[] }
  /** The user picked another run in the run list (this also leaves compare mode). */
  | { type: 'select'; runDir: string }
  /** Compare these runs (the user added or removed one; two or more). */
  | { type: 'compare'; runDirs: string[] }
  /** Save exported content through the host's save dialog (webviews cannot download). */
  | { type: 'export'; fileName: string; content: string; encoding: 'utf8' | 'base64' }
  /** Buttons that run extension commands on the shown run. */
  | { type: 'command'; command: 'revealRunFolder' | 'exportModel' | 'openConfig'; runDir: string; budget?: number };

/** What the app keeps with vscode.setState, so the serializer can restore the panel after a reload. */
export interface PanelState {
  runDir?: string;
  /** Compare mode: the compared run folders. */
  compared?: string[];
}
