/* stream.c: the out-of-core compile (see stream.h). */
#define _POSIX_C_SOURCE 200809L
#include "stream.h"
#include "error.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <threads.h>

int stream_plan_for(uint64_t mem, size_t ncells, const char *dir, stream_plan *p)
{
    uint64_t fixed = STREAM_FIXED_BYTES + (uint64_t)ncells * STREAM_CELL_BYTES;
    if (mem < fixed + STREAM_MIN_BUFFER)
        return err_set(CONNC_ERR_LIMIT, "--mem: too small for %zu cells, which need at least %lluM", ncells,
                       (unsigned long long)((fixed + STREAM_MIN_BUFFER + (1u << 20) - 1) >> 20));
    uint64_t buffer = mem - fixed;
    p->chunk = (size_t)(buffer / 20);
    p->block_bytes = buffer;
    p->in_memory = (size_t)(buffer / 40);
    p->dir = dir;
    p->split_bytes = SYNAPSES_SPLIT_BYTES;
    return CONNC_OK;
}

/* ------------------------------------------------------------ pass 1 */

/* A chunk in the scratch files: its runs start at elements slot * (n + 1)
 * .. of the index file; part: the reading thread that handed it over. */
typedef struct {
    uint64_t slot;
    int part;
} chunk_ref;

/* A reading thread's chunk, grouped by row. */
typedef struct {
    adj_entry *e;
    size_t cap;
    int64_t *start;          /* n + 1 */
} grouper;

typedef struct {
    int64_t n;               /* cells = rows */
    const int32_t *newpos;   /* cell table row -> IR index */
    const char *dir;         /* scratch files, opened with the first chunk */
    spill data;              /* adj_entry: chunk after chunk, each grouped by row */
    spill index;             /* int64: per chunk, where each row's run starts in data (n + 1) */
    chunk_ref *chunks;
    size_t nchunks, cap;
    int64_t *rows[2];        /* per part: synapses of each row */
    uint64_t synapses[2];    /* per part */
    int with_size;
    grouper g[2];            /* per part */
    mtx_t lock;              /* two threads may hand chunks over at once */
    int have_lock;
} buckets;

static void grouper_free(grouper *g)
{
    free(g->e);
    free(g->start);
    memset(g, 0, sizeof *g);
}

static int buckets_init(buckets *b, int64_t n, const int32_t *newpos, const char *dir)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->newpos = newpos;
    b->dir = dir;
    if (mtx_init(&b->lock, mtx_plain) != thrd_success) return err_set(CONNC_ERR_NOMEM, "cannot create a lock");
    b->have_lock = 1;
    b->rows[0] = calloc((size_t)n + 1, sizeof *b->rows[0]);
    b->rows[1] = calloc((size_t)n + 1, sizeof *b->rows[1]);
    if (!b->rows[0] || !b->rows[1]) return err_set(CONNC_ERR_NOMEM, "out of memory for %lld cells", (long long)n);
    return CONNC_OK;
}

static void buckets_free(buckets *b)
{
    spill_close(&b->data);
    spill_close(&b->index);
    free(b->chunks);
    free(b->rows[0]);
    free(b->rows[1]);
    grouper_free(&b->g[0]);
    grouper_free(&b->g[1]);
    if (b->have_lock) mtx_destroy(&b->lock);
    memset(b, 0, sizeof *b);
}

static int grouper_reserve(grouper *g, int64_t n, size_t m)
{
    if (!g->start && !(g->start = malloc(((size_t)n + 1) * sizeof *g->start)))
        return err_set(CONNC_ERR_NOMEM, "out of memory for %lld cells", (long long)n);
    if (m <= g->cap) return CONNC_OK;
    adj_entry *e = realloc(g->e, m * sizeof *e);
    if (!e) return err_set(CONNC_ERR_NOMEM, "out of memory for a chunk of %zu synapses", m);
    g->e = e;
    g->cap = m;
    return CONNC_OK;
}

