#!/usr/bin/python3
"""PyTorch side of `npm run bench:vs-torch -- --real-shapes`: one real-size model (random weights in the exact
shape, float32, the architecture of gpt_torch.py's Gpt), one process, all measurements in a row, one JSON line out.

Argument: a JSON object {shape (gpt_torch's keys), prompt, newTokens, batches, trainSeq, threads, skipTrain, repeat}.
Measures greedy prefill (prompt tokens at each batch size, logits of the last position only; the median of `repeat`
runs, 0 = training only) and decode (newTokens steps with a KV cache after the last prefill, per-step times), and one training micro-batch (forward, next-token loss over the whole
vocabulary, backward into the weights' gradients; no optimizer step) of 1 x trainSeq tokens; peak RSS of the
process (ru_maxrss) at the end."""
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_torch import Gpt  # noqa: E402


def main():
    spec = json.loads(sys.argv[1])
    s = spec["shape"]
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model = Gpt(s)
    build_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(7)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "buildSeconds": round(build_s, 1),
           "loadAvgStart": [round(x, 2) for x in os.getloadavg()]}

    def prefill(B, P):
        ids = torch.randint(0, s["vocab"], (B, P), generator=g)
        t = time.perf_counter()
        with torch.no_grad():
            h, past = model.run(ids, 0, None)
            nxt = (h.view(B, P, -1)[:, -1] @ model.head.t()).argmax(-1, keepdim=True)
        return time.perf_counter() - t, past, nxt

    def decode(B, P, n, past, nxt):
        times = []
        pos = P
        with torch.no_grad():
            for _ in range(n):
                t = time.perf_counter()
                h, past = model.run(nxt, pos, past)
                nxt = (h @ model.head.t()).argmax(-1, keepdim=True)
                times.append(time.perf_counter() - t)
                pos += 1
        return times

    repeat = spec.get("repeat", 1)
    if repeat > 0:
        prefill(1, 4)  # warm-up
    P, n = spec["prompt"], spec["newTokens"]
    for B in spec["batches"] if repeat > 0 else []:
        prefills = []
        for _ in range(repeat):
            secs, past, nxt = prefill(B, P)
            prefills.append(secs)
        secs = statistics.median(prefills)
        steps = decode(B, P, n, past, nxt)
        med = statistics.median(steps)
        out[f"b{B}"] = {"prefillSeconds": round(secs, 3), "prefillSecondsAll": [round(x, 3) for x in prefills],
                        "prefillTokensPerS": round(B * P / secs, 1),
                        "decodeStepSeconds": [round(x, 4) for x in steps], "decodeTokensPerS": round(B / med, 2)}
        del past
    if not spec.get("skipTrain"):
        model.train()
        warm = torch.randint(0, s["vocab"], (1, 16), generator=g)
        model.loss(warm).backward()
        model.zero_grad(set_to_none=True)
        ids = torch.randint(0, s["vocab"], (1, spec["trainSeq"]), generator=g)
        t = time.perf_counter()
        loss = model.loss(ids)
        loss.backward()
        secs = time.perf_counter() - t
        out["train"] = {"seconds": round(secs, 2), "tokensPerS": round(spec["trainSeq"] / secs, 1), "loss": float(loss)}
    out["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["loadAvgEnd"] = [round(x, 2) for x in os.getloadavg()]
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
