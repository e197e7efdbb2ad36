/* xoshiro.c: xoshiro256** seeded by splitmix64 (see xoshiro.h). */
#include "xoshiro.h"

#include <math.h>
#include <pthread.h>

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

/* Standard normal deviates by the ziggurat method (Marsaglia & Tsang, "The
 * ziggurat method for generating random variables", J. Stat. Softw. 5(8),
 * 2000), 128 layers: a 32-bit signed draw lands inside its layer's
 * rectangle ~99 % of the time and is returned after one multiply; only the
 * rest pay for exp/log.  As Doornik (2005) advises, the layer index comes
 * from other bits than the value, so the two are independent.  Box-Muller
 * (a log, a square root and a cosine per value) was the training step's
 * single largest libm cost (layer noise, rejuvenation). */
#define ZIG_LAYERS 128
#define ZIG_R 3.442619855899            /* start of the tail */
#define ZIG_V 9.91256303526217e-3       /* area of every layer */

static struct {
    uint32_t k[ZIG_LAYERS];             /* |value| below k[i]: inside layer i's rectangle */
    double w[ZIG_LAYERS], f[ZIG_LAYERS];  /* value scale; density at the layer's edge */
} zig;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_setup(void)
{
    const double m = 2147483648.0; /* 2^31 */
    double d = ZIG_R, t = d, q = ZIG_V / exp(-0.5 * d * d);
    zig.k[0] = (uint32_t)(d / q * m);
    zig.k[1] = 0;
    zig.w[0] = q / m;
    zig.w[ZIG_LAYERS - 1] = d / m;
    zig.f[0] = 1.0;
    zig.f[ZIG_LAYERS - 1] = exp(-0.5 * d * d);
    for (int i = ZIG_LAYERS - 2; i >= 1; i--) {
        d = sqrt(-2.0 * log(ZIG_V / d + exp(-0.5 * d * d)));
        zig.k[i + 1] = (uint32_t)(d / t * m);
        t = d;
        zig.f[i] = exp(-0.5 * d * d);
        zig.w[i] = d / m;
    }
}

/* (0, 1]: finite under log. */
static double unit_open0(rng_state *r) { return 1.0 - rng_double(r); }

/* The draw fell outside its layer's rectangle: the base layer samples the
 * tail beyond ZIG_R (Marsaglia 1964), the others accept under the curve. */
static double zig_slow(rng_state *r, int32_t hz, int iz)
{
    for (;;) {
        double x = hz * zig.w[iz];
        if (iz == 0) {
            double y;
            do {
                x = -log(unit_open0(r)) / ZIG_R;
                y = -log(unit_open0(r));
            } while (y + y < x * x);
            return hz > 0 ? ZIG_R + x : -ZIG_R - x;
        }
        if (zig.f[iz] + rng_double(r) * (zig.f[iz - 1] - zig.f[iz]) < exp(-0.5 * x * x)) return x;
        uint64_t u = rng_u64(r);
        hz = (int32_t)(uint32_t)(u >> 32);
        iz = (int)(u & (ZIG_LAYERS - 1));
        if ((uint32_t)(hz < 0 ? -(int64_t)hz : hz) < zig.k[iz]) return hz * zig.w[iz];
    }
}

double rng_gauss(rng_state *r)
{
    pthread_once(&zig_once, zig_setup);
    uint64_t u = rng_u64(r);
    int32_t hz = (int32_t)(uint32_t)(u >> 32);
    int iz = (int)(u & (ZIG_LAYERS - 1));
    if ((uint32_t)(hz < 0 ? -(int64_t)hz : hz) < zig.k[iz]) return hz * zig.w[iz];
    return zig_slow(r, hz, iz);
}

void rng_gauss_fill(rng_state *r, float *x, size_t n, float mean, float sd)
{
    for (size_t i = 0; i < n; i++) x[i] = mean + sd * (float)rng_gauss(r);
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
