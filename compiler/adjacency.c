/* adjacency.c: group synapses by postsynaptic cell, then sort and merge
 * each row: a counting sort by presynaptic cell where the row is long next
 * to the cell count (so O(nsyn) in all for a dense column), qsort where it
 * is short (a whole volume's rows are). */
#include "adjacency.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

/* Sorting by (pre, size) makes every sum of sizes run in one fixed order,
 * so the IR is byte-identical whatever order the table's rows came in. */
static int cmp_entry(const void *a, const void *b)
{
    const adj_entry *x = a, *y = b;
    if (x->pre != y->pre) return x->pre < y->pre ? -1 : 1;
    return (x->size > y->size) - (x->size < y->size);
}

int adjacency_init(adjacency *a, int64_t n, int with_size, const char *dir)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->with_size = with_size;
    a->indptr = calloc((size_t)n + 1, sizeof *a->indptr);
    a->col_count = calloc((size_t)n + 1, sizeof *a->col_count);
    if (!a->indptr || !a->col_count) return err_set(CONNC_ERR_NOMEM, "out of memory for the adjacency of %lld cells", (long long)n);
    TRY(spill_open(&a->indices, sizeof(int32_t), dir));
    TRY(spill_open(&a->count, sizeof(int32_t), dir));
    return spill_open(&a->size, sizeof(double), dir);
}

/* Sizes within each run of equal pre ascending: insertion sort for the
 * usual few synapses per connection, qsort for a long run. */
static void sort_sizes(adj_entry *e, size_t m)
{
    for (size_t i = 0, j; i < m; i = j) {
        for (j = i + 1; j < m && e[j].pre == e[i].pre;) j++;
        if (j - i > 16) {
            qsort(e + i, j - i, sizeof *e, cmp_entry);
            continue;
        }
        for (size_t k = i + 1; k < j; k++) {
            adj_entry x = e[k];
            size_t h = k;
            while (h > i && e[h - 1].size > x.size) e[h] = e[h - 1], h--;
            e[h] = x;
        }
    }
}

/* Room for a row of m synapses in the row and sorting buffers. */
static int reserve_row(adjacency *a, size_t m)
{
    if (m <= a->row_cap) return CONNC_OK;
    int32_t *pre = realloc(a->row_pre, m * sizeof *pre);
    if (pre) a->row_pre = pre;
    int32_t *count = realloc(a->row_count, m * sizeof *count);
    if (count) a->row_count = count;
    double *size = realloc(a->row_size, m * sizeof *size);
    if (size) a->row_size = size;
    adj_entry *tmp = realloc(a->tmp, m * sizeof *tmp);
    if (tmp) a->tmp = tmp;
    if (!pre || !count || !size || !tmp) return err_set(CONNC_ERR_NOMEM, "out of memory for a row of %zu synapses", m);
    a->row_cap = m;
    return CONNC_OK;
}

/* The row in (pre, size) order, as cmp_entry sorts it: counted by pre into
 * tmp, copied back, sizes sorted unless their order cannot change a sum. */
static void counting_sort_row(adjacency *a, adj_entry *e, size_t m, int exact)
{
    int64_t *count = a->col_count;
    for (size_t i = 0; i < m; i++) count[e[i].pre + 1]++;
    for (int64_t c = 0; c < a->n; c++) count[c + 1] += count[c];
    for (size_t i = 0; i < m; i++) a->tmp[count[e[i].pre]++] = e[i];
    memset(count, 0, ((size_t)a->n + 1) * sizeof *count);
    memcpy(e, a->tmp, m * sizeof *e);
    if (!exact) sort_sizes(e, m);
}

/* Merges the sorted synapses of a row into the row buffers. */
static void merge_row(adjacency *a, const adj_entry *e, size_t m)
{
    size_t k = 0;
    for (size_t i = 0; i < m; k++) {
        size_t j = i;
        double sum = 0;
        while (j < m && e[j].pre == e[i].pre) sum += e[j++].size;
        a->row_pre[k] = e[i].pre;
        a->row_count[k] = (int32_t)(j - i);
        a->row_size[k] = sum;
        i = j;
    }
    a->row_n = k;
}

int adjacency_add_row(adjacency *a, adj_entry *e, size_t m, int exact)
{
    TRY(reserve_row(a, m));
    if ((int64_t)m >= a->n / 4) counting_sort_row(a, e, m, exact); /* O(m + n) beats O(m log m) */
    else qsort(e, m, sizeof *e, cmp_entry);
    merge_row(a, e, m);
    TRY(spill_append(&a->indices, a->row_pre, a->row_n));
    TRY(spill_append(&a->count, a->row_count, a->row_n));
    if (a->with_size) TRY(spill_append(&a->size, a->row_size, a->row_n));
    a->nnz += (int64_t)a->row_n;
    a->indptr[++a->rows] = a->nnz;
    return CONNC_OK;
}

void adjacency_free(adjacency *a)
{
    free(a->indptr);
    spill_close(&a->indices);
    spill_close(&a->count);
    spill_close(&a->size);
    free(a->row_pre);
    free(a->row_count);
    free(a->row_size);
    free(a->col_count);
    free(a->tmp);
    memset(a, 0, sizeof *a);
}

void adjacency_group(int64_t n, const int32_t *order, size_t nsyn, const int32_t *pre, const int32_t *post,
                     const float *size, adj_entry *out, int64_t *start)
{
    memset(start, 0, ((size_t)n + 1) * sizeof *start);
    for (size_t s = 0; s < nsyn; s++) start[order[post[s]] + 1]++;
    for (int64_t r = 0; r < n; r++) start[r + 1] += start[r];
    for (size_t s = 0; s < nsyn; s++)
        out[start[order[post[s]]]++] = (adj_entry){order[pre[s]], size ? size[s] : 0.0f};
    for (int64_t r = n; r > 0; r--) start[r] = start[r - 1]; /* undo the scatter's advance */
    start[0] = 0;
}

static int whole(float v) { return v >= 0x1p23f || (v >= 0 && v == (float)(int32_t)v); } /* floats >= 2^23 all are */

/* All sizes whole and together below 2^53 (so is then every partial sum).
 * CAVE's sizes are voxel counts, so sorting them is mostly not needed. */
int adjacency_sums_exact(const float *size, size_t nsyn)
{
    double total = 0;
    for (size_t s = 0; s < nsyn; s++) {
        if (!whole(size[s])) return 0;
        total += size[s];
    }
    return total < 0x1p53;
}
