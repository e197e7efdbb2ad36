/* gradcheck.h: finite-difference checks in double precision.
 *
 * A layer is checked through the scalar L = sum(y * r) with a fixed random
 * r: backward with dy = r gives dL/dtheta, compared with the central
 * difference (L(theta+h) - L(theta-h)) / 2h for every entry of theta. */
#ifndef CONNC_GRADCHECK_H
#define CONNC_GRADCHECK_H

#include "real.h"

typedef double (*loss_fn)(void *ctx);

/* Fills a with uniform values in [lo, hi) from a fixed LCG stream. */
void fill_uniform(real *a, long n, double lo, double hi, unsigned *seed);
/* sum(y * r) */
double dot(const real *y, const real *r, long n);
/* Largest relative error between the analytic gradient and finite differences
 * of f with respect to theta[0..n). */
double grad_error(loss_fn f, void *ctx, real *theta, const real *analytic, long n);

#endif
