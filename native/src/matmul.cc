// Batched matrix products through OpenBLAS's cblas_sgemm.
#include <cblas.h>
#include "kernels.h"

namespace as {

void matmulBatched(const float* a, const float* b, float* c, const int64_t* aOff, const int64_t* bOff, int64_t count,
                   int m, int n, int k, bool transA, bool transB) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  for (int64_t i = 0; i < count; ++i) {
    float* ci = c + i * static_cast<int64_t>(m) * n;
    if (k == 0) {
      for (int64_t j = 0; j < static_cast<int64_t>(m) * n; ++j) ci[j] = 0.f;
      continue;
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                a + aOff[i], lda, b + bOff[i], ldb, 0.f, ci, n);
  }
}

}  // namespace as
