/* synth.c: draw a synthetic column from a fitted model (see synth.h).
 *
 * Random streams (rng.h), so that each part depends only on its own inputs:
 *   0  soma positions, cell by cell in TYPES order
 *   1  propensities, cell by cell
 *   2  synapse sizes and centres, in output order
 *   16 + a * ntypes + b   the wiring of block (a, b)
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"
#include "error.h"
#include "id_map.h"
#include "progress.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_POSITION = 0, STREAM_PROPENSITY = 1, STREAM_SYNAPSE = 2, STREAM_BLOCK = 16 };

/* Voxels of 4 x 4 x 40 nm per um, along x, y, z (PROTOCOL.md §9). */
static const double VOXELS_PER_UM[3] = {250, 250, 25};

void synth_options_default(synth_options *o)
{
    memset(o, 0, sizeof *o);
    /* from the five real rows of allen_v1_column_types_slanted_ref in
     * ../shared/cave/fixtures (column centre x ~ 702, z ~ 864 um; 23P and
     * 6P-CT somata at y 573-633 and 1035 um put the pia near y = 400 um) */
    o->geometry.origin_um[0] = 700;
    o->geometry.origin_um[1] = 400;
    o->geometry.origin_um[2] = 860;
    o->geometry.width_um = 100;  /* the 100 um column (Schneider-Mizell et al. 2025) */
    o->geometry.spread_um = 50;
}

void synth_column_free(synth_column *c)
{
    free(c->type);
    free(c->position);
    free(c->out_w);
    free(c->in_w);
    free(c->pre);
    free(c->post);
    free(c->mult);
    free(c->size);
    free(c->centre);
    memset(c, 0, sizeof *c);
}

static int32_t to_voxels(double um, int axis) { return (int32_t)floor(um * VOXELS_PER_UM[axis] + 0.5); }

/* ------------------------------------------------------------ cells */

static int make_cells(const synth_model *m, const synth_options *o, synth_column *c)
{
    for (size_t t = 0; t < m->ntypes; t++) c->ncells += m->types[t].count;
    size_t n = c->ncells;
    c->type = malloc(n * sizeof *c->type);
    c->position = malloc(3 * n * sizeof *c->position);
    c->out_w = malloc(n * sizeof *c->out_w);
    c->in_w = malloc(n * sizeof *c->in_w);
    if (!c->type || !c->position || !c->out_w || !c->in_w) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu cells", n);
    const synth_geometry *g = &o->geometry;
    rng_state pos, prop;
    rng_init_stream(&pos, o->seed, STREAM_POSITION);
    rng_init_stream(&prop, o->seed, STREAM_PROPENSITY);
    size_t i = 0;
    for (size_t t = 0; t < m->ntypes; t++)
        for (uint32_t k = 0; k < m->types[t].count; k++, i++) {
            const synth_type *ty = &m->types[t];
            double x = g->origin_um[0] + (rng_double(&pos) - 0.5) * g->width_um;
            double z = g->origin_um[2] + (rng_double(&pos) - 0.5) * g->width_um;
            double depth = ty->depth_min_um + rng_double(&pos) * (ty->depth_max_um - ty->depth_min_um);
            c->type[i] = (uint32_t)t;
            c->position[3 * i] = to_voxels(x, 0);
            c->position[3 * i + 1] = to_voxels(g->origin_um[1] + depth, 1);
            c->position[3 * i + 2] = to_voxels(z, 2);
            c->out_w[i] = rng_exp(m->sigma_out * rng_normal(&prop));
            c->in_w[i] = rng_exp(m->sigma_in * rng_normal(&prop));
        }
    return CONNC_OK;
}

/* ------------------------------------------------------------ one block */

/* Scratch space of one block, reused from block to block. */
typedef struct {
    const synth_model *m;
    const synth_column *col;
    size_t *first;               /* first cell of each type */
    size_t first_pre, npre, first_post, npost;
    int same;                    /* pre and post type are the same: no autapses */
    uint64_t pairs;
    rng_state r;
    uint32_t *mult;              /* synapses of the k-th chosen connection */
    uint64_t *pair;              /* pair index of the k-th chosen connection */
    size_t nconn, cap;
    double *cum_pre, *cum_post;  /* cumulative propensities */
    uint64_t *mult_cum;          /* mult_cum[k]: reference connections with at most k synapses */
} block;

