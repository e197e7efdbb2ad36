/* masks.c: slice masks and inhibition vectors out of the adjacency. */
#include "masks.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

int mask_extract(const adjacency *a, int64_t row0, int64_t nrows, int64_t col0, int64_t ncols,
                 int threshold, int drop_diagonal, mask *m)
{
    memset(m, 0, sizeof *m);
    m->nrows = nrows;
    m->ncols = ncols;
    int64_t cap = a->indptr[row0 + nrows] - a->indptr[row0];
    m->indptr = calloc((size_t)nrows + 1, sizeof *m->indptr);
    m->indices = malloc((size_t)(cap ? cap : 1) * sizeof *m->indices);
    if (!m->indptr || !m->indices) {
        mask_free(m);
        return err_set(CONNC_ERR_NOMEM, "out of memory for a mask");
    }
    for (int64_t r = 0; r < nrows; r++) {
        for (int64_t e = a->indptr[row0 + r]; e < a->indptr[row0 + r + 1]; e++) {
            int64_t c = a->indices[e] - col0;
            if (c < 0 || c >= ncols || a->count[e] < threshold) continue;
            if (drop_diagonal && c + col0 == r + row0) continue;
            m->indices[m->nnz++] = (int32_t)c;
        }
        m->indptr[r + 1] = m->nnz;
    }
    return CONNC_OK;
}

void mask_free(mask *m)
{
    free(m->indptr);
    free(m->indices);
    memset(m, 0, sizeof *m);
}

void inhibition_vector(const adjacency *a, const uint8_t *inhibitory, int64_t row0, int64_t nrows,
                       inhibition_mode mode, int32_t *out)
{
    for (int64_t r = 0; r < nrows; r++) {
        int32_t sum = 0;
        for (int64_t e = a->indptr[row0 + r]; e < a->indptr[row0 + r + 1]; e++)
            if (inhibitory[a->indices[e]]) sum += mode == INHIBITION_SYNAPSES ? a->count[e] : 1;
        out[r] = sum;
    }
}
