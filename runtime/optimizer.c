/* optimizer.c: torch.optim.Adam and torch.optim.lr_scheduler.ReduceLROnPlateau. */
#include "optimizer.h"

#include <math.h>

void adam_step(adam_state *s, real *p, real *g, real *m, real *v, long n)
{
    s->t++;
    double bc1 = 1 - pow(s->beta1, (double)s->t), bc2 = 1 - pow(s->beta2, (double)s->t);
    real b1 = (real)s->beta1, b2 = (real)s->beta2, wd = (real)s->weight_decay;
    real step = (real)(s->lr / bc1), rbc2 = (real)(1 / sqrt(bc2)), eps = (real)s->eps;
    for (long i = 0; i < n; i++) {
        real gi = g[i] + wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        p[i] -= step * m[i] / (REAL_SQRT(v[i]) * rbc2 + eps);
        g[i] = 0;
    }
}

void plateau_init(plateau_state *s, double factor, int patience, double min_lr)
{
    s->factor = factor;
    s->patience = patience;
    s->min_lr = min_lr;
    s->threshold = 1e-4; /* PyTorch default, threshold_mode 'rel' */
    s->best = INFINITY;
    s->bad_epochs = 0;
}

double plateau_step(plateau_state *s, double metric, double lr)
{
    if (metric < s->best * (1 - s->threshold)) {
        s->best = metric;
        s->bad_epochs = 0;
        return lr;
    }
    if (++s->bad_epochs <= s->patience) return lr;
    s->bad_epochs = 0;
    double next = fmax(lr * s->factor, s->min_lr);
    return lr - next > 1e-8 ? next : lr; /* PyTorch ignores changes below eps = 1e-8 */
}
