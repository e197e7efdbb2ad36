/* ir_io.c: IR <-> container file (schemas/ir.md).  The reader checks every
 * array's type and shape against the metadata and every CSR index range, so
 * later code can index without checks. */
#define _POSIX_C_SOURCE 200809L
#include "ir.h"
#include "container.h"
#include "error.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME(buf, ...) (snprintf(buf, sizeof buf, __VA_ARGS__), buf)

static const ir_file_array *file_array(const ir *x, const char *name)
{
    for (size_t i = 0; i < x->nfiles; i++)
        if (strcmp(x->files[i].name, name) == 0) return &x->files[i];
    return NULL;
}

/* Adds an array from memory, or from its scratch file when it is kept in one. */
static int add(container_writer *w, const ir *x, const char *name, connc_dtype t, uint32_t ndim, const uint64_t *shape,
               const void *data)
{
    const ir_file_array *f = file_array(x, name);
    return f ? container_add_file(w, name, t, ndim, shape, f->file, f->offset) : container_add(w, name, t, ndim, shape, data);
}

static int add_pattern(container_writer *w, const ir *x, const char *prefix, const ir_pattern *p)
{
    char name[128]; /* prefix (< 96) + suffix; container_add checks the final length */
    uint64_t np = (uint64_t)p->nrows + 1, nz = (uint64_t)p->nnz;
    TRY(add(w, x, NAME(name, "%s/indptr", prefix), CONNC_I64, 1, &np, p->indptr));
    TRY(add(w, x, NAME(name, "%s/indices", prefix), CONNC_I32, 1, &nz, p->indices));
    return CONNC_OK;
}

static int add_arrays(container_writer *w, const ir *x)
{
    uint64_t n = (uint64_t)x->ncells, n3[2] = {n, 3}, nz = (uint64_t)x->adj.nnz;
    TRY(add(w, x, "cells/root_id", CONNC_U64, 1, &n, x->root_id));
    TRY(add(w, x, "cells/layer", CONNC_I32, 1, &n, x->layer));
    TRY(add(w, x, "cells/type", CONNC_I32, 1, &n, x->type));
    TRY(add(w, x, "cells/inhibitory", CONNC_U8, 1, &n, x->inhibitory));
    if (x->position) TRY(add(w, x, "cells/position", CONNC_F64, 2, n3, x->position));
    TRY(add_pattern(w, x, "adjacency", &x->adj));
    TRY(add(w, x, "adjacency/count", CONNC_I32, 1, &nz, x->count));
    if (x->size || file_array(x, "adjacency/size")) TRY(add(w, x, "adjacency/size", CONNC_F64, 1, &nz, x->size));
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *y = &x->layers[l];
        char name[96];
        uint64_t sz = (uint64_t)y->size;
        if (l > 0) TRY(add_pattern(w, x, NAME(name, "layers/%s/inter", y->name), &y->inter));
        TRY(add_pattern(w, x, NAME(name, "layers/%s/intra", y->name), &y->intra));
        TRY(add(w, x, NAME(name, "layers/%s/inhibition", y->name), CONNC_I32, 1, &sz, y->inhibition));
    }
    return CONNC_OK;
}

int ir_write(const ir *x, const char *path)
{
    container_writer *w = container_writer_new(CONTAINER_IR);
    if (!w) return err_set(CONNC_ERR_NOMEM, "out of memory");
    int rc;
    CHECK(container_set_metadata(w, x->meta));
    CHECK(add_arrays(w, x));
    rc = container_write(w, path);
fail:
    container_writer_free(w);
    return rc;
}

/* ------------------------------------------------------------ reading */

static int bad(const char *path, const char *what, const char *name)
{
    return err_set(CONNC_ERR_CORRUPT, "%s: invalid IR: %s%s%s", path, what, name ? " in " : "", name ? name : "");
}

/* A 1-D array of the given type and length. */
static int get_vec(connc_file *f, const char *name, connc_dtype t, int64_t len, const void **out)
{
    connc_array a;
    TRY(container_expect(f, name, t, 1, &a));
    if ((int64_t)a.shape[0] != len) return bad(connc_file_path(f), "array length disagrees with the metadata", name);
    *out = a.data;
    return CONNC_OK;
}

/* Reads a CSR pattern and checks indptr is monotone from 0 and every index
 * is in [0, ncols) and ascending within its row. */
static int get_pattern(connc_file *f, const char *prefix, int64_t nrows, int64_t ncols, ir_pattern *p)
{
    char name[96];
    connc_array a;
    p->nrows = nrows;
    p->ncols = ncols;
    TRY(get_vec(f, NAME(name, "%s/indptr", prefix), CONNC_I64, nrows + 1, (const void **)&p->indptr));
    TRY(container_expect(f, NAME(name, "%s/indices", prefix), CONNC_I32, 1, &a));
    p->indices = a.data;
    p->nnz = (int64_t)a.shape[0];
    if (p->indptr[0] != 0 || p->indptr[nrows] != p->nnz) return bad(connc_file_path(f), "indptr ends", prefix);
    for (int64_t r = 0; r < nrows; r++) {
        if (p->indptr[r + 1] < p->indptr[r]) return bad(connc_file_path(f), "indptr decreases", prefix);
        for (int64_t e = p->indptr[r]; e < p->indptr[r + 1]; e++)
            if (p->indices[e] < 0 || p->indices[e] >= ncols || (e > p->indptr[r] && p->indices[e] <= p->indices[e - 1]))
                return bad(connc_file_path(f), "column index out of range or unsorted", prefix);
    }
    return CONNC_OK;
}

/* A metadata integer, or fallback when absent or beyond +-2^53: casting a
 * larger double to int64_t is undefined behaviour, and the bound keeps sums
 * such as offset + size from overflowing. */
