import { parseArgs } from 'util';
import { evaluate } from '../eval/evaluate';
import { METRICS, MetricName } from '../eval/metrics';
import { deviceOption, positiveInt, UsageError } from './usage';

export const EVAL_HELP = `optin eval MODEL DATA_PATH [options]   task metric of a model on labelled data

MODEL       a Hugging Face checkpoint folder: config.json + model.safetensors
            (or a sharded model.safetensors.index.json); model_type bert, roberta,
            xlm-roberta, camembert, distilbert, electra, deberta-v2, modernbert,
            vit or deit;
            or an exported .onnx (a run's pruned-<budget>.onnx): its inputs are prepared
            with the checkpoint of --model-dir, by default the run's (report.json next to
            it; the run's max_seq_length and text fields then apply unless given).
DATA_PATH   text: .tsv (GLUE style, header row), .csv or .jsonl with a text and a label column;
            images: an ImageFolder directory <DATA_PATH>/<class name>/<image>.

  --model-dir DIR       with an .onnx MODEL: the checkpoint folder it was pruned from
  --batch-size N        examples per ONNX Runtime call (default 32)
  --device D            cpu | webgpu | cuda | auto (default cpu)
  --threads N           intra-op threads (default: ONNX Runtime's choice)
  --metric M            ${METRICS.join(' | ')} (default accuracy; pearson for regression)
  --max-seq-length N    truncate text to N tokens (default: the tokenizer's model_max_length)
  --text-fields A[,B]   text column(s) (default: detected: sentence, sentence1/sentence2, ...)
  --label-field L       label column (default: label)
  --json                print one JSON object instead of text`;

export async function evalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'batch-size': { type: 'string' },
      'model-dir': { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
      metric: { type: 'string' },
      'max-seq-length': { type: 'string' },
      'text-fields': { type: 'string' },
      'label-field': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 2) throw new UsageError('eval takes MODEL (a checkpoint folder or an .onnx) and DATA_PATH.');
  if (values['model-dir'] !== undefined && !positionals[0].toLowerCase().endsWith('.onnx')) throw new UsageError('--model-dir goes with an .onnx MODEL (a checkpoint folder is its own model dir).');
  const metric = values.metric;
  if (metric !== undefined && !(METRICS as readonly string[]).includes(metric)) throw new UsageError(`--metric must be one of ${METRICS.join(', ')}.`);
  const progress = !values.json && process.stderr.isTTY;
  const result = await evaluate(positionals[0], positionals[1], {
    batchSize: positiveInt(values['batch-size'], '--batch-size'),
    modelDir: values['model-dir'],
    device: deviceOption(values.device) ?? 'cpu',
    threads: positiveInt(values.threads, '--threads'),
    metric: metric as MetricName | undefined,
    maxSeqLength: positiveInt(values['max-seq-length'], '--max-seq-length'),
    fields: {
      ...(values['text-fields'] ? { text: values['text-fields'].split(',') } : {}),
      ...(values['label-field'] ? { label: values['label-field'] } : {}),
    },
    onProgress: progress ? (done, total) => process.stderr.write(`\revaluating ${done}/${total}`) : undefined,
  });
  if (progress) process.stderr.write('\n');
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const m = result.model;
    process.stdout.write(
      (result.file
        ? `${result.file} (pruned from ${m.dir}, ${m.architecture}) on ${result.data}\n`
        : `${m.architecture} (${m.layers} layers × ${m.heads} heads, hidden ${m.hidden}) on ${result.data}\n`) +
        `${result.metric}: ${result.value.toFixed(4)} over ${result.examples} examples (device ${result.device}, ${result.seconds.toFixed(1)} s)\n`,
    );
  }
  return 0;
}
