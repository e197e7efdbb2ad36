/* synth_fit.c: the estimators of the synthetic-column model (see synth.h). */
#include "synth.h"
#include "rng.h"

#include <math.h>

void synth_fit_lognormal(const double *x, size_t n, double *mu, double *sigma)
{
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++) sum += rng_log(x[i]);
    double m = sum / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = rng_log(x[i]) - m;
        ss += d * d;
    }
    *mu = m;
    *sigma = sqrt(ss / (double)n);
}

/* Method of moments for a Poisson-lognormal degree.  If cell i has
 * propensity w_i = exp(sigma Z_i) and its degree is Poisson with mean
 * proportional to w_i, then  Var(d)/E(d)^2 = 1/E(d) + exp(sigma^2) - 1,  so
 *     sigma^2 = ln(1 + max(0, (s^2 - m) / m^2))
 * with m the mean and s^2 the sample variance (divisor n - 1) of the
 * degrees: the dispersion in excess of Poisson noise.  0 when n < 2. */
double synth_fit_propensity_sigma(const uint64_t *degree, size_t n)
{
    if (n < 2) return 0;
    double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++) sum += (double)degree[i];
    double m = sum / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (double)degree[i] - m;
        ss += d * d;
    }
    double excess = (ss / (double)(n - 1) - m) / (m * m);
    return excess > 0 ? sqrt(rng_log(1 + excess)) : 0;
}

uint64_t synth_pairs(const synth_model *m, size_t a, size_t b)
{
    uint64_t na = m->types[a].count, nb = m->types[b].count;
    return a == b ? na * (na - 1) : na * nb;
}

/* A proxied type connects at its proxy's rate per ordered pair of cells:
 *     S(a,b) = round(S(pa,pb) x pairs(a,b) / pairs(pa,pb))
 * where pa, pb are the proxies of a and b (a type in MATRIX is its own) and
 * pairs counts ordered pairs of distinct cells.  Rounding is half up. */
void synth_fill_proxies(synth_model *m)
{
    size_t T = m->ntypes;
    for (size_t a = 0; a < T; a++)
        for (size_t b = 0; b < T; b++) {
            size_t pa = (size_t)m->types[a].proxy, pb = (size_t)m->types[b].proxy;
            if (pa == a && pb == b) continue;
            /* the proxy block is never the same block, so it is already given */
            uint64_t given = m->matrix[pa * T + pb], ref_pairs = synth_pairs(m, pa, pb);
            double rate = ref_pairs ? (double)given / (double)ref_pairs : 0;
            m->matrix[a * T + b] = (uint64_t)floor(rate * (double)synth_pairs(m, a, b) + 0.5);
        }
}
