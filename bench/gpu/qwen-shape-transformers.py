# Measures, on a CUDA GPU, what the seed's recipe costs for a model of Qwen2.5-Math-1.5B's exact shape
# (random weights, Hugging Face transformers' Qwen2ForCausalLM — nothing downloaded): peak memory and time of a
# PPO-style policy update step (bf16 weights + AdamW, micro-batches of the seed's shape) and greedy generation
# tokens/s with a KV cache at batch 64. A PyTorch peer figure for the README's GPU section, not this project's
# tfjs path. Usage: python3 bench/gpu/qwen-shape-transformers.py [--tiny] [--device cuda] > result.json
import argparse, json, time
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

ap = argparse.ArgumentParser()
ap.add_argument("--tiny", action="store_true", help="a small shape for a CPU smoke test")
ap.add_argument("--device", default="cuda")
ap.add_argument("--seq", type=int, default=1024, help="tokens per sequence in the update step")
ap.add_argument("--micro", type=int, default=8, help="sequences per micro-batch")
ap.add_argument("--gen-batch", type=int, default=64)
ap.add_argument("--gen-tokens", type=int, default=256)
a = ap.parse_args()

shape = dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
             intermediate_size=8960, vocab_size=151936, max_position_embeddings=4096, rope_theta=10000.0,
             rms_norm_eps=1e-6, tie_word_embeddings=True)
if a.tiny:
    shape.update(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=128, vocab_size=1000)
    a.seq, a.micro, a.gen_batch, a.gen_tokens = 64, 2, 4, 8
dev = torch.device(a.device)
torch.manual_seed(0)
cfg = Qwen2Config(**shape)
out = {"shape": shape, "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
       "torch": torch.__version__}
model = Qwen2ForCausalLM(cfg).to(dev, dtype=torch.bfloat16)
out["parameters"] = sum(p.numel() for p in model.parameters())
sync = (lambda: torch.cuda.synchronize()) if dev.type == "cuda" else (lambda: None)
if dev.type == "cuda":
    torch.cuda.reset_peak_memory_stats()

# 1. Policy update: forward + backward of micro-batches, AdamW step (bf16 params, fp32 Adam moments by default).
opt = torch.optim.AdamW(model.parameters(), lr=5e-7, betas=(0.9, 0.95), fused=dev.type == "cuda")
model.gradient_checkpointing_enable()
model.train()
ids = torch.randint(0, shape["vocab_size"], (a.micro, a.seq), device=dev)
times = []
for it in range(4):
    sync(); t = time.perf_counter()
    logits = model(input_ids=ids).logits.float()  # [B, T, V]
    logp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    loss = -logp.mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step(); opt.zero_grad(set_to_none=True)
    del logits, logp, loss
    sync(); times.append(time.perf_counter() - t)
ms = sorted(times[1:])[len(times[1:]) // 2] * 1000
out["update"] = {"microBatch": a.micro, "seqLen": a.seq, "medianMs": ms,
                 "tokensPerS": a.micro * a.seq / (ms / 1000),
                 "peakGiB": torch.cuda.max_memory_allocated() / 2**30 if dev.type == "cuda" else None,
                 "note": "bf16 weights, AdamW, gradient checkpointing; one micro-batch per step"}

# 2. Greedy generation with the KV cache.
model.eval(); model.gradient_checkpointing_disable()
opt = None
if dev.type == "cuda":
    torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
prompt = torch.randint(0, shape["vocab_size"], (a.gen_batch, 128), device=dev)
with torch.no_grad():
    model.generate(prompt, max_new_tokens=4, min_new_tokens=4, do_sample=False, pad_token_id=0)
    gt = []
    for it in range(2):
        sync(); t = time.perf_counter()
        r = model.generate(prompt, max_new_tokens=a.gen_tokens, min_new_tokens=a.gen_tokens, do_sample=False, pad_token_id=0)
        sync(); gt.append(time.perf_counter() - t)
new = r.shape[1] - prompt.shape[1]
out["generate"] = {"batch": a.gen_batch, "promptLen": 128, "newTokens": new, "seconds": min(gt),
                   "tokensPerS": a.gen_batch * new / min(gt),
                   "peakGiB": torch.cuda.max_memory_allocated() / 2**30 if dev.type == "cuda" else None}
print(json.dumps(out))