/* Pair index q <-> (pre, post) offsets in the block; with `same`, the
 * diagonal is skipped. */
static void pair_cells(const block *b, uint64_t q, size_t *i, size_t *j)
{
    uint64_t width = b->same ? b->npost - 1 : b->npost;
    *i = (size_t)(q / width);
    *j = (size_t)(q % width);
    if (b->same && *j >= *i) (*j)++;
}

static double pair_weight(const block *b, uint64_t q)
{
    size_t i, j;
    pair_cells(b, q, &i, &j);
    return b->col->out_w[b->first_pre + i] * b->col->in_w[b->first_post + j];
}

/* Draws from the reference graph's synapses-per-connection distribution:
 * the smallest k with more than u connections of at most k synapses. */
static uint32_t draw_mult(block *b)
{
    uint64_t u = rng_index(&b->r, b->m->ref_connections);
    uint32_t lo = 1, hi = b->m->mult_max;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b->mult_cum[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* Multiplicities drawn until they reach S (the last one trimmed), at most
 * one per pair; what the pairs cannot take is returned as *extra. */
static int draw_mults(block *b, uint64_t S, uint64_t *extra)
{
    size_t need = (size_t)(S < b->pairs ? S : b->pairs);
    if (need > b->cap) {
        uint32_t *mu = realloc(b->mult, need * sizeof *mu);
        if (mu) b->mult = mu;
        uint64_t *pa = realloc(b->pair, need * sizeof *pa);
        if (pa) b->pair = pa;
        if (!mu || !pa) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu connections", need);
        b->cap = need;
    }
    uint64_t sum = 0;
    b->nconn = 0;
    while (sum < S && b->nconn < b->pairs) {
        uint64_t k = draw_mult(b);
        if (k > S - sum) k = S - sum;
        b->mult[b->nconn++] = (uint32_t)k;
        sum += k;
    }
    *extra = S - sum;
    return CONNC_OK;
}

typedef struct {
    double key;
    uint64_t q;
} keyed;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->q > b->q) - (a->q < b->q);
}

/* Dense blocks: every pair gets an exponential clock E / weight and the
 * nconn earliest are taken (Efraimidis & Spirakis 2006): weighted sampling
 * without replacement in O(pairs log pairs). */
static int choose_dense(block *b)
{
    keyed *k = malloc(b->pairs * sizeof *k);
    if (!k) return err_set(CONNC_ERR_NOMEM, "out of memory for %llu pairs", (unsigned long long)b->pairs);
    for (uint64_t q = 0; q < b->pairs; q++) k[q] = (keyed){rng_exponential(&b->r) / pair_weight(b, q), q};
    qsort(k, b->pairs, sizeof *k, cmp_keyed);
    for (size_t c = 0; c < b->nconn; c++) b->pair[c] = k[c].q;
    free(k);
    return CONNC_OK;
}

/* Index of the first cumulative weight above u * total. */
static size_t pick(const double *cum, size_t n, double u)
{
    double target = u * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > target) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void cumulate(const double *w, size_t n, double *cum)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) cum[i] = (s += w[i]);
}

/* Sparse blocks (under a quarter of the pairs wanted): draw pre and post
 * independently by propensity and redraw autapses and repeats, which is the
 * same successive sampling as choose_dense in O(nconn) expected time. */
