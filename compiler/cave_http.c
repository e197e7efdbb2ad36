/* cave_http.c: libcurl requests with retries (see cave_http.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_http.h"
#include "cave_auth.h"
#include "cave_json.h"
#include "error.h"
#include "progress.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* A server asking for a longer pause than this is reported, not waited for. */
#define RETRY_AFTER_MAX_S 600.0
#define TOKEN_HINT "set a token with --token-file FILE, the CAVE_TOKEN variable or " \
                   "~/.cloudvolume/secrets/cave-secret.json ({\"token\": \"...\"})"

struct cave_http {
    CURL *curl;
    cave_http_opts o;
    struct curl_slist *get_headers, *post_headers;
    uint64_t rng;
    cave_http_stats stats;
    char errbuf[CURL_ERROR_SIZE];
};

/* What one attempt receives; the callbacks fill it. */
typedef struct {
    cave_response *r;
    size_t cap, max;
    int too_big, no_memory;
    double retry_after;
} sink;

void cave_http_opts_default(cave_http_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_s = 30;
    o->stall_timeout_s = 300;
    o->max_response = (size_t)1 << 30;
    o->max_retries = 6;
    o->backoff_base_s = 0.5;
    o->backoff_max_s = 60;
}

void cave_response_free(cave_response *r)
{
    free(r->body);
    free(r->warnings);
    memset(r, 0, sizeof *r);
}

int cave_http_global_init(void)
{
    CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
    return c == CURLE_OK ? CONNC_OK : err_set(CONNC_ERR_NETWORK, "cannot initialise libcurl: %s", curl_easy_strerror(c));
}

void cave_http_global_cleanup(void) { curl_global_cleanup(); }

/* ------------------------------------------------------------ handle */

static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
    sink *s = ctx;
    size_t n = size * nmemb;
    cave_response *r = s->r;
    if (r->len + n > s->max) {
        s->too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (r->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < r->len + n + 1) cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b) {
            s->no_memory = 1;
            return 0;
        }
        r->body = b;
        s->cap = cap;
    }
    memcpy(r->body + r->len, p, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Header names are case-insensitive; a new status line (after a 1xx or a
 * retry inside libcurl) starts a new set of headers. */
static size_t on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
    sink *s = ctx;
    size_t n = size * nmemb;
    if (n >= 5 && !memcmp(p, "HTTP/", 5)) {
        free(s->r->warnings);
        s->r->warnings = NULL;
        s->retry_after = -1;
        return n;
    }
    const char *colon = memchr(p, ':', n);
    if (!colon) return n;
    size_t kn = (size_t)(colon - p);
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    size_t vn = (size_t)(end - v);
    if (kn == 7 && !strncasecmp(p, "Warning", 7)) {
        size_t old = s->r->warnings ? strlen(s->r->warnings) : 0;
        char *w = realloc(s->r->warnings, old + vn + 2);
        if (!w) return 0;
        memcpy(w + old, v, vn);
        w[old + vn] = '\n';
        w[old + vn + 1] = '\0';
        s->r->warnings = w;
    } else if (kn == 11 && !strncasecmp(p, "Retry-After", 11)) {
        char tmp[128];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(vn < 127 ? vn : 127), v);
        s->retry_after = cave_retry_after(tmp, (long)time(NULL));
    }
    return n;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h, int *ok)
{
    struct curl_slist *n = curl_slist_append(l, h);
    if (!n) { *ok = 0; return l; }
    return n;
}

