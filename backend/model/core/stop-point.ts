// Cooperative stopping for long tensor loops (pre-training, generation, evaluation). Tensor work on the CPU
// backends never waits on I/O, so without a pause the event loop starves: a stop message, SIGTERM, Ctrl-C or a
// heartbeat timer would wait for the whole loop. A stop point yields to the event loop at most every
// `everyMs` and throws StoppedError once the signal has aborted.

/** The work was stopped on request (not a failure): callers end the run `stopped`. */
export class StoppedError extends Error {
  constructor(message = 'stopped on request') {
    super(message);
    this.name = 'StoppedError';
  }
}

export function isStopped(err: unknown): err is StoppedError {
  return err instanceof StoppedError;
}

/**
 * A function to await between units of work (a token, a training step): it yields to the event loop when
 * `everyMs` have passed since the last yield, then throws StoppedError if `signal` has aborted.
 */
export function stopPoint(signal: AbortSignal | undefined, what: string, everyMs = 50): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last >= everyMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = performance.now();
    }
    if (signal?.aborted) throw new StoppedError(`stopped during ${what}`);
  };
}
