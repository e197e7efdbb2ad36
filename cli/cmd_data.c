/* cmd_data.c: `connc data` - check a FER-2013 file, build its cache, count it. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "error.h"
#include "fer2013.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_DATA "examples/data/fer2013_sample.csv.gz"

static void help(void)
{
    printf("usage: connc data [--data FILE] [--cache-dir DIR | --no-cache]\n\n"
           "Reads FER-2013 in the Kaggle CSV layout (emotion,pixels,Usage; plain or gzip),\n"
           "checks every row, builds its binary cache if it is missing or out of date, and\n"
           "prints the images per split and class and the time the load took.\n\n"
           "  --data FILE      the CSV (default: $FER2013, else " DEFAULT_DATA ")\n"
           "  --cache-dir DIR  where caches live (default: $XDG_CACHE_HOME/connc, else\n"
           "                   ~/.cache/connc); a cache is used only while its source file\n"
           "                   keeps its size, modification time and inode\n"
           "  --no-cache       parse the CSV, read and write no cache\n"
           "  -h, --help       this help\n");
}

static void print_counts(const fer_data *d)
{
    size_t cell[FER_SPLITS + 1][FER_CLASSES + 1] = {{0}}; /* the last row and column: totals */
    for (size_t i = 0; i < d->n; i++) {
        int s = d->split[i], c = d->label[i];
        cell[s][c]++;
        cell[s][FER_CLASSES]++;
        cell[FER_SPLITS][c]++;
        cell[FER_SPLITS][FER_CLASSES]++;
    }
    printf("%-12s", "split");
    for (int c = 0; c < FER_CLASSES; c++) printf(" %8s", fer_class_name(c));
    printf(" %8s\n", "Total");
    for (int s = 0; s <= FER_SPLITS; s++) {
        printf("%-12s", s < FER_SPLITS ? fer_split_name(s) : "All");
        for (int c = 0; c <= FER_CLASSES; c++) printf(" %8zu", cell[s][c]);
        printf("\n");
    }
}

int cmd_data(int argc, char **argv)
{
    static const struct option longopts[] = {{"data", required_argument, 0, 'd'},
                                             {"cache-dir", required_argument, 0, 'c'},
                                             {"no-cache", no_argument, 0, 'n'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *data = getenv("FER2013"), *cache_dir = NULL;
    int no_cache = 0, c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'c': cache_dir = optarg; break;
        case 'n': no_cache = 1; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_usage_error("data", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc) return cli_usage_error("data", "unexpected argument '%s'", argv[optind]);
    if (no_cache && cache_dir) return cli_usage_error("data", "--cache-dir and --no-cache exclude each other");
    if (!data || !data[0]) data = DEFAULT_DATA;
    if (no_cache) cache_dir = FER_CACHE_OFF;

    char cache[FER_CACHE_PATH_MAX];
    int rc = fer_cache_path(data, cache_dir, cache, sizeof cache);
    if (rc == CONNC_ERR_NOTFOUND) snprintf(cache, sizeof cache, "none (%s)", connc_errmsg());
    else if (rc < 0) return cli_fail("data", rc);
    fer_data d;
    double t0 = now_seconds();
    rc = fer_load(data, cache_dir, &d);
    if (rc < 0) return cli_fail("data", rc);
    double t = now_seconds() - t0;
    printf("source   %s\nsha256   %s\ncache    %s\nloaded   %zu images in %.3f s\n\n", data, d.source_sha256, cache,
           d.n, t);
    print_counts(&d);
    fer_free(&d);
    return EXIT_OK;
}
