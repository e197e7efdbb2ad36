/* bio_neuron.h: the BioLogicalNeuron layer (BIO_LAYERS.md §1; Hakim & Alam,
 * Sci Rep 2025; reference code logicsame/bio-logical-self-healing-neural-system).
 *
 * Forward: W = g * V / ||V|| row by row (weight normalisation), y = GELU(W x + b)
 * with the exact (erf) GELU.  After each training forward, bio_neuron_update
 * runs the homeostasis of the reference code, in its order:
 *   calcium    c <- m c + (1 - m) beta mean_batch(y) + N(0, 0.01^2),
 *              m = min(0.95, 0.9 + 0.001 * updates so far)
 *   stability  WS_i = clamp(1 - std/mean of neuron i's last `window` row norms ||W_i||, 0.1, 1)
 *              (unbiased std over time; 1 while fewer than 2 norms are known)
 *   base       BH = sigmoid(sigmoid(theta_ca - c) + gamma WS)
 *   trend      tau = -mean(c - c_previous)  (0 at the first update)
 *   stability  S = clamp(1 - std/mean over all entries of the previous `window`
 *              health vectors, 0.1, 1)  (1 while fewer than 2 are known)
 *   health     H = BH * S * (1 + sigmoid(tau))
 *   repair     when the cooldown is 0 and mean(H) < repair_threshold:
 *              rows with c > theta_ca scaled by 1 - rho (1 - S); then, with
 *              mu_i = mean |W_i|, weights |w| < 0.1 mu_i times 0.9 (pruning)
 *              and |w| > 2 mu_i times 1.05 (reinforcement); then, if
 *              ||W||_F > 2 * numel, W scaled to norm numel; cooldown = 40.
 *              Otherwise a positive cooldown counts down by one.
 *   lr         base_lr * mean(H) * S (applied when the description asks).
 * Both std/mean ratios divide by mean + 1e-6, as the reference code does.
 *
 * The reference code's four defects are not copied: repairs are written back
 * into V and g (V_i = W_i, g_i = ||W_i||, so they persist instead of being
 * recomputed away), nothing changes in evaluation (only bio_neuron_update
 * changes state, and only training calls it), the adaptive learning rate is
 * returned for the optimiser to apply, and every piece of state lives in
 * bio_neuron_state, which checkpoints save.
 */
#ifndef CONNC_BIO_NEURON_H
#define CONNC_BIO_NEURON_H

#include "real.h"
#include "xoshiro.h"

typedef struct {
    double beta;                /* calcium activation scale, 0.4 */
    double theta_ca;            /* calcium threshold, 0.9 */
    double gamma;               /* weight-stability weight in the base health, 0.25 */
    double repair_threshold;    /* mean health below which a repair runs, 0.5 */
    double rho;                 /* synaptic-scaling intensity, 0.08 */
    double base_lr;             /* adaptive learning rate base, 0.001 */
    int cooldown;               /* updates between repairs, 40 */
    int window;                 /* history length, 8 */
} bio_neuron_params;

/* Everything that evolves, saved in checkpoints.  Arrays are allocated by
 * the caller: calcium and prev_calcium `out` reals each, norm_hist and
 * health_hist window * out reals each, oldest first: entry k of neuron i is
 * [k * out + i], k < len (a full history drops its oldest entry to append). */
typedef struct {
    int out, window;
    real *calcium, *prev_calcium;
    real *norm_hist, *health_hist;
    int norm_len, health_len;   /* entries in each ring, at most window */
    long updates;               /* bio_neuron_update calls so far */
    int cooldown;
    long repairs;               /* repair events so far */
    double lr;                  /* the last adaptive learning rate */
} bio_neuron_state;

/* What one update did, for monitoring and the plots. */
typedef struct {
    double health;              /* mean(H) */
    double stability;           /* S */
    double calcium;             /* mean(c) */
    int repaired;               /* a repair ran */
    long scaled_rows, pruned, reinforced;
    int rescaled;               /* the Frobenius-norm rescale ran */
} bio_neuron_report;

/* w: scratch of out * in reals, receives W.  z: [B, out] pre-activations
 * (kept for backward); y: [B, out]. */
void bio_neuron_forward(const real *V, const real *g, const real *b, const real *x, real *w, real *z, real *y,
                        int B, int in, int out);
/* The forward in its two parts, so that threads sharing a batch compute W
 * once: W = g V / ||V|| row by row into w, then z = x W^T + b and y = GELU(z)
 * for B images. */
void bio_neuron_weights(const real *V, const real *g, real *w, int in, int out);
void bio_neuron_apply(const real *b, const real *x, const real *w, real *z, real *y, int B, int in, int out);
/* Gradients accumulate into dV, dg, db; dx [B, in] is overwritten (may be
 * NULL).  w must still hold forward's W; scratch: B * out reals. */
void bio_neuron_backward(const real *V, const real *g, const real *x, const real *w, const real *z, const real *dy,
                         real *dV, real *dg, real *db, real *dx, real *scratch, int B, int in, int out);
/* Zeroes calcium, histories and counters. */
void bio_neuron_reset(bio_neuron_state *s);
/* The homeostasis step after a training forward (y its output); may repair
 * V and g in place.  w: scratch of out * in reals.  `updates` counts the
 * earlier calls, so the first call uses m = 0.9.  One rng_gauss per neuron,
 * in neuron order, gives the calcium noise.  The histories hold s->window
 * entries (the arrays' size; p->window is what the caller sized them by).
 * The adaptive learning rate is left in s->lr; r may be NULL. */
void bio_neuron_update(bio_neuron_state *s, const bio_neuron_params *p, real *V, real *g, real *w, const real *y,
                       int B, int in, rng_state *rng, bio_neuron_report *r);

#endif
