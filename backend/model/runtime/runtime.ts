// Compute runtime selection: tfjs-node-gpu → webgpu (a hardware adapter) → tfjs-node → cpu with native kernels →
// wasm → cpu. Optional backends are loaded only if installed; a missing one is reported, never an error. A
// software WebGPU adapter (llvmpipe, SwiftShader) is used only when forced, and is reported as software.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { tf } from '../core/tf.js';
import { nativeKernelProvider, type NativeKernelProvider } from '../native/native-kernels.js';
import { adapterLabel, startWebGpu, type AdapterReport } from './webgpu-device.js';

export const RUNTIME_NAMES = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'cpu-native', 'wasm', 'cpu'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export interface RuntimeAttempt {
  name: RuntimeName;
  ok: boolean;
  reason: string;
}

export interface RuntimeReport {
  /** The runtime in use. */
  name: RuntimeName;
  /** tfjs's own backend name (`tensorflow`, `cpu`, `wasm`). */
  tfBackend: string;
  /** Why this one was chosen (forced, or the first that worked). */
  reason: string;
  /** Every candidate tried, in order, with why it was or was not used. */
  attempts: RuntimeAttempt[];
  /** Kernels replaced by native implementations (cpu-native only). */
  nativeKernels: string[];
  /** e.g. "CUDA GPU" or "CPU (2 cores)". */
  device: string;
  /** The WebGPU adapter (webgpu runtime only): vendor, architecture, driver, limits, software or not. */
  adapter?: AdapterReport;
}

const require = createRequire(import.meta.url);

let nativeProvider: NativeKernelProvider | undefined = nativeKernelProvider;
export function setNativeKernelProvider(p: NativeKernelProvider | undefined): void {
  nativeProvider = p;
}

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function cudaGpuAnswers(): string | null {
  if (process.env.CUDA_VISIBLE_DEVICES === '' || process.env.CUDA_VISIBLE_DEVICES === '-1') return null;
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const first = out.split('\n').find((l) => l.startsWith('GPU'));
    return first ?? null;
  } catch {
    return null;
  }
}

