/* test_diversity.c: the synaptic-diversity mechanisms of BIO_LAYERS.md §2.
 *
 * Hand-worked cases (the statistical bounds were computed with Python's
 * math.erfc, independently of the C code):
 *   splitting, B = 2, units = 4, gamma = 2, spatial = 3, y = 1..24 laid out
 *     [b][unit][position]:  b = 0: units (1 2 3)(4 5 6) -> 5 7 9 twice,
 *     (7 8 9)(10 11 12) -> 17 19 21 twice; b = 1: (13 14 15)(16 17 18) ->
 *     29 31 33 twice, (19 20 21)(22 23 24) -> 41 43 45 twice.
 *   rejuvenation at |w| = s = M / d: P(replace) = erfc(1 / sqrt 2) = 0.317311,
 *     at |w| = 2s: erfc(sqrt 2) = 0.045500; for 50000 weights each, the
 *     expected counts are 15865.5 +- 416.3 and 2275.0 +- 186.4 (4 sigma).
 *   crystallisation, threshold 0.1, dampening 0.5:
 *     w    =  1    -2    0.5   0    4    -0.5      mean|w| = 8/6 = 1.333
 *     g    =  0.05  0.3 -2     0.5  0.2   0.04
 *     |g|/|w| .05   .15   4    inf  .05   .08
 *     damped? yes   no   yes   no   yes   yes  (4; 0.5 at w = 0 is neither
 *     below threshold nor above the mean, so it is kept) */
#include "harness.h"
#include "diversity.h"

#include <math.h>

#define NBIG 100000

static real big[NBIG + 1], orig[NBIG + 1];

static weight_view dense_view(real *w, int rows, int cols, int taps)
{
    weight_view v = {w, (long)rows * cols * taps, rows, cols, taps, NULL, NULL};
    return v;
}

/* U(0.5, 1.5): every factor in [0.5, 1.5] (bounds exact in float), mean 1
 * within 3 sigma = 3 sqrt(1/12 / 1e5) = 0.00274, variance 1/12 within
 * 4 sigma = 0.00094, and the range filled to its ends. */
TEST(diversity_fuzzy_init_uniform)
{
    rng_state r;
    rng_init(&r, 7);
    fuzzy_init(big, NBIG, 0.5, &r);
    double sum = 0, sq = 0, lo = 2, hi = 0;
    int outside = 0;
    for (long i = 0; i < NBIG; i++) {
        double f = big[i];
        outside += f < 0.5 || f > 1.5;
        sum += f;
        sq += (f - 1) * (f - 1);
        lo = f < lo ? f : lo;
        hi = f > hi ? f : hi;
    }
    EXPECT_EQ_INT(outside, 0);
    EXPECT_NEAR(sum / NBIG, 1.0, 0.00274);
    EXPECT_NEAR(sq / NBIG, 1.0 / 12, 0.00094);
    EXPECT(lo < 0.501 && hi > 1.499);
}

TEST(diversity_fuzzy_apply)
{
    real g[3] = {1, -2, 3}, f[3] = {0.5, 1.5, 1};
    fuzzy_apply(g, f, 3);
    EXPECT_NEAR(g[0], 0.5, 0);
    EXPECT_NEAR(g[1], -3, 0);
    EXPECT_NEAR(g[2], 3, 0);
}

/* d = 1e6, M = 1: s = 1e-6, and the smallest nonzero weight, 1e-4 = 100 s, is
 * replaced with probability erfc(70.7) = 0.  An exact zero lies below every
 * positive r, so all three zeros are re-drawn from U(-1, 1).  An all-zero
 * projection (M = 0) is left alone. */
TEST(diversity_rejuvenate_large_d_only_zeros)
{
    real w[8] = {1, -0.5, 0, 0.01, 0, -1e-4, 0.25, 0};
    real before[8] = {1, -0.5, 0, 0.01, 0, -1e-4, 0.25, 0};
    weight_view v = dense_view(w, 2, 4, 1);
    rng_state r;
    rng_init(&r, 3);
    EXPECT_EQ_INT(rejuvenate(&v, 1e6, NULL, &r), 3);
    for (int i = 0; i < 8; i++) {
        if (before[i] != 0) EXPECT(w[i] == before[i]);
        else EXPECT(w[i] != 0 && w[i] >= -1 && w[i] < 1);
    }
    real z[4] = {0, 0, 0, 0};
    weight_view vz = dense_view(z, 1, 4, 1);
    EXPECT_EQ_INT(rejuvenate(&vz, 14, NULL, &r), 0);
    EXPECT(z[0] == 0 && z[1] == 0 && z[2] == 0 && z[3] == 0);
}

