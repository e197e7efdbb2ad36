/* replay.c: main() for a fuzz target without libFuzzer: runs the target on
 * every file named on the command line and prints "ok N inputs".  A crash
 * or sanitizer report in the target ends the process with an error. */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap) {
            uint8_t *g = realloc(buf, cap *= 2);
            if (!g) { free(buf); buf = NULL; }
            buf = g;
        }
    fclose(f);
    if (!buf) { fprintf(stderr, "%s: out of memory\n", path); return -1; }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (replay(argv[i]) != 0) return 1;
    printf("ok %d inputs\n", argc - 1);
    return 0;
}
