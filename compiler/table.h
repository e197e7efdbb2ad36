/* table.h: row-by-row reader of tables in the layouts CAVE produces.
 *
 * Two layouts, detected from the content, each plain or gzip-compressed:
 *   CSV   a header line of column names, then one record per line
 *         (RFC 4180 quoting; CRLF accepted), as pandas' to_csv writes;
 *   JSON  an array of flat row objects, as the materialization service
 *         returns with return_pyarrow=false (DataFrame.to_json(orient="records")).
 * Fields come back as text views, so 64-bit ids are never rounded through a
 * double; numbers are converted by the caller with parse_u64()/parse_f64().
 */
#ifndef CONNC_TABLE_H
#define CONNC_TABLE_H

#include "parse.h"

#include <stdint.h>

typedef struct table table;

int table_open(const char *path, table **out);
void table_close(table *t);

/* 0 only for a JSON table that is an empty array: no column names known. */
int table_has_schema(const table *t);
size_t table_ncols(const table *t);
const char *table_colname(const table *t, size_t i);
/* Index of the named column, or -1. */
int table_col(const table *t, const char *name);

/* Reads the next row.  Returns 1 and points *fields at ncols views (a view
 * with p == NULL is a JSON null or a key absent from this record); 0 at the
 * end; a negative connc_status on malformed input.  Views stay valid until
 * the next call. */
int table_next(table *t, const strview **fields);

/* Where the current row starts: its line (CSV) or record number (JSON),
 * 1-based, for error messages. */
uint64_t table_where(const table *t);
/* "line" or "record": the unit of table_where(). */
const char *table_unit(const table *t);
const char *table_path(const table *t);
/* Compressed bytes consumed so far, and the file size, for progress bars. */
uint64_t table_bytes_done(const table *t);
uint64_t table_bytes_total(const table *t);

#endif
