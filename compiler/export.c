/* export.c: the `connc export` driver - checks the IR's labels, lists the
 * matrices every format writes, and owns the output files (see export.h). */
#define _POSIX_C_SOURCE 200809L
#include "export.h"
#include "container.h"
#include "error.h"
#include "progress.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int (*write)(export_ctx *c);
} formats[] = {
    [EXPORT_NPZ] = {"npz", export_npz},
    [EXPORT_NPY] = {"npy", export_npy},
    [EXPORT_MTX] = {"mtx", export_mtx},
    [EXPORT_CSV] = {"csv", export_csv},
    [EXPORT_SONATA] = {"sonata", export_sonata},
};
#define NFORMATS (sizeof formats / sizeof formats[0])

int export_format_parse(const char *name, export_format *out)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (strcmp(name, formats[i].name) == 0) {
            *out = (export_format)i;
            return CONNC_OK;
        }
    return err_set(CONNC_ERR_USAGE, "unknown export format '%s' (expected npz, npy, mtx, csv or sonata)", name);
}

/* ------------------------------------------------------------ labels */

static const char *ir_name(const ir *x) { return x->file ? connc_file_path(x->file) : "IR"; }

/* Layer names become file names, so an IR read from disk must not smuggle in
 * a path ("../x"); the mapping parser allows the same characters. */
static int file_safe(const char *s)
{
    if (s[0] == '\0' || s[0] == '.') return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* The cell type names live only in the metadata (cells.types). */
static int read_type_names(export_ctx *c)
{
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->meta, "cells"), "types");
    if (!cJSON_IsArray(types))
        return err_set(CONNC_ERR_CORRUPT, "%s: IR metadata has no cells.types list", ir_name(c->x));
    c->ntypes = (size_t)cJSON_GetArraySize(types);
    if (!(c->type_name = calloc(c->ntypes ? c->ntypes : 1, sizeof *c->type_name)))
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    size_t i = 0;
    for (const cJSON *t = types->child; t; t = t->next, i++) {
        if (!cJSON_IsString(t))
            return err_set(CONNC_ERR_CORRUPT, "%s: IR metadata: cells.types[%zu] is not a name", ir_name(c->x), i);
        c->type_name[i] = t->valuestring;
    }
    return CONNC_OK;
}

/* The cell tables promise that the rows of mask_<L>_* are exactly the cells
 * labelled L, in cell order; ir_read checks ranges but not labels. */
static int check_cells(const export_ctx *c)
{
    const ir *x = c->x;
    for (size_t l = 0; l < x->nlayers; l++)
        if (!file_safe(x->layers[l].name))
            return err_set(CONNC_ERR_CORRUPT, "%s: layer name '%s' cannot be part of a file name", ir_name(x),
                           x->layers[l].name);
    size_t l = 0;
    for (int64_t i = 0; i < x->ncells; i++) {
        while (l < x->nlayers && i >= x->layers[l].offset + x->layers[l].size) l++;
        int32_t want = l < x->nlayers && i >= x->layers[l].offset ? (int32_t)l : -1;
        if (x->layer[i] != want || x->type[i] < 0 || (size_t)x->type[i] >= c->ntypes || x->inhibitory[i] > 1)
            return err_set(CONNC_ERR_CORRUPT, "%s: invalid IR: labels of cell %lld disagree with the metadata",
                           ir_name(x), (long long)i);
    }
    return CONNC_OK;
}

