/* network_run.c: initialise, then run the planned ops forward and backward. */
#include "bio_layer.h"
#include "bio_neuron_op.h"
#include "diversity.h"
#include "mechanisms.h"
#include "network.h"
#include "progress.h"

#include <math.h>
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

static const real *op_input(const network *net, int i) { return i ? net->ops[i - 1].out : net->input; }
static real *op_dinput(const network *net, int i) { return i ? net->ops[i - 1].dout : NULL; }

static void op_forward(network *net, net_op *op, const real *x, int B, int training, rng_state *rng)
{
    const real *p = net->param;
    long n = (long)B * op->out_n;
    if (op->view) return;
    switch (op->kind) {
    case OP_CONV2D:
        conv3x3_forward(x, p + op->pw, p + op->pb, op->out, op->save1, B, op->in_c, op->c, op->h, op->w);
        split_units(op->out, B, op->c, (long)op->h * op->w, op->split);
        break;
    case OP_LATERAL: lateral_forward(x, op->out, (real)net->hp.lateral_alpha, B, op->c, op->h, op->w); break;
    case OP_RELU: relu_forward(x, op->out, n); break;
    case OP_MAXPOOL: maxpool2_forward(x, op->out, op->arg, op->relu_first, B, op->in_c, op->in_h, op->in_w); break;
    case OP_CHANNEL_ATT: {
        channel_attention_cache k = {op->save1, op->save2, op->save3, op->save4};
        channel_attention_forward(x, p + op->pw, p + op->pb, p + op->pw2, p + op->pb2, op->out, &k, B, op->c, op->hidden,
                                  op->h * op->w);
        break;
    }
    case OP_SPATIAL_ATT:
        spatial_attention_forward(x, p + op->pw, p + op->pb, op->out, op->save1, op->save2, B, op->c, op->h, op->w);
        break;
    case OP_FLATTEN: break; /* a view */
    case OP_LAYER_NORM:
        layer_norm_forward(x, p + op->pw, p + op->pb, op->out, op->save1, op->save2, B, op->c, (real)net->hp.ln_eps);
        break;
    case OP_LINEAR:
        linear_forward(x, p + op->pw, p + op->pb, op->out, B, (int)op->in_n, op->c);
        split_units(op->out, B, op->c, 1, op->split);
        break;
    case OP_BIO_NEURON:
        bio_neuron_forward(p + op->pw, p + op->pw2, p + op->pb, x, op->save1, op->save2, op->out, B, (int)op->in_n, op->c);
        break;
    case OP_BIO_LAYER:
        bio_forward(op->bio, p, x, op->out, B, training && op->bio->noise ? (real)net->hp.noise_std : 0,
                    (real)net->hp.ln_eps, rng);
        break;
    }
}

const real *network_forward(network *net, int B, int training, rng_state *rng)
{
    for (int i = 0; i < net->nops; i++) {
        double t0 = net->profile ? now_seconds() : 0;
        op_forward(net, &net->ops[i], op_input(net, i), B, training, rng);
        if (net->profile) net->op_seconds[i][0] += now_seconds() - t0;
    }
    return net->ops[net->nops - 1].out;
}

static void op_backward(network *net, net_op *op, const real *x, real *dx, int B)
{
    const real *p = net->param;
    real *g = net->grad;
    long n = (long)B * op->out_n;
    if (op->view) return;
    switch (op->kind) {
    case OP_CONV2D:
        split_units(op->dout, B, op->c, (long)op->h * op->w, op->split); /* the split is its own adjoint */
        conv3x3_backward(p + op->pw, op->dout, dx, g + op->pw, g + op->pb, op->save1, B, op->in_c, op->c, op->h, op->w);
        break;
    case OP_LATERAL:
        if (dx) lateral_backward(op->dout, dx, (real)net->hp.lateral_alpha, B, op->c, op->h, op->w);
        break;
    case OP_RELU:
        if (dx) relu_backward(op->out, op->dout, dx, n);
        break;
    case OP_MAXPOOL:
        if (dx) maxpool2_backward(op->dout, op->arg, dx, B, op->in_c, op->in_h, op->in_w);
        break;
    case OP_CHANNEL_ATT: {
        channel_attention_cache k = {op->save1, op->save2, op->save3, op->save4};
        channel_attention_backward(x, p + op->pw, p + op->pw2, op->dout, &k, dx, g + op->pw, g + op->pb, g + op->pw2,
                                   g + op->pb2, net->scratch, B, op->c, op->hidden, op->h * op->w);
        break;
    }
    case OP_SPATIAL_ATT:
        spatial_attention_backward(x, p + op->pw, op->save1, op->dout, dx, g + op->pw, g + op->pb, net->scratch, op->save2,
                                   B, op->c, op->h, op->w);
        break;
    case OP_FLATTEN: break;
    case OP_LAYER_NORM:
        layer_norm_backward(x, p + op->pw, op->save1, op->save2, op->dout, dx, g + op->pw, g + op->pb, B, op->c);
        break;
    case OP_LINEAR:
        split_units(op->dout, B, op->c, 1, op->split);
        linear_backward(x, p + op->pw, op->dout, dx, g + op->pw, g + op->pb, NULL, B, (int)op->in_n, op->c);
        break;
    case OP_BIO_NEURON:
        bio_neuron_backward(p + op->pw, p + op->pw2, x, op->save1, op->save2, op->dout, g + op->pw, g + op->pw2, g + op->pb,
                            dx, net->scratch, B, (int)op->in_n, op->c);
        break;
    case OP_BIO_LAYER: bio_backward(op->bio, p, g, x, op->dout, dx, net->scratch, B); break;
    }
}

real *network_dlogits(network *net) { return net->ops[net->nops - 1].dout; }

void network_backward(network *net, int B)
{
    for (int i = net->nops - 1; i >= 0; i--) {
        double t0 = net->profile ? now_seconds() : 0;
        op_backward(net, &net->ops[i], op_input(net, i), op_dinput(net, i), B);
        if (net->ops[i].kind == OP_BIO_LAYER && net->mech.nbcm)
            mech_observe(net, i, net->scratch + (long)B * net->ops[i].bio->size, B); /* bio_layer.h */
        if (net->profile) net->op_seconds[i][1] += now_seconds() - t0;
    }
}
