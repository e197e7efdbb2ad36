/* pool.c: 2x2 max pooling and the lateral inhibition of BIONIC.md §2.1. */
#include "layers.h"

#include <string.h>

void maxpool2_forward(const real *x, real *y, int32_t *arg, int B, int c, int h, int w)
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
                out[i * ow + j] = in[best];
                a[i * ow + j] = best;
            }
    }
}

void maxpool2_backward(const real *dy, const int32_t *arg, real *dx, int B, int c, int h, int w)
{
    int o = (h / 2) * (w / 2);
    memset(dx, 0, (size_t)B * c * h * w * sizeof *dx);
    for (long plane = 0; plane < (long)B * c; plane++)
        for (int k = 0; k < o; k++) dx[plane * h * w + arg[plane * o + k]] += dy[plane * o + k];
}

/* Number of in-image cells of the 3x3 window centred at (i, j). */
static int window_count(int i, int j, int h, int w)
{
    int ny = 3 - (i == 0) - (i == h - 1), nx = 3 - (j == 0) - (j == w - 1);
    return ny * nx;
}

/* out = x - alpha * avg3x3(x), plane by plane. */
void lateral_forward(const real *x, real *y, real alpha, int B, int c, int h, int w)
{
    for (long plane = 0; plane < (long)B * c; plane++) {
        const real *in = x + plane * h * w;
        real *out = y + plane * h * w;
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                real s = 0;
                for (int di = -1; di <= 1; di++) {
                    int r = i + di;
                    if (r < 0 || r >= h) continue;
                    for (int dj = -1; dj <= 1; dj++) {
                        int q = j + dj;
                        if (q >= 0 && q < w) s += in[r * w + q];
                    }
                }
                out[i * w + j] = in[i * w + j] - alpha * s / (real)window_count(i, j, h, w);
            }
    }
}

/* Adjoint: each output's gradient spreads alpha/count back over its window. */
void lateral_backward(const real *dy, real *dx, real alpha, int B, int c, int h, int w)
{
    for (long plane = 0; plane < (long)B * c; plane++) {
        const real *g = dy + plane * h * w;
        real *d = dx + plane * h * w;
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                real s = 0;
                for (int di = -1; di <= 1; di++) {
                    int r = i + di;
                    if (r < 0 || r >= h) continue;
                    for (int dj = -1; dj <= 1; dj++) {
                        int q = j + dj;
                        if (q >= 0 && q < w) s += g[r * w + q] / (real)window_count(r, q, h, w);
                    }
                }
                d[i * w + j] = g[i * w + j] - alpha * s;
            }
    }
}
