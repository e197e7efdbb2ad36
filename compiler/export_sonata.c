/* export_sonata.c: SONATA circuit files for `connc export --format sonata`:
 * nodes.h5, edges.h5, node_types.csv and edge_types.csv (SONATA developer
 * guide, "Representing networks of neurons").  Built only with HDF5
 * (CONNC_HAVE_HDF5, set by the Makefile when pkg-config finds hdf5).
 *
 * One node population holds every cell in IR order (node id = IR cell
 * index); one edge population holds one edge per connected (pre, post) pair
 * with its synapse count and summed size, in the IR's row order - sorted by
 * target - so both edge indices are cheap to build. */
#define _POSIX_C_SOURCE 200809L
#include "export.h"
#include "error.h"

#ifdef CONNC_HAVE_HDF5

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_POPULATION "column"
#define NODES "/nodes/" NODE_POPULATION
#define EDGES "/edges/column_to_column"
#define SONATA_MAGIC 0x0A7Au

/* An HDF5 file being written.  Objects are created by absolute path with
 * intermediate groups made on the way, so no group handles need tracking. */
typedef struct {
    hid_t file, lcpl, str;    /* str: variable-length UTF-8 strings */
    const char *path;         /* the final file name, for messages */
} h5w;

static int h5_fail(const h5w *w, const char *what)
{
    return err_set(CONNC_ERR_IO, "%s: HDF5 could not write %s", w->path, what);
}

static int h5w_open(h5w *w, const char *tmp, const char *path)
{
    w->path = path;
    w->file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    w->lcpl = H5Pcreate(H5P_LINK_CREATE);
    w->str = H5Tcopy(H5T_C_S1);
    if (w->file < 0 || w->lcpl < 0 || w->str < 0 || H5Pset_create_intermediate_group(w->lcpl, 1) < 0 ||
        H5Tset_size(w->str, H5T_VARIABLE) < 0 || H5Tset_cset(w->str, H5T_CSET_UTF8) < 0)
        return h5_fail(w, "the file header");
    return CONNC_OK;
}

/* Closing flushes, so its status is the file's. */
static int h5w_close(h5w *w)
{
    int ok = 1;
    if (w->str >= 0) H5Tclose(w->str);
    if (w->lcpl >= 0) H5Pclose(w->lcpl);
    if (w->file >= 0) ok = H5Fclose(w->file) >= 0;
    return ok ? CONNC_OK : h5_fail(w, "the file (close)");
}

/* A 1-D (cols = 0) or n x cols dataset; mtype describes data in memory and
 * HDF5 converts it to the file type ftype. */
