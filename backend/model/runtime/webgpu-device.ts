// The WebGPU device behind the `webgpu` runtime: finds an adapter through Dawn's Node binding (npm `webgpu`),
// tells hardware from software adapters, opens a device with the adapter's maximum limits and registers it as
// TensorFlow.js's 'webgpu' backend (`@tensorflow/tfjs-backend-webgpu`). Both packages are optional.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tf } from '../core/tf.js';

/** What `attempt-studio runtime` and every run record about the adapter. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  /** Device name (e.g. "NVIDIA H100 80GB HBM3", "llvmpipe-llvm-15-0-6-256-bits-"). */
  device: string;
  /** Driver / API description (e.g. "OpenGL version OpenGL ES 3.2 Mesa 22.3.6"). */
  description: string;
  /** Dawn's backend: the default for the platform (Vulkan, Metal, D3D12) or OpenGL ES. */
  backend: 'default' | 'opengles';
  featureLevel: 'core' | 'compatibility';
  /** A CPU rasteriser (llvmpipe, lavapipe, SwiftShader, WARP): used only when forced. */
  software: boolean;
  /** The limits the device was opened with (the adapter's maxima). */
  limits: DeviceLimits;
  /** What each Dawn backend tried found (e.g. "vulkan: no libvulkan.so.1", "opengles: llvmpipe …"). */
  probes: string[];
}

export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxStorageBuffersPerShaderStage: number;
}

/** Limits requested at their adapter maximum (the defaults are far lower: 256 MiB buffers, 128 MiB bindings). */
const REQUESTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
  'maxBindGroups',
] as const;

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|basic render driver|\bwarp\b/i;

type Gpu = { requestAdapter(o: object): Promise<GpuAdapter | null> };
interface GpuAdapter {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  features: Set<string>;
  requestDevice(d: object): Promise<GpuDevice>;
}
interface GpuDevice {
  lost: Promise<{ message: string }>;
  limits: Record<string, number>;
  onuncapturederror: ((e: { error: { message: string } }) => void) | null;
  destroy(): void;
}

/** Validation and out-of-memory errors Dawn reported since the last read (tfjs would compute on silently). */
const deviceErrors: string[] = [];

type BackendClass = new (device: GpuDevice, info: unknown) => tf.KernelBackend;
interface BackendModule {
  WebGPUBackend?: BackendClass;
  default?: { WebGPUBackend: BackendClass };
}

interface Probe {
  backend: AdapterReport['backend'];
  featureLevel: AdapterReport['featureLevel'];
  flags: string[];
}

/** Dawn instances stay referenced for the life of the process (their devices die with them). */
const instances: Gpu[] = [];
let active: { adapter: GpuAdapter; report: AdapterReport } | undefined;

/**
 * An optional package, imported by a literal specifier (so a bundle of the studio can inline it); a missing one
 * is reported as not installed.
 */
async function loadOptional<T>(pkg: string, load: () => Promise<unknown>): Promise<T> {
  try {
    return (await load()) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && e.message.includes(`'${pkg}`))
      throw new Error(`the optional package ${pkg} is not installed`);
    throw new Error(`${pkg} failed to load: ${e.message.split('\n')[0]}`);
  }
}

/** Whether a library is in the loader's usual places on this Linux machine (LD_LIBRARY_PATH, the system dirs). */
function libraryPresent(file: string): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((d) => existsSync(path.join(d, file)));
}

/**
 * The platform's native API first; on Linux also OpenGL ES through EGL (Mesa, where Vulkan is absent) when
 * `probeGles`. Without a Vulkan loader the GLES adapter is in practice Mesa's CPU rasteriser, which automatic
 * selection refuses anyway: probing it costs 1–2 s and Dawn prints limit warnings, so jobs skip it.
 */
