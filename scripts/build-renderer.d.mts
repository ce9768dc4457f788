// Types of scripts/build-renderer.mjs for the TypeScript callers (the serve command).
export function rendererStaleReason(): string | null;
export function buildRenderer(): Promise<void>;
export function ensureRenderer(): Promise<boolean>;
