/* bench.c: see bench.h. */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"
#include "error.h"
#include "progress.h"
#include "trainer.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_IMAGES 2048 /* synthetic training images the steps cycle through */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bench_stat bench_summarise(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return (bench_stat){n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
}

/* ------------------------------------------------------------ FLOPs */

/* Multiply-adds of the weighted projections (network.h): each weight is used
 * `positions` times per image forward (elementwise work, pooling and
 * normalisation are not counted).  Backward costs a weight gradient and an
 * input gradient of forward size each; the first op's input (the image)
 * needs no gradient. */
static void count_flops(const network *net, bench_result *r)
{
    double fwd = 0, bwd = 0;
    for (int k = 0; k < net->nproj; k++) {
        const projection *p = &net->proj[k];
        double m = (double)p->n * p->positions;
        fwd += m;
        bwd += p->op == 0 ? m : 2 * m;
    }
    for (int i = 0; i < net->nops; i++) { /* a BioLogicalNeuron op: W x, dW and dX, as a dense projection */
        double m = net->ops[i].kind == OP_BIO_NEURON ? (double)net->ops[i].c * net->ops[i].in_n : 0;
        fwd += m, bwd += 2 * m;
    }
    r->forward_flops = 2 * fwd;
    r->train_flops = 2 * (fwd + bwd);
}

/* ------------------------------------------------------------ measures */

static int synthetic_data(fer_data *d, rng_state *rng)
{
    d->n = BENCH_IMAGES;
    d->pixels = malloc((size_t)BENCH_IMAGES * FER_PIXELS);
    d->label = malloc(BENCH_IMAGES);
    d->split = calloc(BENCH_IMAGES, 1);
    if (!d->pixels || !d->label || !d->split) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < (size_t)BENCH_IMAGES * FER_PIXELS; i++) d->pixels[i] = (uint8_t)rng_u64(rng);
    /* every class in the training split, and one image in each test split,
     * as the trainer requires */
    for (int i = 0; i < BENCH_IMAGES; i++) d->label[i] = (uint8_t)(i % FER_CLASSES);
    d->split[0] = FER_PUBLIC_TEST;
    d->split[1] = FER_PRIVATE_TEST;
    d->count[FER_TRAINING] = BENCH_IMAGES - 2;
    d->count[FER_PUBLIC_TEST] = d->count[FER_PRIVATE_TEST] = 1;
    return CONNC_OK;
}

static void profile_table(const network *net, double steps, double total, bench_result *r)
{
    r->nops = net->nops;
    r->step_seconds = total / steps;
    for (int i = 0; i < net->nops; i++) {
        snprintf(r->op_name[i], sizeof r->op_name[i], "%s", net->ops[i].name);
        r->op_step_seconds[i][0] = net->op_seconds[i][0] / steps;
        r->op_step_seconds[i][1] = net->op_seconds[i][1] / steps;
    }
}

static int bench_train(const bench_options *o, bench_result *r, double *rate)
{
    trainer *t = calloc(1, sizeof *t);
    if (!t) return err_set(CONNC_ERR_NOMEM, "out of memory");
    train_options to = {.net_path = o->net_path, .seed = o->seed, .threads = o->threads};
    rng_state rng;
    rng_init(&rng, o->seed);
    int rc;
    CHECK(synthetic_data(&t->data, &rng));
    CHECK(trainer_setup(t, &to, o->net_path));
    trainer_init_state(t);
    count_flops(&t->net, r);
    r->params = t->net.P;
    int bs = r->batch = t->net.hp.batch_size;
    size_t n = t->count[FER_TRAINING];
    long correct = 0, step = 0;
    double total = 0;
    for (int rep = -1; rep < o->reps; rep++) { /* rep -1 warms up */
        t->net.profile = o->profile && rep >= 0;
        double t0 = now_seconds();
        for (int k = 0; k < o->train_batches; k++, step++)
            trainer_step(t, t->order[FER_TRAINING] + (size_t)step * bs % (n - bs), bs, &correct);
        double dt = now_seconds() - t0;
        if (rep >= 0) rate[rep] = (double)o->train_batches * bs / dt, total += dt;
    }
    profile_table(&t->net, (double)o->reps * o->train_batches, total, r);
fail:
    trainer_free(t);
    return rc;
}

static int bench_infer(const bench_options *o, double *rate)
{
    network net;
    rng_state rng;
    rng_init(&rng, o->seed);
    TRY(network_load(o->net_path, o->infer_batch, NULL, &net));
    if (network_set_threads(&net, o->threads) < 0) {
        network_free(&net);
        return err_set(CONNC_ERR_NOMEM, "out of memory for %d threads", o->threads);
    }
    network_init_params(&net, &rng);
    for (long i = 0; i < (long)o->infer_batch * net.in_c * net.in_h * net.in_w; i++) net.input[i] = (real)rng_gauss(&rng);
    for (int rep = -1; rep < o->reps; rep++) {
        double t0 = now_seconds();
        for (int k = 0; k < o->infer_batches; k++) network_forward(&net, o->infer_batch, 0, NULL);
        if (rep >= 0) rate[rep] = (double)o->infer_batches * o->infer_batch / (now_seconds() - t0);
    }
    network_free(&net);
    return CONNC_OK;
}

static int bench_sgemm(const bench_options *o, double *gflops)
{
    size_t n = (size_t)o->sgemm_n;
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n * n; i++) a[i] = b[i] = (float)(i % 7) * 0.125f;
    for (int rep = -1; rep < o->reps; rep++) {
        double t0 = now_seconds();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1, a, (int)n, b, (int)n, 0, c,
                    (int)n);
        if (rep >= 0) gflops[rep] = 2.0 * (double)n * n * n / (now_seconds() - t0) / 1e9;
    }
    free(a), free(b), free(c);
    return CONNC_OK;
}

int bench_run(const bench_options *o, bench_result *r)
{
    if (o->reps < 1 || o->train_batches < 1 || o->infer_batches < 1 || o->infer_batch < 1 || o->sgemm_n < 1)
        return err_set(CONNC_ERR_USAGE, "bench: counts must be positive");
    double *v = malloc(2 * (size_t)o->reps * sizeof *v);
    if (!v) return err_set(CONNC_ERR_NOMEM, "out of memory");
    memset(r, 0, sizeof *r);
    int rc;
    CHECK(bench_train(o, r, v)); /* training and inference set their own threads (network_set_threads) */
    r->train_img_s = bench_summarise(v, o->reps);
    CHECK(bench_infer(o, v));
    r->infer_img_s = bench_summarise(v, o->reps);
    openblas_set_num_threads(o->threads); /* the machine's sgemm rate, every thread on one product */
    CHECK(bench_sgemm(o, v));
    r->sgemm_gflops = bench_summarise(v, o->reps);
    openblas_set_num_threads(1); /* as each thread of a split batch runs the kernels */
    CHECK(bench_kernels(o, r, v, v + o->reps));
    CHECK(bench_crossover(o, r, v, v + o->reps));
fail:
    free(v);
    return rc;
}
