/* cells.c: read and validate a cell-type table (see cells.h). */
#define _POSIX_C_SOURCE 200809L
#include "cells.h"
#include "error.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CELLS (1u << 30)

int is_false_text(const char *s, size_t n)
{
    strview v = sv_trim((strview){s, n});
    return sv_eq(v, "f") || sv_eq(v, "false") || sv_eq(v, "False") || sv_eq(v, "0");
}

int parse_point(const char *s, size_t n, double out[3])
{
    strview v = sv_trim((strview){s, n});
    if (v.n < 2 || v.p[0] != '[' || v.p[v.n - 1] != ']') return -1;
    const char *p = v.p + 1, *end = v.p + v.n - 1;
    for (int k = 0; k < 3; k++) {
        while (p < end && (*p == ' ' || *p == ',')) p++;
        const char *q = p;
        while (q < end && *q != ' ' && *q != ',') q++;
        if (parse_f64((strview){p, (size_t)(q - p)}, &out[k]) != 0) return -1;
        p = q;
    }
    while (p < end && (*p == ' ' || *p == ',')) p++;
    return p == end ? 0 : -1;
}

typedef struct {
    int root, type, valid, pos, px, py, pz;
} cell_cols;

static int find_cols(table *t, cell_cols *c)
{
    const char *path = table_path(t);
    c->root = table_col(t, "pt_root_id");
    c->type = table_col(t, "cell_type");
    c->valid = table_col(t, "valid");
    c->pos = table_col(t, "pt_position");
    c->px = table_col(t, "pt_position_x");
    c->py = table_col(t, "pt_position_y");
    c->pz = table_col(t, "pt_position_z");
    if (c->root < 0) return err_set(CONNC_ERR_FORMAT, "%s:1: missing column 'pt_root_id' (a cell-type table needs pt_root_id and cell_type)", path);
    if (c->type < 0) return err_set(CONNC_ERR_FORMAT, "%s:1: missing column 'cell_type'", path);
    if ((c->px >= 0) != (c->py >= 0) || (c->px >= 0) != (c->pz >= 0))
        return err_set(CONNC_ERR_FORMAT, "%s: pt_position_x/_y/_z must come together", path);
    return CONNC_OK;
}

