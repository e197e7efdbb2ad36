/* cave_buf.c: growable byte buffer (see cave_buf.h). */
#include "cave_buf.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(cbuf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) { b->failed = 1; return -1; }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) { b->failed = 1; return -1; }
    b->p = p;
    b->cap = cap;
    return 0;
}

void cbuf_put(cbuf *b, const void *s, size_t n)
{
    if (reserve(b, n)) return;
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cbuf_puts(cbuf *b, const char *s) { cbuf_put(b, s, strlen(s)); }
void cbuf_putc(cbuf *b, char c) { cbuf_put(b, &c, 1); }

void cbuf_printf(cbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cbuf_u64(cbuf *b, uint64_t v)
{
    char d[24];
    int i = (int)sizeof d;
    do { d[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    cbuf_put(b, d + i, sizeof d - (size_t)i);
}

void cbuf_json_str(cbuf *b, const char *s)
{
    cbuf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { cbuf_putc(b, '\\'); cbuf_putc(b, (char)c); }
        else if (c == '\n') cbuf_puts(b, "\\n");
        else if (c == '\r') cbuf_puts(b, "\\r");
        else if (c == '\t') cbuf_puts(b, "\\t");
        else if (c < 0x20) cbuf_printf(b, "\\u%04x", c);
        else cbuf_putc(b, (char)c);
    }
    cbuf_putc(b, '"');
}

void cbuf_csv_field(cbuf *b, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++) quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) { cbuf_put(b, s, n); return; }
    cbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') cbuf_putc(b, '"');
        cbuf_putc(b, s[i]);
    }
    cbuf_putc(b, '"');
}

int cbuf_ok(const cbuf *b)
{
    return b->failed ? err_set(CONNC_ERR_NOMEM, "out of memory building a buffer of %zu bytes", b->len) : CONNC_OK;
}

void cbuf_free(cbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}
