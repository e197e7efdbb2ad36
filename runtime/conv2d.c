/* conv2d.c: 3x3 convolution, stride 1, zero padding 1 (BIONIC.md §2.1),
 * two ways.  Most convolutions run as im2col + GEMM over the whole batch:
 * the patch matrix col[cin*9, B*h*w] turns the convolution into one product
 * W[cout, cin*9] x col, large enough for OpenBLAS to run near its peak (one
 * small GEMM per image runs far below it).  With few channel pairs (conv1:
 * 1 -> 8; the spatial attention map: 16 -> 1) that product is a thin one
 * and building col costs more than it saves: those run directly over a
 * zero-padded copy of the input (`connc bench --profile`: conv1 2.1 -> 0.6
 * ms and the attention 1.7 -> 0.5 ms per training step). */
#include "layers.h"

#include <string.h>

/* Direct when cin * cout <= this: conv1 and the attention map, not conv2. */
#define DIRECT_MAX_PAIRS 16

/* ... and when the padded input and its gradient fit in the buffer sized
 * for im2col (layers.h): 2 (h+2)(w+2) <= 9 h w, i.e. planes of 2 x 2 up. */
static int direct(int cin, int cout, int h, int w)
{
    return cin * cout <= DIRECT_MAX_PAIRS && 2L * (h + 2) * (w + 2) <= 9L * h * w;
}

/* xp[plane][(y+1)*(w+2) + x+1] = x[plane][y*w + x], zero border. */
static void pad_planes(const real *x, real *xp, long planes, int h, int w)
{
    long pw = w + 2, ps = (h + 2) * pw;
    memset(xp, 0, (size_t)(planes * ps) * sizeof *xp);
    for (long p = 0; p < planes; p++)
        for (int y = 0; y < h; y++) memcpy(xp + p * ps + (y + 1) * pw + 1, x + (p * h + y) * w, (size_t)w * sizeof *x);
}

/* out += the 3x3 filter k over the padded plane src (row stride pw): all
 * nine taps of an output in one expression, a loop the compiler vectorises
 * that reads and writes each output once. */
static void add_filtered(const real *src, long pw, const real *k, real *out, int h, int w)
{
    for (int r = 0; r < h; r++) {
        const real *a = src + r * pw, *b = a + pw, *c = b + pw;
        real *o = out + (long)r * w;
        for (int x = 0; x < w; x++)
            o[x] += k[0] * a[x] + k[1] * a[x + 1] + k[2] * a[x + 2] + k[3] * b[x] + k[4] * b[x + 1] + k[5] * b[x + 2] +
                    k[6] * c[x] + k[7] * c[x + 1] + k[8] * c[x + 2];
    }
}

/* y[n,co] = b[co] + sum over ci of filter (co, ci) over the padded xp[n,ci]. */
static void direct_forward(const real *xp, const real *w, const real *b, real *y, int B, int cin, int cout, int h,
                           int wd)
{
    long pw = wd + 2, ps = (h + 2) * pw, hw = (long)h * wd;
    for (int n = 0; n < B; n++)
        for (int co = 0; co < cout; co++) {
            real *out = y + ((long)n * cout + co) * hw;
            for (long p = 0; p < hw; p++) out[p] = b[co];
            for (int ci = 0; ci < cin; ci++)
                add_filtered(xp + ((long)n * cin + ci) * ps, pw, w + (co * cin + ci) * 9, out, h, wd);
        }
}

/* sum of a[r*la + c] * b[r*lb + c] over an h x w window, in eight lanes. */
static real window_dot(const real *a, long la, const real *b, long lb, int h, int w)
{
    real lane[8] = {0}, s = 0;
    for (int r = 0; r < h; r++) {
        const real *ar = a + r * la, *br = b + r * lb;
        int c = 0;
        for (; c + 8 <= w; c += 8)
            for (int l = 0; l < 8; l++) lane[l] += ar[c + l] * br[c + l];
        for (; c < w; c++) s += ar[c] * br[c];
    }
    for (int l = 0; l < 8; l++) s += lane[l];
    return s;
}

/* dW[co,ci,k] += <dy[n,co], shifted xp[n,ci]>; dx through a padded buffer
 * dxp (the adjoint of the shift), cropped at the end. */
static void direct_backward(const real *xp, const real *w, const real *dy, real *dx, real *dxp, real *dw, int B,
                            int cin, int cout, int h, int wd)
{
    long pw = wd + 2, ps = (h + 2) * pw, hw = (long)h * wd;
    if (dx) memset(dxp, 0, (size_t)((long)B * cin * ps) * sizeof *dxp);
    for (int n = 0; n < B; n++)
        for (int co = 0; co < cout; co++) {
            const real *g = dy + ((long)n * cout + co) * hw;
            for (int ci = 0; ci < cin; ci++)
                for (int k = 0; k < 9; k++) {
                    long at = ((long)n * cin + ci) * ps + (k / 3) * pw + k % 3;
                    dw[(co * cin + ci) * 9 + k] += window_dot(g, wd, xp + at, pw, h, wd);
                    if (!dx) continue;
                    real wk = w[(co * cin + ci) * 9 + k], *d = dxp + at;
                    for (int r = 0; r < h; r++)
                        for (int c = 0; c < wd; c++) d[r * pw + c] += wk * g[r * wd + c];
                }
        }
    if (!dx) return;
    for (long p = 0; p < (long)B * cin; p++)
        for (int r = 0; r < h; r++) memcpy(dx + (p * h + r) * wd, dxp + p * ps + (r + 1) * pw + 1, (size_t)wd * sizeof *dx);
}

