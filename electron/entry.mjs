// Electron's entry point (package.json "main"): registers the TypeScript loader, then runs electron/main.ts.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
