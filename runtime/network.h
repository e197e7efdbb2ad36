/* network.h: a network description (.cnet) turned into something that runs.
 *
 * The description's ops are executed in order, each reading the previous
 * op's output (ggml style: the plan is built once, buffers are sized for the
 * largest batch, and the training loop allocates nothing).  Parameters live in
 * one contiguous buffer with the same layout for gradients and the two Adam
 * moments (llm.c style); each op knows its offset into it.
 */
#ifndef CONNC_NETWORK_H
#define CONNC_NETWORK_H

#include "connc.h"
#include "bcm.h"
#include "bio_neuron.h"
#include "layers.h"
#include "workers.h"
#include "xoshiro.h"

#define NET_MAX_OPS 64

typedef enum {
    OP_CONV2D, OP_LATERAL, OP_RELU, OP_MAXPOOL, OP_CHANNEL_ATT, OP_SPATIAL_ATT,
    OP_FLATTEN, OP_LAYER_NORM, OP_LINEAR, OP_BIO_LAYER, OP_BIO_NEURON
} op_kind;

/* A BioLogicalNeuron layer's homeostasis (BIO_LAYERS.md §1, bio_neuron.h)
 * and its monitoring: one record per training step (mean health, stability,
 * mean calcium, repair 0/1), kept for the plot and saved in checkpoints. */
typedef struct {
    bio_neuron_state s;
    real *monitor;              /* 4 per step (owned, grows) */
    long steps, cap;
    int truncated;              /* out of memory: later steps were not recorded */
} bio_neuron_op;

/* A biological layer's working state (BIONIC.md §2.4). */
typedef struct {
    int size, in;               /* n_k and n_{k-1} (in = 0: first layer, input taken as h_inter) */
    int masked_inter, masked_intra, intra, inhibition, noise, layer_norm;
    csr_mask inter_mask, intra_mask;   /* borrowed from the mapped .cnet */
    masked_dense inter_dense, intra_dense; /* set when the description picks the dense kernel */
    real *inhib_norm;           /* I_k / (max I_k + 1e-8) (owned) */
    /* parameter offsets (-1 when absent) */
    long w_inter, b_inter, w_intra, b_intra, alpha, ln_g, ln_b;
    /* saved activations, [B, size] each */
    real *a, *h_inter, *h_comb, *h, *mean, *rstd, *tmp;
    real *noise_buf;            /* [B, size] synaptic noise of a training step, drawn before the forward */
    real *delta;                /* [B, size] dLoss/dh_comb of the last backward, kept for BCM (NULL without BCM) */
    real *f_avg;                /* Hebbian homeostasis: EMA of normalised activity (owned, in checkpoints) */
    int split_inter, split_intra; /* weight splitting: block size Gamma of each projection (0: off) */
} bio_state;

typedef struct {
    op_kind kind;
    char name[40];
    int c, h, w;                /* output shape (vectors: c = features, h = w = 1) */
    long in_n, out_n;           /* features per sample, in and out */
    int in_c, in_h, in_w;
    long pw, pb, pw2, pb2;      /* parameter offsets (-1 when absent) */
    int hidden;                 /* channel attention */
    int view;                   /* out/dout are the input's: a flatten, or a ReLU folded into the next op */
    int relu_first;             /* max pool: applies the ReLU op before it (that op is then a view) */
    int split;                  /* conv / linear: weight splitting block size Gamma (0: off) */
    real *out, *dout;           /* [B, out_n] output and its gradient */
    real *save1, *save2, *save3, *save4; /* op-specific saved tensors */
    int32_t *arg;               /* max-pool winners */
    bio_state *bio;
    bio_neuron_op *bln;         /* OP_BIO_NEURON: pw = V, pw2 = g, pb = bias; save1 = W, save2 = pre-activations */
} net_op;

/* A weighted projection of the network (biases excluded): what the
 * mechanisms of BIO_LAYERS.md attach to.  Its weights are param[offset ..
 * offset + n): rows = output units, cols = presynaptic units, taps weights
 * per (row, unit) (9 for a 3x3 convolution), or the stored entries of a CSR
 * mask (indptr / indices, rows + 1 and n entries). */
typedef struct {
    char name[56];              /* the op's name; bio layers add ".inter" / ".intra" */
    int op;                     /* index of its op in ops[] */
    long offset, n;
    int rows, cols, taps;
    long positions;             /* times each weight is used per image: h*w for a convolution, else 1 */
    const int64_t *indptr;
    const int32_t *indices;
    int dense;                  /* a CSR projection run as dense GEMM (masked_dense.c) */
} projection;

#define NET_MAX_PROJ (2 * NET_MAX_OPS)

/* State of the synaptic-diversity mechanisms (BIO_LAYERS.md §2, see
 * mechanisms.h), saved in checkpoints. */
typedef struct {
    real *factor;               /* P fuzzy learning-rate factors (1 off the targets); NULL when unused */
    int8_t *sign;               /* Dale signs of the targets' presynaptic units, in projection order */
    long nsign;
    long rejuvenated, damped, zeroed;   /* events since the counts were last read */
    /* BCM local learning rates (BIO_LAYERS.md §3, bcm.h) on the bio layers'
     * inter and intra projections: per-weight step scales in lr_scale (P, 1
     * elsewhere; NULL when off), one bcm_state per projection */
    real *lr_scale;
    bcm_params bcm_p;
    int nbcm;
    bcm_state bcm[NET_MAX_PROJ];
    int bcm_op[NET_MAX_PROJ];   /* the bio op whose units each state observes */
    int64_t *bcm_starts[NET_MAX_PROJ]; /* row starts of a dense projection (owned; NULL: CSR) */
} mechanisms;

