/* cmd_train.c: `connc train` and `connc eval` - the runtime's commands. */
#include "cli.h"
#include "dist.h"
#include "error.h"
#include "infile.h"
#include "progress.h"
#include "trainer.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_DATA "examples/data/fer2013_sample.csv.gz"

static void train_help(void)
{
    printf("usage: connc train NET.cnet [--data F] [--epochs N] [--seed S] [--threads T]\n"
           "                   [--ablate LIST] [--resume] -o RUNDIR\n\n"
           "Trains a compiled network description on FER-2013 (BIONIC.md §3): Training split\n"
           "to learn, PublicTest to validate (scheduler, early stopping, best epoch),\n"
           "PrivateTest to report.  RUNDIR gets metrics.json, learning_curves.svg,\n"
           "confusion.svg, checkpoint.ckpt (written after every epoch) and network.cnet.\n"
           "Under mpirun or srun the MPI build (bin/connc-mpi, 'make MPI=1') splits each\n"
           "batch across the ranks, each with T threads: the result of one process with\n"
           "ranks x T threads up to the order of float sums; rank 0 logs and writes RUNDIR.\n\n"
           "  --data F        FER-2013 CSV, plain or gzip (default: $FER2013, else the\n"
           "                  shipped sample " DEFAULT_DATA ")\n"
           "  --cache-dir D   where the parsed-data cache lives (default ~/.cache/connc)\n"
           "  --no-cache      parse the CSV every time\n"
           "  --epochs N      stop after N epochs (default: the description's max_epochs)\n"
           "  --seed S        random seed: initialisation, order, augmentation, noise (default 1)\n"
           "  --threads T     threads (default 2; up to 16 split each batch);\n"
           "                  same seed + threads = same result\n"
           "  --ablate LIST   switches to turn off, comma-separated (e.g. masks,noise;\n"
           "                  see 'connc emit --list')\n"
           "  --limit N       use only the first N training images (quick checks)\n"
           "  --resume        continue RUNDIR/checkpoint.ckpt to the same final result\n"
           "  -o, --output D  run directory\n");
}

static const char *default_data(void)
{
    const char *env = getenv("FER2013");
    return env && *env ? env : DEFAULT_DATA;
}

/* train and eval run as one rank of an MPI job when mpirun or srun started
 * them (dist.h; the plain build is always a job of one): only rank 0 logs,
 * and a failure on any rank ends every rank. */
static int join_job(void)
{
    int rc = dist_init();
    if (dist_rank() > 0) connc_verbosity = 0;
    return rc;
}

static int leave_job(const char *cmd, int rc)
{
    int code = rc < 0 ? cli_fail(cmd, rc) : EXIT_OK;
    if (rc < 0) dist_abort(code);
    dist_finalize();
    return code;
}

int cmd_train(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'd'}, {"cache-dir", required_argument, 0, 'C'},
        {"no-cache", no_argument, 0, 'N'}, {"epochs", required_argument, 0, 'e'},
        {"seed", required_argument, 0, 's'}, {"threads", required_argument, 0, 't'},
        {"ablate", required_argument, 0, 'a'}, {"limit", required_argument, 0, 'l'},
        {"resume", no_argument, 0, 'r'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    train_options o = {.data_path = default_data(), .seed = 1, .threads = 2};
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.data_path = optarg; break;
        case 'C': o.cache_dir = optarg; break;
        case 'N': o.cache_dir = FER_CACHE_OFF; break;
        case 'a': o.ablate = optarg; break;
        case 'r': o.resume = 1; break;
        case 'o': o.run_dir = optarg; break;
        case 'e': if (cli_int("train", "--epochs", optarg, 1, METRICS_MAX_EPOCHS, &v)) return EXIT_USAGE; o.epochs = (int)v; break;
        case 's': if (cli_int("train", "--seed", optarg, 0, 2147483647L, &v)) return EXIT_USAGE; o.seed = (uint64_t)v; break;
        case 't': if (cli_int("train", "--threads", optarg, 1, 256, &v)) return EXIT_USAGE; o.threads = (int)v; break;
        case 'l': if (cli_int("train", "--limit", optarg, 1, 1L << 30, &v)) return EXIT_USAGE; o.limit_train = v; break;
        case 'h': train_help(); return EXIT_OK;
        default: return cli_usage_error("train", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("train", "expected exactly one network description (.cnet)");
    if (!o.run_dir) return cli_usage_error("train", "-o RUNDIR is required");
    o.net_path = argv[optind];
    int rc = join_job();
    if (rc == CONNC_OK) rc = train_run(&o);
    return leave_job("train", rc);
}

static void eval_help(void)
{
    printf("usage: connc eval RUNDIR [--data F] [--threads T] [--json]\n\n"
           "Evaluates the best-validation weights of a run on every split and rewrites\n"
           "RUNDIR/metrics.json and the plots.\n\n"
           "  --data F        FER-2013 CSV (default: $FER2013, else the shipped sample)\n"
           "  --cache-dir D   parsed-data cache directory; --no-cache: none\n"
           "  --threads T     threads (default 2), as for train\n"
           "  --json          print the new metrics.json on stdout\n");
}

/* The run's metrics.json, as written, on stdout. */
static int print_metrics(const char *run_dir)
{
    char path[4096], *text;
    size_t len;
    if (snprintf(path, sizeof path, "%s/metrics.json", run_dir) >= (int)sizeof path)
        return err_set(CONNC_ERR_USAGE, "%s: run directory name too long", run_dir);
    TRY(infile_read(path, 64u << 20, &text, &len));
    fwrite(text, 1, len, stdout);
    free(text);
    return CONNC_OK;
}

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, 0, 'd'}, {"cache-dir", required_argument, 0, 'C'},
        {"no-cache", no_argument, 0, 'N'}, {"threads", required_argument, 0, 't'},
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *data = default_data(), *cache = NULL;
    long threads = 2;
    int c, json = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'C': cache = optarg; break;
        case 'N': cache = FER_CACHE_OFF; break;
        case 't': if (cli_int("eval", "--threads", optarg, 1, 256, &threads)) return EXIT_USAGE; break;
        case 'j': json = 1; break;
        case 'h': eval_help(); return EXIT_OK;
        default: return cli_usage_error("eval", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("eval", "expected exactly one run directory");
    int rc = join_job();
    if (rc == CONNC_OK) rc = eval_run(argv[optind], data, cache, (int)threads);
    if (rc == CONNC_OK && json && dist_rank() == 0) rc = print_metrics(argv[optind]);
    return leave_job("eval", rc);
}
