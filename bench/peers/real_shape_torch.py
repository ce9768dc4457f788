#!/usr/bin/python3
"""PyTorch side of `npm run bench:vs-torch -- --real-shapes`: one real-size model (random weights in the exact
shape, float32, the architecture of gpt_torch.py's Gpt), one process, all measurements in a row, one JSON line out.

Argument: a JSON object {shape (gpt_torch's keys), prompt, newTokens, batches, trainSeq, threads, skipTrain, repeat,
trainRepeat (timed micro-batches, median reported), profile (torch.profiler on the first timed one)}.
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
        T = spec["trainSeq"]
        runs = []
        prof = None
        for i in range(spec.get("trainRepeat", 1)):
            ids = torch.randint(0, s["vocab"], (1, T), generator=g)
            model.zero_grad(set_to_none=True)
            ctx = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) if spec.get("profile") and i == 0 else None
            if ctx:
                ctx.__enter__()
            t = time.perf_counter()
            h, _ = model.run(ids, 0, None)  # [T, C]
            logits = (h @ model.head.t()).view(1, T, -1)  # [1, T, V]
            t_fwd = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(T - 1, -1), ids[:, 1:].reshape(-1))
            t_loss = time.perf_counter()
            loss.backward()
            end = time.perf_counter()
            if ctx:
                ctx.__exit__(None, None, None)
                prof = ctx
            runs.append({"seconds": end - t, "loss": float(loss), "phases": {"forward": round(t_fwd - t, 2), "loss": round(t_loss - t_fwd, 2), "backward": round(end - t_loss, 2)}})
            del h, logits, loss
        secs = statistics.median([r["seconds"] for r in runs])
        mid = min(runs, key=lambda r: abs(r["seconds"] - secs))
        # phases as ours: forward = embedding to logits (LM head included), loss = cross-entropy, backward
        out["train"] = {"seconds": round(secs, 2), "secondsAll": [round(r["seconds"], 2) for r in runs],
                        "tokensPerS": round(T / secs, 1), "loss": mid["loss"], "phases": mid["phases"]}
        if prof is not None:
            # the first timed run, profiled: op → [self CPU ms (wall of the op's own code), calls], top 30 by self time
            ka = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)[:30]
            out["train"]["opsSelfMs"] = {e.key: [round(e.self_cpu_time_total / 1000, 1), e.count] for e in ka}
    out["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["loadAvgEnd"] = [round(x, 2) for x in os.getloadavg()]
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
