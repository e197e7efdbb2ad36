/* diversity.h: synaptic diversity on one projection's weights
 * (BIO_LAYERS.md §2; Hofmann et al., Nat Commun 2025; reference code
 * pytorch_bio_transformations).
 *
 * A projection's weights are a flat array seen through a weight_view: a dense
 * matrix (rows = output units, cols = presynaptic units), the stored entries
 * of a CSR mask (masked-out entries are not stored at all, so they stay zero
 * under every mechanism here), or a 3x3 convolution's [cout, cin*9] filters
 * (rows = output channels, taps = 9 weights per presynaptic channel).  Biases
 * are never touched.
 *
 * Order within a training step, as the paper's code: forward (splitting inside
 * the layer), backward, fuzzy_apply on the weight gradient, rejuvenate, the
 * optimiser step, then dale_project.
 */
#ifndef CONNC_DIVERSITY_H
#define CONNC_DIVERSITY_H

#include "real.h"
#include "xoshiro.h"

#include <stdint.h>

typedef struct {
    real *w;                    /* the weights, n values */
    long n;
    int rows;                   /* output units */
    int cols;                   /* presynaptic units (a convolution: input channels) */
    int taps;                   /* weights per (row, presynaptic unit): 9 for a 3x3 convolution, else 1 */
    const int64_t *indptr;      /* CSR: entries of row r are [indptr[r], indptr[r+1]); NULL: dense */
    const int32_t *indices;     /* CSR: presynaptic unit of each entry; NULL: dense */
} weight_view;

/* Fuzzy learning rates: one factor per weight, drawn once from
 * U(1 - half_width, 1 + half_width) (the paper's tau = 2 * half_width). */
void fuzzy_init(real *factor, long n, double half_width, rng_state *rng);
/* The weight gradient times its factors, before the optimiser step. */
void fuzzy_apply(real *grad, const real *factor, long n);

/* Weight rejuvenation: M = max|w| over the projection; each weight draws
 * r = |N(0, (M / d)^2)| and, where r > |w|, is replaced by a draw from
 * U(-M, M).  So a weight is re-drawn with probability erfc(|w| / (s sqrt 2)),
 * s = M / d.  scale (v->n, or NULL): BCM's per-weight step scales; a weight
 * whose scale is 0 is held still by BCM and is never re-drawn.  Returns how
 * many weights were replaced. */
long rejuvenate(const weight_view *v, double d, const real *scale, rng_state *rng);

/* Weight splitting: y holds B samples of `units` outputs, each output a map of
 * `spatial` values (1 for a dense layer, h*w for a convolution), laid out
 * [B, units, spatial].  Each block of gamma consecutive units is replaced, at
 * every position, by the sum over the block (the pre-activation, bias
 * included).  The map is symmetric, so the same call is its own adjoint: apply
 * it to the output gradient in backward.  When units is not a multiple of
 * gamma the last block is shorter (layer sizes such as 349 are odd; the paper
 * only splits widths that divide). */
void split_units(real *y, int B, int units, long spatial, int gamma);

/* Dale's principle: each presynaptic unit gets a fixed sign, +1 with
 * probability excitatory_fraction, else -1. */
void dale_init(int8_t *sign, int units, double excitatory_fraction, rng_state *rng);
/* w = sign(pre) * |w|: the initial weights obey the signs. */
void dale_init_weights(const weight_view *v, const int8_t *sign);
/* After each optimiser step: a weight whose sign differs from its presynaptic
 * unit's is set to 0 (w = sign * max(0, sign * w)).  Returns how many. */
long dale_project(const weight_view *v, const int8_t *sign);

/* Crystallisation (an extra of the reference package): a weight whose
 * relative gradient |g| / |w| falls below threshold, or whose |g| exceeds the
 * projection's mean |w|, has its fuzzy factor multiplied by dampening
 * (0 < dampening < 1), for good.  Returns how many factors were damped. */
long crystallise(const weight_view *v, const real *grad, real *factor, double threshold, double dampening);

#endif
