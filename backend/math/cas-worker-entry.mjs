// Entry of a CAS worker thread: registers the TypeScript loader (as bin/attempt-studio.js does), then runs
// cas-worker.ts. Plain JavaScript because a worker does not inherit a loader registered through the API.
import { register } from 'tsx/esm/api';

register();
await import('./cas-worker.ts');
