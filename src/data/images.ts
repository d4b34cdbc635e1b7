import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { KernelEnum, Metadata, OutputInfo } from 'sharp';
import { UserError } from '../errors';
import { readJsonObject } from '../model/checkpoint';
import type { ModelSpec } from '../model/spec';
import { IMAGE_EXTENSIONS } from './imageFiles';
import { resolveLabel } from './labels';

/** What HF image processors (ViTImageProcessor, DeiTImageProcessor) do to a picture, as data. */
export interface ImagePreprocessor {
  source: string;
  /** Resize target; `shortestEdge` keeps the aspect ratio (DeiT-style, then center crop). */
  resize?: { height: number; width: number } | { shortestEdge: number };
  centerCrop?: { height: number; width: number };
  rescale: number;
  /** sharp kernel matching the processor's PIL `resample` (2 = bilinear, 3 = bicubic, ...). */
  kernel: keyof KernelEnum;
  mean: number[];
  std: number[];
}


function sizeOf(raw: unknown, file: string, key: string): { height: number; width: number } | { shortestEdge: number } {
  if (typeof raw === 'number') return { height: raw, width: raw };
  if (raw && typeof raw === 'object') {
    const o = raw as Record<string, unknown>;
    if (typeof o.height === 'number' && typeof o.width === 'number') return { height: o.height, width: o.width };
    if (typeof o.shortest_edge === 'number') return { shortestEdge: o.shortest_edge };
  }
  throw new UserError(`${file}: "${key}" must be a number, {"height", "width"} or {"shortest_edge"}; got ${JSON.stringify(raw)}.`, file);
}

function channelsList(raw: unknown, channels: number, fallback: number, file: string, key: string): number[] {
  if (raw === undefined) return new Array(channels).fill(fallback);
  const list = typeof raw === 'number' ? [raw] : raw;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'number')) throw new UserError(`${file}: "${key}" must be a number or a list of numbers.`, file);
  if (list.length === 1) return new Array(channels).fill(list[0]);
  if (list.length !== channels) throw new UserError(`${file}: "${key}" has ${list.length} values but the model takes ${channels} channels.`, file);
  return list as number[];
}

/** Reads preprocessor_config.json; without one, ViTImageProcessor's defaults at the model's size. */
export function readPreprocessor(spec: ModelSpec): ImagePreprocessor {
  const image = spec.image!;
  const file = path.join(spec.dir, 'preprocessor_config.json');
  const c: Record<string, unknown> = fs.existsSync(file) ? readJsonObject(file) : {};
  const source = fs.existsSync(file) ? file : `${file} (missing: ViTImageProcessor defaults)`;
  const [h, w] = image.imageSize;
  const resize = c.do_resize === false ? undefined : c.size !== undefined ? sizeOf(c.size, file, 'size') : { height: h, width: w };
  const centerCrop = c.do_center_crop ? (sizeOf(c.crop_size ?? { height: h, width: w }, file, 'crop_size') as { height: number; width: number }) : undefined;
  if (centerCrop && !('height' in centerCrop)) throw new UserError(`${file}: "crop_size" must give height and width.`, file);
  const rescale = c.do_rescale === false ? 1 : typeof c.rescale_factor === 'number' ? c.rescale_factor : 1 / 255;
  const normalize = c.do_normalize !== false;
  const mean = normalize ? channelsList(c.image_mean, image.numChannels, 0.5, file, 'image_mean') : new Array(image.numChannels).fill(0);
  const std = normalize ? channelsList(c.image_std, image.numChannels, 0.5, file, 'image_std') : new Array(image.numChannels).fill(1);
  const kernels: Record<number, keyof KernelEnum> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic', 4: 'linear', 5: 'cubic' };
  const kernel: keyof KernelEnum = kernels[typeof c.resample === 'number' ? c.resample : 2] ?? 'linear';
  return { source, resize, centerCrop, rescale, kernel, mean, std };
}

export interface ImageItem {
  /** The image file, or for an image held in a Parquet cell, `<file>#<row>` (for messages). */
  file: string;
  label: number;
  /** Encoded image bytes (PNG, JPEG, …) when the image is not a file of its own. */
  bytes?: Uint8Array;
}

