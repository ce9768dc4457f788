"""Test oracle: grades gold/prediction pairs with Hugging Face Math-Verify (never used by the product).

Reads JSON lines {"gold": str, "pred": str} on stdin and writes one JSON line {"equal": bool} per input
line, in order, with Math-Verify's defaults: verify(parse(gold), parse(pred)). Used by
tests/backend/math/differential.test.ts and bench/grader-oracle.ts.
"""
import json
import logging
import sys

logging.disable(logging.CRITICAL)

from math_verify import parse, verify  # noqa: E402


def main() -> None:
    out = sys.stdout
    for raw in sys.stdin:
        raw = raw.strip()
        if not raw:
            continue
        item = json.loads(raw)
        try:
            equal = bool(verify(parse(item["gold"]), parse(item["pred"])))
        except Exception:  # Math-Verify's own failures count as "not equal", as its verify() does
            equal = False
        out.write(json.dumps({"equal": equal}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
