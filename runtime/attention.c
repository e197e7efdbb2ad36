/* attention.c: channel and spatial attention, BIONIC.md §2.2:
 *   channel: s = sigmoid(W2 ReLU(W1 GAP(x) + b1) + b2), y = x * s (per channel)
 *   spatial: M = sigmoid(conv3x3(x) + b) (one map),      y = x * M (per pixel)  */
#include "layers.h"

#include <math.h>
#include <string.h>

static real sigmoid(real v) { return 1 / (1 + REAL_EXP(-v)); }

void channel_attention_forward(const real *x, const real *w1, const real *b1, const real *w2, const real *b2,
                               real *y, channel_attention_cache *k, int B, int c, int hidden, int hw)
{
    for (long p = 0; p < (long)B * c; p++) {
        real s = 0;
        for (int i = 0; i < hw; i++) s += x[p * hw + i];
        k->z[p] = s / (real)hw;
    }
    linear_forward(k->z, w1, b1, k->a1, B, c, hidden);
    for (long i = 0; i < (long)B * hidden; i++) k->a1[i] = k->a1[i] > 0 ? k->a1[i] : 0; /* a1 holds ReLU output */
    linear_forward(k->a1, w2, b2, k->a2, B, hidden, c);
    for (long p = 0; p < (long)B * c; p++) {
        k->s[p] = sigmoid(k->a2[p]);
        for (int i = 0; i < hw; i++) y[p * hw + i] = x[p * hw + i] * k->s[p];
    }
}

/* scratch: 2*B*c + B*hidden reals. */
void channel_attention_backward(const real *x, const real *w1, const real *w2, const real *dy,
                                const channel_attention_cache *k, real *dx, real *dw1, real *db1, real *dw2,
                                real *db2, real *scratch, int B, int c, int hidden, int hw)
{
    real *da2 = scratch, *dz = scratch + (long)B * c, *dr = dz + (long)B * c;
    for (long p = 0; p < (long)B * c; p++) {
        real ds = 0;
        for (int i = 0; i < hw; i++) ds += dy[p * hw + i] * x[p * hw + i];
        da2[p] = ds * k->s[p] * (1 - k->s[p]);
    }
    linear_backward(k->a1, w2, da2, dr, dw2, db2, NULL, B, hidden, c);
    relu_backward(k->a1, dr, dr, (long)B * hidden);
    linear_backward(k->z, w1, dr, dz, dw1, db1, NULL, B, c, hidden);
    for (long p = 0; p < (long)B * c; p++)
        for (int i = 0; i < hw; i++) dx[p * hw + i] = dy[p * hw + i] * k->s[p] + dz[p] / (real)hw;
}

void spatial_attention_forward(const real *x, const real *w, const real *b, real *y, real *m, real *col,
                               int B, int c, int h, int wd)
{
    int hw = h * wd;
    conv3x3_forward(x, w, b, m, col, B, c, 1, h, wd);
    for (long i = 0; i < (long)B * hw; i++) m[i] = sigmoid(m[i]);
    for (int n = 0; n < B; n++)
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < hw; i++) {
                long at = ((long)n * c + ch) * hw + i;
                y[at] = x[at] * m[(long)n * hw + i];
            }
}

/* dm: scratch of B*h*w reals (gradient at the pre-sigmoid map). */
void spatial_attention_backward(const real *x, const real *w, const real *m, const real *dy, real *dx,
                                real *dw, real *db, real *dm, real *col, int B, int c, int h, int wd)
{
    int hw = h * wd;
    memset(dm, 0, (size_t)B * hw * sizeof *dm);
    for (int n = 0; n < B; n++)
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < hw; i++) {
                long at = ((long)n * c + ch) * hw + i;
                dm[(long)n * hw + i] += dy[at] * x[at];
            }
    for (long i = 0; i < (long)B * hw; i++) dm[i] *= m[i] * (1 - m[i]);
    conv3x3_backward(w, dm, dx, dw, db, col, B, c, 1, h, wd);
    for (int n = 0; n < B; n++)
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < hw; i++) {
                long at = ((long)n * c + ch) * hw + i;
                dx[at] += dy[at] * m[(long)n * hw + i];
            }
}