static int choose_sparse(block *b)
{
    id_map seen;
    TRY(id_map_init(&seen, b->nconn));
    cumulate(b->col->out_w + b->first_pre, b->npre, b->cum_pre);
    cumulate(b->col->in_w + b->first_post, b->npost, b->cum_post);
    uint64_t width = b->same ? b->npost - 1 : b->npost;
    for (size_t c = 0; c < b->nconn;) {
        size_t i = pick(b->cum_pre, b->npre, rng_double(&b->r));
        size_t j = pick(b->cum_post, b->npost, rng_double(&b->r));
        if (b->same && i == j) continue;
        uint64_t q = (uint64_t)i * width + (b->same && j > i ? j - 1 : j);
        if (id_map_put(&seen, q, (int32_t)c) >= 0) continue;
        b->pair[c++] = q;
    }
    id_map_free(&seen);
    return CONNC_OK;
}

/* Synapses the saturated pair space cannot take as new connections go onto
 * existing ones, chosen with probability proportional to their weight. */
static int add_extra(block *b, uint64_t extra)
{
    if (extra == 0) return CONNC_OK;
    double *cum = malloc(b->nconn * sizeof *cum);
    if (!cum) return err_set(CONNC_ERR_NOMEM, "out of memory");
    double s = 0;
    for (size_t c = 0; c < b->nconn; c++) cum[c] = (s += pair_weight(b, b->pair[c]));
    for (uint64_t e = 0; e < extra; e++) b->mult[pick(cum, b->nconn, rng_double(&b->r))]++;
    free(cum);
    return CONNC_OK;
}

static int append_block(const block *b, synth_column *c, size_t *cap)
{
    if (c->nconn + b->nconn > *cap) {
        size_t n = *cap ? *cap : 4096;
        while (n < c->nconn + b->nconn) n *= 2;
        uint32_t *p = realloc(c->pre, n * sizeof *p);
        if (p) c->pre = p;
        uint32_t *q = realloc(c->post, n * sizeof *q);
        if (q) c->post = q;
        uint32_t *mu = realloc(c->mult, n * sizeof *mu);
        if (mu) c->mult = mu;
        if (!p || !q || !mu) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu connections", n);
        *cap = n;
    }
    for (size_t k = 0; k < b->nconn; k++) {
        size_t i, j;
        pair_cells(b, b->pair[k], &i, &j);
        c->pre[c->nconn] = (uint32_t)(b->first_pre + i);
        c->post[c->nconn] = (uint32_t)(b->first_post + j);
        c->mult[c->nconn++] = b->mult[k];
    }
    return CONNC_OK;
}

static int make_block(block *b, size_t pre_type, size_t post_type, const synth_options *o, synth_column *c,
                      size_t *cap)
{
    const synth_model *m = b->m;
    uint64_t S = m->matrix[pre_type * m->ntypes + post_type], extra = 0;
    if (S == 0) return CONNC_OK;
    b->first_pre = b->first[pre_type];
    b->npre = m->types[pre_type].count;
    b->first_post = b->first[post_type];
    b->npost = m->types[post_type].count;
    b->same = pre_type == post_type;
    b->pairs = synth_pairs(m, pre_type, post_type);
    rng_init_stream(&b->r, o->seed, STREAM_BLOCK + pre_type * m->ntypes + post_type);
    TRY(draw_mults(b, S, &extra));
    TRY(4 * (uint64_t)b->nconn >= b->pairs ? choose_dense(b) : choose_sparse(b));
    TRY(add_extra(b, extra));
    return append_block(b, c, cap);
}

/* ------------------------------------------------------------ connections, synapses */

typedef struct {
    uint32_t pre, post, mult;
} conn;

static int cmp_conn(const void *x, const void *y)
{
    const conn *a = x, *b = y;
    if (a->pre != b->pre) return a->pre < b->pre ? -1 : 1;
    return (a->post > b->post) - (a->post < b->post);
}

/* Blocks partition the pairs, so (pre, post) is unique and the order total. */
static int sort_connections(synth_column *c)
{
    conn *v = malloc((c->nconn ? c->nconn : 1) * sizeof *v);
    if (!v) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < c->nconn; k++) v[k] = (conn){c->pre[k], c->post[k], c->mult[k]};
    qsort(v, c->nconn, sizeof *v, cmp_conn);
    for (size_t k = 0; k < c->nconn; k++) {
        c->pre[k] = v[k].pre;
        c->post[k] = v[k].post;
        c->mult[k] = v[k].mult;
    }
    free(v);
    return CONNC_OK;
}

