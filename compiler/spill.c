/* spill.c: arrays in memory or in a scratch file (see spill.h). */
#define _POSIX_C_SOURCE 200809L
#include "spill.h"
#include "error.h"
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int spill_open(spill *s, size_t width, const char *dir)
{
    memset(s, 0, sizeof *s);
    s->width = width;
    s->dir = dir;
    if (!dir) return CONNC_OK;
    TRY(scratch_open(dir, &s->file));
    /* a large buffer: rows append a few elements at a time */
    if (!(s->buf = malloc(SPILL_BUFFER)) || setvbuf(s->file, s->buf, _IOFBF, SPILL_BUFFER) != 0) {
        spill_close(s);
        return err_set(CONNC_ERR_NOMEM, "out of memory for a scratch file buffer");
    }
    return CONNC_OK;
}

static int io_error(const spill *s, const char *what)
{
    return err_set(CONNC_ERR_IO, "scratch file in %s: %s failed: %s", s->dir, what, strerror(errno));
}

static int grow(spill *s, uint64_t need)
{
    uint64_t cap = s->cap ? s->cap : 1024;
    while (cap < need) cap *= 2;
    void *d = realloc(s->data, cap * s->width);
    if (!d) return err_set(CONNC_ERR_NOMEM, "out of memory for %llu array elements", (unsigned long long)cap);
    s->data = d;
    s->cap = cap;
    return CONNC_OK;
}

int spill_append(spill *s, const void *p, uint64_t n)
{
    if (n == 0) return CONNC_OK;
    if (s->file) {
        if (s->reading && fseeko(s->file, 0, SEEK_END) != 0) return io_error(s, "seek");
        s->reading = 0;
        if (fwrite(p, s->width, n, s->file) != n) return io_error(s, "write");
    } else {
        if (s->n + n > s->cap) TRY(grow(s, s->n + n));
        memcpy((char *)s->data + s->n * s->width, p, n * s->width);
    }
    s->n += n;
    return CONNC_OK;
}

int spill_flush(spill *s)
{
    if (s->file && fflush(s->file) != 0) return io_error(s, "write");
    return CONNC_OK;
}

int spill_seek(spill *s, uint64_t first)
{
    s->pos = first;
    if (!s->file) return CONNC_OK;
    TRY(spill_flush(s));
    s->reading = 1;
    return fseeko(s->file, (off_t)(first * s->width), SEEK_SET) == 0 ? CONNC_OK : io_error(s, "seek");
}

int spill_read(spill *s, void *out, uint64_t n)
{
    if (s->pos + n > s->n)
        return err_set(CONNC_ERR_IO, "scratch file in %s: reading past its end", s->dir ? s->dir : "memory");
    if (n == 0) return CONNC_OK;
    if (!s->file) memcpy(out, (const char *)s->data + s->pos * s->width, n * s->width);
    else if (fread(out, s->width, n, s->file) != n) return io_error(s, "read");
    s->pos += n;
    return CONNC_OK;
}

int spill_hash(spill *s, uint64_t first, uint64_t n, sha256_ctx *h)
{
    TRY(spill_seek(s, first));
    char buf[1 << 16];
    for (uint64_t left = n; left > 0;) {
        uint64_t take = left < sizeof buf / s->width ? left : sizeof buf / s->width;
        TRY(spill_read(s, buf, take));
        sha256_update(h, buf, take * s->width);
        left -= take;
    }
    return CONNC_OK;
}

void spill_close(spill *s)
{
    if (s->file) fclose(s->file);
    free(s->buf);
    free(s->data);
    memset(s, 0, sizeof *s);
}
