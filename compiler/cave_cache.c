/* cave_cache.c: keyed, checksummed, atomic response cache (see cave_cache.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_cache.h"
#include "cave_buf.h"
#include "error.h"
#include "infile.h"
#include "outfile.h"
#include "sha256.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_FORMAT "connc-cave-cache/1"
#define MAX_META_BYTES (1u << 20)
#define MAX_COMPONENT 80

int cave_cache_default_dir(char **out)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    cbuf b = {0};
    if (xdg && xdg[0] == '/') cbuf_printf(&b, "%s/connc/cave", xdg); /* the XDG spec ignores relative paths */
    else if (home && *home) cbuf_printf(&b, "%s/.cache/connc/cave", home);
    else return err_set(CONNC_ERR_USAGE, "neither XDG_CACHE_HOME nor HOME is set: give --cache DIR");
    TRY(cbuf_ok(&b));
    *out = b.p;
    return CONNC_OK;
}

int cave_cache_open(const char *dir, cave_cache *c)
{
    memset(c, 0, sizeof *c);
    TRY(make_dirs(dir));
    if (!(c->root = strdup(dir))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    return CONNC_OK;
}

void cave_cache_close(cave_cache *c)
{
    free(c->root);
    memset(c, 0, sizeof *c);
}

/* Length-prefixed fields, so ("ab", "c") and ("a", "bc") differ. */
static void hash_field(sha256_ctx *h, const char *name, const char *v)
{
    char head[64];
    size_t n = v ? strlen(v) : 0;
    int k = snprintf(head, sizeof head, "%s:%zu%s:", name, n, v ? "" : "null");
    sha256_update(h, head, (size_t)k);
    if (n) sha256_update(h, v, n);
}

void cave_cache_key(const cave_request_id *id, char hex[65])
{
    sha256_ctx h;
    char v[32];
    sha256_init(&h);
    hash_field(&h, "format", CACHE_FORMAT);
    hash_field(&h, "server", id->server);
    hash_field(&h, "datastack", id->datastack);
    snprintf(v, sizeof v, "%ld", id->version);
    hash_field(&h, "version", v);
    hash_field(&h, "table", id->table);
    hash_field(&h, "path", id->path);
    hash_field(&h, "body", id->body);
    sha256_final_hex(&h, hex);
}

void cave_safe_component(const char *name, char *out, size_t cap)
{
    size_t n = name ? strlen(name) : 0, k = 0;
    int changed = n == 0 || n > MAX_COMPONENT;
    for (size_t i = 0; i < n && i < MAX_COMPONENT && k + 1 < cap; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                 (c == '.' && i > 0);
        out[k++] = ok ? c : '_';
        changed |= !ok;
    }
    if (k == 0) out[k++] = '_';
    out[k] = '\0';
    if (changed && k + 10 < cap) { /* keep distinct names distinct */
        sha256_ctx h;
        char hex[65];
        sha256_init(&h);
        if (n) sha256_update(&h, name, n);
        sha256_final_hex(&h, hex);
        snprintf(out + k, cap - k, "-%.8s", hex);
    }
}

/* "https://host:port/x" -> "host_port_x" (made safe). */
static void server_component(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url ? url : "", "://");
    p = p ? p + 3 : (url ? url : "");
    char tmp[MAX_COMPONENT + 1];
    size_t k = 0;
    for (; *p && k < MAX_COMPONENT; p++) tmp[k++] = (*p == ':' || *p == '/') ? '_' : *p;
    while (k && tmp[k - 1] == '_') k--;
    tmp[k] = '\0';
    cave_safe_component(tmp, out, cap);
}

