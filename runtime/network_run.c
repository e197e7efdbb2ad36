/* network_run.c: initialise, then run the planned ops forward and backward. */
#include "bio_layer.h"
#include "bio_neuron_op.h"
#include "dist.h"
#include "diversity.h"
#include "mechanisms.h"
#include "network.h"
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void network_init_params(network *net, rng_state *rng)
{
    for (int i = 0; i < net->nparams; i++) {
        const param_info *p = &net->params[i];
        real *v = net->param + p->offset;
        if (p->fan_in <= 0) {
            for (long k = 0; k < p->count; k++) v[k] = p->fill;
            continue;
        }
        double bound = 1.0 / sqrt((double)p->fan_in); /* PyTorch Linear/Conv2d defaults */
        for (long k = 0; k < p->count; k++) v[k] = (real)((2 * rng_double(rng) - 1) * bound);
    }
    for (int i = 0; i < net->nops; i++) {
        if (net->ops[i].bio && net->hp.init_fan_in_from_mask) bio_init_from_mask_rows(net->ops[i].bio, net->param, rng);
        if (net->ops[i].bln) bln_init(net, &net->ops[i]);
    }
}

/* ------------------------------------------------------------ slices
 *
 * A worker runs every op on images [b0, b0 + B) of the batch.  Activations
 * are batch-major, so its part of each buffer starts b0 images in; buffers
 * laid out per call (the im2col patches) are sized per image, so a slice of
 * B images owns the B images' worth starting at b0. */

static long conv_col_per_image(const net_op *op) { return (long)(op->in_c * 9 + op->c) * op->h * op->w; }

static const real *op_input(const network *net, int i, int b0)
{
    return i ? net->ops[i - 1].out + b0 * net->ops[i - 1].out_n : net->input + (long)b0 * net->in_c * net->in_h * net->in_w;
}

static real *op_dinput(const network *net, int i, int b0)
{
    return i ? net->ops[i - 1].dout + b0 * net->ops[i - 1].out_n : NULL;
}

/* The channel attention's saved tensors from image b0 on. */
static channel_attention_cache attention_slice(const net_op *op, int b0)
{
    return (channel_attention_cache){op->save1 + b0 * op->c, op->save2 + b0 * op->hidden, op->save3 + b0 * op->c,
                                     op->save4 + b0 * op->c};
}

/* The layer's saved activations from image b0 on. */
static bio_state bio_slice(const bio_state *b, int b0)
{
    bio_state s = *b;
    long at = (long)b0 * b->size;
    s.h_inter += at, s.h_comb += at, s.h += at, s.tmp += at, s.mean += b0, s.rstd += b0;
    return s;
}

static void op_forward(network *net, net_op *op, const real *x, int b0, int B, int training, real *scratch)
{
    const real *p = net->param;
    real *out = op->out + b0 * op->out_n;
    long n = (long)B * op->out_n;
    if (op->view) return;
    switch (op->kind) {
    case OP_CONV2D:
        conv3x3_forward(x, p + op->pw, p + op->pb, out, op->save1 + b0 * conv_col_per_image(op), B, op->in_c, op->c, op->h,
                        op->w);
        split_units(out, B, op->c, (long)op->h * op->w, op->split);
        break;
    case OP_LATERAL: lateral_forward(x, out, (real)net->hp.lateral_alpha, B, op->c, op->h, op->w); break;
    case OP_RELU: relu_forward(x, out, n); break;
    case OP_MAXPOOL:
        maxpool2_forward(x, out, op->arg + b0 * op->out_n, op->relu_first, B, op->in_c, op->in_h, op->in_w);
        break;
    case OP_CHANNEL_ATT: {
        channel_attention_cache k = attention_slice(op, b0);
        channel_attention_forward(x, p + op->pw, p + op->pb, p + op->pw2, p + op->pb2, out, &k, B, op->c, op->hidden,
                                  op->h * op->w);
        break;
    }
    case OP_SPATIAL_ATT: {
        long hw = (long)op->h * op->w;
        spatial_attention_forward(x, p + op->pw, p + op->pb, out, op->save1 + b0 * hw, op->save2 + b0 * (op->c * 9 + 1) * hw,
                                  B, op->c, op->h, op->w);
        break;
    }
    case OP_FLATTEN: break; /* a view */
    case OP_LAYER_NORM:
        layer_norm_forward(x, p + op->pw, p + op->pb, out, op->save1 + b0, op->save2 + b0, B, op->c, (real)net->hp.ln_eps);
        break;
    case OP_LINEAR:
        linear_forward(x, p + op->pw, p + op->pb, out, B, (int)op->in_n, op->c);
        split_units(out, B, op->c, 1, op->split);
        break;
    case OP_BIO_NEURON: /* save1: W, computed before the batch was split (network_forward) */
        bio_neuron_apply(p + op->pb, x, op->save1, op->save2 + b0 * op->c, out, B, (int)op->in_n, op->c);
        break;
    case OP_BIO_LAYER: {
        bio_state L = bio_slice(op->bio, b0);
        const real *noise = training && op->bio->noise ? op->bio->noise_buf + (long)b0 * op->bio->size : NULL;
        bio_forward(&L, p, x, out, B, noise, (real)net->hp.ln_eps, scratch);
        break;
    }
    }
}

