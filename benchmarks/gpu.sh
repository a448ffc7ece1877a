#!/usr/bin/env bash
# The GPU path of the image network, the model API and indexing in one run, for the day a
# GPU is lent. It has NOT run on a GPU yet.
#
#     bash benchmarks/gpu.sh 2>&1 | tee gpu-run.txt
#
# What it exercises: the image network on CUDA with channels_last and fp16 autocast, inputs
# copied from pinned memory (core/model/api.py, benchmarks/bench_network.py); indexing with
# the network on the GPU and all CPU cores but one decoding (ThreadBudget.for_machine); the
# towers' throughput. Every benchmark measures its CPU baseline in the same run where it has
# one (bench_network: the reference implementation on the same device).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
$PY - <<'PYEOF'
import torch
assert torch.cuda.is_available(), "no CUDA device: this script is for a GPU machine"
print("GPU:", torch.cuda.get_device_name(), "| torch", torch.__version__)
PYEOF
nvidia-smi --query-gpu=name,memory.total,utilization.gpu --format=csv || true
for b in 32 128 256; do
    $PY -m benchmarks.bench_network --device cuda --batch "$b" --rounds 5
done
$PY -m benchmarks.bench_model --device cuda
$PY -m benchmarks.bench_index --device cuda --photos 256 --sounds 24 --notes 300
