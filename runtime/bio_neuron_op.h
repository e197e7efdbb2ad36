/* bio_neuron_op.h: the BioLogicalNeuron layer (BIO_LAYERS.md §1,
 * bio_neuron.h) as an op of a network: its state and monitoring, the
 * homeostasis step after each optimiser step (so a repair acts on the
 * weights the next forward uses, and the backward pass always sees the
 * weights of its own forward), the optional adaptive learning rate,
 * checkpoints and the monitoring plot.
 *
 * In a training step: forward, backward, bln_step_scales, optimiser step,
 * bln_after_step.
 * Evaluation never calls bln_after_step, so it changes nothing (one of the
 * reference code's defects, fixed).
 */
#ifndef CONNC_BIO_NEURON_OP_H
#define CONNC_BIO_NEURON_OP_H

#include "container.h"
#include "network.h"

#include <cJSON.h>

/* Allocates op->bln for `out` neurons and a history of `window` steps. */
int bln_open(net_op *op, int out, int window);
void bln_free(bio_neuron_op *b);
/* After the parameters are drawn: g_i = ||V_i|| (so W = V at the start, as
 * torch's weight_norm sets it), state and monitoring cleared. */
void bln_init(network *net, net_op *op);
/* With bln_adaptive_lr, just before an optimiser step at learning rate lr:
 * each op's parameters get the step scale adaptive_lr / lr
 * (net->mech.lr_scale), so they step at the adaptive rate. */
void bln_step_scales(network *net, double lr);
/* The homeostasis step of every BioLogicalNeuron op after an optimiser step. */
void bln_after_step(network *net, int B, rng_state *rng);
/* Checkpoint state: arrays bln/<op>/{calcium,prev_calcium,norm_hist,
 * health_hist,monitor} (borrowed until container_write) and counters under
 * meta's "bio_neuron".<op>. */
int bln_save_arrays(container_writer *w, const network *net);
void bln_save_meta(const network *net, cJSON *meta);
int bln_load(connc_file *f, network *net, const cJSON *meta);
/* RUNDIR/bio_neuron.svg: mean health, stability, mean calcium (with a
 * moving average) and repair events over training steps, per op. */
int bln_write_plot(const network *net, const char *path);

#endif