/* Appends a grouped chunk of m synapses to the scratch files (under the lock). */
static int store(buckets *b, int part, grouper *g, size_t m, int with_size)
{
    /* opened here: a table compiled in memory needs no scratch files */
    if (!b->data.file) TRY(spill_open(&b->data, sizeof(adj_entry), b->dir));
    if (!b->index.file) TRY(spill_open(&b->index, sizeof(int64_t), b->dir));
    if (b->nchunks == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        chunk_ref *c = realloc(b->chunks, cap * sizeof *c);
        if (!c) return err_set(CONNC_ERR_NOMEM, "out of memory");
        b->chunks = c;
        b->cap = cap;
    }
    int64_t first = (int64_t)b->data.n;
    for (int64_t r = 0; r < b->n; r++) b->rows[part][r] += g->start[r + 1] - g->start[r];
    for (int64_t r = 0; r <= b->n; r++) g->start[r] += first;
    b->chunks[b->nchunks++] = (chunk_ref){b->index.n / ((uint64_t)b->n + 1), part};
    b->synapses[part] += m;
    b->with_size |= with_size;
    TRY(spill_append(&b->data, g->e, m));
    return spill_append(&b->index, g->start, (uint64_t)b->n + 1);
}

/* synapse_sink.take: groups the chunk in the reading thread, then stores it. */
static int take(void *ctx, int part, const synapse_list *s)
{
    buckets *b = ctx;
    grouper *g = &b->g[part];
    TRY(grouper_reserve(g, b->n, s->n));
    adjacency_group(b->n, b->newpos, s->n, s->pre, s->post, s->size, g->e, g->start);
    mtx_lock(&b->lock);
    int rc = store(b, part, g, s->n, s->size != NULL);
    mtx_unlock(&b->lock);
    return rc;
}

/* synapse_sink.drop: part 1's chunks stay in the files, unreferenced. */
static void drop(void *ctx)
{
    buckets *b = ctx;
    size_t k = 0;
    for (size_t i = 0; i < b->nchunks; i++)
        if (b->chunks[i].part == 0) b->chunks[k++] = b->chunks[i];
    b->nchunks = k;
    memset(b->rows[1], 0, ((size_t)b->n + 1) * sizeof *b->rows[1]);
    b->synapses[1] = 0;
}

/* ------------------------------------------------------------ pass 2 */

/* The next block of rows, r0 .. *r1 - 1: as many as fit in budget, at least
 * one (else CONNC_ERR_LIMIT); *entries: its synapses. */
static int next_block(const buckets *b, const ir *x, int64_t r0, uint64_t budget, int64_t *r1, uint64_t *entries)
{
    uint64_t e = 0, longest = 0;
    int64_t r = r0;
    for (; r < b->n; r++) {
        uint64_t m = (uint64_t)b->rows[0][r], l = m > longest ? m : longest;
        if (8 * (e + m) + 28 * l > budget) break;
        e += m;
        longest = l;
    }
    if (r == r0)
        return err_set(CONNC_ERR_LIMIT, "--mem: cell %llu has %lld synapses, more than fit in memory at once "
                       "(give %lluM more)", (unsigned long long)x->root_id[r0], (long long)b->rows[0][r0],
                       (unsigned long long)((36 * (uint64_t)b->rows[0][r0] - budget) >> 20) + 1);
    *r1 = r;
    *entries = e;
    return CONNC_OK;
}

/* Block buffers: synapses grouped by row, where each row's run starts and
 * is filled to, and a chunk's run offsets. */
typedef struct {
    adj_entry *e;
    int64_t *start, *fill, *slice;
} block;

/* Gathers rows r0 .. r1 - 1 from every chunk into k->e, grouped by row. */
static int gather(buckets *b, int64_t r0, int64_t r1, block *k)
{
    int64_t nr = r1 - r0;
    memcpy(k->fill, k->start, (size_t)nr * sizeof *k->fill);
    for (size_t c = 0; c < b->nchunks; c++) {
        TRY(spill_seek(&b->index, b->chunks[c].slot * ((uint64_t)b->n + 1) + (uint64_t)r0));
        TRY(spill_read(&b->index, k->slice, (uint64_t)nr + 1));
        TRY(spill_seek(&b->data, (uint64_t)k->slice[0]));
        for (int64_t i = 0; i < nr; i++) {
            int64_t len = k->slice[i + 1] - k->slice[i];
            TRY(spill_read(&b->data, k->e + k->fill[i], (uint64_t)len));
            k->fill[i] += len;
        }
    }
    return CONNC_OK;
}

