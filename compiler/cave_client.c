/* cave_client.c: info + materialization services (see cave_client.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_client.h"
#include "error.h"
#include "infile.h"
#include "progress.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CACHED_META (64u << 20)

/* ------------------------------------------------------------ client */

static char *dup_trimmed_url(const char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '/') n--;
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int cave_client_open(cave_client *c, const cave_client_opts *o)
{
    memset(c, 0, sizeof *c);
    c->o = *o;
    int rc;
    if (!(c->global = dup_trimmed_url(o->server))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    CHECK(cave_url_check(c->global, o->http.insecure, "--server"));
    CHECK(cave_cache_open(o->cache_dir, &c->cache));
    if (!o->offline) CHECK(cave_http_new(&o->http, &c->http));
    return CONNC_OK;
fail:
    cave_client_close(c);
    return rc;
}

void cave_client_close(cave_client *c)
{
    cave_http_free(c->http);
    cave_cache_close(&c->cache);
    free(c->global);
    free(c->me);
    memset(c, 0, sizeof *c);
}

/* Reads an answer stored in the cache (for --offline). */
static int cached_text(cave_client *c, const cave_request_id *id, char **text)
{
    char *bp = NULL;
    cave_page_info info;
    int hit = cave_cache_get(&c->cache, id, &bp, &info);
    if (hit < 0) return hit;
    if (!hit)
        return err_set(CONNC_ERR_NETWORK, "--offline: no cached answer for %s%s in %s (run once online with the same "
                       "--cache, --server, --datastack, --version and tables)", id->server, id->path, c->cache.root);
    int rc = infile_read(bp, MAX_CACHED_META, text, NULL);
    free(bp);
    return rc;
}

/* GET of a metadata endpoint, parsed with cJSON (no ids above 2^53 here). */
static int get_json(cave_client *c, const char *server, long version, const char *label, const char *path, cJSON **out)
{
    cave_request_id id = {server, c->o.datastack, version, label, path, NULL, NULL};
    char *text = NULL, *bp = NULL;
    cave_response r;
    memset(&r, 0, sizeof r);
    int rc;
    *out = NULL;
    if (c->o.offline) {
        CHECK(cached_text(c, &id, &text));
    } else {
        cbuf url = {0};
        cbuf_printf(&url, "%s%s", server, path);
        rc = cbuf_ok(&url);
        if (rc == CONNC_OK) rc = cave_http_request(c->http, url.p, NULL, &r);
        cbuf_free(&url);
        if (rc < 0) goto fail;
        cave_page_info info = {0, 0, 0};
        CHECK(cave_cache_put_body(&c->cache, &id, r.body, r.len, &bp));
        CHECK(cave_cache_put_meta(&c->cache, &id, &info));
        text = r.body;
        r.body = NULL;
    }
    *out = cJSON_Parse(text);
    rc = *out ? CONNC_OK : err_set(CONNC_ERR_NETWORK, "%s%s: the answer is not valid JSON", server, path);
fail:
    free(text);
    free(bp);
    cave_response_free(&r);
    return rc;
}

int cave_client_resolve(cave_client *c)
{
    cJSON *j = NULL;
    cbuf path = {0};
    int rc;
    cbuf_printf(&path, "/info/api/v2/datastack/full/%s", c->o.datastack);
    CHECK(cbuf_ok(&path));
    CHECK(get_json(c, c->global, 0, "_info", path.p, &j));
    cJSON *ls = cJSON_GetObjectItemCaseSensitive(j, "local_server");
    if (!cJSON_IsString(ls) || !ls->valuestring[0]) {
        rc = err_set(CONNC_ERR_NETWORK, "%s%s: no \"local_server\" in the datastack record", c->global, path.p);
        goto fail;
    }
    CHECK(cave_url_check(ls->valuestring, c->o.http.insecure, "local_server of the datastack (info service)"));
    if (!(c->me = dup_trimmed_url(ls->valuestring))) { rc = err_set(CONNC_ERR_NOMEM, "out of memory"); goto fail; }
    cJSON_Delete(j);
    j = NULL;
    /* API version 3 (§4.1) */
    CHECK(get_json(c, c->me, 0, "_meta", "/materialize/api/versions", &j));
    int has3 = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, j) has3 |= cJSON_IsNumber(v) && v->valuedouble == 3;
    if (!has3) {
        rc = err_set(CONNC_ERR_UNSUPPORTED, "%s/materialize/api/versions: API version 3 is not offered", c->me);
        goto fail;
    }
    cJSON_Delete(j);
    j = NULL;
    /* the software version is only recorded; a server without the endpoint is fine */
    rc = get_json(c, c->me, 0, "_meta", "/materialize/version", &j);
    if (rc == CONNC_OK && cJSON_IsString(j)) snprintf(c->server_version, sizeof c->server_version, "%s", j->valuestring);
    else if (rc == CONNC_ERR_NOTFOUND || (rc < 0 && c->o.offline)) err_clear();
    else if (rc < 0) goto fail;
    rc = CONNC_OK;
fail:
    cJSON_Delete(j);
    cbuf_free(&path);
    return rc;
}

