/* compile.c: derive layers, adjacency, masks and inhibition (BIONIC.md §1)
 * and describe them in the IR metadata. */
#define _POSIX_C_SOURCE 200809L
#include "compile.h"
#include "error.h"
#include "progress.h"
#include "sha256.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

void compile_options_default(compile_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = 1;
    o->inhibition = INHIBITION_SYNAPSES;
}

/* Everything a compiled IR owns. */
typedef struct {
    const cell_table *cells; /* borrowed until compile_finish */
    const mapping *map;
    const compile_options *opt;
    uint64_t *root_id;
    int32_t *layer, *type;
    uint8_t *inhibitory;
    double *position;
    char **types;            /* canonical types, sorted (borrowed strings) */
    size_t ntypes;
    adjacency adj;
    int has_size;            /* the IR has adjacency/size */
    derived d;
    ir_file_array *files;    /* the arrays in scratch files */
    size_t nfiles;
} storage;

static void storage_free(void *p)
{
    storage *s = p;
    if (!s) return;
    free(s->root_id);
    free(s->layer);
    free(s->type);
    free(s->inhibitory);
    free(s->position);
    free(s->types);
    adjacency_free(&s->adj);
    derived_free(&s->d);
    free(s->files);
    free(s);
}

/* ------------------------------------------------------------ cell order */

typedef struct {
    int32_t layer;
    uint64_t root;
    int32_t row;
} order_key;

static int cmp_order(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->layer != y->layer) return x->layer < y->layer ? -1 : 1;
    return (x->root > y->root) - (x->root < y->root);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Canonical (alias-resolved) type names, sorted, and each table type's index among them. */
static int canonical_types(const cell_table *c, const mapping *m, storage *s, int32_t *canon_of)
{
    s->types = calloc(c->ntypes ? c->ntypes : 1, sizeof *s->types);
    if (!s->types) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->ntypes; i++) {
        const char *t = mapping_canonical(m, c->types[i]);
        size_t k = 0;
        while (k < s->ntypes && strcmp(s->types[k], t) != 0) k++;
        if (k == s->ntypes) s->types[s->ntypes++] = (char *)t;
    }
    qsort(s->types, s->ntypes, sizeof *s->types, cmp_str);
    for (size_t i = 0; i < c->ntypes; i++) {
        const char *t = mapping_canonical(m, c->types[i]);
        for (size_t k = 0; k < s->ntypes; k++)
            if (strcmp(s->types[k], t) == 0) canon_of[i] = (int32_t)k;
    }
    return CONNC_OK;
}

/* Orders cells by (layer, root id) and fills the per-cell arrays; newpos[r]
 * is the IR index of table row r. */
static int order_cells(const cell_table *c, const mapping *m, storage *s, int32_t *newpos)
{
    size_t n = c->n;
    int rc = CONNC_OK;
    int32_t *canon_of = calloc(c->ntypes ? c->ntypes : 1, sizeof *canon_of);
    order_key *k = malloc(n * sizeof *k);
    s->root_id = malloc(n * sizeof *s->root_id);
    s->layer = malloc(n * sizeof *s->layer);
    s->type = malloc(n * sizeof *s->type);
    s->inhibitory = malloc(n);
    s->position = c->pos ? malloc(3 * n * sizeof *s->position) : NULL;
    if (!canon_of || !k || !s->root_id || !s->layer || !s->type || !s->inhibitory || (c->pos && !s->position)) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory ordering %zu cells", n);
        goto done;
    }
    CHECK(canonical_types(c, m, s, canon_of));
    for (size_t r = 0; r < n; r++) {
        int layer = mapping_layer_of(m, s->types[canon_of[c->type[r]]]);
        k[r] = (order_key){layer < 0 ? (int32_t)m->nlayers : layer, c->root_id[r], (int32_t)r};
    }
    qsort(k, n, sizeof *k, cmp_order);
    for (size_t i = 0; i < n; i++) {
        int32_t r = k[i].row;
        const char *t = s->types[canon_of[c->type[r]]];
        newpos[r] = (int32_t)i;
        s->root_id[i] = c->root_id[r];
        s->layer[i] = k[i].layer < (int32_t)m->nlayers ? k[i].layer : -1;
        s->type[i] = canon_of[c->type[r]];
        s->inhibitory[i] = (uint8_t)mapping_is_inhibitory(m, t);
        if (s->position) memcpy(&s->position[3 * i], &c->pos[3 * r], 3 * sizeof(double));
    }
