/* harness.c: runs every TEST (or those named on the command line). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "registry.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int harness_failed;
const char *harness_tmpdir;
const char *harness_shared;
static int skipped;
static char skip_reason[256];

typedef struct {
    const char *name;
    void (*fn)(void);
} test_entry;

static const test_entry tests[] = {TEST_LIST};

void harness_fail(const char *file, int line, const char *msg)
{
    if (harness_failed++ < 5) fprintf(stderr, "    %s:%d: expected %s\n", file, line, msg);
}

void harness_skip(const char *why)
{
    skipped = 1;
    snprintf(skip_reason, sizeof skip_reason, "%s", why);
}

const char *tmp_path(const char *name)
{
    static char bufs[8][1024];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", harness_tmpdir, name);
    return b;
}

const char *tmp_file(const char *name, const char *text)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/connc-unit-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    harness_tmpdir = dir;
    harness_shared = getenv("CONNC_SHARED") ? getenv("CONNC_SHARED") : "../shared";
    int pass = 0, fail = 0, skip = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++) wanted |= strcmp(argv[a], tests[i].name) == 0;
        if (!wanted) continue;
        harness_failed = 0;
        skipped = 0;
        tests[i].fn();
        if (skipped && !harness_failed) { printf("SKIP unit/%s (%s)\n", tests[i].name, skip_reason); skip++; }
        else if (harness_failed) { printf("FAIL unit/%s\n", tests[i].name); fail++; }
        else { printf("PASS unit/%s\n", tests[i].name); pass++; }
        fflush(stdout);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    (void)pass;
    (void)skip;
    return fail ? 1 : 0;
}