/* The version's time stamp; its validity when pinned. */
static int version_metadata(cave_client *c, long v)
{
    cbuf path = {0};
    cJSON *j = NULL;
    int rc;
    cbuf_printf(&path, "/materialize/api/v3/datastack/%s/version/%ld", c->o.datastack, v);
    CHECK(cbuf_ok(&path));
    rc = get_json(c, c->me, 0, "_meta", path.p, &j);
    if (rc == CONNC_ERR_NOTFOUND) rc = err_wrap(rc, "version %ld of %s", v, c->o.datastack);
    if (rc < 0) goto fail;
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "time_stamp");
    if (cJSON_IsString(ts)) snprintf(c->version_time, sizeof c->version_time, "%s", ts->valuestring);
    const cJSON *valid = cJSON_GetObjectItemCaseSensitive(j, "valid");
    if (cJSON_IsFalse(valid)) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
        rc = err_set(CONNC_ERR_NOTFOUND, "version %ld of %s is no longer available (status %s); pick a valid one",
                     v, c->o.datastack, cJSON_IsString(st) ? st->valuestring : "invalid");
    }
fail:
    cJSON_Delete(j);
    cbuf_free(&path);
    return rc;
}

int cave_client_pick_version(cave_client *c, long pinned)
{
    cbuf path = {0};
    cJSON *j = NULL;
    int rc;
    cbuf_printf(&path, "/materialize/api/v3/datastack/%s/versions", c->o.datastack);
    CHECK(cbuf_ok(&path));
    CHECK(get_json(c, c->me, 0, "_meta", path.p, &j));
    long newest = 0;
    int listed = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, j) { /* unsorted (§4.3): the newest is the largest */
        if (!cJSON_IsNumber(v)) continue;
        long x = (long)v->valuedouble;
        if (x > newest) newest = x;
        listed |= x == pinned;
    }
    if (pinned > 0) {
        CHECK(version_metadata(c, pinned));
        if (!listed) {
            rc = err_set(CONNC_ERR_NOTFOUND, "version %ld of %s is not among its valid versions", pinned, c->o.datastack);
            goto fail;
        }
        c->version = pinned;
        c->version_pinned = 1;
    } else {
        if (newest <= 0) {
            rc = err_set(CONNC_ERR_NOTFOUND, "%s%s: no valid materialization version", c->me, path.p);
            goto fail;
        }
        c->version = newest;
        CHECK(version_metadata(c, newest));
    }
fail:
    cJSON_Delete(j);
    cbuf_free(&path);
    return rc;
}

int cave_client_check_tables(cave_client *c, const char *const *names, size_t n)
{
    cbuf path = {0};
    cJSON *j = NULL;
    int rc;
    /* caveclient v3 uses the v2 path for the table list (§4.2) */
    cbuf_printf(&path, "/materialize/api/v2/datastack/%s/version/%ld/tables", c->o.datastack, c->version);
    CHECK(cbuf_ok(&path));
    CHECK(get_json(c, c->me, c->version, "_meta", path.p, &j));
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, j) found |= cJSON_IsString(v) && strcmp(v->valuestring, names[i]) == 0;
        if (!found) {
            rc = err_set(CONNC_ERR_NOTFOUND, "table '%s' is not in version %ld of %s (%d tables there)", names[i],
                         c->version, c->o.datastack, cJSON_GetArraySize(j));
            goto fail;
        }
    }
