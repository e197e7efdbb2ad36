/* cmd_inspect.c: `connc inspect` - what a .cir or .cnet file holds. */
#include "cli.h"
#include "connc.h"
#include "container.h"
#include "ir.h"
#include "ir_plot.h"
#include "progress.h"
#include "summary.h"

#include <cJSON.h>
#include <string.h>

static void help(void)
{
    printf("usage: connc inspect [--json] [--arrays] [--plot DIR] FILE\n\n"
           "Summarises an IR (.cir) or network description (.cnet): layers and sizes,\n"
           "per-projection nnz and density, inhibition, provenance.  The file is fully\n"
           "validated (every checksum) first.\n\n"
           "  --json     print one JSON object: the metadata plus 'kind', 'file' and 'arrays'\n"
           "  --arrays   also list the stored arrays (name, type, shape)\n"
           "  --plot DIR also draw an IR as SVG pictures in DIR (created if missing):\n"
           "             layers.svg (layers, mask sizes and densities), masks.svg (each\n"
           "             mask as a raster), degrees.svg (in/out-degree and synapse-size\n"
           "             histograms), inhibition.svg (each layer's inhibition vector)\n"
           "  -h, --help this help\n");
}

static cJSON *arrays_json(const connc_file *f)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < connc_file_array_count(f); i++) {
        connc_array a;
        connc_file_array_at(f, i, &a);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", a.name);
        cJSON_AddStringToObject(o, "dtype", dtype_name(a.dtype));
        cJSON *shape = cJSON_AddArrayToObject(o, "shape");
        for (uint32_t d = 0; d < a.ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)a.shape[d]));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static void print_arrays(const connc_file *f)
{
    printf("arrays:\n");
    for (size_t i = 0; i < connc_file_array_count(f); i++) {
        connc_array a;
        connc_file_array_at(f, i, &a);
        printf("  %-32s %-4s", a.name, dtype_name(a.dtype));
        for (uint32_t d = 0; d < a.ndim; d++) printf("%s%llu", d ? "x" : " ", (unsigned long long)a.shape[d]);
        printf("\n");
    }
}

/* The pictures of an IR (ir_plot.h). */
static int draw(const char *path, const char *dir)
{
    ir x;
    int rc = ir_read(path, &x);
    if (rc == CONNC_OK) {
        rc = ir_plot(&x, dir);
        ir_free(&x);
    }
    if (rc < 0) return cli_fail("inspect", rc);
    log_info("wrote layers.svg, masks.svg, degrees.svg and inhibition.svg in %s", dir);
    return EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'}, {"arrays", no_argument, 0, 'a'}, {"plot", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int json = 0, arrays = 0, c;
    const char *plot_dir = NULL;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'j') json = 1;
        else if (c == 'a') arrays = 1;
        else if (c == 'p') plot_dir = optarg;
        else if (c == 'h') { help(); return EXIT_OK; }
        else return cli_usage_error("inspect", "unknown option '%s'", argv[optind - 1]);
    }
    if (optind != argc - 1) return cli_usage_error("inspect", "expected exactly one file");
    connc_file *f;
    int rc = connc_file_open(argv[optind], &f);
    if (rc < 0) return cli_fail("inspect", rc);
    if (json) {
        cJSON *m = cJSON_Parse(connc_file_metadata(f));
        if (!m) m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "kind", connc_file_kind(f));
        cJSON_AddStringToObject(m, "file", argv[optind]);
        cJSON_AddItemToObject(m, "arrays", arrays_json(f));
        char *text = cJSON_Print(m);
        printf("%s\n", text);
        cJSON_free(text);
        cJSON_Delete(m);
    } else {
        printf("%s: ", argv[optind]);
        summary_print(stdout, connc_file_metadata(f), connc_file_kind(f));
        if (arrays) print_arrays(f);
    }
    int is_ir = strcmp(connc_file_kind(f), "ir") == 0;
    connc_file_close(f);
    if (plot_dir && !is_ir) return cli_usage_error("inspect", "--plot draws an IR (.cir); %s is not one", argv[optind]);
    return plot_dir ? draw(argv[optind], plot_dir) : EXIT_OK;
}
