/* cave_buf.h: a growable byte buffer for request bodies and table text.
 *
 * The CAVE client builds JSON request bodies and CSV output by appending
 * text; root ids are appended as exact decimal digits (never through a
 * double, PROTOCOL.md §8).  An allocation failure is sticky: later appends
 * do nothing and cbuf_ok() reports it once, at the end.
 */
#ifndef CONNC_CAVE_BUF_H
#define CONNC_CAVE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *p;        /* NUL-terminated text (NULL until the first append) */
    size_t len, cap;
    int failed;     /* an allocation failed */
} cbuf;

void cbuf_put(cbuf *b, const void *s, size_t n);
void cbuf_puts(cbuf *b, const char *s);
void cbuf_putc(cbuf *b, char c);
void cbuf_printf(cbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void cbuf_u64(cbuf *b, uint64_t v);
/* A JSON string literal with the quotes and escapes. */
void cbuf_json_str(cbuf *b, const char *s);
/* A CSV field, quoted (RFC 4180) only when it holds , " CR or LF. */
void cbuf_csv_field(cbuf *b, const char *s, size_t n);
/* CONNC_OK, or CONNC_ERR_NOMEM (with a message) if any append failed. */
int cbuf_ok(const cbuf *b);
void cbuf_free(cbuf *b);

#endif
