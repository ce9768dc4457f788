// Types of scripts/build-electron.mjs for the tests that call it.
/** Bundles electron/preload.ts into one CommonJS file; returns its path. */
export function buildPreload(outfile?: string): Promise<string>;
