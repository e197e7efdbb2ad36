/* cave_fetch.h: `connc fetch`, a whole column from CAVE into local tables.
 *
 * The recipe (PROTOCOL.md §5.3, §5.4, §5.6):
 *   1. resolve the datastack, pick the version, check both tables exist and
 *      read their metadata;
 *   2. cells: the cell-type table, joined with its reference table (the
 *      nucleus table) when it has one; the answer is split by ranges of the
 *      table's own `id` whenever it comes back truncated; rows with
 *      pt_root_id 0 are excluded (on the client: the server ignores
 *      exclusion filters) and root ids held by several rows (multi-soma
 *      segments) are dropped, as caveclient's tutorials do;
 *   3. synapses: every synapse whose pre and post root ids are both column
 *      cells, asked in batches of presynaptic root ids; a truncated batch is
 *      halved (then its postsynaptic ids), and later batches start at the
 *      size that fitted; rows are de-duplicated by synapse id;
 *   4. each part is checked against the server's own count (count=true) of
 *      the same query, so a page lost on the way is an error, never a
 *      silently shorter table;
 *   5. DIR/cells.csv and DIR/synapses.csv in the layout `connc compile`
 *      reads, and DIR/provenance.json (schemas/fetch.md), each written
 *      atomically, provenance last.
 */
#ifndef CONNC_CAVE_FETCH_H
#define CONNC_CAVE_FETCH_H

#include "cave_buf.h"
#include "cave_client.h"
#include "progress.h"
#include "table.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    cave_client_opts client;     /* server, datastack, HTTP options, cache, offline */
    const char *cells_table;
    const char *synapses_table;
    long version;                /* 0: the newest valid version */
    size_t batch;                /* presynaptic root ids per synapse query at first */
    const char *out_dir;
} cave_fetch_opts;

int cave_fetch_column(const cave_fetch_opts *o);

/* ---- what the recipe collects (shared with cave_fetch_write.c) */

typedef struct {
    uint64_t key;        /* id of the cell-type table row */
    uint64_t root;       /* pt_root_id */
    int excluded;        /* matched an exclusion filter (applied on the client) */
    size_t off, len;     /* its CSV line in fetch_data.text */
} fetched_cell;

typedef struct {
    uint64_t id, pre, post;
    size_t off, len;     /* "size,x,y,z" in fetch_data.text */
} fetched_synapse;

typedef struct {
    uint64_t cells_received, cells_repeated, cells_excluded, multi_soma_rows, multi_soma_roots, cell_pages,
        cell_splits, cells_server_count;
    uint64_t syn_received, syn_repeated, syn_outside, syn_autapses, syn_pages, syn_splits, syn_server_count;
    size_t batch_first, batch_last;
    uint64_t row_cap;            /* the server's row cap, if a truncation named it */
} fetch_stats;

typedef struct {
    fetched_cell *cells;
    size_t ncells, capcells;
    fetched_synapse *syn;
    size_t nsyn, capsyn;
    cbuf text;
    fetch_stats st;
    char *cells_body;            /* the first cell query's body and path, for the provenance */
    char *cells_path;
    char *syn_path;
    char roots_sha256[65];       /* of the column's root ids, one decimal per line, ascending */
    double started, t0;          /* wall clock (epoch s) and monotonic start */
} fetch_data;

/* ---- internal: the parts of the recipe (cave_fetch_cells.c, cave_fetch_synapses.c) */

/* Each split at least halves a set of ids, so 64 levels cover any id list;
 * deeper means the server truncates even the smallest query. */
#define FETCH_MAX_SPLIT_DEPTH 64

typedef struct {
    const cave_fetch_opts *o;
    cave_client *c;
    fetch_data *d;
    const char *ref_table;      /* the cell table's reference table, or NULL */
    uint64_t *roots;            /* the column's root ids, ascending */
    size_t nroots;
    uint64_t cap;               /* the server's row cap, once a truncation named it */
    progress bar;
} fetch_ctx;

/* Cells: count, query (split by id ranges), exclusions, multi-soma drop; sets x->roots. */
int fetch_cells(fetch_ctx *x);
/* Synapses among x->roots: count, batches, de-duplication, the count check. */
int fetch_synapses(fetch_ctx *x);

/* Page reading helpers: an unsigned field (null reads as 0), a field copied
 * into CSV, a required column, the N of a count=true answer.  A page that
 * does not fit is the server's fault: CONNC_ERR_NETWORK. */
int fetch_field_u64(table *t, const strview *f, int col, uint64_t *out);
void fetch_put_field(cbuf *b, const strview *f, int col);
int fetch_need_col(table *t, const char *name, int *out);
int fetch_read_count(const char *path, uint64_t *out);

/* cells.csv, synapses.csv and provenance.json into o->out_dir. */
int cave_fetch_write(const cave_fetch_opts *o, const cave_client *c, const cJSON *cells_meta,
                     const cJSON *syn_meta, fetch_data *d);

#endif
