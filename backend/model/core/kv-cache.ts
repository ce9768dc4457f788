// The key/value cache of batched decoding and the cached forward pass over a block of new tokens.
// Layout: every row writes the same cache columns; a per-row validity map says which columns hold that row's
// real tokens (rows feed different numbers of tokens per block), and positions are counted per row, so rows
// of different lengths and rows that get tokens appended mid-sequence share one cache without padding tokens.
import { tf, type Tensor } from './tf.js';
import { MASKED } from './ops.js';
import type { LayerKv, Transformer } from './transformer.js';
import { activeAddon } from '../native/native-fused.js';
import { NativeKvStore, nativeFeed } from '../native/native-decode.js';

export class KvCache {
  /** Per layer k/v [B, Hkv, S, D]; null before the first block (and while `native` holds the cache). */
  layers: LayerKv[] | null = null;
  /** Under native kernels: the cache in growable arrays, appended in place (see native-decode.ts). */
  native: NativeKvStore | null = null;
  /** S: cache columns so far (≥ every row's length). */
  columns = 0;
  /** valid[i][s] = 1 when column s holds a real token of row i. */
  readonly valid: Uint8Array[];
  /** Tokens of row i in the cache (its next position). */
  readonly lengths: number[];

  constructor(readonly batchSize: number) {
    this.valid = Array.from({ length: batchSize }, () => new Uint8Array(64));
    this.lengths = new Array<number>(batchSize).fill(0);
  }

  private markValid(i: number, col: number): void {
    let v = this.valid[i];
    if (col >= v.length) {
      const grown = new Uint8Array(Math.max(col + 1, v.length * 2));
      grown.set(v);
      this.valid[i] = v = grown;
    }
    v[col] = 1;
  }

  /**
   * A cache holding only `rows` (this cache's row indices), for decoding a subset without computing the
   * others. Shares column numbering with this cache; merge it back with mergeFrom.
   */
  select(rows: number[]): KvCache {
    const sub = new KvCache(rows.length);
    sub.columns = this.columns;
    rows.forEach((r, j) => {
      sub.valid[j] = this.valid[r].slice();
      sub.lengths[j] = this.lengths[r];
    });
    if (this.native) sub.native = this.native.select(rows);
    if (this.layers) {
      const idx = tf.tensor1d(rows, 'int32');
      sub.layers = this.layers.map((l) => ({ k: tf.gather(l.k, idx), v: tf.gather(l.v, idx) }));
      idx.dispose();
    }
    return sub;
  }

  /** Takes back rows decoded in `sub` (made by select(rows)); the other rows get invalid padding columns. Disposes sub. */
  mergeFrom(sub: KvCache, rows: number[]): void {
    if (sub.native && !this.layers && activeAddon()) {
      this.native ??= new NativeKvStore(this.batchSize, sub.native.layers, sub.native.kvHeads, sub.native.headDim, sub.native.cap);
      this.native.mergeFrom(sub.native, rows, sub.columns, this.columns);
      this.takeRows(sub, rows);
      return;
    }
    sub.toTensors();
    this.toTensors();
    if (!sub.layers) {
      sub.dispose();
      return;
    }
    const n = sub.columns - this.columns;
    const B = this.batchSize;
    const index = Array.from({ length: B }, (_, r) => r);
    rows.forEach((r, j) => (index[r] = B + j));
    const old = this.layers;
    const merged = tf.tidy(() => {
      const idx = tf.tensor1d(index, 'int32');
      const grow = (full: Tensor | undefined, part: Tensor): Tensor => {
        const [, H, , D] = part.shape as number[];
        const padded = full
          ? tf.pad(full, [
              [0, 0],
              [0, 0],
              [0, n],
              [0, 0],
            ])
          : tf.zeros([B, H, sub.columns, D]); // [B, Hkv, S', D]
        return tf.gather(tf.concat([padded, part], 0), idx); // [B, Hkv, S', D]
      };
      return sub.layers!.flatMap((l, i) => [grow(old?.[i].k, l.k), grow(old?.[i].v, l.v)]);
    });
    this.dispose();
    this.layers = [];
    for (let l = 0; l < merged.length; l += 2) this.layers.push({ k: merged[l], v: merged[l + 1] });
    this.takeRows(sub, rows);
  }

