import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { readSafetensorsHeader, readTensorAsFloat32, TensorEntry } from './safetensors';
import type { LayerNormWeights, Linear, Tensor } from './spec';

/**
 * A checkpoint directory opened for reading: its config.json and an index of every stored
 * tensor (single file or sharded), with legacy names normalised. Tensors are read on demand.
 */
export class Checkpoint {
  private readonly entries: Map<string, TensorEntry>;
  readonly used = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly config: Record<string, unknown>,
    entries: Map<string, TensorEntry>,
    readonly weightsFile: string,
  ) {
    this.entries = entries;
  }

  static open(dir: string): Checkpoint {
    const configFile = path.join(dir, 'config.json');
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new UserError(`${dir}: not a directory; give the Hugging Face checkpoint folder that holds config.json and model.safetensors.`, dir);
    }
    if (!fs.existsSync(configFile)) {
      throw new UserError(`${configFile}: missing; a Hugging Face checkpoint folder needs config.json next to its weights.`, configFile);
    }
    const config = readJsonObject(configFile);
    const { entries, file } = indexWeights(dir);
    return new Checkpoint(dir, config, entries, file);
  }

  get configFile(): string {
    return path.join(this.dir, 'config.json');
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Reads a tensor, checking its shape; `shape` entries of -1 accept any size. */
  tensor(name: string, shape: number[]): Tensor {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new UserError(`${this.weightsFile}: tensor "${name}" is missing; this does not look like a ${String(this.config.architectures ?? this.config.model_type)} checkpoint.`, this.weightsFile);
    }
    const ok = entry.shape.length === shape.length && entry.shape.every((d, i) => shape[i] === -1 || shape[i] === d);
    if (!ok) {
      throw new UserError(
        `${entry.file}: tensor "${name}" has shape [${entry.shape}] but config.json implies [${shape.map((d) => (d === -1 ? '*' : d))}].`,
        entry.file,
      );
    }
    this.used.add(name);
    return { shape: entry.shape.slice(), data: readTensorAsFloat32(entry) };
  }

  shapeOf(name: string): number[] | undefined {
    return this.entries.get(name)?.shape.slice();
  }

  /** A linear layer `prefix.weight` [out, in] + `prefix.bias` [out]; -1 for sizes derived from the file. */
  linear(prefix: string, out: number, inp: number): Linear {
    const weight = this.tensor(`${prefix}.weight`, [out, inp]);
    const bias = this.tensor(`${prefix}.bias`, [weight.shape[0]]);
    return { weight, bias };
  }

  /** A linear layer whose bias may be absent (bias=False in PyTorch): a zero bias then, which computes the same. */
  linearOptionalBias(prefix: string, out: number, inp: number): Linear {
    const weight = this.tensor(`${prefix}.weight`, [out, inp]);
    const bias = this.has(`${prefix}.bias`) ? this.tensor(`${prefix}.bias`, [weight.shape[0]]) : { shape: [weight.shape[0]], data: new Float32Array(weight.shape[0]) };
    return { weight, bias };
  }

  /** A LayerNorm whose bias may be absent (ModernBERT's norm_bias: false): a zero bias then. */
  layerNormOptionalBias(prefix: string, size: number): LayerNormWeights {
    const weight = this.tensor(`${prefix}.weight`, [size]);
    return { weight, bias: this.has(`${prefix}.bias`) ? this.tensor(`${prefix}.bias`, [size]) : { shape: [size], data: new Float32Array(size) } };
  }

  layerNorm(prefix: string, size: number): LayerNormWeights {
    return { weight: this.tensor(`${prefix}.weight`, [size]), bias: this.tensor(`${prefix}.bias`, [size]) };
  }
}

export function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e}).`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message}).`, file);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${file}: expected a JSON object at the top level.`, file);
  }
  return value as Record<string, unknown>;
}

/** Old TF-converted checkpoints name LayerNorm parameters gamma/beta. */
function normaliseName(name: string): string {
  return name.replace(/\.gamma$/, '.weight').replace(/\.beta$/, '.bias');
}

function indexWeights(dir: string): { entries: Map<string, TensorEntry>; file: string } {
  const single = path.join(dir, 'model.safetensors');
  const index = path.join(dir, 'model.safetensors.index.json');
  const entries = new Map<string, TensorEntry>();
  const add = (map: Map<string, TensorEntry>) => {
    for (const [name, e] of map) entries.set(normaliseName(name), e);
  };
  if (fs.existsSync(single)) {
    add(readSafetensorsHeader(single));
    return { entries, file: single };
  }
  if (fs.existsSync(index)) {
    const idx = readJsonObject(index);
    const weightMap = idx.weight_map;
    if (typeof weightMap !== 'object' || weightMap === null) {
      throw new UserError(`${index}: missing "weight_map" object (tensor name -> shard file).`, index);
    }
    const shards = new Set(Object.values(weightMap as Record<string, unknown>));
    for (const shard of shards) {
      if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.')) {
        throw new UserError(`${index}: shard name ${JSON.stringify(shard)} must be a plain file name in the checkpoint folder.`, index);
      }
      const shardFile = path.join(dir, shard);
      if (!fs.existsSync(shardFile)) throw new UserError(`${index}: shard "${shard}" listed in weight_map does not exist in ${dir}.`, index);
      add(readSafetensorsHeader(shardFile));
    }
    for (const name of Object.keys(weightMap as Record<string, unknown>)) {
      if (!entries.has(normaliseName(name))) {
        throw new UserError(`${index}: weight_map lists "${name}" but its shard does not contain it.`, index);
      }
    }
    return { entries, file: index };
  }
  const others = fs.readdirSync(dir).filter((f) => /\.(bin|pt|pth|h5|ckpt|msgpack)$/.test(f));
  const hint = others.length
    ? ` Found ${others.join(', ')}: only safetensors weights are read (pickled PyTorch files can run code when loaded); re-save with \`model.save_pretrained(dir, safe_serialization=True)\`.`
    : '';
  throw new UserError(`${dir}: no model.safetensors or model.safetensors.index.json.${hint}`, dir);
}

// ---- config.json accessors that name the file and key on error ----

export function configInt(ck: Checkpoint, key: string, fallback?: number, min = 1): number {
  const v = ck.config[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`${ck.configFile}: key "${key}" is required for model_type "${String(ck.config.model_type)}".`, ck.configFile);
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new UserError(`${ck.configFile}: "${key}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}.`, ck.configFile);
  }
  return v;
}

export function configNumber(ck: Checkpoint, key: string, fallback: number): number {
  const v = ck.config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new UserError(`${ck.configFile}: "${key}" must be a number, got ${JSON.stringify(v)}.`, ck.configFile);
  }
  return v;
}
