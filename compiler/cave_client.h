/* cave_client.h: the CAVE info and materialization services (PROTOCOL.md §1-6).
 *
 * Resolves a datastack through the info service (§2), negotiates the
 * materialization API (§4.1), picks a materialization version (§4.3, §10),
 * reads table lists and metadata, and runs table queries (§5.1) and
 * two-table join queries (§5.2) that ask the server for JSON records.
 * Every answer goes through the cache (cave_cache.h): query pages at a
 * version are read from it when present (resume, --offline); metadata is
 * fetched again when online and read from the cache only with --offline.
 */
#ifndef CONNC_CAVE_CLIENT_H
#define CONNC_CAVE_CLIENT_H

#include "cave_buf.h"
#include "cave_cache.h"
#include "cave_http.h"

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define CAVE_GLOBAL_SERVER "https://global.daf-apis.com"

/* ---- queries */

typedef enum {
    CAVE_IN,      /* filter_in_dict: column IN (values) */
    CAVE_EQUAL,   /* filter_equal_dict: column = value */
    CAVE_OUT,     /* filter_notin_dict: sent, but ignored by the server (§5.1), so applied by the caller */
    CAVE_GE,      /* filter_greater_equal_dict: column >= value */
    CAVE_LT       /* filter_less_dict: column < value */
} cave_filter_op;

typedef struct {
    cave_filter_op op;
    const char *table;          /* the table the column belongs to */
    const char *column;
    const uint64_t *ids;        /* integer values (written as exact decimals), or NULL */
    const char *const *texts;   /* string values, or NULL */
    size_t n;                   /* number of values (1 for EQUAL, GE, LT) */
} cave_filter;

typedef struct {
    const char *table;                  /* the table queried; tables[0] of a join */
    const char *const *columns;         /* its selected columns; NULL: all */
    size_t ncolumns;
    const char *join_table;             /* NULL: a one-table query */
    const char *join_column;            /* table.join_column = join_table.join_ref_column */
    const char *join_ref_column;
    const char *const *join_columns;    /* selected columns of join_table; NULL: all */
    size_t njoin_columns;
    const cave_filter *filters;
    size_t nfilters;
    int count;                          /* count=true: one record {"count": N} */
} cave_query;

/* The JSON request body (§5.1 SimpleQuerySchema / §5.2 ComplexQuerySchema).
 * Join columns present in both tables are named with suffix_map
 * {table: "", join_table: "_ref"}. */
int cave_query_body(const cave_query *q, cbuf *out);
/* The endpoint path with its query string, below the materialization server. */
int cave_query_path(const char *datastack, long version, const cave_query *q, cbuf *out);
/* For a client-side exclusion: 1 if the field equals one of f's values. */
int cave_filter_matches(const cave_filter *f, const char *text, size_t n);

/* ---- client */

typedef struct {
    const char *server;         /* global server (info service) */
    const char *datastack;
    cave_http_opts http;        /* token, TLS, timeouts, retries */
    const char *cache_dir;
    int offline;                /* answer from the cache only */
    int refresh;                /* ignore cached query pages (fetch them again) */
} cave_client_opts;

typedef struct {
    cave_client_opts o;
    cave_http *http;            /* NULL when offline */
    cave_cache cache;
    char *global;               /* the global server, without a trailing '/' */
    char *me;                   /* materialization server (the datastack's local_server) */
    char server_version[64];    /* materialization software version, "" if unknown */
    long version;               /* materialization version chosen */
    int version_pinned;
    char version_time[64];      /* its time_stamp (UTC), "" if unknown */
    uint64_t pages_fetched, pages_cached;
} cave_client;

int cave_client_open(cave_client *c, const cave_client_opts *o);
void cave_client_close(cave_client *c);

/* Info service -> local_server; API version 3 present; server version. */
int cave_client_resolve(cave_client *c);
/* pinned > 0: that version, which must exist and be valid; else the newest valid one. */
int cave_client_pick_version(cave_client *c, long pinned);
/* Every name must be a table of the chosen version. */
int cave_client_check_tables(cave_client *c, const char *const *names, size_t n);
/* Table metadata (§4.3); the caller cJSON_Delete()s it. */
int cave_client_table_metadata(cave_client *c, const char *table, cJSON **out);

typedef struct {
    char *body_path;            /* the answer (JSON records) in the cache; read it with table_open */
    cave_page_info info;        /* rows, truncated, limit */
    int from_cache;
} cave_page;

/* Runs one query at the chosen version (or answers it from the cache). */
int cave_client_query(cave_client *c, const cave_query *q, cave_page *out);
void cave_page_free(cave_page *p);

#endif
