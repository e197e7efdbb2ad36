/* activation.c: ReLU. */
#include "layers.h"

void relu_forward(const real *x, real *y, long n)
{
    for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

void relu_backward(const real *y, const real *dy, real *dx, long n)
{
    for (long i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