/* Size: round(exp(mu + sigma Z)) within [1, SYNTH_MAX_SIZE].  Centre: the
 * postsynaptic soma moved uniformly within +-spread_um on each axis. */
static int make_synapses(const synth_model *m, const synth_options *o, synth_column *c)
{
    c->nsyn = (size_t)m->total_synapses;
    c->size = malloc((c->nsyn ? c->nsyn : 1) * sizeof *c->size);
    c->centre = malloc((c->nsyn ? 3 * c->nsyn : 1) * sizeof *c->centre);
    if (!c->size || !c->centre) return err_set(CONNC_ERR_NOMEM, "out of memory for %zu synapses", c->nsyn);
    rng_state r;
    rng_init_stream(&r, o->seed, STREAM_SYNAPSE);
    size_t s = 0;
    for (size_t k = 0; k < c->nconn; k++)
        for (uint32_t n = 0; n < c->mult[k]; n++, s++) {
            double v = floor(rng_exp(m->size_mu + m->size_sigma * rng_normal(&r)) + 0.5);
            c->size[s] = (uint32_t)(v < 1 ? 1 : v > SYNTH_MAX_SIZE ? SYNTH_MAX_SIZE : v);
            for (int a = 0; a < 3; a++)
                c->centre[3 * s + a] = c->position[3 * (size_t)c->post[k] + a] +
                                       to_voxels((2 * rng_double(&r) - 1) * o->geometry.spread_um, a);
        }
    return CONNC_OK;
}

/* ------------------------------------------------------------ driver */

/* Scratch space sized for the largest type, and each type's first cell. */
static int block_init(block *b, const synth_model *m, const synth_column *c)
{
    memset(b, 0, sizeof *b);
    b->m = m;
    b->col = c;
    size_t maxn = 1;
    if (!(b->first = calloc(m->ntypes, sizeof *b->first))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (size_t t = 0; t < m->ntypes; t++) {
        b->first[t] = t ? b->first[t - 1] + m->types[t - 1].count : 0;
        if (m->types[t].count > maxn) maxn = m->types[t].count;
    }
    b->cum_pre = malloc(maxn * sizeof *b->cum_pre);
    b->cum_post = malloc(maxn * sizeof *b->cum_post);
    b->mult_cum = malloc(((size_t)m->mult_max + 1) * sizeof *b->mult_cum);
    if (!b->cum_pre || !b->cum_post || !b->mult_cum) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k <= m->mult_max; k++) b->mult_cum[k] = (k ? b->mult_cum[k - 1] : 0) + m->mult_hist[k];
    return CONNC_OK;
}

static void block_free(block *b)
{
    free(b->first);
    free(b->mult);
    free(b->pair);
    free(b->cum_pre);
    free(b->cum_post);
    free(b->mult_cum);
}

static int make_blocks(const synth_model *m, const synth_options *o, synth_column *c)
{
    size_t T = m->ntypes, cap = 0;
    block b;
    int rc = block_init(&b, m, c);
    progress p;
    progress_begin(&p, "synth", "syn", m->total_synapses);
    p.active &= m->total_synapses >= SYNTH_PROGRESS_MIN_SYNAPSES;
    uint64_t done = 0;
    for (size_t a = 0; a < T && rc == CONNC_OK; a++)
        for (size_t t = 0; t < T && rc == CONNC_OK; t++) {
            rc = make_block(&b, a, t, o, c, &cap);
            progress_update(&p, done += m->matrix[a * T + t]);
        }
    progress_end(&p, done);
    block_free(&b);
    return rc;
}

int synth_generate(const synth_model *m, const synth_options *o, synth_column *c)
{
    memset(c, 0, sizeof *c);
    int rc;
    CHECK(make_cells(m, o, c));
    CHECK(make_blocks(m, o, c));
    CHECK(sort_connections(c));
    CHECK(make_synapses(m, o, c));
    return CONNC_OK;
fail:
    synth_column_free(c);
    return rc;
}
