/* diversity.c: see diversity.h.  The mechanisms of BIO_LAYERS.md §2 (Hofmann
 * et al., Nat Commun 2025), written after the reference package
 * pytorch_bio_transformations v0.0.4 and the paper's experiment code.  Each
 * kernel walks the flat weight array of one projection once; none allocates.
 *
 * A CSR view stores only the entries its mask keeps, so fuzzy factors,
 * rejuvenation and crystallisation simply run over those n values: no
 * mechanism can make a masked-out weight nonzero, because it is not there.
 * Only Dale's principle needs to know which presynaptic unit owns a weight. */
#include "diversity.h"

#include <math.h>
#include <string.h>

/* ---- Fuzzy learning rates (§2, FL) ---------------------------------------- */

/* One factor per weight, fixed for the run: the paper's U(1 - tau/2, 1 + tau/2)
 * with tau = 0.09, so half_width = 0.045 by default.  The draw is made in
 * double and rounded to real. */
void fuzzy_init(real *factor, long n, double half_width, rng_state *rng)
{
    for (long i = 0; i < n; i++) factor[i] = (real)rng_between(rng, 1 - half_width, 1 + half_width);
}

/* After backward, before the optimiser: each weight learns at its own rate. */
void fuzzy_apply(real *grad, const real *factor, long n)
{
    for (long i = 0; i < n; i++) grad[i] *= factor[i];
}

/* ---- Weight rejuvenation (§2, WR) ----------------------------------------- */

static real max_abs(const real *w, long n)
{
    real m = 0;
    for (long i = 0; i < n; i++) {
        real a = w[i] < 0 ? -w[i] : w[i];
        if (a > m) m = a;
    }
    return m;
}

/* Gaussian deviates are made a chunk at a time so that both values of each
 * Box-Muller pair are used (rejuvenation runs over every weight every step);
 * the chunk lives on the stack. */
#define REJUV_CHUNK 64

/* Every weight draws r = |N(0, s^2)|, s = M / d, M = max|w| taken before any
 * replacement; where r > |w| the weight is re-drawn from U(-M, M).  Small
 * weights are thus renewed with probability erfc(|w| / (s sqrt 2)), like
 * spines that are pruned and re-formed, and the largest weight (|w| = M) only
 * with probability erfc(d / sqrt 2), nil at the paper's d = 14.  An exact zero
 * is below every positive r, so it is always re-drawn, however large d is.
 * The reference adds 1e-13 to s only so that torch.normal accepts M = 0; here
 * M = 0 returns at once, since every weight is then 0 and U(-0, 0) gives 0
 * again (the count differs from the reference's, the weights do not). */
long rejuvenate(const weight_view *v, double d, const real *scale, rng_state *rng)
{
    real m = max_abs(v->w, v->n);
    if (m == 0) return 0;
    double s = (double)m / d;
    float g[REJUV_CHUNK];
    long replaced = 0;
    for (long i0 = 0; i0 < v->n; i0 += REJUV_CHUNK) {
        long len = v->n - i0 < REJUV_CHUNK ? v->n - i0 : REJUV_CHUNK;
        rng_gauss_fill(rng, g, (size_t)len, 0, 1);
        for (long j = 0; j < len; j++) {
            real *w = &v->w[i0 + j];
            if (scale && scale[i0 + j] == 0) continue; /* held by BCM: its draw is used by nothing */
            if (fabs(s * g[j]) > fabs((double)*w)) {
                *w = (real)rng_between(rng, -(double)m, (double)m);
                replaced++;
            }
        }
    }
    return replaced;
}

/* ---- Weight splitting (§2, WS) -------------------------------------------- */

/* Gamma consecutive units form one neuron with Gamma synapses per input: the
 * reference's y.view(B, N/G, G).sum(2).repeat_interleave(G), bias included
 * because it acts on the layer's full output.  (The paper's eq. 5 groups units
 * N/G apart; its code, which produced the results, groups neighbours.)  Each
 * block's first unit accumulates the others row by row, then is copied back,
 * so the inner loops run over contiguous spatial positions.  The map is a
 * symmetric matrix, so autograd's backward is the same map applied to dy. */
