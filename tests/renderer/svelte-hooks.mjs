// Node module hooks for store tests: `*.svelte.ts` files (Svelte 5 runes in TypeScript) are compiled the way
// Vite compiles them — TypeScript stripped, then svelte/compiler's compileModule (client output) — so the
// renderer's state classes run under node:test. Registered by the test files that need it.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compileModule } from 'svelte/compiler';

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.svelte.ts')) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const source = await readFile(filename, 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: false, useDefineForClassFields: true },
    fileName: filename,
  }).outputText;
  const out = compileModule(js, { filename, generate: 'client', dev: false });
  return { format: 'module', source: out.js.code, shortCircuit: true };
}
