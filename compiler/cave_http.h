/* cave_http.h: HTTP for the CAVE client, on libcurl (PROTOCOL.md §7, §8).
 *
 * One handle keeps one connection alive across requests.  Every request:
 *   - carries "Authorization: Bearer <token>" when a token is set (§3.1) and
 *     "X-Requested-With: XMLHttpRequest", so a missing token is a JSON 401
 *     rather than a redirect to a login page (§3.3); redirects are never
 *     followed and any 3xx is reported as "not authenticated";
 *   - asks for gzip, which libcurl decodes (§5.5);
 *   - has a connect timeout, a stall timeout (under 1 byte/s for N seconds)
 *     and a cap on the decoded response size;
 *   - is retried with exponential backoff and jitter on 429 (honouring
 *     Retry-After; caveclient does not retry 429), 502, 503, 504, connection
 *     failures and resets, timeouts, bodies cut short, and 2xx bodies that
 *     are not valid JSON; never on other 4xx or 500 (§7.1);
 *   - collects every Warning header line: the row cap of a query is only
 *     signalled by `201 - "Limited query to N rows` (§5.5).
 * Errors name the URL, the HTTP status and the server's own message; 401 and
 * 403 say how to set a token.  The token never appears in any message.
 */
#ifndef CONNC_CAVE_HTTP_H
#define CONNC_CAVE_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *token;        /* borrowed; NULL: no Authorization header */
    int insecure;             /* no TLS verification (only allowed for loopback hosts) */
    long connect_timeout_s;   /* default 30 */
    long stall_timeout_s;     /* abort an attempt moving < 1 byte/s this long; default 300 */
    long timeout_s;           /* whole attempt; 0 (default): none, big queries take minutes */
    size_t max_response;      /* decoded bytes; default 1 GiB */
    int max_retries;          /* default 6 (7 attempts) */
    double backoff_base_s;    /* default 0.5 */
    double backoff_max_s;     /* default 60 */
} cave_http_opts;

void cave_http_opts_default(cave_http_opts *o);

typedef struct {
    long status;
    char *body;          /* NUL-terminated */
    size_t len;
    char *warnings;      /* each Warning header value followed by '\n'; NULL if none */
} cave_response;

void cave_response_free(cave_response *r);

typedef struct {
    uint64_t requests;   /* attempts sent */
    uint64_t retries;
    uint64_t bytes;      /* decoded response bytes received */
} cave_http_stats;

typedef struct cave_http cave_http;

/* curl_global_init / curl_global_cleanup: once per process, around all use. */
int cave_http_global_init(void);
void cave_http_global_cleanup(void);

int cave_http_new(const cave_http_opts *o, cave_http **out);
void cave_http_free(cave_http *h);
const cave_http_stats *cave_http_get_stats(const cave_http *h);

/* GET (body NULL) or POST of a JSON body.  CONNC_OK only with a 2xx answer
 * whose body is valid JSON; otherwise a negative status: CONNC_ERR_NETWORK
 * (transport, 3xx, 401/403 and other HTTP errors, retries exhausted),
 * CONNC_ERR_NOTFOUND (404, 410), CONNC_ERR_LIMIT (response too large). */
int cave_http_request(cave_http *h, const char *url, const char *body, cave_response *out);

/* ---- pure helpers (unit-tested) */

/* Seconds to wait before retry number `retry` (0-based): the exponential
 * step d = min(max, base * 2^retry), jittered into [d/2, d] by u in [0, 1). */
double cave_backoff_delay(int retry, double base, double max, double u);
/* 1 and *limit = N if one line of `warnings` is the truncation warning
 * `201 - "Limited query to N rows`, else 0. */
int cave_warning_limit(const char *warnings, uint64_t *limit);
/* Retry-After as seconds from now (delta-seconds or an HTTP date), or -1. */
double cave_retry_after(const char *value, long now);
/* The server's message from an error body: JSON "message"/"error", a JSON
 * string, or the first line of text; printable, at most cap-1 bytes. */
void cave_server_message(const char *body, size_t len, char *out, size_t cap);
/* https, or http/--insecure only for a loopback host (127.0.0.0/8, localhost,
 * [::1]); no user:password@.  `what` names the URL in the error. */
int cave_url_check(const char *url, int insecure, const char *what);

#endif
