/* network_load.c: read a .cnet (schemas/network.md), check it, and plan the
 * parameter layout and every activation buffer once. */
#define _POSIX_C_SOURCE 200809L
#include "network.h"
#include "container.h"
#include "bio_neuron_op.h"
#include "mechanisms.h"
#include "error.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define NET_SCHEMA "connc-net/2"

static int bad(const network *net, const char *what, const char *name)
{
    return err_set(CONNC_ERR_FORMAT, "%s: network description: %s%s%s", connc_file_path(net->file), what,
                   name ? " " : "", name ? name : "");
}

/* ------------------------------------------------------------ metadata */

static double num(const cJSON *o, const char *key, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

static int flag(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Where each hyperparameter of the description lands in net_hyper. */
typedef struct {
    const char *key;
    size_t offset;
    int integer;    /* stored as int; the value must be whole */
} hyper_field;

#define HD(key, field) {key, offsetof(net_hyper, field), 0}
#define HI(key, field) {key, offsetof(net_hyper, field), 1}
static const hyper_field HYPER_FIELDS[] = {
    HD("lr", lr), HD("beta1", beta1), HD("beta2", beta2), HD("eps", eps), HD("weight_decay", weight_decay),
    HD("label_smoothing", label_smoothing), HI("batch_size", batch_size), HI("max_epochs", max_epochs),
    HI("early_stopping_patience", patience), HD("plateau_factor", plateau_factor),
    HI("plateau_patience", plateau_patience), HD("min_lr", min_lr), HD("lateral_alpha", lateral_alpha),
    HD("inhibition_alpha_init", alpha_init), HD("noise_std", noise_std), HD("layer_norm_eps", ln_eps),
    HD("hebb_rate", hebb_rate), HD("homeo_rate", homeo_rate), HD("homeo_target", homeo_target),
    HD("homeo_momentum", homeo_momentum), HD("crop_scale_min", crop_scale_min), HD("crop_scale_max", crop_scale_max),
    HD("crop_ratio_min", crop_ratio_min), HD("crop_ratio_max", crop_ratio_max), HD("rotation_deg", rotation_deg),
    HD("flip_prob", flip_prob), HD("brightness", brightness), HD("contrast", contrast),
    HI("init_fan_in_from_mask", init_fan_in_from_mask), HI("hebb_scale_per_neuron", hebb_scale_per_neuron),
    HD("fuzzy_half_width", fuzzy_half_width), HD("rejuvenation_d", rejuvenation_d), HI("split_gamma", split_gamma),
    HD("crystal_threshold", crystal_threshold), HD("crystal_dampening", crystal_dampening),
    HD("dale_excitatory_fraction", dale_excitatory_fraction), HI("bcm_observe", bcm_observe),
    HI("bcm_decay", bcm_decay), HI("bcm_sliding", bcm_sliding), HD("bcm_theta", bcm_theta), HD("bcm_lambda", bcm_lambda),
    HD("bcm_tau", bcm_tau), HD("bcm_decay_epochs", bcm_decay_epochs), HD("bln_beta", bln.beta),
    HD("bln_theta_ca", bln.theta_ca), HD("bln_gamma", bln.gamma), HD("bln_repair_threshold", bln.repair_threshold),
    HD("bln_rho", bln.rho), HD("bln_base_lr", bln.base_lr), HI("bln_cooldown", bln.cooldown),
    HI("bln_window", bln.window), HI("bln_adaptive_lr", bln_adaptive_lr)};

/* The switches of BIONIC.md §4 that act in the learning loop. */
static const hyper_field SWITCH_FIELDS[] = {
    HI("weight_decay", weight_decay_on), HI("scheduler", scheduler_on), HI("label_smoothing", label_smoothing_on),
    HI("augmentation", augmentation_on), HI("hebbian", hebbian_on), HI("class_weights", class_weights_on),
    HI("fuzzy_lr", fuzzy_lr_on), HI("rejuvenation", rejuvenation_on), HI("weight_splitting", splitting_on),
    HI("crystallise", crystallise_on), HI("bcm", bcm_on),
    HI("dale", dale_on)};

/* Every hyperparameter must be present: the description, not this code,
 * owns the numbers of BIONIC.md §2-3. */
static int read_hyper(network *net, const cJSON *hp, const cJSON *sw)
{
    char *h = (char *)&net->hp;
    for (size_t i = 0; i < sizeof HYPER_FIELDS / sizeof HYPER_FIELDS[0]; i++) {
        const hyper_field *f = &HYPER_FIELDS[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(hp, f->key);
        if (!cJSON_IsNumber(v)) return bad(net, "missing hyperparameter", f->key);
        /* Range first: casting a double outside int's range is undefined behaviour. */
        if (f->integer && !(v->valuedouble >= INT_MIN && v->valuedouble <= INT_MAX &&
                            v->valuedouble == (int)v->valuedouble))
            return bad(net, "hyperparameter must be a whole number:", f->key);
        if (f->integer) *(int *)(h + f->offset) = (int)v->valuedouble;
        else *(double *)(h + f->offset) = v->valuedouble;
    }
    for (size_t i = 0; i < sizeof SWITCH_FIELDS / sizeof SWITCH_FIELDS[0]; i++)
        *(int *)(h + SWITCH_FIELDS[i].offset) = flag(sw, SWITCH_FIELDS[i].key);
    const net_hyper *x = &net->hp;
    if (x->batch_size < 1 || x->batch_size > 65536 || x->lr <= 0 || x->max_epochs < 0)
        return bad(net, "hyperparameter out of range (batch_size, lr or max_epochs)", NULL);
    if (!(x->fuzzy_half_width >= 0 && x->fuzzy_half_width < 1) || !(x->rejuvenation_d > 0) ||
        x->split_gamma < 1 || x->split_gamma > 1024 ||
        !(x->crystal_dampening > 0 && x->crystal_dampening < 1) ||
        !(x->dale_excitatory_fraction >= 0 && x->dale_excitatory_fraction <= 1))
        return bad(net, "synaptic-diversity hyperparameter out of range (BIO_LAYERS.md §2)", NULL);
    if ((x->bcm_observe != 0 && x->bcm_observe != 1) || (x->bcm_decay != 0 && x->bcm_decay != 1) ||
        (x->bcm_sliding != 0 && x->bcm_sliding != 1) || !(x->bcm_lambda > 0) || !(x->bcm_tau >= 1) ||
        !isfinite(x->bcm_theta) || !isfinite(x->bcm_decay_epochs))
        return bad(net, "BCM hyperparameter out of range (BIO_LAYERS.md §3)", NULL);
    if (x->bln.window < 2 || x->bln.window > 1024 || x->bln.cooldown < 0 || !(x->bln.base_lr > 0) ||
        !(x->bln.rho >= 0 && x->bln.rho <= 1) || (x->bln_adaptive_lr != 0 && x->bln_adaptive_lr != 1) ||
        !isfinite(x->bln.beta) || !isfinite(x->bln.theta_ca) || !isfinite(x->bln.gamma) ||
        !isfinite(x->bln.repair_threshold))
        return bad(net, "BioLogicalNeuron hyperparameter out of range (BIO_LAYERS.md §1)", NULL);
    return CONNC_OK;
}

/* ------------------------------------------------------------ parameters */

static long add_param(network *net, const char *op, const char *what, long count, int fan_in, real fill)
{
    if (net->nparams == (int)(sizeof net->params / sizeof net->params[0])) return -1;
    param_info *p = &net->params[net->nparams++];
    snprintf(p->name, sizeof p->name, "%s.%s", op, what);
    p->offset = net->P;
    p->count = count;
    p->fan_in = fan_in;
    p->fill = fill;
    p->decay = 1; /* PyTorch Adam(model.parameters(), weight_decay) decays every tensor */
    net->P += count;
    return p->offset;
}

/* ------------------------------------------------------------ masks */

/* A CSR mask from the file, checked so the kernels can index without checks. */
static int read_mask(network *net, const char *prefix, int rows, int cols, csr_mask *m)
{
    char name[128];
    connc_array p, i;
    snprintf(name, sizeof name, "%s/indptr", prefix);
    TRY(container_expect(net->file, name, CONNC_I64, 1, &p));
    snprintf(name, sizeof name, "%s/indices", prefix);
    TRY(container_expect(net->file, name, CONNC_I32, 1, &i));
    const int64_t *ptr = p.data;
    const int32_t *idx = i.data;
    if ((long)p.shape[0] != rows + 1 || ptr[0] != 0 || ptr[rows] != (int64_t)i.shape[0])
        return bad(net, "mask shape disagrees with its layer:", prefix);
    for (int r = 0; r < rows; r++) {
        if (ptr[r + 1] < ptr[r]) return bad(net, "mask row pointers decrease in", prefix);
        for (int64_t e = ptr[r]; e < ptr[r + 1]; e++) {
            if (idx[e] < 0 || idx[e] >= cols) return bad(net, "mask column out of range in", prefix);
            /* a repeated column would be two weights on one synapse position
             * (and the CSR and dense kernels would disagree about it) */
            if (e > ptr[r] && idx[e] <= idx[e - 1]) return bad(net, "mask columns not increasing within a row in", prefix);
        }
    }
    *m = (csr_mask){rows, cols, (int64_t)i.shape[0], ptr, idx};
    return CONNC_OK;
}

static int read_inhibition(network *net, const char *name, bio_state *b)
{
    connc_array a;
    TRY(container_expect(net->file, name, CONNC_I32, 1, &a));
    if ((int)a.shape[0] != b->size) return bad(net, "inhibition vector length differs from its layer:", name);
    if (!(b->inhib_norm = malloc((size_t)b->size * sizeof(real)))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    const int32_t *v = a.data;
    int32_t max = 0;
    for (int i = 0; i < b->size; i++) {
        if (v[i] < 0) return bad(net, "negative inhibition count in", name);
        if (v[i] > max) max = v[i];
    }
    for (int i = 0; i < b->size; i++) b->inhib_norm[i] = (real)(v[i] / (max + 1e-8)); /* BIONIC.md §2.4 */
    return CONNC_OK;
}

/* ------------------------------------------------------------ ops */

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The kernel the compiler picked for a masked projection: "csr" (also when
 * absent: a hand-written description may leave it out) or "dense". */
static int read_kernel(network *net, const net_op *op, const cJSON *j, const char *key, const csr_mask *m,
                       masked_dense *d)
{
    const char *k = str(j, key);
    if (!k || !strcmp(k, "csr")) return CONNC_OK;
    if (strcmp(k, "dense")) return bad(net, "kernel must be 'csr' or 'dense':", op->name);
    if ((int64_t)m->rows * m->cols > ((int64_t)1 << 28)) return bad(net, "too large for the dense kernel:", op->name);
    if (masked_dense_init(d, m) != 0) return err_set(CONNC_ERR_NOMEM, "out of memory");
    return CONNC_OK;
}

static int plan_bio(network *net, net_op *op, const cJSON *j, const cJSON *sw)
{
    bio_state *b = calloc(1, sizeof *b);
    if (!b) return err_set(CONNC_ERR_NOMEM, "out of memory");
    op->bio = b;
    b->size = (int)num(j, "size", 0);
    b->in = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "from")) ? (int)num(j, "in", 0) : 0;
    if (b->size < 1 || b->size > (1 << 24) || b->in < 0 || (b->in && b->in != op->in_n) || (!b->in && op->in_n != b->size))
        return bad(net, "bio_layer size does not match its input:", op->name);
    b->intra = flag(j, "intra") && flag(sw, "intra");
    b->noise = flag(j, "noise") && flag(sw, "noise");
    b->layer_norm = flag(j, "layer_norm") && flag(sw, "layer_norm");
    int masks = flag(sw, "masks");
    const char *inter = masks ? str(j, "inter_mask") : NULL, *intra = masks && b->intra ? str(j, "intra_mask") : NULL;
    const char *inh = flag(sw, "inhibition") ? str(j, "inhibition") : NULL;
    b->masked_inter = inter != NULL;
    b->masked_intra = intra != NULL;
    if (inter) TRY(read_mask(net, inter, b->size, b->in, &b->inter_mask));
    if (intra) TRY(read_mask(net, intra, b->size, b->size, &b->intra_mask));
    if (inter) TRY(read_kernel(net, op, j, "inter_kernel", &b->inter_mask, &b->inter_dense));
    if (intra) TRY(read_kernel(net, op, j, "intra_kernel", &b->intra_mask, &b->intra_dense));
    b->inhibition = inh != NULL;
    if (inh) TRY(read_inhibition(net, inh, b));
    b->w_inter = b->b_inter = b->w_intra = b->b_intra = b->alpha = b->ln_g = b->ln_b = -1;
    if (b->in) {
        b->w_inter = add_param(net, op->name, "inter.weight", inter ? b->inter_mask.nnz : (long)b->size * b->in, b->in, 0);
        b->b_inter = add_param(net, op->name, "inter.bias", b->size, b->in, 0);
    }
    if (b->intra) {
        b->w_intra = add_param(net, op->name, "intra.weight", intra ? b->intra_mask.nnz : (long)b->size * b->size, b->size, 0);
        b->b_intra = add_param(net, op->name, "intra.bias", b->size, b->size, 0);
    }
    if (b->inhibition) b->alpha = add_param(net, op->name, "inhibition.alpha", 1, 0, (real)net->hp.alpha_init);
    if (b->layer_norm) {
        b->ln_g = add_param(net, op->name, "norm.weight", b->size, 0, 1);
        b->ln_b = add_param(net, op->name, "norm.bias", b->size, 0, 0);
    }
    op->c = b->size, op->h = op->w = 1;
    return CONNC_OK;
}

/* A fully connected op (linear, bio_neuron): `in` must be its flat input
 * width; sets its output width op->c. */
static int fully_connected(network *net, net_op *op, const cJSON *j, int h, int *in, int *out)
{
    *in = (int)num(j, "in", 0), *out = (int)num(j, "out", 0);
    if (*in != op->in_n || h != 1 || *out < 1 || *out > (1 << 24)) return bad(net, "fully connected shape:", op->name);
    op->c = *out;
    return CONNC_OK;
}

/* Shapes and parameters of one op, given the previous op's output shape. */
static int plan_op(network *net, net_op *op, const cJSON *j, const cJSON *sw)
{
    const char *kind = str(j, "op");
    op->pw = op->pb = op->pw2 = op->pb2 = -1;
    snprintf(op->name, sizeof op->name, "%s", str(j, "name") ? str(j, "name") : kind ? kind : "?");
    int c = op->in_c, h = op->in_h, w = op->in_w;
    op->c = c, op->h = h, op->w = w;
    long t;
    if (!kind) return bad(net, "an op without 'op'", NULL);
    if (!strcmp(kind, "conv2d")) {
        op->kind = OP_CONV2D;
        int cin = (int)num(j, "in_channels", 0), cout = (int)num(j, "out_channels", 0);
        if (cin != c || cout < 1 || cout > 4096 || num(j, "kernel", 0) != 3 || num(j, "pad", 0) != 1)
            return bad(net, "conv2d must be 3x3, pad 1, with in_channels matching its input:", op->name);
        op->c = cout;
        op->pw = add_param(net, op->name, "weight", (long)cout * cin * 9, cin * 9, 0);
        op->pb = add_param(net, op->name, "bias", cout, cin * 9, 0);
    } else if (!strcmp(kind, "lateral_inhibition")) {
        op->kind = OP_LATERAL;
        if (h > 64 || w > 64) return bad(net, "lateral_inhibition planes are limited to 64x64:", op->name);
    } else if (!strcmp(kind, "relu")) {
        op->kind = OP_RELU;
    } else if (!strcmp(kind, "maxpool2d")) {
        op->kind = OP_MAXPOOL;
        if (h % 2 || w % 2) return bad(net, "maxpool2d needs even height and width:", op->name);
        op->h = h / 2, op->w = w / 2;
    } else if (!strcmp(kind, "channel_attention")) {
        op->kind = OP_CHANNEL_ATT;
        op->hidden = (int)num(j, "hidden", 0);
        if (op->hidden < 1 || num(j, "channels", 0) != c) return bad(net, "channel_attention shape:", op->name);
        op->pw = add_param(net, op->name, "fc1.weight", (long)op->hidden * c, c, 0);
        op->pb = add_param(net, op->name, "fc1.bias", op->hidden, c, 0);
        op->pw2 = add_param(net, op->name, "fc2.weight", (long)c * op->hidden, op->hidden, 0);
        op->pb2 = add_param(net, op->name, "fc2.bias", c, op->hidden, 0);
    } else if (!strcmp(kind, "spatial_attention")) {
        op->kind = OP_SPATIAL_ATT;
        if (num(j, "channels", 0) != c || num(j, "kernel", 0) != 3) return bad(net, "spatial_attention shape:", op->name);
        op->pw = add_param(net, op->name, "weight", (long)c * 9, c * 9, 0);
        op->pb = add_param(net, op->name, "bias", 1, c * 9, 0);
        t = (long)net->max_batch * h * w; /* the map gradient */
        if (t > net->scratch_n) net->scratch_n = t;
    } else if (!strcmp(kind, "flatten")) {
        op->kind = OP_FLATTEN;
        op->c = c * h * w, op->h = op->w = 1;
    } else if (!strcmp(kind, "layer_norm")) {
        op->kind = OP_LAYER_NORM;
        if (num(j, "size", 0) != (double)op->in_n || h != 1) return bad(net, "layer_norm size differs from its input:", op->name);
        op->pw = add_param(net, op->name, "weight", c, 0, 1);
        op->pb = add_param(net, op->name, "bias", c, 0, 0);
    } else if (!strcmp(kind, "linear")) {
        op->kind = OP_LINEAR;
        int in, out;
        TRY(fully_connected(net, op, j, h, &in, &out));
        op->pw = add_param(net, op->name, "weight", (long)out * in, in, 0);
        op->pb = add_param(net, op->name, "bias", out, in, 0);
    } else if (!strcmp(kind, "bio_neuron")) {
        op->kind = OP_BIO_NEURON;
        int in, out;
        TRY(fully_connected(net, op, j, h, &in, &out));
        op->pw = add_param(net, op->name, "weight_v", (long)out * in, in, 0);
        op->pw2 = add_param(net, op->name, "weight_g", out, 0, 1); /* set to ||V_i|| at init */
        op->pb = add_param(net, op->name, "bias", out, in, 0);
        TRY(bln_open(op, out, net->hp.bln.window));
    } else if (!strcmp(kind, "bio_layer")) {
        op->kind = OP_BIO_LAYER;
        if (h != 1) return bad(net, "bio_layer needs a flat input:", op->name);
        TRY(plan_bio(net, op, j, sw));
    } else {
        return bad(net, "unknown op kind", kind);
    }
    op->out_n = (long)op->c * op->h * op->w;
    return CONNC_OK;
}

/* Ops that a run-time ablation removes (BIONIC.md §4): with conv off the
 * image itself is flattened (48*48 = 2304, the size the projection expects). */
static int skipped(const cJSON *j, const cJSON *sw, int before_flatten)
{
    const char *k = str(j, "op");
    if (!k) return 0;
    if (before_flatten && !flag(sw, "conv")) return 1;
    if (!flag(sw, "attention") && (!strcmp(k, "channel_attention") || !strcmp(k, "spatial_attention"))) return 1;
    if (!flag(sw, "lateral_inhibition") && !strcmp(k, "lateral_inhibition")) return 1;
    return !flag(sw, "layer_norm") && !strcmp(k, "layer_norm");
}

static int plan_ops(network *net, const cJSON *ops, const cJSON *sw)
{
    int c = net->in_c, h = net->in_h, w = net->in_w, before_flatten = 1;
    const cJSON *j;
    cJSON_ArrayForEach(j, ops) {
        if (str(j, "op") && !strcmp(str(j, "op"), "flatten")) before_flatten = 0;
        if (skipped(j, sw, before_flatten)) continue;
        if (net->nops == NET_MAX_OPS) return bad(net, "too many ops", NULL);
        net_op *op = &net->ops[net->nops++];
        op->in_c = c, op->in_h = h, op->in_w = w;
        op->in_n = (long)c * h * w;
        TRY(plan_op(net, op, j, sw));
        c = op->c, h = op->h, w = op->w;
        if (net->nparams >= (int)(sizeof net->params / sizeof net->params[0]) - 8) return bad(net, "too many parameters tensors", NULL);
    }
    if (net->nops == 0 || h != 1 || c != net->classes) return bad(net, "the last op must output one score per class", NULL);
    return CONNC_OK;
}

/* ------------------------------------------------------------ buffers */

/* Two passes over the same walk: the first (arena NULL) measures, the second carves. */
static real *take(network *net, size_t *cursor, long n)
{
    real *p = net->arena ? (real *)net->arena + *cursor : NULL;
    *cursor += (size_t)((n + 15) & ~15L); /* keep every buffer 64-byte aligned */
    return p;
}

static void carve_bio(network *net, bio_state *b, size_t *cur)
{
    long n = (long)net->max_batch * b->size;
    b->h_inter = take(net, cur, n);
    b->h_comb = take(net, cur, n);
    b->h = take(net, cur, n);
    b->tmp = take(net, cur, n);
    b->mean = take(net, cur, net->max_batch);
    b->rstd = take(net, cur, net->max_batch);
    b->f_avg = take(net, cur, b->size);
    b->noise_buf = b->noise ? take(net, cur, n) : NULL;
    b->delta = net->hp.bcm_on ? take(net, cur, n) : NULL;
}

/* A masked projection's kernel scratch (bio_layer.h). */
static long kernel_work(const masked_dense *d, int rows, int cols, long B)
{
    return d->wd ? (long)rows * cols : CSR_WORK(rows, cols, B);
}

/* bio_forward / bio_backward's scratch (bio_layer.h): three [B, size]
 * gradients, then the larger of its masked projections' kernel work. */
static long bio_scratch(const bio_state *b, long B)
{
    long work = 0, intra = 0;
    if (b->in && b->masked_inter) work = kernel_work(&b->inter_dense, b->size, b->in, B);
    if (b->intra && b->masked_intra) intra = kernel_work(&b->intra_dense, b->size, b->size, B);
    return 3 * B * b->size + (intra > work ? intra : work);
}

static void carve(network *net, size_t *cur)
{
    long B = net->max_batch, pre_size = 0;
    net->input = take(net, cur, B * net->in_c * net->in_h * net->in_w);
    net->dinput = take(net, cur, B * net->in_c * net->in_h * net->in_w);
    for (int i = 0; i < net->nops; i++) {
        net_op *op = &net->ops[i];
        /* ReLU then max pool is one pass of the pool (layers.h): the ReLU
         * becomes a view, which saves two passes over the largest tensors. */
        if (op->kind == OP_RELU && i + 1 < net->nops && net->ops[i + 1].kind == OP_MAXPOOL) {
            op->view = 1;
            net->ops[i + 1].relu_first = 1;
        }
        if (op->kind == OP_FLATTEN || op->view) { /* same memory as its input */
            op->view = 1;
            op->out = i ? net->ops[i - 1].out : net->input;
            op->dout = i ? net->ops[i - 1].dout : net->dinput;
            continue;
        }
        op->out = take(net, cur, B * op->out_n);
        op->dout = take(net, cur, B * op->out_n);
        if (op->kind == OP_MAXPOOL) op->arg = (int32_t *)take(net, cur, B * op->out_n); /* int32 fits a real slot */
        if (op->kind == OP_CHANNEL_ATT) {
            op->save1 = take(net, cur, B * op->c);
            op->save2 = take(net, cur, B * op->hidden);
            op->save3 = take(net, cur, B * op->c);
            op->save4 = take(net, cur, B * op->c);
            long s = 2 * B * op->c + B * op->hidden;
            if (s > net->scratch_n) net->scratch_n = s;
        }
        if (op->kind == OP_CONV2D) /* batched im2col + transposed output, kept for backward */
            op->save1 = take(net, cur, (long)(op->in_c * 9 + op->c) * B * op->h * op->w);
        if (op->kind == OP_SPATIAL_ATT) {
            op->save1 = take(net, cur, B * op->h * op->w);
            op->save2 = take(net, cur, (long)(op->c * 9 + 1) * B * op->h * op->w);
        }
        if (op->kind == OP_LAYER_NORM) {
            op->save1 = take(net, cur, B);
            op->save2 = take(net, cur, B);
        }
        if (op->kind == OP_BIO_NEURON) {
            op->save1 = take(net, cur, op->c * op->in_n);
            op->save2 = take(net, cur, B * op->c);
            if (B * op->c > net->scratch_n) net->scratch_n = B * op->c;
        }
        if (op->kind == OP_BIO_LAYER) {
            carve_bio(net, op->bio, cur);
            if (bio_scratch(op->bio, B) > net->scratch_n) net->scratch_n = bio_scratch(op->bio, B);
            if (B * (pre_size + op->bio->size) > net->scratch_n) net->scratch_n = B * (pre_size + op->bio->size); /* hebbian.h */
            pre_size = op->bio->size;
        }
    }
    net->scratch = take(net, cur, net->scratch_n);
}

static int allocate(network *net)
{
    size_t n = 0;
    carve(net, &n);
    net->arena = aligned_alloc(64, n * sizeof(real));
    size_t p = (size_t)((net->P + 15) & ~15L) * sizeof(real);
    net->param = aligned_alloc(64, 4 * p);
    if (!net->arena || !net->param) return err_set(CONNC_ERR_NOMEM, "out of memory for the network (%zu MiB)", (n * sizeof(real) + 4 * p) >> 20);
    memset(net->arena, 0, n * sizeof(real));
    memset(net->param, 0, 4 * p);
    net->grad = net->param + p / sizeof(real);
    net->adam_m = net->grad + p / sizeof(real);
    net->adam_v = net->adam_m + p / sizeof(real);
    size_t again = 0;
    carve(net, &again);
    return CONNC_OK;
}

/* ------------------------------------------------------------ entry */

/* Turns the listed switches off (comma-separated names of the description's
 * "switches" object); an unknown name is a usage error. */
static int apply_ablation(network *net, cJSON *sw, const char *list)
{
    if (!cJSON_IsObject(sw)) return bad(net, "no 'switches' object", NULL);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), p);
        cJSON *v = cJSON_GetObjectItemCaseSensitive(sw, name);
        if (n == 0 || n > 63 || !cJSON_IsBool(v))
            return err_set(CONNC_ERR_USAGE, "--ablate: unknown switch '%s' (the description has: see 'connc inspect --json')", name);
        if (!strcmp(name, "bio_neuron")) /* it chose the op kind at emit time: nothing here can undo it */
            return err_set(CONNC_ERR_USAGE, "--ablate: 'bio_neuron' is decided by connc emit (emit without --on bio_neuron)");
        cJSON_ReplaceItemInObjectCaseSensitive(sw, name, cJSON_CreateFalse());
        p += n + (p[n] == ',');
    }
    return CONNC_OK;
}

