/* optimizer.c: torch.optim.Adam and torch.optim.lr_scheduler.ReduceLROnPlateau. */
#include "optimizer.h"

#include <math.h>

/* The arithmetic follows torch.optim.Adam 1.13's float32 path: the scalars
 * 1 - beta are formed in double and then rounded (0.1f and 0.001f, not
 * 1 - 0.9f and 1 - 0.999f), and the denominator is sqrt(v) / sqrt(bc2) + eps. */
adam_coeffs adam_begin(adam_state *s)
{
    s->t++;
    double bc1 = 1 - pow(s->beta1, (double)s->t), bc2 = 1 - pow(s->beta2, (double)s->t);
    return (adam_coeffs){.b1 = (real)s->beta1, .b2 = (real)s->beta2, .wd = (real)s->weight_decay,
                         .c1 = (real)(1 - s->beta1), .c2 = (real)(1 - s->beta2), .step = (real)(s->lr / bc1),
                         .sbc2 = (real)sqrt(bc2), .eps = (real)s->eps};
}

void adam_update(const adam_coeffs *c, real *p, real *g, real *m, real *v, const real *scale, long n)
{
    for (long i = 0; i < n; i++) {
        real gi = g[i] + c->wd * p[i];
        m[i] = c->b1 * m[i] + c->c1 * gi;
        v[i] = c->b2 * v[i] + c->c2 * gi * gi;
        p[i] -= (scale ? scale[i] : 1) * c->step * m[i] / (REAL_SQRT(v[i]) / c->sbc2 + c->eps);
        g[i] = 0;
    }
}

void adam_step(adam_state *s, real *p, real *g, real *m, real *v, const real *scale, long n)
{
    adam_coeffs c = adam_begin(s);
    adam_update(&c, p, g, m, v, scale, n);
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
