/**
 * The results app's HTML page, for both of its hosts: the VS Code webview (script and style
 * by URI from the extension) and report.html in a run folder (script, style and the run's
 * PanelData inlined, so the file opens anywhere with no server and no network). The page
 * `optin compare --html` writes is the same, with a Comparison inlined instead.
 *
 * CSP: nothing loads but our nonce'd script and style. img-src allows data:/blob: for the
 * figures ECharts hands back as exports; no eval, no inline script without the nonce.
 */
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { UserError } from '../errors';
import { writeFileAtomic } from './atomic';
import type { Comparison } from './compare';
import { loadPanelData, type PanelData } from './runData';

export interface PanelHtmlOptions {
  title: string;
  nonce: string;
  /** The webview's cspSource (VS Code); absent for report.html. */
  cspSource?: string;
  scriptUri?: string;
  styleUri?: string;
  /** report.html: the bundle and stylesheet themselves. */
  inlineScript?: string;
  inlineStyle?: string;
  /** report.html: the one run the page shows; a compare page: the comparison. */
  data?: PanelData | Comparison;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text for a double-quoted attribute or an element's text (the CSP's 'quotes' stay readable). */
function attr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON inside <script type="application/json">: "<" becomes \u003c (still the same JSON), so
 * "</script>" or "<!--" in a config or label cannot end the element. U+2028/9 likewise, for
 * anything that ever treats the text as script.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inlined script/style text must not close its element or open an HTML comment in it. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '')
    .replace(/^\/\*# sourceMappingURL=.*\*\/$/gm, '')
    .replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1')
    .replace(/<!--/g, '<\\!--');
}

export function renderPanelHtml(o: PanelHtmlOptions): string {
  const nonce = attr(o.nonce);
  const src = o.cspSource ? `${o.cspSource} ` : '';
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${src}'nonce-${o.nonce}'`,
    `img-src ${src}data: blob:`,
    `font-src ${o.cspSource ?? "'none'"}`,
  ].join('; ');
  const head = [
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${attr(o.title)}</title>`,
    o.styleUri ? `<link rel="stylesheet" nonce="${nonce}" href="${attr(o.styleUri)}">` : '',
    o.inlineStyle !== undefined ? `<style nonce="${nonce}">${inlineSafe(o.inlineStyle, 'style')}</style>` : '',
  ].filter(Boolean);
  const body = [
    '<div id="app"></div>',
    o.data ? `<script type="application/json" id="optin-data" nonce="${nonce}">${jsonForScript(o.data)}</script>` : '',
    o.scriptUri ? `<script nonce="${nonce}" src="${attr(o.scriptUri)}"></script>` : '',
    o.inlineScript !== undefined ? `<script nonce="${nonce}">${inlineSafe(o.inlineScript, 'script')}</script>` : '',
  ].filter(Boolean);
  // Static pages say so up front, so the stylesheet's theme fallbacks apply from the first paint.
  const hostAttr = o.data ? ' data-host="static"' : '';
  return `<!DOCTYPE html>\n<html lang="en"${hostAttr}>\n<head>\n${head.join('\n')}\n</head>\n<body>\n${body.join('\n')}\n</body>\n</html>\n`;
}

/** dist/webview.js and dist/webview.css, next to the running bundle or, from src (tsx), in <repo>/dist. */
export function webviewBundle(): { script: string; style: string } {
  const dirs = [__dirname, path.join(__dirname, '..', '..', 'dist')];
  const dir = dirs.find((d) => fs.existsSync(path.join(d, 'webview.js'))) ?? dirs[dirs.length - 1];
  const read = (name: string) => {
    const file = path.join(dir, name);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      throw new UserError(`${file} is missing: report.html inlines the results app; \`npm run build\` makes it.`, file);
    }
  };
  return { script: read('webview.js'), style: read('webview.css') };
}

/** Writes <runDir>/report.html (atomically) and returns its path. */
export function writeReportHtml(runDir: string): string {
  const data = loadPanelData(runDir);
  if (!data) throw new UserError(`${runDir} holds no report.json to render.`, runDir);
  const { script, style } = webviewBundle();
  const id = path.basename(runDir);
  const html = renderPanelHtml({
    title: `OPTIN report · ${data.report.model.architecture || 'run'} · ${id}`,
    nonce: randomBytes(16).toString('base64'),
    inlineScript: script,
    inlineStyle: style,
    data,
  });
  const file = path.join(runDir, 'report.html');
  writeFileAtomic(file, html);
  return file;
}

/** Writes the comparison page `optin compare --html FILE` asks for (atomically) and returns its path. */
export function writeCompareHtml(file: string, comparison: Comparison): string {
  const { script, style } = webviewBundle();
  const html = renderPanelHtml({
    title: `OPTIN comparison · ${comparison.runs.map((r) => r.label).join(' vs ')}`,
    nonce: randomBytes(16).toString('base64'),
    inlineScript: script,
    inlineStyle: style,
    data: comparison,
  });
  writeFileAtomic(file, html);
  return file;
}

/** For the pipeline: report.html is a convenience, so failing to write it only warns. */
export function tryWriteReportHtml(runDir: string, warn: (message: string) => void): string | undefined {
  try {
    return writeReportHtml(runDir);
  } catch (e) {
    warn(`report.html not written: ${(e as Error).message}`);
    return undefined;
  }
}