/**
 * Lists an ImageFolder split (`<dir>/<class name>/<image>`), in torchvision's order: class
 * folders sorted by name, then files sorted by name. Class folder names map through label2id.
 */
export function listImageFolder(dir: string, spec: ModelSpec): ImageItem[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UserError(`${dir}: not a directory; image data must be an ImageFolder: ${dir}/<class name>/<image>.png.`, dir);
  }
  const classes = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort(byCodePoint);
  if (classes.length === 0) throw new UserError(`${dir}: no class folders; image data must be an ImageFolder: ${dir}/<class name>/<image>.png.`, dir);
  const items: ImageItem[] = [];
  for (const cls of classes) {
    const label = resolveLabel(spec, cls, path.join(dir, cls));
    const files = fs.readdirSync(path.join(dir, cls)).filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).sort(byCodePoint);
    for (const f of files) items.push({ file: path.join(dir, cls, f), label });
  }
  if (items.length === 0) throw new UserError(`${dir}: the class folders hold no images (${[...IMAGE_EXTENSIONS].join(', ')}).`, dir);
  return items;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Decodes one image and returns pixel_values [channels, height, width] as the model expects them. */
export async function loadImage(item: string | ImageItem, pre: ImagePreprocessor, spec: ModelSpec): Promise<Float32Array> {
  const { numChannels, imageSize } = spec.image!;
  const file = typeof item === 'string' ? item : item.file;
  const bytes = typeof item === 'string' ? undefined : item.bytes;
  let img = sharp(bytes ?? file, { failOn: 'error' });
  let meta: Metadata;
  try {
    meta = await img.metadata();
  } catch (e) {
    throw new UserError(`${file}: cannot decode image (${(e as Error).message}).`, file);
  }
  let width = meta.autoOrient?.width ?? meta.width ?? 0;
  let height = meta.autoOrient?.height ?? meta.height ?? 0;
  img = img.autoOrient();
  if (pre.resize) {
    let tw: number, th: number;
    if ('shortestEdge' in pre.resize) {
      const s = pre.resize.shortestEdge / Math.min(width, height);
      tw = Math.round(width * s);
      th = Math.round(height * s);
    } else {
      tw = pre.resize.width;
      th = pre.resize.height;
    }
    // Resampling is skipped when the size already matches, so such inputs are bit-exact.
    if (tw !== width || th !== height) img = img.resize(tw, th, { fit: 'fill', kernel: pre.kernel });
    width = tw;
    height = th;
  }
  if (pre.centerCrop) {
    const { width: cw, height: ch } = pre.centerCrop;
    if (cw > width || ch > height) throw new UserError(`${file}: image is ${width}×${height} after resizing, smaller than the crop ${cw}×${ch}.`, file);
    img = img.extract({ left: Math.floor((width - cw) / 2), top: Math.floor((height - ch) / 2), width: cw, height: ch });
    width = cw;
    height = ch;
  }
  if (width !== imageSize[1] || height !== imageSize[0]) {
    throw new UserError(`${file}: preprocessing (${pre.source}) gives ${width}×${height} pixels but the model takes ${imageSize[1]}×${imageSize[0]}.`, file);
  }
  img = numChannels === 1 ? img.toColourspace('b-w') : img.removeAlpha().toColourspace('srgb');
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await img.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new UserError(`${file}: cannot decode image (${(e as Error).message}).`, file);
  }
  const c = raw.info.channels;
  if (c < numChannels) throw new UserError(`${file}: decoded to ${c} channel(s) but the model takes ${numChannels}.`, file);
  const plane = width * height;
  const out = new Float32Array(numChannels * plane);
  for (let ch = 0; ch < numChannels; ch++) {
    const { rescale } = pre;
    const mean = pre.mean[ch];
    const std = pre.std[ch];
    // Same order of operations as HF: rescale, then (x - mean) / std.
    for (let i = 0; i < plane; i++) out[ch * plane + i] = (raw.data[i * c + ch] * rescale - mean) / std;
  }
  return out;
}
