/* main.c: `connc <subcommand> [options]`; dispatch and global options. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "connc.h"
#include "progress.h"

#include <string.h>

/* In the order of the pipeline: get tables, compile, run. */
static const subcommand commands[] = {
    {"fetch", cmd_fetch, "download a column (cells + synapses) from the CAVE services"},
    {"synth", cmd_synth, "generate a synthetic column from type-level statistics (null models)"},
    {"compile", cmd_compile, "cell + synapse tables -> layers, adjacency, masks, inhibition (.cir)"},
    {"emit", cmd_emit, "IR (.cir) -> compiled network description (.cnet)"},
    {"inspect", cmd_inspect, "summarise a .cir, .cnet or checkpoint (--json for machines)"},
    {"export", cmd_export, "write masks and adjacency as npz, npy, mtx, csv or SONATA"},
    {"data", cmd_data, "check FER-2013 data and build its cache"},
    {"train", cmd_train, "train a network description on FER-2013 (reports, checkpoints)"},
    {"eval", cmd_eval, "evaluate a run's best weights on every split"},
    {"ablate", cmd_ablate, "train configurations x seeds, write the paper-style results table"},
    {"bench", cmd_bench, "training and inference throughput of a network on this machine"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

#define EXIT_CODES "exit codes: 0 ok, 1 other failure, 2 usage, 3 bad input data, 4 I/O error,\n" \
                   "            5 damaged or unsupported connc file, 6 network, 7 limit exceeded,\n" \
                   "            8 feature not built in\n"

/* `connc help TOPIC` for what is not a command. */
static const struct {
    const char *name, *text;
} topics[] = {
    {"exit-codes", EXIT_CODES "Errors are one line on stderr, naming the file, line and field at fault.\n"},
    {"environment",
     "FER2013          FER-2013 CSV that train, eval, data and ablate read when --data is not given\n"
     "CAVE_TOKEN       token for the CAVE services (fetch; see 'connc fetch --help' for the others)\n"
     "XDG_CACHE_HOME   where the caches live (default ~/.cache): connc/ for FER-2013, the fetch cache\n"
     "NO_COLOR         honoured trivially: connc never writes colour; progress bars are drawn only\n"
     "                 on a terminal, plain log lines otherwise\n"},
    {"output",
     "Results go to stdout, progress and information lines to stderr (-q: none, -v: more);\n"
     "inspect --json and eval --json print one JSON object.  Every output file is written\n"
     "to a temporary file, fsynced and renamed, so a failed or killed command never leaves\n"
     "a half-written file.\n"},
};
#define NTOPICS (sizeof topics / sizeof topics[0])

static void usage(FILE *out)
{
    fprintf(out,
            "usage: connc [-q|-v] <command> [options]\n"
            "       connc --version | --help | <command> --help | help [COMMAND|TOPIC]\n\n"
            "connc compiles a connectome (MICrONS CAVE tables) into a trainable network.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\nglobal options:\n"
            "  -q, --quiet    no progress or information lines\n"
            "  -v, --verbose  more information lines\n\n" EXIT_CODES "\nhelp topics:");
    for (size_t i = 0; i < NTOPICS; i++) fprintf(out, " %s", topics[i].name);
    fprintf(out, "\n");
}

/* `connc help`, `connc help COMMAND` (its --help) or `connc help TOPIC`. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return EXIT_OK;
    }
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (!strcmp(argv[1], commands[c].name)) {
            char *args[] = {argv[1], "--help", NULL};
            cli_reset_getopt();
            return commands[c].run(2, args);
        }
    for (size_t t = 0; t < NTOPICS; t++)
        if (!strcmp(argv[1], topics[t].name)) {
            fputs(topics[t].text, stdout);
            return EXIT_OK;
        }
    fprintf(stderr, "connc help: no command or topic '%s' (see 'connc --help')\n", argv[1]);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--version")) {
            printf("connc %s\n", CONNC_VERSION_STRING);
            return EXIT_OK;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return EXIT_OK;
        }
        if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) connc_verbosity = 0;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) connc_verbosity = 2;
        else {
            fprintf(stderr, "connc: unknown option '%s' (see 'connc --help')\n", a);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[i], "help")) return help(argc - i, argv + i);
    for (size_t c = 0; c < NCOMMANDS; c++)
        if (!strcmp(argv[i], commands[c].name)) {
            cli_reset_getopt();
            return commands[c].run(argc - i, argv + i);
        }
    fprintf(stderr, "connc: unknown command '%s' (see 'connc --help')\n", argv[i]);
    return EXIT_USAGE;
}
