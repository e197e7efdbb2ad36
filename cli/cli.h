/* cli.h: shared pieces of the connc subcommands. */
#ifndef CONNC_CLI_H
#define CONNC_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes (documented in README.md and `connc --help`). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_OTHER = 1,
    EXIT_USAGE = 2,
    EXIT_DATA = 3,      /* input data violates its format */
    EXIT_IO = 4,
    EXIT_CORRUPT = 5,   /* damaged or unsupported connc file */
    EXIT_NETWORK = 6,
    EXIT_LIMIT = 7,
    EXIT_UNSUPPORTED = 8
};

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

/* Prints "connc <cmd>: <last error>" on stderr and returns the exit code of status. */
int cli_fail(const char *cmd, int status);
/* Prints a usage error with a hint to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);
/* Parses a whole decimal integer argument in [lo, hi]. */
int cli_int(const char *cmd, const char *opt, const char *arg, long lo, long hi, long *out);
/* Parses a size in bytes (parse_size: 512M, 2G) in [lo, hi]. */
int cli_size(const char *cmd, const char *opt, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out);
/* Resets getopt for a subcommand's own argv. */
void cli_reset_getopt(void);

int cmd_compile(int argc, char **argv);
int cmd_emit(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_ablate(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_fetch(int argc, char **argv);

#endif
