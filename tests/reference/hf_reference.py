#!/usr/bin/env python3
"""Independent reference forward pass of Hugging Face Qwen2 / Llama / Mistral causal LMs in PyTorch.

Written from the published transformers modeling code (modeling_llama.py / modeling_qwen2.py, v4.4x):
RMSNorm in float32 with `variance_epsilon`, rotary embeddings in the `rotate_half` convention with
cos/sin = cat(freqs, freqs), inverse frequencies from `rope_theta` (+ the 'linear' and 'llama3' rope scaling
of modeling_rope_utils), grouped-query attention through `repeat_kv`, eager softmax attention in float32
with a causal mask, SwiGLU MLP `down(silu(gate(x)) * up(x))`, q/k/v bias for Qwen2, tied or untied lm_head.
It does not import transformers (not installed on the test machine) and shares no code with the studio.

Usage: hf_reference.py --model DIR [--model DIR2 ...] --prompts '[[1,2,3],[4,5]]' [--greedy N]
Prints one JSON object per model, one per line: {"logits": [prompt][position][vocab], "greedy": [prompt][N ids]}
(one process for several models: importing torch is the slow part).
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    """Every tensor of a safetensors file as a float32 torch tensor (F32, F16, BF16, F64)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[b:end]
        dt = e["dtype"]
        if dt == "F32":
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif dt == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dt == "F64":
            arr = np.frombuffer(raw, dtype="<f8").astype(np.float32)
        elif dt == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"{path}: tensor {name}: unsupported dtype {dt}")
        out[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
    return out


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    w = {}
    for fn in files:
        w.update(read_safetensors(os.path.join(model_dir, fn)))
    return w


def inv_freq_of(cfg, head_dim):
    """rope_init_fn of modeling_rope_utils: default, linear, llama3."""
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "default":
        return inv
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":
        factor = rs["factor"]
        low, high = rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wl, high_wl = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wl, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        return torch.where(medium, smoothed, inv_l)
    raise SystemExit(f"rope type {kind} not implemented in the reference")


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(h, n_rep):
    b, kv, s, d = h.shape
    if n_rep == 1:
        return h
    return h[:, :, None, :, :].expand(b, kv, n_rep, s, d).reshape(b, kv * n_rep, s, d)


def linear(x, w, b=None):
    y = x @ w.T
    return y + b if b is not None else y


class Reference:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            self.cfg = json.load(f)
        c = self.cfg
        self.w = load_weights(model_dir)
        self.H = c["num_attention_heads"]
        self.Hkv = c.get("num_key_value_heads") or self.H
        self.D = c.get("head_dim") or c["hidden_size"] // self.H
        self.eps = c["rms_norm_eps"]
        self.L = c["num_hidden_layers"]
        self.inv_freq = inv_freq_of(c, self.D)
        tied = c.get("tie_word_embeddings", False)
        self.lm_head = self.w["model.embed_tokens.weight"] if tied else self.w["lm_head.weight"]

    def forward(self, ids):
        """ids: list of ints → logits [T, V] (float32)."""
        w = self.w
        T = len(ids)
        x = w["model.embed_tokens.weight"][torch.tensor(ids)][None]  # [1, T, C]
        pos = torch.arange(T, dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq[None, :]  # [T, D/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]  # [1, 1, T, D]
        mask = torch.full((T, T), float("-inf")).triu(1)
        for i in range(self.L):
            p = f"model.layers.{i}."
            h = rms_norm(x, w[p + "input_layernorm.weight"], self.eps)
            q = linear(h, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias"))
            k = linear(h, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias"))
            v = linear(h, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias"))
            q = q.view(1, T, self.H, self.D).transpose(1, 2)
            k = k.view(1, T, self.Hkv, self.D).transpose(1, 2)
            v = v.view(1, T, self.Hkv, self.D).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = repeat_kv(k, self.H // self.Hkv)
            v = repeat_kv(v, self.H // self.Hkv)
            att = q @ k.transpose(2, 3) / math.sqrt(self.D) + mask
            att = torch.softmax(att, dim=-1, dtype=torch.float32)
            a = (att @ v).transpose(1, 2).reshape(1, T, self.H * self.D)
            x = x + linear(a, w[p + "self_attn.o_proj.weight"], w.get(p + "self_attn.o_proj.bias"))
            h = rms_norm(x, w[p + "post_attention_layernorm.weight"], self.eps)
            gate = linear(h, w[p + "mlp.gate_proj.weight"])
            up = linear(h, w[p + "mlp.up_proj.weight"])
            x = x + linear(torch.nn.functional.silu(gate) * up, w[p + "mlp.down_proj.weight"])
        x = rms_norm(x, w["model.norm.weight"], self.eps)
        return linear(x, self.lm_head)[0]  # [T, V]

    def greedy(self, ids, n):
        seq = list(ids)
        out = []
        for _ in range(n):
            nxt = int(torch.argmax(self.forward(seq)[-1]).item())
            out.append(nxt)
            seq.append(nxt)
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, action="append", help="model folder (config.json + safetensors); repeatable")
    ap.add_argument("--prompts", required=True, help="JSON list of token-id lists")
    ap.add_argument("--greedy", type=int, default=0, help="greedy tokens to generate per prompt")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    prompts = json.loads(a.prompts)
    for model_dir in a.model:
        ref = Reference(model_dir)
        result = {
            "logits": [ref.forward(p).tolist() for p in prompts],
            "greedy": [ref.greedy(p, a.greedy) for p in prompts] if a.greedy > 0 else [],
        }
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
