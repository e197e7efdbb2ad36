/* test_augment.c: the random numbers (common/xoshiro.c) and augmentation
 * (runtime/augment.c).
 *
 * The golden values of augment_pil_* were computed with Pillow 9.4 on float
 * ('F' mode) images, i.e. torchvision's PIL path without 8-bit rounding:
 *     im = Image.fromarray(img, 'F').crop((left, top, left + w, top + h))
 *     im = im.resize((48, 48), Image.BILINEAR).rotate(angle, Image.BILINEAR)
 *     if flip: im = im.transpose(Image.FLIP_LEFT_RIGHT)
 *     a = np.asarray(im) / 255   (then numpy for the jitter formulas)
 * with img[y, x] = (37 x + 11 y + x y) % 256, the pattern() below.  The RNG
 * reference outputs come from an independent Python implementation of
 * splitmix64 and xoshiro256**.
 */
#include "harness.h"
#include "augment.h"
#include "connc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N FER_SIDE

static void pattern(uint8_t *img)
{
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) img[y * N + x] = (uint8_t)((37 * x + 11 * y + x * y) % 256);
}

/* ------------------------------------------------------------ rng */

TEST(rng_reference_values)
{
    rng_state r;
    rng_init(&r, 0);
    /* splitmix64 from 0: the published first outputs */
    EXPECT(r.s[0] == 0xe220a8397b1dcdafu && r.s[1] == 0x6e789e6aa1b965f4u && r.s[2] == 0x06c45d188009454fu);
    EXPECT(rng_u64(&r) == 0x99ec5f36cb75f2b4u);
    EXPECT(rng_u64(&r) == 0xbf6e1f784956452au);
    EXPECT(rng_u64(&r) == 0x1a5f849d4933e6e0u);
    rng_init(&r, 42);
    EXPECT(rng_u64(&r) == 0x15780b2e0c2ec716u);
    rng_init(&r, 1);
    rng_jump(&r);
    EXPECT(rng_u64(&r) == 0x332802f81eaae9d0u);
    EXPECT(rng_u64(&r) == 0x02d18d7749b84f96u);
}

TEST(rng_state_is_a_plain_value)
{
    rng_state a, b;
    rng_init(&a, 7);
    for (int i = 0; i < 10; i++) rng_u64(&a);
    b = a; /* what a checkpoint saves and restores */
    for (int i = 0; i < 100; i++) EXPECT(rng_u64(&a) == rng_u64(&b));
}

TEST(rng_uniform_ranges)
{
    rng_state r;
    rng_init(&r, 3);
    double sum = 0;
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        double d = rng_double(&r);
        float f = rng_float(&r);
        double u = rng_between(&r, -2, 5);
        bad += !(d >= 0 && d < 1) + !(f >= 0 && f < 1) + !(u >= -2 && u < 5);
        sum += d;
    }
    EXPECT_EQ_INT(bad, 0);
    EXPECT_NEAR(sum / 100000, 0.5, 0.005);
}

TEST(rng_index_unbiased)
{
    rng_state r;
    rng_init(&r, 4);
    int count[7] = {0};
    for (int i = 0; i < 70000; i++) count[rng_index(&r, 7)]++;
    for (int k = 0; k < 7; k++) EXPECT_NEAR(count[k], 10000, 400); /* 4 sigma */
    EXPECT_EQ_INT(rng_index(&r, 1), 0);
    uint64_t big = (UINT64_C(1) << 63) + 5; /* the rejection threshold matters here */
    for (int i = 0; i < 1000; i++) EXPECT(rng_index(&r, big) < big);
}