static void op_backward(network *net, net_op *op, const real *x, real *dx, int b0, int B, real *g, real *scratch)
{
    const real *p = net->param;
    real *out = op->out + b0 * op->out_n, *dout = op->dout + b0 * op->out_n;
    long n = (long)B * op->out_n;
    if (op->view) return;
    switch (op->kind) {
    case OP_CONV2D:
        split_units(dout, B, op->c, (long)op->h * op->w, op->split); /* the split is its own adjoint */
        conv3x3_backward(p + op->pw, dout, dx, g + op->pw, g + op->pb, op->save1 + b0 * conv_col_per_image(op), B,
                         op->in_c, op->c, op->h, op->w);
        break;
    case OP_LATERAL:
        if (dx) lateral_backward(dout, dx, (real)net->hp.lateral_alpha, B, op->c, op->h, op->w);
        break;
    case OP_RELU:
        if (dx) relu_backward(out, dout, dx, n);
        break;
    case OP_MAXPOOL:
        if (dx) maxpool2_backward(dout, op->arg + b0 * op->out_n, dx, B, op->in_c, op->in_h, op->in_w);
        break;
    case OP_CHANNEL_ATT: {
        channel_attention_cache k = attention_slice(op, b0);
        channel_attention_backward(x, p + op->pw, p + op->pw2, dout, &k, dx, g + op->pw, g + op->pb, g + op->pw2,
                                   g + op->pb2, scratch, B, op->c, op->hidden, op->h * op->w);
        break;
    }
    case OP_SPATIAL_ATT: {
        long hw = (long)op->h * op->w;
        spatial_attention_backward(x, p + op->pw, op->save1 + b0 * hw, dout, dx, g + op->pw, g + op->pb, scratch,
                                   op->save2 + b0 * (op->c * 9 + 1) * hw, B, op->c, op->h, op->w);
        break;
    }
    case OP_FLATTEN: break;
    case OP_LAYER_NORM:
        layer_norm_backward(x, p + op->pw, op->save1 + b0, op->save2 + b0, dout, dx, g + op->pw, g + op->pb, B, op->c);
        break;
    case OP_LINEAR:
        split_units(dout, B, op->c, 1, op->split);
        linear_backward(x, p + op->pw, dout, dx, g + op->pw, g + op->pb, NULL, B, (int)op->in_n, op->c);
        break;
    case OP_BIO_NEURON:
        bio_neuron_backward(p + op->pw, p + op->pw2, x, op->save1, op->save2 + b0 * op->c, dout, g + op->pw, g + op->pw2,
                            g + op->pb, dx, scratch, B, (int)op->in_n, op->c);
        break;
    case OP_BIO_LAYER: {
        bio_state L = bio_slice(op->bio, b0);
        bio_backward(&L, p, g, x, dout, dx, scratch, B);
        break;
    }
    }
}

/* ------------------------------------------------------------ workers */

typedef struct {
    network *net;
    int B, training;
} batch_job;

void network_slice(int B, int w, int n, int *b0, int *count)
{
    long lo, part;
    dist_part(B, &lo, &part);
    *b0 = (int)(lo + part * w / n);
    *count = (int)(lo + part * (w + 1) / n) - *b0;
}

real *network_scratch(const network *net, int w) { return w ? net->wscratch + (w - 1) * net->scratch_n : net->scratch; }
static real *grad_of(const network *net, int w) { return w ? net->wgrad + (w - 1) * net->P : net->grad; }

static void forward_slice(void *ctx, int w, int n)
{
    batch_job *j = ctx;
    network *net = j->net;
    int b0, B;
    network_slice(j->B, w, n, &b0, &B);
    for (int i = 0; B > 0 && i < net->nops; i++) {
        double t0 = net->profile && w == 0 ? now_seconds() : 0;
        op_forward(net, &net->ops[i], op_input(net, i, b0), b0, B, j->training, network_scratch(net, w));
        if (net->profile && w == 0) net->op_seconds[i][0] += now_seconds() - t0; /* worker 0's part */
    }
}

static void backward_slice(void *ctx, int w, int n)
{
    batch_job *j = ctx;
    network *net = j->net;
    int b0, B;
    network_slice(j->B, w, n, &b0, &B);
    real *scratch = network_scratch(net, w);
    for (int i = net->nops - 1; B > 0 && i >= 0; i--) {
        double t0 = net->profile && w == 0 ? now_seconds() : 0;
        const bio_state *bio = net->ops[i].bio;
        op_backward(net, &net->ops[i], op_input(net, i, b0), op_dinput(net, i, b0), b0, B, grad_of(net, w), scratch);
        if (bio && bio->delta) /* BCM observes the whole batch after the pass: keep this slice's (bio_layer.h) */
            memcpy(bio->delta + (long)b0 * bio->size, scratch + (long)B * bio->size, (size_t)B * bio->size * sizeof(real));
        if (net->profile && w == 0) net->op_seconds[i][1] += now_seconds() - t0;
    }
}

