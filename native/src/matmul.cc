// Batched matrix products: OpenBLAS's cblas_sgemm, and a plain loop for tiny products (e.g. one query row
// against the KV cache while decoding) where a BLAS call's fixed cost dominates.
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
  const bool tiny = m <= 4 || static_cast<int64_t>(m) * n * k <= 8192;
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
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                a + aOff[i], lda, b + bOff[i], ldb, 0.f, ci, n);
  }
}

}  // namespace as
