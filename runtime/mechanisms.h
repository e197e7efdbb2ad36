/* mechanisms.h: the synaptic-diversity mechanisms of BIO_LAYERS.md §2
 * (diversity.h) attached to a network: fuzzy learning rates, weight
 * rejuvenation, weight splitting (inside the forward and backward passes,
 * network_run.c and bio_layer.c), crystallisation, Dale's principle and the
 * BCM local learning rates (bcm.h, on the bio layers' projections: their
 * per-weight scales multiply Adam's step and the Hebbian update), each a switch of the
 * description (off unless `connc emit --on NAME`), acting on every weighted
 * projection except the classifier (the reference package leaves the output
 * layer alone too) and a BioLogicalNeuron op (its weight is g V / ||V||, which
 * these mechanisms were not written for).  A weight BCM holds still (scale
 * 0) is also left alone by rejuvenation.  With weight splitting on, BCM's
 * error observation sees the split gradient (bio_layer.h).  Their numbers are
 * hyperparameters of the description.
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
/* What the mechanisms did over the last `steps` training steps, as fractions
 * of the weights they act on: re-drawn by rejuvenation, damped by
 * crystallisation and zeroed by Dale's projection, per step; and, now, the
 * share whose crystallisation factor fell below 1 % (all but frozen under
 * Adam).  The event counts start again from zero. */
void mech_take_activity(network *net, long steps, double *rejuvenated, double *damped, double *zeroed,
                        double *crystallised);
/* BCM (BIO_LAYERS.md §3): after bio op `op`'s backward, delta the gradient at
 * its units' pre-activation [B, size]; at the end of each epoch (0-based). */
void mech_observe(network *net, int op, const real *delta, int B);
void mech_end_epoch(network *net, int epoch);
/* The histograms of the BCM scales per projection as SVG (bcm_plot.c). */
int mech_write_bcm_plot(const network *net, const char *path);
/* Is projection k one the mechanisms act on? */
int mech_targets(const network *net, int k);

#endif
