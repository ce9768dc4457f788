#!/usr/bin/env python3
"""PyTorch peer of bench/gpu/webgpu-qwen05.ts: the same Qwen2.5-0.5B shape (random weights, float32 like tfjs),
the same architecture as backend/model/transformer.ts (bench/peers/gpt_torch.py), the same measurements: prefill
(one forward over [b, t] prompts, logits summed), greedy KV-cache decoding (ms per new token = (N tokens − 1
token) / (N − 1)) and one training micro-batch (forward + backward + Adam). Medians after a warm-up; one JSON
object on stdout. Usage: python3 bench/gpu/qwen05-torch.py [--device cuda] [--shape qwen05|tiny] [--reps 3]"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from gpt_torch import Gpt  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--device", default="cuda")
ap.add_argument("--shape", default="qwen05")
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--prefill-batch", type=int, default=4)
ap.add_argument("--prefill-len", type=int, default=128)
ap.add_argument("--decode-batch", type=int, default=4)
ap.add_argument("--decode-tokens", type=int, default=32)
ap.add_argument("--train-batch", type=int, default=2)
ap.add_argument("--train-len", type=int, default=128)
a = ap.parse_args()

QWEN05 = dict(vocab=151936, d=896, layers=24, heads=14, kvHeads=2, ffn=4864, eps=1e-6, theta=1e6, qkvBias=True,
              tied=True, maxPositions=4096)
TINY = dict(QWEN05, vocab=1000, d=64, layers=2, heads=4, kvHeads=2, ffn=128, maxPositions=512)
shape = TINY if a.shape == "tiny" else QWEN05
dev = torch.device(a.device)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(fn):
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return (time.perf_counter() - t0) * 1000


def median(xs):
    return sorted(xs)[(len(xs) - 1) // 2]


torch.manual_seed(0)
model = Gpt(shape).to(dev)
params = sum(p.numel() for p in model.parameters())
out = {"ok": True, "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu", "torch": torch.__version__,
       "shape": a.shape, "parameters": params, "dtype": "float32"}

pids = torch.randint(0, shape["vocab"], (a.prefill_batch, a.prefill_len), device=dev)


def prefill():
    with torch.no_grad():
        h, _ = model.run(pids, 0, None)
        float((h @ model.head.t()).sum())


pre = [timed(prefill) for _ in range(a.reps + 1)][1:]
out["prefill"] = {"batch": a.prefill_batch, "len": a.prefill_len, "medianMs": round(median(pre), 1), "ms": [round(x, 1) for x in pre]}

prompt = torch.randint(0, shape["vocab"], (a.decode_batch, a.prefill_len), device=dev)
steps = []
for r in range(a.reps + 1):
    one = timed(lambda: model.generate(prompt, 1))
    alln = timed(lambda: model.generate(prompt, a.decode_tokens))
    if r > 0:
        steps.append((alln - one) / (a.decode_tokens - 1))
out["decode"] = {"batch": a.decode_batch, "promptLen": a.prefill_len, "tokens": a.decode_tokens,
                 "medianMsPerToken": round(median(steps), 2), "msPerToken": [round(x, 2) for x in steps]}

ids = torch.randint(0, shape["vocab"], (a.train_batch, a.train_len), device=dev)
opt = torch.optim.Adam(model.parameters(), lr=1e-5, betas=(0.9, 0.95), eps=1e-8)
loss_box = [0.0]


def train():
    opt.zero_grad(set_to_none=True)
    loss = model.loss(ids)
    loss.backward()
    opt.step()
    loss_box[0] = float(loss)


tr = [timed(train) for _ in range(a.reps + 1)][1:]
out["train"] = {"batch": a.train_batch, "len": a.train_len, "medianMs": round(median(tr), 1), "ms": [round(x, 1) for x in tr], "loss": loss_box[0]}
if dev.type == "cuda":
    out["peakMemoryGiB"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
print(json.dumps(out))
