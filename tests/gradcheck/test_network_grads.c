/* test_network_grads.c: the whole BioNIC network (BIONIC.md §2) built from a
 * tiny hand-written description, its loss gradient checked against central
 * differences on a sample of every parameter tensor, in double precision. */
#include "container.h"
#include "gradcheck.h"
#include "harness.h"
#include "network.h"

#include <stdlib.h>
#include <string.h>

/* Layers A (3), B (4), C (2); masks chosen by hand; B runs its masks through
 * the dense kernel (masked_dense.c), C through CSR. */
static const char *META =
    "{\"schema\":\"connc-net/1\",\"model\":\"bionic\",\"input\":[1,48,48],\"classes\":7,"
    "\"switches\":{\"masks\":true,\"intra\":true,\"inhibition\":true,\"lateral_inhibition\":true,\"attention\":true,"
    "\"noise\":true,\"weight_decay\":true,\"scheduler\":true,\"label_smoothing\":true,\"layer_norm\":true,\"conv\":true,"
    "\"augmentation\":true,\"hebbian\":true,\"class_weights\":true},"
    "\"hyperparameters\":{\"lr\":0.0006,\"beta1\":0.9,\"beta2\":0.999,\"eps\":1e-8,\"weight_decay\":0.0001,"
    "\"label_smoothing\":0.1,\"batch_size\":32,\"max_epochs\":400,\"early_stopping_patience\":40,\"plateau_factor\":0.5,"
    "\"plateau_patience\":8,\"min_lr\":1e-6,\"lateral_alpha\":0.5,\"inhibition_alpha_init\":0.5,\"noise_std\":0.06,"
    "\"layer_norm_eps\":1e-5,\"hebb_rate\":0.0005,\"homeo_rate\":0.0005,\"homeo_target\":0.35,\"homeo_momentum\":0.99,"
    "\"crop_scale_min\":0.8,\"crop_scale_max\":1,\"crop_ratio_min\":0.75,\"crop_ratio_max\":1.3333333333333333,"
    "\"rotation_deg\":15,\"flip_prob\":0.5,\"brightness\":0.15,\"contrast\":0.15,\"init_fan_in_from_mask\":0,\"hebb_scale_per_neuron\":0,"
    "\"fuzzy_half_width\":0.045,\"rejuvenation_d\":14,\"crystal_threshold\":4.5e-5,\"crystal_dampening\":0.6,"
    "\"dale_excitatory_fraction\":0.8},"
    "\"ops\":["
    "{\"op\":\"conv2d\",\"name\":\"conv1\",\"in_channels\":1,\"out_channels\":8,\"kernel\":3,\"pad\":1},"
    "{\"op\":\"lateral_inhibition\",\"name\":\"lateral\",\"pool\":3},{\"op\":\"relu\"},{\"op\":\"maxpool2d\"},"
    "{\"op\":\"conv2d\",\"name\":\"conv2\",\"in_channels\":8,\"out_channels\":16,\"kernel\":3,\"pad\":1},"
    "{\"op\":\"relu\"},{\"op\":\"maxpool2d\"},"
    "{\"op\":\"channel_attention\",\"name\":\"ca\",\"channels\":16,\"hidden\":2},"
    "{\"op\":\"spatial_attention\",\"name\":\"sa\",\"channels\":16,\"kernel\":3},"
    "{\"op\":\"flatten\"},{\"op\":\"layer_norm\",\"name\":\"input_norm\",\"size\":2304},"
    "{\"op\":\"linear\",\"name\":\"input_projection\",\"in\":2304,\"out\":3},{\"op\":\"relu\"},"
    "{\"op\":\"bio_layer\",\"name\":\"A\",\"size\":3,\"intra_mask\":\"masks/A/intra\",\"intra\":true,"
    "\"inhibition\":\"inhibition/A\",\"noise\":true,\"layer_norm\":true},"
    "{\"op\":\"bio_layer\",\"name\":\"B\",\"size\":4,\"from\":\"A\",\"in\":3,\"inter_mask\":\"masks/B/inter\","
    "\"inter_kernel\":\"dense\",\"intra_kernel\":\"dense\",\"intra_mask\":\"masks/B/intra\",\"intra\":true,\"inhibition\":\"inhibition/B\",\"noise\":true,\"layer_norm\":true},"
    "{\"op\":\"bio_layer\",\"name\":\"C\",\"size\":2,\"from\":\"B\",\"in\":4,\"inter_mask\":\"masks/C/inter\","
    "\"intra_mask\":\"masks/C/intra\",\"intra\":true,\"inhibition\":\"inhibition/C\",\"noise\":true,\"layer_norm\":true},"
    "{\"op\":\"layer_norm\",\"name\":\"classifier_norm\",\"size\":2},"
    "{\"op\":\"linear\",\"name\":\"classifier\",\"in\":2,\"out\":7}]}";

