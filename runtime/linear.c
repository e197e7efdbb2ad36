/* linear.c: dense projection y = x W^T + b through OpenBLAS (input
 * projection, classifier, and masked projections stored densely). */
#include "layers.h"

void linear_forward(const real *x, const real *w, const real *b, real *y, int B, int in, int out)
{
    for (int r = 0; r < B; r++)
        for (int o = 0; o < out; o++) y[(long)r * out + o] = b ? b[o] : 0;
    gemm(0, 1, B, out, in, 1, x, in, w, in, 1, y, out);
}

void linear_backward(const real *x, const real *w, const real *dy, real *dx, real *dw, real *db,
                     const uint8_t *mask, int B, int in, int out)
{
    if (db)
        for (int r = 0; r < B; r++)
            for (int o = 0; o < out; o++) db[o] += dy[(long)r * out + o];
    gemm(1, 0, out, in, B, 1, dy, out, x, in, 1, dw, in);        /* dW += dY^T X */
    if (mask) /* a masked weight has no gradient: it stays exactly zero (BIONIC.md §2) */
        for (long i = 0; i < (long)out * in; i++)
            if (!mask[i]) dw[i] = 0;
    if (dx) gemm(0, 0, B, in, out, 1, dy, out, w, in, 0, dx, in); /* dX = dY W */
}
