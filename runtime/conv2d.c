/* conv2d.c: 3x3 convolution, stride 1, zero padding 1 (BIONIC.md §2.1),
 * as im2col + GEMM over the whole batch: the patch matrix
 * col[cin*9, B*h*w] turns the convolution into one product
 * W[cout, cin*9] x col, large enough for OpenBLAS to run near its peak
 * (one small GEMM per image runs far below it). */
#include "layers.h"

#include <string.h>

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
