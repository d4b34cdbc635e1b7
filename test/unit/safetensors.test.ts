import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { encodeSafetensors, halfToFloat, readSafetensorsHeader, readTensorAsFloat32 } from '../../src/model/safetensors';
import { tmpDir } from '../helpers/tmp';

const dir = tmpDir();

function writeRaw(name: string, header: unknown, data: Buffer = Buffer.alloc(0), lengthOverride?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
  return file;
}

test('round-trips float32, float16 and bfloat16 tensors', () => {
  const data = Float32Array.from([0, 1, -2.5, 3.140625, 65504, 1e-3]);
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    const file = path.join(dir, `rt-${dtype}.safetensors`);
    fs.writeFileSync(file, encodeSafetensors(new Map([['w', { shape: [2, 3], data }]]), dtype));
    const entry = readSafetensorsHeader(file).get('w')!;
    assert.equal(entry.dtype, dtype);
    assert.deepEqual(entry.shape, [2, 3]);
    const back = readTensorAsFloat32(entry);
    const tol = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 1e-2;
    back.forEach((v, i) => assert.ok(Math.abs(v - data[i]) <= tol * Math.max(1, Math.abs(data[i])), `${dtype}[${i}] ${v} vs ${data[i]}`));
  }
});

test('halfToFloat decodes subnormals, infinities and NaN', () => {
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0x3c00), 1);
});

const cases: Array<[string, () => string, RegExp]> = [
  ['a file shorter than the length field', () => { const f = path.join(dir, 'short.safetensors'); fs.writeFileSync(f, Buffer.from([1, 2, 3])); return f; }, /truncated safetensors file \(3 bytes/],
  ['a header length of 2^63', () => writeRaw('huge.safetensors', {}, Buffer.alloc(0), 2n ** 63n), /header length 9223372036854775808 exceeds/],
  ['a header longer than the file', () => writeRaw('long.safetensors', '{}', Buffer.alloc(0), 1000n), /header says 1000 bytes but the file has only 2/],
  ['a header that is not JSON', () => writeRaw('badjson.safetensors', '{"a": ', Buffer.alloc(0)), /header is not valid JSON/],
  ['a header that is a JSON array', () => writeRaw('array.safetensors', '[1,2]'), /must be a JSON object/],
  ['an unknown dtype', () => writeRaw('dtype.safetensors', { w: { dtype: 'F12', shape: [1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /tensor "w": unknown dtype "F12"/],
  ['offsets past the end (truncated data)', () => writeRaw('trunc.safetensors', { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8)), /point past the end of the file.*truncated/],
  ['offsets that disagree with the shape', () => writeRaw('shape.safetensors', { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /needs 12 bytes but data_offsets span 8/],
  ['overlapping tensors', () => writeRaw('overlap.safetensors', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, Buffer.alloc(12)), /"a" and "b" have overlapping data_offsets/],
  ['negative shape', () => writeRaw('neg.safetensors', { w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Buffer.alloc(4)), /shape \[-1\] is not a list of non-negative integers/],
  ['end before begin', () => writeRaw('rev.safetensors', { w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, Buffer.alloc(4)), /end before they begin/],
];

for (const [what, make, message] of cases) {
  test(`rejects ${what} with a message naming the file`, () => {
    const file = make();
    assert.throws(() => readSafetensorsHeader(file), (e: Error) => {
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(file), `message should start with the file name: ${e.message}`);
      return true;
    });
  });
}

test('refuses to convert integer weights', () => {
  const file = writeRaw('int.safetensors', { w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8));
  assert.throws(() => readTensorAsFloat32(readSafetensorsHeader(file).get('w')!), /dtype I64; only F32, F16, BF16 and F64/);
});
