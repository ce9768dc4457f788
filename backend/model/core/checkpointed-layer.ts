// Activation (gradient) checkpointing of one decoder layer: the forward pass keeps only the layer's input for
// the backward pass and drops every intermediate; the gradient function recomputes the layer's forward from that
// input and backpropagates through it (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost").
import { tf, type Tensor } from './tf.js';

/** One layer as a pure function of its input x, its weights and constant tensors (rotary tables, masks). */
export type LayerFn = (x: Tensor, weights: Tensor[], consts: Tensor[]) => Tensor;

/** True while a gradient tape records (inside tf.grads / variableGrads): only then is checkpointing useful. */
export function tapeRecording(): boolean {
  return tf.engine().isTapeOn();
}

/**
 * Gradients of f() with respect to xs, times dy, computed inside another gradient's backward pass. tfjs keeps one
 * global tape: a gradient started at depth 0 replaces it and clears it when done, which would lose the outer
 * backward's tape (and its saved tensors); so the outer tape is put back afterwards.
 */
function nestedGradients(f: () => Tensor, xs: Tensor[], dy: Tensor): Tensor[] {
  const engine = tf.engine();
  const outerTape = engine.state.activeTape;
  const outerDepth = engine.state.gradientDepth;
  try {
    const { value, grads } = engine.gradients(f, xs, dy);
    value.dispose();
    return grads.map((g, i) => g ?? tf.zerosLike(xs[i]!));
  } finally {
    if (outerDepth === 0) engine.state.activeTape = outerTape;
  }
}

/**
 * y = f(x, weights, consts) as one op whose backward pass recomputes f. Kept for the backward pass: x and
 * references to weights and consts (tensors that live anyway; a saved clone shares their data). Gradients flow
 * to x and every weight; consts get none. Same values and gradients as calling f directly.
 */
export function checkpointed(f: LayerFn, x: Tensor, weights: Tensor[], consts: Tensor[]): Tensor {
  const nW = weights.length;
  const op = tf.customGrad(((...args: unknown[]) => {
    const inputs = args.slice(0, -1) as Tensor[];
    const save = args.at(-1) as (t: Tensor[]) => void;
    // Runs inside tf.tidy with no tape: every intermediate of the layer is freed when it returns.
    const value = f(inputs[0]!, inputs.slice(1), consts);
    save([...inputs, ...consts]);
    return {
      value,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const xs = saved.slice(0, 1 + nW);
        const cs = saved.slice(1 + nW);
        return nestedGradients(() => f(xs[0]!, xs.slice(1), cs), xs, dy);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, ...weights);
}
