/* synth_write.c: write a synthetic column in the CAVE layouts (PROTOCOL.md
 * §9) plus its effective type matrix and provenance (see synth.h).
 *
 * All four files are written to temporary names and renamed only when every
 * one is complete.  The bytes depend only on the model and seed; the gzip
 * stream has a fixed header (no name, mtime 0, OS 3 = Unix), so it is the
 * same wherever the same zlib version compresses it, and provenance.json
 * records the SHA-256 of the uncompressed CSV, which is the same everywhere.
 */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"
#include "error.h"
#include "outfile.h"
#include "progress.h"
#include "sha256.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { OUT_CELLS, OUT_SYNAPSES, OUT_MATRIX, OUT_PROVENANCE, NOUT };
static const char *const out_names[NOUT] = {"cells.csv", "synapses.csv.gz", "type_matrix.csv", "provenance.json"};

/* An output file: plain or gzip, with a SHA-256 of the uncompressed bytes. */
typedef struct {
    outfile o;
    int gz;
    z_stream z;
    gz_header head;
    sha256_ctx sha;
    char hex[65];
} sink;

static int sink_open(sink *s, const char *dir, const char *name)
{
    char path[4096];
    memset(s, 0, sizeof *s);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return err_set(CONNC_ERR_USAGE, "%s: path too long", dir);
    sha256_init(&s->sha);
    TRY(outfile_open(&s->o, path));
    size_t n = strlen(name);
    if (n < 3 || strcmp(name + n - 3, ".gz") != 0) return CONNC_OK;
    /* head (no name, mtime 0) is read by deflate while it writes the header */
    s->head.os = 3;
    int zr = deflateInit2(&s->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (zr == Z_OK && deflateSetHeader(&s->z, &s->head) == Z_OK) {
        s->gz = 1;
        return CONNC_OK;
    }
    if (zr == Z_OK) deflateEnd(&s->z);
    outfile_abort(&s->o);
    return err_set(CONNC_ERR_NOMEM, "%s: cannot start gzip compression", path);
}

static int deflate_to_file(sink *s, const void *buf, size_t n, int flush)
{
    unsigned char out[1 << 16];
    s->z.next_in = (unsigned char *)(uintptr_t)buf;
    s->z.avail_in = (uInt)n;
    int zr;
    do {
        s->z.next_out = out;
        s->z.avail_out = sizeof out;
        zr = deflate(&s->z, flush);
        if (zr == Z_STREAM_ERROR) return err_set(CONNC_ERR_IO, "%s: gzip compression failed", s->o.path);
        TRY(outfile_write(&s->o, out, sizeof out - s->z.avail_out));
    } while (s->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
    return CONNC_OK;
}

static int sink_write(sink *s, const void *buf, size_t n)
{
    sha256_update(&s->sha, buf, n);
    return s->gz ? deflate_to_file(s, buf, n, Z_NO_FLUSH) : outfile_write(&s->o, buf, n);
}

static int sink_printf(sink *s, const char *fmt, ...) CONNC_PRINTF(2, 3);
static int sink_printf(sink *s, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) return err_set(CONNC_ERR_USAGE, "%s: a line longer than %zu bytes", s->o.path, sizeof line);
    return sink_write(s, line, (size_t)n);
}

/* Ends the stream (the file stays under its temporary name until commit). */
static int sink_finish(sink *s)
{
    sha256_final_hex(&s->sha, s->hex);
    if (!s->gz) return CONNC_OK;
    int rc = deflate_to_file(s, "", 0, Z_FINISH);
    deflateEnd(&s->z);
    s->gz = 0;
    return rc;
}

static void sink_abort(sink *s)
{
    if (s->gz) deflateEnd(&s->z);
    outfile_abort(&s->o);
}

/* ------------------------------------------------------------ tables */

static uint64_t root_id(size_t cell) { return SYNTH_ROOT_ID_BASE + cell + 1; }

static int write_cells(sink *s, const synth_model *m, const synth_column *c)
{
    TRY(sink_printf(s, "id,valid,pt_root_id,cell_type,classification_system,pt_position_x,pt_position_y,pt_position_z\n"));
    for (size_t i = 0; i < c->ncells; i++) {
        const synth_type *t = &m->types[c->type[i]];
        const int32_t *p = &c->position[3 * i];
        TRY(sink_printf(s, "%" PRIu64 ",t,%" PRIu64 ",%s,%s,%" PRId32 ",%" PRId32 ",%" PRId32 "\n",
                        (uint64_t)(SYNTH_NUCLEUS_ID_BASE + i + 1), root_id(i), t->name, t->classification, p[0], p[1], p[2]));
    }
    return CONNC_OK;
}

static int write_synapses(sink *s, const synth_column *c)
{
    TRY(sink_printf(s, "id,valid,pre_pt_root_id,post_pt_root_id,size,ctr_pt_position_x,ctr_pt_position_y,ctr_pt_position_z\n"));
    progress p;
    progress_begin(&p, "write", "syn", c->nsyn);
    p.active &= c->nsyn >= SYNTH_PROGRESS_MIN_SYNAPSES;
    size_t n = 0;
    for (size_t k = 0; k < c->nconn; k++) {
        for (uint32_t j = 0; j < c->mult[k]; j++, n++) {
            const int32_t *x = &c->centre[3 * n];
            TRY(sink_printf(s, "%" PRIu64 ",t,%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%" PRId32 ",%" PRId32 ",%" PRId32 "\n",
                            (uint64_t)(SYNTH_SYNAPSE_ID_BASE + n + 1), root_id(c->pre[k]), root_id(c->post[k]), c->size[n],
                            x[0], x[1], x[2]));
        }
        if ((k & 1023) == 0) progress_update(&p, n);
    }
    progress_end(&p, n);
    return CONNC_OK;
}

/* The calibration layout (pre_cell_type, then one column per post type). */
static int write_matrix(sink *s, const synth_model *m)
{
    TRY(sink_printf(s, "pre_cell_type"));
    for (size_t b = 0; b < m->ntypes; b++) TRY(sink_printf(s, ",%s", m->types[b].name));
    for (size_t a = 0; a < m->ntypes; a++) {
        TRY(sink_printf(s, "\n%s", m->types[a].name));
        for (size_t b = 0; b < m->ntypes; b++) TRY(sink_printf(s, ",%" PRIu64, m->matrix[a * m->ntypes + b]));
    }
    return sink_printf(s, "\n");
}

/* ------------------------------------------------------------ provenance */

static void add_u64(cJSON *o, const char *key, uint64_t v)
{
    /* raw, so that values above 2^53 stay exact */
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    cJSON_AddRawToObject(o, key, buf);
}

static int add_input(cJSON *inputs, const char *key, const char *path)
{
    char hex[65];
    TRY(sha256_file(path, hex));
    cJSON *o = cJSON_AddObjectToObject(inputs, key);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "sha256", hex);
    return CONNC_OK;
}

