#!/usr/bin/env python3
"""PyTorch peer figures for Qwen2.5-Math-1.5B on one GPU: memory and time of a policy training step and of
greedy generation with a KV cache. Self-contained: no downloads, no transformers; random weights in the
model's exact shape (hidden 1536, 28 layers, 12 heads, 2 KV heads, head 128, SwiGLU 8960, vocab 151936,
tied embeddings, QKV bias, RMSNorm 1e-6, rope theta 10000).

(a) Training step: fp32 master weights, bf16 autocast, AdamW (betas 0.9/0.95 as the reference), token-level
    policy-gradient-shaped loss (log-prob of the sampled tokens times an advantage), backward, grad-clip 1.0,
    optimizer step. The reference's update is 128 episodes of up to ~3,500 tokens; one GPU cannot hold that
    at once, so this measures a micro-batch of --train-batch × --train-seq tokens (default 4 × 2048) and
    reports time per micro-batch and per 128-episode update by accumulation (micro-batches × time; an estimate).
(b) Generation: bf16 weights, batch --gen-batch (default 64) prompts of --prompt-len tokens, then
    --new-tokens greedy steps with a preallocated KV cache; reports decode tokens/s and peak memory.

Usage:
  python3 bench/gpu/qwen-1.5b-torch.py                       # on a CUDA GPU, the real shape
  python3 bench/gpu/qwen-1.5b-torch.py --tiny --device cpu   # a seconds-long smoke test of the script
Prints one JSON line (also written to --out if given). Exit 0 on success, 2 when the device is unavailable.
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

QWEN_1_5B = dict(vocab=151936, hidden=1536, layers=28, heads=12, kv_heads=2, inter=8960, eps=1e-6, theta=10000.0)
TINY = dict(vocab=512, hidden=64, layers=2, heads=4, kv_heads=2, inter=128, eps=1e-6, theta=10000.0)


class Block(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        C, H, Hkv = c["hidden"], c["heads"], c["kv_heads"]
        self.H, self.Hkv, self.D = H, Hkv, C // H
        self.ln1 = torch.nn.Parameter(torch.ones(C))
        self.ln2 = torch.nn.Parameter(torch.ones(C))
        self.q = torch.nn.Linear(C, H * self.D, bias=True)
        self.k = torch.nn.Linear(C, Hkv * self.D, bias=True)
        self.v = torch.nn.Linear(C, Hkv * self.D, bias=True)
        self.o = torch.nn.Linear(H * self.D, C, bias=False)
        self.gate = torch.nn.Linear(C, c["inter"], bias=False)
        self.up = torch.nn.Linear(C, c["inter"], bias=False)
        self.down = torch.nn.Linear(c["inter"], C, bias=False)
        self.eps = c["eps"]


def rms(x, w, eps):
    xf = x.float()
    return (w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps))).to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def attend(q, k, v, causal, mask=None):
    """q [B, H, t, D], k/v [B, Hkv, S, D] (GQA by repeat)."""
    rep = q.shape[1] // k.shape[1]
    if rep > 1:
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal and mask is None, attn_mask=mask)
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal and mask is None:
        t, S = q.shape[2], k.shape[2]
        s = s.masked_fill(torch.ones(t, S, dtype=torch.bool, device=q.device).triu(S - t + 1), float("-inf"))
    elif mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return torch.softmax(s.float(), -1).to(q.dtype) @ v


class Qwen2(torch.nn.Module):
    def __init__(self, c, max_pos):
        super().__init__()
        self.c = c
        self.embed = torch.nn.Embedding(c["vocab"], c["hidden"])
        self.blocks = torch.nn.ModuleList([Block(c) for _ in range(c["layers"])])
        self.norm = torch.nn.Parameter(torch.ones(c["hidden"]))
        D = c["hidden"] // c["heads"]
        inv = 1.0 / (c["theta"] ** (torch.arange(0, D, 2).float() / D))
        f = torch.outer(torch.arange(max_pos).float(), inv)
        emb = torch.cat((f, f), -1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)

    def forward(self, ids, cache=None, pos=0):
        """ids [B, t]; cache: list of (k, v) preallocated [B, Hkv, P, D] filled up to pos. Returns hidden [B, t, C]."""
        B, t = ids.shape
        x = self.embed(ids)
        cos = self.cos[pos : pos + t].to(x.dtype)
        sin = self.sin[pos : pos + t].to(x.dtype)
        for i, b in enumerate(self.blocks):
            h = rms(x, b.ln1, b.eps)
            q = b.q(h).view(B, t, b.H, b.D).transpose(1, 2)
            k = b.k(h).view(B, t, b.Hkv, b.D).transpose(1, 2)
            v = b.v(h).view(B, t, b.Hkv, b.D).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache is not None:
                ck, cv = cache[i]
                ck[:, :, pos : pos + t] = k
                cv[:, :, pos : pos + t] = v
                k, v = ck[:, :, : pos + t], cv[:, :, : pos + t]
            a = attend(q, k, v, causal=(t > 1))
            x = x + b.o(a.transpose(1, 2).reshape(B, t, -1))
            h = rms(x, b.ln2, b.eps)
            x = x + b.down(F.silu(b.gate(h)) * b.up(h))
        return rms(x, self.norm, self.blocks[0].eps)

    def logits(self, hidden):
        return hidden @ self.embed.weight.T  # tied embeddings


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def peak_gib(dev):
    return torch.cuda.max_memory_allocated() / 1024**3 if dev.type == "cuda" else None


def reset_peak(dev):
    if dev.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def bench_train(model, dev, B, T, steps, warmup, vocab):
    opt = torch.optim.AdamW(model.parameters(), lr=5e-7, betas=(0.9, 0.95), weight_decay=0.0, **({"fused": True} if dev.type == "cuda" else {}))
    g = torch.Generator(device="cpu").manual_seed(0)
    ids = torch.randint(0, vocab, (B, T), generator=g).to(dev)
    adv = torch.randn(B, T - 1, generator=g).to(dev)
    times = []
    reset_peak(dev)
    for s in range(warmup + steps):
        sync(dev)
        t0 = time.perf_counter()
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            logits = model.logits(model(ids[:, :-1]))  # [B, T-1, V]
        logp = torch.log_softmax(logits.float(), -1).gather(-1, ids[:, 1:, None])[..., 0]
        loss = -(logp * adv).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        del logits, logp, loss
        sync(dev)
        if s >= warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    micro_per_update = math.ceil(128 / B)
    return {
        "micro_batch": B,
        "seq": T,
        "tokens_per_micro_batch": B * (T - 1),
        "s_per_micro_batch_median": round(med, 4),
        "s_per_micro_batch_all": [round(x, 4) for x in times],
        "train_tokens_per_s": round(B * (T - 1) / med, 1),
        "peak_mem_gib": peak_gib(dev),
        "estimate_s_per_128_episode_update": round(micro_per_update * med, 2),
        "note": f"128 episodes of {T} tokens = {micro_per_update} accumulated micro-batches (estimate by multiplication)",
    }, opt


@torch.inference_mode()
def bench_generate(model, dev, B, prompt_len, new_tokens, vocab):
    c = model.c
    D = c["hidden"] // c["heads"]
    dtype = torch.bfloat16 if dev.type == "cuda" else torch.float32
    P = prompt_len + new_tokens
    reset_peak(dev)
    cache = [
        (torch.empty(B, c["kv_heads"], P, D, device=dev, dtype=dtype), torch.empty(B, c["kv_heads"], P, D, device=dev, dtype=dtype))
        for _ in range(c["layers"])
    ]
    g = torch.Generator(device="cpu").manual_seed(1)
    ids = torch.randint(0, vocab, (B, prompt_len), generator=g).to(dev)
    sync(dev)
    t0 = time.perf_counter()
    h = model(ids, cache, 0)
    nxt = model.logits(h[:, -1]).argmax(-1, keepdim=True)
    sync(dev)
    t_prefill = time.perf_counter() - t0
    t1 = time.perf_counter()
    for i in range(new_tokens - 1):
        h = model(nxt, cache, prompt_len + i)
        nxt = model.logits(h[:, -1]).argmax(-1, keepdim=True)
    sync(dev)
    t_decode = time.perf_counter() - t1
    steps = max(1, new_tokens - 1)
    return {
        "batch": B,
        "prompt_len": prompt_len,
        "new_tokens": new_tokens,
        "prefill_s": round(t_prefill, 4),
        "decode_s": round(t_decode, 4),
        "decode_ms_per_step": round(1000 * t_decode / steps, 3),
        "decode_tokens_per_s": round(B * steps / t_decode, 1),
        "kv_cache_gib": round(2 * c["layers"] * B * c["kv_heads"] * P * D * (2 if dtype == torch.bfloat16 else 4) / 1024**3, 3),
        "peak_mem_gib": peak_gib(dev),
        "dtype": str(dtype).replace("torch.", ""),
    }


def main():
    ap = argparse.ArgumentParser(description="Qwen2.5-Math-1.5B-shaped PyTorch training-step and generation benchmark")
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    ap.add_argument("--tiny", action="store_true", help="a tiny model and shapes (smoke test of the script)")
    ap.add_argument("--train-batch", type=int, default=None, help="sequences per micro-batch (default 4; tiny 2)")
    ap.add_argument("--train-seq", type=int, default=None, help="tokens per sequence (default 2048; tiny 32)")
    ap.add_argument("--gen-batch", type=int, default=None, help="generation batch (default 64; tiny 4)")
    ap.add_argument("--prompt-len", type=int, default=None, help="prompt tokens (default 256; tiny 8)")
    ap.add_argument("--new-tokens", type=int, default=None, help="greedy tokens to generate (default 512; tiny 8)")
    ap.add_argument("--steps", type=int, default=None, help="timed training steps (default 5; tiny 2)")
    ap.add_argument("--warmup", type=int, default=None, help="untimed warm-up steps (default 2; tiny 1)")
    ap.add_argument("--skip-train", action="store_true")
    ap.add_argument("--skip-generate", action="store_true")
    ap.add_argument("--out", default=None, help="also write the JSON line to this file")
    a = ap.parse_args()
    d = (lambda full, tiny: tiny if a.tiny else full)
    B = a.train_batch or d(4, 2)
    T = a.train_seq or d(2048, 32)
    GB = a.gen_batch or d(64, 4)
    PL = a.prompt_len or d(256, 8)
    NT = a.new_tokens or d(512, 8)
    steps = a.steps or d(5, 2)
    warmup = a.warmup if a.warmup is not None else d(2, 1)

    if a.device == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"ok": False, "error": "CUDA is not available (use --device cpu with --tiny for a smoke test)"}))
        return 2
    dev = torch.device(a.device)
    torch.manual_seed(0)
    c = TINY if a.tiny else QWEN_1_5B
    with torch.device(dev) if hasattr(torch, "device") and hasattr(torch.device, "__enter__") else _nullctx():
        model = Qwen2(c, max(T, PL + NT)).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    result = {
        "ok": True,
        "model": "tiny" if a.tiny else "Qwen2.5-Math-1.5B shape (random weights)",
        "parameters": n_params,
        "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__,
    }
    if not a.skip_train:
        model.train()
        result["train"], opt = bench_train(model, dev, B, T, steps, warmup, c["vocab"])
        result["train"]["precision"] = "fp32 master weights + AdamW states, bf16 autocast" if dev.type == "cuda" else "fp32"
        del opt
    if not a.skip_generate:
        model.eval()
        if dev.type == "cuda":
            model = model.to(torch.bfloat16)
        result["generate"] = bench_generate(model, dev, GB, PL, NT, c["vocab"])
    line = json.dumps(result)
    print(line)
    if a.out:
        with open(a.out, "w") as f:
            f.write(line + "\n")
    return 0


class _nullctx:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


if __name__ == "__main__":
    sys.exit(main())