void export_field(FILE *f, const char *s, const char *special)
{
    if (s[strcspn(s, special)] == '\0') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

const char *export_type_of(const export_ctx *c, int64_t i) { return c->type_name[c->x->type[i]]; }

const char *export_layer_of(const export_ctx *c, int64_t i)
{
    return c->x->layer[i] < 0 ? "" : c->x->layers[c->x->layer[i]].name;
}

/* ------------------------------------------------------------ matrices */

static void add_matrix(export_ctx *c, const char *stem, const ir_pattern *p, export_values kind, const void *values,
                       int64_t row0, int64_t col0)
{
    export_matrix *m = &c->mats[c->nmats++];
    *m = (export_matrix){.p = p, .kind = kind, .values = values, .row0 = row0, .col0 = col0};
    snprintf(m->stem, sizeof m->stem, "%s", stem);
}

/* The array formats write these in this order; the CSV edge list joins the
 * two adjacency matrices into one file. */
static int list_matrices(export_ctx *c)
{
    const ir *x = c->x;
    char stem[64];
    if (!(c->mats = calloc(2 + 2 * x->nlayers, sizeof *c->mats))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    add_matrix(c, "adjacency_count", &x->adj, VALUES_I32, x->count, 0, 0);
    if (x->size) add_matrix(c, "adjacency_size", &x->adj, VALUES_F64, x->size, 0, 0);
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *y = &x->layers[l];
        if (l > 0) {
            snprintf(stem, sizeof stem, "mask_%s_inter", y->name);
            add_matrix(c, stem, &y->inter, VALUES_ONES, NULL, y->offset, x->layers[l - 1].offset);
        }
        snprintf(stem, sizeof stem, "mask_%s_intra", y->name);
        add_matrix(c, stem, &y->intra, VALUES_ONES, NULL, y->offset, y->offset);
    }
    return CONNC_OK;
}

/* ------------------------------------------------------------ files */

int export_open(export_ctx *c, const char *file, outfile *o)
{
    if (!c->dir_ready) {
        TRY(make_dirs(c->dir));
        c->dir_ready = 1;
    }
    int n = snprintf(c->path, sizeof c->path, "%s/%s", c->dir, file);
    if (n < 0 || (size_t)n >= sizeof c->path) return err_set(CONNC_ERR_USAGE, "%s: output path too long", c->dir);
    return outfile_open(o, c->path);
}

int export_close(export_ctx *c, outfile *o, int write_rc)
{
    if (write_rc == CONNC_OK && ferror(o->f)) write_rc = err_set(CONNC_ERR_IO, "%s: write failed", c->path);
    if (write_rc < 0) {
        outfile_abort(o);
        return write_rc;
    }
    TRY(outfile_commit(o));
    c->nfiles++;
    log_info("wrote %s", c->path);
    return CONNC_OK;
}

int export_matrices(export_ctx *c, const char *ext, int (*write)(outfile *o, const export_matrix *m))
{
    char file[80];
    for (size_t i = 0; i < c->nmats; i++) {
        outfile o;
        snprintf(file, sizeof file, "%s.%s", c->mats[i].stem, ext);
        TRY(export_open(c, file, &o));
        TRY(export_close(c, &o, write(&o, &c->mats[i])));
    }
    return CONNC_OK;
}

/* The IR metadata (provenance, mapping, options, statistics) travels along. */
static int write_metadata(export_ctx *c)
{
    outfile o;
    TRY(export_open(c, "metadata.json", &o));
    int rc = outfile_write(&o, c->x->meta, strlen(c->x->meta));
    if (rc == CONNC_OK) rc = outfile_write(&o, "\n", 1);
    return export_close(c, &o, rc);
}

/* ------------------------------------------------------------ driver */

static int ctx_init(export_ctx *c, const ir *x, const char *dir)
{
    memset(c, 0, sizeof *c);
    c->x = x;
    c->dir = dir;
    if (!(c->meta = cJSON_Parse(x->meta))) return err_set(CONNC_ERR_CORRUPT, "%s: IR metadata is not JSON", ir_name(x));
    TRY(read_type_names(c));
    TRY(check_cells(c));
    return list_matrices(c);
}

static void ctx_free(export_ctx *c)
{
    cJSON_Delete(c->meta);
    free(c->type_name);
    free(c->mats);
}

int export_ir(const ir *x, export_format fmt, const char *dir)
{
    if ((size_t)fmt >= NFORMATS) return err_set(CONNC_ERR_USAGE, "unknown export format %d", (int)fmt);
    export_ctx c;
    int rc;
    CHECK(ctx_init(&c, x, dir));
    CHECK(formats[fmt].write(&c));
    CHECK(write_metadata(&c));
    log_info("exported %s as %s: %d files in %s", ir_name(x), formats[fmt].name, c.nfiles, dir);
fail:
    ctx_free(&c);
    return rc;
}
