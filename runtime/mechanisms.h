/* mechanisms.h: the synaptic-diversity mechanisms of BIO_LAYERS.md §2
 * (diversity.h) attached to a network: fuzzy learning rates, weight
 * rejuvenation, weight splitting (inside the forward and backward passes,
 * network_run.c and bio_layer.c), crystallisation and Dale's principle, each a switch of the
 * description (off unless `connc emit --on NAME`), acting on every weighted
 * projection except the classifier (the reference package leaves the output
 * layer alone too).  Their numbers are hyperparameters of the description.
 *
 * In a training step, as in the paper's code: backward, mech_before_step
 * (fuzzy factors on the weight gradients, crystallisation, rejuvenation), the
 * optimiser step, mech_after_step (Dale's projection).
 */
#ifndef CONNC_MECHANISMS_H
#define CONNC_MECHANISMS_H

#include "network.h"

/* Allocates what the description's switches need (network_load calls it). */
int mech_open(network *net);
void mech_free(network *net);
/* After the weights are initialised: draws the fuzzy factors and Dale signs
 * and makes the initial weights obey the signs. */
void mech_init(network *net, rng_state *rng);
void mech_before_step(network *net, rng_state *rng);
void mech_after_step(network *net);
/* Is projection k one the mechanisms act on? */
int mech_targets(const network *net, int k);

#endif
