/* synth_read.c: read and validate the four inputs of `connc synth` and fit
 * the model (see synth.h).  Every error names the file, line and field. */
#define _POSIX_C_SOURCE 200809L
#include "synth.h"
#include "error.h"
#include "table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 4096

/* "FILE:LINE: field 'NAME': MESSAGE" for the current row of t. */
static int field_err(table *t, const char *field, const char *fmt, ...) CONNC_PRINTF(3, 4);
static int field_err(table *t, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(CONNC_ERR_FORMAT, "%s:%llu: field '%s': %s", table_path(t), (unsigned long long)table_where(t),
                   field, msg);
}

static int need_col(table *t, const char *name, int *out)
{
    if ((*out = table_col(t, name)) < 0)
        return err_set(CONNC_ERR_FORMAT, "%s: missing column '%s'", table_path(t), name);
    return CONNC_OK;
}

static int open_table(const char *path, table **t)
{
    TRY(table_open(path, t));
    if (!table_has_schema(*t)) {
        table_close(*t);
        *t = NULL;
        return err_set(CONNC_ERR_FORMAT, "%s: the table has no rows", path);
    }
    return CONNC_OK;
}

static int find_type(const synth_model *m, strview s)
{
    for (size_t i = 0; i < m->ntypes; i++)
        if (strlen(m->types[i].name) == s.n && memcmp(m->types[i].name, s.p, s.n) == 0) return (int)i;
    return -1;
}

static int find_type_str(const synth_model *m, const char *s) { return find_type(m, (strview){s, strlen(s)}); }

/* ------------------------------------------------------------ TYPES */

enum { TY_NAME, TY_COUNT, TY_CLASS, TY_DMIN, TY_DMAX, TY_NCOLS };
static const char *const type_cols[TY_NCOLS] = {"cell_type", "count", "classification_system", "depth_min_um",
                                                "depth_max_um"};

static int read_text(table *t, const strview *f, const int *col, int k, strview *out)
{
    char shown[64];
    *out = sv_trim(f[col[k]]);
    if (!out->p || out->n == 0) return field_err(t, type_cols[k], "empty");
    for (size_t i = 0; i < out->n; i++)
        if ((unsigned char)out->p[i] < 0x20 || out->p[i] == ',' || out->p[i] == '"')
            return field_err(t, type_cols[k], "'%s' has a comma, quote or control character",
                             sv_show(*out, shown, sizeof shown));
    return CONNC_OK;
}

static int read_depth(table *t, const strview *f, const int *col, int k, double *out)
{
    char shown[64];
    if (parse_f64(f[col[k]], out) != 0 || *out < -1e5 || *out > 1e5)
        return field_err(t, type_cols[k], "expected a depth in um within +-100000, got '%s'",
                         sv_show(f[col[k]], shown, sizeof shown));
    return CONNC_OK;
}

static int read_type_row(table *t, const strview *f, const int *col, synth_model *m)
{
    char shown[64];
    strview name, cls;
    uint64_t count;
    synth_type ty = {NULL, NULL, 0, 0, 0, -1};
    TRY(read_text(t, f, col, TY_NAME, &name));
    if (find_type(m, name) >= 0) return field_err(t, "cell_type", "type '%s' is listed twice", sv_show(name, shown, sizeof shown));
    if (parse_u64(f[col[TY_COUNT]], &count) != 0 || count < 1 || count > SYNTH_MAX_CELLS)
        return field_err(t, "count", "expected a whole number of cells in [1, %u], got '%s'", SYNTH_MAX_CELLS,
                         sv_show(f[col[TY_COUNT]], shown, sizeof shown));
    TRY(read_text(t, f, col, TY_CLASS, &cls));
    TRY(read_depth(t, f, col, TY_DMIN, &ty.depth_min_um));
    TRY(read_depth(t, f, col, TY_DMAX, &ty.depth_max_um));
    if (ty.depth_min_um > ty.depth_max_um) return field_err(t, "depth_max_um", "smaller than depth_min_um");
    if (m->ntypes == MAX_TYPES) return field_err(t, "cell_type", "more than %d types", MAX_TYPES);
    synth_type *grown = realloc(m->types, (m->ntypes + 1) * sizeof *grown);
    if (!grown) return err_set(CONNC_ERR_NOMEM, "out of memory");
    m->types = grown;
    ty.count = (uint32_t)count;
    ty.name = strndup(name.p, name.n);
    ty.classification = strndup(cls.p, cls.n);
    m->types[m->ntypes++] = ty;
    if (!ty.name || !ty.classification) return err_set(CONNC_ERR_NOMEM, "out of memory");
    return CONNC_OK;
}

