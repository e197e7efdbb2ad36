/* cave_fetch_synapses.c: the column's synapses (see cave_fetch.h, steps 3-4). */
#define _POSIX_C_SOURCE 200809L
#include "cave_fetch.h"
#include "error.h"
#include "progress.h"
#include "sha256.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SYN_COLUMNS[] = {"id", "pre_pt_root_id", "post_pt_root_id", "size", "ctr_pt_position"};

static int in_sorted(const uint64_t *a, size_t n, uint64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && a[lo] == v;
}

typedef struct {
    int id, pre, post, size, px, py, pz;
} syn_cols;

typedef struct {
    size_t pre_lo, pre_n, post_lo, post_n;
} id_block;

static int grow_syn(fetch_data *d)
{
    if (d->nsyn < d->capsyn) return CONNC_OK;
    size_t n = d->capsyn ? 2 * d->capsyn : 65536;
    fetched_synapse *s = realloc(d->syn, n * sizeof *s);
    if (!s) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu synapses", n);
    d->syn = s;
    d->capsyn = n;
    return CONNC_OK;
}

/* Keeps a row only if its ids are in the block asked for: the in-filters
 * are enforced on the client too, so no server quirk can add foreign rows. */
static int add_synapse(fetch_ctx *x, table *t, const strview *f, const syn_cols *sc, const id_block *b)
{
    fetch_data *d = x->d;
    TRY(grow_syn(d));
    fetched_synapse *s = &d->syn[d->nsyn];
    TRY(fetch_field_u64(t, f, sc->id, &s->id));
    TRY(fetch_field_u64(t, f, sc->pre, &s->pre));
    TRY(fetch_field_u64(t, f, sc->post, &s->post));
    d->st.syn_received++;
    if (!in_sorted(x->roots + b->pre_lo, b->pre_n, s->pre) || !in_sorted(x->roots + b->post_lo, b->post_n, s->post)) {
        d->st.syn_outside++;
        return CONNC_OK;
    }
    s->off = d->text.len;
    fetch_put_field(&d->text, f, sc->size);
    const int pos[3] = {sc->px, sc->py, sc->pz};
    for (int k = 0; k < 3; k++) {
        cbuf_putc(&d->text, ',');
        fetch_put_field(&d->text, f, pos[k]);
    }
    s->len = d->text.len - s->off;
    d->nsyn++;
    return cbuf_ok(&d->text);
}

static int read_syn_page(fetch_ctx *x, const char *path, const id_block *b)
{
    table *t = NULL;
    syn_cols sc;
    const strview *f;
    int rc;
    CHECK(table_open(path, &t));
    if (!table_has_schema(t)) goto fail;
    CHECK(fetch_need_col(t, "id", &sc.id));
    CHECK(fetch_need_col(t, "pre_pt_root_id", &sc.pre));
    CHECK(fetch_need_col(t, "post_pt_root_id", &sc.post));
    sc.size = table_col(t, "size");
    sc.px = table_col(t, "ctr_pt_position_x");
    sc.py = table_col(t, "ctr_pt_position_y");
    sc.pz = table_col(t, "ctr_pt_position_z");
    while ((rc = table_next(t, &f)) > 0) CHECK(add_synapse(x, t, f, &sc, b));
fail:
    table_close(t);
    return rc < 0 ? rc : CONNC_OK;
}

static void syn_query(const fetch_ctx *x, cave_filter f[2], cave_query *q, const id_block *b, int count)
{
    const char *tb = x->o->synapses_table;
    f[0] = (cave_filter){CAVE_IN, tb, "pre_pt_root_id", x->roots + b->pre_lo, NULL, b->pre_n};
    f[1] = (cave_filter){CAVE_IN, tb, "post_pt_root_id", x->roots + b->post_lo, NULL, b->post_n};
    memset(q, 0, sizeof *q);
    q->table = tb;
    q->columns = SYN_COLUMNS;
    q->ncolumns = sizeof SYN_COLUMNS / sizeof SYN_COLUMNS[0];
    q->filters = f;
    q->nfilters = 2;
    q->count = count;
}

typedef struct {
    uint64_t rows;              /* rows kept from the batch's pages */
} batch_result;

static int fetch_syn_block(fetch_ctx *x, id_block b, int depth, batch_result *r);

/* A truncated block is halved: presynaptic ids first, then postsynaptic. */
static int split_block(fetch_ctx *x, id_block b, int depth, batch_result *r)
{
    if (depth >= FETCH_MAX_SPLIT_DEPTH || (b.pre_n == 1 && b.post_n == 1))
        return err_set(CONNC_ERR_LIMIT, "synapses: the server caps answers at %llu rows and one pair of cells has more",
                       (unsigned long long)x->cap);
    id_block lo = b, hi = b;
    if (b.pre_n > 1) {
        lo.pre_n = b.pre_n / 2;
        hi.pre_lo = b.pre_lo + lo.pre_n;
        hi.pre_n = b.pre_n - lo.pre_n;
    } else {
        lo.post_n = b.post_n / 2;
        hi.post_lo = b.post_lo + lo.post_n;
        hi.post_n = b.post_n - lo.post_n;
    }
    TRY(fetch_syn_block(x, lo, depth + 1, r));
    return fetch_syn_block(x, hi, depth + 1, r);
}

