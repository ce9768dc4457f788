// Batched matrix products: OpenBLAS's cblas_sgemm, and a plain loop for tiny products (e.g. one query row
// against a short KV cache while decoding) where a BLAS call's fixed cost dominates. A few rows against a large
// weight matrix (decoding a real-size model: 1 × 896 by 151,936 × 896) go to BLAS's matrix-vector product, one
// call per row: the plain loop is one thread and its float dot products do not vectorise, and sgemm packs the
// whole weight matrix on every call (bench/results/vs-torch-real-shapes.json).
#include <cblas.h>
#include <vector>
#include "kernels.h"

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