TEST(rng_gauss_moments)
{
    rng_state r;
    rng_init(&r, 5);
    enum { M = 200001 }; /* odd: the fill's last value has no partner */
    static float x[M];
    rng_gauss_fill(&r, x, M, 1.0f, 2.0f);
    double s = 0, ss = 0, g = 0, gg = 0;
    for (int i = 0; i < M; i++) s += x[i], ss += (double)x[i] * x[i];
    for (int i = 0; i < M; i++) {
        double v = rng_gauss(&r);
        g += v, gg += v * v;
    }
    double lag = 0; /* successive values are independent */
    for (int i = 0; i + 1 < M; i++) lag += ((double)x[i] - 1) * ((double)x[i + 1] - 1);
    EXPECT_NEAR(lag / (M - 1) / 4, 0.0, 0.01);
    double mean = s / M, var = ss / M - mean * mean;
    EXPECT_NEAR(mean, 1.0, 0.02);
    EXPECT_NEAR(var, 4.0, 0.06);
    EXPECT_NEAR(g / M, 0.0, 0.01);
    EXPECT_NEAR(gg / M, 1.0, 0.015);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The ziggurat's shape, not only its moments: Kolmogorov-Smirnov distance to
 * the normal CDF below the 1 % critical value 1.63 / sqrt(n), and the tail
 * beyond its base layer (|x| > 3.4426, drawn by a separate algorithm) and
 * beyond 4 as frequent as the normal's: 5.76e-4 and 6.33e-5 of the draws.
 * (Over seeds 1-20 the KS statistic ranged 0.46-1.74, as the Kolmogorov
 * distribution has it: one seed in a hundred exceeds 1.63 by chance.) */
TEST(rng_gauss_distribution)
{
    rng_state r;
    rng_init(&r, 1);
    enum { M = 400000 };
    static double v[M];
    int tail = 0, far = 0;
    for (int i = 0; i < M; i++) {
        v[i] = rng_gauss(&r);
        tail += fabs(v[i]) > 3.442619855899;
        far += fabs(v[i]) > 4;
    }
    qsort(v, M, sizeof *v, cmp_double);
    double d = 0;
    for (int i = 0; i < M; i++) {
        double cdf = 0.5 * erfc(-v[i] / sqrt(2.0)), lo = cdf - (double)i / M, hi = (double)(i + 1) / M - cdf;
        d = fmax(d, fmax(lo, hi));
    }
    EXPECT(d * sqrt((double)M) < 1.63);
    EXPECT_NEAR(tail, 5.76e-4 * M, 4 * sqrt(5.76e-4 * M)); /* 230 +- 61 */
    EXPECT_NEAR(far, 6.33e-5 * M, 4 * sqrt(6.33e-5 * M));  /* 25 +- 20 */
}

TEST(rng_shuffle_permutes)
{
    uint32_t a[1000], b[1000];
    int seen[1000] = {0}, moved = 0;
    for (uint32_t i = 0; i < 1000; i++) a[i] = b[i] = i;
    rng_state r1, r2;
    rng_init(&r1, 9);
    rng_init(&r2, 9);
    rng_shuffle(&r1, a, 1000);
    rng_shuffle(&r2, b, 1000);
    for (int i = 0; i < 1000; i++) seen[a[i]]++, moved += a[i] != (uint32_t)i;
    for (int i = 0; i < 1000; i++) EXPECT_EQ_INT(seen[i], 1);
    EXPECT(moved > 900);
    EXPECT(memcmp(a, b, sizeof a) == 0);
}

/* ------------------------------------------------------------ hand-checkable cases */

TEST(augment_identity_reproduces_input)
{
    uint8_t img[FER_PIXELS];
    float plain[FER_PIXELS], out[FER_PIXELS];
    pattern(img);
    augment_draw d;
    augment_identity(&d);
    augment_plain(img, plain);
    augment_apply(img, &d, out);
    EXPECT(memcmp(plain, out, sizeof out) == 0);
    for (int i = 0; i < FER_PIXELS; i++) EXPECT_NEAR(plain[i], img[i] / 255.0, 1e-7);
}

/* Floats back to the grey levels they came from (exact for k / 255). */
static void to_bytes(const float *v, uint8_t *b)
{
    for (int i = 0; i < FER_PIXELS; i++) b[i] = (uint8_t)lrintf(v[i] * 255);
}

TEST(augment_flip_twice_is_identity)
{
    uint8_t img[FER_PIXELS], once[FER_PIXELS];
    float out[FER_PIXELS], plain[FER_PIXELS];
    pattern(img);
    augment_draw d;
    augment_identity(&d);
    d.flip = 1;
    augment_apply(img, &d, out);
    EXPECT_NEAR(out[5], img[N - 1 - 5] / 255.0, 1e-7); /* a mirror, not a no-op */
    EXPECT(out[5] != out[N - 1 - 5]);
    to_bytes(out, once);
    augment_apply(once, &d, out);
    augment_plain(img, plain);
    EXPECT(memcmp(plain, out, sizeof out) == 0);
}

/* Rotation by +-90 and 180 degrees moves pixel centres onto pixel centres:
 * bilinear interpolation then only permutes (PIL: np.rot90 for +90). */
TEST(augment_rotate_quarter_turns_permute)
{
    uint8_t img[FER_PIXELS];
    float out[FER_PIXELS];
    pattern(img);
    img[2 * N + 1] = 255; /* an asymmetric mark near the top-left */
    augment_draw d;
    augment_identity(&d);
    const double angles[3] = {90, -90, 180};
    int bad[3] = {0, 0, 0};
    for (int a = 0; a < 3; a++) {
        d.angle = angles[a];
        augment_apply(img, &d, out);
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                /* counter-clockwise by 90: out[y][x] = in[x][N-1-y] */
                int sy = a == 0 ? x : a == 1 ? N - 1 - x : N - 1 - y;
                int sx = a == 0 ? N - 1 - y : a == 1 ? y : N - 1 - x;
                bad[a] += fabsf(out[y * N + x] - img[sy * N + sx] / 255.0f) > 1e-6f;
            }
    }
    EXPECT_EQ_INT(bad[0], 0);
    EXPECT_EQ_INT(bad[1], 0);
    EXPECT_EQ_INT(bad[2], 0);
    d.angle = 90;
    augment_apply(img, &d, out);
    EXPECT_NEAR(out[(N - 2) * N + 2], 1.0, 1e-6); /* the mark (row 2, column 1) went to the bottom-left */
}

