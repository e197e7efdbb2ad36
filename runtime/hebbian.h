/* hebbian.h: Hebbian plasticity with homeostasis on the inter-layer weights
 * (BIONIC.md §3), applied after each optimiser step:
 *   dW = a_hebb * mean_batch(post * pre^T) - a_home * (f_avg - f_target)
 * masked; pre and post are the layers' ReLU activations scaled to [0,1] by
 * the batch maximum (of the layer, or of each neuron: hebb_scale_per_neuron);
 * f_avg is an EMA of each post neuron's scaled activity. */
#ifndef CONNC_HEBBIAN_H
#define CONNC_HEBBIAN_H

#include "network.h"

/* scratch: B * (pre + post) reals. */
void hebbian_update(const network *net, const bio_state *pre, bio_state *post, int B, real *scratch);
/* Applies hebbian_update to every consecutive pair of bio layers, the rows
 * of each shared among the network's threads. */
void hebbian_step(network *net, int B);

#endif
