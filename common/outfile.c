/* outfile.c: temp file + fsync + rename (see outfile.h). */
#define _POSIX_C_SOURCE 200809L
#include "outfile.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    size_t n = strlen(path);
    o->path = strdup(path);
    o->tmp = malloc(n + 16);
    if (!o->path || !o->tmp) {
        outfile_abort(o);
        return err_set(CONNC_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        outfile_abort(o);
        return err_set(CONNC_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    fchmod(fd, 0644);
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        outfile_abort(o);
        return err_set(CONNC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    return CONNC_OK;
}

int outfile_write(outfile *o, const void *buf, size_t n)
{
    if (n && fwrite(buf, 1, n, o->f) != n)
        return err_set(CONNC_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
    return CONNC_OK;
}

int outfile_seek(outfile *o, uint64_t pos)
{
    if (fseeko(o->f, (off_t)pos, SEEK_SET) != 0)
        return err_set(CONNC_ERR_IO, "%s: seek failed: %s", o->path, strerror(errno));
    return CONNC_OK;
}

int scratch_open(const char *dir, FILE **out)
{
    char path[4096];
    *out = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/.connc-scratch-XXXXXX", dir) >= sizeof path)
        return err_set(CONNC_ERR_USAGE, "%s: path too long", dir);
    int fd = mkstemp(path);
    if (fd < 0) return err_set(CONNC_ERR_IO, "%s: cannot create a scratch file: %s", dir, strerror(errno));
    unlink(path);
    if (!(*out = fdopen(fd, "w+b"))) {
        close(fd);
        return err_set(CONNC_ERR_IO, "%s: cannot open a scratch file: %s", dir, strerror(errno));
    }
    return CONNC_OK;
}

/* fsync of the directory makes the rename itself durable. */
static void sync_parent_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return;
    int dfd = open(dirname(copy), O_RDONLY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(copy);
}

int outfile_commit(outfile *o)
{
    int rc = CONNC_OK;
    if (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0)
        rc = err_set(CONNC_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
    if (fclose(o->f) != 0 && rc == CONNC_OK)
        rc = err_set(CONNC_ERR_IO, "%s: close failed: %s", o->path, strerror(errno));
    o->f = NULL;
    if (rc == CONNC_OK && rename(o->tmp, o->path) != 0)
        rc = err_set(CONNC_ERR_IO, "%s: rename failed: %s", o->path, strerror(errno));
    if (rc == CONNC_OK) {
        sync_parent_dir(o->path);
        free(o->tmp);
        o->tmp = NULL;
    }
    outfile_abort(o);
    return rc;
}

void outfile_abort(outfile *o)
{
    if (o->f) fclose(o->f);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}

int make_dirs(const char *path)
{
    char *p = strdup(path);
    if (!p) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0') continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            int rc = err_set(CONNC_ERR_IO, "%s: cannot create directory: %s", p, strerror(e));
            free(p);
            return rc;
        }
        *s = c;
        if (c == '\0') break;
    }
    free(p);
    return CONNC_OK;
}
