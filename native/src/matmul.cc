// Batched matrix products: OpenBLAS's cblas_sgemm, and a plain loop for tiny products (e.g. one query row
// against a short KV cache while decoding) where a BLAS call's fixed cost dominates. A few rows against a large
// weight matrix stored [n, k] (x·Wᵀ: decoding a real-size model at batch ≤ 16, or the LM head on the last
// positions of a prefill: 8 × 1,536 by 151,936 × 1,536) are memory-bound: sgemm packs the whole weight matrix on
// every call and sgemv reads it once per row, so streamRows reads each weight row once, against all rows of x
// at a time, split over the BLAS thread count (bench/real-shape-kernels.ts). One row, and other few-row
// products, go to sgemv (one call per row), which is as fast for a single row.
#include <cblas.h>
#include <thread>
#include <vector>
#include "kernels.h"

extern "C" int openblas_get_num_threads(void);

namespace as {
namespace {

// C[m,n] = op(A)·op(B) for tiny sizes; accumulation in float as BLAS does.
AS_CLONES void smallGemm(const float* a, const float* b, float* c, int m, int n, int k, bool transA, bool transB,
                         int lda, int ldb) {
  std::vector<float> arow(static_cast<size_t>(k));
  for (int i = 0; i < m; ++i) {
    for (int kk = 0; kk < k; ++kk) arow[kk] = transA ? a[static_cast<int64_t>(kk) * lda + i] : a[static_cast<int64_t>(i) * lda + kk];
    float* ci = c + static_cast<int64_t>(i) * n;
    if (transB) {
      for (int j = 0; j < n; ++j) {
        const float* bj = b + static_cast<int64_t>(j) * ldb;
        float s = 0.f;
        for (int kk = 0; kk < k; ++kk) s += arow[kk] * bj[kk];
        ci[j] = s;
      }
    } else {
      for (int j = 0; j < n; ++j) ci[j] = 0.f;
      for (int kk = 0; kk < k; ++kk) {
        const float av = arow[kk];
        const float* bk = b + static_cast<int64_t>(kk) * ldb;
        for (int j = 0; j < n; ++j) ci[j] += av * bk[j];
      }
    }
  }
}

constexpr int kLanes = 16;
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));  // one AVX-512 register, 2 AVX2 ones

