/* real.h: the runtime's floating-point type.
 *
 * Kernels are written once over `real`: float in the library, double in the
 * finite-difference gradient-check build (compiled with -DCONNC_REAL_DOUBLE),
 * where float rounding would hide real gradient errors.
 */
#ifndef CONNC_REAL_H
#define CONNC_REAL_H

#include <cblas.h>

#ifdef CONNC_REAL_DOUBLE
typedef double real;
#define GEMM cblas_dgemm
#define REAL_EXP exp
#define REAL_SQRT sqrt
#else
typedef float real;
#define GEMM cblas_sgemm
#define REAL_EXP expf
#define REAL_SQRT sqrtf
#endif

/* Row-major C[m,n] = alpha * op(A) op(B) + beta * C, with op chosen by ta/tb. */
static inline void gemm(int ta, int tb, int m, int n, int k, real alpha, const real *A, int lda,
                        const real *B, int ldb, real beta, real *C, int ldc)
{
    GEMM(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, A, lda, B,
         ldb, beta, C, ldc);
}

#endif
