/* rng.c: the portable deviates of `connc synth` (see rng.h). */
#include "rng.h"

#include <math.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (fdlibm's constants). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define SQRT_HALF 0.70710678118654752440

double rng_normal(rng_state *r)
{
    double u, v, s;
    do {
        u = 2 * rng_double(r) - 1;
        v = 2 * rng_double(r) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * sqrt(-2 * rng_log(s) / s);
}

/* 1 - U lies in (0, 1] and is exact, so the logarithm is always finite. */
double rng_exponential(rng_state *r) { return -rng_log(1 - rng_double(r)); }

double rng_log(double x)
{
    int e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1) */
    if (m < SQRT_HALF) {
        m *= 2;
        e--;
    }
    /* log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172: the odd series
     * s + s^3/3 + ... has converged to double precision after 12 terms */
    double f = m - 1, s = f / (2 + f), s2 = s * s, term = s, sum = 0;
    for (int k = 1; k <= 23; k += 2) {
        sum += term / k;
        term *= s2;
    }
    return e * LN2_HI + (e * LN2_LO + 2 * sum);
}

double rng_exp(double x)
{
    if (x > 709.78) return HUGE_VAL;
    if (x < -745.2) return 0;
    /* exp x = 2^k exp r with |r| <= ln2/2: the Taylor series of exp r has
     * converged to double precision after 18 terms */
    double k = floor(x * INV_LN2 + 0.5);
    double r = (x - k * LN2_HI) - k * LN2_LO, sum = 1, term = 1;
    for (int n = 1; n <= 18; n++) {
        term *= r / n;
        sum += term;
    }
    return ldexp(sum, (int)k);
}
