/* cave_fetch_cells.c: the column's cell table (see cave_fetch.h, step 2). */
#define _POSIX_C_SOURCE 200809L
#include "cave_fetch.h"
#include "error.h"
#include "progress.h"
#include "sha256.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const REF_COLUMNS[] = {"id", "target_id", "classification_system", "cell_type"};
static const char *const NUC_COLUMNS[] = {"pt_root_id", "pt_position"};
static const uint64_t ROOT_NONE[] = {0};   /* pt_root_id 0: a nucleus without a segment (§5.4) */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

typedef struct {
    int key, nucleus, root, type, cls, px, py, pz;
} cell_cols;

static int cell_columns(fetch_ctx *x, table *t, cell_cols *cc)
{
    TRY(fetch_need_col(t, "id", &cc->key));
    TRY(fetch_need_col(t, x->ref_table ? "target_id" : "id", &cc->nucleus));
    TRY(fetch_need_col(t, "pt_root_id", &cc->root));
    TRY(fetch_need_col(t, "cell_type", &cc->type));
    TRY(fetch_need_col(t, "pt_position_x", &cc->px));
    TRY(fetch_need_col(t, "pt_position_y", &cc->py));
    TRY(fetch_need_col(t, "pt_position_z", &cc->pz));
    cc->cls = table_col(t, "classification_system");
    return CONNC_OK;
}

static int grow_cells(fetch_data *d)
{
    if (d->ncells < d->capcells) return CONNC_OK;
    size_t n = d->capcells ? 2 * d->capcells : 4096;
    fetched_cell *c = realloc(d->cells, n * sizeof *c);
    if (!c) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu cells", n);
    d->cells = c;
    d->capcells = n;
    return CONNC_OK;
}

/* One row as a cells.csv line: id,valid,pt_root_id,cell_type,classification_system,x,y,z */
static int add_cell(fetch_ctx *x, table *t, const strview *f, const cell_cols *cc, const cave_query *q)
{
    fetch_data *d = x->d;
    TRY(grow_cells(d));
    fetched_cell *c = &d->cells[d->ncells];
    TRY(fetch_field_u64(t, f, cc->key, &c->key));
    TRY(fetch_field_u64(t, f, cc->root, &c->root));
    c->excluded = 0;
    for (size_t i = 0; i < q->nfilters; i++) /* the server ignores exclusions (§5.1) */
        if (q->filters[i].op == CAVE_OUT && !strcmp(q->filters[i].column, "pt_root_id"))
            c->excluded |= cave_filter_matches(&q->filters[i], f[cc->root].p ? f[cc->root].p : "0", f[cc->root].p ? f[cc->root].n : 1);
    c->off = d->text.len;
    fetch_put_field(&d->text, f, cc->nucleus);
    cbuf_printf(&d->text, ",t,%llu,", (unsigned long long)c->root);
    fetch_put_field(&d->text, f, cc->type);
    cbuf_putc(&d->text, ',');
    fetch_put_field(&d->text, f, cc->cls);
    const int pos[3] = {cc->px, cc->py, cc->pz};
    for (int k = 0; k < 3; k++) {
        cbuf_putc(&d->text, ',');
        fetch_put_field(&d->text, f, pos[k]);
    }
    c->len = d->text.len - c->off;
    d->ncells++;
    d->st.cells_received++;
    return cbuf_ok(&d->text);
}

static int read_cell_page(fetch_ctx *x, const char *path, const cave_query *q)
{
    table *t = NULL;
    cell_cols cc;
    const strview *f;
    int rc;
    CHECK(table_open(path, &t));
    if (!table_has_schema(t)) goto fail; /* [] */
    CHECK(cell_columns(x, t, &cc));
    while ((rc = table_next(t, &f)) > 0) CHECK(add_cell(x, t, f, &cc, q));
fail:
    table_close(t);
    return rc < 0 ? rc : CONNC_OK;
}

