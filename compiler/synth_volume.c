/* synth_volume.c: draw and write a synthetic whole volume (see
 * synth_volume.h). */
#define _POSIX_C_SOURCE 200809L
#include "synth_volume.h"
#include "error.h"
#include "outfile.h"
#include "progress.h"
#include "rng.h"
#include "synth.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { STREAM_WEIGHTS = 0, STREAM_CELL = 16 };
#define ID_DIGITS 18            /* every synthetic root id has 18 */
#define WRITE_BUFFER (1u << 20)
#define AUTAPSE_RETRIES 16

/* ------------------------------------------------------------ alias tables */

/* Walker's alias method (Vose's construction): draws from n weights in
 * O(1), with one random word and one memory access (slot k: keep k when
 * the word's low half is below cut, else take alias; the high half picks k,
 * biased by less than n / 2^32). */
typedef struct {
    uint32_t cut, alias;
} alias_slot;

typedef struct {
    alias_slot *slot;
    uint32_t n;
} alias_table;

static void alias_free(alias_table *a)
{
    free(a->slot);
    memset(a, 0, sizeof *a);
}

/* Weights all 0 draw uniformly. */
static int alias_init(alias_table *a, const double *w, uint32_t n)
{
    a->n = n;
    a->slot = malloc((n ? n : 1) * sizeof *a->slot);
    double *p = malloc((n ? n : 1) * sizeof *p);
    uint32_t *small = malloc((n ? n : 1) * sizeof *small), *large = malloc((n ? n : 1) * sizeof *large);
    int rc = a->slot && p && small && large ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
    double sum = 0;
    for (uint32_t i = 0; rc == CONNC_OK && i < n; i++) sum += w[i];
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; rc == CONNC_OK && i < n; i++) {
        p[i] = sum > 0 ? w[i] * n / sum : 1;
        a->slot[i] = (alias_slot){0, i}; /* kept whole unless paired below */
        if (p[i] < 1) small[ns++] = i;
        else large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[nl - 1];
        a->slot[s] = (alias_slot){(uint32_t)ldexp(p[s], 32), l};
        p[l] = (p[l] + p[s]) - 1;
        if (p[l] < 1) small[ns++] = large[--nl];
    }
    free(p);
    free(small);
    free(large);
    return rc;
}

static uint32_t alias_draw(const alias_table *a, rng_state *r)
{
    uint64_t u = rng_u64(r);
    uint32_t k = (uint32_t)(((u >> 32) * a->n) >> 32);
    return (uint32_t)u < a->slot[k].cut ? k : a->slot[k].alias;
}

/* ------------------------------------------------------------ the volume */

typedef struct {
    const volume_model *m;
    uint64_t n;                 /* cells */
    uint64_t *first;            /* per type: its first cell (ntypes + 1); cells go type after type */
    uint64_t *degree;           /* per cell: synapses out */
    double *in_w;               /* per cell */
    alias_table *cells_of;      /* per type: its cells, by in-weight */
    alias_table *targets;       /* per type: postsynaptic types */
    alias_table mult;           /* synapses per connection - 1 */
} volume;

static void volume_free(volume *v)
{
    for (size_t t = 0; t < v->m->ntypes; t++) {
        if (v->cells_of) alias_free(&v->cells_of[t]);
        if (v->targets) alias_free(&v->targets[t]);
    }
    alias_free(&v->mult);
    free(v->first);
    free(v->degree);
    free(v->in_w);
    free(v->cells_of);
    free(v->targets);
}

static uint64_t root_id(uint64_t cell) { return SYNTH_ROOT_ID_BASE + cell + 1; }

/* Cells per type in the reference's proportions: floors, then one more for
 * the largest remainders (the first type on a tie). */
static void apportion(const volume_model *m, uint64_t n, uint64_t *first)
{
    size_t T = m->ntypes;
    uint64_t given = 0;
    for (size_t t = 0; t < T; t++) given += (first[t + 1] = (uint64_t)floor((double)n * m->types[t].share));
    for (; given < n; given++) {
        size_t best = 0;
        double most = -1;
        for (size_t t = 0; t < T; t++) {
            double rem = (double)n * m->types[t].share - (double)first[t + 1];
            if (rem > most) most = rem, best = t;
        }
        first[best + 1]++;
    }
    first[0] = 0;
    for (size_t t = 0; t < T; t++) first[t + 1] += first[t];
}

