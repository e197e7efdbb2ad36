/* synapses.c: stream a synapse table onto the column's cells (see synapses.h). */
#include "synapses.h"
#include "error.h"
#include "progress.h"
#include "table.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#define MAX_SYNAPSES (1ull << 31)

/* What every row is read against: the columns, the cells, the policy, and
 * where the synapses go when the table is read in chunks. */
typedef struct {
    int pre, post, size, valid;
    const cell_table *cells;
    int skip_unknown;
    const synapse_sink *sink; /* NULL: every synapse stays in the list */
    size_t chunk;             /* with a sink: the list's synapses are handed over at this many */
    int part;                 /* which part of a split table this reader reads */
} syn_setup;

/* Room in s for need synapses. */
static int reserve(const syn_setup *u, synapse_list *s, size_t *cap, size_t need)
{
    if (need <= *cap) return CONNC_OK;
    if (need > MAX_SYNAPSES) return err_set(CONNC_ERR_LIMIT, "more than %llu synapses in the column", MAX_SYNAPSES);
    int with_size = u->size >= 0;
    size_t n = *cap ? *cap : 1024; /* small first: many tables read are small */
    while (n < need) n *= 2;
    if (u->sink && n > u->chunk) n = u->chunk;
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

/* Hands the list's synapses to the sink and empties it (its counts stay). */
static int hand_over(const syn_setup *u, synapse_list *s)
{
    TRY(u->sink->take(u->sink->ctx, u->part, s));
    s->n = 0;
    return CONNC_OK;
}

static int read_row(table *t, const syn_setup *u, const strview *f, synapse_list *s, size_t *cap)
{
    s->rows++;
    if (u->valid >= 0 && f[u->valid].p && is_false_text(f[u->valid].p, f[u->valid].n)) {
        s->skipped_invalid++;
        return CONNC_OK;
    }
    int32_t pre, post;
    TRY(lookup(t, f, u->pre, u->cells, &pre));
    TRY(lookup(t, f, u->post, u->cells, &post));
    if (pre < 0 || post < 0) {
        if (u->skip_unknown) {
            s->skipped_unknown++;
            return CONNC_OK;
        }
        int col = pre < 0 ? u->pre : u->post;
        char shown[48];
        return err_set(CONNC_ERR_FORMAT, "%s:%llu: field '%s': root id %s is not in the cell table "
                       "(use --skip-unknown to drop synapses that leave the column)", table_path(t),
                       (unsigned long long)table_where(t), table_colname(t, (size_t)col), sv_show(f[col], shown, sizeof shown));
    }
    TRY(reserve(u, s, cap, s->n + 1));
    s->pre[s->n] = pre;
    s->post[s->n] = post;
    if (u->size >= 0) TRY(read_size(t, f, u->size, &s->size[s->n]));
    s->n++;
    if (u->sink && s->n == u->chunk) return hand_over(u, s);
    return CONNC_OK;
}

/* Reads t's remaining rows into s: 0 at their end, 1 when another thread
 * set *quit (the rows are no longer wanted), or a negative status.  bar and
 * quit may be NULL. */
static int read_rows(const syn_setup *u, table *t, synapse_list *s, size_t *cap, progress *bar, atomic_bool *quit)
{
    const strview *f;
    int rc;
    while ((rc = table_next(t, &f)) > 0) {
        TRY(read_row(t, u, f, s, cap));
        if ((s->rows & 0xFFFF) != 0) continue;
        if (bar) progress_update(bar, table_bytes_done(t));
        if (quit && atomic_load(quit)) return 1;
    }
    return rc;
}

/* Reads the rows after t's part, as a single reader of the whole file would
 * have gone on after t: same list, same line numbers, same first error. */
static int read_rest(const syn_setup *u, const table *t, synapse_list *s, size_t *cap)
{
    table *r;
    TRY(table_open_rest(t, &r));
    int rc = read_rows(u, r, s, cap, NULL, NULL);
    table_close(r);
    return rc;
}

/* The second half of a split table, read by a thread of its own into a list
 * of its own.  Its error messages are not kept: they carry line numbers
 * counted from the split. */
typedef struct {
    const syn_setup *setup;
    table *t;
    synapse_list s;
    size_t cap;
    int rc;
    atomic_bool quit; /* the first half failed: this one is of no use */
} syn_half;

static int half_main(void *arg)
{
    syn_half *h = arg;
    h->rc = read_rows(h->setup, h->t, &h->s, &h->cap, NULL, &h->quit);
    return 0;
}

/* Appends b's synapses and counts to a; with a sink, b's synapses are
 * handed over first when they would overfill a. */
static int append(const syn_setup *u, synapse_list *a, size_t *cap, synapse_list *b, const syn_setup *ub)
{
    if (u->sink && a->n + b->n > u->chunk) TRY(hand_over(ub, b));
    TRY(reserve(u, a, cap, a->n + b->n));
    memcpy(a->pre + a->n, b->pre, b->n * sizeof *b->pre);
    memcpy(a->post + a->n, b->post, b->n * sizeof *b->post);
    if (u->size >= 0) memcpy(a->size + a->n, b->size, b->n * sizeof *b->size);
    a->n += b->n;
    a->rows += b->rows;
    a->skipped_unknown += b->skipped_unknown;
    a->skipped_invalid += b->skipped_invalid;
    return CONNC_OK;
}

/* Reads t's half here and rest's in a second thread.  The second half's
 * rows are used only when t stopped exactly where it starts and no row in
 * it failed; otherwise (or when no thread could start) they are read again
 * after t's, so that the list, and any error with its line, are those of
 * one reader going through the file. */
static int read_halves(const syn_setup *u, table *t, table *rest, synapse_list *s, size_t *cap, progress *bar)
{
    syn_setup second = *u;
    second.part = 1;
    syn_half h = {.setup = &second, .t = rest, .rc = -1};
    atomic_init(&h.quit, 0);
    thrd_t thread;
    int threaded = thrd_create(&thread, half_main, &h) == thrd_success;
    int rc = read_rows(u, t, s, cap, bar, NULL);
    if (rc < 0) atomic_store(&h.quit, 1);
    if (threaded) thrd_join(thread, NULL);
    if (rc == CONNC_OK && h.rc == CONNC_OK && table_stopped_at_split(t)) {
        rc = append(u, s, cap, &h.s, &second);
    } else if (rc == CONNC_OK) {
        if (u->sink) u->sink->drop(u->sink->ctx);
        rc = read_rest(u, t, s, cap);
    }
    synapses_free(&h.s);
    return rc;
}

int synapses_read(const char *path, const cell_table *cells, int skip_unknown, synapse_list *s)
{
    return synapses_read_split(path, cells, skip_unknown, SYNAPSES_SPLIT_BYTES, s);
}

int synapses_read_split(const char *path, const cell_table *cells, int skip_unknown, uint64_t split_bytes,
                        synapse_list *s)
{
    return synapses_stream(path, cells, skip_unknown, split_bytes, NULL, s);
}

int synapses_stream(const char *path, const cell_table *cells, int skip_unknown, uint64_t split_bytes,
                    const synapse_sink *sink, synapse_list *s)
{
    memset(s, 0, sizeof *s);
    table *t = NULL, *rest = NULL;
    size_t cap = 0;
    progress bar;
    int rc;
    CHECK(table_open(path, &t));
    if (!table_has_schema(t)) { /* an empty JSON array: a column without synapses */
        table_close(t);
        return CONNC_OK;
    }
    syn_setup u = {.pre = table_col(t, "pre_pt_root_id"), .post = table_col(t, "post_pt_root_id"),
                   .size = table_col(t, "size"), .valid = table_col(t, "valid"), .cells = cells,
                   .skip_unknown = skip_unknown, .sink = sink, .chunk = sink ? sink->chunk : 0};
    if (u.pre < 0 || u.post < 0) {
        rc = err_set(CONNC_ERR_FORMAT, "%s:1: missing column '%s' (a synapse table needs pre_pt_root_id and post_pt_root_id)",
                     path, u.pre < 0 ? "pre_pt_root_id" : "post_pt_root_id");
        goto fail;
    }
    CHECK(table_split(t, split_bytes, &rest));
    if (rest && sink) u.chunk = sink->chunk / 2; /* each part's list holds half */
    /* the halves go at about the same pace: the bar follows the first one */
    progress_begin(&bar, "synapses", "B", table_bytes_total(t));
    CHECK(rest ? read_halves(&u, t, rest, s, &cap, &bar) : read_rows(&u, t, s, &cap, &bar, NULL));
    progress_end(&bar, table_bytes_done(t));
    table_close(rest);
    table_close(t);
    return CONNC_OK;
fail:
    table_close(rest);
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