async function tryNodeBinding(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string> {
  if (!isInstalled(pkg)) throw new Error(`${pkg} is not installed`);
  try {
    require(pkg);
  } catch (err) {
    throw new Error(`${pkg} is installed but failed to load: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but the 'tensorflow' backend did not start`);
  return 'tensorflow';
}

async function tryCandidate(name: RuntimeName, forced: boolean, probeAll: boolean): Promise<{ detail: string; nativeKernels: string[]; device: string; adapter?: AdapterReport }> {
  const cpus = `CPU (${(await import('node:os')).availableParallelism()} cores)`;
  switch (name) {
    case 'tfjs-node-gpu': {
      const gpu = cudaGpuAnswers();
      if (!isInstalled('@tensorflow/tfjs-node-gpu')) throw new Error('@tensorflow/tfjs-node-gpu is not installed');
      if (!gpu) throw new Error('no CUDA GPU answered (nvidia-smi -L)');
      await tryNodeBinding('@tensorflow/tfjs-node-gpu');
      return { detail: `CUDA via libtensorflow (${gpu})`, nativeKernels: [], device: gpu };
    }
    case 'webgpu': {
      const adapter = await startWebGpu(forced, forced || probeAll);
      const kind = adapter.software ? 'a software adapter (CPU rasteriser, slow)' : 'a hardware adapter';
      return { detail: `WebGPU (Dawn, ${adapter.backend === 'opengles' ? 'OpenGL ES' : 'native API'}) on ${kind}: ${adapterLabel(adapter)}`, nativeKernels: [], device: adapterLabel(adapter), adapter };
    }
    case 'tfjs-node':
      await tryNodeBinding('@tensorflow/tfjs-node');
      return { detail: 'libtensorflow on the CPU', nativeKernels: [], device: cpus };
    case 'cpu-native': {
      if (!nativeProvider) throw new Error('native kernels are not available (addon not built or not loaded)');
      if (process.env.ATTEMPT_STUDIO_NATIVE === '0') throw new Error('disabled by ATTEMPT_STUDIO_NATIVE=0');
      await tf.setBackend('cpu');
      const kernels = nativeProvider.install();
      return { detail: `tfjs cpu backend with ${kernels.length} native kernels`, nativeKernels: kernels, device: cpus };
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
      if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
      return { detail: 'WebAssembly (SIMD where supported)', nativeKernels: [], device: cpus };
    }
    case 'cpu':
      nativeProvider?.uninstall?.();
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      return { detail: 'plain JavaScript kernels (slow)', nativeKernels: [], device: cpus };
  }
}

export function parseRuntimeName(value: string): RuntimeName {
  if ((RUNTIME_NAMES as readonly string[]).includes(value)) return value as RuntimeName;
  throw new Error(`unknown runtime '${value}'; expected one of: ${RUNTIME_NAMES.join(', ')}`);
}

/**
 * Chooses and activates the compute runtime. With `force`, only that one is tried and its failure is an
 * error; otherwise candidates are tried in order and the first that works is used. The environment variable
 * ATTEMPT_STUDIO_RUNTIME forces one too. `probeAll` (the `runtime` command's diagnosis) also probes what
 * automatic selection skips as too slow to ask on every start (WebGPU over OpenGL ES without Vulkan).
 */
export async function selectRuntime(opts: { force?: RuntimeName; candidates?: RuntimeName[]; probeAll?: boolean } = {}): Promise<RuntimeReport> {
  const envForce = process.env.ATTEMPT_STUDIO_RUNTIME ? parseRuntimeName(process.env.ATTEMPT_STUDIO_RUNTIME) : undefined;
  const force = opts.force ?? envForce;
  const order = force ? [force] : (opts.candidates ?? [...RUNTIME_NAMES]);
  const attempts: RuntimeAttempt[] = [];
  for (const name of order) {
    try {
      const r = await tryCandidate(name, force !== undefined, opts.probeAll === true);
      attempts.push({ name, ok: true, reason: r.detail });
      await tf.ready();
      return {
        name,
        tfBackend: tf.getBackend(),
        reason: force ? `forced (${opts.force ? 'option' : 'ATTEMPT_STUDIO_RUNTIME'}): ${r.detail}` : `first available: ${r.detail}`,
        attempts,
        nativeKernels: r.nativeKernels,
        device: r.device,
        ...(r.adapter ? { adapter: r.adapter } : {}),
      };
    } catch (err) {
      attempts.push({ name, ok: false, reason: (err as Error).message });
    }
  }
  const why = attempts.map((a) => `  ${a.name}: ${a.reason}`).join('\n');
  throw new Error(force ? `runtime '${force}' is not available:\n${why}` : `no compute runtime could start:\n${why}`);
}

export function formatRuntimeReport(r: RuntimeReport): string {
  const lines = [`runtime: ${r.name} (tfjs backend '${r.tfBackend}') on ${r.device}`, `reason: ${r.reason}`, 'candidates:'];
  for (const a of r.attempts) lines.push(`  ${a.ok ? '✓' : '✗'} ${a.name}: ${a.reason}`);
  if (r.nativeKernels.length > 0) lines.push(`native kernels: ${r.nativeKernels.join(', ')}`);
  if (r.adapter) {
    const a = r.adapter;
    lines.push(`adapter: vendor '${a.vendor}', architecture '${a.architecture}', device '${a.device}', driver '${a.description}'${a.software ? ' — SOFTWARE (CPU rasteriser)' : ''}`);
    lines.push(`  Dawn backend ${a.backend}, feature level ${a.featureLevel}; limits: ${Object.entries(a.limits).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    lines.push(`  probed: ${a.probes.join('; ')}`);
  }
  return lines.join('\n');
}