/* The cell query, optionally limited to table ids in [*lo, *hi) (0: open). */
static void cell_query(const fetch_ctx *x, cave_filter f[3], cave_query *q, const uint64_t *lo, const uint64_t *hi,
                       int count)
{
    const char *tb = x->o->cells_table;
    size_t n = 0;
    f[n++] = (cave_filter){CAVE_OUT, x->ref_table ? x->ref_table : tb, "pt_root_id", ROOT_NONE, NULL, 1};
    if (*lo) f[n++] = (cave_filter){CAVE_GE, tb, "id", lo, NULL, 1};
    if (*hi) f[n++] = (cave_filter){CAVE_LT, tb, "id", hi, NULL, 1};
    memset(q, 0, sizeof *q);
    q->table = tb;
    q->filters = f;
    q->nfilters = n;
    q->count = count;
    if (x->ref_table) { /* §5.2: cell types joined with the nucleus table */
        q->join_table = x->ref_table;
        q->join_column = "target_id";
        q->join_ref_column = "id";
        q->columns = REF_COLUMNS;
        q->ncolumns = sizeof REF_COLUMNS / sizeof REF_COLUMNS[0];
        q->join_columns = NUC_COLUMNS;
        q->njoin_columns = sizeof NUC_COLUMNS / sizeof NUC_COLUMNS[0];
    }
}

/* Where to split a truncated id range: the median id of the rows that came
 * back (an arbitrary subset of the range, §5.6), kept strictly inside it. */
static int split_point(const char *path, uint64_t lo, uint64_t hi, uint64_t *mid)
{
    table *t = NULL;
    const strview *f;
    uint64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int col = -1, rc;
    CHECK(table_open(path, &t));
    CHECK(fetch_need_col(t, "id", &col));
    while ((rc = table_next(t, &f)) > 0) {
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            uint64_t *p = realloc(ids, cap * sizeof *p);
            if (!p) { rc = err_set(CONNC_ERR_NOMEM, "out of memory"); goto fail; }
            ids = p;
        }
        CHECK(fetch_field_u64(t, f, col, &ids[n]));
        n++;
    }
    if (rc < 0) goto fail;
    qsort(ids, n, sizeof *ids, cmp_u64);
    uint64_t m = n ? ids[n / 2] : lo + 1;
    if (m <= lo) m = lo + 1;
    if (hi && m >= hi) m = hi - 1;
    *mid = m;
    rc = (m > lo && (!hi || m < hi)) ? CONNC_OK
                                     : err_set(CONNC_ERR_LIMIT, "%s: the server truncates the cell query even for one id", path);
fail:
    free(ids);
    table_close(t);
    return rc;
}

static int fetch_cell_range(fetch_ctx *x, uint64_t lo, uint64_t hi, int depth)
{
    cave_filter f[3];
    cave_query q;
    cave_page p;
    cell_query(x, f, &q, &lo, &hi, 0);
    TRY(cave_client_query(x->c, &q, &p));
    x->d->st.cell_pages++;
    if (!x->d->cells_body) { /* the first, whole-table query, for the provenance */
        cbuf b = {0}, u = {0};
        cave_query_body(&q, &b);
        cave_query_path(x->o->client.datastack, x->c->version, &q, &u);
        x->d->cells_body = b.p;
        x->d->cells_path = u.p;
    }
    int rc;
    if (!p.info.truncated) {
        rc = read_cell_page(x, p.body_path, &q);
    } else {
        uint64_t mid = 0;
        x->cap = p.info.limit;
        x->d->st.cell_splits++;
        rc = depth >= FETCH_MAX_SPLIT_DEPTH ? err_set(CONNC_ERR_LIMIT, "cell query: splitting too deep")
                                      : split_point(p.body_path, lo, hi, &mid);
        if (connc_verbosity >= 2 && rc == CONNC_OK)
            log_info("cells: %llu rows (capped), splitting ids at %llu", (unsigned long long)p.info.rows, (unsigned long long)mid);
        if (rc == CONNC_OK) rc = fetch_cell_range(x, lo, mid, depth + 1);
        if (rc == CONNC_OK) rc = fetch_cell_range(x, mid, hi, depth + 1);
    }
    cave_page_free(&p);
    return rc;
}

