/* cmd_emit.c: `connc emit` - IR -> network description. */
#include "cli.h"
#include "emit.h"
#include "error.h"
#include "progress.h"
#include "summary.h"

#include <string.h>

static void help(void)
{
    printf("usage: connc emit IN.cir [--model bionic] [--set KEY=VALUE]... [--off SWITCH]... [--on SWITCH]...\n"
           "                  -o NET.cnet\n\n"
           "Writes the compiled network description the runtime trains: the BioNIC operations\n"
           "(BIONIC.md §2) with the connectome's masks and inhibition vectors, the learning\n"
           "hyperparameters (§3), one switch per ablation (§4), the switches of the other\n"
           "bio mechanisms (BIO_LAYERS.md: fuzzy_lr, rejuvenation, weight_splitting,\n"
           "crystallise, dale, bcm, bio_neuron; off), and each masked projection's kernel\n"
           "(CSR or dense GEMM, by density: dense_min_density).\n\n"
           "  --model NAME        bionic (default) or cnn, the matched baseline of §4: same\n"
           "                      convolutions and layer widths, no biological components\n"
           "  --set KEY=VALUE     override a hyperparameter (repeatable)\n"
           "  --off SWITCH        turn a component off, e.g. --off masks (repeatable)\n"
           "  --on SWITCH         turn a component on, e.g. --on fuzzy_lr (repeatable)\n"
           "  --list              list hyperparameters and switches with their defaults\n"
           "  -o, --output FILE   network description to write (atomically)\n"
           "  -h, --help          this help\n");
}

int cmd_emit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"model", required_argument, 0, 'm'}, {"set", required_argument, 0, 's'},
        {"off", required_argument, 0, 'f'}, {"on", required_argument, 0, 'n'}, {"list", no_argument, 0, 'l'},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    emit_options o;
    memset(&o, 0, sizeof o);
    o.model = "bionic";
    const char *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': o.model = optarg; break;
        case 'o': out = optarg; break;
        case 's':
            if (o.nset == EMIT_MAX_OVERRIDES) return cli_usage_error("emit", "too many --set options");
            o.set[o.nset++] = optarg;
            break;
        case 'f':
        case 'n':
            if (o.nswitch == EMIT_MAX_OVERRIDES) return cli_usage_error("emit", "too many --on/--off options");
            o.sw[o.nswitch++] = (emit_switch){optarg, c == 'n'};
            break;
        case 'l': emit_print_catalogue(); return EXIT_OK;
        case 'h': help(); return EXIT_OK;
        default: return cli_usage_error("emit", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("emit", "expected exactly one input IR file");
    if (!out) return cli_usage_error("emit", "-o is required");
    ir x;
    int rc = ir_read(argv[optind], &x);
    if (rc == CONNC_OK) rc = emit_network(&x, &o, out);
    ir_free(&x);
    if (rc < 0) return cli_fail("emit", rc);
    log_info("wrote network description %s", out);
    return EXIT_OK;
}
