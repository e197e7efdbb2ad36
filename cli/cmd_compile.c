/* cmd_compile.c: `connc compile` - tables -> IR (BIONIC.md §1). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "compile.h"
#include "error.h"
#include "infile.h"
#include "progress.h"
#include "stream.h"
#include "summary.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

/* A provenance record is a small JSON object copied into the IR's metadata. */
#define MAX_PROVENANCE_BYTES (64u << 20)
#define DEFAULT_MEM (2ull << 30)

static void help(void)
{
    printf("usage: connc compile --cells FILE --synapses FILE -o OUT.cir [options]\n\n"
           "Derives laminar layers, count and synapse-size adjacency, inter- and intra-layer\n"
           "masks and inhibition vectors from a cell-type table and a synapse table (CAVE\n"
           "layouts; CSV, CSV.gz or JSON records) and writes them to a versioned IR file.\n\n"
           "  --cells FILE         cell-type table (pt_root_id, cell_type, [pt_position...])\n"
           "  --synapses FILE      synapse table (pre_pt_root_id, post_pt_root_id, [size])\n"
           "  --mapping FILE       layer mapping JSON (default: built-in BioNIC A-D mapping)\n"
           "  -o, --output FILE    IR file to write (atomically)\n"
           "  --threshold N        mask entry where synapse count >= N (default 1)\n"
           "  --autapses           keep self-connections in intra-layer masks\n"
           "  --inhibition MODE    'synapses' (default): inhibitory synapse count per neuron;\n"
           "                       'partners': distinct inhibitory presynaptic cells\n"
           "  --skip-unknown       drop synapses whose cells are not in the cell table\n"
           "                       (default: such a synapse is an error)\n"
           "  --provenance FILE    JSON describing where the tables came from (recorded)\n"
           "  --mem SIZE           memory to stay within (default 2G; suffixes K, M, G, T): a\n"
           "                       synapse table too large for it is compiled out of core,\n"
           "                       through scratch files in $TMPDIR, else next to the output;\n"
           "                       the IR is the same byte for byte\n"
           "  -h, --help           this help\n");
}

typedef struct {
    const char *cells, *synapses, *mapping, *out, *provenance;
    uint64_t mem;
    compile_options opt;
} compile_args;

static int parse_args(int argc, char **argv, compile_args *a)
{
    static const struct option longopts[] = {
        {"cells", required_argument, 0, 'c'}, {"synapses", required_argument, 0, 's'},
        {"mapping", required_argument, 0, 'm'}, {"output", required_argument, 0, 'o'},
        {"threshold", required_argument, 0, 't'}, {"autapses", no_argument, 0, 'A'},
        {"inhibition", required_argument, 0, 'i'}, {"skip-unknown", no_argument, 0, 'U'},
        {"provenance", required_argument, 0, 'p'}, {"mem", required_argument, 0, 'M'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    compile_options_default(&a->opt);
    a->mem = DEFAULT_MEM;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': a->cells = optarg; break;
        case 's': a->synapses = optarg; break;
        case 'm': a->mapping = optarg; break;
        case 'o': a->out = optarg; break;
        case 'p': a->provenance = optarg; break;
        case 'A': a->opt.autapses = 1; break;
        case 'U': a->opt.skip_unknown = 1; break;
        case 't':
            if (cli_int("compile", "--threshold", optarg, 1, 1000000, &v)) return EXIT_USAGE;
            a->opt.threshold = (int)v;
            break;
        case 'i':
            if (!strcmp(optarg, "synapses")) a->opt.inhibition = INHIBITION_SYNAPSES;
            else if (!strcmp(optarg, "partners")) a->opt.inhibition = INHIBITION_PARTNERS;
            else return cli_usage_error("compile", "--inhibition: expected 'synapses' or 'partners', got '%s'", optarg);
            break;
        case 'M':
            if (cli_size("compile", "--mem", optarg, 1, UINT64_MAX, &a->mem)) return EXIT_USAGE;
            break;
        case 'h': help(); return -1;
        default: return cli_usage_error("compile", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("compile", "unexpected argument '%s'", argv[optind]);
    if (!a->cells || !a->synapses || !a->out)
        return cli_usage_error("compile", "--cells, --synapses and -o are required");
    return EXIT_OK;
}

/* Scratch files go to $TMPDIR when it is set, else next to the output:
 * on the file system that must have room for the IR anyway.  Owned. */
static char *scratch_dir(const char *out)
{
    const char *t = getenv("TMPDIR");
    if (t && *t) return strdup(t);
    char *copy = strdup(out), *dir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    return dir;
}

int cmd_compile(int argc, char **argv)
{
    compile_args a;
    int prc = parse_args(argc, argv, &a);
    if (prc) return prc < 0 ? EXIT_OK : prc;
    mapping map;
    cell_table cells;
    synapse_list syn;
    ir x;
    char *prov = NULL, *dir = NULL;
    stream_plan plan;
    memset(&map, 0, sizeof map);
    memset(&cells, 0, sizeof cells);
    memset(&syn, 0, sizeof syn);
    memset(&x, 0, sizeof x);
    double t0 = now_seconds();
    int rc;
    if (a.provenance) CHECK(infile_read(a.provenance, MAX_PROVENANCE_BYTES, &prov, NULL));
    a.opt.source_json = prov;
    CHECK(a.mapping ? mapping_load(a.mapping, &map) : mapping_default(&map));
    CHECK(cells_read(a.cells, &cells));
    if (!(dir = scratch_dir(a.out))) CHECK(err_set(CONNC_ERR_NOMEM, "out of memory"));
    CHECK(stream_plan_for(a.mem, cells.n, dir, &plan));
    CHECK(compile_stream(&cells, a.synapses, &map, &a.opt, &plan, &syn, &x));
    CHECK(ir_write(&x, a.out));
    log_info("compiled %zu cells and %zu synapses into %s in %.3f s", cells.n, syn.n, a.out, now_seconds() - t0);
    if (connc_verbosity >= 1) summary_print(stdout, x.meta, "ir");
fail:
    free(prov);
    free(dir);
    ir_free(&x);
    synapses_free(&syn);
    cells_free(&cells);
    mapping_free(&map);
    return rc < 0 ? cli_fail("compile", rc) : EXIT_OK;
}