static int cmp_cell_key(const void *a, const void *b)
{
    const fetched_cell *x = a, *y = b;
    return x->key != y->key ? (x->key > y->key) - (x->key < y->key) : (x->off > y->off) - (x->off < y->off);
}

static int cmp_cell_root(const void *a, const void *b)
{
    const fetched_cell *x = a, *y = b;
    return x->root != y->root ? (x->root > y->root) - (x->root < y->root) : cmp_cell_key(a, b);
}

/* Rows repeated (same table id) count once; excluded rows go; root ids
 * on several rows (multi-soma segments) go entirely; the rest is sorted by
 * root id, and the root ids become the synapse query's id list. */
static int finish_cells(fetch_ctx *x)
{
    fetch_data *d = x->d;
    size_t k = 0;
    qsort(d->cells, d->ncells, sizeof *d->cells, cmp_cell_key);
    for (size_t i = 0; i < d->ncells; i++) {
        if (k && d->cells[k - 1].key == d->cells[i].key) { d->st.cells_repeated++; continue; }
        d->cells[k++] = d->cells[i];
    }
    if (k != d->st.cells_server_count)
        return err_set(CONNC_ERR_NETWORK, "cells: the server counts %llu rows of the cell query but its pages held %zu: "
                       "incomplete data (rerun with --refresh)", (unsigned long long)d->st.cells_server_count, k);
    d->ncells = k;
    k = 0;
    for (size_t i = 0; i < d->ncells; i++)
        if (d->cells[i].excluded) d->st.cells_excluded++;
        else d->cells[k++] = d->cells[i];
    d->ncells = k;
    qsort(d->cells, d->ncells, sizeof *d->cells, cmp_cell_root);
    k = 0;
    for (size_t i = 0, j; i < d->ncells; i = j) {
        for (j = i + 1; j < d->ncells && d->cells[j].root == d->cells[i].root;) j++;
        if (j - i > 1) {
            d->st.multi_soma_rows += j - i;
            d->st.multi_soma_roots++;
            continue;
        }
        d->cells[k++] = d->cells[i];
    }
    d->ncells = k;
    if (!(x->roots = malloc((k ? k : 1) * sizeof *x->roots))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    x->nroots = k;
    sha256_ctx h;
    sha256_init(&h);
    for (size_t i = 0; i < k; i++) {
        char line[32];
        x->roots[i] = d->cells[i].root;
        int n = snprintf(line, sizeof line, "%llu\n", (unsigned long long)x->roots[i]);
        sha256_update(&h, line, (size_t)n);
    }
    sha256_final_hex(&h, d->roots_sha256);
    if (!k) return err_set(CONNC_ERR_NOTFOUND, "table '%s' has no cell with a root id", x->o->cells_table);
    return CONNC_OK;
}

int fetch_cells(fetch_ctx *x)
{
    cave_filter f[3];
    cave_query q;
    cave_page p;
    uint64_t lo = 0, hi = 0;
    cell_query(x, f, &q, &lo, &hi, 1);
    TRY(cave_client_query(x->c, &q, &p));
    int rc = fetch_read_count(p.body_path, &x->d->st.cells_server_count);
    cave_page_free(&p);
    TRY(rc);
    TRY(fetch_cell_range(x, 0, 0, 0));
    TRY(finish_cells(x));
    log_info("cells: %zu with a root id of %llu rows in '%s'%s", x->d->ncells, (unsigned long long)x->d->st.cells_server_count,
             x->o->cells_table, x->d->st.multi_soma_roots ? " (multi-soma root ids dropped)" : "");
    return CONNC_OK;
}
