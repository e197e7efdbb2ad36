/* masked_dense.c: a masked projection whose weights are stored as CSR values
 * (sparse_linear.c) but computed by dense GEMM: the values are scattered into
 * a dense [rows, cols] matrix that is zero off the mask, and dW is formed
 * densely and gathered back at the mask positions only, so masked weights
 * still have no gradient (BIONIC.md §2).  Which kernel a projection uses is
 * the compiler's choice, written into the network description from the
 * mask's density (schemas/network.md, "kernel"): at a few percent density
 * OpenBLAS's GEMM, doing 20-50x the multiply-adds, can still be the faster. */
#include "layers.h"

#include <stdlib.h>
#include <string.h>

int masked_dense_init(masked_dense *d, const csr_mask *m)
{
    size_t n = (size_t)m->rows * (size_t)m->cols;
    d->wd = calloc(n ? n : 1, sizeof *d->wd); /* zero off the mask, for good */
    return d->wd ? 0 : -1;
}

void masked_dense_free(masked_dense *d)
{
    free(d->wd);
    d->wd = NULL;
}

void masked_dense_load(const masked_dense *d, const csr_mask *m, const real *w)
{
    for (int r = 0; r < m->rows; r++)
        for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) d->wd[(long)r * m->cols + m->indices[e]] = w[e];
}

void masked_dense_forward(const masked_dense *d, const real *x, const csr_mask *m, const real *b, real *y, int B)
{
    linear_forward(x, d->wd, b, y, B, m->cols, m->rows);
}

void masked_dense_backward(const masked_dense *d, const real *x, const csr_mask *m, const real *dy, real *dx,
                           real *dw, real *db, int B, real *gd)
{
    int rows = m->rows, cols = m->cols;
    if (db)
        for (int n = 0; n < B; n++)
            for (int r = 0; r < rows; r++) db[r] += dy[(long)n * rows + r];
    gemm(1, 0, rows, cols, B, 1, dy, rows, x, cols, 0, gd, cols); /* dW = dY^T X, dense */
    for (int r = 0; r < rows; r++)
        for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) dw[e] += gd[(long)r * cols + m->indices[e]];
    if (dx) gemm(0, 0, B, cols, rows, 1, dy, rows, d->wd, cols, 0, dx, cols); /* dX = dY W */
}