fail:
done:
    free(canon_of);
    free(k);
    return rc;
}

/* ------------------------------------------------------------ layers */

/* Layer ranges follow from the cell order: layer l is one contiguous run. */
static int layer_ranges(const storage *s, int64_t n, const mapping *m, ir *x)
{
    x->nlayers = m->nlayers;
    x->layers = calloc(m->nlayers, sizeof *x->layers);
    if (!x->layers) return err_set(CONNC_ERR_NOMEM, "out of memory");
    int64_t i = 0;
    for (size_t l = 0; l < m->nlayers; l++) {
        ir_layer *L = &x->layers[l];
        strcpy(L->name, m->layers[l].name);
        L->offset = i;
        while (i < n && s->layer[i] == (int32_t)l) i++;
        L->size = i - L->offset;
        if (L->size == 0)
            return err_set(CONNC_ERR_FORMAT, "layer '%s' has no cells: no cell of type %s%s in the cell table", L->name,
                           m->layers[l].types[0], m->layers[l].ntypes > 1 ? " (or its other types)" : "");
    }
    return CONNC_OK;
}

/* ------------------------------------------------------------ metadata */

static void hash_array(sha256_ctx *h, const void *p, size_t n) { if (p) sha256_update(h, p, n); }

/* Feeds n elements of sp to h in pieces, reporting progress (from disk,
 * the pieces of a whole volume take a while). */
static int hash_spill(spill *sp, uint64_t n, sha256_ctx *h, progress *bar, uint64_t *done)
{
    const uint64_t piece = (64u << 20) / sp->width;
    for (uint64_t i = 0; i < n; i += piece) {
        uint64_t take = n - i < piece ? n - i : piece;
        TRY(spill_hash(sp, i, take, h));
        *done += take * sp->width;
        progress_update(bar, *done);
    }
    return CONNC_OK;
}

/* The synapses' checksum, over the adjacency arrays in their IR order. */
static int synapse_sum(const ir *x, storage *s, char hex[65])
{
    adjacency *a = &s->adj;
    uint64_t nnz = (uint64_t)a->nnz, done = 0;
    progress bar;
    progress_begin(&bar, "checksum", "B", nnz * (s->has_size ? 16 : 8));
    bar.active &= a->indices.file != NULL;
    sha256_ctx h;
    sha256_init(&h);
    hash_array(&h, a->indptr, (size_t)(x->ncells + 1) * 8);
    TRY(hash_spill(&a->indices, nnz, &h, &bar, &done));
    TRY(hash_spill(&a->count, nnz, &h, &bar, &done));
    if (s->has_size) TRY(hash_spill(&a->size, nnz, &h, &bar, &done));
    progress_end(&bar, done);
    sha256_final_hex(&h, hex);
    return CONNC_OK;
}

/* Content checksums over the parsed data (not the file bytes), so the same
 * tables as CSV, gzip or JSON, in any row order, give the same IR. */
static int content_sums(const ir *x, storage *s, char cells_hex[65], char syn_hex[65])
{
    sha256_ctx h;
    sha256_init(&h);
    hash_array(&h, x->root_id, (size_t)x->ncells * 8);
    hash_array(&h, x->type, (size_t)x->ncells * 4);
    for (size_t t = 0; t < s->ntypes; t++) hash_array(&h, s->types[t], strlen(s->types[t]) + 1);
    hash_array(&h, x->position, x->position ? (size_t)x->ncells * 24 : 0);
    sha256_final_hex(&h, cells_hex);
    return synapse_sum(x, s, syn_hex);
}

static cJSON *projection_json(const ir_layer *from, const ir_layer *to, const ir_pattern *p, const char *kind,
                              int drop_diag, int64_t synapses)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "from", from->name);
    cJSON_AddStringToObject(o, "to", to->name);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddNumberToObject(o, "rows", (double)p->nrows);
    cJSON_AddNumberToObject(o, "cols", (double)p->ncols);
    cJSON_AddNumberToObject(o, "nnz", (double)p->nnz);
    double pairs = (double)p->nrows * (double)p->ncols - (drop_diag ? (double)p->nrows : 0);
    cJSON_AddNumberToObject(o, "density", pairs > 0 ? (double)p->nnz / pairs : 0);
    cJSON_AddNumberToObject(o, "synapses", (double)synapses);
    return o;
}

