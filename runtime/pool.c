/* pool.c: 2x2 max pooling and the lateral inhibition of BIONIC.md §2.1. */
#include "layers.h"


void maxpool2_forward(const real *x, real *y, int32_t *arg, int relu, int B, int c, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (long plane = 0; plane < (long)B * c; plane++) {
        const real *in = x + plane * h * w;
        real *out = y + plane * oh * ow;
        int32_t *a = arg + plane * oh * ow;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                int best = (2 * i) * w + 2 * j;
                const int cand[3] = {best + 1, best + w, best + w + 1};
                for (int k = 0; k < 3; k++)
                    if (in[cand[k]] > in[best]) best = cand[k]; /* first maximum wins, as PyTorch */
                int cut = relu && !(in[best] > 0);
                out[i * ow + j] = cut ? 0 : in[best];
                a[i * ow + j] = cut ? -1 : best;
            }
    }
}

/* Each input belongs to exactly one 2x2 window (stride 2, even sides), so
 * dx is written window by window: no separate zeroing pass. */
void maxpool2_backward(const real *dy, const int32_t *arg, real *dx, int B, int c, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (long plane = 0; plane < (long)B * c; plane++) {
        real *d = dx + plane * h * w;
        const real *g = dy + plane * oh * ow;
        const int32_t *a = arg + plane * oh * ow;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                int at = (2 * i) * w + 2 * j;
                d[at] = d[at + 1] = d[at + w] = d[at + w + 1] = 0;
                if (a[i * ow + j] >= 0) d[a[i * ow + j]] += g[i * ow + j];
            }
    }
}

/* Number of in-image cells of the 3x3 window centred at (i, j). */
static int window_count(int i, int j, int h, int w)
{
    int ny = 3 - (i == 0) - (i == h - 1), nx = 3 - (j == 0) - (j == w - 1);
    return ny * nx;
}

/* s[i,j] = sum of v over the in-image part of the 3x3 window at (i, j),
 * with v[i,j] = x[i,j] * scale[i,j] (scale NULL: 1).  Separable: a 3-wide
 * row sum into rs, then a 3-high column sum; the interior loops have no
 * branches so the compiler vectorises them. */
static void box3x3(const real *x, const real *scale, real *v, real *rs, real *s, int h, int w)
{
    const real *src = x;
    if (scale) {
        for (int p = 0; p < h * w; p++) v[p] = x[p] * scale[p];
        src = v;
    }
    for (int i = 0; i < h; i++) {
        const real *r = src + i * w;
        real *o = rs + i * w;
        o[0] = r[0] + (w > 1 ? r[1] : 0);
        for (int j = 1; j < w - 1; j++) o[j] = r[j - 1] + r[j] + r[j + 1];
        if (w > 1) o[w - 1] = r[w - 2] + r[w - 1];
    }
    for (int j = 0; j < w; j++) s[j] = rs[j] + (h > 1 ? rs[w + j] : 0);
    for (int i = 1; i < h - 1; i++)
        for (int j = 0; j < w; j++) s[i * w + j] = rs[(i - 1) * w + j] + rs[i * w + j] + rs[(i + 1) * w + j];
    if (h > 1)
        for (int j = 0; j < w; j++) s[(h - 1) * w + j] = rs[(h - 2) * w + j] + rs[(h - 1) * w + j];
}

/* 1 / window count for every pixel of an h x w plane (at most 64 x 64). */
static void inverse_counts(real *inv, int h, int w)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) inv[i * w + j] = (real)1 / (real)window_count(i, j, h, w);
}

#define LATERAL_MAX_PLANE (64 * 64)

/* out = x - alpha * avg3x3(x), plane by plane. */
void lateral_forward(const real *x, real *y, real alpha, int B, int c, int h, int w)
{
    real inv[LATERAL_MAX_PLANE], rs[LATERAL_MAX_PLANE], s[LATERAL_MAX_PLANE];
    inverse_counts(inv, h, w);
    for (long plane = 0; plane < (long)B * c; plane++) {
        const real *in = x + plane * h * w;
        real *out = y + plane * h * w;
        box3x3(in, NULL, NULL, rs, s, h, w);
        for (int p = 0; p < h * w; p++) out[p] = in[p] - alpha * s[p] * inv[p];
    }
}

/* Adjoint: each output's gradient spreads alpha/count back over its window
 * (the window relation is symmetric, so it is the same box sum of dy/count). */
void lateral_backward(const real *dy, real *dx, real alpha, int B, int c, int h, int w)
{
    real inv[LATERAL_MAX_PLANE], v[LATERAL_MAX_PLANE], rs[LATERAL_MAX_PLANE], s[LATERAL_MAX_PLANE];
    inverse_counts(inv, h, w);
    for (long plane = 0; plane < (long)B * c; plane++) {
        const real *g = dy + plane * h * w;
        real *d = dx + plane * h * w;
        box3x3(g, inv, v, rs, s, h, w);
        for (int p = 0; p < h * w; p++) d[p] = g[p] - alpha * s[p];
    }
}