static int inputs_json(cJSON *root, const synth_options *o)
{
    cJSON *in = cJSON_AddObjectToObject(root, "inputs");
    TRY(add_input(in, "types", o->types));
    TRY(add_input(in, "matrix", o->matrix));
    TRY(add_input(in, "reference_graph", o->reference));
    TRY(add_input(in, "sizes", o->sizes));
    if (o->matrix_source) cJSON_AddStringToObject(root, "calibration_source", o->matrix_source);
    else cJSON_AddNullToObject(root, "calibration_source");
    cJSON *px = cJSON_AddArrayToObject(root, "proxies");
    for (size_t k = 0; k < o->nproxies; k++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "type", o->proxies[k].type);
        cJSON_AddStringToObject(p, "proxy", o->proxies[k].proxy);
        cJSON_AddStringToObject(p, "rule", "S(a,b) = round(S(proxy(a),proxy(b)) * pairs(a,b) / pairs(proxy(a),proxy(b)))");
        cJSON_AddItemToArray(px, p);
    }
    return CONNC_OK;
}

static void fit_json(cJSON *root, const synth_model *m)
{
    cJSON *fit = cJSON_AddObjectToObject(root, "fit");
    cJSON *ref = cJSON_AddObjectToObject(fit, "reference_graph");
    add_u64(ref, "synapses", m->ref_synapses);
    add_u64(ref, "connections", m->ref_connections);
    add_u64(ref, "autapses_dropped", m->ref_autapses);
    add_u64(ref, "presynaptic_cells", m->ref_pre_cells);
    add_u64(ref, "postsynaptic_cells", m->ref_post_cells);
    cJSON *h = cJSON_AddObjectToObject(ref, "synapses_per_connection");
    for (uint32_t k = 1; k <= m->mult_max; k++) {
        char key[16];
        snprintf(key, sizeof key, "%" PRIu32, k);
        if (m->mult_hist[k]) add_u64(h, key, m->mult_hist[k]);
    }
    cJSON *pr = cJSON_AddObjectToObject(fit, "propensity");
    cJSON_AddStringToObject(pr, "model", "log-normal per cell, w = exp(sigma Z); connection chosen with probability "
                                         "proportional to w_out(pre) * w_in(post)");
    cJSON_AddStringToObject(pr, "estimator", "sigma^2 = ln(1 + max(0, (s^2 - m) / m^2)) over cells with degree >= 1 "
                                             "(m mean, s^2 sample variance of distinct partners)");
    cJSON_AddNumberToObject(pr, "sigma_out", m->sigma_out);
    cJSON_AddNumberToObject(pr, "sigma_in", m->sigma_in);
    cJSON *sz = cJSON_AddObjectToObject(fit, "synapse_size");
    cJSON_AddStringToObject(sz, "model", "log-normal, maximum likelihood; size = round(exp(mu + sigma Z)) in [1, 1e9]");
    add_u64(sz, "n", m->nsizes);
    cJSON_AddNumberToObject(sz, "mu", m->size_mu);
    cJSON_AddNumberToObject(sz, "sigma", m->size_sigma);
}

