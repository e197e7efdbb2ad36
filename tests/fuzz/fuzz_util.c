/* fuzz_util.c: temporary files for the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *fuzz_file(const char *name, const void *data, size_t size)
{
    static char path[256];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/connc-fuzz-%ld-%s", dir && *dir ? dir : "/tmp", (long)getpid(), name);
    FILE *f = fopen(path, "wb");
    /* The targets exist to find bugs in the parsers, not in /tmp: a harness
     * that cannot write its input must stop loudly, not pass silently. */
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
