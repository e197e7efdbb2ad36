/* layer_norm.c: LayerNorm over the last dimension with affine g, b
 * (BIONIC.md §2.3-2.5; PyTorch nn.LayerNorm, biased variance). */
#include "layers.h"

#include <math.h>

void layer_norm_forward(const real *x, const real *g, const real *b, real *y, real *mean, real *rstd,
                        int B, int n, real eps)
{
    for (int r = 0; r < B; r++) {
        const real *xr = x + (long)r * n;
        real *yr = y + (long)r * n;
        double m = 0, v = 0;
        for (int i = 0; i < n; i++) m += xr[i];
        m /= n;
        for (int i = 0; i < n; i++) v += (xr[i] - m) * (xr[i] - m);
        v /= n;
        real rs = (real)(1.0 / sqrt(v + eps));
        for (int i = 0; i < n; i++) yr[i] = (real)((xr[i] - m) * rs) * g[i] + b[i];
        mean[r] = (real)m;
        rstd[r] = rs;
    }
}

/* dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g. */
void layer_norm_backward(const real *x, const real *g, const real *mean, const real *rstd, const real *dy,
                         real *dx, real *dg, real *db, int B, int n)
{
    for (int r = 0; r < B; r++) {
        const real *xr = x + (long)r * n, *gr = dy + (long)r * n;
        double s1 = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            real xhat = (xr[i] - mean[r]) * rstd[r];
            real dxhat = gr[i] * g[i];
            dg[i] += gr[i] * xhat;
            db[i] += gr[i];
            s1 += dxhat;
            s2 += dxhat * xhat;
        }
        s1 /= n;
        s2 /= n;
        if (!dx) continue;
        real *d = dx + (long)r * n;
        for (int i = 0; i < n; i++) {
            real xhat = (xr[i] - mean[r]) * rstd[r];
            d[i] = rstd[r] * (real)(gr[i] * g[i] - s1 - xhat * s2);
        }
    }
}
