// Types of scripts/build-renderer.mjs for the TypeScript callers (the serve command, tests).
export function rendererStaleReason(repo?: string): string | null;
export function buildStamp(files: string[], repo?: string): { inputs: Record<string, string> };
export function buildRenderer(): Promise<void>;
export function ensureRenderer(): Promise<boolean>;