function probes(notes: string[], probeGles: boolean): Probe[] {
  const list: Probe[] = [];
  const vulkan = process.platform !== 'linux' || libraryPresent('libvulkan.so.1');
  if (vulkan) list.push({ backend: 'default', featureLevel: 'core', flags: [] });
  else notes.push('vulkan: no libvulkan.so.1 (install libvulkan1 and the GPU vendor\'s Vulkan driver)');
  if (process.platform === 'linux' && probeGles) list.push({ backend: 'opengles', featureLevel: 'compatibility', flags: ['backend=opengles'] });
  else if (process.platform === 'linux') notes.push('opengles: not probed (without Vulkan usually a CPU rasteriser); tried when forced (--force webgpu) and by `attempt-studio runtime`');
  return list;
}

export function isSoftwareAdapter(info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean }): boolean {
  return info.isFallbackAdapter === true || SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

function describe(adapter: GpuAdapter, probe: Probe): AdapterReport {
  const i = adapter.info;
  const l = adapter.limits;
  return {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    backend: probe.backend,
    featureLevel: probe.featureLevel,
    software: isSoftwareAdapter(i),
    limits: {
      maxBufferSize: l.maxBufferSize!,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize!,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize!,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup!,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage!,
    },
    probes: [],
  };
}

/** One line naming an adapter: "llvmpipe-llvm-15-0-6-256-bits- (OpenGL ES 3.2 Mesa 22.3.6, software)". */
export function adapterLabel(a: AdapterReport): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s).join(' ') || 'unnamed adapter';
  return `${name} (${a.description || a.backend}${a.software ? ', software' : ''})`;
}

/**
 * Finds the best adapter: the first hardware one over every probe, else the first software one. Returns it
 * with what each probe found. Throws (with the reasons) when none answers at all.
 */
async function findAdapter(probeGles: boolean): Promise<{ gpu: Gpu; adapter: GpuAdapter; report: AdapterReport; notes: string[]; backendModule: BackendModule }> {
  const notes: string[] = [];
  const list = probes(notes, probeGles);
  if (list.length === 0) throw new Error(`no hardware adapter: ${notes.join('; ')}`);
  const backendModule = await loadOptional<BackendModule>('@tensorflow/tfjs-backend-webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));
  // Headless Mesa: EGL needs the surfaceless platform, else eglInitialize fails and no GLES adapter appears.
  if (process.platform === 'linux' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const dawn = await loadOptional<{ create(flags: string[]): Gpu; globals: Record<string, unknown> }>('webgpu', () => import('webgpu'));
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  let software: { gpu: Gpu; adapter: GpuAdapter; report: AdapterReport } | undefined;
  for (const probe of list) {
    const gpu = dawn.create(probe.flags);
    instances.push(gpu);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: probe.featureLevel });
    if (!adapter) {
      // Dawn opens the unversioned libEGL.so (Debian: libegl-dev), not libEGL.so.1.
      const hint = probe.backend === 'opengles' && !libraryPresent('libEGL.so') ? ' (Dawn opens libEGL.so: install libegl-dev, and Mesa or a GPU driver)' : '';
      notes.push(`${probe.backend}: no adapter${hint}`);
      continue;
    }
    const report = describe(adapter, probe);
    notes.push(`${probe.backend}: ${adapterLabel(report)}`);
    if (!report.software) return { gpu, adapter, report, notes, backendModule };
    software ??= { gpu, adapter, report };
  }
  if (software) return { ...software, notes, backendModule };
  throw new Error(`Dawn found no WebGPU adapter (${notes.join('; ')})`);
}

/**
 * tfjs-backend-webgpu checks `navigator.gpu` before it constructs a backend. Node 20 has no navigator; Node 21+
 * has one without gpu. Either way the chosen Dawn instance is exposed there (nothing else reads it).
 */