TEST(augment_brightness_multiplies)
{
    uint8_t img[FER_PIXELS];
    float out[FER_PIXELS];
    pattern(img);
    augment_draw d;
    augment_identity(&d);
    d.brightness = 0.85;
    augment_apply(img, &d, out);
    int bad = 0;
    for (int i = 0; i < FER_PIXELS; i++) bad += fabs(out[i] - 0.85 * img[i] / 255.0) > 1e-6;
    EXPECT_EQ_INT(bad, 0);
    d.brightness = 1.15; /* bright pixels saturate at 1 */
    augment_apply(img, &d, out);
    bad = 0;
    for (int i = 0; i < FER_PIXELS; i++) bad += fabs(out[i] - fmin(1.0, 1.15 * img[i] / 255.0)) > 1e-6;
    EXPECT_EQ_INT(bad, 0);
}

TEST(augment_contrast_blends_with_mean)
{
    uint8_t img[FER_PIXELS];
    float out[FER_PIXELS], plain[FER_PIXELS];
    pattern(img);
    augment_plain(img, plain);
    double mean = 0;
    for (int i = 0; i < FER_PIXELS; i++) mean += plain[i] / FER_PIXELS;
    augment_draw d;
    augment_identity(&d);
    d.contrast = 1;
    augment_apply(img, &d, out);
    EXPECT(memcmp(plain, out, sizeof out) == 0);
    d.contrast = 0.5;
    augment_apply(img, &d, out);
    int bad = 0;
    for (int i = 0; i < FER_PIXELS; i++) bad += fabs(out[i] - (0.5 * plain[i] + 0.5 * mean)) > 1e-5;
    EXPECT_EQ_INT(bad, 0);
    d.contrast = 0;
    augment_apply(img, &d, out);
    EXPECT_NEAR(out[0], mean, 1e-5);
    EXPECT_NEAR(out[FER_PIXELS - 1], mean, 1e-5);
}