int cave_cache_paths(const cave_cache *c, const cave_request_id *id, char **body_path, char **meta_path)
{
    char srv[128], ds[128], tb[128], ver[32], key[65];
    server_component(id->server, srv, sizeof srv);
    cave_safe_component(id->datastack, ds, sizeof ds);
    cave_safe_component(id->table, tb, sizeof tb);
    if (id->version > 0) snprintf(ver, sizeof ver, "v%ld", id->version);
    else snprintf(ver, sizeof ver, "any");
    if (id->key) snprintf(key, sizeof key, "%.64s", id->key);
    else cave_cache_key(id, key);
    cbuf b = {0}, m = {0};
    cbuf_printf(&b, "%s/%s/%s/%s/%s/%s.json", c->root, srv, ds, ver, tb, key);
    cbuf_printf(&m, "%s/%s/%s/%s/%s/%s.meta.json", c->root, srv, ds, ver, tb, key);
    if (cbuf_ok(&b) < 0 || cbuf_ok(&m) < 0) {
        cbuf_free(&b);
        cbuf_free(&m);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    *body_path = b.p;
    if (meta_path) *meta_path = m.p;
    else cbuf_free(&m);
    return CONNC_OK;
}

static int write_atomic(const char *path, const void *data, size_t len)
{
    outfile o;
    TRY(outfile_open(&o, path));
    int rc = outfile_write(&o, data, len);
    if (rc < 0) {
        outfile_abort(&o);
        return rc;
    }
    return outfile_commit(&o);
}

int cave_cache_put_body(const cave_cache *c, const cave_request_id *id, const char *body, size_t len, char **body_path)
{
    char *bp = NULL;
    TRY(cave_cache_paths(c, id, &bp, NULL));
    char *slash = strrchr(bp, '/');
    *slash = '\0';
    int rc = make_dirs(bp);
    *slash = '/';
    if (rc == CONNC_OK) rc = write_atomic(bp, body, len);
    if (rc < 0) free(bp);
    else *body_path = bp;
    return rc;
}

static void iso_now(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cave_cache_put_meta(const cave_cache *c, const cave_request_id *id, const cave_page_info *info)
{
    char *bp = NULL, *mp = NULL, key[65], sum[65], when[32];
    TRY(cave_cache_paths(c, id, &bp, &mp));
    struct stat st;
    int rc = sha256_file(bp, sum);
    if (rc == CONNC_OK && stat(bp, &st) != 0) rc = err_set(CONNC_ERR_IO, "%s: cannot stat", bp);
    if (rc < 0) goto done;
    if (id->key) snprintf(key, sizeof key, "%.64s", id->key);
    else cave_cache_key(id, key);
    iso_now(when, sizeof when);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", CACHE_FORMAT);
    cJSON_AddStringToObject(j, "key", key);
    cJSON_AddStringToObject(j, "server", id->server ? id->server : "");
    cJSON_AddStringToObject(j, "datastack", id->datastack ? id->datastack : "");
    cJSON_AddNumberToObject(j, "version", (double)id->version);
    cJSON_AddStringToObject(j, "table", id->table ? id->table : "");
    cJSON_AddStringToObject(j, "path", id->path ? id->path : "");
    cJSON_AddStringToObject(j, "body_sha256", sum);
    cJSON_AddNumberToObject(j, "body_bytes", (double)st.st_size);
    cJSON_AddNumberToObject(j, "rows", (double)info->rows);
    cJSON_AddBoolToObject(j, "truncated", info->truncated);
    cJSON_AddNumberToObject(j, "limit", (double)info->limit);
    cJSON_AddStringToObject(j, "stored", when);
    char *text = cJSON_Print(j);
    cJSON_Delete(j);
    rc = text ? write_atomic(mp, text, strlen(text)) : err_set(CONNC_ERR_NOMEM, "out of memory");
    free(text);
done:
    free(bp);
    free(mp);
    return rc;
}

static double num(const cJSON *j, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *str(const cJSON *j, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* 1 if the meta record belongs to this key and the body matches it. */
static int entry_ok(const cJSON *j, const char *key, const char *body_path, cave_page_info *info)
{
    char sum[65];
    struct stat st;
    if (strcmp(str(j, "format"), CACHE_FORMAT) != 0 || strcmp(str(j, "key"), key) != 0) return 0;
    if (stat(body_path, &st) != 0 || (double)st.st_size != num(j, "body_bytes")) return 0;
    if (sha256_file(body_path, sum) < 0 || strcmp(sum, str(j, "body_sha256")) != 0) return 0;
    if (num(j, "rows") < 0 || num(j, "limit") < 0) return 0;
    info->rows = (uint64_t)num(j, "rows");
    info->limit = (uint64_t)num(j, "limit");
    info->truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "truncated"));
    return 1;
}

int cave_cache_get(const cave_cache *c, const cave_request_id *id, char **body_path, cave_page_info *info)
{
    char *bp = NULL, *mp = NULL, *text = NULL, key[65];
    *body_path = NULL;
    TRY(cave_cache_paths(c, id, &bp, &mp));
    struct stat st;
    int hit = 0;
    if (stat(mp, &st) == 0 && infile_read(mp, MAX_META_BYTES, &text, NULL) == CONNC_OK) {
        cJSON *j = cJSON_Parse(text);
        if (id->key) snprintf(key, sizeof key, "%.64s", id->key);
        else cave_cache_key(id, key);
        hit = j && entry_ok(j, key, bp, info);
        cJSON_Delete(j);
        if (!hit) { /* damaged or foreign: forget it, it will be fetched again */
            unlink(mp);
            unlink(bp);
        }
    }
    err_clear();
    free(text);
    free(mp);
    if (hit) *body_path = bp;
    else free(bp);
    return hit;
}