/* A weight: 0 with probability zero, else exp(mu + sigma Z). */
static double weight(rng_state *r, double mu, double sigma, double zero)
{
    if (rng_double(r) < zero) return 0;
    return rng_exp(mu + sigma * rng_normal(r));
}

/* Shares s synapses out in proportion to the weights: cell i gets
 * round(s W_i / W) - round(s W_{i-1} / W), W_i the running sum. */
static int share_out(volume *v, const double *out_w, uint64_t s)
{
    double total = 0, run = 0;
    for (uint64_t i = 0; i < v->n; i++) total += out_w[i];
    if (!(total > 0)) return err_set(CONNC_ERR_FORMAT, "the reference column has no synapses to take out-degrees from");
    uint64_t given = 0;
    for (uint64_t i = 0; i < v->n; i++) {
        run += out_w[i];
        uint64_t upto = i + 1 == v->n ? s : (uint64_t)floor((double)s * (run / total) + 0.5);
        if (upto < given) upto = given;
        v->degree[i] = upto - given;
        given = upto;
    }
    return CONNC_OK;
}

static int draw_cells(volume *v, const volume_options *o)
{
    const volume_model *m = v->m;
    double *out_w = malloc(v->n * sizeof *out_w);
    if (!out_w) return err_set(CONNC_ERR_NOMEM, "out of memory for %" PRIu64 " cells", v->n);
    rng_state r;
    rng_init_stream(&r, o->seed, STREAM_WEIGHTS);
    for (size_t t = 0; t < m->ntypes; t++)
        for (uint64_t i = v->first[t]; i < v->first[t + 1]; i++) {
            const volume_type *y = &m->types[t];
            out_w[i] = weight(&r, y->out_mu, y->out_sigma, y->out_zero);
            v->in_w[i] = weight(&r, y->in_mu, y->in_sigma, y->in_zero);
        }
    int rc = share_out(v, out_w, o->nsynapses);
    free(out_w);
    return rc;
}

/* Where type a's connections go: the reference's shares, among the types
 * that have cells (a small volume may lack some); evenly among those when
 * a went to none of them. */
static void target_weights(const volume *v, size_t a, double *w)
{
    size_t T = v->m->ntypes;
    double sum = 0;
    for (size_t b = 0; b < T; b++) sum += w[b] = v->first[b + 1] > v->first[b] ? v->m->target[a * T + b] : 0;
    for (size_t b = 0; b < T && !(sum > 0); b++) w[b] = v->first[b + 1] > v->first[b];
}

static int volume_init(volume *v, const volume_model *m, const volume_options *o)
{
    size_t T = m->ntypes;
    memset(v, 0, sizeof *v);
    v->m = m;
    v->n = o->ncells;
    v->first = calloc(T + 1, sizeof *v->first);
    v->degree = malloc(v->n * sizeof *v->degree);
    v->in_w = malloc(v->n * sizeof *v->in_w);
    v->cells_of = calloc(T, sizeof *v->cells_of);
    v->targets = calloc(T, sizeof *v->targets);
    if (!v->first || !v->degree || !v->in_w || !v->cells_of || !v->targets)
        return err_set(CONNC_ERR_NOMEM, "out of memory for %" PRIu64 " cells", v->n);
    apportion(m, v->n, v->first);
    TRY(draw_cells(v, o));
    double *w = malloc(T * sizeof *w);
    if (!w) return err_set(CONNC_ERR_NOMEM, "out of memory");
    int rc = CONNC_OK;
    for (size_t t = 0; t < T && rc == CONNC_OK; t++) {
        rc = alias_init(&v->cells_of[t], v->in_w + v->first[t], (uint32_t)(v->first[t + 1] - v->first[t]));
        target_weights(v, t, w);
        if (rc == CONNC_OK) rc = alias_init(&v->targets[t], w, (uint32_t)T);
    }
    free(w);
    return rc == CONNC_OK ? alias_init(&v->mult, m->mult, (uint32_t)m->nmult) : rc;
}

/* ------------------------------------------------------------ writing */

/* An output file written through a large buffer. */
typedef struct {
    outfile *o;
    char *buf;
    size_t n;
} writer;

