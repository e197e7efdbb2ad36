/* adjacency.c: bucket synapses by postsynaptic cell, then sort and merge
 * each row: a counting sort by presynaptic cell where the row is long next
 * to the cell count (so O(nsyn) in all for a dense column), qsort where it
 * is short (a whole volume's rows are). */
#include "adjacency.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t pre;
    float size;
} syn_entry;

/* Sorting by (pre, size) makes every sum of sizes run in one fixed order,
 * so the IR is byte-identical whatever order the table's rows came in. */
static int cmp_entry(const void *a, const void *b)
{
    const syn_entry *x = a, *y = b;
    if (x->pre != y->pre) return x->pre < y->pre ? -1 : 1;
    return (x->size > y->size) - (x->size < y->size);
}

static int alloc_adjacency(adjacency *a, int64_t n, size_t cap, int with_size)
{
    a->n = n;
    a->indptr = calloc((size_t)n + 1, sizeof *a->indptr);
    a->indices = malloc((cap ? cap : 1) * sizeof *a->indices);
    a->count = malloc((cap ? cap : 1) * sizeof *a->count);
    a->size = with_size ? malloc((cap ? cap : 1) * sizeof *a->size) : NULL;
    if (!a->indptr || !a->indices || !a->count || (with_size && !a->size))
        return err_set(CONNC_ERR_NOMEM, "out of memory for the adjacency");
    return CONNC_OK;
}

/* Sizes within each run of equal pre ascending: insertion sort for the
 * usual few synapses per connection, qsort for a long run. */
static void sort_sizes(syn_entry *e, size_t m)
{
    for (size_t i = 0, j; i < m; i = j) {
        for (j = i + 1; j < m && e[j].pre == e[i].pre;) j++;
        if (j - i > 16) {
            qsort(e + i, j - i, sizeof *e, cmp_entry);
            continue;
        }
        for (size_t k = i + 1; k < j; k++) {
            syn_entry x = e[k];
            size_t h = k;
            while (h > i && e[h - 1].size > x.size) e[h] = e[h - 1], h--;
            e[h] = x;
        }
    }
}

/* The row in (pre, size) order, as cmp_entry sorts it: counted by pre into
 * tmp (count: n + 1 zeroed ints, left zeroed), copied back, sizes sorted
 * unless their order cannot change a sum (exact). */
static void counting_sort_row(syn_entry *e, size_t m, syn_entry *tmp, int64_t *count, int64_t n, int exact)
{
    for (size_t i = 0; i < m; i++) count[e[i].pre + 1]++;
    for (int64_t c = 0; c < n; c++) count[c + 1] += count[c];
    for (size_t i = 0; i < m; i++) tmp[count[e[i].pre]++] = e[i];
    memset(count, 0, ((size_t)n + 1) * sizeof *count);
    memcpy(e, tmp, m * sizeof *e);
    if (!exact) sort_sizes(e, m);
}

static int whole(float v) { return v >= 0x1p23f || (v >= 0 && v == (float)(int32_t)v); } /* floats >= 2^23 all are */

/* 1 when every sum of sizes is exact in double, whatever its order: all
 * sizes are whole and together below 2^53 (so is then every partial sum).
 * CAVE's sizes are voxel counts, so sorting them is mostly not needed. */
static int sums_exact(const float *size, size_t nsyn)
{
    double total = 0;
    for (size_t s = 0; s < nsyn; s++) {
        if (!whole(size[s])) return 0;
        total += size[s];
    }
    return total < 0x1p53;
}

/* Merges the sorted entries of one row into (pre, count, size) triples. */
static void merge_row(const syn_entry *e, size_t m, adjacency *a)
{
    for (size_t i = 0; i < m;) {
        size_t j = i;
        double sum = 0;
        while (j < m && e[j].pre == e[i].pre) sum += e[j++].size;
        a->indices[a->nnz] = e[i].pre;
        a->count[a->nnz] = (int32_t)(j - i);
        if (a->size) a->size[a->nnz] = sum;
        a->nnz++;
        i = j;
    }
}

int adjacency_build(int64_t n, const int32_t *order, size_t nsyn, const int32_t *pre, const int32_t *post,
                    const float *size, adjacency *a)
{
    memset(a, 0, sizeof *a);
    int64_t *start = calloc((size_t)n + 1, sizeof *start), *count = calloc((size_t)n + 1, sizeof *count);
    syn_entry *bucket = malloc((nsyn ? nsyn : 1) * sizeof *bucket), *tmp = NULL;
    int rc = (start && count && bucket) ? alloc_adjacency(a, n, nsyn, size != NULL)
                               : err_set(CONNC_ERR_NOMEM, "out of memory for %zu synapses", nsyn);
    if (rc < 0) goto done;
    for (size_t s = 0; s < nsyn; s++) start[order[post[s]] + 1]++;
    for (int64_t r = 0; r < n; r++) start[r + 1] += start[r];
    for (size_t s = 0; s < nsyn; s++)
        bucket[start[order[post[s]]]++] = (syn_entry){order[pre[s]], size ? size[s] : 0.0f};
    for (int64_t r = n; r > 0; r--) start[r] = start[r - 1]; /* undo the scatter's advance */
    start[0] = 0;
    size_t longest = 0;
    for (int64_t r = 0; r < n; r++)
        if ((size_t)(start[r + 1] - start[r]) > longest) longest = (size_t)(start[r + 1] - start[r]);
    if (!(tmp = malloc((longest ? longest : 1) * sizeof *tmp))) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory for %zu synapses", longest);
        goto done;
    }
    int exact = !size || sums_exact(size, nsyn);
    for (int64_t r = 0; r < n; r++) {
        syn_entry *e = bucket + start[r];
        size_t m = (size_t)(start[r + 1] - start[r]);
        if ((int64_t)m >= n / 4) counting_sort_row(e, m, tmp, count, n, exact); /* O(m + n) beats O(m log m) */
        else qsort(e, m, sizeof *e, cmp_entry);
        merge_row(e, m, a);
        a->indptr[r + 1] = a->nnz;
    }
done:
    free(start);
    free(count);
    free(tmp);
    free(bucket);
    if (rc < 0) adjacency_free(a);
    return rc;
}

void adjacency_free(adjacency *a)
{
    free(a->indptr);
    free(a->indices);
    free(a->count);
    free(a->size);
    memset(a, 0, sizeof *a);
}