static int read_types(const char *path, synth_model *m)
{
    table *t;
    const strview *f;
    int col[TY_NCOLS], rc;
    TRY(open_table(path, &t));
    for (int k = 0; k < TY_NCOLS; k++) CHECK(need_col(t, type_cols[k], &col[k]));
    uint64_t cells = 0;
    while ((rc = table_next(t, &f)) > 0) {
        CHECK(read_type_row(t, f, col, m));
        if ((cells += m->types[m->ntypes - 1].count) > SYNTH_MAX_CELLS) {
            rc = field_err(t, "count", "more than %u cells in all", SYNTH_MAX_CELLS);
            goto fail;
        }
    }
    if (rc == 0 && m->ntypes == 0) rc = err_set(CONNC_ERR_FORMAT, "%s: no cell types", path);
fail:
    table_close(t);
    return rc;
}

/* ------------------------------------------------------------ MATRIX */

/* Header: pre_cell_type, then one column per postsynaptic type; colty[c]
 * is the type of column c (-1 for pre_cell_type). */
static int matrix_header(table *t, const synth_model *m, const char *types_path, int pre, int *colty, uint8_t *has_col)
{
    for (size_t c = 0; c < table_ncols(t); c++) {
        colty[c] = -1;
        if ((int)c == pre) continue;
        const char *name = table_colname(t, c);
        int ty = find_type_str(m, name);
        if (ty < 0)
            return err_set(CONNC_ERR_FORMAT, "%s: column '%s': cell type not in %s", table_path(t), name, types_path);
        if (has_col[ty]) return err_set(CONNC_ERR_FORMAT, "%s: column '%s' appears twice", table_path(t), name);
        has_col[ty] = 1;
        colty[c] = ty;
    }
    return CONNC_OK;
}

static int matrix_row(table *t, const strview *f, synth_model *m, const char *types_path, int pre, const int *colty,
                      uint8_t *has_row)
{
    char shown[64];
    strview name = sv_trim(f[pre]);
    int a = find_type(m, name);
    if (a < 0) return field_err(t, "pre_cell_type", "cell type '%s' is not in %s", sv_show(name, shown, sizeof shown), types_path);
    if (has_row[a]) return field_err(t, "pre_cell_type", "cell type '%s' has two rows", m->types[a].name);
    has_row[a] = 1;
    for (size_t c = 0; c < table_ncols(t); c++) {
        if (colty[c] < 0) continue;
        uint64_t *cell = &m->matrix[(size_t)a * m->ntypes + (size_t)colty[c]];
        if (parse_u64(f[c], cell) != 0 || *cell > SYNTH_MAX_SYNAPSES)
            return field_err(t, table_colname(t, c), "expected a whole number of synapses in [0, %llu], got '%s'",
                             SYNTH_MAX_SYNAPSES, sv_show(f[c], shown, sizeof shown));
    }
    return CONNC_OK;
}

/* Rows and columns must name the same types (pre and post alike). */
static int matrix_square(const char *path, const synth_model *m, const uint8_t *has_row, const uint8_t *has_col)
{
    for (size_t i = 0; i < m->ntypes; i++)
        if (has_row[i] != has_col[i])
            return err_set(CONNC_ERR_FORMAT, "%s: not square: cell type '%s' has a %s but no %s", path, m->types[i].name,
                           has_row[i] ? "row" : "column", has_row[i] ? "column" : "row");
    return CONNC_OK;
}

static int read_matrix(const char *path, const char *types_path, synth_model *m, uint8_t *in_matrix)
{
    table *t;
    const strview *f;
    int pre, rc;
    TRY(open_table(path, &t));
    int *colty = malloc(table_ncols(t) * sizeof *colty);
    uint8_t *has_row = calloc(m->ntypes, 1);
    if (!colty || !has_row) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    CHECK(need_col(t, "pre_cell_type", &pre));
    CHECK(matrix_header(t, m, types_path, pre, colty, in_matrix));
    while ((rc = table_next(t, &f)) > 0) CHECK(matrix_row(t, f, m, types_path, pre, colty, has_row));
    if (rc == 0) rc = matrix_square(path, m, has_row, in_matrix);
fail:
    free(colty);
    free(has_row);
    table_close(t);
    return rc;
}

/* ------------------------------------------------------------ proxies */

