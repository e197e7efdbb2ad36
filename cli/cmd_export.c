/* cmd_export.c: `connc export` - IR -> files for NumPy/SciPy, MatrixMarket
 * readers, spreadsheets and SONATA simulators (schemas/export.md). */
#include "cli.h"
#include "export.h"

static void help(void)
{
    printf("usage: connc export IN.cir --format npz|npy|mtx|csv|sonata -o DIR\n\n"
           "Writes the compiled connectome's matrices and tables into DIR (created if\n"
           "missing), one file each, every file atomically.  Rows are postsynaptic cells,\n"
           "columns presynaptic cells; cells are in IR order (layer, then root id).\n\n"
           "  npz     scipy.sparse.save_npz CSR archives (adjacency_count, adjacency_size,\n"
           "          mask_<L>_inter, mask_<L>_intra) + inhibition_<L>.npy, cells_*.npy\n"
           "  npy     the same matrices as dense .npy arrays, + the same vectors\n"
           "  mtx     MatrixMarket coordinate files + inhibition_<L>.mtx, cells.csv\n"
           "  csv     edge lists with root ids: adjacency.csv, mask_<L>_*.csv,\n"
           "          inhibition_<L>.csv, cells.csv\n"
           "  sonata  nodes.h5, edges.h5, node_types.csv, edge_types.csv (needs HDF5)\n"
           "Every format also writes metadata.json (the IR's metadata).  File contents:\n"
           "schemas/export.md.\n\n"
           "  -f, --format FMT    output format (required)\n"
           "  -o, --output DIR    output directory (required)\n"
           "  -h, --help          this help\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *format = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_usage_error("export", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("export", "expected exactly one input IR file");
    if (!format || !out) return cli_usage_error("export", "--format and -o are required");
    export_format fmt;
    if (export_format_parse(format, &fmt) < 0) return cli_usage_error("export", "%s", connc_errmsg());
    ir x;
    int rc = ir_read(argv[optind], &x);
    if (rc == CONNC_OK) rc = export_ir(&x, fmt, out);
    ir_free(&x);
    return rc < 0 ? cli_fail("export", rc) : EXIT_OK;
}