/* Header lists; the Authorization line is wiped before it is freed. */
static void free_headers(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next) cave_wipe(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static int build_headers(cave_http *h)
{
    int ok = 1;
    char *auth = NULL;
    if (h->o.token) {
        size_t n = strlen(h->o.token) + 32;
        if (!(auth = malloc(n))) return err_set(CONNC_ERR_NOMEM, "out of memory");
        snprintf(auth, n, "Authorization: Bearer %s", h->o.token);
    }
    struct curl_slist **lists[2] = {&h->get_headers, &h->post_headers};
    for (int k = 0; k < 2; k++) {
        struct curl_slist *l = NULL;
        l = add_header(l, "Accept: application/json", &ok);
        l = add_header(l, "X-Requested-With: XMLHttpRequest", &ok);
        if (auth) l = add_header(l, auth, &ok);
        if (k == 1) {
            l = add_header(l, "Content-Type: application/json", &ok);
            l = add_header(l, "Expect:", &ok); /* no 100-continue round trip */
        }
        *lists[k] = l;
    }
    if (auth) {
        cave_wipe(auth, strlen(auth));
        free(auth);
    }
    return ok ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
}

int cave_http_new(const cave_http_opts *o, cave_http **out)
{
    *out = NULL;
    cave_http *h = calloc(1, sizeof *h);
    if (!h) return err_set(CONNC_ERR_NOMEM, "out of memory");
    h->o = *o;
    h->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)h;
    int rc;
    if (!(h->curl = curl_easy_init())) {
        rc = err_set(CONNC_ERR_NETWORK, "cannot create a libcurl handle");
        goto fail;
    }
    CHECK(build_headers(h));
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "connc/" CONNC_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->o.stall_timeout_s);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, h->o.timeout_s);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_response);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->o.insecure ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->o.insecure ? 0L : 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    *out = h;
    return CONNC_OK;
fail:
    cave_http_free(h);
    return rc;
}

void cave_http_free(cave_http *h)
{
    if (!h) return;
    if (h->curl) curl_easy_cleanup(h->curl);
    free_headers(h->get_headers);
    free_headers(h->post_headers);
    free(h);
}

const cave_http_stats *cave_http_get_stats(const cave_http *h) { return &h->stats; }

/* ------------------------------------------------------------ requests */

/* Outcome of one attempt. */
typedef enum { ATTEMPT_OK, ATTEMPT_RETRY, ATTEMPT_FAIL } attempt_kind;

typedef struct {
    attempt_kind kind;
    int status;             /* connc_status for ATTEMPT_FAIL */
    double retry_after;     /* seconds, -1 if the server gave none */
    char what[600];         /* the transient problem, for logs and the final error */
} attempt;

