// Curve smoothing for the charts: TensorBoard's debiased exponential moving average, as a pure function.

/**
 * EMA with weight w in [0, 1) (0 = raw values), debiased like TensorBoard's so the curve does not start at 0:
 * s_t = w·s_{t−1} + (1 − w)·x_t, reported as s_t / (1 − w^n) after n finite values. Nulls and non-finite
 * values pass through as null and do not advance the average.
 */
export function ema(values: ReadonlyArray<number | null>, weight: number): Array<number | null> {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  if (weight === 0) return values.map((v) => (v !== null && Number.isFinite(v) ? v : null));
  let acc = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    acc = weight * acc + (1 - weight) * v;
    n++;
    return acc / (1 - weight ** n);
  });
}
