/* bcm.h: BCM-inspired per-weight learning rates (BIO_LAYERS.md §3;
 * Malinovska & Jakubove).  The paper gives the idea, not the formulas; the
 * decisions below are ours and each is an option of the description.
 *
 * Every weight n of a projection has a learning-rate scale a_n = alpha_n /
 * alpha_0, 1 at the start, which multiplies its optimiser step (with Adam: the
 * step of that weight).  The observed variable of an output unit, averaged
 * over an epoch's training batches, decides when the unit's connections
 * saturate:
 *   BCM_OBSERVE_ACTIVATION: the unit's mean activation q saturates it once
 *                           q >= theta;
 *   BCM_OBSERVE_ERROR:      the unit's mean |delta| (dLoss / d pre-activation)
 *                           saturates it once it falls below theta.
 * theta is fixed (theta_M), or sliding: theta = lambda * <y^2>, an
 * exponential moving average of the unit's squared activation with time
 * constant tau steps (BCM's theta_M = lambda <y^2>_tau).  From the epoch a
 * unit saturates, t epochs later every weight of its row has
 *   linear:       a = max(0, 1 - t / K)
 *   logarithmic:  a = max(0, (2 - ln(1 + t (e^2 - 1) / K)) / 2)
 * (the paper's -ln(x) + 2, rescaled so both start at 1 and reach 0 after K
 * epochs); a weight whose scale reached 0 stays fixed.  Both are clamped to
 * [0, 1] and are exactly 0 from t >= K on (K <= 0: 0 at once).
 *
 * Counting t: bcm_end_epoch(epoch) sets the scales used during the next
 * epoch, with t = epoch - saturated_at + 1.  So the end of the epoch in which
 * a unit saturates already decreases its scales once (linear: 1 - 1/K), and
 * (for an integer K) the end of epoch saturated_at + K - 1 sets them to 0.
 *
 * Edge cases: an epoch without observed steps (steps == 0) saturates nothing
 * new, but the scales of rows saturated earlier still follow the decay (they
 * depend only on the epoch number, so ending the same epoch twice is
 * harmless).  tau < 1 acts as tau = 1 (sq_avg becomes the step's mean y^2).
 * sq_avg starts at 0, so while far fewer than tau steps have been seen the
 * sliding theta is below lambda <y^2>.
 */
#ifndef CONNC_BCM_H
#define CONNC_BCM_H

#include "real.h"

#include <stdint.h>

enum { BCM_OBSERVE_ACTIVATION = 0, BCM_OBSERVE_ERROR = 1 };
enum { BCM_DECAY_LINEAR = 0, BCM_DECAY_LOG = 1 };

typedef struct {
    int observe;                /* BCM_OBSERVE_* */
    int decay;                  /* BCM_DECAY_* */
    int sliding;                /* 0: fixed theta; 1: theta = lambda <y^2>_tau */
    double theta, lambda, tau;  /* tau in training steps */
    double decay_epochs;        /* K */
} bcm_params;

/* One projection's state.  Rows are output units; the weights of row r are
 * [row_start[r], row_start[r + 1]) of the projection's flat weight array (a
 * CSR indptr, or r * cols for a dense matrix). */
typedef struct {
    int rows;
    long n;
    const int64_t *row_start;   /* rows + 1 entries */
    /* state saved in checkpoints */
    real *scale;                /* n: a_n */
    int32_t *saturated_at;      /* rows: epoch the unit saturated, -1 while it has not */
    real *sq_avg;               /* rows: <y^2> (sliding threshold) */
    /* this epoch's accumulators (reset by bcm_end_epoch) */
    double *obs_sum;            /* rows */
    long steps;
} bcm_state;

/* Sizes the caller allocates: scale n reals; saturated_at rows int32;
 * sq_avg rows reals; obs_sum rows doubles.  bcm_reset fills them (a = 1,
 * nothing saturated, zero averages). */
void bcm_reset(bcm_state *s);
/* After a training step's backward: y the unit activations [B, rows], delta
 * the gradients at the pre-activations [B, rows] (either may be NULL when the
 * chosen observation does not need it; y is needed for a sliding theta).
 * The step's observed value of row r, the batch mean of y (activation) or of
 * |delta| (error), is added to obs_sum[r] (not for rows already saturated)
 * and steps counts the step; with the observed array NULL (or B <= 0) the
 * step is not counted.  With p->sliding and y given, every row's sq_avg
 * moves by (mean_b y^2 - sq_avg) / tau. */
void bcm_observe(bcm_state *s, const bcm_params *p, const real *y, const real *delta, int B);
/* At the end of epoch `epoch` (0-based): units not yet saturated whose epoch
 * mean obs_sum / steps crossed theta (p->theta, or p->lambda * sq_avg when
 * sliding) get saturated_at = epoch; every saturated row's scales are then
 * set to the decay at t = epoch - saturated_at + 1; obs_sum and steps are
 * reset. */
void bcm_end_epoch(bcm_state *s, const bcm_params *p, int epoch);

#endif
