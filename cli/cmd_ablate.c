/* cmd_ablate.c: `connc ablate` - the paper's Table 4 as one command: every
 * configuration (the full model, one ablation switch each, the baseline)
 * trained for N seeds, summarised as mean +- std in results.md / results.csv.
 * Runs are kept in DIR/<config>/seed<S>/, so a long study that is stopped
 * picks up where it was: finished runs are read back, interrupted ones resumed. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "error.h"
#include "progress.h"
#include "report.h"
#include "results_table.h"
#include "trainer.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CONFIGS 32
#define MAX_SEEDS 16

static void help(void)
{
    printf("usage: connc ablate NET.cnet [--baseline CNN.cnet] [--configs LIST] [--seeds N]\n"
           "                    [--data F] [--epochs N] [--threads T] [--limit N] -o DIR\n\n"
           "Trains each configuration for seeds 1..N and writes DIR/results.md and\n"
           "DIR/results.csv: mean +- std of PrivateTest accuracy, macro-F1, test loss,\n"
           "training accuracy and parameters (BIONIC.md §4).  A configuration is 'full'\n"
           "(nothing ablated), 'baseline' (the --baseline description, e.g. from\n"
           "'connc emit --model cnn'), or switch names joined by '+' that are turned off\n"
           "(e.g. 'masks', 'noise+hebbian'; see 'connc emit --list').\n\n"
           "  --configs LIST  comma-separated (default: full)\n"
           "  --seeds N       seeds 1..N per configuration (default 3)\n"
           "  --data, --epochs, --threads, --limit, --cache-dir: as for 'connc train'\n"
           "  -o DIR          study directory; rerunning continues an unfinished study\n");
}

typedef struct {
    const char *net, *baseline, *out;
    char *configs[MAX_CONFIGS];
    int nconfigs, seeds;
    train_options base;
} ablate_args;

static int split_configs(ablate_args *a, char *list)
{
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (a->nconfigs == MAX_CONFIGS) return cli_usage_error("ablate", "at most %d configurations", MAX_CONFIGS);
        a->configs[a->nconfigs++] = tok;
    }
    return a->nconfigs ? EXIT_OK : cli_usage_error("ablate", "--configs is empty");
}

static int parse_args(int argc, char **argv, ablate_args *a)
{
    static const struct option longopts[] = {
        {"baseline", required_argument, 0, 'b'}, {"configs", required_argument, 0, 'c'},
        {"seeds", required_argument, 0, 'n'}, {"data", required_argument, 0, 'd'},
        {"cache-dir", required_argument, 0, 'C'}, {"epochs", required_argument, 0, 'e'},
        {"threads", required_argument, 0, 't'}, {"limit", required_argument, 0, 'l'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static char default_configs[] = "full";
    char *list = default_configs;
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': a->baseline = optarg; break;
        case 'c': list = optarg; break;
        case 'd': a->base.data_path = optarg; break;
        case 'C': a->base.cache_dir = optarg; break;
        case 'o': a->out = optarg; break;
        case 'n': if (cli_int("ablate", "--seeds", optarg, 1, MAX_SEEDS, &v)) return EXIT_USAGE; a->seeds = (int)v; break;
        case 'e': if (cli_int("ablate", "--epochs", optarg, 1, METRICS_MAX_EPOCHS, &v)) return EXIT_USAGE; a->base.epochs = (int)v; break;
        case 't': if (cli_int("ablate", "--threads", optarg, 1, 256, &v)) return EXIT_USAGE; a->base.threads = (int)v; break;
        case 'l': if (cli_int("ablate", "--limit", optarg, 1, 1L << 30, &v)) return EXIT_USAGE; a->base.limit_train = v; break;
        case 'h': help(); return -1;
        default: return cli_usage_error("ablate", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("ablate", "expected exactly one network description (.cnet)");
    if (!a->out) return cli_usage_error("ablate", "-o DIR is required");
    a->net = argv[optind];
    return split_configs(a, list);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Trains (or resumes, or reads back) one configuration for one seed. */
static int run_one(const ablate_args *a, const char *config, int seed, run_metrics *m)
{
    char dir[4096], file[4200], ablate[512];
    snprintf(dir, sizeof dir, "%s/%s/seed%d", a->out, config, seed);
    snprintf(file, sizeof file, "%s/metrics.json", dir);
    if (exists(file)) return report_read_json(file, m);
    int is_base = !strcmp(config, "baseline"), is_full = !strcmp(config, "full");
    if (is_base && !a->baseline) return err_set(CONNC_ERR_USAGE, "configuration 'baseline' needs --baseline CNN.cnet");
    snprintf(ablate, sizeof ablate, "%s", config);
    for (char *p = ablate; *p; p++)
        if (*p == '+') *p = ',';
    train_options o = a->base;
    o.net_path = is_base ? a->baseline : a->net;
    o.ablate = (is_base || is_full) ? NULL : ablate;
    o.seed = (uint64_t)seed;
    o.run_dir = dir;
    snprintf(file, sizeof file, "%s/checkpoint.ckpt", dir);
    o.resume = exists(file);
    log_info("%s, seed %d%s", config, seed, o.resume ? " (resuming)" : "");
    TRY(train_run(&o));
    snprintf(file, sizeof file, "%s/metrics.json", dir);
    return report_read_json(file, m);
}

int cmd_ablate(int argc, char **argv)
{
    ablate_args a;
    memset(&a, 0, sizeof a);
    a.seeds = 3;
    a.base.threads = 2;
    a.base.data_path = getenv("FER2013") && *getenv("FER2013") ? getenv("FER2013") : "examples/data/fer2013_sample.csv.gz";
    int prc = parse_args(argc, argv, &a);
    if (prc) return prc < 0 ? EXIT_OK : prc;
    run_metrics *runs = calloc((size_t)a.nconfigs * (size_t)a.seeds, sizeof *runs);
    results_group groups[MAX_CONFIGS];
    int rc = runs ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
    for (int c = 0; rc == CONNC_OK && c < a.nconfigs; c++) {
        groups[c] = (results_group){a.configs[c], runs + (size_t)c * (size_t)a.seeds, a.seeds};
        for (int s = 1; rc == CONNC_OK && s <= a.seeds; s++)
            rc = run_one(&a, a.configs[c], s, runs + (size_t)c * (size_t)a.seeds + (size_t)(s - 1));
    }
    if (rc == CONNC_OK) rc = results_write(a.out, groups, a.nconfigs);
    free(runs);
    if (rc < 0) return cli_fail("ablate", rc);
    log_info("wrote %s/results.md and %s/results.csv", a.out, a.out);
    return EXIT_OK;
}
