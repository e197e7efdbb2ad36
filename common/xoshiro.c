/* xoshiro.c: xoshiro256** seeded by splitmix64 (see xoshiro.h). */
#include "xoshiro.h"

#include <math.h>

uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void rng_init(rng_state *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64_next(&seed);
}

void rng_init_stream(rng_state *r, uint64_t seed, uint64_t stream) { rng_init(r, seed ^ splitmix64_next(&stream)); }

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_u64(rng_state *r)
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

/* The top bits of xoshiro256** are its best ones. */
double rng_double(rng_state *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

float rng_float(rng_state *r) { return (float)(rng_u64(r) >> 40) * 0x1.0p-24f; }

double rng_between(rng_state *r, double lo, double hi) { return lo + (hi - lo) * rng_double(r); }

uint64_t rng_index(rng_state *r, uint64_t n)
{
    /* reject the lowest 2^64 mod n values so every residue is equally likely */
    uint64_t threshold = (0 - n) % n, x;
    do x = rng_u64(r);
    while (x < threshold);
    return x % n;
}

/* One Box-Muller pair; 1 - U lies in (0, 1], so the logarithm is finite. */
static void gauss_pair(rng_state *r, double *a, double *b)
{
    const double two_pi = 6.283185307179586476925;
    double radius = sqrt(-2.0 * log(1.0 - rng_double(r)));
    double theta = two_pi * rng_double(r);
    *a = radius * cos(theta);
    *b = radius * sin(theta);
}

double rng_gauss(rng_state *r)
{
    double a, b;
    gauss_pair(r, &a, &b);
    return a;
}

void rng_gauss_fill(rng_state *r, float *x, size_t n, float mean, float sd)
{
    for (size_t i = 0; i < n; i += 2) {
        double a, b;
        gauss_pair(r, &a, &b);
        x[i] = mean + sd * (float)a;
        if (i + 1 < n) x[i + 1] = mean + sd * (float)b;
    }
}

void rng_shuffle(rng_state *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rng_index(r, i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

void rng_jump(rng_state *r)
{
    /* the authors' jump polynomial for 2^128 steps */
    static const uint64_t jump[4] = {0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa,
                                     0x39abdc4529b1661c};
    uint64_t t[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (jump[i] >> b & 1)
                for (int k = 0; k < 4; k++) t[k] ^= r->s[k];
            rng_u64(r);
        }
    for (int k = 0; k < 4; k++) r->s[k] = t[k];
}