static int put(h5w *w, const char *name, hid_t ftype, hid_t mtype, hsize_t n, hsize_t cols, const void *data)
{
    hsize_t dims[2] = {n, cols};
    hid_t space = H5Screate_simple(cols ? 2 : 1, dims, NULL);
    hid_t ds = space < 0 ? -1 : H5Dcreate2(w->file, name, ftype, space, w->lcpl, H5P_DEFAULT, H5P_DEFAULT);
    int ok = ds >= 0 && (n == 0 || H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    if (ds >= 0) H5Dclose(ds);
    if (space >= 0) H5Sclose(space);
    return ok ? CONNC_OK : h5_fail(w, name);
}

/* An attribute of object obj: a scalar (n = 0) or n values. */
static int attr(h5w *w, const char *obj, const char *name, hid_t ftype, hid_t mtype, hsize_t n, const void *data)
{
    hid_t space = n ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = space < 0 ? -1 : H5Acreate_by_name(w->file, obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, mtype, data) >= 0;
    if (a >= 0) H5Aclose(a);
    if (space >= 0) H5Sclose(space);
    return ok ? CONNC_OK : h5_fail(w, name);
}

/* Every SONATA HDF5 file starts with these two root attributes. */
static int put_root(h5w *w)
{
    const uint32_t version[2] = {0, 1}, magic = SONATA_MAGIC;
    TRY(attr(w, "/", "version", H5T_STD_U32LE, H5T_NATIVE_UINT32, 2, version));
    return attr(w, "/", "magic", H5T_STD_U32LE, H5T_NATIVE_UINT32, 0, &magic);
}

static void fill_iota(uint64_t *v, uint64_t n) { for (uint64_t i = 0; i < n; i++) v[i] = i; }

/* Scratch space for the per-node and per-edge columns, shared by both files. */
typedef struct {
    uint64_t *ids;            /* max(cells, edges) */
    const char **labels;      /* cells */
} scratch;

/* ------------------------------------------------------------ nodes */

static int put_labels(h5w *w, const export_ctx *c, const char *name, const char *(*label)(const export_ctx *, int64_t),
                      const char **buf)
{
    for (int64_t i = 0; i < c->x->ncells; i++) buf[i] = label(c, i);
    return put(w, name, w->str, w->str, (hsize_t)c->x->ncells, 0, buf);
}

static int put_nodes(h5w *w, const export_ctx *c, const scratch *s)
{
    const ir *x = c->x;
    hsize_t n = (hsize_t)x->ncells;
    uint64_t *ids = s->ids;
    TRY(put(w, NODES "/node_type_id", H5T_STD_I64LE, H5T_NATIVE_INT32, n, 0, x->type));
    memset(ids, 0, n * sizeof *ids);
    TRY(put(w, NODES "/node_group_id", H5T_STD_U32LE, H5T_NATIVE_UINT64, n, 0, ids));
    fill_iota(ids, n);
    TRY(put(w, NODES "/node_group_index", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, 0, ids));
    TRY(put(w, NODES "/0/root_id", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, 0, x->root_id));
    TRY(put_labels(w, c, NODES "/0/cell_type", export_type_of, s->labels));
    TRY(put_labels(w, c, NODES "/0/layer", export_layer_of, s->labels));
    return put(w, NODES "/0/inhibitory", H5T_STD_I8LE, H5T_NATIVE_UINT8, n, 0, x->inhibitory);
}

/* ------------------------------------------------------------ edges */

/* SONATA's edge index, as libsonata builds it: range_to_edge_id lists the
 * runs [first, end) of consecutive edges sharing a node, in edge order, and
 * row k of node_id_to_ranges is the slice of those runs that belong to node k
 * (an empty slice [i, i] for a node without edges). */
static int run_starts(const uint64_t *node, uint64_t e) { return e == 0 || node[e] != node[e - 1]; }

/* Sets every node's slice to [start, start) of its runs; returns the run count. */
static uint64_t plan_slices(const uint64_t *node, uint64_t nedges, uint64_t nnodes, uint64_t (*slice)[2])
{
    uint64_t total = 0;
    memset(slice, 0, nnodes * sizeof *slice);
    for (uint64_t e = 0; e < nedges; e++)
        if (run_starts(node, e)) slice[node[e]][1]++;
    for (uint64_t k = 0; k < nnodes; k++) {
        uint64_t runs = slice[k][1];
        slice[k][0] = slice[k][1] = total;
        total += runs;
    }
    return total;
}

/* Fills the runs, growing each node's slice to its end. */
static void fill_runs(const uint64_t *node, uint64_t nedges, uint64_t (*slice)[2], uint64_t (*runs)[2])
{
    for (uint64_t e = 0, r = 0; e < nedges; e++) {
        if (run_starts(node, e)) {
            r = slice[node[e]][1]++;
            runs[r][0] = e;
        }
        runs[r][1] = e + 1;
    }
}

static int put_index(h5w *w, const char *group, const uint64_t *node, uint64_t nedges, uint64_t nnodes)
{
    uint64_t(*slice)[2] = malloc((nnodes ? nnodes : 1) * sizeof *slice);
    uint64_t nruns = slice ? plan_slices(node, nedges, nnodes, slice) : 0;
    uint64_t(*runs)[2] = malloc((nruns ? nruns : 1) * sizeof *runs);
    int rc = slice && runs ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "%s: out of memory for the edge index", w->path);
    char name[160];
    if (rc == CONNC_OK) {
        fill_runs(node, nedges, slice, runs);
        snprintf(name, sizeof name, "%s/node_id_to_ranges", group);
        rc = put(w, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, nnodes, 2, slice);
    }
    if (rc == CONNC_OK) {
        snprintf(name, sizeof name, "%s/range_to_edge_id", group);
        rc = put(w, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, nruns, 2, runs);
    }
    free(slice);
    free(runs);
    return rc;
}

/* source_node_id and target_node_id name the node population they index. */
static int put_node_ids(h5w *w, const char *name, hid_t mtype, hsize_t n, const void *ids)
{
    const char *pop = NODE_POPULATION;
    TRY(put(w, name, H5T_STD_U64LE, mtype, n, 0, ids));
    return attr(w, name, "node_population", w->str, w->str, 0, &pop);
}

