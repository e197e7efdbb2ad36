/* export_text.c: MatrixMarket (.mtx) files and CSV edge lists, for
 * `connc export --format mtx|csv`.  Both formats carry cells.csv, the table
 * that turns a row or column number back into a root id.  Sizes are printed
 * with 17 significant digits so they read back bit for bit. */
#define _POSIX_C_SOURCE 200809L
#include "export.h"
#include "error.h"

#include <inttypes.h>
#include <stdio.h>

static int stream_status(outfile *o)
{
    return ferror(o->f) ? err_set(CONNC_ERR_IO, "%s: write failed", o->path) : CONNC_OK;
}

/* ------------------------------------------------------------ MatrixMarket */

int mtx_write(outfile *o, const export_matrix *m)
{
    static const char *const field[] = {[VALUES_ONES] = "pattern", [VALUES_I32] = "integer", [VALUES_F64] = "real"};
    const ir_pattern *p = m->p;
    FILE *f = o->f;
    fprintf(f, "%%%%MatrixMarket matrix coordinate %s general\n", field[m->kind]);
    fprintf(f, "%% rows = postsynaptic cells from %lld, columns = presynaptic cells from %lld (0-based rows of cells.csv)\n",
            (long long)m->row0, (long long)m->col0);
    fprintf(f, "%lld %lld %lld\n", (long long)p->nrows, (long long)p->ncols, (long long)p->nnz);
    for (int64_t r = 0; r < p->nrows; r++)
        for (int64_t e = p->indptr[r]; e < p->indptr[r + 1]; e++) {
            fprintf(f, "%lld %d", (long long)r + 1, p->indices[e] + 1);
            if (m->kind == VALUES_I32) fprintf(f, " %d", ((const int32_t *)m->values)[e]);
            else if (m->kind == VALUES_F64) fprintf(f, " %.17g", ((const double *)m->values)[e]);
            fputc('\n', f);
        }
    return stream_status(o);
}

/* A dense column vector in MatrixMarket's array format. */
static int mtx_inhibition(outfile *o, const export_ctx *c, const ir_layer *y)
{
    (void)c;
    fprintf(o->f, "%%%%MatrixMarket matrix array integer general\n");
    fprintf(o->f, "%% inhibition of layer %s: rows = cells from %lld (0-based rows of cells.csv)\n", y->name,
            (long long)y->offset);
    fprintf(o->f, "%lld 1\n", (long long)y->size);
    for (int64_t i = 0; i < y->size; i++) fprintf(o->f, "%d\n", y->inhibition[i]);
    return stream_status(o);
}

/* ------------------------------------------------------------ CSV */

/* One field, quoted when it holds a comma, quote or line break (RFC 4180). */
static void csv_text(FILE *f, const char *s) { export_field(f, s, ",\"\r\n"); }

static int cells_csv(outfile *o, const export_ctx *c)
{
    const ir *x = c->x;
    fputs("root_id,layer,cell_type,inhibitory\n", o->f);
    for (int64_t i = 0; i < x->ncells; i++) {
        fprintf(o->f, "%" PRIu64 ",", x->root_id[i]);
        csv_text(o->f, export_layer_of(c, i));
        fputc(',', o->f);
        csv_text(o->f, export_type_of(c, i));
        fprintf(o->f, ",%d\n", x->inhibitory[i]);
    }
    return stream_status(o);
}

static int csv_inhibition(outfile *o, const export_ctx *c, const ir_layer *y)
{
    fputs("root_id,inhibition\n", o->f);
    for (int64_t i = 0; i < y->size; i++)
        fprintf(o->f, "%" PRIu64 ",%d\n", c->x->root_id[y->offset + i], y->inhibition[i]);
    return stream_status(o);
}

/* pre_root_id,post_root_id[,count][,size] per stored entry, in row order. */
static int edges_csv(outfile *o, const export_ctx *c, const export_matrix *m, const double *size)
{
    const ir_pattern *p = m->p;
    const uint64_t *root = c->x->root_id;
    FILE *f = o->f;
    fprintf(f, "pre_root_id,post_root_id%s%s\n", m->kind == VALUES_I32 ? ",count" : "", size ? ",size" : "");
    for (int64_t r = 0; r < p->nrows; r++)
        for (int64_t e = p->indptr[r]; e < p->indptr[r + 1]; e++) {
            fprintf(f, "%" PRIu64 ",%" PRIu64, root[m->col0 + p->indices[e]], root[m->row0 + r]);
            if (m->kind == VALUES_I32) fprintf(f, ",%d", ((const int32_t *)m->values)[e]);
            if (size) fprintf(f, ",%.17g", size[e]);
            fputc('\n', f);
        }
    return stream_status(o);
}

/* ------------------------------------------------------------ formats */

typedef int (*layer_writer)(outfile *o, const export_ctx *c, const ir_layer *y);

static int inhibition_files(export_ctx *c, const char *ext, layer_writer write)
{
    char file[96];
    for (size_t l = 0; l < c->x->nlayers; l++) {
        outfile o;
        snprintf(file, sizeof file, "inhibition_%s.%s", c->x->layers[l].name, ext);
        TRY(export_open(c, file, &o));
        TRY(export_close(c, &o, write(&o, c, &c->x->layers[l])));
    }
    return CONNC_OK;
}

static int cells_file(export_ctx *c)
{
    outfile o;
    TRY(export_open(c, "cells.csv", &o));
    return export_close(c, &o, cells_csv(&o, c));
}

int export_mtx(export_ctx *c)
{
    TRY(export_matrices(c, "mtx", mtx_write));
    TRY(inhibition_files(c, "mtx", mtx_inhibition));
    return cells_file(c);
}

int export_csv(export_ctx *c)
{
    char file[80];
    for (size_t i = 0; i < c->nmats; i++) {
        const export_matrix *m = &c->mats[i];
        /* one edge list holds both adjacency matrices: counts, then sizes */
        if (m->kind == VALUES_F64) continue;
        int adjacency = m->kind == VALUES_I32;
        outfile o;
        snprintf(file, sizeof file, "%s.csv", adjacency ? "adjacency" : m->stem);
        TRY(export_open(c, file, &o));
        TRY(export_close(c, &o, edges_csv(&o, c, m, adjacency ? c->x->size : NULL)));
    }
    TRY(inhibition_files(c, "csv", csv_inhibition));
    return cells_file(c);
}