static int writer_flush(writer *w)
{
    int rc = outfile_write(w->o, w->buf, w->n);
    w->n = 0;
    return rc;
}

/* Room for a line of up to 128 bytes. */
static int writer_room(writer *w)
{
    return w->n + 128 > WRITE_BUFFER ? writer_flush(w) : CONNC_OK;
}

/* The root id of a cell, ID_DIGITS digits two at a time: computed, since
 * a table of them would be read at random, a cache miss a synapse. */
static char *put_id(char *p, uint64_t cell)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    uint64_t v = root_id(cell);
    for (int k = ID_DIGITS - 2; k >= 0; k -= 2, v /= 100) memcpy(p + k, pairs + 2 * (v % 100), 2);
    return p + ID_DIGITS;
}

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int k = 0;
    do tmp[k++] = (char)('0' + v % 10);
    while (v /= 10);
    while (k) *p++ = tmp[--k];
    return p;
}

static uint64_t draw_size(const volume_model *m, rng_state *r)
{
    double s = floor(rng_exp(m->size_mu + m->size_sigma * rng_normal(r)) + 0.5);
    return s < 1 ? 1 : s > SYNTH_MAX_SIZE ? (uint64_t)SYNTH_MAX_SIZE : (uint64_t)s;
}

/* A postsynaptic cell of type b for cell i, not i itself unless it is
 * alone in b. */
static uint64_t draw_post(const volume *v, size_t b, uint64_t i, rng_state *r)
{
    uint64_t j = 0;
    for (int k = 0; k < AUTAPSE_RETRIES; k++)
        if ((j = v->first[b] + alias_draw(&v->cells_of[b], r)) != i) break;
    return j;
}

/* Cell i's synapses: connections of a drawn length, each to a drawn cell. */
static int write_cell_synapses(writer *w, const volume *v, size_t a, uint64_t i, uint64_t seed)
{
    rng_state r;
    rng_init_stream(&r, seed, STREAM_CELL + i);
    for (uint64_t left = v->degree[i]; left > 0;) {
        uint64_t k = 1 + alias_draw(&v->mult, &r);
        if (k > left) k = left;
        uint64_t j = draw_post(v, alias_draw(&v->targets[a], &r), i, &r);
        for (left -= k; k > 0; k--) {
            TRY(writer_room(w));
            char *p = put_id(w->buf + w->n, i);
            *p++ = ',';
            p = put_id(p, j);
            *p++ = ',';
            p = put_u64(p, draw_size(v->m, &r));
            *p++ = '\n';
            w->n = (size_t)(p - w->buf);
        }
    }
    return CONNC_OK;
}

static int write_synapses(writer *w, const volume *v, const volume_options *o)
{
    static const char header[] = "pre_pt_root_id,post_pt_root_id,size\n";
    memcpy(w->buf, header, sizeof header - 1);
    w->n = sizeof header - 1;
    progress bar;
    progress_begin(&bar, "synapses", "syn", o->nsynapses);
    uint64_t done = 0;
    for (size_t a = 0; a < v->m->ntypes; a++)
        for (uint64_t i = v->first[a]; i < v->first[a + 1]; i++) {
            TRY(write_cell_synapses(w, v, a, i, o->seed));
            done += v->degree[i];
            if ((i & 255) == 0) progress_update(&bar, done);
        }
    progress_end(&bar, done);
    return writer_flush(w);
}

static int write_cells(writer *w, const volume *v)
{
    static const char header[] = "id,valid,pt_root_id,cell_type\n";
    memcpy(w->buf, header, sizeof header - 1);
    w->n = sizeof header - 1;
    for (size_t t = 0; t < v->m->ntypes; t++)
        for (uint64_t i = v->first[t]; i < v->first[t + 1]; i++) {
            TRY(writer_room(w));
            w->n += (size_t)snprintf(w->buf + w->n, 128, "%" PRIu64 ",t,%" PRIu64 ",%.64s\n",
                                     (uint64_t)(SYNTH_NUCLEUS_ID_BASE + i + 1), root_id(i), v->m->types[t].name);
        }
    return writer_flush(w);
}

/* ------------------------------------------------------------ provenance */

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    char buf[24]; /* raw, so that values above 2^53 stay exact */
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    cJSON_AddRawToObject(o, key, buf);
}

