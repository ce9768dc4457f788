// The cpu backend as the native kernels and the buffer pool see it (types only): shared by
// native-kernel-util.ts and native-buffer-pool.ts, which import each other's values otherwise.
import type { tf } from '../core/tf.js';

export type TensorInfo = tf.TensorInfo;

export interface CpuBackend {
  data: { get(id: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array | Int32Array): TensorInfo;
  /** One more tensor refers to dataId (a kernel output sharing its input's data, as Reshape does). */
  incRef(dataId: object): void;
}