/* Adds the gathered rows, a slice at a time for the progress bar. */
static int add_block(ir *x, block *k, int64_t r0, int64_t r1, progress *bar, uint64_t done)
{
    enum { SLICE = 4096 };
    for (int64_t r = r0; r < r1; r += SLICE) {
        int64_t end = r1 - r < SLICE ? r1 : r + SLICE;
        /* sizes are always sorted: the sums are the same as when compile_column need not */
        TRY(compile_rows(x, k->e, k->start + (r - r0), r, end, 0));
        progress_update(bar, done + (uint64_t)k->start[end - r0]);
    }
    return CONNC_OK;
}

static void block_free(block *k)
{
    free(k->e);
    free(k->start);
    free(k->fill);
    free(k->slice);
}

static int merge(buckets *b, const stream_plan *p, ir *x)
{
    int64_t n = b->n, r0, r1 = 0;
    uint64_t e = 0, most = 0, done = 0;
    size_t nblocks = 0;
    for (r0 = 0; r0 < n; r0 = r1, nblocks++) {
        TRY(next_block(b, x, r0, p->block_bytes, &r1, &e));
        if (e > most) most = e;
    }
    log_info("compiling out of core (chunks: %zu, blocks of rows: %zu, scratch files in %s)", b->nchunks, nblocks, p->dir);
    block k = {malloc((most ? most : 1) * sizeof *k.e), malloc(((size_t)n + 1) * sizeof *k.start),
               malloc(((size_t)n + 1) * sizeof *k.fill), malloc(((size_t)n + 1) * sizeof *k.slice)};
    int rc = CONNC_OK;
    progress bar;
    if (!k.e || !k.start || !k.fill || !k.slice) CHECK(err_set(CONNC_ERR_NOMEM, "out of memory for a block"));
    progress_begin(&bar, "adjacency", "syn", b->synapses[0]);
    for (r0 = 0; r0 < n; r0 = r1, done += e) {
        CHECK(next_block(b, x, r0, p->block_bytes, &r1, &e));
        k.start[0] = 0;
        for (int64_t r = r0; r < r1; r++) k.start[r - r0 + 1] = k.start[r - r0] + b->rows[0][r];
        CHECK(gather(b, r0, r1, &k));
        CHECK(add_block(x, &k, r0, r1, &bar, done));
    }
    progress_end(&bar, done);
fail:
    block_free(&k);
    return rc;
}

/* Frees the synapses of s, keeping its counts. */
static void free_synapses(synapse_list *s)
{
    free(s->pre);
    free(s->post);
    free(s->size);
    s->pre = s->post = NULL;
    s->size = NULL;
}

/* Pass 2 and the IR, once pass 1 left the table's last synapses in syn. */
static int out_of_core(buckets *b, const stream_plan *p, synapse_list *syn, ir *x)
{
    if (syn->n) TRY(take(b, 0, syn));
    free_synapses(syn);
    syn->n = (size_t)(b->synapses[0] + b->synapses[1]);
    grouper_free(&b->g[0]);
    grouper_free(&b->g[1]);
    for (int64_t r = 0; r < b->n; r++) b->rows[0][r] += b->rows[1][r];
    b->synapses[0] += b->synapses[1];
    TRY(compile_adjacency_begin(x, b->with_size, p->dir));
    TRY(merge(b, p, x));
    return compile_finish(x, syn);
}

int compile_stream(const cell_table *cells, const char *path, const mapping *map, const compile_options *opt,
                   const stream_plan *plan, synapse_list *syn, ir *x)
{
    buckets b;
    int32_t *newpos = malloc((cells->n ? cells->n : 1) * sizeof *newpos);
    int rc;
    memset(&b, 0, sizeof b);
    memset(syn, 0, sizeof *syn);
    memset(x, 0, sizeof *x);
    if (!newpos) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory for %zu cells", cells->n);
        goto fail;
    }
    CHECK(compile_begin(cells, map, opt, newpos, x));
    CHECK(buckets_init(&b, x->ncells, newpos, plan->dir));
    synapse_sink sink = {plan->chunk, take, drop, &b};
    CHECK(synapses_stream(path, cells, opt->skip_unknown, plan->split_bytes, &sink, syn));
    if (b.nchunks == 0 && syn->n <= plan->in_memory) CHECK(compile_synapses(x, newpos, syn));
    else CHECK(out_of_core(&b, plan, syn, x));
    free_synapses(syn);
fail:
    buckets_free(&b);
    free(newpos);
    if (rc < 0) {
        synapses_free(syn);
        ir_free(x);
    }
    return rc;
}
