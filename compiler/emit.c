/* emit.c: write the BioNIC network description (BIONIC.md §2-3). */
#define _POSIX_C_SOURCE 200809L
#include "emit.h"
#include "container.h"
#include "error.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *key;
    double value;
    const char *doc;
} hyper;

/* The CSR / dense crossover measured with `connc bench` (its last line:
 * random masks the shape of the column's largest projection, 383 x 383, at
 * batch 32, one OpenBLAS thread per worker): 0.164-0.165 in three runs on a
 * quiet build machine, 2026-11-25 (it was 0.06 before the CSR kernel worked
 * on batch-transposed activations); see kernel_of(). */
#define DENSE_MIN_DENSITY 0.16

/* BIONIC.md §2-3; "ours" marks a choice the paper leaves open. */
static const hyper HYPER[] = {
    {"lr", 6e-4, "Adam learning rate (§3)"},
    {"beta1", 0.9, "Adam beta1"},
    {"beta2", 0.999, "Adam beta2"},
    {"eps", 1e-8, "Adam epsilon"},
    {"weight_decay", 1e-4, "L2 added to the gradient (PyTorch Adam, not AdamW)"},
    {"label_smoothing", 0.1, "cross-entropy label smoothing"},
    {"batch_size", 32, "mini-batch size"},
    {"max_epochs", 400, "epoch limit"},
    {"early_stopping_patience", 40, "epochs without validation improvement before stopping"},
    {"plateau_factor", 0.5, "ReduceLROnPlateau factor (ours)"},
    {"plateau_patience", 8, "ReduceLROnPlateau patience in epochs (ours)"},
    {"min_lr", 1e-6, "ReduceLROnPlateau floor (ours)"},
    {"lateral_alpha", 0.5, "lateral inhibition h - alpha*AvgPool3x3(h) (§2.1)"},
    {"inhibition_alpha_init", 0.5, "initial learnable graded-inhibition a_k, clamped to [0,1] (§2.4)"},
    {"noise_std", 0.06, "synaptic noise standard deviation, training only (§2.4)"},
    {"layer_norm_eps", 1e-5, "LayerNorm epsilon (PyTorch default)"},
    {"hebb_rate", 5e-4, "Hebbian rate a_hebb (§3)"},
    {"homeo_rate", 5e-4, "homeostatic rate a_home (§3)"},
    {"homeo_target", 0.35, "target normalised activity f_target (§3)"},
    {"homeo_momentum", 0.99, "EMA momentum of each neuron's activity (§3)"},
    {"hebb_scale_per_neuron", 1, "Hebbian [0,1] scaling: 1 by each neuron's batch max, 0 by the layer's (ours, "
                                 "chosen on validation: docs/RESULTS.md)"},
    {"fuzzy_half_width", 0.045, "fuzzy learning rates U(1-h, 1+h): the paper's tau/2 (BIO_LAYERS.md §2)"},
    {"rejuvenation_d", 14, "weight rejuvenation d_re: s = max|W| / d (§2)"},
    {"split_gamma", 2, "weight splitting: units summed in blocks of Gamma (§2)"},
    {"bcm_observe", 0, "BCM: 0 a unit saturates when its mean activation >= theta, 1 when its mean |delta| < theta (§3)"},
    {"bcm_decay", 0, "BCM: a saturated unit's rates fall 0 linearly, 1 logarithmically, to 0 in bcm_decay_epochs"},
    {"bcm_sliding", 0, "BCM: 0 fixed theta = bcm_theta, 1 sliding theta = bcm_lambda <y^2> over bcm_tau steps"},
    {"bcm_theta", 1, "BCM: fixed saturation threshold theta_M (ours)"},
    {"bcm_lambda", 1, "BCM: sliding threshold factor (ours)"},
    {"bcm_tau", 1000, "BCM: sliding threshold time constant in steps (ours)"},
    {"bcm_decay_epochs", 20, "BCM: epochs from saturation to a fixed weight (ours)"},
    {"bln_beta", 0.4, "BioLogicalNeuron: calcium activation scale (BIO_LAYERS.md §1)"},
    {"bln_theta_ca", 0.9, "BioLogicalNeuron: calcium threshold"},
    {"bln_gamma", 0.25, "BioLogicalNeuron: weight-stability weight in the base health"},
    {"bln_repair_threshold", 0.5, "BioLogicalNeuron: mean health below which a repair runs"},
    {"bln_rho", 0.08, "BioLogicalNeuron: synaptic-scaling intensity"},
    {"bln_base_lr", 0.001, "BioLogicalNeuron: adaptive learning rate base"},
    {"bln_cooldown", 40, "BioLogicalNeuron: training steps between repairs"},
    {"bln_window", 8, "BioLogicalNeuron: history length of the stability measures"},
    {"bln_adaptive_lr", 0, "BioLogicalNeuron: 1 applies the adaptive learning rate to its parameters"},
    {"crystal_threshold", 4.5e-5, "crystallisation: damp a weight when |g| < threshold |w| (§2 extras)"},
    {"crystal_dampening", 0.6, "crystallisation: factor applied to a damped weight's rate"},
    {"dale_excitatory_fraction", 0.8, "Dale's principle: share of presynaptic units with sign + (ours)"},
    {"crop_scale_min", 0.8, "random resized crop: smallest area fraction"},
    {"crop_scale_max", 1.0, "random resized crop: largest area fraction"},
    {"crop_ratio_min", 0.75, "random resized crop: smallest aspect ratio"},
    {"crop_ratio_max", 4.0 / 3.0, "random resized crop: largest aspect ratio"},
    {"rotation_deg", 15, "random rotation range, +- degrees"},
    {"flip_prob", 0.5, "horizontal flip probability"},
    {"brightness", 0.15, "brightness jitter"},
    {"contrast", 0.15, "contrast jitter"},
    {"init_fan_in_from_mask", 1, "1: init bound 1/sqrt(fan-in) counts the mask row only (option of §2; "
                                 "chosen on validation: docs/RESULTS.md)"},
    {"init_scale_by_size", 0, "1: initial magnitudes scaled by synapse size (option of §2)"},
    {"dense_min_density", DENSE_MIN_DENSITY, "masked projections at least this dense run as dense GEMM, sparser as CSR"},
};
#define NHYPER (sizeof HYPER / sizeof HYPER[0])

