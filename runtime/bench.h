/* bench.h: how fast a network description runs on this machine (`connc
 * bench`, used by `make bench`).
 *
 * Measured in one run, each figure over `reps` repetitions: training
 * throughput through the real training step (augmentation, forward, backward,
 * Adam, Hebbian) at the description's batch size; inference throughput at
 * batch `infer_batch`; OpenBLAS sgemm GFLOP/s on a square product.  With the
 * model's FLOPs per image, counted from its ops, the sgemm-bound limit is
 * sgemm FLOP/s divided by the training FLOPs per image.  The images are
 * random: no kernel's cost depends on pixel values.  Each masked projection
 * is also timed through both of its kernels (CSR, dense GEMM), the
 * measurement behind the compiler's choice (`dense_min_density`).
 */
#ifndef CONNC_BENCH_H
#define CONNC_BENCH_H

#include "network.h"

#include <stdint.h>

typedef struct {
    const char *net_path;
    int threads;
    int reps;            /* repetitions of each measure */
    int train_batches;   /* training steps per repetition */
    int infer_batches;   /* inference batches per repetition */
    int infer_batch;     /* images per inference batch */
    int sgemm_n;         /* sgemm measured on n x n x n */
    int profile;         /* also time each op of the training steps */
    uint64_t seed;
} bench_options;

typedef struct {
    double median, min, max;
} bench_stat;

/* A masked projection's forward + backward of one training batch through CSR
 * and through dense GEMM, and the kernel its description picked. */
typedef struct {
    char name[56];
    int rows, cols;
    double density;
    bench_stat csr_us, dense_us;
    int picked_dense;
} bench_kernel_stat;

typedef struct {
    bench_stat train_img_s, infer_img_s, sgemm_gflops;
    double forward_flops;   /* per image: multiply-adds x 2 of convolutions, products (masked: stored entries) */
    double train_flops;     /* per image: forward + backward (input and weight gradients) */
    long params;
    int batch;              /* training batch size (the description's) */
    /* profile: seconds per training step of each op, forward and backward,
     * and of the whole step (the rest is augmentation, loss, Adam, Hebbian) */
    int nops;
    char op_name[NET_MAX_OPS][48];
    double op_step_seconds[NET_MAX_OPS][2], step_seconds;
    int nkern;
    bench_kernel_stat kern[NET_MAX_PROJ];
    /* random masks the shape of the largest masked projection: the density
     * from which dense GEMM beats CSR (1: CSR won at every density tried,
     * -1: no masked projection) */
    int cross_rows, cross_cols;
    double cross_density;
} bench_result;

int bench_run(const bench_options *o, bench_result *r);

/* The parts of bench_run in bench_kernels.c: each masked projection through
 * both kernels, then the crossover; v, v2: reps doubles of scratch each. */
int bench_kernels(const bench_options *o, bench_result *r, double *v, double *v2);
int bench_crossover(const bench_options *o, bench_result *r, double *v, double *v2);
/* Median, min and max of v[0..n) (sorts v). */
bench_stat bench_summarise(double *v, int n);

#endif