inline Lanes loadLanes(const float* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// C[i, j] = A[i, :]·B[j, :] for i < R ≤ 4 rows (a row group) and j in [j0, j1); 16 independent float lanes per
// row held in registers (the order differs from a sequential sum only by float rounding, as sgemm's does).
template <int R>
AS_CLONES_WIDE void streamGroup(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int k, int j0, int j1) {
  const int kv = k - k % kLanes;
  for (int j = j0; j < j1; ++j) {
    const float* bj = b + static_cast<int64_t>(j) * ldb;
    Lanes acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
    for (int d = 0; d < kv; d += kLanes) {
      const Lanes bv = loadLanes(bj + d);
      acc0 += loadLanes(a + d) * bv;
      if (R > 1) acc1 += loadLanes(a + lda + d) * bv;
      if (R > 2) acc2 += loadLanes(a + 2 * static_cast<int64_t>(lda) + d) * bv;
      if (R > 3) acc3 += loadLanes(a + 3 * static_cast<int64_t>(lda) + d) * bv;
    }
    const Lanes accs[4] = {acc0, acc1, acc2, acc3};
    for (int r = 0; r < R; ++r) {
      float s = 0.f;
      for (int l = 0; l < kLanes; l += 2) s += accs[r][l] + accs[r][l + 1];
      const float* ar = a + static_cast<int64_t>(r) * lda;
      for (int d = kv; d < k; ++d) s += ar[d] * bj[d];
      c[static_cast<int64_t>(r) * ldc + j] = s;
    }
  }
}

// C[m, n] = A[m, k]·B[n, k]ᵀ for columns [j0, j1): weight rows in blocks that stay in cache while every row group
// of A passes over them, so the weight is read from memory once.
void streamRange(const float* a, int lda, const float* b, int ldb, float* c, int m, int n, int k, int j0, int j1) {
  const int block = k >= 4096 ? 16 : 64;
  for (int jb = j0; jb < j1; jb += block) {
    const int je = jb + block < j1 ? jb + block : j1;
    for (int i = 0; i < m; i += 4) {
      const float* ai = a + static_cast<int64_t>(i) * lda;
      float* ci = c + static_cast<int64_t>(i) * n;
      switch (m - i >= 4 ? 4 : m - i) {
        case 4: streamGroup<4>(ai, lda, b, ldb, ci, n, k, jb, je); break;
        case 3: streamGroup<3>(ai, lda, b, ldb, ci, n, k, jb, je); break;
        case 2: streamGroup<2>(ai, lda, b, ldb, ci, n, k, jb, je); break;
        default: streamGroup<1>(ai, lda, b, ldb, ci, n, k, jb, je); break;
      }
    }
  }
}

// streamRange over all n columns, split into contiguous ranges over up to the BLAS thread count when the weight
// is large enough to be worth a thread start (≥ 1M floats).
void streamRows(const float* a, int lda, const float* b, int ldb, float* c, int m, int n, int k) {
  const int64_t size = static_cast<int64_t>(n) * k;
  int threads = size >= (1 << 20) ? openblas_get_num_threads() : 1;
  if (threads > n / 64) threads = n / 64 > 0 ? n / 64 : 1;
  if (threads <= 1) {
    streamRange(a, lda, b, ldb, c, m, n, k, 0, n);
    return;
  }
  std::vector<std::thread> pool;
  const int per = (n + threads - 1) / threads;
  for (int t = 1; t < threads; ++t) {
    const int j0 = t * per, j1 = j0 + per < n ? j0 + per : n;
    if (j0 < j1) pool.emplace_back(streamRange, a, lda, b, ldb, c, m, n, k, j0, j1);
  }
  streamRange(a, lda, b, ldb, c, m, n, k, 0, per < n ? per : n);
  for (auto& th : pool) th.join();
}

}  // namespace

void matmulBatched(const float* a, const float* b, float* c, const int64_t* aOff, const int64_t* bOff, int64_t count,
                   int m, int n, int k, bool transA, bool transB) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  const int64_t nk = static_cast<int64_t>(n) * k;
  const bool tiny = static_cast<int64_t>(m) * nk <= 8192 || (m <= 4 && nk <= 65536);
  for (int64_t i = 0; i < count; ++i) {
    float* ci = c + i * static_cast<int64_t>(m) * n;
    if (k == 0) {
      for (int64_t j = 0; j < static_cast<int64_t>(m) * n; ++j) ci[j] = 0.f;
      continue;
    }
    if (tiny) {
      smallGemm(a + aOff[i], b + bOff[i], ci, m, n, k, transA, transB, lda, ldb);
      continue;
    }
    if (transB && !transA && m >= 2 && m <= kStreamRows) {
      streamRows(a + aOff[i], lda, b + bOff[i], ldb, ci, m, n, k);
      continue;
    }
    if (m <= 4) {
      // Row r of C = op(B) · row r of op(A): y[n] = B[n,k]·x (transB) or B[k,n]ᵀ·x.
      for (int r = 0; r < m; ++r) {
        const float* x = transA ? a + aOff[i] + r : a + aOff[i] + static_cast<int64_t>(r) * lda;
        const int incx = transA ? lda : 1;
        if (transB)
          cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.f, b + bOff[i], ldb, x, incx, 0.f, ci + static_cast<int64_t>(r) * n, 1);
        else
          cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.f, b + bOff[i], ldb, x, incx, 0.f, ci + static_cast<int64_t>(r) * n, 1);
      }
      continue;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                a + aOff[i], lda, b + bOff[i], ldb, 0.f, ci, n);
  }
}

}  // namespace as
