/* cmd_bench.c: `connc bench` - throughput of a network description here. */
#include "bench.h"
#include "cli.h"

#include <cblas.h>
#include <stdlib.h>

static void bench_help(void)
{
    printf("usage: connc bench NET.cnet [--threads T] [--reps R] [--train-batches N]\n"
           "                   [--infer-batches N] [--infer-batch B] [--sgemm N] [--profile] [--json]\n\n"
           "Measures, on random images (no kernel's cost depends on pixel values):\n"
           "training throughput through the real training step (augmentation, forward,\n"
           "backward, Adam, Hebbian) at the description's batch size; inference\n"
           "throughput; OpenBLAS sgemm GFLOP/s on an N x N x N product; the model's\n"
           "FLOPs per image, and from them the sgemm-bound training throughput.\n"
           "Each figure: median, min and max over R repetitions after a warm-up.\n\n"
           "  --threads T        threads (default 2), as for train; sgemm uses all T\n"
           "  --reps R           repetitions of each measure (default 5)\n"
           "  --train-batches N  training steps per repetition (default 100)\n"
           "  --infer-batches N  inference batches per repetition (default 10)\n"
           "  --infer-batch B    images per inference batch (default 256)\n"
           "  --sgemm N          size of the sgemm measure (default 1024)\n"
           "  --profile          also the time per training step of each op, forward and\n"
           "                     backward, and of the rest (augmentation, loss, Adam, Hebbian)\n"
           "  --json             one JSON object on stdout\n");
}

static void print_stat(const char *key, const char *unit, bench_stat s, int json, int last)
{
    if (json) printf("  \"%s\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}%s\n", key, s.median, s.min, s.max, last ? "" : ",");
    else printf("%-22s %10.1f %s  (min %.1f, max %.1f)\n", key, s.median, unit, s.min, s.max);
}

/* Where a training step's time goes, op by op (text output only). */
static void print_profile(const bench_result *r)
{
    double ops = 0;
    printf("\n%-20s %10s %10s %7s\n", "op", "fwd ms", "bwd ms", "share");
    for (int i = 0; i < r->nops; i++) {
        double f = r->op_step_seconds[i][0], b = r->op_step_seconds[i][1];
        ops += f + b;
        if (f + b > 0) printf("%-20s %10.3f %10.3f %6.1f%%\n", r->op_name[i], f * 1e3, b * 1e3, 100 * (f + b) / r->step_seconds);
    }
    printf("%-20s %21.3f %6.1f%%\n", "rest of the step", (r->step_seconds - ops) * 1e3, 100 * (r->step_seconds - ops) / r->step_seconds);
    printf("%-20s %21.3f\n", "step", r->step_seconds * 1e3);
}

/* Each masked projection's two kernels, measured, and the one picked. */
static void print_kernels(const bench_result *r, int json)
{
    if (json) printf("  \"kernels\": [");
    else printf("\n%-12s %9s %8s %12s %12s %8s %s\n", "projection", "shape", "density", "csr us", "dense us",
                "faster", "picked");
    for (int i = 0; i < r->nkern; i++) {
        const bench_kernel_stat *k = &r->kern[i];
        const char *faster = k->dense_us.median < k->csr_us.median ? "dense" : "csr";
        const char *picked = k->picked_dense ? "dense" : "csr";
        if (json)
            printf("%s\n    {\"projection\": \"%s\", \"rows\": %d, \"cols\": %d, \"density\": %.6g, \"picked\": \"%s\",\n"
                   "     \"csr_us\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g},\n"
                   "     \"dense_us\": {\"median\": %.6g, \"min\": %.6g, \"max\": %.6g}}",
                   i ? "," : "", k->name, k->rows, k->cols, k->density, picked, k->csr_us.median, k->csr_us.min,
                   k->csr_us.max, k->dense_us.median, k->dense_us.min, k->dense_us.max);
        else {
            char shape[32];
            snprintf(shape, sizeof shape, "%dx%d", k->rows, k->cols);
            printf("%-12s %9s %8.4f %12.1f %12.1f %8s %s\n", k->name, shape, k->density, k->csr_us.median,
                   k->dense_us.median, faster, picked);
        }
    }
    if (json) {
        printf("\n  ],\n  \"kernel_crossover\": {\"rows\": %d, \"cols\": %d, \"density\": %.4g}", r->cross_rows,
               r->cross_cols, r->cross_density);
    } else if (r->cross_density > 0) {
        printf("crossover on random %dx%d masks: dense GEMM faster ", r->cross_rows, r->cross_cols);
        if (r->cross_density < 1) printf("from density %.3f\n", r->cross_density);
        else printf("at no density tried (up to 0.48)\n");
    }
}