static void geometry_json(cJSON *root, const synth_geometry *g)
{
    cJSON *geo = cJSON_AddObjectToObject(root, "geometry");
    cJSON_AddItemToObject(geo, "column_origin_um", cJSON_CreateDoubleArray(g->origin_um, 3));
    cJSON_AddNumberToObject(geo, "column_width_um", g->width_um);
    cJSON_AddNumberToObject(geo, "synapse_spread_um", g->spread_um);
    cJSON_AddStringToObject(geo, "position_units", "voxels (4 x 4 x 40 nm)");
}

static void totals_json(cJSON *root, const synth_model *m, const synth_column *c, sink *out)
{
    cJSON *ids = cJSON_AddObjectToObject(root, "ids");
    add_u64(ids, "pt_root_id_first", root_id(0));
    add_u64(ids, "pt_root_id_last", root_id(c->ncells - 1));
    add_u64(ids, "nucleus_id_first", SYNTH_NUCLEUS_ID_BASE + 1);
    add_u64(ids, "synapse_id_first", SYNTH_SYNAPSE_ID_BASE + 1);
    cJSON *tot = cJSON_AddObjectToObject(root, "totals");
    add_u64(tot, "cells", c->ncells);
    add_u64(tot, "synapses", c->nsyn);
    add_u64(tot, "connections", c->nconn);
    cJSON *per = cJSON_AddObjectToObject(tot, "cells_per_type");
    for (size_t t = 0; t < m->ntypes; t++) add_u64(per, m->types[t].name, m->types[t].count);
    cJSON_AddStringToObject(root, "tolerance", "type-to-type synapse counts equal type_matrix.csv exactly (tolerance 0)");
    cJSON *sums = cJSON_AddObjectToObject(root, "outputs_sha256");
    cJSON_AddStringToObject(sums, "cells.csv", out[OUT_CELLS].hex);
    cJSON_AddStringToObject(sums, "synapses.csv (uncompressed)", out[OUT_SYNAPSES].hex);
    cJSON_AddStringToObject(sums, "type_matrix.csv", out[OUT_MATRIX].hex);
}

static int write_provenance(sink *s, const synth_model *m, const synth_options *o, const synth_column *c, sink *out)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", SYNTH_SCHEMA);
    cJSON_AddBoolToObject(root, "synthetic", 1);
    cJSON_AddStringToObject(root, "warning", "SYNTHETIC connectome made by connc synth from type-level statistics; "
                                             "not real EM data");
    cJSON *gen = cJSON_AddObjectToObject(root, "generator");
    cJSON_AddStringToObject(gen, "program", "connc synth");
    cJSON_AddStringToObject(gen, "version", CONNC_VERSION_STRING);
    cJSON_AddStringToObject(gen, "rng", "xoshiro256** seeded by splitmix64 (compiler/rng.h)");
    add_u64(root, "seed", o->seed);
    int rc = inputs_json(root, o);
    fit_json(root, m);
    geometry_json(root, &o->geometry);
    totals_json(root, m, c, out);
    char *text = rc == CONNC_OK ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (rc == CONNC_OK && !text) rc = err_set(CONNC_ERR_NOMEM, "out of memory");
    if (rc == CONNC_OK) rc = sink_write(s, text, strlen(text));
    if (rc == CONNC_OK) rc = sink_write(s, "\n", 1);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ driver */

int synth_write(const synth_model *m, const synth_options *o, const synth_column *c, const char *dir)
{
    sink out[NOUT];
    int opened = 0, rc;
    memset(out, 0, sizeof out);
    CHECK(make_dirs(dir));
    for (; opened < NOUT; opened++) CHECK(sink_open(&out[opened], dir, out_names[opened]));
    CHECK(write_cells(&out[OUT_CELLS], m, c));
    CHECK(write_synapses(&out[OUT_SYNAPSES], c));
    CHECK(write_matrix(&out[OUT_MATRIX], m));
    for (int k = 0; k < OUT_PROVENANCE; k++) CHECK(sink_finish(&out[k]));
    CHECK(write_provenance(&out[OUT_PROVENANCE], m, o, c, out));
    CHECK(sink_finish(&out[OUT_PROVENANCE]));
    for (int k = 0; k < NOUT; k++) CHECK(outfile_commit(&out[k].o));
    return CONNC_OK;
fail:
    for (int k = 0; k < opened; k++) sink_abort(&out[k]);
    return rc;
}