typedef struct {
    const char *name;
    int on;         /* default */
    const char *doc;
} ablation_switch;

/* One switch per row of BIONIC.md §4 (on by default), then the mechanisms
 * of BIO_LAYERS.md (off by default). */
static const ablation_switch SWITCHES[] = {
    {"masks", 1, "connectome masks on inter/intra weights (off: dense)"},
    {"intra", 1, "intra-layer connections"},
    {"inhibition", 1, "graded inhibition from inhibitory cells"},
    {"lateral_inhibition", 1, "lateral inhibition after conv1"},
    {"attention", 1, "channel and spatial attention"},
    {"noise", 1, "synaptic noise"},
    {"weight_decay", 1, "L2 weight decay"},
    {"scheduler", 1, "ReduceLROnPlateau"},
    {"label_smoothing", 1, "label smoothing"},
    {"layer_norm", 1, "all LayerNorms"},
    {"conv", 1, "convolution stage (off: the 48x48 image is flattened)"},
    {"augmentation", 1, "training-time augmentation"},
    {"hebbian", 1, "Hebbian + homeostatic update"},
    {"class_weights", 1, "balanced class weights in the loss"},
    {"fuzzy_lr", 0, "fuzzy learning rates on every projection but the classifier (BIO_LAYERS.md §2)"},
    {"rejuvenation", 0, "weight rejuvenation (§2)"},
    {"weight_splitting", 0, "weight splitting: outputs summed in blocks of split_gamma units (§2)"},
    {"bcm", 0, "BCM local learning rates on the bio layers' projections (BIO_LAYERS.md §3)"},
    {"bio_neuron", 0, "the input projection as a BioLogicalNeuron layer: weight norm, GELU, self-repair (§1)"},
    {"crystallise", 0, "crystallisation of settled weights (§2 extras)"},
    {"dale", 0, "Dale's principle: one sign per presynaptic unit (§2 extras)"},
};
#define NSWITCHES (sizeof SWITCHES / sizeof SWITCHES[0])

