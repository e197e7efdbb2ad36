/* bio_layer.h: forward/backward of one biological layer (BIONIC.md §2.4). */
#ifndef CONNC_BIO_LAYER_H
#define CONNC_BIO_LAYER_H

#include "network.h"

/* scratch, for both directions: 3 * B * size reals, then the kernels' work:
 * CSR_WORK (layers.h) of each CSR projection, rows x cols of each dense one.
 * A projection on the dense kernel reads its weights from the dense copy
 * bio_load_dense wrote (once per forward pass, before any thread starts). */
void bio_load_dense(const bio_state *L, const real *p);

/* p: the parameter buffer; x: the layer input [B, in] (or [B, size] for the
 * first layer); y: output [B, size]; noise: [B, size] added before the
 * LayerNorm (training), or NULL. */
void bio_forward(const bio_state *L, const real *p, const real *x, real *y, int B, const real *noise, real ln_eps,
                 real *scratch);
/* g: the gradient buffer (accumulated); dx may be NULL.  On return,
 * scratch[B*size, 2*B*size) holds dLoss/dh_comb, the gradient at the units'
 * pre-activation (after the intra projection's split, when splitting is on). */
void bio_backward(const bio_state *L, const real *p, real *g, const real *x, const real *dy, real *dx,
                  real *scratch, int B);
void bio_clamp_alpha(const bio_state *L, real *p);
/* Option of BIONIC.md §2: re-draw masked weights with the bound 1/sqrt(fan-in
 * of the mask row) instead of the full input width. */
void bio_init_from_mask_rows(const bio_state *L, real *p, rng_state *rng);

#endif