function exposeNavigatorGpu(gpu: Gpu): void {
  const g = globalThis as { navigator?: object };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

/**
 * Starts the 'webgpu' tfjs backend on the best adapter. A software adapter is refused unless `allowSoftware`
 * (the runtime was forced); OpenGL ES is probed when `probeGles` (by default only when forced). Returns the
 * adapter's report; throws with the reason otherwise.
 */
export async function startWebGpu(allowSoftware: boolean, probeGles = allowSoftware): Promise<AdapterReport> {
  if (active && tf.findBackend('webgpu')) {
    if (active.report.software && !allowSoftware) throw new Error(`only a software adapter: ${adapterLabel(active.report)}; used only when forced (--force webgpu)`);
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not start');
    return active.report;
  }
  const found = await findAdapter(probeGles);
  if (found.report.software && !allowSoftware) {
    throw new Error(`only a software adapter: ${adapterLabel(found.report)}; used only when forced (--force webgpu)`);
  }
  const { adapter } = found;
  // Node's import of this CommonJS package gives its exports as `default` (named ones only where detected).
  const WebGPUBackend = found.backendModule.WebGPUBackend ?? found.backendModule.default!.WebGPUBackend;
  const report = { ...found.report, probes: found.notes };
  exposeNavigatorGpu(found.gpu);
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) if (typeof adapter.limits[name] === 'number') requiredLimits[name] = adapter.limits[name]!;
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  void device.lost.then((info) => {
    if (active?.report === report) active = undefined;
    if (info.message) process.stderr.write(`webgpu: device lost: ${info.message}\n`);
  });
  device.onuncapturederror = (e) => {
    if (deviceErrors.length < 8) deviceErrors.push(e.error.message.split('\n')[0]!);
  };
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => failLoudly(new WebGPUBackend(device, adapter.info)), 0);
  chunkAddN(device.limits.maxStorageBuffersPerShaderStage!);
  if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu') throw new Error(`the webgpu backend did not start on ${adapterLabel(report)}`);
  active = { adapter, report };
  return report;
}

/**
 * A shader that failed validation leaves its output unwritten and tfjs carries on with it; every read of a
 * tensor therefore first checks for errors Dawn reported meanwhile and throws them instead of returning data.
 */
function failLoudly(backend: tf.KernelBackend): tf.KernelBackend {
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    const values = await read(dataId);
    if (deviceErrors.length > 0) throw new Error(`WebGPU device error: ${deviceErrors.splice(0).join('; ')}`);
    return values;
  };
  return backend;
}

/**
 * tfjs-backend-webgpu's AddN binds every input at once, past the device's storage-buffer limit (16 on many
 * adapters) for a global gradient norm over all of a model's tensors. This wraps it to add at most limit − 1
 * inputs per shader, then the partial sums. Same sums; the order only changes past the limit.
 */
function chunkAddN(maxStorageBuffers: number): void {
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original || (original.kernelFunc as { chunked?: boolean }).chunked) return;
  const per = Math.max(2, maxStorageBuffers - 1);
  type Args = Parameters<tf.KernelFunc>[0];
  const kernelFunc = (args: Args): tf.TensorInfo => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    if (inputs.length <= per) return original.kernelFunc(args) as tf.TensorInfo;
    const partial: tf.TensorInfo[] = [];
    for (let i = 0; i < inputs.length; i += per) {
      const chunk = inputs.slice(i, i + per);
      partial.push(chunk.length === 1 ? chunk[0]! : (original.kernelFunc({ ...args, inputs: chunk as unknown as Args['inputs'] }) as tf.TensorInfo));
    }
    const out = kernelFunc({ ...args, inputs: partial as unknown as Args['inputs'] });
    for (const p of partial) if (!inputs.includes(p)) (args.backend as tf.KernelBackend).disposeData(p.dataId);
    return out;
  };
  (kernelFunc as { chunked?: boolean }).chunked = true;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: kernelFunc as tf.KernelFunc });
}

/** The adapter the webgpu backend runs on, once started. */
export function activeAdapter(): AdapterReport | undefined {
  return active?.report;
}