void emit_print_catalogue(void)
{
    printf("hyperparameters (--set KEY=VALUE):\n");
    for (size_t i = 0; i < NHYPER; i++) printf("  %-24s %-10g %s\n", HYPER[i].key, HYPER[i].value, HYPER[i].doc);
    printf("switches (--off NAME / --on NAME):\n");
    for (size_t i = 0; i < NSWITCHES; i++)
        printf("  %-24s %-10s %s\n", SWITCHES[i].name, SWITCHES[i].on ? "on" : "off", SWITCHES[i].doc);
}

/* ------------------------------------------------------------ options */

static double hyper_value(const double *values, const char *key)
{
    size_t i = 0;
    while (i < NHYPER - 1 && strcmp(HYPER[i].key, key)) i++;
    return values[i];
}

static int switch_on(const int *on, const char *name)
{
    for (size_t i = 0; i < NSWITCHES; i++)
        if (!strcmp(SWITCHES[i].name, name)) return on[i];
    return 0;
}


static int apply_overrides(const emit_options *o, double *values, int *on)
{
    for (size_t i = 0; i < NHYPER; i++) values[i] = HYPER[i].value;
    for (size_t i = 0; i < NSWITCHES; i++) on[i] = SWITCHES[i].on;
    for (size_t k = 0; k < o->nset; k++) {
        const char *eq = strchr(o->set[k], '=');
        size_t klen = eq ? (size_t)(eq - o->set[k]) : 0;
        size_t i = 0;
        while (i < NHYPER && !(strlen(HYPER[i].key) == klen && !strncmp(HYPER[i].key, o->set[k], klen))) i++;
        if (!eq || i == NHYPER)
            return err_set(CONNC_ERR_USAGE, "--set '%s': unknown hyperparameter (see 'connc emit --list')", o->set[k]);
        char *end;
        values[i] = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || !isfinite(values[i]))
            return err_set(CONNC_ERR_USAGE, "--set '%s': value is not a number", o->set[k]);
    }
    for (size_t k = 0; k < o->nswitch; k++) {
        size_t i = 0;
        while (i < NSWITCHES && strcmp(SWITCHES[i].name, o->sw[k].name)) i++;
        if (i == NSWITCHES)
            return err_set(CONNC_ERR_USAGE, "--%s '%s': unknown switch (see 'connc emit --list')", o->sw[k].on ? "on" : "off",
                           o->sw[k].name);
        on[i] = o->sw[k].on;
    }
    /* Without the convolution stage there are no feature maps to attend to
     * or to inhibit laterally: say so in the switches too. */
    if (!switch_on(on, "conv"))
        for (size_t i = 0; i < NSWITCHES; i++)
            if (!strcmp(SWITCHES[i].name, "attention") || !strcmp(SWITCHES[i].name, "lateral_inhibition")) on[i] = 0;
    return CONNC_OK;
}

/* ------------------------------------------------------------ operations */

static cJSON *op(cJSON *ops, const char *kind, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", kind);
    if (name) cJSON_AddStringToObject(o, "name", name);
    cJSON_AddItemToArray(ops, o);
    return o;
}

static void shape3(cJSON *o, const char *key, int c, int h, int w)
{
    int s[3] = {c, h, w};
    cJSON_AddItemToObject(o, key, cJSON_CreateIntArray(s, 3));
}

