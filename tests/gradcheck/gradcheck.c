/* gradcheck.c: helpers of the finite-difference gradient checks. */
#include "gradcheck.h"

#include <math.h>

void fill_uniform(real *a, long n, double lo, double hi, unsigned *seed)
{
    for (long i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        a[i] = (real)(lo + (hi - lo) * ((*seed >> 8) / 16777216.0));
    }
}

double dot(const real *y, const real *r, long n)
{
    double s = 0;
    for (long i = 0; i < n; i++) s += y[i] * r[i];
    return s;
}

double grad_error(loss_fn f, void *ctx, real *theta, const real *analytic, long n)
{
    const double h = 1e-6;
    double worst = 0;
    for (long i = 0; i < n; i++) {
        real keep = theta[i];
        theta[i] = keep + h;
        double up = f(ctx);
        theta[i] = keep - h;
        double down = f(ctx);
        theta[i] = keep;
        double num = (up - down) / (2 * h);
        double err = fabs(num - analytic[i]) / fmax(1e-3, fabs(num) + fabs(analytic[i])) /* tiny gradients: absolute error */;
        if (err > worst) worst = err;
    }
    return worst;
}