/* The same weights with BCM scales: the zero at a scale of 0 (held still
 * by BCM) stays 0, the other two zeros (scales 1 and 0.5) are re-drawn. */
TEST(diversity_rejuvenate_spares_bcm_held_weights)
{
    real w[8] = {1, -0.5, 0, 0.01, 0, -1e-4, 0.25, 0};
    const real scale[8] = {1, 1, 1, 1, 0, 1, 1, 0.5};
    weight_view v = dense_view(w, 2, 4, 1);
    rng_state r;
    rng_init(&r, 3);
    EXPECT_EQ_INT(rejuvenate(&v, 1e6, scale, &r), 2);
    EXPECT(w[4] == 0);
    EXPECT(w[2] != 0 && w[7] != 0);
}

/* One weight at M = 1, 50000 at +-s and 50000 at +-2s, s = M / 16 = 0.0625
 * (exact): the replaced counts match erfc within the binomial 4-sigma bands of
 * the header, the largest weight stays (P = 1.3e-57), and every new value lies
 * in [-M, M). */
TEST(diversity_rejuvenate_probability)
{
    long half = NBIG / 2;
    big[0] = 1;
    for (long i = 1; i <= NBIG; i++) big[i] = (real)((i % 2 ? 1 : -1) * (i <= half ? 0.0625 : 0.125));
    for (long i = 0; i <= NBIG; i++) orig[i] = big[i];
    weight_view v = {big, NBIG + 1, 1, NBIG + 1, 1, NULL, NULL};
    rng_state r;
    rng_init(&r, 11);
    long n = rejuvenate(&v, 16, NULL, &r);
    long at_s = 0, at_2s = 0, outside = 0;
    for (long i = 1; i <= NBIG; i++) {
        if (big[i] == orig[i]) continue;
        if (i <= half) at_s++;
        else at_2s++;
        outside += big[i] < -1 || big[i] >= 1;
    }
    EXPECT(big[0] == 1);
    EXPECT_NEAR(at_s, 15865.5, 416.3);
    EXPECT_NEAR(at_2s, 2275.0, 186.4);
    EXPECT_NEAR(n, at_s + at_2s, 2); /* a draw may land on the old value */
    EXPECT_EQ_INT(outside, 0);
}

/* A 2x3 CSR mask keeping (0,0), (0,2), (1,1): only its three stored values are
 * weights; the two 7s after them stand for memory that is not the
 * projection's and must not change.  d = 1e6 re-draws the two zeros from
 * U(-0.5, 0.5) and keeps 0.5. */
TEST(diversity_rejuvenate_csr_stored_only)
{
    static const int64_t indptr[3] = {0, 2, 3};
    static const int32_t indices[3] = {0, 2, 1};
    real w[5] = {0, 0.5, 0, 7, 7};
    weight_view v = {w, 3, 2, 3, 1, indptr, indices};
    rng_state r;
    rng_init(&r, 5);
    EXPECT_EQ_INT(rejuvenate(&v, 1e6, NULL, &r), 2);
    EXPECT(w[1] == (real)0.5);
    EXPECT(w[0] != 0 && w[0] >= -0.5 && w[0] < 0.5);
    EXPECT(w[2] != 0 && w[2] >= -0.5 && w[2] < 0.5);
    EXPECT(w[3] == 7 && w[4] == 7);
}

TEST(diversity_split_units_by_hand)
{
    static const real want[24] = {5,  7,  9,  5,  7,  9,  17, 19, 21, 17, 19, 21,
                                  29, 31, 33, 29, 31, 33, 41, 43, 45, 41, 43, 45};
    real y[24];
    for (int i = 0; i < 24; i++) y[i] = (real)(i + 1);
    split_units(y, 2, 4, 3, 2);
    for (int i = 0; i < 24; i++) EXPECT_NEAR(y[i], want[i], 0);
    real d[3] = {1, 2, 4}; /* a dense layer, one block of 3: 7 7 7 */
    split_units(d, 1, 3, 1, 3);
    EXPECT_NEAR(d[0], 7, 0);
    EXPECT_NEAR(d[1], 7, 0);
    EXPECT_NEAR(d[2], 7, 0);
    real e[5] = {1, 2, 4, 8, 16}; /* 5 units, gamma 2: blocks {1,2} {4,8} and a short {16} */
    split_units(e, 1, 5, 1, 2);
    static const real want_e[5] = {3, 3, 12, 12, 16};
    for (int i = 0; i < 5; i++) EXPECT_NEAR(e[i], want_e[i], 0);
}

