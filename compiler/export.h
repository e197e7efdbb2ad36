/* export.h: the IR as files that other tools read - NumPy (.npz, .npy),
 * MatrixMarket (.mtx), CSV edge lists and SONATA HDF5.
 *
 * Every matrix keeps the IR's orientation: rows = postsynaptic cells,
 * columns = presynaptic cells.  Output file names and contents, format by
 * format, are documented in schemas/export.md.  Every file is written
 * atomically (common/outfile.h), so no half-written file is ever visible.
 */
#ifndef CONNC_EXPORT_H
#define CONNC_EXPORT_H

#include "ir.h"
#include "outfile.h"

#include <stddef.h>
#include <stdint.h>

typedef enum { EXPORT_NPZ, EXPORT_NPY, EXPORT_MTX, EXPORT_CSV, EXPORT_SONATA } export_format;

/* "npz", "npy", "mtx", "csv" or "sonata"; CONNC_ERR_USAGE for anything else. */
int export_format_parse(const char *name, export_format *out);
/* Writes x into directory dir (created on the first file).  CONNC_ERR_UNSUPPORTED
 * for SONATA when connc was built without HDF5 (nothing is written then). */
int export_ir(const ir *x, export_format fmt, const char *dir);

/* ======== shared by the format writers (export_*.c) and the unit tests ======== */

typedef enum { VALUES_ONES, VALUES_I32, VALUES_F64 } export_values;

/* One matrix file: a CSR block of the IR with one value per stored entry. */
typedef struct {
    char stem[64];            /* file name without extension: adjacency_count, mask_B_inter, ... */
    const ir_pattern *p;
    export_values kind;
    const void *values;       /* p->nnz int32_t or double; NULL for VALUES_ONES (masks) */
    int64_t row0, col0;       /* IR cell index of the block's first row and first column */
} export_matrix;

typedef struct {
    const ir *x;
    const char *dir;
    struct cJSON *meta;       /* the parsed IR metadata (owns the type names) */
    const char **type_name;   /* cell type names, indexed by x->type[] */
    size_t ntypes;
    export_matrix *mats;      /* adjacency_count, [adjacency_size], then per layer [inter], intra */
    size_t nmats;
    int dir_ready;            /* dir is made with the first file: a refused export leaves nothing */
    int nfiles;
    char path[4096];          /* the file being written */
} export_ctx;

/* Writes text field s of a delimited table: as it is, or between double quotes
 * (a quote inside doubled) when it holds any character of special - the
 * delimiter, '"' and whatever else ends a field in that format. */
void export_field(FILE *f, const char *s, const char *special);
/* Labels of IR cell i for the cell tables. */
const char *export_type_of(const export_ctx *c, int64_t i);
const char *export_layer_of(const export_ctx *c, int64_t i);   /* "" for a cell in no layer */

/* Opens DIR/file for writing (atomically). */
int export_open(export_ctx *c, const char *file, outfile *o);
/* Ends a file opened by export_open: write_rc is the status of writing it.
 * On success the file is committed and reported; otherwise it is removed. */
int export_close(export_ctx *c, outfile *o, int write_rc);
/* Writes one file <stem>.<ext> per matrix in c->mats. */
int export_matrices(export_ctx *c, const char *ext, int (*write)(outfile *o, const export_matrix *m));

/* ---- export_npy.c: NumPy .npy, format version 1.0 ---- */

typedef struct {
    const char *descr;        /* NumPy dtype string: "<i4", "|S3", "<U5", ... */
    int ndim;                 /* 0, 1 or 2 */
    uint64_t shape[2];
    const void *data;         /* C order, host (little-endian) byte order */
    uint64_t nbytes;
} npy_array;

/* Writes the .npy header (magic to '\n') into buf and returns its length, a
 * multiple of 64; 0 if it does not fit in cap bytes. */
size_t npy_header(const npy_array *a, char *buf, size_t cap);
int npy_write(outfile *o, const npy_array *a);
/* dtype of a matrix's values: "|i1" (mask ones), "<i4" (counts), "<f8" (sizes). */
const char *npy_descr(export_values kind);
size_t npy_value_size(export_values kind);
/* inhibition_<L>.npy and cells_*.npy: the vectors both NumPy formats write. */
int export_npy_tables(export_ctx *c);
int export_npy(export_ctx *c);

/* ---- export_npz.c: .npz archives in the layout of scipy.sparse.save_npz ---- */

typedef struct {
    const char *name;         /* key, stored as "<name>.npy" */
    npy_array a;
} npz_entry;

int npz_write(outfile *o, const npz_entry *e, size_t n);
int export_npz(export_ctx *c);

/* ---- export_text.c: MatrixMarket and CSV ---- */

int mtx_write(outfile *o, const export_matrix *m);
int export_mtx(export_ctx *c);
int export_csv(export_ctx *c);

/* ---- export_sonata.c: SONATA nodes.h5 / edges.h5 (HDF5 builds only) ---- */

int export_sonata(export_ctx *c);

#endif