/* Uniform images stay uniform under the crop and inside the rotated area. */
TEST(augment_constant_image_stays_constant)
{
    uint8_t img[FER_PIXELS];
    float out[FER_PIXELS];
    memset(img, 200, sizeof img);
    augment_draw d;
    augment_identity(&d);
    d.top = 5, d.left = 2, d.height = 39, d.width = 43, d.angle = 14;
    augment_apply(img, &d, out);
    EXPECT_NEAR(out[24 * N + 24], 200 / 255.0, 1e-6);
    EXPECT_NEAR(out[0], 0, 0); /* a corner rotated out of the image is filled with 0 */
}

/* ------------------------------------------------------------ against PIL */

typedef struct {
    augment_draw d;
    double s0, sx, sy; /* sum of values, and weighted by column + 1 and by row + 1 */
    double at[8];      /* values at the points below */
} golden;

static const int points[8][2] = {{0, 0}, {0, 47}, {47, 0}, {47, 47}, {1, 23}, {24, 24}, {46, 3}, {10, 40}};

static void check_golden(const golden *g)
{
    uint8_t img[FER_PIXELS];
    float out[FER_PIXELS];
    pattern(img);
    augment_apply(img, &g->d, out);
    double s0 = 0, sx = 0, sy = 0;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            double v = out[y * N + x];
            s0 += v, sx += v * (x + 1), sy += v * (y + 1);
        }
    EXPECT_NEAR(s0, g->s0, 2e-3);
    EXPECT_NEAR(sx, g->sx, 0.05);
    EXPECT_NEAR(sy, g->sy, 0.05);
    for (int k = 0; k < 8; k++) EXPECT_NEAR(out[points[k][0] * N + points[k][1]], g->at[k], 2e-5);
}

static augment_draw draw_of(int top, int left, int h, int w, double angle, int flip)
{
    augment_draw d;
    augment_identity(&d);
    d.top = top, d.left = left, d.height = h, d.width = w, d.angle = angle, d.flip = flip;
    return d;
}

TEST(augment_pil_crop_resize)
{
    golden g = {draw_of(3, 4, 40, 44, 0, 0), 1159.627016, 28396.280193, 28417.872787,
                {0.7568627, 0.4745098, 0.0392157, 0.3098039, 0.1478350, 0.1824755, 0.8261846, 0.4231618}};
    check_golden(&g);
}

TEST(augment_pil_rotate)
{
    golden g = {draw_of(0, 0, 48, 48, 12.5, 0), 1056.031460, 25907.836021, 25839.272104,
                {0, 0, 0, 0, 0.2471986, 0.7373997, 0, 0.5809335}};
    check_golden(&g);
}

TEST(augment_pil_crop_rotate_flip)
{
    golden g = {draw_of(0, 2, 46, 41, -7.25, 1), 1091.578341, 26686.640408, 26731.879436,
                {0, 0, 0, 0, 0.1750379, 0.4405019, 0.5682354, 0.7387198}};
    check_golden(&g);
}

/* Brightness 1.4 and contrast 1.3 saturate, so their order shows. */
TEST(augment_pil_jitter_both_orders)
{
    golden g = {draw_of(0, 2, 46, 41, -7.25, 1), 1500.626868, 36587.318763, 37026.004364,
                {0, 0, 0, 0, 0.1217954, 0.6049400, 0.8374150, 1}};
    g.d.brightness = 1.4, g.d.contrast = 1.3;
    check_golden(&g);
    golden h = {g.d, 1496.863537, 36495.889957, 36930.504117, {0, 0, 0, 0, 0.1195833, 0.6027279, 0.8352029, 1}};
    h.d.contrast_first = 1;
    check_golden(&h);
}

/* ------------------------------------------------------------ random draws */

