import * as ort from 'onnxruntime-node';
import type { Feeds } from '../data/dataset';

/** Host tensors -> ONNX Runtime tensors (no copy: ORT wraps the typed arrays). */
export function toOrtFeeds(feeds: Feeds): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    out[name] = t.type === 'int64' ? new ort.Tensor('int64', t.data, t.dims) : new ort.Tensor('float32', t.data, t.dims);
  }
  return out;
}

/** Only the inputs a session declares (a pruned or vision graph takes fewer than the data offers). */
export function pickInputs(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (!(name in feeds)) throw new Error(`model input "${name}" was not fed`);
    out[name] = feeds[name];
  }
  return out;
}