static int read_metadata(network *net, const char *ablate)
{
    cJSON *m = cJSON_Parse(connc_file_metadata(net->file));
    cJSON *sw = cJSON_GetObjectItemCaseSensitive(m, "switches");
    int rc;
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(m, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, NET_SCHEMA) != 0) {
        rc = err_set(CONNC_ERR_VERSION, "%s: not a %s network description (re-run connc emit)", connc_file_path(net->file), NET_SCHEMA);
        goto done;
    }
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(m, "input");
    net->classes = (int)num(m, "classes", 0);
    if (cJSON_GetArraySize(in) != 3 || net->classes < 2 || net->classes > 1000) {
        rc = bad(net, "input shape or class count", NULL);
        goto done;
    }
    net->in_c = cJSON_GetArrayItem(in, 0)->valueint;
    net->in_h = cJSON_GetArrayItem(in, 1)->valueint;
    net->in_w = cJSON_GetArrayItem(in, 2)->valueint;
    if (net->in_c != 1 || net->in_h != 48 || net->in_w != 48) {
        rc = bad(net, "input must be 1x48x48 (FER-2013)", NULL);
        goto done;
    }
    CHECK(apply_ablation(net, sw, ablate));
    CHECK(read_hyper(net, cJSON_GetObjectItemCaseSensitive(m, "hyperparameters"), sw));
    CHECK(plan_ops(net, cJSON_GetObjectItemCaseSensitive(m, "ops"), sw));
    rc = (net->meta = strdup(connc_file_metadata(net->file))) ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
fail:
done:
    cJSON_Delete(m);
    return rc;
}

int network_load(const char *path, int max_batch, const char *ablate, network *net)
{
    memset(net, 0, sizeof *net);
    net->max_batch = max_batch;
    int rc;
    CHECK(connc_file_open(path, &net->file));
    if (strcmp(connc_file_kind(net->file), "network") != 0) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: an IR, not a network description (run 'connc emit' first)", path);
        goto fail;
    }
    CHECK(read_metadata(net, ablate));
    CHECK(allocate(net));
    network_list_projections(net);
    CHECK(mech_open(net));
    return CONNC_OK;
fail:
    network_free(net);
    return rc;
}

void network_free(network *net)
{
    for (int i = 0; i < net->nops; i++) {
        if (net->ops[i].bio) {
            free(net->ops[i].bio->inhib_norm);
            masked_dense_free(&net->ops[i].bio->inter_dense);
            masked_dense_free(&net->ops[i].bio->intra_dense);
            free(net->ops[i].bio);
        }
        bln_free(net->ops[i].bln);
    }
    mech_free(net);
    network_set_threads(net, 1);
    free(net->arena);
    free(net->param);
    free(net->meta);
    connc_file_close(net->file);
    memset(net, 0, sizeof *net);
}
