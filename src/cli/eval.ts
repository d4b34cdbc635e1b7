import { parseArgs } from 'util';
import { evaluate } from '../eval/evaluate';
import { METRICS, MetricName } from '../eval/metrics';
import { deviceOption, positiveInt, UsageError } from './usage';

export const EVAL_HELP = `optin eval MODEL_DIR DATA_PATH [options]   task metric of a checkpoint on labelled data

MODEL_DIR   a Hugging Face checkpoint folder: config.json + model.safetensors
            (or a sharded model.safetensors.index.json); model_type bert, vit or deit.
DATA_PATH   text: .tsv (GLUE style, header row), .csv or .jsonl with a text and a label column;
            images: an ImageFolder directory <DATA_PATH>/<class name>/<image>.

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
      device: { type: 'string' },
      threads: { type: 'string' },
      metric: { type: 'string' },
      'max-seq-length': { type: 'string' },
      'text-fields': { type: 'string' },
      'label-field': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 2) throw new UsageError('eval takes MODEL_DIR and DATA_PATH.');
  const metric = values.metric;
  if (metric !== undefined && !(METRICS as readonly string[]).includes(metric)) throw new UsageError(`--metric must be one of ${METRICS.join(', ')}.`);
  const progress = !values.json && process.stderr.isTTY;
  const result = await evaluate(positionals[0], positionals[1], {
    batchSize: positiveInt(values['batch-size'], '--batch-size'),
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
      `${m.architecture} (${m.layers} layers × ${m.heads} heads, hidden ${m.hidden}) on ${result.data}\n` +
        `${result.metric}: ${result.value.toFixed(4)} over ${result.examples} examples (device ${result.device}, ${result.seconds.toFixed(1)} s)\n`,
    );
  }
  return 0;
}
