/* export_npy.c: NumPy .npy files (format version 1.0) - dense matrices, the
 * inhibition vectors and the cell table - for `connc export --format npy`,
 * and the vectors that `--format npz` writes next to its archives.
 *
 * Array data is written in host byte order and labelled little-endian ('<'):
 * the IR container can only be read on little-endian hosts (container.c). */
#define _POSIX_C_SOURCE 200809L
#include "export.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPY_ALIGN 64              /* numpy aligns the data after the header to 64 bytes */
#define NPY_PREAMBLE 10           /* magic (6), version (2), header length (2) */
#define DENSE_MAX_BYTES (8ull << 30)

size_t npy_header(const npy_array *a, char *buf, size_t cap)
{
    static const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    char shape[64], dict[192];
    unsigned long long s0 = a->shape[0], s1 = a->shape[1];
    if (a->ndim == 0) snprintf(shape, sizeof shape, "()");
    else if (a->ndim == 1) snprintf(shape, sizeof shape, "(%llu,)", s0);
    else snprintf(shape, sizeof shape, "(%llu, %llu)", s0, s1);
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", a->descr, shape);
    if (n < 0 || (size_t)n >= sizeof dict) return 0;
    /* the dict, spaces, then '\n' close the header on a 64-byte boundary */
    size_t total = (NPY_PREAMBLE + (size_t)n + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total > cap) return 0;
    size_t hlen = total - NPY_PREAMBLE;
    memcpy(buf, magic, sizeof magic);
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    memcpy(buf + NPY_PREAMBLE, dict, (size_t)n);
    memset(buf + NPY_PREAMBLE + n, ' ', hlen - (size_t)n - 1);
    buf[total - 1] = '\n';
    return total;
}

static int write_header(outfile *o, const npy_array *a)
{
    char hdr[256];
    size_t n = npy_header(a, hdr, sizeof hdr);
    if (n == 0) return err_set(CONNC_ERR_LIMIT, "%s: dtype '%s' too long for a .npy header", o->path, a->descr);
    return outfile_write(o, hdr, n);
}

int npy_write(outfile *o, const npy_array *a)
{
    TRY(write_header(o, a));
    return outfile_write(o, a->data, a->nbytes);
}

const char *npy_descr(export_values kind)
{
    return kind == VALUES_ONES ? "|i1" : kind == VALUES_I32 ? "<i4" : "<f8";
}

size_t npy_value_size(export_values kind) { return kind == VALUES_ONES ? 1 : kind == VALUES_I32 ? 4 : 8; }

/* ------------------------------------------------------------ dense matrices */

static void fill_row(const export_matrix *m, int64_t r, void *row)
{
    const ir_pattern *p = m->p;
    for (int64_t e = p->indptr[r]; e < p->indptr[r + 1]; e++) {
        int32_t col = p->indices[e];
        if (m->kind == VALUES_ONES) ((int8_t *)row)[col] = 1;
        else if (m->kind == VALUES_I32) ((int32_t *)row)[col] = ((const int32_t *)m->values)[e];
        else ((double *)row)[col] = ((const double *)m->values)[e];
    }
}

/* Row by row, so memory stays one row however large the matrix. */
static int write_dense(outfile *o, const export_matrix *m)
{
    size_t elt = npy_value_size(m->kind);
    uint64_t nr = (uint64_t)m->p->nrows, nc = (uint64_t)m->p->ncols;
    if ((double)nr * (double)nc * (double)elt > (double)DENSE_MAX_BYTES)
        return err_set(CONNC_ERR_LIMIT, "%s: a dense %llu x %llu matrix would exceed %llu GiB (use --format npz)", o->path,
                       (unsigned long long)nr, (unsigned long long)nc, DENSE_MAX_BYTES >> 30);
    npy_array a = {npy_descr(m->kind), 2, {nr, nc}, NULL, nr * nc * elt};
    TRY(write_header(o, &a));
    void *row = malloc(nc ? nc * elt : 1);
    if (!row) return err_set(CONNC_ERR_NOMEM, "%s: out of memory for a row", o->path);
    int rc = CONNC_OK;
    for (int64_t r = 0; rc == CONNC_OK && r < m->p->nrows; r++) {
        memset(row, 0, nc * elt);
        fill_row(m, r, row);
        rc = outfile_write(o, row, nc * elt);
    }
    free(row);
    return rc;
}

/* ------------------------------------------------------------ vectors and cells */

static int npy_file(export_ctx *c, const char *file, const npy_array *a)
{
    outfile o;
    TRY(export_open(c, file, &o));
    return export_close(c, &o, npy_write(&o, a));
}

/* Decodes one UTF-8 sequence at *s and advances past it; a malformed
 * sequence becomes U+FFFD. */
static uint32_t utf8_next(const unsigned char **s)
{
    const unsigned char *p = *s;
    int len = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 : (p[0] >> 3) == 30 ? 4 : 0;
    uint32_t cp = len == 1 ? p[0] : p[0] & (0x7fu >> len);
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *s = p + i;
            return 0xfffd;
        }
        cp = cp << 6 | (p[i] & 0x3f);
    }
    *s = p + (len ? len : 1);
    return len ? cp : 0xfffd;
}

static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) utf8_next(&p);
    return n;
}

/* A per-cell label as a NumPy unicode array ('<U<width>', UCS-4), which
 * numpy.load reads without pickle. */
static int label_file(export_ctx *c, const char *file, const char *(*label)(const export_ctx *, int64_t))
{
    size_t n = (size_t)c->x->ncells, width = 1;
    for (size_t i = 0; i < n; i++) {
        size_t w = utf8_length(label(c, (int64_t)i));
        if (w > width) width = w;
    }
    uint32_t *text = calloc(n * width, sizeof *text);
    if (!text) return err_set(CONNC_ERR_NOMEM, "out of memory for %s", file);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)label(c, (int64_t)i);
        for (size_t k = 0; *p; k++) text[i * width + k] = utf8_next(&p);
    }
    char descr[32];
    snprintf(descr, sizeof descr, "<U%zu", width);
    npy_array a = {descr, 1, {(uint64_t)n}, text, (uint64_t)n * width * sizeof *text};
    int rc = npy_file(c, file, &a);
    free(text);
    return rc;
}

int export_npy_tables(export_ctx *c)
{
    const ir *x = c->x;
    uint64_t n = (uint64_t)x->ncells;
    char file[96];
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *y = &x->layers[l];
        npy_array a = {"<i4", 1, {(uint64_t)y->size}, y->inhibition, (uint64_t)y->size * 4};
        snprintf(file, sizeof file, "inhibition_%s.npy", y->name);
        TRY(npy_file(c, file, &a));
    }
    npy_array root = {"<u8", 1, {n}, x->root_id, n * 8};
    npy_array inh = {"|b1", 1, {n}, x->inhibitory, n};
    TRY(npy_file(c, "cells_root_id.npy", &root));
    TRY(label_file(c, "cells_layer.npy", export_layer_of));
    TRY(label_file(c, "cells_type.npy", export_type_of));
    return npy_file(c, "cells_inhibitory.npy", &inh);
}

int export_npy(export_ctx *c)
{
    TRY(export_matrices(c, "npy", write_dense));
    return export_npy_tables(c);
}