static const int64_t A_INTRA_P[4] = {0, 1, 2, 2};
static const int32_t A_INTRA_I[2] = {1, 2};
static const int32_t A_INH[3] = {0, 5, 2};
static const int64_t B_INTER_P[5] = {0, 2, 3, 5, 6};
static const int32_t B_INTER_I[6] = {0, 2, 1, 0, 1, 2};
static const int64_t B_INTRA_P[5] = {0, 1, 1, 3, 4};
static const int32_t B_INTRA_I[4] = {3, 0, 1, 2};
static const int32_t B_INH[4] = {1, 0, 3, 7};
static const int64_t C_INTER_P[3] = {0, 3, 4};
static const int32_t C_INTER_I[4] = {0, 1, 3, 2};
static const int64_t C_INTRA_P[3] = {0, 1, 2};
static const int32_t C_INTRA_I[2] = {1, 0};
static const int32_t C_INH[2] = {4, 4};

static void add(container_writer *w, const char *name, connc_dtype t, uint64_t n, const void *data)
{
    container_add(w, name, t, 1, &n, data);
}

/* Writes the tiny description; returns its path. */
static const char *write_tiny_cnet(void)
{
    const char *path = tmp_path("tiny.cnet");
    container_writer *w = container_writer_new(CONTAINER_NETWORK);
    container_set_metadata(w, META);
    add(w, "masks/A/intra/indptr", CONNC_I64, 4, A_INTRA_P);
    add(w, "masks/A/intra/indices", CONNC_I32, 2, A_INTRA_I);
    add(w, "inhibition/A", CONNC_I32, 3, A_INH);
    add(w, "masks/B/inter/indptr", CONNC_I64, 5, B_INTER_P);
    add(w, "masks/B/inter/indices", CONNC_I32, 6, B_INTER_I);
    add(w, "masks/B/intra/indptr", CONNC_I64, 5, B_INTRA_P);
    add(w, "masks/B/intra/indices", CONNC_I32, 4, B_INTRA_I);
    add(w, "inhibition/B", CONNC_I32, 4, B_INH);
    add(w, "masks/C/inter/indptr", CONNC_I64, 3, C_INTER_P);
    add(w, "masks/C/inter/indices", CONNC_I32, 4, C_INTER_I);
    add(w, "masks/C/intra/indptr", CONNC_I64, 3, C_INTRA_P);
    add(w, "masks/C/intra/indices", CONNC_I32, 2, C_INTRA_I);
    add(w, "inhibition/C", CONNC_I32, 2, C_INH);
    container_write(w, path);
    container_writer_free(w);
    return path;
}

typedef struct {
    network *net;
    uint8_t labels[2];
    real class_w[7];
    real *input;   /* a saved copy: forward may not keep net->input */
} net_case;

static double net_loss(void *ctx)
{
    net_case *c = ctx;
    memcpy(c->net->input, c->input, 2 * 2304 * sizeof(real));
    const real *z = network_forward(c->net, 2, 0, NULL);
    return cross_entropy(z, c->labels, c->class_w, (real)0.1, NULL, NULL, 2, 7);
}

/* Checks up to 12 evenly spread entries of every parameter tensor. */
static double sampled_error(net_case *c, const real *grad)
{
    double worst = 0;
    for (int i = 0; i < c->net->nparams; i++) {
        const param_info *p = &c->net->params[i];
        long step = p->count > 12 ? p->count / 12 : 1;
        for (long k = 0; k < p->count; k += step) {
            double e = grad_error(net_loss, c, c->net->param + p->offset + k, grad + p->offset + k, 1);
            if (e > worst) worst = e;
        }
    }
    return worst;
}

TEST(grad_whole_network)
{
    network net;
    EXPECT_EQ_INT(network_load(write_tiny_cnet(), 4, NULL, &net), 0);
    if (harness_failed) return;
    rng_state r;
    rng_init(&r, 7);
    network_init_params(&net, &r);
    /* move LayerNorm gains and the inhibition strengths off their special values */
    for (long i = 0; i < net.P; i++) net.param[i] += (real)(0.05 * (rng_double(&r) - 0.5));
    net_case c = {&net, {2, 5}, {1, 2, 0.5, 1, 1.5, 1, 0.7}, malloc(2 * 2304 * sizeof(real))};
    for (int i = 0; i < 2 * 2304; i++) c.input[i] = (real)(2 * rng_double(&r) - 1);
    net_loss(&c);
    cross_entropy(net.ops[net.nops - 1].out, c.labels, c.class_w, (real)0.1, network_dlogits(&net), NULL, 2, 7);
    memset(net.grad, 0, (size_t)net.P * sizeof(real));
    network_backward(&net, 2);
    real *g = malloc((size_t)net.P * sizeof(real));
    memcpy(g, net.grad, (size_t)net.P * sizeof(real));
    EXPECT(sampled_error(&c, g) < 1e-5);
    EXPECT_EQ_INT(net.P, 80 + 1168 + 34 + 48 + 145 + 4608 + 2304 * 3 + 3 + (2 + 3 + 1 + 6) + (6 + 4 + 4 + 4 + 1 + 8) +
                             (4 + 2 + 2 + 2 + 1 + 4) + 4 + 2 * 7 + 7);
    free(g);
    free(c.input);
    network_free(&net);
}
