/**
 * The results app's page (src/run/reportHtml.ts): a strict CSP, a nonce on everything it runs,
 * and run data embedded so that no config or label can end the <script> it sits in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { jsonForScript, renderPanelHtml, writeReportHtml } from '../../src/run/reportHtml';
import type { PanelData } from '../../src/run/runData';
import type { Report } from '../../src/run/report';
import { ROOT, tmpDir } from '../helpers/tmp';

const EVIL = '</script><script>alert(1)</script><!-- <script>';

function report(runDir: string): Report {
  return {
    schema: 'optin-report', version: 1, status: 'cancelled', error: 'cancelled by the user',
    tool: { name: 'optin-vscode', version: '0.0.0' }, createdAt: '2026-01-01T00:00:00.000Z', runDir, method: 'optin',
    device: { requested: 'auto', used: 'cpu', notes: [`auto: ${EVIL}`] },
    model: { dir: '/m', family: 'bert', architecture: `Bert${EVIL}`, layers: 2, heads: 2, hidden: 8, intermediate: 16, labels: [EVIL, 'b\u2028c'], parameters: 100 },
    data: { calibration: { path: '/c.tsv', examples: 8, paddedLength: 16, realTokens: 100 } },
    budgets: [], phases: [{ name: 'load', seconds: 0.1, status: 'done' }], peakRssBytes: 1,
  };
}

const data: PanelData = { report: report('/runs/r1'), headScores: [[1, 2], [3, 4]], configText: `model_path: x\n# ${EVIL}\n`, logTail: [EVIL] };

function scripts(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
}

test('the CSP meta is strict: nothing but nonce-d script and style, no eval, no inline without the nonce', () => {
  const html = renderPanelHtml({ title: 't', nonce: 'abc123', cspSource: 'vscode-webview://x', scriptUri: 'vscode-webview://x/webview.js', styleUri: 'vscode-webview://x/webview.css' });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp, 'a CSP meta');
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), ["'nonce-abc123'"]);
  assert.deepEqual(directives.get('style-src'), ['vscode-webview://x', "'nonce-abc123'"]);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|\*|https?:/);
  assert.match(html, /<script nonce="abc123" src="vscode-webview:\/\/x\/webview\.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" nonce="abc123" href="vscode-webview:\/\/x\/webview\.css">/);
  assert.doesNotMatch(html, /optin-data/, 'the webview gets its data by message');
});

test('embedded data round-trips through JSON.parse, and no string in it can close the script', () => {
  const html = renderPanelHtml({ title: `x${EVIL}`, nonce: 'n0nce', inlineScript: 'console.log("</script>")', inlineStyle: 'body{}</style><p>', data });
  // Exactly two scripts (the data, the app) and each opens with the nonce.
  const tags = scripts(html);
  assert.equal(tags.length, 2, tags.join('\n'));
  for (const t of tags) assert.match(t, /nonce="n0nce"/);
  assert.equal(html.match(/<\/script>/g)?.length, 2);
  assert.equal(html.match(/<style\b/g)?.length, 1);
  assert.match(html, /<style nonce="n0nce">/);
  assert.equal(html.match(/<\/style>/g)?.length, 1);
  assert.doesNotMatch(html, /<!--/);
  const json = /<script type="application\/json" id="optin-data" nonce="n0nce">([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(json);
  assert.doesNotMatch(json, /</);
  assert.deepEqual(JSON.parse(json), data);
  assert.match(html, /<title>xBert|<title>x&lt;\/script&gt;/);
  assert.match(html, /<html lang="en" data-host="static">/);
});

test('jsonForScript escapes < and line separators but stays JSON', () => {
  const s = jsonForScript({ a: '</script>', b: 'x\u2028y' });
  assert.doesNotMatch(s, /<|\u2028/);
  assert.deepEqual(JSON.parse(s), { a: '</script>', b: 'x\u2028y' });
});

const bundled = fs.existsSync(path.join(ROOT, 'dist', 'webview.js')) && fs.existsSync(path.join(ROOT, 'dist', 'webview.css'));

test('writeReportHtml writes report.html into the run folder from its files', { skip: bundled ? false : 'dist/webview.js not built (npm run build)' }, () => {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report(dir)));
  fs.writeFileSync(path.join(dir, 'config.yaml'), data.configText!);
  fs.writeFileSync(path.join(dir, 'log.txt'), `one\n${EVIL}\n`);
  const file = writeReportHtml(dir);
  assert.equal(file, path.join(dir, 'report.html'));
  const html = fs.readFileSync(file, 'utf8');
  const nonce = /'nonce-([^']+)'/.exec(html)?.[1];
  assert.ok(nonce);
  for (const t of scripts(html)) assert.ok(t.includes(`nonce="${nonce}"`), t);
  assert.equal(scripts(html).length, 2);
  const json = /id="optin-data"[^>]*>([\s\S]*?)<\/script>/.exec(html)?.[1];
  const parsed = JSON.parse(json!) as PanelData;
  assert.equal(parsed.report.status, 'cancelled');
  assert.equal(parsed.configText, data.configText);
  assert.deepEqual(parsed.logTail, ['one', EVIL]);
  assert.equal(parsed.headScores, undefined, 'no rankings.json, no scores');
  assert.doesNotMatch(html, /sourceMappingURL/);
});

test('writeReportHtml refuses a folder without report.json', () => {
  assert.throws(() => writeReportHtml(tmpDir()), /no report\.json/);
});
