// How the contract declares one API method: its zod input schema and its output type (a phantom), shared by
// contract.ts and its parts (contract-cluster.ts).
import type { z } from 'zod';

/** A method: its input schema, and its output type carried as a phantom. */
export interface MethodSpec<I extends z.ZodType, O> {
  input: I;
  /** Only in Electron (native dialogs); the HTTP server answers 501. */
  desktopOnly?: boolean;
  readonly _output?: O;
}

export const method =
  <O>() =>
  <I extends z.ZodType>(input: I, desktopOnly = false): MethodSpec<I, O> => ({
    input,
    ...(desktopOnly ? { desktopOnly } : {}),
  });
