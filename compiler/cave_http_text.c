/* cave_http_text.c: the text rules of the CAVE HTTP layer, free of I/O so
 * they can be unit-tested: backoff schedule, the row-cap warning,
 * Retry-After, server error messages and the URL policy (see cave_http.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_http.h"
#include "error.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

double cave_backoff_delay(int retry, double base, double max, double u)
{
    double d = base;
    for (int i = 0; i < retry && d < max; i++) d *= 2;
    if (d > max) d = max;
    if (u < 0) u = 0;
    if (u >= 1) u = 0.999999;
    return d / 2 + u * d / 2;
}

int cave_warning_limit(const char *warnings, uint64_t *limit)
{
    static const char key[] = "Limited query to ";
    for (const char *line = warnings; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *k = NULL;
        for (size_t i = 0; i + sizeof key - 1 <= n && !k; i++)
            if (memcmp(line + i, key, sizeof key - 1) == 0) k = line + i + sizeof key - 1;
        if (k && strncmp(line, "201", 3) == 0) {
            uint64_t v = 0;
            int digits = 0;
            for (; k < line + n && *k >= '0' && *k <= '9' && digits < 19; k++, digits++) v = v * 10 + (uint64_t)(*k - '0');
            if (digits > 0 && k + 5 <= line + n && memcmp(k, " rows", 5) == 0) {
                *limit = v;
                return 1;
            }
        }
        line = nl ? nl + 1 : line + n;
    }
    return 0;
}

double cave_retry_after(const char *value, long now)
{
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    if (*value >= '0' && *value <= '9') {
        char *end;
        double s = strtod(value, &end);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
        return *end ? -1 : s;
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1) return -1;
    double d = difftime(t, (time_t)now);
    return d > 0 ? d : 0;
}

static void printable(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r') {
            if (k && out[k - 1] != ' ') out[k++] = ' ';
            continue;
        }
        out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    while (k && out[k - 1] == ' ') k--;
    out[k] = '\0';
}

void cave_server_message(const char *body, size_t len, char *out, size_t cap)
{
    if (cap == 0) return;
    out[0] = '\0';
    if (!body || !len) return;
    cJSON *j = cJSON_ParseWithLength(body, len);
    const char *msg = NULL;
    char *owned = NULL;
    if (cJSON_IsString(j)) msg = j->valuestring;
    else if (cJSON_IsObject(j)) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        if (!m) m = cJSON_GetObjectItemCaseSensitive(j, "error");
        if (cJSON_IsString(m)) msg = m->valuestring;
        else if (m) msg = owned = cJSON_PrintUnformatted(m); /* marshmallow's {"field": ["Unknown field."]} */
    }
    if (msg) printable(msg, strlen(msg), out, cap);
    else {
        const char *nl = memchr(body, '\n', len);
        printable(body, nl ? (size_t)(nl - body) : len, out, cap);
    }
    free(owned);
    cJSON_Delete(j);
}

static int loopback_host(const char *h, size_t n)
{
    if (n == 9 && !strncasecmp(h, "localhost", 9)) return 1;
    if (n == 5 && !memcmp(h, "[::1]", 5)) return 1;
    if (n < 4 || memcmp(h, "127.", 4) != 0) return 0;
    for (size_t i = 4; i < n; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.')) return 0;
    return 1;
}

int cave_url_check(const char *url, int insecure, const char *what)
{
    int https = !strncmp(url, "https://", 8), http = !strncmp(url, "http://", 7);
    if (!https && !http) return err_set(CONNC_ERR_USAGE, "%s: '%s' is not an http:// or https:// URL", what, url);
    const char *h = url + (https ? 8 : 7);
    size_t n = strcspn(h, "/?#");
    if (n == 0) return err_set(CONNC_ERR_USAGE, "%s: '%s' has no host", what, url);
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) return err_set(CONNC_ERR_USAGE, "%s: the URL has a space or control character", what);
    if (memchr(h, '@', n)) return err_set(CONNC_ERR_USAGE, "%s: credentials in the URL are not accepted (use --token-file)", what);
    size_t hn = h[0] == '[' ? strcspn(h, "]") + 1 : strcspn(h, ":/?#");
    if (hn > n) hn = n;
    int local = loopback_host(h, hn);
    if (insecure && !local)
        return err_set(CONNC_ERR_USAGE, "%s: --insecure is only for a local emulator (127.0.0.1, localhost, [::1]), not %.*s",
                       what, (int)hn, h);
    if (http && !insecure)
        return err_set(CONNC_ERR_USAGE, "%s: plain http:// is refused (the token would travel in clear); "
                       "use https://, or --insecure for a local emulator", what);
    return CONNC_OK;
}
