/* infile.c: open-a-regular-file and read-a-whole-file (see infile.h). */
#define _POSIX_C_SOURCE 200809L
#include "infile.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int infile_open(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return err_set(CONNC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return err_set(CONNC_ERR_IO, "%s: not a regular file", path);
    }
    return fd;
}

int infile_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(CONNC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = CONNC_OK;
    for (;;) {
        if (cap - n < 2) { /* room for at least one byte and the NUL */
            /* never more than one byte past max: reading that byte is what
             * tells an oversized file from one of exactly max bytes */
            size_t want = cap ? 2 * cap : 1 << 16;
            if (want > max + 2) want = max + 2;
            char *b = realloc(buf, want);
            if (!b) {
                rc = err_set(CONNC_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            buf = b;
            cap = want;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max) {
            rc = err_set(CONNC_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
            break;
        }
        if (got == 0) {
            if (ferror(f)) rc = err_set(CONNC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    if (len) *len = n;
    return CONNC_OK;
}
