/* conv2d.c: 3x3 convolution, stride 1, zero padding 1 (BIONIC.md §2.1),
 * as im2col + one GEMM per image: the patch matrix col[cin*9, h*w] turns the
 * convolution into W[cout, cin*9] x col. */
#include "layers.h"

#include <string.h>

/* col[(ci*9 + ky*3 + kx), y*w + x] = x[ci, y+ky-1, x+kx-1] (0 outside). */
static void im2col3x3(const real *x, real *col, int c, int h, int w)
{
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                real *dst = col + ((long)(ci * 9 + ky * 3 + kx)) * h * w;
                for (int y = 0; y < h; y++) {
                    int sy = y + ky - 1;
                    real *row = dst + (long)y * w;
                    if (sy < 0 || sy >= h) {
                        memset(row, 0, (size_t)w * sizeof *row);
                        continue;
                    }
                    const real *src = x + ((long)ci * h + sy) * w;
                    for (int xx = 0; xx < w; xx++) {
                        int sx = xx + kx - 1;
                        row[xx] = (sx >= 0 && sx < w) ? src[sx] : 0;
                    }
                }
            }
}

/* The adjoint of im2col: scatter-add patch gradients back onto the image. */
static void col2im3x3(const real *col, real *dx, int c, int h, int w)
{
    memset(dx, 0, (size_t)c * h * w * sizeof *dx);
    for (int ci = 0; ci < c; ci++)
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                const real *src = col + ((long)(ci * 9 + ky * 3 + kx)) * h * w;
                for (int y = 0; y < h; y++) {
                    int sy = y + ky - 1;
                    if (sy < 0 || sy >= h) continue;
                    real *row = dx + ((long)ci * h + sy) * w;
                    for (int xx = 0; xx < w; xx++) {
                        int sx = xx + kx - 1;
                        if (sx >= 0 && sx < w) row[sx] += src[(long)y * w + xx];
                    }
                }
            }
}

void conv3x3_forward(const real *x, const real *w, const real *b, real *y, real *col,
                     int B, int cin, int cout, int h, int wd)
{
    int hw = h * wd, k = cin * 9;
    for (int n = 0; n < B; n++) {
        real *out = y + (long)n * cout * hw;
        for (int co = 0; co < cout; co++)
            for (int p = 0; p < hw; p++) out[(long)co * hw + p] = b[co];
        im2col3x3(x + (long)n * cin * hw, col, cin, h, wd);
        gemm(0, 0, cout, hw, k, 1, w, k, col, hw, 1, out, hw);
    }
}

void conv3x3_backward(const real *x, const real *w, const real *dy, real *dx, real *dw, real *db, real *col,
                      int B, int cin, int cout, int h, int wd)
{
    int hw = h * wd, k = cin * 9;
    for (int n = 0; n < B; n++) {
        const real *g = dy + (long)n * cout * hw;
        for (int co = 0; co < cout; co++) {
            real s = 0;
            for (int p = 0; p < hw; p++) s += g[(long)co * hw + p];
            db[co] += s;
        }
        im2col3x3(x + (long)n * cin * hw, col, cin, h, wd);
        gemm(0, 1, cout, k, hw, 1, g, hw, col, hw, 1, dw, k);           /* dW += dY col^T */
        if (dx) {
            gemm(1, 0, k, hw, cout, 1, w, k, g, hw, 0, col, hw);         /* dcol = W^T dY */
            col2im3x3(col, dx + (long)n * cin * hw, cin, h, wd);
        }
    }
}