static int64_t conv_ops(cJSON *ops, const int *on)
{
    if (!switch_on(on, "conv")) return 0;
    cJSON *c1 = op(ops, "conv2d", "conv1");
    cJSON_AddNumberToObject(c1, "in_channels", 1);
    cJSON_AddNumberToObject(c1, "out_channels", 8);
    cJSON_AddNumberToObject(c1, "kernel", 3);
    cJSON_AddNumberToObject(c1, "pad", 1);
    shape3(c1, "out", 8, 48, 48);
    if (switch_on(on, "lateral_inhibition")) {
        cJSON *li = op(ops, "lateral_inhibition", "lateral");
        cJSON_AddNumberToObject(li, "pool", 3);
    }
    op(ops, "relu", NULL);
    shape3(op(ops, "maxpool2d", NULL), "out", 8, 24, 24);
    cJSON *c2 = op(ops, "conv2d", "conv2");
    cJSON_AddNumberToObject(c2, "in_channels", 8);
    cJSON_AddNumberToObject(c2, "out_channels", 16);
    cJSON_AddNumberToObject(c2, "kernel", 3);
    cJSON_AddNumberToObject(c2, "pad", 1);
    shape3(c2, "out", 16, 24, 24);
    op(ops, "relu", NULL);
    shape3(op(ops, "maxpool2d", NULL), "out", 16, 12, 12);
    int64_t params = (8 * 9 + 8) + (16 * 8 * 9 + 16);
    if (switch_on(on, "attention")) {
        cJSON *ca = op(ops, "channel_attention", "channel_attention");
        cJSON_AddNumberToObject(ca, "channels", 16);
        cJSON_AddNumberToObject(ca, "hidden", 2);
        cJSON *sa = op(ops, "spatial_attention", "spatial_attention");
        cJSON_AddNumberToObject(sa, "channels", 16);
        cJSON_AddNumberToObject(sa, "kernel", 3);
        params += (16 * 2 + 2) + (2 * 16 + 16) + (16 * 9 + 1);
    }
    return params;
}

static void ref(cJSON *o, const char *key, const char *fmt, const char *layer)
{
    char name[96];
    snprintf(name, sizeof name, fmt, layer);
    cJSON_AddStringToObject(o, key, name);
}

/* The runtime kernel of a masked projection (issue 7): dense GEMM over a
 * dense copy pays rows x cols multiply-adds, CSR nnz irregular ones; OpenBLAS
 * is fast enough that dense wins above a density measured by `connc bench`
 * (its "masked projection kernels" table; default in docs/BENCHMARKS.md). */
static const char *kernel_of(int64_t nnz, int64_t rows, int64_t cols, double min_density)
{
    return rows > 0 && cols > 0 && (double)nnz >= min_density * (double)rows * (double)cols ? "dense" : "csr";
}

static void kernel_ref(cJSON *o, const char *key, const ir_pattern *p, double min_density)
{
    cJSON_AddStringToObject(o, key, kernel_of(p->nnz, p->nrows, p->ncols, min_density));
}

/* One biological layer (§2.4); returns its trainable parameter count. */
static int64_t bio_layer_op(cJSON *ops, const ir *x, size_t l, const int *on, double min_density)
{
    const ir_layer *y = &x->layers[l];
    int masks = switch_on(on, "masks"), intra = switch_on(on, "intra"), ln = switch_on(on, "layer_norm");
    cJSON *o = op(ops, "bio_layer", y->name);
    cJSON_AddNumberToObject(o, "size", (double)y->size);
    int64_t params = 0;
    if (l > 0) {
        cJSON_AddStringToObject(o, "from", x->layers[l - 1].name);
        cJSON_AddNumberToObject(o, "in", (double)x->layers[l - 1].size);
        if (masks) ref(o, "inter_mask", "masks/%s/inter", y->name);
        if (masks) kernel_ref(o, "inter_kernel", &y->inter, min_density);
        params += (masks ? y->inter.nnz : y->size * x->layers[l - 1].size) + y->size;
    }
    if (intra) {
        if (masks) ref(o, "intra_mask", "masks/%s/intra", y->name);
        if (masks) kernel_ref(o, "intra_kernel", &y->intra, min_density);
        params += (masks ? y->intra.nnz : y->size * y->size) + y->size;
    }
    cJSON_AddBoolToObject(o, "intra", intra);
    if (switch_on(on, "inhibition")) {
        ref(o, "inhibition", "inhibition/%s", y->name);
        params += 1;
    }
    cJSON_AddBoolToObject(o, "noise", switch_on(on, "noise"));
    cJSON_AddBoolToObject(o, "layer_norm", ln);
    if (ln) params += 2 * y->size;
    return params;
}

/* A dense layer with bias and ReLU; returns its parameter count. */
static int64_t dense_relu(cJSON *ops, const char *name, int64_t in, int64_t out)
{
    cJSON *l = op(ops, "linear", name);
    cJSON_AddNumberToObject(l, "in", (double)in);
    cJSON_AddNumberToObject(l, "out", (double)out);
    op(ops, "relu", NULL);
    return in * out + out;
}