static int transient_curl_error(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT: case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE: case CURLE_GOT_NOTHING: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR: case CURLE_BAD_CONTENT_ENCODING: case CURLE_HTTP2: case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

/* Copies the server's message with every occurrence of the token blanked,
 * should a server ever echo it back. */
static void server_message(const cave_http *h, const cave_response *r, char *out, size_t cap)
{
    cave_server_message(r->body, r->len, out, cap);
    const char *tok = h->o.token;
    size_t tn = tok ? strlen(tok) : 0;
    char *p;
    while (tn && (p = strstr(out, tok)) != NULL) memset(p, '*', tn);
}

/* The tos_form_url of a 403 missing_tos answer (§3.3), if any. */
static void tos_url(const cave_response *r, char *out, size_t cap)
{
    out[0] = '\0';
    cJSON *j = cJSON_ParseWithLength(r->body ? r->body : "", r->len);
    cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    cJSON *u = cJSON_GetObjectItemCaseSensitive(d, "tos_form_url");
    if (cJSON_IsString(u)) {
        snprintf(out, cap, "%s", u->valuestring);
        for (char *p = out; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    }
    cJSON_Delete(j);
}

static void http_error(const cave_http *h, const char *url, const cave_response *r, attempt *a)
{
    char msg[400], tos[300];
    long st = r->status;
    server_message(h, r, msg, sizeof msg);
    a->kind = ATTEMPT_FAIL;
    a->status = (st == 404 || st == 410) ? CONNC_ERR_NOTFOUND : CONNC_ERR_NETWORK;
    if (st >= 300 && st < 400)
        err_set(a->status, "%s: HTTP %ld: redirected to a login page: not authenticated; %s", url, st, TOKEN_HINT);
    else if (st == 401)
        err_set(a->status, "%s: HTTP 401: %s; %s", url, msg[0] ? msg : "unauthorized", TOKEN_HINT);
    else if (st == 403) {
        tos_url(r, tos, sizeof tos);
        if (tos[0])
            err_set(a->status, "%s: HTTP 403: %s; accept the terms of service at %s with the account of your token",
                    url, msg[0] ? msg : "forbidden", tos);
        else
            err_set(a->status, "%s: HTTP 403: %s; the token's account lacks permission (%s)", url,
                    msg[0] ? msg : "forbidden", TOKEN_HINT);
    } else
        err_set(a->status, "%s: HTTP %ld: %s", url, st, msg[0] ? msg : "(no message)");
}

/* Classifies a finished transfer. */
static void classify(const cave_http *h, const char *url, CURLcode cc, const sink *s, attempt *a)
{
    const cave_response *r = s->r;
    a->kind = ATTEMPT_RETRY;
    a->retry_after = -1;
    if (s->no_memory) {
        a->kind = ATTEMPT_FAIL;
        a->status = err_set(CONNC_ERR_NOMEM, "%s: out of memory for the response", url);
        return;
    }
    if (s->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        a->kind = ATTEMPT_FAIL;
        a->status = err_set(CONNC_ERR_LIMIT, "%s: the response is larger than %zu bytes (--max-response)", url, h->o.max_response);
        return;
    }
    if (cc != CURLE_OK) {
        const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc);
        snprintf(a->what, sizeof a->what, "%s (curl %d)", detail, (int)cc);
        if (!transient_curl_error(cc)) {
            a->kind = ATTEMPT_FAIL;
            a->status = err_set(CONNC_ERR_NETWORK, "%s: %s", url, a->what);
        }
        return;
    }
    long st = r->status;
    if (st == 429 || st == 502 || st == 503 || st == 504) {
        char msg[300];
        server_message(h, r, msg, sizeof msg);
        snprintf(a->what, sizeof a->what, "HTTP %ld%s%s", st, msg[0] ? ": " : "", msg);
        a->retry_after = s->retry_after;
        return;
    }
    if (st < 200 || st >= 300) {
        http_error(h, url, r, a);
        return;
    }
    if (!json_is_valid(r->body, r->len)) {
        snprintf(a->what, sizeof a->what, "HTTP %ld with a body that is not valid JSON (%zu bytes)", st, r->len);
        return;
    }
    a->kind = ATTEMPT_OK;
}

static void attempt_once(cave_http *h, const char *url, const char *shown, const char *body, cave_response *out,
                         attempt *a)
{
    cave_response_free(out);
    sink s = {out, 0, h->o.max_response, 0, 0, -1};
    CURL *c = h->curl;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->post_headers);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->get_headers);
    }
    h->stats.requests++;
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    h->stats.bytes += out->len;
    classify(h, shown, cc, &s, a);
    /* a fresh connection after a broken one */
    if (a->kind == ATTEMPT_RETRY) curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    else curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 0L);
}

static void sleep_seconds(double s)
{
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* The URL without its query string, for messages. */
static void short_url(const char *url, char *out, size_t cap)
{
    size_t n = strcspn(url, "?");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), url);
}

int cave_http_request(cave_http *h, const char *url, const char *body, cave_response *out)
{
    memset(out, 0, sizeof *out);
    char shown[512];
    short_url(url, shown, sizeof shown);
    for (int retry = 0;; retry++) {
        attempt a;
        memset(&a, 0, sizeof a);
        attempt_once(h, url, shown, body, out, &a);
        if (a.kind == ATTEMPT_OK) return CONNC_OK;
        if (a.kind == ATTEMPT_FAIL) {
            cave_response_free(out);
            return a.status;
        }
        if (retry >= h->o.max_retries) {
            cave_response_free(out);
            return err_set(CONNC_ERR_NETWORK, "%s: %s; gave up after %d attempts", shown, a.what, retry + 1);
        }
        double u = (double)(next_random(&h->rng) >> 11) / 9007199254740992.0;
        double wait = a.retry_after >= 0 ? a.retry_after : cave_backoff_delay(retry, h->o.backoff_base_s, h->o.backoff_max_s, u);
        if (wait > RETRY_AFTER_MAX_S) {
            cave_response_free(out);
            return err_set(CONNC_ERR_NETWORK, "%s: %s; the server asks to wait %.0f s before retrying (over %.0f s): try later",
                           shown, a.what, wait, RETRY_AFTER_MAX_S);
        }
        h->stats.retries++;
        if (connc_verbosity >= 2)
            log_info("%s: %s; retry %d of %d in %.2f s", shown, a.what, retry + 1, h->o.max_retries, wait);
        sleep_seconds(wait);
    }
}
