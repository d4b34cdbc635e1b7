/**
 * Every config key, in one table: its type, default, allowed values, documentation (for
 * hovers and docs/config.md) and where it comes from. The TypeScript types, the JSON Schema
 * and the validator are all derived from this table; adding a key is one entry here.
 */

export type KeyType =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'string'
  | 'enum'
  /** A file or folder, relative to the config file's folder. */
  | 'path'
  | 'string-list'
  | 'enum-list'
  /** One number, or a non-empty list of them (a budget sweep). */
  | 'number-or-list'
  /** `auto`, one integer (every layer), or a list of integers (one per layer). */
  | 'auto-or-counts';

/** `original`: a key of the released OPTIN configs, same meaning; `optin-vscode`: ours. */
export type Origin = 'original' | 'optin-vscode';

/** What a path key must point at; checked on disk by checkPaths. */
export type PathKind = 'checkpoint' | 'data' | 'output';

export interface KeySpec {
  readonly type: KeyType;
  /** One or two sentences in the paper's terms; shown on hover. */
  readonly doc: string;
  readonly origin: Origin;
  /** false: accepted so the released configs load, but it has no effect here (`notActed` says why). */
  readonly acted: boolean;
  readonly notActed?: string;
  /** Setting a not-acted-on key to this value is a warning rather than information. */
  readonly warnIfSetTo?: boolean | number | string;
  readonly default?: number | boolean | string | readonly string[];
  /** A default computed from other keys (DERIVED_DEFAULTS), described for the docs. */
  readonly derivedDefault?: string;
  /** Docs for keys without a default: what happens when the key is absent. */
  readonly whenAbsent?: string;
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  /** Allowed values of `enum` and `enum-list` keys. */
  readonly values?: readonly string[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pathKind?: PathKind;
  /** Paths a run cannot start without (missing: information when linting, an error when running). */
  readonly requiredToRun?: boolean;
  /** The released-config key that names what this path replaces (model_name -> model_path). */
  readonly replaces?: string;
  /** Only meaningful for text models (warned about with task_name: vision or an image model). */
  readonly textOnly?: boolean;
  /** Only possible for vision models: a value other than the default is an error for text models. */
  readonly visionOnly?: boolean;
  /** Other names people use for it, for "did you mean" beyond edit distance. */
  readonly aliases?: readonly string[];
}

/** Keeps the literal types of the table (the `const` type parameter) so types can be derived from it. */
function defineKeys<const T extends Record<string, KeySpec>>(keys: T): T {
  return keys;
}

const FRACTION = { min: 0, max: 1 } as const;

export const KEYS = defineKeys({
  // ---- keys of the released OPTIN configs ----
  task_name: {
    type: 'enum', values: ['language', 'vision'], origin: 'original', acted: true,
    whenAbsent: 'taken from the checkpoint: language for bert, roberta, xlm-roberta, camembert, distilbert, electra, deberta-v2 and modernbert, vision for vit and deit',
    doc: 'Modality of the task: `language` (text classification: BERT, RoBERTa, XLM-RoBERTa, CamemBERT, DistilBERT, ELECTRA, DeBERTa-v2/v3, ModernBERT) or `vision` (ViT/DeiT image classification). Checked against the model_type of `model_path`.',
  },
  dataset: {
    type: 'string', origin: 'original', acted: true, aliases: ['dataset_name', 'task'],
    whenAbsent: 'data are read from `calibration_data` and `eval_data`',
    doc: 'The dataset by name: a GLUE task as the released configs write it (`mnli`, `mnli-mm`, `qqp`, `qnli`, `sst2`, `stsb`, `mrpc`, `cola`, `rte`), `cifar10`, or any Hub dataset id with Parquet files (`org/name`). Calibration uses its train split, evaluation its validation split (`validation_matched` for MNLI, `test` for CIFAR-10); read from the Hugging Face cache, else downloaded into it. `calibration_data` / `eval_data`, when set, win.',
  },
  batch_size: {
    type: 'integer', min: 1, default: 128, origin: 'original', acted: true,
    doc: 'Examples per forward pass when scoring heads and neurons and when evaluating. The released code scores every unit on one calibration batch of this size; `calibration_size` (default: this value) sets how many calibration examples are scored in all.',
  },
  model_name: {
    type: 'string', origin: 'original', acted: true, aliases: ['model_id', 'hub_model', 'pretrained_model_name_or_path'],
    whenAbsent: 'the model is read from `model_path`',
    doc: 'Hugging Face model id of the fine-tuned checkpoint to prune (e.g. `textattack/bert-base-uncased-MNLI`), read from the Hugging Face cache (HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub), else downloaded into it (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE are honoured). A base model such as `bert-base-uncased` has no trained classifier: name its fine-tuned version. `model_path`, when set, wins.',
  },
  loss_type: {
    type: 'enum', values: ['MMD', 'KL', 'MMD+KL'], default: 'MMD+KL', origin: 'original', acted: true,
    doc: "Losses that measure a unit's importance when it is masked: `MMD` = manifold distillation L_MD between the trajectory features of the later layers, `KL` = knowledge distillation L_KD on the logits, `MMD+KL` = the paper's I(i,j) = Σ L_MD + λ·L_KD.",
  },
  lambda_contribution: {
    type: 'number', min: 0, exclusiveMin: true, default: 10, origin: 'original', acted: true, aliases: ['lambda', 'lambda_c'],
    doc: 'λ, the weight of the KD term against the manifold term: I = Σ L_MD + λ·L_KD. With `compat: reference` the KD term is instead rescaled by a power of ten to about 1/λ of the MD term, as the released code does (the paper writes λ_c = 0.1).',
  },
  mac_constraint: {
    type: 'number-or-list', ...FRACTION, exclusiveMin: true, default: 0.6, origin: 'original', acted: true,
    aliases: ['budget', 'flops', 'flop_budget', 'mac_budget', 'macs'],
    doc: "FLOP budget: the fraction of the encoder's MACs to keep (embeddings and classifier excluded); 0.6 keeps 60%. A list such as [0.4, 0.5, 0.6] is a budget sweep that reuses one set of rankings.",
  },
  fine_tune: {
    type: 'boolean', default: false, origin: 'original', acted: false, warnIfSetTo: true,
    notActed: 'OPTIN prunes in one shot and this tool never retrains; the pruned model is exported as is',
    doc: 'Whether the released code fine-tunes after pruning. OPTIN is one-shot: nothing is retrained here.',
  },
  seed: {
    type: 'integer', min: 0, default: 0, origin: 'original', acted: true, aliases: ['random_seed'],
    doc: 'Seed for the calibration sample (`calibration_sampling: random`), for the fixed subset of K calibration tokens used by L_MD (one subset per run) and for the `random` baseline.',
  },
  logging: {
    type: 'boolean', default: false, origin: 'original', acted: false,
    notActed: 'every run writes log.txt and report.json',
    doc: 'Experiment-logging switch of the released code.',
  },
  timer_batch_size: {
    type: 'integer', min: 1, default: 32, origin: 'original', acted: true,
    doc: 'Batch size of the latency benchmark that times the unpruned and the pruned model.',
  },
  embedding_choice: {
    type: 'enum', values: ['auto', 'layernorm_before', 'output_dense'], default: 'auto', origin: 'original', acted: true,
    doc: "Trajectory feature F_z compared by L_MD: `layernorm_before` = the output of the layer's layernorm_before (pre-LN models: ViT/DeiT, ModernBERT's attn_norm); `output_dense` = the output of the layer's second FFN linear, before dropout, residual and LayerNorm (BERT). `auto` picks by model family: `output_dense` for post-LN text families (BERT, RoBERTa, XLM-R, CamemBERT, DistilBERT, ELECTRA, DeBERTa-v2), `layernorm_before` for pre-LN ones. Post-LN layers have no layernorm_before, so there `layernorm_before` (the released BERT config's value) means `output_dense`.",
  },
  temp: {
    type: 'number', min: 0, exclusiveMin: true, default: 4, origin: 'original', acted: true, aliases: ['temperature', 't'],
    doc: 'Temperature T of the KD term: KL(teacher ‖ student) × T². See `kd_divide_logits_by_temp`.',
  },
  aggregate: {
    type: 'enum', values: ['sum', 'mean'], default: 'sum', origin: 'original', acted: true,
    doc: 'How L_MD reduces the squared differences of the teacher and student K×K Gram matrices: `sum` or `mean`.',
  },
  head_include_fin_layer_mmd: {
    type: 'boolean', default: true, origin: 'original', acted: true,
    doc: "Heads of the last layer have no later layers: score them with L_MD on that layer's own trajectory feature.",
  },
  head_fin_decay_bool: {
    type: 'boolean', default: true, origin: 'original', acted: true,
    doc: 'Multiply the importance of last-layer heads by `head_fin_decay_val`.',
  },
  head_fin_decay_val: {
    type: 'number', ...FRACTION, default: 0.5, origin: 'original', acted: true,
    doc: 'Multiplier for the importance of last-layer heads, used when `head_fin_decay_bool` is true.',
  },
  neuron_include_fin_layer_mmd: {
    type: 'boolean', default: true, origin: 'original', acted: true,
    doc: "FFN neurons of the last layer have no later layers: score them with L_MD on that layer's own trajectory feature.",
  },
  neuron_fin_decay_bool: {
    type: 'boolean', default: true, origin: 'original', acted: true,
    doc: 'Multiply the importance of last-layer neurons by `neuron_fin_decay_val`.',
  },
  neuron_fin_decay_val: {
    type: 'number', ...FRACTION, default: 0.5, origin: 'original', acted: true,
    doc: 'Multiplier for the importance of last-layer neurons, used when `neuron_fin_decay_bool` is true.',
  },
  head_metric_decay: {
    type: 'number', ...FRACTION, default: 1, origin: 'original', acted: true,
    doc: "Multiplier on every head's importance; it sets how much heads weigh against neurons when the mask search sums importances under the budget: lower values keep fewer heads and more neurons at the same MACs. Default 1 here (the released configs set 0.5, which they still get): on the trained fixtures 1 kept 1–2 more heads at budgets 0.3–0.5 and was as good or better (bert-spam3 at 0.3: 91.1% vs 89.3%; 0.25 was worse everywhere); see BENCHMARKS.md.",
  },
  neuron_metric_decay: {
    type: 'number', ...FRACTION, default: 1, origin: 'original', acted: true,
    doc: "Multiplier on every neuron's importance; see `head_metric_decay`.",
  },
  distill_token: {
    type: 'boolean', default: false, origin: 'original', acted: false,
    notActed: "the tokens in front of the patches (DeiT's class and distillation tokens) are read from the checkpoint",
    doc: "DeiT distillation-token switch of the released code.",
  },

  // ---- keys of OPTIN for VS Code (paths are relative to the config file) ----
  model_path: {
    type: 'path', pathKind: 'checkpoint', requiredToRun: true, replaces: 'model_name', origin: 'optin-vscode', acted: true,
    aliases: ['model_dir', 'checkpoint', 'model', 'checkpoint_dir'],
    doc: 'The fine-tuned Hugging Face checkpoint folder: config.json + model.safetensors (or model.safetensors.index.json), and tokenizer files for text models; model_type bert, roberta, xlm-roberta, camembert, distilbert, electra, deberta-v2, modernbert, vit or deit. Not needed when `model_name` names the checkpoint on the Hub.',
  },
  model_revision: {
    type: 'string', default: 'main', origin: 'optin-vscode', acted: true, aliases: ['revision'],
    doc: 'Branch, tag or commit of `model_name` on the Hub. A commit is read from the cache with no network at all.',
  },
  dataset_config: {
    type: 'string', origin: 'optin-vscode', acted: true, aliases: ['dataset_subset', 'subset'],
    whenAbsent: "the task's subset for known names; for other Hub ids, the files in `data/` or at the repo's root",
    doc: 'Subset (configuration) of `dataset`: the folder of its Parquet files in the Hub repo, e.g. `mnli` in `nyu-mll/glue`.',
  },
  dataset_revision: {
    type: 'string', default: 'main', origin: 'optin-vscode', acted: true,
    doc: 'Branch, tag or commit of the `dataset` repo on the Hub (e.g. `refs/convert/parquet` for the Hub\'s Parquet conversion).',
  },
  calibration_split: {
    type: 'string', origin: 'optin-vscode', acted: true,
    whenAbsent: '`train`',
    doc: 'Split of `dataset` whose examples score the heads and neurons.',
  },
  eval_split: {
    type: 'string', origin: 'optin-vscode', acted: true,
    whenAbsent: '`validation` (`validation_matched` for MNLI, `test` for CIFAR-10)',
    doc: 'Labelled split of `dataset` the unpruned and pruned models are evaluated on.',
  },
  calibration_data: {
    type: 'path', pathKind: 'data', requiredToRun: true, replaces: 'dataset', origin: 'optin-vscode', acted: true,
    aliases: ['calib_data', 'calibration', 'train_data', 'calibration_file'],
    doc: 'Calibration examples whose forward passes score every head and neuron (labels not needed): a .tsv (GLUE style), .csv, .jsonl or .parquet file for text models, an ImageFolder directory (`<dir>/<class>/<image>`) or a Parquet file with an Image column for vision models. Not needed when `dataset` names the data.',
  },
  eval_data: {
    type: 'path', pathKind: 'data', requiredToRun: true, replaces: 'dataset', origin: 'optin-vscode', acted: true,
    aliases: ['eval', 'evaluation_data', 'validation_data', 'dev_data', 'test_data', 'eval_file'],
    doc: 'Labelled evaluation data, same formats as `calibration_data`: the task metric of the unpruned and the pruned model. Not needed when `dataset` names the data.',
  },
  output_dir: {
    type: 'path', pathKind: 'output', default: '.optin/runs', origin: 'optin-vscode', acted: true, aliases: ['output', 'out_dir', 'run_dir'],
    doc: 'Folder that receives one `<run id>/` per run: config.yaml, rankings.json, masks.json, pruned.onnx, report.json, log.txt.',
  },
  device: {
    type: 'enum', values: ['auto', 'cpu', 'webgpu', 'cuda'], default: 'auto', origin: 'optin-vscode', acted: true, aliases: ['execution_provider', 'provider'],
    doc: 'ONNX Runtime execution provider. `auto` tries CUDA, then WebGPU, then the CPU, and the run reports which one it used and why others were skipped.',
  },
  threads: {
    type: 'integer', min: 0, default: 0, origin: 'optin-vscode', acted: true, aliases: ['num_threads', 'intra_op_threads'],
    doc: "CPU intra-op threads of ONNX Runtime; 0 lets ONNX Runtime choose.",
  },
  method: {
    type: 'enum', values: ['optin', 'magnitude', 'random'], default: 'optin', origin: 'optin-vscode', acted: true,
    doc: 'How heads and neurons are ranked before the mask search: `optin` (distillation losses of each masked unit), `magnitude` (weight norms) or `random` (seeded).',
  },
  repair: {
    type: 'enum', values: ['none', 'least_squares'], default: 'least_squares', origin: 'optin-vscode', acted: true, aliases: ['reconstruction', 'mask_tuning'],
    doc: 'Default `least_squares`. It re-fits the kept units after the mask search, without retraining (layer-wise reconstruction, Kwon et al. 2022): layer by layer, in order, the output projection over the kept heads (`attention.output.dense`) and then over the kept neurons (`output.dense`) is re-solved by damped least squares (`repair_fit`), with a shift of its bias, so that the pruned layer reproduces the unpruned layer\'s residual sums on the real calibration tokens, given the already-repaired earlier layers (the last layer: on the tokens the classifier reads). The exported model keeps the pruned shape, size and speed. Each budget\'s repair is kept only if it brings the predictions closer to the unpruned model\'s on up to 64 calibration examples outside the sample; otherwise the plain pruned model is exported (report `budgets[].repair.check`). Costs three one-layer graphs per layer and budget plus a K×K Cholesky solve (K = kept inputs of the projection), and two forward passes of the check examples per budget; the report keeps the unrepaired metric of the same mask (BENCHMARKS.md: accuracy and cost).',
  },
  repair_fit: {
    type: 'enum', values: ['weights', 'scales'], default: 'weights', origin: 'optin-vscode', acted: true,
    doc: 'What `repair: least_squares` fits. `weights` (default): each output projection\'s whole matrix over the kept units, ridge-damped towards the pruned weights (0.01 of each input\'s energy), so the kept units can also stand in for the pruned ones\' directions. `scales`: one scale per kept head or neuron (clipped to [0, 2]), Kwon et al.\'s mask tuning; fewer parameters, less gain. A block with fewer fitted tokens than its projection has inputs (the last layer, fitted on [CLS] alone; a small sample at BERT-base size) gets scales even with `weights`: the data cannot determine a whole map there. Both shift the bias and fold into the same weights. Measured in BENCHMARKS.md (Quality): `weights` recovers most of what pruning costs on the text fixtures, where `scales` recovers a fifth at budget 0.4.',
  },
  compat: {
    type: 'enum', values: ['none', 'reference'], default: 'none', origin: 'optin-vscode', acted: true,
    doc: "`reference` reproduces the released code's defects, for comparison with published numbers: index-based score weights (head 0 ×10 … last head ×1, neuron 0 ×100 … ×1), and the KD term rescaled by a power of ten per unit with logits not divided by T. (The released code's third defect, a head mask never reset between layers, is not reproduced: scores always start from the unpruned model.)",
  },
  kd_divide_logits_by_temp: {
    type: 'boolean', default: true, derivedDefault: 'true; false with `compat: reference`', origin: 'optin-vscode', acted: true,
    doc: 'Divide the logits by T before the softmax of L_KD, as standard distillation does. The released code does not (it applies T only as the T² factor).',
  },
  mmd_tokens: {
    type: 'integer', min: 1, default: 768, origin: 'optin-vscode', acted: true, aliases: ['k', 'mmd_k', 'num_tokens'],
    doc: 'K: token rows (one fixed, seeded subset of real, non-padding tokens per run) from which L_MD forms the K×K Gram matrices; all tokens when there are fewer.',
  },
  calibration_size: {
    type: 'integer', min: 1, derivedDefault: '`batch_size`', origin: 'optin-vscode', acted: true, aliases: ['num_calibration', 'calibration_examples'],
    doc: 'Number of calibration examples scored, chosen from `calibration_data` as `calibration_sampling` says.',
  },
  calibration_sampling: {
    type: 'enum', values: ['random', 'first'], default: 'random', origin: 'optin-vscode', acted: true, aliases: ['calibration_order', 'sampling'],
    doc: "How the `calibration_size` calibration examples (and the `timer_batch_size` examples of the latency benchmark) are chosen: `random` = a sample seeded by `seed`, stratified by label where the data has class labels (each class in proportion, at least one of each while the size allows), drawn from the whole of the data; `first` = the first examples in file order (an ImageFolder is read class by class, so these may all be one class), only to reproduce earlier runs.",
  },
  text_fields: {
    type: 'string-list', minItems: 1, maxItems: 2, textOnly: true, origin: 'optin-vscode', acted: true, aliases: ['text_field', 'text_columns', 'text_column'],
    whenAbsent: 'detected from GLUE/Hugging Face column names (sentence, sentence1/sentence2, premise/hypothesis, ...)',
    doc: 'Text column(s) of the data files: one (single sentence) or two (sentence pair).',
  },
  label_field: {
    type: 'string', textOnly: true, origin: 'optin-vscode', acted: true, aliases: ['label_column', 'label'],
    whenAbsent: 'detected (label, labels, gold_label, target, class)',
    doc: 'Label column of the text data files (image labels are the ImageFolder class folders).',
  },
  max_seq_length: {
    type: 'integer', min: 1, textOnly: true, origin: 'optin-vscode', acted: true, aliases: ['max_length', 'seq_len', 'max_len', 'sequence_length'],
    whenAbsent: "the tokenizer's model_max_length, at most the model's max_position_embeddings",
    doc: 'Truncate text to this many tokens.',
  },
  metric: {
    type: 'enum', values: ['accuracy', 'f1', 'matthews', 'pearson', 'spearman'], origin: 'optin-vscode', acted: true,
    whenAbsent: 'accuracy (pearson for regression models)',
    doc: 'Task metric reported for the unpruned and the pruned model, as GLUE reports it.',
  },
  latency_runs: {
    type: 'integer', min: 1, default: 20, origin: 'optin-vscode', acted: true,
    doc: 'Timed forward passes per model in the latency benchmark, after a warm-up.',
  },
  memory_limit_mb: {
    type: 'integer', min: 256, origin: 'optin-vscode', acted: true, aliases: ['memory_limit', 'max_memory_mb'],
    whenAbsent: "80% of the machine's memory",
    doc: 'Memory a run may use, in MiB. A calibration batch whose estimated activations (cached layer inputs and features, one candidate batch, the weights) exceed it is refused before any work, with the estimate; candidates per ONNX Runtime call are sized to fit in it.',
  },
  scoring: {
    type: 'enum', values: ['auto', 'exact', 'fast'], default: 'auto', origin: 'optin-vscode', acted: true, aliases: ['scoring_mode'],
    doc: "How OPTIN scores are computed. `exact`: every head and neuron by leave-one-out (the paper's definition). `fast`: heads and the last layer's neurons exactly; the other neurons estimated (`fast_estimator`), then scored exactly near each budget's cut-off (for at most `scoring_time_limit` minutes), with a self-check (Spearman of fast vs exact scores on a random sample) in the report. `auto`: exact when a short timing probe projects it under `scoring_time_limit` minutes, else fast; the report says which and why.",
  },
  scoring_time_limit: {
    type: 'number', min: 0, default: 10, origin: 'optin-vscode', acted: true, aliases: ['exact_time_limit'],
    doc: "Minutes of projected exact scoring up to which `scoring: auto` scores exactly; also the most time `scoring: fast` spends re-scoring neurons exactly near the budgets' cut-offs (which also stops at a quarter of the time its other stages took, at least 60 s).",
  },
  fast_estimator: {
    type: 'enum', values: ['linear', 'subset'], default: 'linear', origin: 'optin-vscode', acted: true,
    doc: "How `scoring: fast` estimates neuron scores before re-scoring those near the cut-offs exactly. `linear`: the second-order (linear-response) expansion of each neuron's losses on the whole calibration batch, from backward sweeps through the encoder: L_KD exact to that order, L_MD from `fast_probes` random probes; a few backward passes per probe instead of one forward per neuron. `subset`: exact losses on `fast_calibration_size` examples, rescaled (slower on large models, noisier on small ones). DeBERTa-v2 and ModernBERT always use `subset` (the backward sweeps do not cover their position-dependent attention).",
  },
  fast_probes: {
    type: 'integer', min: 1, default: 32, origin: 'optin-vscode', acted: true, aliases: ['probes'],
    doc: "Random probes of `fast_estimator: linear` for L_MD: its relative noise per neuron is about √(2/probes) (25% at 32; the ranking is far better than that, as most neurons' scores differ by more), and each probe costs about one backward pass through the encoder.",
  },
  fast_calibration_size: {
    type: 'integer', min: 1, origin: 'optin-vscode', acted: true, aliases: ['proxy_examples'],
    whenAbsent: 'an eighth of `calibration_size`, at least 8',
    doc: "Calibration examples (seeded, spread over the labels) on which `fast_estimator: subset` computes every neuron's proxy score.",
  },
  fast_check_units: {
    type: 'integer', min: 1, origin: 'optin-vscode', acted: true,
    default: 32,
    doc: 'Neurons `scoring: fast` re-scores exactly at random (spread over the layers) to measure how well its fast scores agree with exact ones. Each costs one exact score (on BERT-base about 5 s on 2 CPU cores), so the default stays at 32 whatever the model size.',
  },
  token_reduction: {
    type: 'enum', values: ['none', 'merge'], default: 'none', visionOnly: true, origin: 'optin-vscode', acted: true, aliases: ['token_merging', 'tome', 'token_merge'],
    doc: "Vision models only (ViT/DeiT). `merge`: part of each budget's MAC cut goes to tokens instead of heads and neurons. After a layer's attention, the exported model merges its most similar patch tokens (bipartite soft matching on the keys averaged over the kept heads, Bolya et al. 2023), averages them weighted by how many patches each stands for, and adds log(size) to later layers' attention logits; [CLS] and DeiT's distillation token are never merged. Every later layer, attention and FFN, runs on fewer tokens. Heads and neurons are scored without merging (the scores stay reusable across budgets and schedules); the mask search prices each layer's heads and neurons at its token count (`token_schedule`).",
  },
  token_schedule: {
    type: 'auto-or-counts', min: 0, default: 'auto', origin: 'optin-vscode', acted: true, aliases: ['merge_schedule', 'token_merge_schedule', 'r'],
    doc: "With `token_reduction: merge`, how many tokens each layer merges. `auto`: for every budget, five splits of the MAC cut between tokens and heads/neurons (tokens take 0, ¼, ½, ¾ or all of it; each a schedule of about the same r per layer, then its own head/neuron search), and the split whose pruned model is closest to the unpruned model's predictions (KL) on up to 64 calibration examples outside the calibration sample wins (never the eval data); the report lists every split. One number r: the same r in every layer (fewer where fewer than 2r patch tokens are left). A list: r per layer. A layer can merge at most half of the patch tokens entering it.",
  },
  baselines: {
    type: 'enum-list', values: ['magnitude', 'random'], default: [], origin: 'optin-vscode', acted: true, aliases: ['baseline'],
    doc: "Other rankings to compare with `method` at every budget (see `baseline_counts`): `magnitude` (weight norms) and `random` (3 seeds, averaged).",
  },
  baseline_counts: {
    type: 'enum', values: ['global', 'per_layer', 'search'], default: 'global', origin: 'optin-vscode', acted: true,
    doc: "How much each baseline keeps at a budget. `global`: as many heads and neurons as the method's mask, the baseline's top-ranked ones over the whole encoder; `per_layer`: as many heads and neurons in every layer as the method's mask, the baseline's top-ranked ones within the layer. Both spend the same MACs as the method, so only the ranking differs. `search`: the baseline's scores go through the mask search themselves (the old behaviour; random scores then keep about one head at any budget, because the search sums scores and a head costs as much as many neurons).",
  },
});

type Keys = typeof KEYS;
export type ConfigKey = keyof Keys;
export const CONFIG_KEYS = Object.keys(KEYS) as ConfigKey[];

/** The TypeScript type of a valid value of a key, read off its table entry. */
export type ValueOf<S> = S extends { type: 'number' | 'integer' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'string' | 'path' }
      ? string
      : S extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : S extends { type: 'string-list' }
          ? string[]
          : S extends { type: 'enum-list'; values: readonly (infer V)[] }
            ? V[]
            : S extends { type: 'number-or-list' }
              ? number | number[]
              : S extends { type: 'auto-or-counts' }
                ? 'auto' | number | number[]
                : never;

type HasDefault<S> = S extends { default: unknown } ? true : S extends { derivedDefault: string } ? true : false;

/** The values a file sets, each already checked (absent when not set or invalid). */
export type ConfigValues = { -readonly [K in ConfigKey]?: ValueOf<Keys[K]> };

/** The resolved config: defaults applied, paths absolute. Keys without a default may be undefined. */
export type OptinConfig = {
  -readonly [K in ConfigKey]: HasDefault<Keys[K]> extends true ? ValueOf<Keys[K]> : ValueOf<Keys[K]> | undefined;
};

type RequiredToRunKey = { [K in ConfigKey]: Keys[K] extends { requiredToRun: true } ? K : never }[ConfigKey];

/** A config a run can start from: its required paths are set. */
export type RunConfig = OptinConfig & { [K in RequiredToRunKey]: string };

/** Defaults that depend on other keys; each key here has `derivedDefault` describing it. */
export const DERIVED_DEFAULTS: { readonly [K in ConfigKey]?: (set: ConfigValues) => ValueOf<Keys[K]> | undefined } = {
  calibration_size: (set) => set.batch_size ?? KEYS.batch_size.default,
  kd_divide_logits_by_temp: (set) => (set.compat === 'reference' ? false : undefined),
};

export function isConfigKey(name: string): name is ConfigKey {
  return Object.prototype.hasOwnProperty.call(KEYS, name);
}

export function keySpec(key: ConfigKey): KeySpec {
  return KEYS[key];
}

/** "(0, 1]", "≥ 1", "> 0", "[0, 1]" — the allowed interval of a numeric key, or '' when unbounded. */
export function describeInterval(spec: KeySpec): string {
  const { min, max, exclusiveMin } = spec;
  if (min !== undefined && max !== undefined) return `${exclusiveMin ? '(' : '['}${min}, ${max}]`;
  if (min !== undefined) return `${exclusiveMin ? '>' : '≥'} ${min}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}

/** What a value of the key must be, as a phrase: "an integer ≥ 1", "one of sum, mean", ... */
export function describeExpected(spec: KeySpec): string {
  const interval = describeInterval(spec);
  const within = interval.startsWith('(') || interval.startsWith('[') ? ` in ${interval}` : interval ? ` ${interval}` : '';
  switch (spec.type) {
    case 'number':
      return `a number${within}`;
    case 'integer':
      return `an integer${within}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'path':
      return 'a path (relative to the config file)';
    case 'enum':
      return `one of ${(spec.values ?? []).join(', ')}`;
    case 'string-list':
      return `a list of ${itemCount(spec)} strings`;
    case 'enum-list':
      return `a list of values from ${(spec.values ?? []).join(', ')}`;
    case 'number-or-list':
      return `a number${within} or a non-empty list of such numbers`;
    case 'auto-or-counts':
      return `auto, a whole number${within}, or a list of such numbers (one per layer)`;
  }
}

function itemCount(spec: KeySpec): string {
  const { minItems: lo, maxItems: hi } = spec;
  if (lo !== undefined && hi !== undefined) return lo === hi ? `${lo}` : `${lo}–${hi}`;
  if (lo !== undefined) return `at least ${lo}`;
  return hi !== undefined ? `at most ${hi}` : 'any number of';
}

/** The default as a reader should see it in docs and hovers ('' when there is none). */
export function describeDefault(spec: KeySpec): string {
  if (spec.derivedDefault !== undefined) return spec.derivedDefault;
  if (spec.default === undefined) return '';
  return Array.isArray(spec.default) ? `[${spec.default.join(', ')}]` : String(spec.default);
}