fail:
    cJSON_Delete(j);
    cbuf_free(&path);
    return rc;
}

int cave_client_table_metadata(cave_client *c, const char *table, cJSON **out)
{
    cbuf path = {0};
    cbuf_printf(&path, "/materialize/api/v3/datastack/%s/version/%ld/table/%s/metadata", c->o.datastack, c->version, table);
    int rc = cbuf_ok(&path);
    if (rc == CONNC_OK) rc = get_json(c, c->me, c->version, table, path.p, out);
    if (rc == CONNC_OK && !cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        rc = err_set(CONNC_ERR_NETWORK, "%s%s: the metadata is not a JSON object", c->me, path.p);
    }
    cbuf_free(&path);
    return rc;
}

/* ------------------------------------------------------------ queries */

void cave_page_free(cave_page *p)
{
    free(p->body_path);
    memset(p, 0, sizeof *p);
}

/* Counts the records of a stored answer with the same reader that will
 * read them; an answer it cannot read is a server fault. */
static int count_records(const char *path, const char *url, uint64_t *rows)
{
    table *t = NULL;
    const strview *f;
    int rc = table_open(path, &t);
    *rows = 0;
    if (rc == CONNC_OK)
        while ((rc = table_next(t, &f)) > 0) (*rows)++;
    table_close(t);
    if (rc < 0) return err_wrap(CONNC_ERR_NETWORK, "%s: unexpected answer", url);
    return CONNC_OK;
}

static int is_json_array(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", s[i])) i++;
    return i < n && s[i] == '[';
}

/* POSTs the query and stores its answer in the cache. */
static int fetch_page(cave_client *c, const cave_request_id *id, cave_page *out)
{
    cbuf url = {0};
    cave_response r;
    int rc;
    memset(&r, 0, sizeof r);
    cbuf_printf(&url, "%s%s", c->me, id->path);
    CHECK(cbuf_ok(&url));
    CHECK(cave_http_request(c->http, url.p, id->body, &r));
    url.p[strcspn(url.p, "?")] = '\0';
    if (!is_json_array(r.body, r.len)) {
        rc = err_set(CONNC_ERR_NETWORK, "%s: the answer is not a JSON array of records", url.p);
        goto fail;
    }
    CHECK(cave_cache_put_body(&c->cache, id, r.body, r.len, &out->body_path));
    CHECK(count_records(out->body_path, url.p, &out->info.rows));
    out->info.truncated = cave_warning_limit(r.warnings, &out->info.limit);
    CHECK(cave_cache_put_meta(&c->cache, id, &out->info));
    c->pages_fetched++;
fail:
    cave_response_free(&r);
    cbuf_free(&url);
    return rc;
}

int cave_client_query(cave_client *c, const cave_query *q, cave_page *out)
{
    cbuf body = {0}, path = {0};
    int rc;
    memset(out, 0, sizeof *out);
    CHECK(cave_query_body(q, &body));
    CHECK(cave_query_path(c->o.datastack, c->version, q, &path));
    char key[65];
    cave_request_id id = {c->me, c->o.datastack, c->version, q->table, path.p, body.p, NULL};
    cave_cache_key(&id, key); /* once: the body may hold thousands of ids */
    id.key = key;
    if (c->o.offline || !c->o.refresh) {
        rc = cave_cache_get(&c->cache, &id, &out->body_path, &out->info);
        if (rc < 0) goto fail;
        if (rc == 1) {
            out->from_cache = 1;
            c->pages_cached++;
            rc = CONNC_OK;
            goto fail;
        }
    }
    if (c->o.offline) {
        rc = err_set(CONNC_ERR_NETWORK, "--offline: a query of '%s' is not in the cache %s (run once online with the "
                     "same --cache, --server, --datastack, --version and tables)", q->table, c->cache.root);
        goto fail;
    }
    CHECK(fetch_page(c, &id, out));
fail:
    if (rc < 0) cave_page_free(out);
    cbuf_free(&body);
    cbuf_free(&path);
    return rc;
}
