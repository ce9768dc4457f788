#!/usr/bin/env python3
"""Checks a folder written by `attempt-studio export-model` with Hugging Face transformers.

Loads it with transformers.AutoModelForCausalLM.from_pretrained (float32, eager attention), computes the
logits of the prompts stored in the JSON that `export-model --logits-json FILE` wrote, and compares them with
this project's logits (max abs diff, argmax agreement per position). When the JSON holds tokenizer samples
and the folder a tokenizer, AutoTokenizer's ids are compared with ours too.

Usage:
  python3 bench/gpu/check-hf-export.py --model EXPORTED_DIR --logits LOGITS.json [--atol 1e-4] [--device cuda]
Prints one JSON line. Exit codes: 0 all checks pass, 1 a mismatch, 2 the folder or JSON cannot be loaded.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description="Compare an exported folder's transformers logits with ours")
    ap.add_argument("--model", required=True, help="folder written by attempt-studio export-model")
    ap.add_argument("--logits", required=True, help="JSON written by export-model --logits-json")
    ap.add_argument("--atol", type=float, default=1e-4, help="max abs logit difference allowed (default 1e-4)")
    ap.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    a = ap.parse_args()

    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM
    except ImportError as e:
        print(json.dumps({"ok": False, "error": f"missing package: {e}"}))
        return 2
    device = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        with open(a.logits) as f:
            ours = json.load(f)
        prompts, our_logits = ours["prompts"], ours["logits"]
    except (OSError, ValueError, KeyError) as e:
        print(json.dumps({"ok": False, "error": f"{a.logits}: {e}"}))
        return 2
    try:
        try:
            model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32, attn_implementation="eager")
        except TypeError:  # transformers 4.x names it torch_dtype
            model = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype=torch.float32, attn_implementation="eager")
    except Exception as e:  # noqa: BLE001 - report any load failure with its type
        print(json.dumps({"ok": False, "error": f"from_pretrained({a.model}) failed: {type(e).__name__}: {e}"}))
        return 2
    model = model.to(device).eval()
    if device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    max_diff = 0.0
    agree = total = 0
    per_prompt = []
    with torch.no_grad():
        for ids, ref in zip(prompts, our_logits):
            out = model(torch.tensor([ids], device=device)).logits[0].float().cpu()
            ref_t = torch.tensor(ref, dtype=torch.float32)
            if out.shape != ref_t.shape:
                print(json.dumps({"ok": False, "error": f"logits shape {list(out.shape)} vs ours {list(ref_t.shape)}"}))
                return 1
            d = (out - ref_t).abs().max().item()
            max_diff = max(max_diff, d)
            agree += int((out.argmax(-1) == ref_t.argmax(-1)).sum().item())
            total += out.shape[0]
            per_prompt.append(round(d, 8))
    result = {
        "ok": max_diff <= a.atol and agree == total,
        "model": a.model,
        "architecture": type(model).__name__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "device": device,
        "max_abs_diff": max_diff,
        "per_prompt_max_abs_diff": per_prompt,
        "argmax_agree": f"{agree}/{total}",
        "atol": a.atol,
    }
    samples = ours.get("tokenizer_samples") or []
    if samples:
        try:
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(a.model)
            mism = [s["text"] for s in samples if tok.encode(s["text"], add_special_tokens=False) != s["ids"]]
            result["tokenizer_samples"] = f"{len(samples) - len(mism)}/{len(samples)} identical"
            if mism:
                result["ok"] = False
                result["tokenizer_mismatches"] = mism[:5]
        except Exception as e:  # noqa: BLE001
            result["ok"] = False
            result["tokenizer_error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
