/* rng.c: xoshiro256** seeded by splitmix64, and portable log/exp (see rng.h). */
#include "rng.h"

#include <math.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (fdlibm's constants). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00
#define SQRT_HALF 0.70710678118654752440

uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ splitmix64_next(&stream);
    /* four distinct splitmix64 outputs: never the all-zero state */
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64_next(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

uint64_t rng_below(rng *r, uint64_t n)
{
    /* reject the lowest 2^64 mod n values so every residue is equally likely */
    uint64_t threshold = (0 - n) % n, x;
    do x = rng_next(r);
    while (x < threshold);
    return x % n;
}

double rng_normal(rng *r)
{
    double u, v, s;
    do {
        u = 2 * rng_uniform(r) - 1;
        v = 2 * rng_uniform(r) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * sqrt(-2 * rng_log(s) / s);
}

/* 1 - U lies in (0, 1] and is exact, so the logarithm is always finite. */
double rng_exponential(rng *r) { return -rng_log(1 - rng_uniform(r)); }

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
