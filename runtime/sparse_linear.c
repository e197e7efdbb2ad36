/* sparse_linear.c: a masked projection storing only the unmasked weights,
 * as values on the mask's CSR pattern (BIONIC.md §2: "storing only the
 * unmasked entries (CSR) is the natural representation").  Rows are
 * postsynaptic (outputs), columns presynaptic (inputs).  The backward pass
 * forms dW only at mask positions and dX through the transpose.
 *
 * Activations arrive batch-major ([B, n]); the kernels work on transposed
 * copies ([n, B]) so that every mask entry touches B contiguous values: the
 * inner loops run over the batch and vectorise, where batch-major order
 * would gather one value per image from a random column. */
#include "layers.h"

#include <string.h>

/* t[c * rows + r] = a[r * cols + c] */
static void transpose(const real *a, real *t, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) t[(long)c * rows + r] = a[(long)r * cols + c];
}

/* Each output sums bias, then its row's entries in CSR order, as a plain
 * row-by-row product would. */
void sparse_linear_forward(const real *x, const csr_mask *m, const real *w, const real *b, real *y, int B, real *work)
{
    real *xt = work, *yt = work + (long)m->cols * B;
    transpose(x, xt, B, m->cols);
    for (int r = 0; r < m->rows; r++) {
        real *acc = yt + (long)r * B;
        for (int n = 0; n < B; n++) acc[n] = b ? b[r] : 0;
        for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) {
            const real *xc = xt + (long)m->indices[e] * B, we = w[e];
            for (int n = 0; n < B; n++) acc[n] += we * xc[n];
        }
    }
    transpose(yt, y, m->rows, B);
}

static int all_zero(const real *g, int n)
{
    for (int i = 0; i < n; i++)
        if (g[i] != 0) return 0;
    return 1;
}

void sparse_linear_backward(const real *x, const csr_mask *m, const real *w, const real *dy, real *dx,
                            real *dw, real *db, int B, real *work)
{
    real *xt = work, *gt = xt + (long)m->cols * B, *dxt = gt + (long)m->rows * B;
    transpose(x, xt, B, m->cols);
    transpose(dy, gt, B, m->rows);
    if (dx) memset(dxt, 0, (size_t)m->cols * B * sizeof *dxt);
    for (int r = 0; r < m->rows; r++) {
        const real *g = gt + (long)r * B;
        if (db)
            for (int n = 0; n < B; n++) db[r] += g[n];
        if (all_zero(g, B)) continue; /* a unit the ReLU shut for the whole batch */
        for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) {
            long c = m->indices[e];
            dw[e] += dot_lanes(g, xt + c * B, B);
            if (!dx) continue;
            real *d = dxt + c * B, we = w[e];
            for (int n = 0; n < B; n++) d[n] += g[n] * we;
        }
    }
    if (dx) transpose(dxt, dx, m->cols, B);
}
