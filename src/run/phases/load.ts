/** Phase `load`: the checkpoint, the data sets and the MAC model the search counts with. */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../errors';
import { Dataset, openDataset } from '../../data/dataset';
import { chooseExamples, SampleOptions, SampleRecord } from '../../data/sample';
import { loadModel } from '../../model';
import { countParameters } from '../../model/params';
import type { LoadedModel, ModelSpec } from '../../model/spec';
import { defaultTrajectory, Trajectory } from '../../onnx/encoder';
import type { LossOptions } from '../../onnx/segments';
import { encoderMacs, MacModel, macModel } from '../../optin/search';
import { repairCheck, repairCheckSet } from '../../optin/repairCheck';
import { scheduleOf, scheduleProblem } from '../../optin/tokenSchedule';
import { firstPath, type RunContext } from '../runContext';

export interface Loaded {
  model: LoadedModel;
  /** Loss options with the trajectory feature resolved for this model family. */
  loss: LossOptions;
  calib: Dataset;
  evalDs: Dataset;
  macs: MacModel;
  fullMacs: number;
  /** The calibration examples scored, and the examples of the latency batch. */
  calibSample: SampleRecord;
  timerSample: SampleRecord;
  /**
   * The unpruned model's outputs on up to 64 calibration examples outside the sample, computed
   * on first use and shared: repair's check and the token-split choice both measure against it.
   */
  heldOutCheck(): Promise<HeldOutCheck>;
}

export type HeldOutCheck = Awaited<ReturnType<typeof repairCheck>>;

export function sum(a: number[]): number {
  return a.reduce((x, y) => x + y, 0);
}

function modelFileBytes(dir: string): number {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
}

export async function loadPhase(ctx: RunContext): Promise<Loaded> {
  const { job, report } = ctx;
  ctx.phase('load');
  const model = loadModel(job.modelPath);
  const { spec } = model;
  report.model = {
    dir: spec.dir, family: spec.family, modelType: spec.modelType, architecture: spec.architecture, layers: spec.numLayers, heads: spec.numHeads,
    hidden: spec.hiddenSize, intermediate: spec.intermediateSize, labels: spec.labels, parameters: countParameters(model), fileBytes: modelFileBytes(spec.dir),
  };
  if (job.tokens) checkTokenConfig(spec, job.tokens.schedule);
  // Post-LN families have no layernorm_before: their trajectory feature is always output.dense.
  const trajectory: Trajectory = spec.normPlacement === 'post' ? 'output_dense' : job.loss.trajectory ?? defaultTrajectory(spec);
  const loss: LossOptions = { ...job.loss, trajectory };
  const dataOpts = { fields: job.fields, maxSeqLength: job.maxSeqLength };
  const calib = await openDataset(job.calibrationData, spec, { ...dataOpts, name: job.hub?.calibration ? `${job.hub.dataset!.label} ${job.hub.dataset!.calibrationSplit}` : undefined });
  if (job.calibrationSize > calib.size) {
    throw new UserError(`calibration_size ${job.calibrationSize} is larger than ${job.hub?.calibration ? `${job.hub.dataset!.label} ${job.hub.dataset!.calibrationSplit}` : firstPath(job.calibrationData)}, which has ${calib.size} examples; lower calibration_size or add data.`);
  }
  const sampling: SampleOptions = { sampling: job.calibrationSampling, seed: job.seed, classLabels: spec.problemType !== 'regression' };
  const calibSample = chooseExamples(calib, job.calibrationSize, sampling, spec.labels);
  if (job.method === 'optin') {
    report.data.calibration.sample = calibSample;
    ctx.log(`calibration sample (${calibSample.sampling}${calibSample.stratified ? ', stratified by label' : ''}): ${calibSample.examples} of ${calib.size} examples${calibSample.classes ? `, per class ${JSON.stringify(calibSample.classes)}` : ''}`);
  }
  const evalDs = await openDataset(job.evalData, spec, { ...dataOpts, requireLabels: true, name: job.hub?.eval ? `${job.hub.dataset!.label} ${job.hub.dataset!.evalSplit}` : undefined });
  const mapping = [...new Set([calib.labelNote, evalDs.labelNote].filter((n): n is string => !!n))];
  if (mapping.length) {
    report.data.labelMapping = mapping;
    for (const m of mapping) ctx.log(`labels: ${m}`);
  }
  const timerSample = chooseExamples(evalDs, Math.min(job.timerBatchSize, evalDs.size), sampling, spec.labels);
  report.data.eval = { path: firstPath(job.evalData), ...(typeof job.evalData !== 'string' && job.evalData.length > 1 && { files: job.evalData }), examples: evalDs.size, meanSequenceLength: evalDs.meanSequenceLength, latencySample: timerSample, maxSeqLength: job.maxSeqLength, fields: job.fields };
  const macs = macModel(spec, evalDs.meanSequenceLength);
  const fullMacs = encoderMacs({ heads: sum(spec.headsPerLayer), neurons: sum(spec.neuronsPerLayer) }, macs);
  report.macModel = {
    ...macs, encoderMacs: fullMacs,
    note: spec.modality === 'text'
      ? 's = mean number of real (non-padding) tokens per eval example, [CLS] and [SEP] included'
      : 's = patches + prefix tokens ([CLS], and the distillation token for DeiT)',
  };
  ctx.endPhase();
  let check: Promise<HeldOutCheck> | undefined;
  const heldOutCheck = () => (check ??= repairCheck(model, calib, repairCheckSet(calib.size, calibSample.indices, job.seed), { device: job.device, threads: job.threads }));
  return { model, loss, calib, evalDs, macs, fullMacs, calibSample, timerSample, heldOutCheck };
}

/** `token_reduction: merge` needs a vision model, and a given `token_schedule` must fit it. */
function checkTokenConfig(spec: ModelSpec, schedule: 'auto' | number | number[]): void {
  if (!spec.image) {
    throw new UserError(`token_reduction: merge merges image patch tokens, so it works only for ViT/DeiT models; ${spec.dir} is a ${spec.family} (${spec.architecture}) model. Set token_reduction: none or delete it.`);
  }
  if (schedule === 'auto') return;
  const list = scheduleOf(spec, schedule);
  const problem = scheduleProblem(spec, list);
  if (problem) throw new UserError(`token_schedule [${list.join(', ')}] does not fit ${spec.dir} (${spec.image.numPatches} patch tokens, ${spec.numLayers} layers): ${problem}. Write one r per layer, each at most half the patch tokens left, or auto.`);
}
