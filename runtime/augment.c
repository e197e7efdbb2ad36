/* augment.c: random resized crop, rotation, flip and jitter (see augment.h).
 *
 * Passes over the image: crop + resize (separable bilinear, taps precomputed
 * per row and column), rotation with the flip folded in (the flip mirrors the
 * rotated image, i.e. negates the output column's offset from the centre),
 * then brightness, contrast and the scaling to [0, 1].  Values stay in grey
 * levels (0-255) until the last pass.  The loops are shaped so that compilers
 * vectorise them at -O2 (fixed trip counts, plain selects, partial sums);
 * about 7 us per image on one core of the build machines.
 */
#include "augment.h"
#include "error.h"

#include <math.h>
#include <string.h>

#define N FER_SIDE
#define GREY_SCALE (1.0f / 255.0f)
#define CROP_TRIES 10 /* torchvision's RandomResizedCrop */

void augment_defaults(augment_params *p)
{
    *p = (augment_params){.scale_min = 0.8, .scale_max = 1.0, .ratio_min = 3.0 / 4.0, .ratio_max = 4.0 / 3.0,
                          .degrees = 15.0, .flip_p = 0.5, .brightness = 0.15, .contrast = 0.15};
}

static int out_of_range(const char *name, double v, double lo, double hi)
{
    if (v >= lo && v <= hi) return CONNC_OK; /* also rejects NaN */
    return err_set(CONNC_ERR_USAGE, "augmentation parameter %s = %g is outside [%g, %g]", name, v, lo, hi);
}

int augment_check(const augment_params *p)
{
    TRY(out_of_range("scale_min", p->scale_min, 1e-3, 1));
    TRY(out_of_range("scale_max", p->scale_max, p->scale_min, 1));
    TRY(out_of_range("ratio_min", p->ratio_min, 0.1, 10));
    TRY(out_of_range("ratio_max", p->ratio_max, p->ratio_min, 10));
    TRY(out_of_range("degrees", p->degrees, 0, 180));
    TRY(out_of_range("flip_p", p->flip_p, 0, 1));
    TRY(out_of_range("brightness", p->brightness, 0, 10));
    return out_of_range("contrast", p->contrast, 0, 10);
}

void augment_identity(augment_draw *d)
{
    *d = (augment_draw){.top = 0, .left = 0, .height = N, .width = N, .angle = 0, .flip = 0,
                        .brightness = 1, .contrast = 1, .contrast_first = 0};
}

/* ------------------------------------------------------------ drawing */

static void set_crop(augment_draw *d, int top, int left, int height, int width)
{
    d->top = top;
    d->left = left;
    d->height = height;
    d->width = width;
}

/* RandomResizedCrop.get_params; rint rounds half to even like Python's round. */
static void sample_crop(rng_state *r, const augment_params *p, augment_draw *d)
{
    const double area = (double)N * N, log_lo = log(p->ratio_min), log_hi = log(p->ratio_max);
    for (int t = 0; t < CROP_TRIES; t++) {
        double target = area * rng_between(r, p->scale_min, p->scale_max);
        double ratio = exp(rng_between(r, log_lo, log_hi));
        int w = (int)rint(sqrt(target * ratio)), h = (int)rint(sqrt(target / ratio));
        if (w > 0 && w <= N && h > 0 && h <= N) {
            int top = (int)rng_index(r, (uint64_t)(N - h + 1));
            set_crop(d, top, (int)rng_index(r, (uint64_t)(N - w + 1)), h, w);
            return;
        }
    }
    /* fallback: the largest central crop whose ratio is in range (the image is square) */
    int w = N, h = N;
    if (p->ratio_min > 1) h = (int)rint(N / p->ratio_min);
    else if (p->ratio_max < 1) w = (int)rint(N * p->ratio_max);
    set_crop(d, (N - h) / 2, (N - w) / 2, h, w);
}

void augment_sample(rng_state *r, const augment_params *p, augment_draw *d)
{
    sample_crop(r, p, d);
    d->angle = rng_between(r, -p->degrees, p->degrees);
    d->flip = rng_double(r) < p->flip_p;
    d->brightness = rng_between(r, fmax(0, 1 - p->brightness), 1 + p->brightness);
    d->contrast = rng_between(r, fmax(0, 1 - p->contrast), 1 + p->contrast);
    d->contrast_first = (int)rng_index(r, 2);
}

/* ------------------------------------------------------------ applying */

/* The resized crop is kept with its edge pixels repeated once around it
 * (P x P): PIL's clamp-to-edge bilinear then needs no index checks. */
#define P (N + 2)

typedef struct {
    int i0, i1;
    float w0, w1; /* value = w0 * v[i0] + w1 * v[i1] */
} tap;

/* Output pixel k of N samples the crop [start, start + len) at
 * (k + 0.5) * len / N - 0.5, clamped to the crop's edge pixels. */
static void resize_taps(int start, int len, tap *t)
{
    for (int k = 0; k < N; k++) {
        double s = fmax(0, (k + 0.5) * len / N - 0.5);
        int i = (int)s;
        if (i >= len - 1) t[k] = (tap){start + len - 1, start + len - 1, 1, 0};
        else t[k] = (tap){start + i, start + i + 1, (float)(1 - (s - i)), (float)(s - i)};
    }
}

/* Separable: whole input rows are blended first (N contiguous values with
 * one weight, which compilers vectorise), then each row is resampled to N
 * columns of the crop.  PIL goes the other way round; the two differ only by
 * float rounding. */