static int apply_proxies(const synth_options *o, synth_model *m, const uint8_t *in_matrix)
{
    for (size_t i = 0; i < m->ntypes; i++) m->types[i].proxy = in_matrix[i] ? (int)i : -1;
    for (size_t k = 0; k < o->nproxies; k++) {
        const synth_proxy *p = &o->proxies[k];
        int a = find_type_str(m, p->type), b = find_type_str(m, p->proxy);
        if (a < 0) return err_set(CONNC_ERR_USAGE, "--proxy %s=%s: '%s' is not in %s", p->type, p->proxy, p->type, o->types);
        if (in_matrix[a])
            return err_set(CONNC_ERR_USAGE, "--proxy %s=%s: '%s' already has a row and column in %s", p->type, p->proxy,
                           p->type, o->matrix);
        if (m->types[a].proxy >= 0) return err_set(CONNC_ERR_USAGE, "--proxy %s: given twice", p->type);
        if (b < 0 || !in_matrix[b])
            return err_set(CONNC_ERR_USAGE, "--proxy %s=%s: '%s' has no row and column in %s", p->type, p->proxy,
                           p->proxy, o->matrix);
        m->types[a].proxy = b;
    }
    for (size_t i = 0; i < m->ntypes; i++)
        if (m->types[i].proxy < 0)
            return err_set(CONNC_ERR_FORMAT, "%s: cell type '%s' of %s has no row or column; add them, or name a "
                           "stand-in type with --proxy %s=TYPE", o->matrix, m->types[i].name, o->types, m->types[i].name);
    synth_fill_proxies(m);
    return CONNC_OK;
}

/* Every block must fit its pairs, and the total must stay within limits. */
static int check_blocks(const synth_options *o, synth_model *m)
{
    size_t T = m->ntypes;
    m->total_synapses = 0;
    for (size_t a = 0; a < T; a++)
        for (size_t b = 0; b < T; b++) {
            uint64_t s = m->matrix[a * T + b];
            if (s > 0 && synth_pairs(m, a, b) == 0)
                return err_set(CONNC_ERR_FORMAT, "%s: %llu synapses from '%s' onto itself, but the type has a single "
                               "cell and autapses are excluded", o->matrix, (unsigned long long)s, m->types[a].name);
            if ((m->total_synapses += s) > SYNTH_MAX_SYNAPSES)
                return err_set(CONNC_ERR_LIMIT, "%s: more than %llu synapses in all", o->matrix, SYNTH_MAX_SYNAPSES);
        }
    return CONNC_OK;
}

/* ------------------------------------------------------------ reference graph */

typedef struct {
    uint64_t pre, post;
} id_pair;

static int cmp_pair(const void *x, const void *y)
{
    const id_pair *a = x, *b = y;
    if (a->pre != b->pre) return a->pre < b->pre ? -1 : 1;
    return (a->post > b->post) - (a->post < b->post);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* The pre/post columns: `pre`,`post` (MicronsBinder layout) or the CAVE names. */
static int reference_cols(table *t, int *pre, int *post)
{
    *pre = table_col(t, "pre");
    *post = table_col(t, "post");
    if (*pre < 0 || *post < 0) {
        *pre = table_col(t, "pre_pt_root_id");
        *post = table_col(t, "post_pt_root_id");
    }
    if (*pre < 0 || *post < 0)
        return err_set(CONNC_ERR_FORMAT, "%s: missing columns 'pre' and 'post' (or 'pre_pt_root_id' and 'post_pt_root_id')",
                       table_path(t));
    return CONNC_OK;
}

static int read_id(table *t, const strview *f, int col, uint64_t *out)
{
    char shown[64];
    if (parse_u64(f[col], out) != 0)
        return field_err(t, table_colname(t, (size_t)col), "expected an unsigned 64-bit id, got '%s'",
                         sv_show(f[col], shown, sizeof shown));
    return CONNC_OK;
}

/* All synapses between distinct cells, as (pre, post) ids; autapses are counted and dropped. */
static int read_pairs(const char *path, synth_model *m, id_pair **out, size_t *n)
{
    table *t;
    const strview *f;
    int pre, post, rc;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    TRY(open_table(path, &t));
    CHECK(reference_cols(t, &pre, &post));
    while ((rc = table_next(t, &f)) > 0) {
        id_pair p;
        CHECK(read_id(t, f, pre, &p.pre));
        CHECK(read_id(t, f, post, &p.post));
        if (p.pre == p.post) {
            m->ref_autapses++;
            continue;
        }
        if (*n == cap) {
            if (cap >= SYNTH_MAX_SYNAPSES) { rc = err_set(CONNC_ERR_LIMIT, "%s: too many rows", path); goto fail; }
            id_pair *g = realloc(*out, (cap = cap ? 2 * cap : 4096) * sizeof *g);
            if (!g) { rc = err_set(CONNC_ERR_NOMEM, "out of memory"); goto fail; }
            *out = g;
        }
        (*out)[(*n)++] = p;
    }
    if (rc == 0 && *n == 0) rc = err_set(CONNC_ERR_FORMAT, "%s: no synapses between distinct cells", path);
fail:
    table_close(t);
    return rc;
}

/* Lengths of the runs of equal values in sorted v[0..n), written to runs[]. */
static size_t run_lengths(const uint64_t *v, size_t n, uint64_t *runs)
{
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        size_t j = i;
        while (j < n && v[j] == v[i]) j++;
        runs[k] = j - i;
        i = j;
    }
    return k;
}

