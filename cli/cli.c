/* cli.c: error reporting and argument helpers shared by the subcommands. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "connc.h"
#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_fail(const char *cmd, int status)
{
    fprintf(stderr, "connc %s: %s\n", cmd, connc_errmsg()[0] ? connc_errmsg() : connc_strstatus(status));
    switch (status) {
    case CONNC_ERR_USAGE: return EXIT_USAGE;
    case CONNC_ERR_FORMAT: return EXIT_DATA;
    case CONNC_ERR_IO: return EXIT_IO;
    case CONNC_ERR_CORRUPT: case CONNC_ERR_VERSION: return EXIT_CORRUPT;
    case CONNC_ERR_NETWORK: return EXIT_NETWORK;
    case CONNC_ERR_LIMIT: return EXIT_LIMIT;
    case CONNC_ERR_UNSUPPORTED: return EXIT_UNSUPPORTED;
    case CONNC_ERR_NOTFOUND: return EXIT_DATA;
    default: return EXIT_FAILURE_OTHER;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "connc %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'connc %s --help')\n", cmd);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_int(const char *cmd, const char *opt, const char *arg, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi) {
        cli_usage_error(cmd, "%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_size(const char *cmd, const char *opt, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
    uint64_t v;
    if (parse_size((strview){arg, strlen(arg)}, &v) != 0 || v < lo || v > hi) {
        cli_usage_error(cmd, "%s: expected a size such as 512M or 2G (%llu bytes at least), got '%s'", opt,
                        (unsigned long long)lo, arg);
        return -1;
    }
    *out = v;
    return 0;
}

void cli_reset_getopt(void)
{
    optind = 0; /* glibc: 0 fully reinitialises the scanner */
    opterr = 0;
}