typedef struct {
    char name[48];
    long offset, count;
    int fan_in;                 /* > 0: PyTorch U(-1/sqrt(fan_in), 1/sqrt(fan_in)) */
    real fill;                  /* fan_in == 0: constant (LayerNorm 1/0, alpha 0.5) */
    int decay;                  /* weight decay applies */
} param_info;

typedef struct {
    double lr, beta1, beta2, eps, weight_decay, label_smoothing;
    int batch_size, max_epochs, patience;
    double plateau_factor, min_lr;
    int plateau_patience;
    double lateral_alpha, alpha_init, noise_std, ln_eps;
    double hebb_rate, homeo_rate, homeo_target, homeo_momentum;
    double crop_scale_min, crop_scale_max, crop_ratio_min, crop_ratio_max, rotation_deg, flip_prob, brightness, contrast;
    int init_fan_in_from_mask;
    int hebb_scale_per_neuron;  /* Hebbian [0,1] scaling by each neuron's batch max, not the layer's */
    /* synaptic diversity (BIO_LAYERS.md §2) */
    double fuzzy_half_width, rejuvenation_d, crystal_threshold, crystal_dampening, dale_excitatory_fraction;
    int split_gamma;
    /* BCM local learning rates (BIO_LAYERS.md §3) */
    int bcm_observe, bcm_decay, bcm_sliding;
    double bcm_theta, bcm_lambda, bcm_tau, bcm_decay_epochs;
    /* BioLogicalNeuron (BIO_LAYERS.md §1), when the description uses the op */
    bio_neuron_params bln;
    int bln_adaptive_lr;        /* 1: its parameters step at the adaptive learning rate */
    /* switches of BIONIC.md §4 that act in the learning loop */
    int weight_decay_on, scheduler_on, label_smoothing_on, augmentation_on, hebbian_on, class_weights_on;
    /* switches of BIO_LAYERS.md §2, off unless the description turns them on */
    int fuzzy_lr_on, rejuvenation_on, splitting_on, crystallise_on, dale_on, bcm_on;
} net_hyper;

typedef struct {
    connc_file *file;           /* the mapped .cnet (masks are borrowed from it) */
    char *meta;                 /* its metadata text (owned copy) */
    net_hyper hp;
    int classes, in_c, in_h, in_w;
    int nops;
    net_op ops[NET_MAX_OPS];
    int nparams;
    param_info params[4 * NET_MAX_OPS];
    long P;                     /* total parameter count (masked entries never stored) */
    real *param, *grad, *adam_m, *adam_v;   /* P each */
    int max_batch;
    real *input, *dinput;       /* [B, in_c*in_h*in_w] */
    real *scratch;              /* largest per-op scratch (worker 0's) */
    long scratch_n;
    /* The batch split over threads (network_set_threads): worker w > 0 has
     * its own gradient buffer and scratch, P and scratch_n reals at
     * wgrad + (w-1) * P and wscratch + (w-1) * scratch_n (owned). */
    workers pool;
    real *wgrad, *wscratch;
    void *arena;                /* all activation buffers (one allocation) */
    int nproj;
    projection proj[NET_MAX_PROJ];  /* every weighted projection, in op order */
    mechanisms mech;
    int profile;                /* set: time every op into op_seconds (connc bench --profile) */
    double op_seconds[NET_MAX_OPS][2];  /* forward, backward; accumulated */
} network;

/* Opens a .cnet and plans every buffer for batches up to max_batch.
 * ablate: NULL or comma-separated switches to turn off (BIONIC.md §4). */
int network_load(const char *path, int max_batch, const char *ablate, network *net);
void network_free(network *net);
/* Fills net->proj (network_load does). */
void network_list_projections(network *net);
/* PyTorch default initialisation from rng (BIONIC.md §2, "Initialisation"). */
void network_init_params(network *net, rng_state *rng);

/* Uses `threads` threads (1 <= threads <= WORKERS_MAX, the caller one of
 * them): every batch is split into that many parts, each run through all ops
 * by its own thread with its own gradient buffer and scratch, and OpenBLAS
 * runs single-threaded inside each; the gradients are summed after the
 * backward pass.  Returns the parts a batch is split into, or -1 out of
 * memory (one part is used then).  Results depend on the number of parts
 * only through the order of floating-point sums. */
int network_set_threads(network *net, int threads);
/* The images [*b0, *b0 + *count) of a batch of B that worker w of n runs:
 * this rank's part (dist.h), split evenly over the workers. */
void network_slice(int B, int w, int n, int *b0, int *count);
/* Worker w's scratch (scratch_n reals); worker 0's is net->scratch. */
real *network_scratch(const network *net, int w);

/* Forward of a batch in net->input; returns the logits [B, classes].
 * training turns synaptic noise on (drawn from rng).  Under several ranks
 * (dist.h) each computes its part and the results the batch-level code
 * reads are gathered: every rank returns the whole batch's logits. */
const real *network_forward(network *net, int B, int training, rng_state *rng);
/* Where the caller writes dLoss/dlogits [B, classes] before the backward pass. */
real *network_dlogits(network *net);
/* Backward from network_dlogits(); accumulates into net->grad (summed over
 * the ranks), then feeds the BCM states the whole batch's observations
 * (mech_observe). */
void network_backward(network *net, int B);

#endif