static int64_t classifier_ops(cJSON *ops, int64_t last, int ln)
{
    int64_t params = 0;
    if (ln) {
        cJSON *l = op(ops, "layer_norm", "classifier_norm");
        cJSON_AddNumberToObject(l, "size", (double)last);
        params += 2 * last;
    }
    cJSON *cls = op(ops, "linear", "classifier");
    cJSON_AddNumberToObject(cls, "in", (double)last);
    cJSON_AddNumberToObject(cls, "out", 7);
    return params + 7 * last + 7;
}

/* BIONIC.md §2: conv stage, projection to layer A, the biological layers, classifier. */
static int64_t bionic_ops(cJSON *ops, const ir *x, const int *on, double min_density)
{
    int ln = switch_on(on, "layer_norm");
    int64_t params = conv_ops(ops, on);
    op(ops, "flatten", NULL);
    if (ln) {
        cJSON *l = op(ops, "layer_norm", "input_norm");
        cJSON_AddNumberToObject(l, "size", 2304);
        params += 2 * 2304;
    }
    if (switch_on(on, "bio_neuron")) { /* BIO_LAYERS.md §1: W = g V / ||V||, GELU inside */
        cJSON *b = op(ops, "bio_neuron", "input_projection");
        cJSON_AddNumberToObject(b, "in", 2304);
        cJSON_AddNumberToObject(b, "out", (double)x->layers[0].size);
        params += 2304 * x->layers[0].size + 2 * x->layers[0].size;
    } else {
        params += dense_relu(ops, "input_projection", 2304, x->layers[0].size);
    }
    for (size_t l = 0; l < x->nlayers; l++) params += bio_layer_op(ops, x, l, on, min_density);
    return params + classifier_ops(ops, x->layers[x->nlayers - 1].size, ln);
}

/* The matched baseline of BIONIC.md §4: the same convolutions and layer
 * widths as dense ReLU layers, with none of the biological components
 * (no lateral inhibition, attention, masks, intra-layer weights,
 * inhibition, noise, LayerNorm or Hebbian update). */
static int64_t cnn_ops(cJSON *ops, const ir *x, int *on)
{
    static const char *const bio_only[] = {"masks", "intra", "inhibition", "lateral_inhibition", "attention",
                                           "noise", "layer_norm", "hebbian", NULL};
    for (size_t i = 0; i < NSWITCHES; i++)
        for (int k = 0; bio_only[k]; k++)
            if (!strcmp(SWITCHES[i].name, bio_only[k])) on[i] = 0;
    int64_t params = conv_ops(ops, on), in = 2304;
    op(ops, "flatten", NULL);
    for (size_t l = 0; l < x->nlayers; l++) {
        char name[48];
        snprintf(name, sizeof name, "dense_%s", x->layers[l].name);
        params += dense_relu(ops, name, in, x->layers[l].size);
        in = x->layers[l].size;
    }
    return params + classifier_ops(ops, in, 0);
}

/* ------------------------------------------------------------ file */

static int add_arrays(container_writer *w, const ir *x)
{
    char name[96];
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *y = &x->layers[l];
        const ir_pattern *pats[2] = {&y->inter, &y->intra};
        const char *kinds[2] = {"inter", "intra"};
        for (int k = (l == 0); k < 2; k++) {
            uint64_t np = (uint64_t)pats[k]->nrows + 1, nz = (uint64_t)pats[k]->nnz;
            snprintf(name, sizeof name, "masks/%s/%s/indptr", y->name, kinds[k]);
            TRY(container_add(w, name, CONNC_I64, 1, &np, pats[k]->indptr));
            snprintf(name, sizeof name, "masks/%s/%s/indices", y->name, kinds[k]);
            TRY(container_add(w, name, CONNC_I32, 1, &nz, pats[k]->indices));
        }
        uint64_t sz = (uint64_t)y->size;
        snprintf(name, sizeof name, "inhibition/%s", y->name);
        TRY(container_add(w, name, CONNC_I32, 1, &sz, y->inhibition));
    }
    return CONNC_OK;
}