static cJSON *layers_json(const ir *x, const mapping *m, const compile_options *o)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *y = &x->layers[l];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", y->name);
        cJSON_AddNumberToObject(j, "offset", (double)y->offset);
        cJSON_AddNumberToObject(j, "size", (double)y->size);
        cJSON_AddItemToObject(j, "cell_types", cJSON_CreateStringArray((const char *const *)m->layers[l].types,
                                                                       (int)m->layers[l].ntypes));
        int64_t total = 0, max = 0, nonzero = 0;
        for (int64_t i = 0; i < y->size; i++) {
            total += y->inhibition[i];
            if (y->inhibition[i] > max) max = y->inhibition[i];
            nonzero += y->inhibition[i] > 0;
        }
        cJSON *inh = cJSON_AddObjectToObject(j, "inhibition");
        cJSON_AddStringToObject(inh, "mode", o->inhibition == INHIBITION_SYNAPSES ? "synapses" : "partners");
        cJSON_AddNumberToObject(inh, "total", (double)total);
        cJSON_AddNumberToObject(inh, "max", (double)max);
        cJSON_AddNumberToObject(inh, "nonzero", (double)nonzero);
        cJSON_AddItemToArray(arr, j);
    }
    return arr;
}

static cJSON *projections_json(const ir *x, const derived *d, const compile_options *o)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *y = &x->layers[l];
        if (l > 0) cJSON_AddItemToArray(arr, projection_json(y - 1, y, &y->inter, "inter", 0, d->inter_synapses[l]));
        cJSON_AddItemToArray(arr, projection_json(y, y, &y->intra, "intra", !o->autapses, d->intra_synapses[l]));
    }
    return arr;
}

/* Synapse counts between canonical types, rows = presynaptic type. */
static cJSON *type_matrix_json(const storage *s)
{
    size_t T = s->ntypes;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "types", cJSON_CreateStringArray((const char *const *)s->types, (int)T));
    cJSON *rows = cJSON_AddArrayToObject(o, "counts");
    for (size_t i = 0; i < T; i++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t j = 0; j < T; j++) cJSON_AddItemToArray(row, cJSON_CreateNumber((double)s->d.type_synapses[i * T + j]));
        cJSON_AddItemToArray(rows, row);
    }
    return o;
}

static cJSON *cells_json(const ir *x, const storage *s, const char *hex)
{
    cJSON *o = cJSON_CreateObject();
    int64_t inh = 0, in_layers = 0;
    int64_t *per_type = calloc(s->ntypes ? s->ntypes : 1, sizeof *per_type);
    for (int64_t i = 0; i < x->ncells; i++) {
        inh += x->inhibitory[i];
        in_layers += x->layer[i] >= 0;
        if (per_type) per_type[x->type[i]]++;
    }
    cJSON_AddNumberToObject(o, "count", (double)x->ncells);
    cJSON_AddNumberToObject(o, "in_layers", (double)in_layers);
    cJSON_AddNumberToObject(o, "inhibitory", (double)inh);
    cJSON_AddItemToObject(o, "types", cJSON_CreateStringArray((const char *const *)s->types, (int)s->ntypes));
    cJSON *tc = cJSON_AddObjectToObject(o, "type_counts");
    for (size_t t = 0; per_type && t < s->ntypes; t++) cJSON_AddNumberToObject(tc, s->types[t], (double)per_type[t]);
    cJSON_AddBoolToObject(o, "has_positions", x->position != NULL);
    cJSON_AddStringToObject(o, "position_units", "voxels (4 x 4 x 40 nm)");
    cJSON_AddNumberToObject(o, "skipped_no_root", (double)s->cells->skipped_no_root);
    cJSON_AddNumberToObject(o, "skipped_invalid", (double)s->cells->skipped_invalid);
    cJSON_AddStringToObject(o, "content_sha256", hex);
    free(per_type);
    return o;
}

