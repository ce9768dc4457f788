// The one TensorFlow.js instance the project uses (CommonJS build, shared with tfjs-node when installed).
// Prod mode silences tfjs's "install tfjs-node" console nag; the runtime report says which backend runs.
import * as tf from '@tensorflow/tfjs';

tf.enableProdMode();

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank, Variable } from '@tensorflow/tfjs';