static int put_edges(h5w *w, const export_ctx *c, const scratch *s)
{
    const ir *x = c->x;
    uint64_t *ids = s->ids;
    const ir_pattern *p = &x->adj;
    hsize_t m = (hsize_t)p->nnz, n = (hsize_t)x->ncells;
    memset(ids, 0, m * sizeof *ids);
    TRY(put(w, EDGES "/edge_type_id", H5T_STD_I64LE, H5T_NATIVE_UINT64, m, 0, ids));
    TRY(put(w, EDGES "/edge_group_id", H5T_STD_U32LE, H5T_NATIVE_UINT64, m, 0, ids));
    fill_iota(ids, m);
    TRY(put(w, EDGES "/edge_group_index", H5T_STD_U64LE, H5T_NATIVE_UINT64, m, 0, ids));
    TRY(put(w, EDGES "/0/syn_count", H5T_STD_I32LE, H5T_NATIVE_INT32, m, 0, x->count));
    if (x->size) TRY(put(w, EDGES "/0/syn_size", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, m, 0, x->size));
    TRY(put_node_ids(w, EDGES "/source_node_id", H5T_NATIVE_INT32, m, p->indices));
    for (uint64_t e = 0; e < m; e++) ids[e] = (uint64_t)p->indices[e];
    TRY(put_index(w, EDGES "/indices/source_to_target", ids, m, n));
    for (int64_t r = 0; r < p->nrows; r++)
        for (int64_t e = p->indptr[r]; e < p->indptr[r + 1]; e++) ids[e] = (uint64_t)r;
    TRY(put_node_ids(w, EDGES "/target_node_id", H5T_NATIVE_UINT64, m, ids));
    return put_index(w, EDGES "/indices/target_to_source", ids, m, n);
}

/* ------------------------------------------------------------ files */

/* Writes one HDF5 file into the outfile's temporary path, so the rename in
 * export_close publishes it whole. */
static int h5_file(export_ctx *c, const char *file, int (*body)(h5w *, const export_ctx *, const scratch *),
                   const scratch *s)
{
    outfile o;
    h5w w = {-1, -1, -1, NULL};
    TRY(export_open(c, file, &o));
    int rc = h5w_open(&w, o.tmp, c->path);
    if (rc == CONNC_OK) rc = put_root(&w);
    if (rc == CONNC_OK) rc = body(&w, c, s);
    int closed = h5w_close(&w);
    return export_close(c, &o, rc < 0 ? rc : closed);
}

/* SONATA CSV: space separated, a field with a space or quote is quoted. */
static void sonata_field(FILE *f, const char *s) { export_field(f, s, " \""); }

/* node_type_id is the cell type's index; the model columns SONATA simulators
 * need (model_type, model_template) are the user's to add. */
static int write_types(export_ctx *c)
{
    outfile o;
    TRY(export_open(c, "node_types.csv", &o));
    fputs("node_type_id cell_type\n", o.f);
    for (size_t t = 0; t < c->ntypes; t++) {
        fprintf(o.f, "%zu ", t);
        sonata_field(o.f, c->type_name[t]);
        fputc('\n', o.f);
    }
    TRY(export_close(c, &o, CONNC_OK));
    TRY(export_open(c, "edge_types.csv", &o));
    fputs("edge_type_id\n0\n", o.f);
    return export_close(c, &o, CONNC_OK);
}

int export_sonata(export_ctx *c)
{
    /* errors come back as one-line messages; HDF5's own stack dump would bury them */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    uint64_t n = (uint64_t)c->x->ncells, m = (uint64_t)c->x->adj.nnz;
    scratch s = {malloc((n > m ? n : m) * sizeof *s.ids), malloc((size_t)n * sizeof *s.labels)};
    int rc = s.ids && s.labels ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory for the SONATA export");
    if (rc == CONNC_OK) rc = h5_file(c, "nodes.h5", put_nodes, &s);
    if (rc == CONNC_OK) rc = h5_file(c, "edges.h5", put_edges, &s);
    if (rc == CONNC_OK) rc = write_types(c);
    free(s.ids);
    free(s.labels);
    return rc;
}

#else

int export_sonata(export_ctx *c)
{
    (void)c;
    return err_set(CONNC_ERR_UNSUPPORTED, "--format sonata needs HDF5, and this connc was built without it "
                                          "(install libhdf5-dev and rebuild)");
}

#endif