static cJSON *synapses_json(const ir *x, const storage *s, const synapse_list *syn, const char *hex)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rows", (double)syn->rows);
    cJSON_AddNumberToObject(o, "in_column", (double)syn->n);
    cJSON_AddNumberToObject(o, "skipped_unknown", (double)syn->skipped_unknown);
    cJSON_AddNumberToObject(o, "skipped_invalid", (double)syn->skipped_invalid);
    cJSON_AddNumberToObject(o, "autapses", (double)s->d.autapses);
    cJSON_AddNumberToObject(o, "connections", (double)x->adj.nnz);
    cJSON_AddBoolToObject(o, "has_size", s->has_size);
    cJSON_AddStringToObject(o, "size_units", "cleft voxels (4 x 4 x 40 nm)");
    cJSON_AddStringToObject(o, "content_sha256", hex);
    return o;
}

static int build_metadata(ir *x, storage *s, const synapse_list *syn)
{
    const compile_options *o = s->opt;
    char cells_hex[65], syn_hex[65];
    TRY(content_sums(x, s, cells_hex, syn_hex));
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", IR_SCHEMA);
    cJSON_AddStringToObject(root, "connc_version", CONNC_VERSION_STRING);
    cJSON_AddStringToObject(root, "orientation", "rows = postsynaptic cell, columns = presynaptic cell");
    cJSON *src = o->source_json ? cJSON_Parse(o->source_json) : cJSON_CreateNull();
    if (!src) {
        cJSON_Delete(root);
        return err_set(CONNC_ERR_FORMAT, "--provenance: not valid JSON");
    }
    cJSON_AddItemToObject(root, "source", src);
    cJSON_AddItemToObject(root, "mapping", cJSON_Parse(s->map->json));
    cJSON *opt = cJSON_AddObjectToObject(root, "options");
    cJSON_AddNumberToObject(opt, "threshold", o->threshold);
    cJSON_AddBoolToObject(opt, "autapses", o->autapses);
    cJSON_AddStringToObject(opt, "inhibition", o->inhibition == INHIBITION_SYNAPSES ? "synapses" : "partners");
    cJSON_AddBoolToObject(opt, "skip_unknown", o->skip_unknown);
    cJSON_AddItemToObject(root, "cells", cells_json(x, s, cells_hex));
    cJSON_AddItemToObject(root, "synapses", synapses_json(x, s, syn, syn_hex));
    cJSON_AddItemToObject(root, "layers", layers_json(x, s->map, o));
    cJSON_AddItemToObject(root, "projections", projections_json(x, &s->d, o));
    cJSON_AddItemToObject(root, "type_matrix", type_matrix_json(s));
    x->meta = cJSON_Print(root);
    cJSON_Delete(root);
    return x->meta ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory for metadata");
}

/* ------------------------------------------------------------ steps */

int compile_begin(const cell_table *c, const mapping *m, const compile_options *o, int32_t *newpos, ir *x)
{
    memset(x, 0, sizeof *x);
    if (o->threshold < 1) return err_set(CONNC_ERR_USAGE, "--threshold must be >= 1");
    storage *s = calloc(1, sizeof *s);
    if (!s) return err_set(CONNC_ERR_NOMEM, "out of memory");
    x->storage = s;
    x->storage_free = storage_free;
    s->cells = c;
    s->map = m;
    s->opt = o;
    TRY(order_cells(c, m, s, newpos));
    x->ncells = (int64_t)c->n;
    x->root_id = s->root_id;
    x->layer = s->layer;
    x->type = s->type;
    x->inhibitory = s->inhibitory;
    x->position = s->position;
    return layer_ranges(s, x->ncells, m, x);
}

int compile_adjacency_begin(ir *x, int with_size, const char *dir)
{
    storage *s = x->storage;
    const compile_options *o = s->opt;
    TRY(adjacency_init(&s->adj, x->ncells, with_size, dir));
    derive_setup u = {s->layer, s->type, s->inhibitory, x->layers, x->nlayers, s->ntypes,
                      o->threshold, o->autapses, o->inhibition};
    return derived_init(&s->d, &u, dir);
}