static int64_t json_int(const cJSON *o, const char *key, int64_t fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    const double lim = 9007199254740992.0;
    return cJSON_IsNumber(v) && v->valuedouble >= -lim && v->valuedouble <= lim ? (int64_t)v->valuedouble : fallback;
}

static int read_layers(connc_file *f, const cJSON *meta, ir *x)
{
    const char *path = connc_file_path(f);
    const cJSON *layers = cJSON_GetObjectItemCaseSensitive(meta, "layers");
    if (!cJSON_IsArray(layers) || cJSON_GetArraySize(layers) < 1 || cJSON_GetArraySize(layers) > 4096)
        return bad(path, "metadata has no layers", NULL);
    x->nlayers = (size_t)cJSON_GetArraySize(layers);
    if (!(x->layers = calloc(x->nlayers, sizeof *x->layers))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    size_t l = 0;
    int64_t prev_end = 0;
    for (const cJSON *j = layers->child; j; j = j->next, l++) {
        ir_layer *y = &x->layers[l];
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
        y->offset = json_int(j, "offset", -1);
        y->size = json_int(j, "size", -1);
        if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof y->name || y->offset != prev_end ||
            y->size < 1 || y->offset + y->size > x->ncells)
            return bad(path, "layer entry in the metadata", NULL);
        strcpy(y->name, name->valuestring);
        prev_end = y->offset + y->size;
        char prefix[96];
        if (l > 0) TRY(get_pattern(f, NAME(prefix, "layers/%s/inter", y->name), y->size, x->layers[l - 1].size, &y->inter));
        TRY(get_pattern(f, NAME(prefix, "layers/%s/intra", y->name), y->size, y->size, &y->intra));
        TRY(get_vec(f, NAME(prefix, "layers/%s/inhibition", y->name), CONNC_I32, y->size, (const void **)&y->inhibition));
    }
    return CONNC_OK;
}

static int read_cells(connc_file *f, ir *x)
{
    int64_t n = x->ncells;
    connc_array a;
    TRY(get_vec(f, "cells/root_id", CONNC_U64, n, (const void **)&x->root_id));
    TRY(get_vec(f, "cells/layer", CONNC_I32, n, (const void **)&x->layer));
    TRY(get_vec(f, "cells/type", CONNC_I32, n, (const void **)&x->type));
    TRY(get_vec(f, "cells/inhibitory", CONNC_U8, n, (const void **)&x->inhibitory));
    if (connc_file_array(f, "cells/position", &a) == CONNC_OK) {
        if (a.dtype != CONNC_F64 || a.ndim != 2 || (int64_t)a.shape[0] != n || a.shape[1] != 3)
            return bad(connc_file_path(f), "shape", "cells/position");
        x->position = a.data;
    }
    return CONNC_OK;
}

static int read_adjacency(connc_file *f, ir *x)
{
    connc_array a;
    TRY(get_pattern(f, "adjacency", x->ncells, x->ncells, &x->adj));
    TRY(get_vec(f, "adjacency/count", CONNC_I32, x->adj.nnz, (const void **)&x->count));
    if (connc_file_array(f, "adjacency/size", &a) == CONNC_OK)
        TRY(get_vec(f, "adjacency/size", CONNC_F64, x->adj.nnz, (const void **)&x->size));
    return CONNC_OK;
}

/* Every per-cell label must index something that exists, so readers can
 * use them as indices. */
static int check_cell_labels(const ir *x, const cJSON *meta)
{
    const char *path = connc_file_path(x->file);
    int ntypes = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "cells"), "types"));
    for (int64_t i = 0; i < x->ncells; i++)
        if (x->layer[i] < -1 || x->layer[i] >= (int32_t)x->nlayers || x->type[i] < 0 || x->type[i] >= ntypes ||
            x->inhibitory[i] > 1)
            return bad(path, "cell label out of range", "cells/layer, cells/type or cells/inhibitory");
    for (size_t l = 0; l < x->nlayers; l++)
        for (int64_t i = x->layers[l].offset; i < x->layers[l].offset + x->layers[l].size; i++)
            if (x->layer[i] != (int32_t)l) return bad(path, "cells/layer disagrees with the layer ranges", NULL);
    return CONNC_OK;
}

int ir_read(const char *path, ir *x)
{
    memset(x, 0, sizeof *x);
    cJSON *meta = NULL;
    int rc;
    CHECK(connc_file_open(path, &x->file));
    if (strcmp(connc_file_kind(x->file), "ir") != 0) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: a network description, not an IR (give the .cir file)", path);
        goto fail;
    }
    meta = cJSON_Parse(connc_file_metadata(x->file));
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(meta, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, IR_SCHEMA) != 0) {
        rc = err_set(CONNC_ERR_VERSION, "%s: IR schema is not %s (recompile the tables with this connc)", path, IR_SCHEMA);
        goto fail;
    }
    x->ncells = json_int(cJSON_GetObjectItemCaseSensitive(meta, "cells"), "count", -1);
    if (x->ncells < 1 || x->ncells > INT32_MAX) {
        rc = bad(path, "cell count in the metadata", NULL);
        goto fail;
    }
    CHECK(read_cells(x->file, x));
    CHECK(read_adjacency(x->file, x));
    CHECK(read_layers(x->file, meta, x));
    CHECK(check_cell_labels(x, meta));
    if (!(x->meta = strdup(connc_file_metadata(x->file)))) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    cJSON_Delete(meta);
    return CONNC_OK;
fail:
    cJSON_Delete(meta);
    ir_free(x);
    return rc;
}

void ir_free(ir *x)
{
    if (x->storage_free) x->storage_free(x->storage);
    connc_file_close(x->file);
    free(x->layers);
    free(x->meta);
    memset(x, 0, sizeof *x);
}
