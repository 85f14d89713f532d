#!/usr/bin/env bash
# One GPU check, under 10 minutes on one H200: the CUDA tests (networks and streaming
# similarity), the CUDA rows of the networks benchmark (joint against sequential
# training, ResNet-56 throughput through fit_jointly), the full-size synthetic SHL
# reproduction on the GPU, timed, and the ResNet-18 layer map over 50,000 inputs,
# streamed on the GPU against the in-memory path. Run from the repository root; results go to
# benchmarks/results/ and to $OUT (default: a temporary directory).
set -euo pipefail
export PYTHONPATH=.
OUT=${OUT:-$(mktemp -d)}
nvidia-smi --query-gpu=name,memory.total --format=csv
python -m pytest -q -p no:cacheprovider -k cuda tests/nets tests/similarity
python benchmarks/bench_nets.py --part joint --devices cuda | tee "$OUT/bench_nets_joint.txt"
cp benchmarks/results/bench_nets_joint.csv "$OUT/" || true
/usr/bin/time -v python -m sklearn_ccafusion reproduce --dataset synthetic-shl --device cuda \
    --out "$OUT/synthetic-shl" 2>&1 | tail -30 | tee "$OUT/reproduce.txt"
python benchmarks/bench_streaming.py --part layers --images 50000 --device cuda \
    | tee "$OUT/bench_streaming_cuda.txt"
cp benchmarks/results/bench_streaming_cuda.* "$OUT/" || true
