/* bio_layer.c: one biological layer of BIONIC.md §2.4, forward and backward:
 *   h_inter = ReLU((W*M) x + b)            (the first layer takes x as h_inter)
 *   h_comb  = h_inter + (U*N) h_inter + c  (intra)
 *   s       = 1 - a * I / (max I + 1e-8)   (graded inhibition, a in [0,1])
 *   h       = ReLU(h_comb * s) + noise     (noise in training only)
 *   y       = LayerNorm(h)                                              */
#include "bio_layer.h"
#include "diversity.h"

#include <math.h>
#include <string.h>

/* y = W x + bias: a masked W through the kernel its description picked (CSR
 * or dense GEMM over the same CSR values, loaded by bio_load_dense), an
 * unmasked one densely.  work: the kernel's scratch (bio_layer.h). */
static void project(const real *x, const csr_mask *m, const masked_dense *d, int masked, const real *w,
                    const real *b, real *y, int B, int in, int out, real *work)
{
    if (masked && d->wd) masked_dense_forward(d, x, m, b, y, B);
    else if (masked) sparse_linear_forward(x, m, w, b, y, B, work);
    else linear_forward(x, w, b, y, B, in, out);
}

static void project_backward(const real *x, const csr_mask *m, const masked_dense *d, int masked, const real *w,
                             const real *dy, real *dx, real *dw, real *db, int B, int in, int out, real *work)
{
    if (masked && d->wd) masked_dense_backward(d, x, m, dy, dx, dw, db, B, work);
    else if (masked) sparse_linear_backward(x, m, w, dy, dx, dw, db, B, work);
    else linear_backward(x, w, dy, dx, dw, db, NULL, B, in, out);
}

void bio_forward(const bio_state *L, const real *p, const real *x, real *y, int B, const real *noise, real ln_eps,
                 real *scratch)
{
    long n = (long)B * L->size;
    real *work = scratch + 3 * n; /* bio_layer.h */
    if (L->in) {
        project(x, &L->inter_mask, &L->inter_dense, L->masked_inter, p + L->w_inter, p + L->b_inter, L->h_inter, B, L->in,
                L->size, work);
        split_units(L->h_inter, B, L->size, 1, L->split_inter);
        relu_forward(L->h_inter, L->h_inter, n);
    } else {
        memcpy(L->h_inter, x, (size_t)n * sizeof *x);
    }
    if (L->intra) {
        project(L->h_inter, &L->intra_mask, &L->intra_dense, L->masked_intra, p + L->w_intra, p + L->b_intra, L->h_comb, B,
                L->size, L->size, work);
        split_units(L->h_comb, B, L->size, 1, L->split_intra); /* the intra projection's own output */
        for (long i = 0; i < n; i++) L->h_comb[i] += L->h_inter[i];
    } else {
        memcpy(L->h_comb, L->h_inter, (size_t)n * sizeof *x);
    }
    real a = L->inhibition ? p[L->alpha] : 0;
    for (int r = 0; r < B; r++)
        for (int i = 0; i < L->size; i++) {
            real s = L->inhibition ? 1 - a * L->inhib_norm[i] : 1;
            real v = L->h_comb[(long)r * L->size + i] * s;
            L->h[(long)r * L->size + i] = v > 0 ? v : 0;
        }
    /* tmp = h + noise: the LayerNorm input; h keeps the ReLU output for its backward */
    for (long i = 0; i < n; i++) L->tmp[i] = L->h[i] + (noise ? noise[i] : 0);
    if (L->layer_norm) layer_norm_forward(L->tmp, p + L->ln_g, p + L->ln_b, y, L->mean, L->rstd, B, L->size, ln_eps);
    else memcpy(y, L->tmp, (size_t)n * sizeof *y);
}

void bio_backward(const bio_state *L, const real *p, real *g, const real *x, const real *dy, real *dx,
                  real *scratch, int B)
{
    long n = (long)B * L->size;
    real *dh = scratch, *dcomb = scratch + n, *dinter = scratch + 2 * n, *work = scratch + 3 * n;
    if (L->layer_norm) layer_norm_backward(L->tmp, p + L->ln_g, L->mean, L->rstd, dy, dh, g + L->ln_g, g + L->ln_b, B, L->size);
    else memcpy(dh, dy, (size_t)n * sizeof *dh);
    relu_backward(L->h, dh, dh, n); /* noise is additive: its gradient passes through */
    real a = L->inhibition ? p[L->alpha] : 0, da = 0;
    for (int r = 0; r < B; r++)
        for (int i = 0; i < L->size; i++) {
            long at = (long)r * L->size + i;
            real s = L->inhibition ? 1 - a * L->inhib_norm[i] : 1;
            if (L->inhibition) da -= dh[at] * L->h_comb[at] * L->inhib_norm[i];
            dcomb[at] = dh[at] * s;
        }
    if (L->inhibition) g[L->alpha] += da;
    memcpy(dinter, dcomb, (size_t)n * sizeof *dinter);
    if (L->intra) { /* h_comb = h_inter + intra(h_inter): both paths reach h_inter */
        split_units(dcomb, B, L->size, 1, L->split_intra); /* dinter has its copy: only the intra path is split */
        project_backward(L->h_inter, &L->intra_mask, &L->intra_dense, L->masked_intra, p + L->w_intra, dcomb, dh,
                         g + L->w_intra, g + L->b_intra, B, L->size, L->size, work);
        for (long i = 0; i < n; i++) dinter[i] += dh[i];
    }
    if (!L->in) {
        if (dx) memcpy(dx, dinter, (size_t)n * sizeof *dx);
        return;
    }
    relu_backward(L->h_inter, dinter, dinter, n);
    split_units(dinter, B, L->size, 1, L->split_inter);
    project_backward(x, &L->inter_mask, &L->inter_dense, L->masked_inter, p + L->w_inter, dinter, dx, g + L->w_inter,
                     g + L->b_inter, B, L->in, L->size, work);
}

void bio_load_dense(const bio_state *L, const real *p)
{
    if (L->in && L->masked_inter && L->inter_dense.wd) masked_dense_load(&L->inter_dense, &L->inter_mask, p + L->w_inter);
    if (L->intra && L->masked_intra && L->intra_dense.wd) masked_dense_load(&L->intra_dense, &L->intra_mask, p + L->w_intra);
}

void bio_clamp_alpha(const bio_state *L, real *p)
{
    if (!L->inhibition) return;
    real *a = p + L->alpha;
    *a = *a < 0 ? 0 : *a > 1 ? 1 : *a; /* BIONIC.md §2.4: a_k clamped to [0,1] after every step */
}

static void init_rows(const csr_mask *m, real *w, rng_state *rng)
{
    for (int r = 0; r < m->rows; r++) {
        int64_t k = m->indptr[r + 1] - m->indptr[r];
        double bound = k ? 1.0 / sqrt((double)k) : 0;
        for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) w[e] = (real)((2 * rng_double(rng) - 1) * bound);
    }
}

void bio_init_from_mask_rows(const bio_state *L, real *p, rng_state *rng)
{
    if (L->in && L->masked_inter) init_rows(&L->inter_mask, p + L->w_inter, rng);
    if (L->intra && L->masked_intra) init_rows(&L->intra_mask, p + L->w_intra, rng);
}
