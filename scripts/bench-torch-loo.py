"""A plain PyTorch leave-one-out OPTIN scoring loop: the reference `npm run bench -- torch-loo`
times our scorers against. For each unit (attention head or FFN neuron), one full forward pass of
the calibration batch with that unit masked, then the same losses as ours: L_MD (squared Gram
differences of the L2-normalised sampled tokens' trajectory feature, output.dense, at every later
layer) and L_KD (T^2 KL of the temperature-scaled class distributions). No savings: this is what
the paper's definition costs when written directly.

  python3 bench-torch-loo.py MODEL_DIR BATCH_JSON UNITS_PER_LAYER THREADS

BATCH_JSON: {"input_ids": [[...]], "attention_mask": [[...]], "token_index": [...]} (token_index
into the flattened batch). Prints one JSON line: seconds per head and per neuron (steady state,
timed on UNITS_PER_LAYER units of each kind in every layer) and the projection to all units.
Uses scripts/fixtures/hf_modules.py (Hugging Face module names and math) and Debian's torch.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hf_modules import BertForSequenceClassification  # noqa: E402
from safetensors_io import load_file  # noqa: E402


def main():
    model_dir, batch_file, per_layer, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    c = json.load(open(os.path.join(model_dir, "config.json")))
    c.setdefault("hidden_dropout_prob", 0.0)
    c.setdefault("attention_probs_dropout_prob", 0.0)
    c.setdefault("initializer_range", 0.02)
    c.setdefault("layer_norm_eps", 1e-12)
    c.setdefault("type_vocab_size", 2)
    model = BertForSequenceClassification(c)
    state = {k: torch.from_numpy(v) if not isinstance(v, torch.Tensor) else v for k, v in load_file(os.path.join(model_dir, "model.safetensors")).items()}
    model.load_state_dict(state, strict=False)
    model.eval()
    batch = json.load(open(batch_file))
    ids = torch.tensor(batch["input_ids"])
    mask = torch.tensor(batch["attention_mask"])
    tokens = torch.tensor(batch["token_index"])
    layers = model.bert.encoder.layer
    L, H = len(layers), c["num_attention_heads"]
    d = c["hidden_size"] // H
    Fn = c["intermediate_size"]
    temp = 4.0

    # Unit masking through hooks: a head's context slice, a neuron's activation, set to zero.
    state_mask = {"layer": -1, "kind": None, "unit": -1}
    features = []

    def ctx_hook(layer):
        def hook(_m, _inp, out):
            if state_mask["layer"] == layer and state_mask["kind"] == "head":
                out = out.clone()
                u = state_mask["unit"]
                out[:, :, u * d:(u + 1) * d] = 0
            return out
        return hook

    def act_hook(layer):
        def hook(_m, _inp, out):
            if state_mask["layer"] == layer and state_mask["kind"] == "neuron":
                out = out.clone()
                out[:, :, state_mask["unit"]] = 0
            return out
        return hook

    def feature_hook(_m, _inp, out):
        features.append(out)

    for i, layer in enumerate(layers):
        layer.attention.self.register_forward_hook(ctx_hook(i))
        layer.intermediate.register_forward_hook(act_hook(i))
        layer.output.dense.register_forward_hook(feature_hook)

    def gram(f):
        rows = f.reshape(-1, f.shape[-1])[tokens]
        rows = rows / rows.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        return rows @ rows.T

    with torch.no_grad():
        features.clear()
        teacher_logits = model(ids, mask)
        teacher_grams = [gram(f) for f in features]
        teacher_p = F.softmax(teacher_logits / temp, dim=-1)

        def losses(layer):
            features.clear()
            logits = model(ids, mask)
            md = sum(((gram(features[z]) - teacher_grams[z]) ** 2).sum() for z in range(layer + 1, L))
            kd = (temp * temp) * F.kl_div(F.log_softmax(logits / temp, dim=-1), teacher_p, reduction="sum")
            return float(md) if not isinstance(md, int) else 0.0, float(kd)

        per_unit = {"head": [], "neuron": []}
        for layer in range(L):
            for kind, count in (("head", H), ("neuron", Fn)):
                units = list(range(min(count, per_layer + 1)))
                stamps = []
                for u in units:
                    state_mask.update(layer=layer, kind=kind, unit=u)
                    losses(layer)
                    stamps.append(time.perf_counter())
                # Steady state: from the first unit's end to the last's.
                per_unit[kind].append((stamps[-1] - stamps[0]) / max(1, len(stamps) - 1))
        state_mask.update(layer=-1, kind=None, unit=-1)

    projected = sum(H * per_unit["head"][i] + Fn * per_unit["neuron"][i] for i in range(L))
    print(json.dumps({
        "threads": threads, "torch": torch.__version__, "layers": L, "heads": H, "neurons": Fn,
        "secondsPerHead": per_unit["head"], "secondsPerNeuron": per_unit["neuron"],
        "projectedSeconds": projected, "units": L * (H + Fn),
    }))


if __name__ == "__main__":
    main()