/* The projection table shown by `connc inspect` names each kernel too. */
static void add_kernels(cJSON *m, double min_density)
{
    cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(m, "projections")) {
        const cJSON *nnz = cJSON_GetObjectItemCaseSensitive(p, "nnz"), *rows = cJSON_GetObjectItemCaseSensitive(p, "rows"),
                    *cols = cJSON_GetObjectItemCaseSensitive(p, "cols");
        if (cJSON_IsNumber(nnz) && cJSON_IsNumber(rows) && cJSON_IsNumber(cols))
            cJSON_AddStringToObject(p, "kernel", kernel_of((int64_t)nnz->valuedouble, (int64_t)rows->valuedouble,
                                                           (int64_t)cols->valuedouble, min_density));
    }
}

static cJSON *metadata(const ir *x, const emit_options *o, const double *values, int *on)
{
    cJSON *ir_meta = cJSON_Parse(x->meta);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "schema", NET_SCHEMA);
    cJSON_AddStringToObject(m, "connc_version", CONNC_VERSION_STRING);
    cJSON_AddStringToObject(m, "model", o->model);
    cJSON_AddItemToObject(m, "source", cJSON_DetachItemFromObjectCaseSensitive(ir_meta, "source"));
    cJSON *cells = cJSON_GetObjectItemCaseSensitive(ir_meta, "cells");
    cJSON *syn = cJSON_GetObjectItemCaseSensitive(ir_meta, "synapses");
    cJSON *from = cJSON_AddObjectToObject(m, "compiled_from");
    cJSON_AddItemToObject(from, "cells_sha256", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cells, "content_sha256"), 0));
    cJSON_AddItemToObject(from, "synapses_sha256", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(syn, "content_sha256"), 0));
    cJSON_AddItemToObject(from, "options", cJSON_DetachItemFromObjectCaseSensitive(ir_meta, "options"));
    int in[3] = {1, 48, 48};
    cJSON_AddItemToObject(m, "input", cJSON_CreateIntArray(in, 3));
    cJSON_AddNumberToObject(m, "classes", 7);
    cJSON_AddItemToObject(m, "layers", cJSON_DetachItemFromObjectCaseSensitive(ir_meta, "layers"));
    cJSON_AddItemToObject(m, "projections", cJSON_DetachItemFromObjectCaseSensitive(ir_meta, "projections"));
    cJSON *ops = cJSON_CreateArray();
    double min_density = hyper_value(values, "dense_min_density");
    int64_t params = strcmp(o->model, "cnn") == 0 ? cnn_ops(ops, x, on) : bionic_ops(ops, x, on, min_density);
    if (strcmp(o->model, "cnn") != 0 && switch_on(on, "masks")) add_kernels(m, min_density);
    cJSON *sw = cJSON_AddObjectToObject(m, "switches");
    for (size_t i = 0; i < NSWITCHES; i++) cJSON_AddBoolToObject(sw, SWITCHES[i].name, on[i]);
    cJSON *hp = cJSON_AddObjectToObject(m, "hyperparameters");
    for (size_t i = 0; i < NHYPER; i++) cJSON_AddNumberToObject(hp, HYPER[i].key, values[i]);
    cJSON_AddItemToObject(m, "ops", ops);
    cJSON_AddNumberToObject(m, "parameters", (double)params);
    cJSON_Delete(ir_meta);
    return m;
}

int emit_network(const ir *x, const emit_options *o, const char *path)
{
    double values[NHYPER];
    int on[NSWITCHES];
    if (strcmp(o->model, "bionic") != 0 && strcmp(o->model, "cnn") != 0)
        return err_set(CONNC_ERR_USAGE, "--model '%s': unknown model ('bionic' or the baseline 'cnn')", o->model);
    TRY(apply_overrides(o, values, on));
    cJSON *m = metadata(x, o, values, on);
    char *text = m ? cJSON_Print(m) : NULL;
    cJSON_Delete(m);
    container_writer *w = container_writer_new(CONTAINER_NETWORK);
    int rc = (text && w) ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
    if (rc == CONNC_OK) rc = container_set_metadata(w, text);
    if (rc == CONNC_OK) rc = add_arrays(w, x);
    if (rc == CONNC_OK) rc = container_write(w, path);
    container_writer_free(w);
    free(text);
    return rc;
}
