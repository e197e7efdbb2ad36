/* sparse_linear.c: a masked projection storing only the unmasked weights,
 * as values on the mask's CSR pattern (BIONIC.md §2: "storing only the
 * unmasked entries (CSR) is the natural representation").  Rows are
 * postsynaptic (outputs), columns presynaptic (inputs).  The backward pass
 * forms dW only at mask positions and dX through the transpose. */
#include "layers.h"

#include <string.h>

void sparse_linear_forward(const real *x, const csr_mask *m, const real *w, const real *b, real *y, int B)
{
    for (int n = 0; n < B; n++) {
        const real *xn = x + (long)n * m->cols;
        real *yn = y + (long)n * m->rows;
        for (int r = 0; r < m->rows; r++) {
            real s = b ? b[r] : 0;
            for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) s += w[e] * xn[m->indices[e]];
            yn[r] = s;
        }
    }
}

void sparse_linear_backward(const real *x, const csr_mask *m, const real *w, const real *dy, real *dx,
                            real *dw, real *db, int B)
{
    if (dx) memset(dx, 0, (size_t)B * m->cols * sizeof *dx);
    for (int n = 0; n < B; n++) {
        const real *xn = x + (long)n * m->cols, *gn = dy + (long)n * m->rows;
        real *dxn = dx ? dx + (long)n * m->cols : NULL;
        for (int r = 0; r < m->rows; r++) {
            real g = gn[r];
            if (db) db[r] += g;
            if (g == 0) continue; /* ReLU zeroes many rows: skip them */
            for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) {
                dw[e] += g * xn[m->indices[e]];
                if (dxn) dxn[m->indices[e]] += g * w[e];
            }
        }
    }
}
