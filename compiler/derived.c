/* derived.c: masks, inhibition and statistics, row by row (see derived.h). */
#include "derived.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

static int mask_init(mask *m, const ir_layer *rows, const ir_layer *cols)
{
    m->nrows = rows->size;
    m->ncols = cols->size;
    if (!(m->indptr = calloc((size_t)m->nrows + 1, sizeof *m->indptr))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    return CONNC_OK;
}

int derived_init(derived *d, const derive_setup *u, const char *dir)
{
    memset(d, 0, sizeof *d);
    d->u = *u;
    size_t L = u->nlayers, T = u->ntypes;
    d->inter = calloc(L, sizeof *d->inter);
    d->intra = calloc(L, sizeof *d->intra);
    d->inhibition = calloc(L, sizeof *d->inhibition);
    d->inter_synapses = calloc(L, sizeof *d->inter_synapses);
    d->intra_synapses = calloc(L, sizeof *d->intra_synapses);
    d->type_synapses = calloc(T ? T * T : 1, sizeof *d->type_synapses);
    if (!d->inter || !d->intra || !d->inhibition || !d->inter_synapses || !d->intra_synapses || !d->type_synapses)
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    TRY(spill_open(&d->inter_indices, sizeof(int32_t), dir));
    TRY(spill_open(&d->intra_indices, sizeof(int32_t), dir));
    for (size_t l = 0; l < L; l++) {
        TRY(mask_init(&d->intra[l], &u->layers[l], &u->layers[l]));
        if (l > 0) TRY(mask_init(&d->inter[l], &u->layers[l], &u->layers[l - 1]));
        if (!(d->inhibition[l] = calloc((size_t)u->layers[l].size, sizeof(int32_t))))
            return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    return CONNC_OK;
}

/* Row i of mask m, from the connections whose presynaptic cell is in layer
 * `from`, 1 where count >= threshold; with drop_diagonal the connection of
 * cell r onto itself is left out, of the mask and of *synapses. */
static int mask_row(derived *d, mask *m, spill *indices, const ir_layer *from, int64_t i, int64_t r,
                    int drop_diagonal, const int32_t *pre, const int32_t *count, size_t k, int64_t *synapses)
{
    if (i == 0) m->first = indices->n;
    size_t j = 0;
    for (size_t e = 0; e < k; e++) {
        int64_t c = pre[e] - from->offset;
        if (c < 0 || c >= from->size || (drop_diagonal && pre[e] == r)) continue;
        *synapses += count[e];
        if (count[e] >= d->u.threshold) d->row[j++] = (int32_t)c;
    }
    m->nnz += (int64_t)j;
    m->indptr[i + 1] = m->nnz;
    return spill_append(indices, d->row, j);
}

static int reserve_row(derived *d, size_t k)
{
    if (k <= d->row_cap) return CONNC_OK;
    int32_t *row = realloc(d->row, k * sizeof *row);
    if (!row) return err_set(CONNC_ERR_NOMEM, "out of memory for a row of %zu connections", k);
    d->row = row;
    d->row_cap = k;
    return CONNC_OK;
}

int derived_row(derived *d, int64_t r, const int32_t *pre, const int32_t *count, size_t k)
{
    const derive_setup *u = &d->u;
    int32_t inhibition = 0;
    for (size_t e = 0; e < k; e++) {
        d->type_synapses[(size_t)u->type[pre[e]] * u->ntypes + (size_t)u->type[r]] += count[e];
        if (pre[e] == r) d->autapses += count[e];
        if (u->inhibitory[pre[e]]) inhibition += u->inhibition == INHIBITION_SYNAPSES ? count[e] : 1;
    }
    int32_t l = u->layer[r];
    if (l < 0) return CONNC_OK;
    const ir_layer *y = &u->layers[l];
    int64_t i = r - y->offset;
    d->inhibition[l][i] = inhibition;
    TRY(reserve_row(d, k));
    TRY(mask_row(d, &d->intra[l], &d->intra_indices, y, i, r, !u->autapses, pre, count, k, &d->intra_synapses[l]));
    if (l > 0) TRY(mask_row(d, &d->inter[l], &d->inter_indices, y - 1, i, r, 0, pre, count, k, &d->inter_synapses[l]));
    return CONNC_OK;
}

void derived_free(derived *d)
{
    for (size_t l = 0; l < d->u.nlayers; l++) {
        if (d->inter) free(d->inter[l].indptr);
        if (d->intra) free(d->intra[l].indptr);
        if (d->inhibition) free(d->inhibition[l]);
    }
    free(d->inter);
    free(d->intra);
    free(d->inhibition);
    free(d->inter_synapses);
    free(d->intra_synapses);
    free(d->type_synapses);
    free(d->row);
    spill_close(&d->inter_indices);
    spill_close(&d->intra_indices);
    memset(d, 0, sizeof *d);
}
