#!/usr/bin/env bash
# The GPU path, measured, in one prepared run: which execution providers load (WebGPU through the
# machine's Vulkan driver, CUDA if its libraries were installed), where the scorer's nodes run,
# and the scorer's and the pruned model's times against the CPU in the same run.
# Writes bench-results/gpu.json (BENCHMARKS.md quotes it). Needs `npm ci` first.
#   OPTIN_GPU_SHAPE=base|small   BERT-base (default) or a small shape for software drivers
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "[gpu check] no nvidia-smi"
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null || echo "[gpu check] no Vulkan ICD files found"
node --import tsx scripts/bench.ts gpu
echo "[gpu check] wrote bench-results/gpu.json"
