// Bundles the extension, the CLI, the run child-process entry and the webview with esbuild.
// onnxruntime-node and sharp stay external: they ship native binaries that must be loaded
// from node_modules at run time; `vscode` is provided by the editor.
import { build } from 'esbuild';

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  sourcemap: true,
  logLevel: 'warning',
  target: 'node20',
  platform: 'node',
  format: 'cjs',
  external: ['vscode', 'onnxruntime-node', 'sharp'],
};

const jobs = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js' },
  { ...common, entryPoints: ['src/run/child.ts'], outfile: 'dist/child.js' },
  {
    bundle: true, sourcemap: true, logLevel: 'warning', platform: 'browser', format: 'iife',
    target: 'es2022', entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js',
    // The results app is also inlined into every report.html: minify it (ECharts is large).
    minify: true,
  },
  // The results app's stylesheet (the webview links it; report.html inlines it).
  { bundle: true, logLevel: 'warning', minify: true, entryPoints: ['webview/src/panel.css'], outfile: 'dist/webview.css' },
];

if (watch) {
  const { context } = await import('esbuild');
  for (const job of jobs) await (await context(job)).watch();
} else {
  await Promise.all(jobs.map((job) => build(job)));
}