/* col[(ci*9 + ky*3 + kx) * ld + y*w + x] = x[ci, y+ky-1, x+kx-1] (0 outside). */
static void im2col3x3(const real *x, real *col, long ld, int c, int h, int w)
{
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                real *dst = col + (long)(ci * 9 + ky * 3 + kx) * ld;
                for (int y = 0; y < h; y++) {
                    int sy = y + ky - 1;
                    real *row = dst + (long)y * w;
                    if (sy < 0 || sy >= h) {
                        memset(row, 0, (size_t)w * sizeof *row);
                        continue;
                    }
                    const real *src = x + ((long)ci * h + sy) * w + kx - 1;
                    int x0 = kx == 0, x1 = kx == 2 ? w - 1 : w; /* columns whose source is inside */
                    if (x0) row[0] = 0;
                    if (x1 < w) row[w - 1] = 0;
                    memcpy(row + x0, src + x0, (size_t)(x1 - x0) * sizeof *row);
                }
            }
}

/* The adjoint of im2col: add patch gradients back onto the image dx. */
static void col2im3x3(const real *col, long ld, real *dx, int c, int h, int w)
{
    memset(dx, 0, (size_t)c * h * w * sizeof *dx);
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                const real *src = col + (long)(ci * 9 + ky * 3 + kx) * ld;
                for (int y = 0; y < h; y++) {
                    int sy = y + ky - 1;
                    if (sy < 0 || sy >= h) continue;
                    real *row = dx + ((long)ci * h + sy) * w + kx - 1;
                    const real *g = src + (long)y * w;
                    int x0 = kx == 0, x1 = kx == 2 ? w - 1 : w;
                    for (int xx = x0; xx < x1; xx++) row[xx] += g[xx];
                }
            }
}

/* scratch: (cin*9 + cout) * B*h*w reals. */
void conv3x3_forward(const real *x, const real *w, const real *b, real *y, real *scratch,
                     int B, int cin, int cout, int h, int wd)
{
    long hw = (long)h * wd, N = B * hw;
    int k = cin * 9;
    real *col = scratch, *yt = scratch + (long)k * N;
    if (direct(cin, cout, h, wd)) {
        pad_planes(x, col, (long)B * cin, h, wd);
        direct_forward(col, w, b, y, B, cin, cout, h, wd);
        return;
    }
    for (int n = 0; n < B; n++) im2col3x3(x + n * cin * hw, col + n * hw, N, cin, h, wd);
    gemm(0, 0, cout, (int)N, k, 1, w, k, col, (int)N, 0, yt, (int)N);
    for (int n = 0; n < B; n++) /* [cout, B, hw] -> [B, cout, hw], adding the bias */
        for (int co = 0; co < cout; co++) {
            const real *src = yt + co * N + n * hw;
            real *dst = y + (n * cout + co) * hw;
            for (long p = 0; p < hw; p++) dst[p] = src[p] + b[co];
        }
}

/* db[co] += sum over p of src[co*hw + p], each channel summed in p order;
 * four channels at a time, so that four dependency chains overlap. */
static void add_channel_sums(const real *src, real *db, int c, long hw)
{
    int co = 0;
    for (; co + 4 <= c; co += 4) {
        const real *a = src + co * hw;
        real s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (long p = 0; p < hw; p++) {
            s0 += a[p];
            s1 += a[hw + p];
            s2 += a[2 * hw + p];
            s3 += a[3 * hw + p];
        }
        db[co] += s0, db[co + 1] += s1, db[co + 2] += s2, db[co + 3] += s3;
    }
    for (; co < c; co++) {
        real s = 0;
        for (long p = 0; p < hw; p++) s += src[co * hw + p];
        db[co] += s;
    }
}

void conv3x3_backward(const real *w, const real *dy, real *dx, real *dw, real *db, real *scratch,
                      int B, int cin, int cout, int h, int wd)
{
    long hw = (long)h * wd, N = B * hw;
    int k = cin * 9;
    real *col = scratch, *gt = scratch + (long)k * N; /* col still holds the forward's patches */
    if (direct(cin, cout, h, wd)) { /* col holds the padded input; the padded dx goes after it */
        for (int n = 0; n < B; n++) add_channel_sums(dy + (long)n * cout * hw, db, cout, hw);
        direct_backward(col, w, dy, dx, col + (long)B * cin * (h + 2) * (wd + 2), dw, B, cin, cout, h, wd);
        return;
    }
    for (int n = 0; n < B; n++) {
        for (int co = 0; co < cout; co++)
            memcpy(gt + co * N + n * hw, dy + (n * cout + co) * hw, (size_t)hw * sizeof *gt);
        add_channel_sums(dy + (long)n * cout * hw, db, cout, hw);
    }
    gemm(0, 1, cout, k, (int)N, 1, gt, (int)N, col, (int)N, 1, dw, k);      /* dW += dY col^T */
    if (!dx) return;
    gemm(1, 0, k, (int)N, cout, 1, w, k, gt, (int)N, 0, col, (int)N);        /* dcol = W^T dY */
    for (int n = 0; n < B; n++) col2im3x3(col + n * hw, N, dx + n * cin * hw, cin, h, wd);
}