  private takeRows(sub: KvCache, rows: number[]): void {
    this.columns = sub.columns;
    rows.forEach((r, j) => {
      this.valid[r] = sub.valid[j];
      this.lengths[r] = sub.lengths[j];
    });
    sub.dispose();
  }

  /** Moves a native cache into tensors (native kernels were turned off while this cache was alive). */
  private toTensors(): void {
    if (!this.native) return;
    this.layers = this.native.toLayers(this.columns);
    this.native = null;
  }

  dispose(): void {
    for (const l of this.layers ?? []) {
      l.k.dispose();
      l.v.dispose();
    }
    this.layers = null;
    this.native = null;
  }

  /**
   * Feeds blocks[i] (possibly empty) for each row through the model, extending the cache by
   * t = max block length columns. Returns logits at each row's last fed token [B, V] ('last'; rows with an
   * empty block get meaningless values), or at every block column [B, t, V] ('all'). The caller disposes it.
   */
  feed(model: Transformer, blocks: number[][], want: 'last' | 'all'): Tensor {
    const B = this.batchSize;
    if (blocks.length !== B) throw new Error(`kv-cache: expected ${B} blocks, got ${blocks.length}`);
    const t = Math.max(1, ...blocks.map((b) => b.length));
    const S0 = this.columns;
    const S = S0 + t;
    const maxPos = model.config.maxPositions;
    const ids = new Int32Array(B * t);
    const pos = new Int32Array(B * t);
    const mask = new Float32Array(B * t * S).fill(MASKED);
    for (let i = 0; i < B; i++) {
      const blk = blocks[i];
      if (this.lengths[i] + blk.length > maxPos)
        throw new Error(
          `kv-cache: row ${i} would reach ${this.lengths[i] + blk.length} tokens, over maxPositions ${maxPos}`,
        );
      const v = this.valid[i];
      for (let k = 0; k < t; k++) {
        ids[i * t + k] = k < blk.length ? blk[k] : 0;
        pos[i * t + k] = Math.min(this.lengths[i] + k, maxPos - 1);
        const row = (i * t + k) * S;
        for (let s = 0; s < Math.min(S0, v.length); s++) if (v[s]) mask[row + s] = 0;
        for (let j = 0; j <= k; j++) mask[row + S0 + j] = 0;
      }
    }
    const addon = activeAddon();
    if (addon && !this.layers && model.headDim % 2 === 0) {
      const c = model.config;
      this.native ??= new NativeKvStore(B, c.numLayers, c.numKvHeads, model.headDim, Math.max(S, 64));
      const pick = want === 'all' ? null : Int32Array.from(blocks, (b, i) => i * t + Math.max(0, b.length - 1));
      const logits = nativeFeed(addon, model, this.native, { ids, positions: pos, mask, t, S0, pick });
      this.advance(blocks, S0, S);
      return logits;
    }
    this.toTensors();
    const past = this.layers;
    const out = tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [B, t], 'int32'); // [B, t]
      const { cos, sin } = model.rotaryFor(tf.tensor2d(pos, [B, t], 'int32')); // [B, 1, t, D/2]
      const maskT = tf.tensor(mask, [B, 1, 1, t, S]); // [B, 1, 1, t, S]
      const { hidden, present } = model.run(idsT, cos, sin, maskT, past, true); // [B, t, C]
      const C = model.config.hiddenSize;
      let logits: Tensor;
      if (want === 'all') {
        logits = tf.reshape(model.lmHead(tf.reshape(hidden, [B * t, C])), [B, t, model.config.vocabSize]); // [B, t, V]
      } else {
        const last = Int32Array.from(blocks, (b, i) => i * t + Math.max(0, b.length - 1));
        const h = tf.gather(tf.reshape(hidden, [B * t, C]), tf.tensor1d(last, 'int32')); // [B, C]
        logits = model.lmHead(h); // [B, V]
      }
      return { logits, present: present.flatMap((l) => [l.k, l.v]) };
    });
    this.dispose();
    this.layers = [];
    for (let l = 0; l < out.present.length; l += 2)
      this.layers.push({ k: out.present[l], v: out.present[l + 1] });
    this.advance(blocks, S0, S);
    return out.logits;
  }

  private advance(blocks: number[][], S0: number, S: number): void {
    this.columns = S;
    for (let i = 0; i < this.batchSize; i++) {
      for (let k = 0; k < blocks[i].length; k++) this.markValid(i, S0 + k);
      this.lengths[i] += blocks[i].length;
    }
  }
}