static int fetch_syn_block(fetch_ctx *x, id_block b, int depth, batch_result *r)
{
    cave_filter f[2];
    cave_query q;
    cave_page p;
    syn_query(x, f, &q, &b, 0);
    TRY(cave_client_query(x->c, &q, &p));
    x->d->st.syn_pages++;
    if (connc_verbosity >= 2)
        log_info("synapses: pre ids %zu-%zu, post ids %zu-%zu of %zu: %llu rows%s%s", b.pre_lo + 1, b.pre_lo + b.pre_n,
                 b.post_lo + 1, b.post_lo + b.post_n, x->nroots, (unsigned long long)p.info.rows,
                 p.info.truncated ? " (capped: splitting)" : "", p.from_cache ? " (cache)" : "");
    int rc;
    if (p.info.truncated) {
        x->cap = p.info.limit;
        x->d->st.syn_splits++;
        rc = split_block(x, b, depth, r);
    } else {
        rc = read_syn_page(x, p.body_path, &b);
        r->rows += p.info.rows;
        progress_update(&x->bar, x->d->nsyn);
    }
    cave_page_free(&p);
    return rc;
}

/* Batches of presynaptic ids against all postsynaptic ids.  Once a
 * truncated answer has named the row cap, each batch is sized to fill half
 * of it at the mean rows per presynaptic id seen so far (at most --batch),
 * so few answers come back truncated (and wasted); those that do are halved. */
static int fetch_syn_batches(fetch_ctx *x)
{
    size_t size = x->o->batch, n = x->nroots;
    uint64_t rows = 0;
    x->d->st.batch_first = size;
    for (size_t i = 0; i < n;) {
        size_t k = size < n - i ? size : n - i;
        batch_result r = {0};
        TRY(fetch_syn_block(x, (id_block){i, k, 0, n}, 0, &r));
        i += k;
        rows += r.rows;
        if (x->cap) {
            double mean = (double)rows / (double)i, fit = mean > 0 ? (double)x->cap / 2 / mean : (double)x->o->batch;
            size = fit < 1 ? 1 : fit > (double)x->o->batch ? x->o->batch : (size_t)fit;
        }
    }
    x->d->st.batch_last = size;
    return CONNC_OK;
}

static int cmp_syn_id(const void *a, const void *b)
{
    const fetched_synapse *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_syn_pair(const void *a, const void *b)
{
    const fetched_synapse *x = a, *y = b;
    if (x->pre != y->pre) return (x->pre > y->pre) - (x->pre < y->pre);
    if (x->post != y->post) return (x->post > y->post) - (x->post < y->post);
    return cmp_syn_id(a, b);
}

/* De-duplicates by synapse id, checks the total against the server's count,
 * and sorts by (pre, post, id) so the table does not depend on paging. */
static int finish_synapses(fetch_ctx *x)
{
    fetch_data *d = x->d;
    size_t k = 0;
    qsort(d->syn, d->nsyn, sizeof *d->syn, cmp_syn_id);
    for (size_t i = 0; i < d->nsyn; i++) {
        fetched_synapse *s = &d->syn[i];
        if (k && d->syn[k - 1].id == s->id) {
            if (d->syn[k - 1].pre != s->pre || d->syn[k - 1].post != s->post)
                return err_set(CONNC_ERR_NETWORK, "synapse id %llu came back with two different pairs of cells",
                               (unsigned long long)s->id);
            d->st.syn_repeated++;
            continue;
        }
        d->syn[k++] = *s;
    }
    d->nsyn = k;
    if (k != d->st.syn_server_count)
        return err_set(CONNC_ERR_NETWORK, "synapses: the server counts %llu rows of the column's synapse query but its "
                       "pages held %zu: incomplete data (rerun with --refresh)",
                       (unsigned long long)d->st.syn_server_count, k);
    for (size_t i = 0; i < k; i++) d->st.syn_autapses += d->syn[i].pre == d->syn[i].post;
    qsort(d->syn, d->nsyn, sizeof *d->syn, cmp_syn_pair);
    return CONNC_OK;
}

int fetch_synapses(fetch_ctx *x)
{
    cave_filter f[2];
    cave_query q;
    cave_page p;
    id_block all = {0, x->nroots, 0, x->nroots};
    syn_query(x, f, &q, &all, 1);
    TRY(cave_client_query(x->c, &q, &p));
    int rc = fetch_read_count(p.body_path, &x->d->st.syn_server_count);
    cave_page_free(&p);
    TRY(rc);
    cbuf u = {0};
    syn_query(x, f, &q, &all, 0);
    TRY(cave_query_path(x->o->client.datastack, x->c->version, &q, &u));
    x->d->syn_path = u.p;
    progress_begin(&x->bar, "synapses", "rows", x->d->st.syn_server_count);
    rc = fetch_syn_batches(x);
    if (rc == CONNC_OK) progress_end(&x->bar, x->d->nsyn);
    TRY(rc);
    x->d->st.row_cap = x->cap;
    return finish_synapses(x);
}