/* The split map S is symmetric, so applying it to dy is its adjoint:
 * <S y, d> = <y, S d> for random y, d (B = 3, units = 6, gamma = 3, 5 positions). */
TEST(diversity_split_units_adjoint)
{
    enum { N = 3 * 6 * 5 };
    real y[N], d[N], sy[N], sd[N];
    rng_state r;
    rng_init(&r, 9);
    for (int i = 0; i < N; i++) {
        y[i] = sy[i] = (real)rng_gauss(&r);
        d[i] = sd[i] = (real)rng_gauss(&r);
    }
    split_units(sy, 3, 6, 5, 3);
    split_units(sd, 3, 6, 5, 3);
    double a = 0, b = 0, changed = 0;
    for (int i = 0; i < N; i++) {
        a += (double)sy[i] * d[i];
        b += (double)y[i] * sd[i];
        changed += fabs((double)sy[i] - y[i]);
    }
    EXPECT(changed > 1);
    EXPECT_NEAR(a, b, 1e-4 * (fabs(a) + 1));
}

/* 100000 units at fraction 0.8: 80000 +- 506 (4 sigma) excitatory; fractions
 * 0 and 1 give all -1 and all +1. */
TEST(diversity_dale_init_fraction)
{
    static int8_t sign[NBIG];
    rng_state r;
    rng_init(&r, 13);
    dale_init(sign, NBIG, 0.8, &r);
    long plus = 0, bad = 0;
    for (long i = 0; i < NBIG; i++) {
        plus += sign[i] == 1;
        bad += sign[i] != 1 && sign[i] != -1;
    }
    EXPECT_EQ_INT(bad, 0);
    EXPECT_NEAR(plus, 80000, 506);
    dale_init(sign, 100, 0, &r);
    for (int i = 0; i < 100; i++) bad += sign[i] != -1;
    dale_init(sign, 100, 1, &r);
    for (int i = 0; i < 100; i++) bad += sign[i] != 1;
    EXPECT_EQ_INT(bad, 0);
}

/* Dense 2x3, signs per column (+, -, +):
 *   w       =  0.5  0.2 -0.3 / -0.4  0    0.6
 *   init    =  0.5 -0.2  0.3 /  0.4  0    0.6
 *   project =  0.5  0    0   /  0    0    0.6   (3 wrong-signed; the 0 is not counted)
 * A sign per output row (the reference package) would give other values. */
TEST(diversity_dale_dense)
{
    static const int8_t sign[3] = {1, -1, 1};
    real w[6] = {0.5, 0.2, -0.3, -0.4, 0, 0.6};
    weight_view v = dense_view(w, 2, 3, 1);
    dale_init_weights(&v, sign);
    EXPECT_NEAR(w[0], 0.5, 1e-7);
    EXPECT_NEAR(w[1], -0.2, 1e-7);
    EXPECT_NEAR(w[2], 0.3, 1e-7);
    EXPECT_NEAR(w[3], 0.4, 1e-7);
    EXPECT_NEAR(w[4], 0, 0);
    EXPECT_NEAR(w[5], 0.6, 1e-7);
    real p[6] = {0.5, 0.2, -0.3, -0.4, 0, 0.6};
    weight_view vp = dense_view(p, 2, 3, 1);
    EXPECT_EQ_INT(dale_project(&vp, sign), 3);
    EXPECT_NEAR(p[0], 0.5, 1e-7);
    EXPECT_NEAR(p[1], 0, 0);
    EXPECT_NEAR(p[2], 0, 0);
    EXPECT_NEAR(p[3], 0, 0);
    EXPECT_NEAR(p[4], 0, 0);
    EXPECT_NEAR(p[5], 0.6, 1e-7);
}

