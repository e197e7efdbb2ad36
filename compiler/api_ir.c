/* api_ir.c: the public IR API of connc.h (connc_ir_*), a typed view of an
 * IR read by ir_read: layers, their masks and inhibition vectors, borrowed
 * from the mapped file. */
#define _POSIX_C_SOURCE 200809L
#include "connc.h"
#include "container.h"
#include "error.h"
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct connc_ir {
    ir x;
};

int connc_ir_open(const char *path, connc_ir **out)
{
    if (!out) return err_set(CONNC_ERR_USAGE, "connc_ir_open: no place for the handle");
    *out = NULL;
    if (!path) return err_set(CONNC_ERR_USAGE, "connc_ir_open: no path");
    connc_ir *h = malloc(sizeof *h);
    if (!h) return err_set(CONNC_ERR_NOMEM, "out of memory");
    int rc = ir_read(path, &h->x);
    if (rc < 0) {
        free(h);
        return rc;
    }
    *out = h;
    return CONNC_OK;
}

void connc_ir_close(connc_ir *h)
{
    if (!h) return;
    ir_free(&h->x);
    free(h);
}

const char *connc_ir_metadata(const connc_ir *h) { return h ? h->x.meta : NULL; }

size_t connc_ir_layer_count(const connc_ir *h) { return h ? h->x.nlayers : 0; }

int connc_ir_layer(const connc_ir *h, size_t i, connc_layer *out)
{
    if (!h || !out) return err_set(CONNC_ERR_USAGE, "connc_ir_layer: NULL argument");
    if (i >= h->x.nlayers) return err_set(CONNC_ERR_NOTFOUND, "layer %zu: the IR has %zu layers", i, h->x.nlayers);
    const ir_layer *y = &h->x.layers[i];
    int64_t inhibited = 0;
    for (int64_t c = 0; c < y->size; c++) inhibited += y->inhibition[c] > 0;
    *out = (connc_layer){y->name, y->offset, y->size, y->inhibition, inhibited};
    return CONNC_OK;
}

/* The message of an unknown mask name: every name that exists. */
static int no_such_mask(const ir *x, const char *name)
{
    char list[1024] = "";
    size_t at = 0;
    for (size_t l = 0; l < x->nlayers && at < sizeof list; l++) {
        const char *n = x->layers[l].name;
        at += (size_t)(l ? snprintf(list + at, sizeof list - at, ", %s.inter, %s.intra", n, n)
                         : snprintf(list + at, sizeof list - at, "%s.intra", n));
    }
    return err_set(CONNC_ERR_NOTFOUND, "%s: no mask '%s' (masks: %s)", connc_file_path(x->file), name, list);
}

/* The layer whose name is the first len characters of name, or NULL. */
static const ir_layer *layer_named(const ir *x, const char *name, size_t len)
{
    for (size_t l = 0; l < x->nlayers; l++)
        if (strlen(x->layers[l].name) == len && strncmp(x->layers[l].name, name, len) == 0) return &x->layers[l];
    return NULL;
}

int connc_ir_mask(const connc_ir *h, const char *name, connc_csr *out)
{
    if (!h || !name || !out) return err_set(CONNC_ERR_USAGE, "connc_ir_mask: NULL argument");
    const char *dot = strrchr(name, '.');
    const ir_layer *y = dot ? layer_named(&h->x, name, (size_t)(dot - name)) : NULL;
    const ir_pattern *p = NULL;
    if (y && strcmp(dot, ".intra") == 0) p = &y->intra;
    if (y && strcmp(dot, ".inter") == 0 && y != h->x.layers) p = &y->inter; /* the first layer has no inputs */
    if (!p) return no_such_mask(&h->x, name);
    *out = (connc_csr){p->nrows, p->ncols, p->nnz, p->indptr, p->indices};
    return CONNC_OK;
}