TEST(augment_draws_follow_params)
{
    augment_params p;
    augment_defaults(&p);
    EXPECT_EQ_INT(augment_check(&p), 0);
    rng_state r;
    rng_init(&r, 11);
    int bad = 0, flips = 0, cfirst = 0, full = 0;
    for (int i = 0; i < 20000; i++) {
        augment_draw d;
        augment_sample(&r, &p, &d);
        double area = (double)d.width * d.height / FER_PIXELS, ratio = (double)d.width / d.height;
        /* rounding w and h to whole pixels moves area and ratio a little */
        bad += !(area > 0.76 && area <= 1.0 && ratio > 0.72 && ratio < 1.39);
        bad += !(d.top >= 0 && d.left >= 0 && d.top + d.height <= N && d.left + d.width <= N);
        bad += !(fabs(d.angle) <= 15 && d.brightness >= 0.85 && d.brightness <= 1.15);
        bad += !(d.contrast >= 0.85 && d.contrast <= 1.15);
        flips += d.flip, cfirst += d.contrast_first, full += d.width == N && d.height == N;
    }
    EXPECT_EQ_INT(bad, 0);
    EXPECT_NEAR(flips, 10000, 300);
    EXPECT_NEAR(cfirst, 10000, 300);
    EXPECT(full > 0 && full < 2000);
}

/* A ratio no crop can meet forces torchvision's central fallback. */
TEST(augment_crop_fallback)
{
    augment_params p;
    augment_defaults(&p);
    p.scale_min = p.scale_max = 1;
    p.ratio_min = p.ratio_max = 2;
    rng_state r;
    rng_init(&r, 1);
    augment_draw d;
    augment_sample(&r, &p, &d);
    EXPECT_EQ_INT(d.width, 48);
    EXPECT_EQ_INT(d.height, 24);
    EXPECT_EQ_INT(d.top, 12);
    EXPECT_EQ_INT(d.left, 0);
}

TEST(augment_check_rejects)
{
    augment_params p;
    augment_defaults(&p);
    p.scale_min = 0.9, p.scale_max = 0.8;
    EXPECT_ERR(augment_check(&p), CONNC_ERR_USAGE, "scale_max = 0.8");
    augment_defaults(&p);
    p.flip_p = NAN;
    EXPECT_ERR(augment_check(&p), CONNC_ERR_USAGE, "flip_p");
    augment_defaults(&p);
    p.degrees = -1;
    EXPECT_ERR(augment_check(&p), CONNC_ERR_USAGE, "degrees = -1 is outside [0, 180]");
}

/* One image's choices from r, then the image (as the training loop does). */
static void sample_and_apply(rng_state *r, const augment_params *p, const uint8_t *in, float *out)
{
    augment_draw d;
    augment_sample(r, p, &d);
    augment_apply(in, &d, out);
}

TEST(augment_outputs_in_range_and_seeded)
{
    uint8_t img[FER_PIXELS];
    static float a[FER_PIXELS], b[FER_PIXELS];
    pattern(img);
    augment_params p;
    augment_defaults(&p);
    p.brightness = p.contrast = 1; /* factors up to 2: clamping must hold */
    p.degrees = 180;
    rng_state r1, r2, r3;
    rng_init(&r1, 77);
    rng_init(&r2, 77);
    rng_init(&r3, 78);
    int bad = 0, same = 0, differ = 0;
    for (int i = 0; i < 300; i++) {
        sample_and_apply(&r1, &p, img, a);
        sample_and_apply(&r2, &p, img, b);
        same += memcmp(a, b, sizeof a) == 0;
        for (int k = 0; k < FER_PIXELS; k++) bad += !(a[k] >= 0 && a[k] <= 1);
        sample_and_apply(&r3, &p, img, b);
        differ += memcmp(a, b, sizeof a) != 0;
    }
    EXPECT_EQ_INT(bad, 0);
    EXPECT_EQ_INT(same, 300);
    EXPECT_EQ_INT(differ, 300);
}
