import * as fs from 'fs';
import { UserError } from '../errors';

/** One tensor as stored on disk: dtype, shape and byte range inside the file's data section. */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte offsets in the file. */
  begin: number;
  end: number;
  file: string;
}

/** Bytes per element of every dtype the safetensors format defines. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1,
};

/** Headers of real checkpoints are a few hundred KB; refuse absurd lengths before allocating. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Reads and validates a safetensors header without reading the tensor data.
 * Every offset is checked against the file size and against the shape/dtype, and
 * ranges may not overlap, so later reads can trust the entries.
 */
export function readSafetensorsHeader(file: string): Map<string, TensorEntry> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new UserError(`${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? e}).`, file);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) {
      throw new UserError(`${file}: truncated safetensors file (${size} bytes; the 8-byte header length is missing).`, file);
    }
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen > BigInt(MAX_HEADER_BYTES)) {
      throw new UserError(
        `${file}: safetensors header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit; the file is corrupt or not a safetensors file.`,
        file,
      );
    }
    const hlen = Number(headerLen);
    if (8 + hlen > size) {
      throw new UserError(`${file}: truncated safetensors file: header says ${hlen} bytes but the file has only ${size - 8} after the length field.`, file);
    }
    const headerBuf = Buffer.alloc(hlen);
    fs.readSync(fd, headerBuf, 0, hlen, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch (e) {
      throw new UserError(`${file}: safetensors header is not valid JSON (${(e as Error).message}).`, file);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
      throw new UserError(`${file}: safetensors header must be a JSON object.`, file);
    }
    const dataStart = 8 + hlen;
    const dataLen = size - dataStart;
    const entries = new Map<string, TensorEntry>();
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') continue;
      entries.set(name, parseEntry(file, name, raw, dataStart, dataLen));
    }
    checkOverlaps(file, [...entries.values()]);
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

function parseEntry(file: string, name: string, raw: unknown, dataStart: number, dataLen: number): TensorEntry {
  const bad = (what: string) => new UserError(`${file}: tensor "${name}": ${what}.`, file);
  if (typeof raw !== 'object' || raw === null) throw bad('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw bad(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw bad(`data_offsets ${JSON.stringify(offsets)} must be two non-negative integers`);
  }
  const [b, e] = offsets as [number, number];
  if (e < b) throw bad(`data_offsets [${b}, ${e}] end before they begin`);
  if (e > dataLen) throw bad(`data_offsets [${b}, ${e}] point past the end of the file (data section is ${dataLen} bytes; the file is truncated)`);
  const elements = (shape as number[]).reduce((a, d) => a * d, 1);
  const expected = elements * DTYPE_BYTES[dtype];
  if (expected !== e - b) throw bad(`shape ${JSON.stringify(shape)} of ${dtype} needs ${expected} bytes but data_offsets span ${e - b}`);
  return { name, dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + e, file };
}

function checkOverlaps(file: string, entries: TensorEntry[]): void {
  const sorted = entries.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end) {
      throw new UserError(`${file}: tensors "${sorted[i - 1].name}" and "${sorted[i].name}" have overlapping data_offsets; the file is corrupt.`, file);
    }
  }
}

/** Reads one tensor and converts it to float32 (F32, F16, BF16 and F64 are accepted). */
export function readTensorAsFloat32(entry: TensorEntry): Float32Array {
  const n = entry.end - entry.begin;
  const buf = Buffer.alloc(n);
  const fd = fs.openSync(entry.file, 'r');
  try {
    let read = 0;
    while (read < n) {
      const got = fs.readSync(fd, buf, read, n - read, entry.begin + read);
      if (got === 0) throw new UserError(`${entry.file}: tensor "${entry.name}" is truncated (file changed while reading?).`, entry.file);
      read += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return toFloat32(buf, entry);
}

function toFloat32(buf: Buffer, entry: TensorEntry): Float32Array {
  const count = entry.shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(count);
  switch (entry.dtype) {
    case 'F32':
      // Little-endian hosts only (x64/arm64): a straight byte copy.
      Buffer.from(out.buffer).set(buf);
      return out;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = buf.readDoubleLE(i * 8);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(buf.readUInt16LE(i * 2));
      return out;
    case 'BF16': {
      // bfloat16 is the upper half of a float32.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = buf.readUInt16LE(i * 2) << 16;
      return out;
    }
    default:
      throw new UserError(
        `${entry.file}: tensor "${entry.name}" has dtype ${entry.dtype}; only F32, F16, BF16 and F64 weights are supported (quantized checkpoints are not).`,
        entry.file,
      );
  }
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Writes a float32 safetensors file (used for tests and benchmarks that need a checkpoint). */
export function encodeSafetensors(tensors: Map<string, { shape: number[]; data: Float32Array }>, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  const width = dtype === 'F32' ? 4 : 2;
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * width;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBuf = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBuf.length + offset);
  out.writeBigUInt64LE(BigInt(headerBuf.length), 0);
  headerBuf.copy(out, 8);
  let pos = 8 + headerBuf.length;
  for (const t of tensors.values()) {
    if (dtype === 'F32') {
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
      pos += t.data.byteLength;
    } else {
      for (let i = 0; i < t.data.length; i++, pos += 2) {
        out.writeUInt16LE(dtype === 'F16' ? floatToHalf(t.data[i]) : floatToBf16(t.data[i]), pos);
      }
    }
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function floatToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  // Round to nearest even on the dropped 16 bits.
  return ((bits + 0x7fff + ((bits >> 16) & 1)) >>> 16) & 0xffff;
}

function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  return sign | (exp << 10) | ((mant + 0x1000) >> 13);
}