/* Synapses per connection (histogram) and in/out degrees of the reference. */
static int fit_reference(synth_model *m, id_pair *p, size_t n)
{
    qsort(p, n, sizeof *p, cmp_pair);
    uint64_t *pre = malloc(n * sizeof *pre), *post = malloc(n * sizeof *post), *deg = malloc(n * sizeof *deg);
    uint32_t *mult = malloc(n * sizeof *mult);
    int rc = CONNC_OK;
    if (!pre || !post || !deg || !mult) { rc = err_set(CONNC_ERR_NOMEM, "out of memory"); goto done; }
    size_t nc = 0;
    for (size_t i = 0, j; i < n; i = j, nc++) {
        for (j = i; j < n && p[j].pre == p[i].pre && p[j].post == p[i].post; j++) {}
        pre[nc] = p[i].pre;
        post[nc] = p[i].post;
        mult[nc] = (uint32_t)(j - i);
        if (mult[nc] > m->mult_max) m->mult_max = mult[nc];
    }
    if (!(m->mult_hist = calloc((size_t)m->mult_max + 1, sizeof *m->mult_hist))) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < nc; c++) m->mult_hist[mult[c]]++;
    m->ref_synapses = n;
    m->ref_connections = nc;
    m->ref_pre_cells = run_lengths(pre, nc, deg); /* connections are sorted by pre */
    m->sigma_out = synth_fit_propensity_sigma(deg, m->ref_pre_cells);
    qsort(post, nc, sizeof *post, cmp_u64);
    m->ref_post_cells = run_lengths(post, nc, deg);
    m->sigma_in = synth_fit_propensity_sigma(deg, m->ref_post_cells);
done:
    free(pre);
    free(post);
    free(deg);
    free(mult);
    return rc;
}

static int read_reference(const char *path, synth_model *m)
{
    id_pair *p;
    size_t n;
    int rc = read_pairs(path, m, &p, &n);
    if (rc == CONNC_OK) rc = fit_reference(m, p, n);
    free(p);
    return rc;
}

/* ------------------------------------------------------------ SIZES */

static int read_sizes(const char *path, synth_model *m)
{
    table *t;
    const strview *f;
    int col, rc;
    double *v = NULL;
    size_t n = 0, cap = 0;
    char shown[64];
    TRY(open_table(path, &t));
    CHECK(need_col(t, "size", &col));
    while ((rc = table_next(t, &f)) > 0) {
        double x;
        if (parse_f64(f[col], &x) != 0 || x <= 0 || x > SYNTH_MAX_SIZE) {
            rc = field_err(t, "size", "expected a size in voxels in (0, %g], got '%s'", SYNTH_MAX_SIZE,
                           sv_show(f[col], shown, sizeof shown));
            goto fail;
        }
        if (n == cap) {
            double *g = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *g);
            if (!g) { rc = err_set(CONNC_ERR_NOMEM, "out of memory"); goto fail; }
            v = g;
        }
        v[n++] = x;
    }
    if (rc == 0 && n == 0) rc = err_set(CONNC_ERR_FORMAT, "%s: no sizes", path);
    if (rc == 0) {
        m->nsizes = n;
        synth_fit_lognormal(v, n, &m->size_mu, &m->size_sigma);
    }
fail:
    free(v);
    table_close(t);
    return rc;
}

/* ------------------------------------------------------------ driver */

int synth_model_load(const synth_options *o, synth_model *m)
{
    memset(m, 0, sizeof *m);
    uint8_t *in_matrix = NULL;
    int rc;
    CHECK(read_types(o->types, m));
    in_matrix = calloc(m->ntypes, 1);
    m->matrix = calloc(m->ntypes * m->ntypes, sizeof *m->matrix);
    if (!in_matrix || !m->matrix) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    CHECK(read_matrix(o->matrix, o->types, m, in_matrix));
    CHECK(apply_proxies(o, m, in_matrix));
    CHECK(check_blocks(o, m));
    CHECK(read_reference(o->reference, m));
    CHECK(read_sizes(o->sizes, m));
    free(in_matrix);
    return CONNC_OK;
fail:
    free(in_matrix);
    synth_model_free(m);
    return rc;
}

void synth_model_free(synth_model *m)
{
    for (size_t i = 0; i < m->ntypes; i++) {
        free(m->types[i].name);
        free(m->types[i].classification);
    }
    free(m->types);
    free(m->matrix);
    free(m->mult_hist);
    memset(m, 0, sizeof *m);
}
