/* files.c: whole files in the unit tests (see files.h). */
#include "files.h"
#include "harness.h"
#include "infile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *slurp(const char *path, size_t *n)
{
    char *b;
    return infile_read(path, (size_t)1 << 30, &b, n) < 0 ? NULL : b;
}

int same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

const char *spit(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    EXPECT(f != NULL);
    if (!f) return path;
    EXPECT(fwrite(bytes, 1, n, f) == n);
    EXPECT(fclose(f) == 0);
    return path;
}