static cJSON *model_json(const volume_model *m)
{
    cJSON *fit = cJSON_CreateObject();
    add_u64(fit, "reference_cells", m->ref_cells);
    add_u64(fit, "reference_synapses", m->ref_synapses);
    add_u64(fit, "reference_connections", m->ref_connections);
    cJSON *types = cJSON_AddArrayToObject(fit, "types");
    for (size_t t = 0; t < m->ntypes; t++) {
        const volume_type *y = &m->types[t];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "cell_type", y->name);
        cJSON_AddNumberToObject(j, "share", y->share);
        cJSON_AddItemToObject(j, "out_degree", cJSON_CreateDoubleArray((double[]){y->out_mu, y->out_sigma, y->out_zero}, 3));
        cJSON_AddItemToObject(j, "in_degree", cJSON_CreateDoubleArray((double[]){y->in_mu, y->in_sigma, y->in_zero}, 3));
        cJSON_AddItemToObject(j, "targets", cJSON_CreateDoubleArray(m->target + t * m->ntypes, (int)m->ntypes));
        cJSON_AddItemToArray(types, j);
    }
    cJSON_AddStringToObject(fit, "degree_columns", "mu, sigma of ln(degree) over cells with any; share with none");
    cJSON_AddItemToObject(fit, "synapses_per_connection", cJSON_CreateDoubleArray(m->mult, (int)m->nmult));
    cJSON_AddItemToObject(fit, "size_lognormal", cJSON_CreateDoubleArray((double[]){m->size_mu, m->size_sigma}, 2));
    return fit;
}

static int write_provenance(outfile *out, const volume_model *m, const volume_options *o, const volume *v)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", VOLUME_SCHEMA);
    cJSON_AddBoolToObject(root, "synthetic", 1);
    cJSON_AddStringToObject(root, "generator", "connc synth --volume " CONNC_VERSION_STRING);
    cJSON_AddStringToObject(root, "like", o->like ? o->like : "");
    add_u64(root, "seed", o->seed);
    add_u64(root, "cells", o->ncells);
    add_u64(root, "synapses", o->nsynapses);
    cJSON *per = cJSON_AddObjectToObject(root, "cells_per_type");
    for (size_t t = 0; t < m->ntypes; t++) add_u64(per, m->types[t].name, v->first[t + 1] - v->first[t]);
    cJSON_AddItemToObject(root, "model", model_json(m));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    int rc = text ? outfile_write(out, text, strlen(text)) : err_set(CONNC_ERR_NOMEM, "out of memory");
    if (rc == CONNC_OK) rc = outfile_write(out, "\n", 1);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ driver */

enum { OUT_CELLS, OUT_SYNAPSES, OUT_PROVENANCE, NOUT };
static const char *const out_names[NOUT] = {"cells.csv", "synapses.csv", "provenance.json"};

int volume_write(const volume_model *m, const volume_options *o, const char *dir)
{
    if (o->ncells < 1 || o->ncells > SYNTH_MAX_CELLS || o->nsynapses > SYNTH_MAX_SYNAPSES)
        return err_set(CONNC_ERR_USAGE, "--ncells must be in [1, %u] and --nsynapses at most %llu", SYNTH_MAX_CELLS,
                       SYNTH_MAX_SYNAPSES);
    volume v;
    outfile out[NOUT];
    writer w = {.buf = malloc(WRITE_BUFFER)};
    int opened = 0, rc;
    memset(out, 0, sizeof out);
    CHECK(w.buf ? volume_init(&v, m, o) : err_set(CONNC_ERR_NOMEM, "out of memory"));
    CHECK(make_dirs(dir));
    for (; opened < NOUT; opened++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, out_names[opened]);
        CHECK(outfile_open(&out[opened], path));
    }
    w.o = &out[OUT_CELLS];
    CHECK(write_cells(&w, &v));
    w.o = &out[OUT_SYNAPSES];
    CHECK(write_synapses(&w, &v, o));
    CHECK(write_provenance(&out[OUT_PROVENANCE], m, o, &v));
    for (int k = 0; k < NOUT; k++) CHECK(outfile_commit(&out[k]));
fail: /* aborting a committed file does nothing */
    for (int k = 0; k < opened; k++) outfile_abort(&out[k]);
    if (w.buf) volume_free(&v);
    free(w.buf);
    return rc;
}