/* Worker w adds every other worker's gradients into net->grad over its
 * share of the parameters, in worker order, and zeroes them for the next
 * step. */
static void sum_gradients(void *ctx, int w, int n)
{
    network *net = ((batch_job *)ctx)->net;
    long lo = net->P * w / n, hi = net->P * (w + 1) / n;
    for (int k = 1; k < n; k++) {
        real *gk = grad_of(net, k);
        for (long i = lo; i < hi; i++) net->grad[i] += gk[i];
        memset(gk + lo, 0, (size_t)(hi - lo) * sizeof *gk);
    }
}

/* Synaptic noise of the whole batch, layer by layer, from the one training
 * stream, before the batch is split: the draws do not depend on the workers. */
static void draw_noise(network *net, int B, rng_state *rng)
{
    for (int i = 0; i < net->nops; i++) {
        bio_state *b = net->ops[i].bio;
        if (!b || !b->noise) continue;
        real sd = (real)net->hp.noise_std;
        for (long k = 0; k < (long)B * b->size; k++) b->noise_buf[k] = sd * (real)rng_gauss(rng);
    }
}

/* What the batch-level code after a forward pass reads, from every rank
 * (dist.h): the logits (loss, accuracy) and, in training, each bio layer's h
 * (the Hebbian update, BCM's y) and each BioLogicalNeuron op's output (its
 * homeostasis). */
static void gather_forward(network *net, int B, int training)
{
    dist_batch a[NET_MAX_OPS + 1];
    int n = 0;
    for (int i = 0; training && i < net->nops; i++) {
        const net_op *op = &net->ops[i];
        if (op->bio) a[n++] = (dist_batch){op->bio->h, op->bio->size};
        if (op->bln) a[n++] = (dist_batch){op->out, op->out_n};
    }
    const net_op *last = &net->ops[net->nops - 1];
    a[n++] = (dist_batch){last->out, last->out_n};
    dist_gather(a, n, B);
}

const real *network_forward(network *net, int B, int training, rng_state *rng)
{
    batch_job j = {net, B, training};
    if (training) draw_noise(net, B, rng);
    for (int i = 0; i < net->nops; i++) { /* weights the threads share, in the form their kernels read */
        const net_op *op = &net->ops[i];
        if (op->bio) bio_load_dense(op->bio, net->param);
        if (op->kind == OP_BIO_NEURON) bio_neuron_weights(net->param + op->pw, net->param + op->pw2, op->save1, (int)op->in_n, op->c);
    }
    workers_run(&net->pool, forward_slice, &j);
    gather_forward(net, B, training);
    return net->ops[net->nops - 1].out;
}

real *network_dlogits(network *net) { return net->ops[net->nops - 1].dout; }

/* BCM observes the whole batch after the backward pass: every slice's and
 * every rank's deltas (dist.h). */
static void observe_bcm(network *net, int B)
{
    dist_batch delta[NET_MAX_OPS];
    int n = 0;
    for (int i = 0; i < net->nops; i++) {
        const bio_state *b = net->ops[i].bio;
        if (b && b->delta) delta[n++] = (dist_batch){b->delta, b->size};
    }
    if (n) dist_gather(delta, n, B);
    for (int i = 0; i < net->nops; i++)
        if (net->ops[i].bio && net->ops[i].bio->delta) mech_observe(net, i, net->ops[i].bio->delta, B);
}

void network_backward(network *net, int B)
{
    batch_job j = {net, B, 1};
    workers_run(&net->pool, backward_slice, &j);
    if (net->pool.n > 1) workers_run(&net->pool, sum_gradients, &j);
    dist_sum(net->grad, net->P); /* every rank's images (dist.h) */
    observe_bcm(net, B);
}

int network_set_threads(network *net, int threads)
{
    workers_close(&net->pool);
    free(net->wgrad);
    free(net->wscratch);
    net->wgrad = net->wscratch = NULL;
    int n = threads < 1 ? 1 : threads > WORKERS_MAX ? WORKERS_MAX : threads;
    openblas_set_num_threads(1); /* one thread per part of the batch */
    if (n == 1) return 1;
    net->wgrad = calloc((size_t)(n - 1) * (size_t)net->P, sizeof *net->wgrad);
    net->wscratch = malloc((size_t)(n - 1) * (size_t)net->scratch_n * sizeof *net->wscratch);
    if (net->wgrad && net->wscratch && workers_open(&net->pool, n) == 0) return n;
    network_set_threads(net, 1);
    return -1;
}
