/* optimizer.h: Adam with L2 weight decay and ReduceLROnPlateau, with
 * PyTorch's semantics (BIONIC.md §3). */
#ifndef CONNC_OPTIMIZER_H
#define CONNC_OPTIMIZER_H

#include "real.h"

typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
    long t;                     /* steps taken (for bias correction) */
} adam_state;

/* One step over n parameters: g += wd * p (torch.optim.Adam, not AdamW),
 * then the bias-corrected Adam update.  Leaves g zeroed for the next
 * backward pass, which accumulates into it (one pass over memory fewer than
 * a separate memset).  scale (n, or NULL for all 1) multiplies each
 * parameter's step: the BCM per-weight learning rates (BIO_LAYERS.md §3). */
void adam_step(adam_state *s, real *p, real *g, real *m, real *v, const real *scale, long n);

/* adam_step in two parts, so that threads can share one step: adam_begin
 * counts the step and fixes its scalars; adam_update applies them to any
 * range of parameters (the same arithmetic, element by element). */
typedef struct {
    real b1, b2, c1, c2, wd, step, sbc2, eps;
} adam_coeffs;
adam_coeffs adam_begin(adam_state *s);
void adam_update(const adam_coeffs *c, real *p, real *g, real *m, real *v, const real *scale, long n);

typedef struct {
    double factor, min_lr, threshold;   /* threshold: relative, mode 'min' */
    int patience;
    double best;                /* best validation loss so far */
    int bad_epochs;
} plateau_state;

void plateau_init(plateau_state *s, double factor, int patience, double min_lr);
/* Feeds one epoch's validation loss; returns the (possibly reduced) lr. */
double plateau_step(plateau_state *s, double metric, double lr);

#endif