int compile_rows(ir *x, adj_entry *e, const int64_t *start, int64_t r0, int64_t r1, int exact)
{
    storage *s = x->storage;
    for (int64_t r = r0; r < r1; r++) {
        const int64_t *b = start + (r - r0);
        TRY(adjacency_add_row(&s->adj, e + b[0], (size_t)(b[1] - b[0]), exact));
        TRY(derived_row(&s->d, r, s->adj.row_pre, s->adj.row_count, s->adj.row_n));
    }
    return CONNC_OK;
}

/* Elements first.. of sp, or NULL when sp is on disk: the IR then reads
 * array `name` from sp's file. */
static const void *expose(storage *s, spill *sp, uint64_t first, const char *name)
{
    if (!sp->file) return sp->data ? (const char *)sp->data + first * sp->width : NULL;
    ir_file_array *f = &s->files[s->nfiles++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->file = sp->file;
    f->offset = first * sp->width;
    return NULL;
}

static void expose_mask(storage *s, mask *m, spill *sp, const char *name, ir_pattern *p)
{
    *p = (ir_pattern){m->nrows, m->ncols, m->nnz, m->indptr, NULL};
    p->indices = expose(s, sp, m->first, name);
}

/* Points the IR at its arrays: in memory, or in scratch files. */
static int expose_arrays(ir *x, storage *s)
{
    adjacency *a = &s->adj;
    derived *d = &s->d;
    if (!(s->files = calloc(3 + 2 * x->nlayers, sizeof *s->files))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    TRY(spill_flush(&a->indices));
    TRY(spill_flush(&a->count));
    TRY(spill_flush(&a->size));
    TRY(spill_flush(&d->inter_indices));
    TRY(spill_flush(&d->intra_indices));
    x->adj = (ir_pattern){a->n, a->n, a->nnz, a->indptr, expose(s, &a->indices, 0, "adjacency/indices")};
    x->count = expose(s, &a->count, 0, "adjacency/count");
    /* as synapses_read has them: sizes only when there are synapses */
    s->has_size = a->with_size && a->nnz > 0;
    if (s->has_size) x->size = expose(s, &a->size, 0, "adjacency/size");
    for (size_t l = 0; l < x->nlayers; l++) {
        ir_layer *y = &x->layers[l];
        char name[96];
        snprintf(name, sizeof name, "layers/%s/inter/indices", y->name);
        if (l > 0) expose_mask(s, &d->inter[l], &d->inter_indices, name, &y->inter);
        snprintf(name, sizeof name, "layers/%s/intra/indices", y->name);
        expose_mask(s, &d->intra[l], &d->intra_indices, name, &y->intra);
        y->inhibition = d->inhibition[l];
    }
    x->files = s->files;
    x->nfiles = s->nfiles;
    return CONNC_OK;
}

int compile_finish(ir *x, const synapse_list *syn)
{
    storage *s = x->storage;
    TRY(expose_arrays(x, s));
    return build_metadata(x, s, syn);
}

/* ------------------------------------------------------------ driver */

int compile_synapses(ir *x, const int32_t *newpos, const synapse_list *syn)
{
    int64_t *start = calloc((size_t)x->ncells + 1, sizeof *start);
    adj_entry *bucket = malloc((syn->n ? syn->n : 1) * sizeof *bucket);
    int rc;
    if (!start || !bucket) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory for %zu synapses", syn->n);
        goto fail;
    }
    CHECK(compile_adjacency_begin(x, syn->size != NULL, NULL));
    adjacency_group(x->ncells, newpos, syn->n, syn->pre, syn->post, syn->size, bucket, start);
    int exact = !syn->size || adjacency_sums_exact(syn->size, syn->n);
    CHECK(compile_rows(x, bucket, start, 0, x->ncells, exact));
    CHECK(compile_finish(x, syn));
fail:
    free(start);
    free(bucket);
    return rc;
}

int compile_column(const cell_table *c, const synapse_list *syn, const mapping *m,
                   const compile_options *o, ir *x)
{
    int32_t *newpos = malloc((c->n ? c->n : 1) * sizeof *newpos);
    int rc;
    memset(x, 0, sizeof *x);
    if (!newpos) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory for %zu cells", c->n);
        goto fail;
    }
    CHECK(compile_begin(c, m, o, newpos, x));
    CHECK(compile_synapses(x, newpos, syn));
fail:
    free(newpos);
    if (rc < 0) ir_free(x);
    return rc;
}
