/* synapses.c: stream a synapse table onto the column's cells (see synapses.h). */
#include "synapses.h"
#include "error.h"
#include "progress.h"
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SYNAPSES (1ull << 31)

typedef struct {
    int pre, post, size, valid;
} syn_cols;

static int grow(synapse_list *s, size_t *cap, int with_size)
{
    if (s->n < *cap) return CONNC_OK;
    if (*cap >= MAX_SYNAPSES) return err_set(CONNC_ERR_LIMIT, "more than %llu synapses in the column", MAX_SYNAPSES);
    size_t n = *cap ? 2 * *cap : 1024; /* small first: many tables read are small */
    int32_t *a = realloc(s->pre, n * sizeof *a);
    if (a) s->pre = a;
    int32_t *b = realloc(s->post, n * sizeof *b);
    if (b) s->post = b;
    float *z = with_size ? realloc(s->size, n * sizeof *z) : NULL;
    if (z) s->size = z;
    if (!a || !b || (with_size && !z)) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu synapses", n);
    *cap = n;
    return CONNC_OK;
}

/* Maps one root-id field to a cell row: >= 0, -1 unknown cell, or an error. */
static int lookup(table *t, const strview *f, int col, const cell_table *cells, int32_t *out)
{
    char shown[48];
    uint64_t id;
    int rc = parse_u64(f[col], &id);
    if (rc != 0)
        return err_set(CONNC_ERR_FORMAT, "%s:%llu: field '%s': %s: '%s'", table_path(t), (unsigned long long)table_where(t),
                       table_colname(t, (size_t)col), rc == -2 ? "does not fit in 64 bits" : "not an unsigned integer",
                       sv_show(f[col], shown, sizeof shown));
    *out = id_map_get(&cells->index, id);
    return CONNC_OK;
}

static int read_size(table *t, const strview *f, int col, float *out)
{
    char shown[48];
    double v;
    if (parse_f64(f[col], &v) != 0 || v < 0 || v > 3.4e38)
        return err_set(CONNC_ERR_FORMAT, "%s:%llu: field 'size': expected a number >= 0, got '%s'", table_path(t),
                       (unsigned long long)table_where(t), sv_show(f[col], shown, sizeof shown));
    *out = (float)v;
    return CONNC_OK;
}

static int read_row(table *t, const syn_cols *sc, const strview *f, const cell_table *cells,
                    int skip_unknown, synapse_list *s, size_t *cap)
{
    s->rows++;
    if (sc->valid >= 0 && f[sc->valid].p && is_false_text(f[sc->valid].p, f[sc->valid].n)) {
        s->skipped_invalid++;
        return CONNC_OK;
    }
    int32_t pre, post;
    TRY(lookup(t, f, sc->pre, cells, &pre));
    TRY(lookup(t, f, sc->post, cells, &post));
    if (pre < 0 || post < 0) {
        if (skip_unknown) {
            s->skipped_unknown++;
            return CONNC_OK;
        }
        int col = pre < 0 ? sc->pre : sc->post;
        char shown[48];
        return err_set(CONNC_ERR_FORMAT, "%s:%llu: field '%s': root id %s is not in the cell table "
                       "(use --skip-unknown to drop synapses that leave the column)", table_path(t),
                       (unsigned long long)table_where(t), table_colname(t, (size_t)col), sv_show(f[col], shown, sizeof shown));
    }
    TRY(grow(s, cap, sc->size >= 0));
    s->pre[s->n] = pre;
    s->post[s->n] = post;
    if (sc->size >= 0) TRY(read_size(t, f, sc->size, &s->size[s->n]));
    s->n++;
    return CONNC_OK;
}

int synapses_read(const char *path, const cell_table *cells, int skip_unknown, synapse_list *s)
{
    memset(s, 0, sizeof *s);
    table *t = NULL;
    size_t cap = 0;
    syn_cols sc;
    progress bar;
    int rc;
    CHECK(table_open(path, &t));
    if (!table_has_schema(t)) { /* an empty JSON array: a column without synapses */
        table_close(t);
        return CONNC_OK;
    }
    sc.pre = table_col(t, "pre_pt_root_id");
    sc.post = table_col(t, "post_pt_root_id");
    sc.size = table_col(t, "size");
    sc.valid = table_col(t, "valid");
    if (sc.pre < 0 || sc.post < 0) {
        rc = err_set(CONNC_ERR_FORMAT, "%s:1: missing column '%s' (a synapse table needs pre_pt_root_id and post_pt_root_id)",
                     path, sc.pre < 0 ? "pre_pt_root_id" : "post_pt_root_id");
        goto fail;
    }
    progress_begin(&bar, "synapses", "B", table_bytes_total(t));
    const strview *f;
    while ((rc = table_next(t, &f)) > 0) {
        CHECK(read_row(t, &sc, f, cells, skip_unknown, s, &cap));
        if ((s->rows & 0xFFFF) == 0) progress_update(&bar, table_bytes_done(t));
    }
    if (rc < 0) goto fail;
    progress_end(&bar, table_bytes_done(t));
    table_close(t);
    return CONNC_OK;
fail:
    table_close(t);
    synapses_free(s);
    return rc;
}

void synapses_free(synapse_list *s)
{
    free(s->pre);
    free(s->post);
    free(s->size);
    memset(s, 0, sizeof *s);
}