static void print_result(const bench_options *o, const bench_result *r, int json)
{
    double bound = r->sgemm_gflops.median * 1e9 / r->train_flops;
    if (json) {
        printf("{\n  \"threads\": %d, \"reps\": %d, \"batch\": %d, \"infer_batch\": %d, \"parameters\": %ld,\n"
               "  \"forward_flops_per_image\": %.0f, \"train_flops_per_image\": %.0f,\n"
               "  \"sgemm_bound_train_img_s\": %.6g, \"blas_core\": \"%s\",\n",
               o->threads, o->reps, r->batch, o->infer_batch, r->params, r->forward_flops, r->train_flops, bound,
               openblas_get_corename());
    } else {
        printf("%s: %ld parameters, %d thread%s, %d repetitions, OpenBLAS core %s\n", o->net_path, r->params,
               o->threads, o->threads == 1 ? "" : "s", o->reps, openblas_get_corename());
        printf("%-22s %10.3f MFLOP forward, %.3f MFLOP forward + backward\n", "per image", r->forward_flops / 1e6,
               r->train_flops / 1e6);
    }
    print_stat("train_img_per_s", "img/s", r->train_img_s, json, 0);
    print_stat("infer_img_per_s", "img/s", r->infer_img_s, json, 0);
    print_stat("sgemm_gflops", "GFLOP/s", r->sgemm_gflops, json, 0);
    if (!json)
        printf("%-22s %10.1f img/s  (training at sgemm speed; measured is %.2fx slower)\n", "sgemm_bound", bound,
               bound / r->train_img_s.median);
    print_kernels(r, json);
    if (json) printf("\n}\n");
}

int cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"threads", required_argument, 0, 't'}, {"reps", required_argument, 0, 'r'},
        {"train-batches", required_argument, 0, 'T'}, {"infer-batches", required_argument, 0, 'I'},
        {"infer-batch", required_argument, 0, 'B'}, {"sgemm", required_argument, 0, 'g'},
        {"json", no_argument, 0, 'j'}, {"profile", no_argument, 0, 'p'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bench_options o = {.threads = 2, .reps = 5, .train_batches = 100, .infer_batches = 10, .infer_batch = 256,
                       .sgemm_n = 1024, .seed = 1};
    int json = 0, c;
    long v;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't': if (cli_int("bench", "--threads", optarg, 1, 256, &v)) return EXIT_USAGE; o.threads = (int)v; break;
        case 'r': if (cli_int("bench", "--reps", optarg, 1, 1000, &v)) return EXIT_USAGE; o.reps = (int)v; break;
        case 'T': if (cli_int("bench", "--train-batches", optarg, 1, 1000000, &v)) return EXIT_USAGE; o.train_batches = (int)v; break;
        case 'I': if (cli_int("bench", "--infer-batches", optarg, 1, 1000000, &v)) return EXIT_USAGE; o.infer_batches = (int)v; break;
        case 'B': if (cli_int("bench", "--infer-batch", optarg, 1, 4096, &v)) return EXIT_USAGE; o.infer_batch = (int)v; break;
        case 'g': if (cli_int("bench", "--sgemm", optarg, 16, 8192, &v)) return EXIT_USAGE; o.sgemm_n = (int)v; break;
        case 'j': json = 1; break;
        case 'p': o.profile = 1; break;
        case 'h': bench_help(); return EXIT_OK;
        default: return cli_usage_error("bench", "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error("bench", "expected exactly one network description (.cnet)");
    o.net_path = argv[optind];
    bench_result r;
    int rc = bench_run(&o, &r);
    if (rc < 0) return cli_fail("bench", rc);
    print_result(&o, &r, json);
    if (o.profile && !json) print_profile(&r);
    return EXIT_OK;
}