/* CSR 2x3, row 0 keeps units 2 and 0, row 1 units 1 and 2; signs (-, +, +):
 *   entry  unit  sign    w     init   project
 *     0     2     +    -0.5    0.5     0
 *     1     0     -     0.3   -0.3     0
 *     2     1     +     0.7    0.7     0.7
 *     3     2     +    -0.2    0.2     0        (3 set to zero) */
TEST(diversity_dale_csr)
{
    static const int64_t indptr[3] = {0, 2, 4};
    static const int32_t indices[4] = {2, 0, 1, 2};
    static const int8_t sign[3] = {-1, 1, 1};
    real w[4] = {-0.5, 0.3, 0.7, -0.2};
    weight_view v = {w, 4, 2, 3, 1, indptr, indices};
    dale_init_weights(&v, sign);
    EXPECT_NEAR(w[0], 0.5, 1e-7);
    EXPECT_NEAR(w[1], -0.3, 1e-7);
    EXPECT_NEAR(w[2], 0.7, 1e-7);
    EXPECT_NEAR(w[3], 0.2, 1e-7);
    real p[4] = {-0.5, 0.3, 0.7, -0.2};
    weight_view vp = {p, 4, 2, 3, 1, indptr, indices};
    EXPECT_EQ_INT(dale_project(&vp, sign), 3);
    EXPECT_NEAR(p[0], 0, 0);
    EXPECT_NEAR(p[1], 0, 0);
    EXPECT_NEAR(p[2], 0.7, 1e-7);
    EXPECT_NEAR(p[3], 0, 0);
}

/* A 3x3 convolution, 2 output x 2 input channels, signs (+, -) per input
 * channel; w[i] = +-0.01 (i + 1), + at even i.  Weights 0-8 and 18-26 belong
 * to input channel 0, 9-17 and 27-35 to channel 1.  Init: w[1] = 0.02,
 * w[9] = -0.10, w[10] = -0.11, w[18] = 0.19, w[26] = 0.27, w[27] = -0.28,
 * w[35] = -0.36.  Project: the odd i of channel 0 and the even i of channel 1
 * go to zero, 4 per block of 9, 16 in all. */
TEST(diversity_dale_conv)
{
    static const int8_t sign[2] = {1, -1};
    static const int zeroed[16] = {1, 3, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34};
    real w[36], p[36];
    for (int i = 0; i < 36; i++) w[i] = p[i] = (real)((i % 2 ? -0.01 : 0.01) * (i + 1));
    weight_view v = dense_view(w, 2, 2, 9), vp = dense_view(p, 2, 2, 9);
    dale_init_weights(&v, sign);
    EXPECT_NEAR(w[1], 0.02, 1e-7);
    EXPECT_NEAR(w[9], -0.10, 1e-7);
    EXPECT_NEAR(w[10], -0.11, 1e-7);
    EXPECT_NEAR(w[18], 0.19, 1e-7);
    EXPECT_NEAR(w[26], 0.27, 1e-7);
    EXPECT_NEAR(w[27], -0.28, 1e-7);
    EXPECT_NEAR(w[35], -0.36, 1e-7);
    EXPECT_EQ_INT(dale_project(&vp, sign), 16);
    int k = 0, wrong = 0;
    for (int i = 0; i < 36; i++) {
        int should_zero = k < 16 && zeroed[k] == i;
        k += should_zero;
        real want = should_zero ? 0 : (real)((i % 2 ? -0.01 : 0.01) * (i + 1));
        wrong += p[i] != want;
    }
    EXPECT_EQ_INT(wrong, 0);
}

TEST(diversity_crystallise_by_hand)
{
    real w[6] = {1, -2, 0.5, 0, 4, -0.5};
    real g[6] = {0.05, 0.3, -2, 0.5, 0.2, 0.04};
    real f[6] = {1, 1.1, 0.9, 1, 1.2, 0.8};
    weight_view v = dense_view(w, 2, 3, 1);
    EXPECT_EQ_INT(crystallise(&v, g, f, 0.1, 0.5), 4);
    EXPECT_NEAR(f[0], 0.5, 1e-7);
    EXPECT_NEAR(f[1], 1.1, 1e-7);
    EXPECT_NEAR(f[2], 0.45, 1e-7);
    EXPECT_NEAR(f[3], 1, 1e-7);
    EXPECT_NEAR(f[4], 0.6, 1e-7);
    EXPECT_NEAR(f[5], 0.4, 1e-7);
}
