// Whether the webgpu runtime can start here (forced, so a software adapter counts). Outside CI a machine
// without an adapter skips the WebGPU tests with the reason; under CI=true (.ci/run installs Mesa) it fails.
import type { TestContext } from 'node:test';
import { selectRuntime, type RuntimeReport } from '../../../backend/model/runtime/runtime.js';

let probe: Promise<RuntimeReport | Error> | undefined;

/** Starts webgpu (forced). Returns its report, or undefined after marking the test skipped (never under CI). */
export async function startWebGpuOrSkip(t: TestContext): Promise<RuntimeReport | undefined> {
  probe ??= selectRuntime({ force: 'webgpu' }).catch((err: Error) => err);
  const r = await probe;
  if (!(r instanceof Error)) return selectRuntime({ force: 'webgpu' });
  if (process.env.CI === 'true') throw new Error(`CI=true and the webgpu runtime could not start (install libegl1 libegl-dev libegl-mesa0 libgles2 libgl1-mesa-dri): ${r.message}`);
  t.skip(`no WebGPU adapter here: ${r.message.split('\n').slice(1).join(' ').trim()}`);
  return undefined;
}
