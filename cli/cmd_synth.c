/* cmd_synth.c: `connc synth` - a calibrated synthetic column (null model)
 * from type-level statistics (see compiler/synth.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "error.h"
#include "parse.h"
#include "progress.h"
#include "synth.h"
#include "synth_volume.h"

#include <stdlib.h>
#include <string.h>

static void help(const synth_options *d)
{
    printf("usage: connc synth --types FILE --matrix FILE --reference-graph FILE --sizes FILE\n"
           "                   --seed N -o DIR [options]\n"
           "       connc synth --volume --like DIR --seed N -o DIR [--ncells N] [--nsynapses S]\n\n"
           "Generates a synthetic connectome whose type-to-type synapse counts equal a given\n"
           "matrix exactly, with degree heterogeneity and synapses per connection taken from\n"
           "a real graph and log-normal synapse sizes fitted to real sizes.  The same inputs\n"
           "and seed give the same CSV bytes on every machine.  Writes, in the CAVE layouts:\n"
           "DIR/cells.csv, DIR/synapses.csv.gz, DIR/type_matrix.csv (the counts generated),\n"
           "DIR/provenance.json.\n\n"
           "  --types FILE            cell_type,count,classification_system,depth_min_um,depth_max_um\n"
           "  --matrix FILE           pre_cell_type,<post types...>: synapses from each type onto each\n"
           "  --reference-graph FILE  synapses of a real graph: pre,post (or pre_pt_root_id,post_pt_root_id)\n"
           "  --sizes FILE            real synapse sizes (column 'size', voxels)\n"
           "  --seed N                random seed (0 .. 2^64-1)\n"
           "  -o, --output DIR        output directory (created if missing)\n"
           "  --proxy TYPE=PROXY      give TYPE (in --types, not in --matrix) the synapse rate per\n"
           "                          pair of cells of PROXY; repeatable\n"
           "  --matrix-source TEXT    where the matrix comes from (recorded in provenance.json)\n"
           "  --column-origin-um X,Y,Z  where the column axis meets the pia, dataset frame\n"
           "                          (default %g,%g,%g); soma y = Y + depth\n"
           "  --column-width-um W     side of the square column in x and z (default %g)\n"
           "  --synapse-spread-um D   synapse centres lie within +-D of the postsynaptic soma\n"
           "                          on each axis (default %g)\n"
           "\nWhole volume (--volume), to test and time `connc compile --mem` at scale: cell-type\n"
           "shares, out-degree distributions, synapses per connection, where each type's synapses\n"
           "go and synapse sizes are fitted to a reference column and scaled to N cells and S\n"
           "synapses (docs/VOLUME.md).  Writes DIR/cells.csv, DIR/synapses.csv (plain CSV:\n"
           "pre_pt_root_id,post_pt_root_id,size) and DIR/provenance.json (the fitted model).\n\n"
           "  --volume                a whole volume instead of a column\n"
           "  --like DIR              the reference column: DIR/cells.csv and DIR/synapses.csv[.gz]\n"
           "  --ncells N              cells (default %u)\n"
           "  --nsynapses S           synapses (default %llu)\n"
           "  -h, --help              this help\n",
           d->geometry.origin_um[0], d->geometry.origin_um[1], d->geometry.origin_um[2], d->geometry.width_um,
           d->geometry.spread_um, VOLUME_DEFAULT_CELLS, VOLUME_DEFAULT_SYNAPSES);
}

/* A length in um in [lo, 1e6]. */
static int parse_um(const char *opt, const char *text, size_t n, double lo, double *out)
{
    char shown[64];
    strview s = {text, n};
    if (parse_f64(s, out) != 0 || *out < lo || *out > 1e6)
        return cli_usage_error("synth", "%s: expected a number in [%g, 1e6] (um), got '%s'", opt, lo,
                               sv_show(s, shown, sizeof shown));
    return EXIT_OK;
}

static int parse_origin(const char *arg, double out[3])
{
    const char *p = arg;
    for (int k = 0; k < 3; k++) {
        const char *end = k < 2 ? strchr(p, ',') : p + strlen(p);
        if (!end) return cli_usage_error("synth", "--column-origin-um: expected X,Y,Z, got '%s'", arg);
        if (parse_um("--column-origin-um", p, (size_t)(end - p), -1e6, &out[k])) return EXIT_USAGE;
        p = end + 1;
    }
    return EXIT_OK;
}

static int parse_proxy(char *arg, synth_proxy *out)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) return cli_usage_error("synth", "--proxy: expected TYPE=PROXY, got '%s'", arg);
    *eq = '\0';
    out->type = arg;
    out->proxy = eq + 1;
    return EXIT_OK;
}

static int parse_seed(const char *arg, uint64_t *out)
{
    if (parse_u64((strview){arg, strlen(arg)}, out) != 0)
        return cli_usage_error("synth", "--seed: expected an integer in [0, 2^64-1], got '%s'", arg);
    return EXIT_OK;
}

typedef struct {
    synth_options opt;
    synth_proxy *proxies;
    const char *out;
    int have_seed;
    int volume;
    volume_options vol;
} synth_args;

/* A count in [1, max]. */
static int parse_count(const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
    if (parse_u64((strview){arg, strlen(arg)}, out) != 0 || *out < 1 || *out > max)
        return cli_usage_error("synth", "%s: expected an integer in [1, %llu], got '%s'", opt, (unsigned long long)max, arg);
    return EXIT_OK;
}