void split_units(real *y, int B, int units, long spatial, int gamma)
{
    if (gamma <= 1) return;
    for (int b = 0; b < B; b++) {
        for (int u0 = 0; u0 < units; u0 += gamma) {
            int g = units - u0 < gamma ? units - u0 : gamma; /* the last block may be short */
            real *first = y + ((long)b * units + u0) * spatial;
            for (int j = 1; j < g; j++) {
                const real *row = first + (long)j * spatial;
                for (long p = 0; p < spatial; p++) first[p] += row[p];
            }
            for (int j = 1; j < g; j++) memcpy(first + (long)j * spatial, first, (size_t)spatial * sizeof *first);
        }
    }
}

/* ---- Dale's principle (§2, extras) ---------------------------------------- */

/* One sign per presynaptic unit, as Dale's principle says (a neuron releases
 * the same transmitter at all its synapses).  The reference package attaches
 * the sign to the output row instead; we follow the biology. */
void dale_init(int8_t *sign, int units, double excitatory_fraction, rng_state *rng)
{
    for (int u = 0; u < units; u++) sign[u] = rng_double(rng) < excitatory_fraction ? 1 : -1;
}

/* Weight i of a dense or convolution view is (row, unit, tap) with
 * i = (row * cols + unit) * taps + tap; of a CSR view, entry i / taps, whose
 * unit is indices[i / taps].  taps = 0 is read as 1. */
static int pre_unit(const weight_view *v, long i)
{
    long t = v->taps > 1 ? v->taps : 1;
    return v->indices ? v->indices[i / t] : (int)((i / t) % v->cols);
}

/* w = sign * |w|: the package's W = |W| * sign at initialisation. */
void dale_init_weights(const weight_view *v, const int8_t *sign)
{
    for (long i = 0; i < v->n; i++) {
        real a = v->w[i] < 0 ? -v->w[i] : v->w[i];
        v->w[i] = sign[pre_unit(v, i)] > 0 ? a : -a;
    }
}

/* w = sign * max(0, sign * w), the package's relu(W * sign) * sign: the
 * projection onto the allowed half-line, so a weight the optimiser pushed
 * across zero stops at zero (and may leave it again later).  Zeros are not
 * counted. */
long dale_project(const weight_view *v, const int8_t *sign)
{
    long flipped = 0;
    for (long i = 0; i < v->n; i++) {
        int s = sign[pre_unit(v, i)];
        if ((s > 0 && v->w[i] < 0) || (s < 0 && v->w[i] > 0)) {
            v->w[i] = 0;
            flipped++;
        }
    }
    return flipped;
}

/* ---- Crystallisation (§2, extras) ----------------------------------------- */

/* The reference's mask (|g| / |w| < threshold) OR (|g| > mean|W|), with
 * factor[mask] *= dampening (defaults 4.5e-5 and 0.6): a weight that has
 * settled, or one whose gradient is out of scale with the layer, learns more
 * slowly from now on; each call damps again.  The ratio test is written
 * |g| < threshold * |w|, so w == 0 (ratio infinite, or 0/0 = NaN in torch) is
 * never below threshold, as in the reference.  The mean is over the stored
 * weights: masked-out entries are not weights of this projection. */
long crystallise(const weight_view *v, const real *grad, real *factor, double threshold, double dampening)
{
    if (v->n == 0) return 0;
    double sum = 0;
    for (long i = 0; i < v->n; i++) sum += fabs((double)v->w[i]);
    double mean = sum / (double)v->n;
    long damped = 0;
    for (long i = 0; i < v->n; i++) {
        double g = fabs((double)grad[i]), a = fabs((double)v->w[i]);
        if (g < threshold * a || g > mean) {
            factor[i] = (real)(factor[i] * dampening);
            damped++;
        }
    }
    return damped;
}
