import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { formatDiagnostic, loadConfig } from '../config';
import { UserError } from '../errors';
import { pct } from '../format';
import { jobFromConfig, parseBudgetList } from '../run/job';
import { runPrune } from '../run/pipeline';
import { estimatorText } from '../optin/fastScoring';
import type { Report } from '../run/report';
import { progressPrinter } from './progress';
import { deviceOption, UsageError } from './usage';

export const PRUNE_HELP = `optin prune CONFIG [options]   score heads and neurons, search masks, export and evaluate

  --budget B[,B...]     MAC budgets to keep, overriding mac_constraint (e.g. 0.5,0.6,0.7)
  --run-dir DIR         write the run into DIR instead of <output_dir>/<run id>
  --device D            auto | cpu | webgpu | cuda, overriding the config
  --scoring M           auto | exact | fast, overriding the config's scoring
  --repair R            none | least_squares, overriding the config's repair
  --repair-fit F        weights | scales, overriding the config's repair_fit
  --json                print report.json to stdout (progress still goes to stderr)
  --quiet               no progress output

Ctrl-C stops cleanly between ONNX Runtime calls: report.json then says "cancelled" and keeps
what finished (exit status 130).`;

function parseBudgets(value: string): number[] {
  const list = parseBudgetList(value);
  if (typeof list === 'string') throw new UsageError(`--budget: ${list}`);
  return list;
}

/** The scoring mode, why, and for a fast run its self-check, on one line. */
export function scoringLine(s: NonNullable<Report['scoring']>): string {
  const f = s.fast;
  const check = f
    ? `; ${estimatorText(f)}; self-check Spearman ${f.sample.spearman.toFixed(3)} on ${f.sample.units} random neurons, ${f.exactUnits.neurons.toLocaleString('en-US')} of ${f.totalUnits.neurons.toLocaleString('en-US')} neurons and all ${f.totalUnits.heads} heads scored exactly`
    : '';
  return `${s.mode} (${s.reason})${check}`;
}

export function summary(r: Report): string {
  const lines = [`run ${r.status}: ${r.runDir}`];
  if (r.error) lines.push(`  ${r.error}`);
  const m = r.sources?.model;
  if (m) lines.push(`  model: ${m.repo}@${m.revision} (${m.fromCache ? 'from the Hugging Face cache' : 'downloaded into the Hugging Face cache'}, commit ${m.commit.slice(0, 12)})`);
  const d = r.sources?.dataset;
  if (d) {
    const splits = [d.calibrationSplit && `calibration ${d.calibrationSplit}`, d.evalSplit && `evaluation ${d.evalSplit}`].filter(Boolean).join(', ');
    lines.push(`  data: ${d.repo}${d.config ? ` (${d.config})` : ''}@${d.revision}: ${splits} (${d.fromCache ? 'from the Hugging Face cache' : 'downloaded into the Hugging Face cache'})`);
  }
  for (const note of r.data.labelMapping ?? []) lines.push(`  labels: ${note}`);
  if (r.scoring) lines.push(`  scoring: ${scoringLine(r.scoring)}`);
  if (r.scoring?.warning) lines.push(`  warning: ${r.scoring.warning}`);
  if (r.unpruned) {
    lines.push(`  unpruned: ${r.metric} ${pct(r.unpruned.metric, 2)}, ${r.model.parameters.toLocaleString('en-US')} parameters, latency ${r.unpruned.latency?.medianMs.toFixed(2)} ms (batch ${r.unpruned.latency?.batchSize}), device ${r.device.used}`);
  }
  const sample = r.data.calibration.sample;
  if (sample) {
    const classes = sample.classes ? `: ${Object.entries(sample.classes).map(([c, n]) => `${c} ${n}`).join(', ')}` : '';
    lines.push(`  calibration: ${sample.examples} examples (${sample.sampling}${sample.seed !== undefined ? `, seed ${sample.seed}` : ''}${sample.stratified ? ', stratified by label' : ''})${classes}`);
  }
  for (const b of r.budgets) {
    const base = b.baselines.map((x) => `${x.method} ${pct(x.metric, 2)}${x.repaired ? ` (repaired ${pct(x.repaired.metric, 2)})` : ''}`).join(', ');
    const plain = b.unrepaired ? ` (unrepaired ${pct(b.unrepaired.metric, 2)}${b.repair?.check?.kept === false ? ', exported: repair not kept' : ''})` : '';
    lines.push(
      `  budget ${b.budget}: MACs kept ${pct(b.macFraction)}, ${b.heads} heads, ${b.neurons} neurons, ${r.metric} ${pct(b.metric, 2)}${plain}` +
        `${b.latency ? `, ${b.latency.medianMs.toFixed(2)} ms (${b.speedup!.toFixed(2)}×)` : ''}${base ? ` | ${base}` : ''} -> ${b.file}`,
    );
    const t = b.tokens;
    if (t) {
      const curve = (name: string, c?: { metric?: number; latency?: { medianMs: number } }) => c?.metric !== undefined ? `${name} ${pct(c.metric, 2)}${c.latency ? ` (${c.latency.medianMs.toFixed(2)} ms)` : ''}` : '';
      const others = [curve('tokens only', t.curves?.tokensOnly), curve('heads/neurons only', t.curves?.unitsOnly)].filter(Boolean).join(', ');
      lines.push(`    tokens ${t.tokensPerLayer[0]}→${t.tokensPerLayer.at(-1)}, r per layer [${t.schedule.join(', ')}]${t.share !== undefined ? `, tokens take ${pct(t.share)} of the MAC cut (lowest KL of ${t.candidates?.length ?? 0} splits)` : ''}${others ? ` | ${others}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function pruneCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      budget: { type: 'string' },
      'run-dir': { type: 'string' },
      device: { type: 'string' },
      scoring: { type: 'string' },
      repair: { type: 'string' },
      'repair-fit': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('prune takes one CONFIG file.');
  const file = positionals[0];
  const budgets = values.budget !== undefined ? parseBudgets(values.budget) : undefined;
  const device = deviceOption(values.device);
  const scoring = values.scoring;
  if (scoring !== undefined && scoring !== 'auto' && scoring !== 'exact' && scoring !== 'fast') {
    throw new UsageError(`--scoring: "${scoring}" is not one of auto, exact, fast.`);
  }
  const repair = values.repair;
  if (repair !== undefined && repair !== 'none' && repair !== 'least_squares') throw new UsageError(`--repair must be none or least_squares, got "${repair}".`);
  const repairFit = values['repair-fit'];
  if (repairFit !== undefined && repairFit !== 'weights' && repairFit !== 'scales') throw new UsageError(`--repair-fit must be weights or scales, got "${repairFit}".`);
  const loaded = await loadConfig(file, { mode: 'run' });
  for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d, file)}\n`);
  const job = jobFromConfig(loaded.config, fs.readFileSync(file, 'utf8'), { budgets, device, scoring, repair, repairFit, runDir: values['run-dir'] });

  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nstopping after the current ONNX Runtime call (Ctrl-C again to quit at once)…\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const print = values.quiet ? undefined : progressPrinter(process.stderr);
    const report = await runPrune(job, { signal: abort.signal, onEvent: print });
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(summary(report));
    // The pipeline writes report.html next to report.json (it only warns when it cannot).
    const html = path.join(report.runDir, 'report.html');
    if (fs.existsSync(html)) (values.json ? process.stderr : process.stdout).write(`report: ${html}\n`);
    if (report.status === 'failed') throw new UserError(report.error ?? 'the run failed');
    return report.status === 'cancelled' ? 130 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