/* given: the option as written, for messages. */
static int parse_option(int c, const char *given, synth_args *a)
{
    synth_options *o = &a->opt;
    switch (c) {
    case 't': o->types = optarg; return EXIT_OK;
    case 'm': o->matrix = optarg; return EXIT_OK;
    case 'r': o->reference = optarg; return EXIT_OK;
    case 'z': o->sizes = optarg; return EXIT_OK;
    case 'o': a->out = optarg; return EXIT_OK;
    case 'M': o->matrix_source = optarg; return EXIT_OK;
    case 's': a->have_seed = 1; return parse_seed(optarg, &o->seed);
    case 'p': return parse_proxy(optarg, &a->proxies[o->nproxies++]);
    case 'O': return parse_origin(optarg, o->geometry.origin_um);
    case 'W': return parse_um("--column-width-um", optarg, strlen(optarg), 1e-3, &o->geometry.width_um);
    case 'D': return parse_um("--synapse-spread-um", optarg, strlen(optarg), 0, &o->geometry.spread_um);
    case 'V': a->volume = 1; return EXIT_OK;
    case 'L': a->vol.like = optarg; return EXIT_OK;
    case 'N': return parse_count("--ncells", optarg, SYNTH_MAX_CELLS, &a->vol.ncells);
    case 'S': return parse_count("--nsynapses", optarg, SYNTH_MAX_SYNAPSES, &a->vol.nsynapses);
    default: return cli_usage_error("synth", "unknown or incomplete option '%s'", given);
    }
}

/* Returns EXIT_OK, an exit code, or -1 after --help. */
static int parse_args(int argc, char **argv, synth_args *a)
{
    static const struct option longopts[] = {
        {"types", required_argument, 0, 't'}, {"matrix", required_argument, 0, 'm'},
        {"reference-graph", required_argument, 0, 'r'}, {"sizes", required_argument, 0, 'z'},
        {"seed", required_argument, 0, 's'}, {"output", required_argument, 0, 'o'},
        {"proxy", required_argument, 0, 'p'}, {"matrix-source", required_argument, 0, 'M'},
        {"column-origin-um", required_argument, 0, 'O'}, {"column-width-um", required_argument, 0, 'W'},
        {"synapse-spread-um", required_argument, 0, 'D'}, {"volume", no_argument, 0, 'V'},
        {"like", required_argument, 0, 'L'}, {"ncells", required_argument, 0, 'N'},
        {"nsynapses", required_argument, 0, 'S'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (c == 'h') {
            help(&a->opt);
            return -1;
        }
        int rc = parse_option(c, argv[optind - 1], a);
        if (rc) return rc;
    }
    if (optind < argc) return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    const synth_options *o = &a->opt;
    int column = o->types || o->matrix || o->reference || o->sizes;
    if (a->volume && (column || !a->vol.like || !a->have_seed || !a->out))
        return cli_usage_error("synth", "--volume takes --like, --seed and -o (and not the column's inputs)");
    if (a->vol.like && !a->volume) return cli_usage_error("synth", "--like is for --volume");
    if (a->volume) return EXIT_OK;
    if (!o->types || !o->matrix || !o->reference || !o->sizes || !a->have_seed || !a->out)
        return cli_usage_error("synth", "--types, --matrix, --reference-graph, --sizes, --seed and -o are required");
    return EXIT_OK;
}

static int synth_volume(synth_args *a)
{
    volume_model m;
    double t0 = now_seconds();
    a->vol.seed = a->opt.seed;
    int rc = volume_fit(a->vol.like, &m);
    if (rc == CONNC_OK) rc = volume_write(&m, &a->vol, a->out);
    if (rc == CONNC_OK)
        log_info("synthesised a volume of %llu cells and %llu synapses into %s in %.1f s",
                 (unsigned long long)a->vol.ncells, (unsigned long long)a->vol.nsynapses, a->out, now_seconds() - t0);
    volume_model_free(&m);
    return rc;
}

int cmd_synth(int argc, char **argv)
{
    synth_args a;
    memset(&a, 0, sizeof a);
    synth_options_default(&a.opt);
    a.vol.ncells = VOLUME_DEFAULT_CELLS;
    a.vol.nsynapses = VOLUME_DEFAULT_SYNAPSES;
    if (!(a.proxies = calloc((size_t)argc, sizeof *a.proxies))) return cli_fail("synth", CONNC_ERR_NOMEM);
    a.opt.proxies = a.proxies;
    int prc = parse_args(argc, argv, &a);
    if (prc) {
        free(a.proxies);
        return prc < 0 ? EXIT_OK : prc;
    }
    if (a.volume) {
        int rc = synth_volume(&a);
        free(a.proxies);
        return rc < 0 ? cli_fail("synth", rc) : EXIT_OK;
    }
    synth_model m;
    synth_column col;
    memset(&m, 0, sizeof m);
    memset(&col, 0, sizeof col);
    double t0 = now_seconds();
    int rc;
    CHECK(synth_model_load(&a.opt, &m));
    CHECK(synth_generate(&m, &a.opt, &col));
    CHECK(synth_write(&m, &a.opt, &col, a.out));
    log_info("synthesised %zu cells and %zu synapses (%zu connections) into %s in %.2f s", col.ncells, col.nsyn,
             col.nconn, a.out, now_seconds() - t0);
fail:
    synth_column_free(&col);
    synth_model_free(&m);
    free(a.proxies);
    return rc < 0 ? cli_fail("synth", rc) : EXIT_OK;
}
