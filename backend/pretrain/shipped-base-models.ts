// Where the app's shipped base-model checkpoints are (resources/base-models/base-<hash>/), without loading tfjs:
// the API's `models:base` and ensureBaseModel both ask here. ATTEMPT_STUDIO_SHIPPED_BASE_MODELS overrides the
// folder; `none` turns them off (then a run on the built-in model pre-trains its base model, as a changed spec
// would — the tests and the reliability bench measure that phase this way).
import { fileURLToPath } from 'node:url';

const DEFAULT_DIR = fileURLToPath(new URL('../../resources/base-models/', import.meta.url));

/** The shipped base models' folder, or null when turned off. */
export function shippedBaseModelsDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const v = env.ATTEMPT_STUDIO_SHIPPED_BASE_MODELS;
  if (v === undefined || v === '') return DEFAULT_DIR;
  return v === 'none' ? null : v;
}
