/* cells.h: the cell-type table of a column (CAVE layout, PROTOCOL.md §9.3).
 *
 * Required columns: pt_root_id, cell_type.  Optional: classification_system,
 * the soma position as pt_position_x/_y/_z or as one pt_position "[x, y, z]"
 * (voxels of 4x4x40 nm, as the tables store them), and valid.
 */
#ifndef CONNC_CELLS_H
#define CONNC_CELLS_H

#include "id_map.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;
    uint64_t *root_id;
    uint32_t *type;          /* index into types[] */
    char **types;            /* distinct cell_type strings as written in the table */
    size_t ntypes;
    double *pos;             /* n*3 soma positions, or NULL when the table has none */
    uint64_t *line;          /* source line (CSV) or record (JSON) of each cell */
    size_t skipped_no_root;  /* rows with pt_root_id 0 (nucleus without a segment) */
    size_t skipped_invalid;  /* rows with valid = false */
    id_map index;            /* root id -> row */
} cell_table;

int cells_read(const char *path, cell_table *out);
void cells_free(cell_table *c);

/* Parses "[x, y, z]" or "[x y z]" (also the raw JSON array) into 3 doubles. */
int parse_point(const char *s, size_t n, double out[3]);
/* True for the spellings of false in CAVE output: f, false, False, 0. */
int is_false_text(const char *s, size_t n);

#endif
