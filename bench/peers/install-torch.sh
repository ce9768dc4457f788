#!/bin/sh
# The main PyTorch peer of `npm run bench:vs-torch -- --real-shapes`: the current PyTorch release from PyPI in a
# venv at .venv-torch (pinned; 2.14.1 is the newest this workplace's pip constraints allow). The Linux wheel pulls
# its nvidia-* CUDA libraries (~5 GiB in all); the benchmark uses only the CPU.
set -e
cd "$(dirname "$0")/../.."
python3 -m venv .venv-torch
.venv-torch/bin/pip install --quiet torch==2.14.1 numpy==2.4.6
.venv-torch/bin/python -c 'import torch; print("torch", torch.__version__)'
