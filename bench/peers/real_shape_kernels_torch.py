#!/usr/bin/python3
"""PyTorch side of bench/real-shape-kernels.ts: the pieces of one Qwen2.5-Math-1.5B-shaped prefill (the matmuls of
one decoder layer, the attention, the LM head on the last positions, and a whole few-layer prefill) timed on
command so the driver can interleave them with ours. One JSON object per line on stdin/stdout.

Commands: {"cmd": "setup", "threads", "rows", "batch", "prompt", "d", "ffn", "heads", "kvHeads", "vocab",
"layers"} -> {"torch", "threads"}; {"cmd": "time", "op", "reps"} -> {"ms": [...]} (one warm-up call first)."""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_torch import Gpt  # noqa: E402


def setup(s):
    torch.set_num_threads(s["threads"])
    torch.manual_seed(0)
    N, C, Fd, V = s["rows"], s["d"], s["ffn"], s["vocab"]
    H, Hkv = s["heads"], s["kvHeads"]
    D = C // H
    B, T = s["batch"], s["prompt"]
    r = lambda *shape: torch.randn(*shape) * 0.02
    x, xf = r(N, C), r(N, Fd)
    wq, wkv, wo, wg, wd = r(C, C), r(Hkv * D, C), r(C, C), r(Fd, C), r(C, Fd)
    head = r(V, C)
    last = r(B, C)
    q, k, v = r(B, H, T, D), r(B, Hkv, T, D), r(B, Hkv, T, D)
    mask = torch.zeros(T, T).masked_fill_(torch.ones(T, T, dtype=torch.bool).triu(1), -1e9)
    G = H // Hkv

    def attention():
        qg = q.reshape(B, Hkv, G * T, D)
        scores = (qg @ k.transpose(-1, -2) * (1 / math.sqrt(D))).view(B, Hkv, G, T, T)
        probs = torch.softmax(scores + mask, -1).view(B, Hkv, G * T, T)
        return (probs @ v).view(B, H, T, D).transpose(1, 2).reshape(B * T, H * D)

    model = Gpt({"vocab": V, "d": C, "layers": s["layers"], "heads": H, "kvHeads": Hkv, "ffn": Fd, "eps": 1e-6,
                 "theta": 10000.0, "tied": True, "qkvBias": True, "maxPositions": 4096})
    ids = torch.randint(0, V, (B, T))

    def prefill():
        h, _ = model.run(ids, 0, None)
        return (h.view(B, T, -1)[:, -1] @ model.head.t()).argmax(-1)

    return {
        "q": lambda: x @ wq.t(),
        "kv": lambda: x @ wkv.t(),
        "o": lambda: x @ wo.t(),
        "gateUp": lambda: x @ wg.t(),
        "down": lambda: xf @ wd.t(),
        "attention": attention,
        "lmHead": lambda: last @ head.t(),
        "prefill": prefill,
    }


def main():
    ops = {}
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "setup":
            ops = setup(msg)
            out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        else:
            f = ops[msg["op"]]
            ms = []
            with torch.no_grad():
                f()
                for _ in range(msg["reps"]):
                    t = time.perf_counter()
                    f()
                    ms.append((time.perf_counter() - t) * 1000)
            out = {"ms": ms}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
