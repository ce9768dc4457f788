// `attempt-studio runtime`: which compute runtime would be used here, and why the others were not.
import { type Command, str, flag, selectRuntimeOrExplain } from './command.js';

export const runtimeCommand: Command = {
  name: 'runtime',
  summary: 'Show the compute runtime (GPU, WebGPU adapter, native CPU kernels, wasm, cpu) this machine would use',
  options: {
    force: { type: 'string', value: 'NAME', description: 'Try only this runtime (tfjs-node-gpu, webgpu, tfjs-node, cpu-native, wasm, cpu); a software WebGPU adapter is used only when forced' },
    json: { type: 'boolean', description: 'Print the report as JSON' },
  },
  async run(args) {
    const { formatRuntimeReport } = await import('../model/runtime/runtime.js');
    const report = await selectRuntimeOrExplain(str(args, 'force'), { probeAll: true });
    process.stdout.write(flag(args, 'json') ? JSON.stringify(report) + '\n' : formatRuntimeReport(report) + '\n');
    return 0;
  },
};
