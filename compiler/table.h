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

/* Splitting a large plain CSV table, so that two threads read one half each.
 * table_split, called right after table_open, picks the first line start past
 * the middle of the rows: t then ends before the first row that starts there
 * or later, and *rest reads from there to the end of the file.  *rest is NULL
 * (and t unchanged) for gzip, JSON, a file under min_bytes or no line start
 * past the middle.  The lines of *rest are numbered from 1 at the split: the
 * true numbers are known only once t is read.  The split may fall inside a
 * quoted field; t then reads that row whole and stops after it, which
 * table_stopped_at_split (0) tells once t is read to its end.  Returns a
 * connc_status. */
int table_split(table *t, uint64_t min_bytes, table **rest);
int table_stopped_at_split(const table *t);
/* A new reader (in *rest) of t's CSV file from where t stopped, its lines
 * numbered on from t's: the sequential continuation of t after a split. */
int table_open_rest(const table *t, table **rest);

/* Where the current row starts: its line (CSV) or record number (JSON),
 * 1-based, for error messages. */
uint64_t table_where(const table *t);
/* "line" or "record": the unit of table_where(). */
const char *table_unit(const table *t);
const char *table_path(const table *t);
/* Compressed bytes consumed so far, and the file size (up to the split for a
 * split table), for progress bars. */
uint64_t table_bytes_done(const table *t);
uint64_t table_bytes_total(const table *t);

#endif