static int intern_type(cell_table *c, strview s, uint32_t *out)
{
    for (size_t i = 0; i < c->ntypes; i++)
        if (strlen(c->types[i]) == s.n && memcmp(c->types[i], s.p, s.n) == 0) {
            *out = (uint32_t)i;
            return CONNC_OK;
        }
    char **t = realloc(c->types, (c->ntypes + 1) * sizeof *t);
    if (!t) return err_set(CONNC_ERR_NOMEM, "out of memory");
    c->types = t;
    if (!(t[c->ntypes] = strndup(s.p, s.n))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    *out = (uint32_t)c->ntypes++;
    return CONNC_OK;
}

static int grow(cell_table *c, size_t *cap, int with_pos)
{
    if (c->n < *cap) return CONNC_OK;
    if (*cap >= MAX_CELLS) return err_set(CONNC_ERR_LIMIT, "more than %u cells", MAX_CELLS);
    size_t n = *cap ? 2 * *cap : 1024;
    uint64_t *r = realloc(c->root_id, n * sizeof *r);
    if (r) c->root_id = r;
    uint32_t *t = realloc(c->type, n * sizeof *t);
    if (t) c->type = t;
    uint64_t *l = realloc(c->line, n * sizeof *l);
    if (l) c->line = l;
    double *p = with_pos ? realloc(c->pos, 3 * n * sizeof *p) : NULL;
    if (p) c->pos = p;
    if (!r || !t || !l || (with_pos && !p)) return err_set(CONNC_ERR_NOMEM, "out of memory");
    *cap = n;
    return CONNC_OK;
}

#define ROW_ERR(...) err_set(CONNC_ERR_FORMAT, __VA_ARGS__)

static int read_position(table *t, const cell_cols *cc, const strview *f, double *out)
{
    char shown[48];
    if (cc->pos >= 0) {
        if (sv_is_missing(f[cc->pos])) { out[0] = out[1] = out[2] = 0; return CONNC_OK; }
        if (parse_point(f[cc->pos].p, f[cc->pos].n, out) != 0)
            return ROW_ERR("%s:%llu: field 'pt_position': expected \"[x, y, z]\", got '%s'", table_path(t),
                           (unsigned long long)table_where(t), sv_show(f[cc->pos], shown, sizeof shown));
        return CONNC_OK;
    }
    const int cols[3] = {cc->px, cc->py, cc->pz};
    for (int k = 0; k < 3; k++)
        if (parse_f64(f[cols[k]], &out[k]) != 0)
            return ROW_ERR("%s:%llu: field '%s': not a number: '%s'", table_path(t), (unsigned long long)table_where(t),
                           table_colname(t, (size_t)cols[k]), sv_show(f[cols[k]], shown, sizeof shown));
    return CONNC_OK;
}

static int read_row(table *t, const cell_cols *cc, const strview *f, cell_table *c, size_t *cap)
{
    char shown[48];
    const char *path = table_path(t);
    unsigned long long line = (unsigned long long)table_where(t);
    if (cc->valid >= 0 && f[cc->valid].p && is_false_text(f[cc->valid].p, f[cc->valid].n)) {
        c->skipped_invalid++;
        return CONNC_OK;
    }
    uint64_t root;
    int prc = parse_u64(f[cc->root], &root);
    if (prc == -2) return ROW_ERR("%s:%llu: field 'pt_root_id': '%s' does not fit in 64 bits", path, line, sv_show(f[cc->root], shown, sizeof shown));
    if (prc != 0) return ROW_ERR("%s:%llu: field 'pt_root_id': not an unsigned integer: '%s'", path, line, sv_show(f[cc->root], shown, sizeof shown));
    if (root == 0) {
        c->skipped_no_root++;
        return CONNC_OK;
    }
    strview type = sv_trim(f[cc->type]);
    if (type.p == NULL || type.n == 0) return ROW_ERR("%s:%llu: field 'cell_type': empty", path, line);
    int with_pos = cc->pos >= 0 || cc->px >= 0;
    TRY(grow(c, cap, with_pos));
    c->root_id[c->n] = root;
    c->line[c->n] = line;
    TRY(intern_type(c, type, &c->type[c->n]));
    if (with_pos) TRY(read_position(t, cc, f, &c->pos[3 * c->n]));
    c->n++;
    return CONNC_OK;
}

/* Duplicate root ids are an error: each column cell must be one row. */
static int build_index(cell_table *c, const char *path, const char *unit)
{
    TRY(id_map_init(&c->index, c->n));
    for (size_t i = 0; i < c->n; i++) {
        int32_t prev = id_map_put(&c->index, c->root_id[i], (int32_t)i);
        if (prev >= 0)
            return err_set(CONNC_ERR_FORMAT, "%s:%llu: field 'pt_root_id': duplicate root id %llu (first at %s %llu); "
                           "a multi-soma segment must be resolved before compiling", path,
                           (unsigned long long)c->line[i], (unsigned long long)c->root_id[i], unit,
                           (unsigned long long)c->line[prev]);
    }
    return CONNC_OK;
}

int cells_read(const char *path, cell_table *c)
{
    memset(c, 0, sizeof *c);
    table *t = NULL;
    size_t cap = 0;
    cell_cols cc;
    int rc;
    CHECK(table_open(path, &t));
    if (!table_has_schema(t)) { rc = err_set(CONNC_ERR_FORMAT, "%s: the cell table has no rows", path); goto fail; }
    CHECK(find_cols(t, &cc));
    const strview *f;
    while ((rc = table_next(t, &f)) > 0) CHECK(read_row(t, &cc, f, c, &cap));
    if (rc < 0) goto fail;
    if (c->n == 0) { rc = err_set(CONNC_ERR_FORMAT, "%s: the cell table has no rows with a root id", path); goto fail; }
    CHECK(build_index(c, path, table_unit(t)));
    table_close(t);
    return CONNC_OK;
fail:
    table_close(t);
    cells_free(c);
    return rc;
}

void cells_free(cell_table *c)
{
    for (size_t i = 0; i < c->ntypes; i++) free(c->types[i]);
    free(c->types);
    free(c->root_id);
    free(c->type);
    free(c->pos);
    free(c->line);
    id_map_free(&c->index);
    memset(c, 0, sizeof *c);
}
