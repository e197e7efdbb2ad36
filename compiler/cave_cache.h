/* cave_cache.h: on-disk cache of CAVE responses.
 *
 * Data at a fixed materialization version never changes, so a query answer
 * stored once is reused: a fetch that was killed resumes from the pages it
 * already has, and --offline answers from the cache alone.
 *
 * An entry is keyed by SHA-256 over (server, datastack, version, table,
 * endpoint path with query string, request body) - never the token - and
 * lives at
 *     DIR/<server>/<datastack>/v<version>/<table>/<key>.json       (the body)
 *     DIR/<server>/<datastack>/v<version>/<table>/<key>.meta.json  (about it)
 * where every directory name is reduced to [A-Za-z0-9._-] (no leading dot,
 * so no "..": a key cannot escape DIR).  Both files are written atomically
 * (temp + fsync + rename), the body first; the meta file records the body's
 * SHA-256 and size, and an entry whose body does not match is a miss.
 */
#ifndef CONNC_CAVE_CACHE_H
#define CONNC_CAVE_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *root;
} cave_cache;

/* What identifies a response. */
typedef struct {
    const char *server;     /* base URL of the service asked */
    const char *datastack;
    long version;           /* 0: not bound to a version */
    const char *table;      /* table name, or a label for metadata ("_info") */
    const char *path;       /* endpoint path and query string below the server */
    const char *body;       /* POST body, or NULL for a GET */
    const char *key;        /* cave_cache_key() of the above if already known, else NULL */
} cave_request_id;

/* What the meta file says about a stored body. */
typedef struct {
    uint64_t rows;          /* records in the body (JSON array of objects) */
    int truncated;          /* the server's row-cap warning came with it */
    uint64_t limit;         /* the cap the warning named */
} cave_page_info;

/* $XDG_CACHE_HOME/connc/cave, else $HOME/.cache/connc/cave. */
int cave_cache_default_dir(char **out);
int cave_cache_open(const char *dir, cave_cache *c);
void cave_cache_close(cave_cache *c);

/* 64 hex digits. */
void cave_cache_key(const cave_request_id *id, char hex[65]);
/* A name reduced to one safe path component (at most cap-1 bytes, cap >= 96). */
void cave_safe_component(const char *name, char *out, size_t cap);
/* The entry's two paths (malloc'ed). */
int cave_cache_paths(const cave_cache *c, const cave_request_id *id, char **body_path, char **meta_path);

/* 1 with *body_path (malloc'ed) and *info on a verified hit; 0 on a miss
 * (a damaged entry is removed and is a miss); negative on error. */
int cave_cache_get(const cave_cache *c, const cave_request_id *id, char **body_path, cave_page_info *info);
/* Stores the body (its directory is created); *body_path (malloc'ed) is where. */
int cave_cache_put_body(const cave_cache *c, const cave_request_id *id, const char *body, size_t len, char **body_path);
/* Completes the entry stored by cave_cache_put_body. */
int cave_cache_put_meta(const cave_cache *c, const cave_request_id *id, const cave_page_info *info);

#endif
