/* bench_kernels.c: the two kernels of a masked projection (CSR,
 * sparse_linear.c; dense GEMM over the same values, masked_dense.c) timed
 * on the description's projections and on random masks of rising density,
 * which gives the density where dense GEMM starts to win: the measurement
 * behind `connc emit`'s dense_min_density. */
#include "bench.h"
#include "error.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>

/* Seconds of one forward + backward of projection p at batch B, by kernel. */
static double time_kernel(const projection *p, const masked_dense *d, const real *w, const real *x,
                          const real *dy, real *y, real *dx, real *dw, real *db, real *work, int B, int iters)
{
    csr_mask m = {p->rows, p->cols, p->n, p->indptr, p->indices};
    double t0 = now_seconds();
    for (int k = 0; k < iters; k++) {
        if (d) {
            masked_dense_load(d, &m, w);
            masked_dense_forward(d, x, &m, db, y, B);
            masked_dense_backward(d, x, &m, dy, dx, dw, db, B, work);
        } else {
            sparse_linear_forward(x, &m, w, db, y, B, work);
            sparse_linear_backward(x, &m, w, dy, dx, dw, db, B, work);
        }
    }
    return (now_seconds() - t0) / iters;
}

static int bench_kernel(const bench_options *o, const projection *p, int B, double *csr, double *dense)
{
    csr_mask m = {p->rows, p->cols, p->n, p->indptr, p->indices};
    masked_dense d = {0};
    size_t nx = (size_t)B * p->cols, ny = (size_t)B * p->rows, nrand = 2 * nx + 2 * ny + 2 * (size_t)p->n + (size_t)p->rows;
    size_t work_n = (size_t)CSR_WORK(p->rows, p->cols, B), dense_n = (size_t)p->rows * (size_t)p->cols;
    real *buf = malloc((nrand + (work_n > dense_n ? work_n : dense_n)) * sizeof *buf);
    if (!buf || masked_dense_init(&d, &m) != 0) {
        free(buf);
        masked_dense_free(&d);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    real *x = buf, *dx = x + nx, *y = dx + nx, *dy = y + ny, *w = dy + ny, *dw = w + p->n, *db = dw + p->n;
    real *work = buf + nrand;
    rng_state rng;
    rng_init(&rng, o->seed);
    for (size_t i = 0; i < nrand; i++) buf[i] = (real)rng_gauss(&rng);
    for (int rep = -1; rep < o->reps; rep++) { /* rep -1 warms up */
        double c = time_kernel(p, NULL, w, x, dy, y, dx, dw, db, work, B, 20);
        double g = time_kernel(p, &d, w, x, dy, y, dx, dw, db, work, B, 20);
        if (rep >= 0) csr[rep] = c * 1e6, dense[rep] = g * 1e6;
    }
    masked_dense_free(&d);
    free(buf);
    return CONNC_OK;
}

int bench_kernels(const bench_options *o, bench_result *r, double *v, double *v2)
{
    network net;
    TRY(network_load(o->net_path, 1, NULL, &net));
    int rc = CONNC_OK;
    r->nkern = 0;
    for (int i = 0; i < net.nproj && rc == CONNC_OK; i++) {
        const projection *p = &net.proj[i];
        if (!p->indptr) continue;
        rc = bench_kernel(o, p, r->batch, v, v2);
        if (rc < 0) break;
        bench_kernel_stat *k = &r->kern[r->nkern++];
        snprintf(k->name, sizeof k->name, "%s", p->name);
        k->rows = p->rows, k->cols = p->cols;
        k->density = (double)p->n / ((double)p->rows * p->cols);
        k->csr_us = bench_summarise(v, o->reps);
        k->dense_us = bench_summarise(v2, o->reps);
        k->picked_dense = p->dense;
    }
    network_free(&net);
    return rc;
}


/* A random rows x cols mask of the given density (each entry kept with that
 * probability), as a projection over arrays the caller frees. */
static int random_mask(int rows, int cols, double density, rng_state *rng, projection *p)
{
    memset(p, 0, sizeof *p);
    int64_t *indptr = malloc(((size_t)rows + 1) * sizeof *indptr);
    int32_t *indices = malloc(((size_t)rows * cols + 1) * sizeof *indices);
    if (!indptr || !indices) {
        free(indptr), free(indices);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    indptr[0] = 0;
    for (int r = 0; r < rows; r++) {
        indptr[r + 1] = indptr[r];
        for (int c = 0; c < cols; c++)
            if (rng_double(rng) < density) indices[indptr[r + 1]++] = c;
    }
    *p = (projection){.rows = rows, .cols = cols, .n = indptr[rows], .indptr = indptr, .indices = indices};
    return CONNC_OK;
}

/* Densities tried, rising; the crossover is interpolated between the last
 * where CSR wins and the first where dense GEMM does. */
static const double DENSITIES[] = {0.02, 0.05, 0.08, 0.12, 0.16, 0.24, 0.32, 0.48};
#define NDENSITIES (int)(sizeof DENSITIES / sizeof DENSITIES[0])

int bench_crossover(const bench_options *o, bench_result *r, double *v, double *v2)
{
    int rows = 0, cols = 0; /* the largest masked projection's shape */
    for (int i = 0; i < r->nkern; i++)
        if ((long)r->kern[i].rows * r->kern[i].cols > (long)rows * cols) rows = r->kern[i].rows, cols = r->kern[i].cols;
    r->cross_rows = rows, r->cross_cols = cols, r->cross_density = -1;
    if (!rows) return CONNC_OK;
    rng_state rng;
    rng_init(&rng, o->seed);
    double prev = 0, prev_gap = 0;
    for (int k = 0; k < NDENSITIES; k++) {
        projection p;
        TRY(random_mask(rows, cols, DENSITIES[k], &rng, &p));
        int rc = bench_kernel(o, &p, r->batch, v, v2);
        free((void *)p.indptr), free((void *)p.indices);
        TRY(rc);
        double gap = bench_summarise(v, o->reps).median - bench_summarise(v2, o->reps).median; /* > 0: dense faster */
        if (gap > 0) {
            r->cross_density = k ? prev + (DENSITIES[k] - prev) * -prev_gap / (gap - prev_gap) : DENSITIES[0];
            return CONNC_OK;
        }
        prev = DENSITIES[k], prev_gap = gap;
    }
    r->cross_density = 1; /* CSR won at every density tried */
    return CONNC_OK;
}