static void crop_resize(const uint8_t *restrict in, const augment_draw *d, float *restrict padded)
{
    tap rows[N], cols[N];
    float row[N];
    resize_taps(d->top, d->height, rows);
    resize_taps(d->left, d->width, cols);
    for (int y = 0; y < N; y++) {
        const uint8_t *a = in + rows[y].i0 * N, *b = in + rows[y].i1 * N;
        const float w0 = rows[y].w0, w1 = rows[y].w1;
        for (int x = 0; x < N; x++) row[x] = w0 * a[x] + w1 * b[x];
        float *dst = padded + (y + 1) * P + 1;
        for (int x = 0; x < N; x++) dst[x] = cols[x].w0 * row[cols[x].i0] + cols[x].w1 * row[cols[x].i1];
        dst[-1] = dst[0];
        dst[N] = dst[N - 1];
    }
    memcpy(padded, padded + P, P * sizeof *padded);
    memcpy(padded + (P - 1) * P, padded + (P - 2) * P, P * sizeof *padded);
}

/* A rotated row samples the input along the line (u0 + du x, v0 + dv x), in
 * coordinates of pixel edges: 0 outside the image, inside it the bilinear
 * blend of the four nearest pixel centres, edges repeated (PIL). */
typedef struct {
    float u0, v0, du, dv;
} line;

static float line_u(const line *l, int x) { return l->u0 + l->du * (float)x; }
static float line_v(const line *l, int x) { return l->v0 + l->dv * (float)x; }

static int inside(const line *l, int x)
{
    float u = line_u(l, x), v = line_v(l, x);
    return u >= 0 && u < N && v >= 0 && v < N;
}

/* The computed coordinates are monotonic in x, so the points inside form one
 * run [lo, hi): only the few points outside it are tested. */
static void inside_run(const line *l, int *lo, int *hi)
{
    int a = 0, b = N;
    while (a < N && !inside(l, a)) a++;
    while (b > a && !inside(l, b - 1)) b--;
    *lo = a;
    *hi = b;
}

/* Two passes: the taps and weights of all N points (the same arithmetic for
 * every x, which compilers vectorise), then the blends of the run, which need
 * scalar loads. */
static void sample_run(const float *restrict padded, const line *l, int lo, int hi, float *restrict out)
{
    int at[N];
    float fx[N], fy[N];
    for (int x = 0; x < N; x++) {
        float u = line_u(l, x) + 0.5f, v = line_v(l, x) + 0.5f; /* inside the run, floor(u) is the padded left tap */
        int i = (int)u, j = (int)v;
        fx[x] = u - (float)i;
        fy[x] = v - (float)j;
        at[x] = j * P + i;
    }
    for (int x = lo; x < hi; x++) {
        const float *r0 = padded + at[x], *r1 = r0 + P;
        float top = r0[0] + fx[x] * (r0[1] - r0[0]), bottom = r1[0] + fx[x] * (r1[1] - r1[0]);
        out[x] = top + fy[x] * (bottom - top);
    }
}

/* Output (x, y) shows the input at the centre plus the offset rotated back:
 * with y pointing down, a counter-clockwise turn by a maps the offset
 * (dx, dy) to (cos a dx - sin a dy, sin a dx + cos a dy) in the input.  The
 * flip mirrors the output, i.e. negates dx.  Float coordinates are within
 * 1e-5 pixel of PIL's double ones. */
static void rotate_flip(const float *restrict padded, double degrees, int flip, float *restrict out)
{
    const double a = degrees * (3.14159265358979323846 / 180.0), mid = N / 2.0, sign = flip ? -1 : 1;
    const double c = cos(a), s = sin(a), dx0 = (0.5 - mid) * sign;
    for (int y = 0; y < N; y++) {
        const double dy = y + 0.5 - mid;
        const line l = {(float)(mid + c * dx0 - s * dy), (float)(mid + s * dx0 + c * dy), (float)(c * sign),
                        (float)(s * sign)};
        int lo, hi;
        inside_run(&l, &lo, &hi);
        float *o = out + y * N;
        memset(o, 0, (size_t)lo * sizeof *o);
        sample_run(padded, &l, lo, hi, o);
        memset(o + hi, 0, (size_t)(N - hi) * sizeof *o);
    }
}

/* Two plain selects, which compilers turn into vector min/max. */
static float clamp_grey(float v)
{
    v = v > 0 ? v : 0;
    return v < 255 ? v : 255;
}

/* Eight partial sums: one running sum would be a chain of 2304 dependent adds. */
static float mean(const float *v)
{
    float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < N * N; i += 8)
        for (int k = 0; k < 8; k++) part[k] += v[i + k];
    return (((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]))) / (N * N);
}

static void brightness(float *v, float b)
{
    for (int i = 0; i < N * N; i++) v[i] = clamp_grey(b * v[i]);
}

/* Contrast blends with the mean of the image as it is at this step. */
static void contrast(float *v, float c)
{
    const float shift = (1 - c) * mean(v);
    for (int i = 0; i < N * N; i++) v[i] = clamp_grey(c * v[i] + shift);
}

void augment_apply(const uint8_t *in, const augment_draw *d, float *out)
{
    float padded[P * P];
    crop_resize(in, d, padded);
    rotate_flip(padded, d->angle, d->flip, out);
    if (d->contrast_first) contrast(out, (float)d->contrast);
    brightness(out, (float)d->brightness);
    if (!d->contrast_first) contrast(out, (float)d->contrast);
    for (int i = 0; i < N * N; i++) out[i] *= GREY_SCALE;
}

void augment_plain(const uint8_t *in, float *out)
{
    for (int i = 0; i < N * N; i++) out[i] = (float)in[i] * GREY_SCALE;
}

void augment_standardise(const float *in, real mean, real std, real *out)
{
    for (int i = 0; i < N * N; i++) out[i] = (in[i] - mean) / std;
}
