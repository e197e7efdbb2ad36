/* test_hebbian.c: the Hebbian + homeostatic update of BIONIC.md §3 on a
 * batch of two, worked out by hand:
 *   pre  h = [[1, 0], [3, 2]]      post h = [[2, 0], [0, 4]]
 *   dW[r][c] = a_hebb / B * sum_b y[b][r] x[b][c] - a_home * (f_avg[r] - f_target)
 * with a_hebb = 1, a_home = 0.1, f_target = 0.35, momentum 0.5, f_avg = 0 before. */
#include "harness.h"
#include "hebbian.h"

#include <string.h>

static real PRE[4] = {1, 0, 3, 2}, POST[4] = {2, 0, 0, 4};

static void setup(network *net, bio_state *pre, bio_state *post, real *w, real *f_avg, int per_neuron)
{
    memset(net, 0, sizeof *net);
    net->hp.hebb_rate = 1;
    net->hp.homeo_rate = 0.1;
    net->hp.homeo_target = 0.35;
    net->hp.homeo_momentum = 0.5;
    net->hp.hebb_scale_per_neuron = per_neuron;
    net->param = w;
    memset(pre, 0, sizeof *pre);
    memset(post, 0, sizeof *post);
    pre->size = 2;
    pre->h = PRE;
    post->size = 2;
    post->in = 2;
    post->h = POST;
    post->f_avg = f_avg;
    post->w_inter = 0;
}

/* Scaled by the layer's batch max: x = [[1/3, 0], [1, 2/3]], y = [[1/2, 0], [0, 1]];
 * mean y = (1/4, 1/2), so f_avg = (1/8, 1/4). */
TEST(hebbian_layer_scaled_dense)
{
    network net;
    bio_state pre, post;
    real w[4] = {0}, f_avg[2] = {0}, scratch[8];
    setup(&net, &pre, &post, w, f_avg, 0);
    hebbian_update(&net, &pre, &post, 2, scratch);
    EXPECT_NEAR(f_avg[0], 0.125, 1e-7);
    EXPECT_NEAR(f_avg[1], 0.25, 1e-7);
    EXPECT_NEAR(w[0], 0.5 / 6 + 0.0225, 1e-7);  /* 1/2 * (1/2 * 1/3) - 0.1 * (1/8 - 0.35) */
    EXPECT_NEAR(w[1], 0.0225, 1e-7);
    EXPECT_NEAR(w[2], 0.5 + 0.01, 1e-7);         /* 1/2 * (1 * 1) - 0.1 * (1/4 - 0.35) */
    EXPECT_NEAR(w[3], 0.5 * 2 / 3.0 + 0.01, 1e-7);
}

/* Scaled by each neuron's batch max: x = [[1/3, 0], [1, 1]], y = [[1, 0], [0, 1]];
 * mean y = (1/2, 1/2), so f_avg = (1/4, 1/4). */
TEST(hebbian_neuron_scaled_dense)
{
    network net;
    bio_state pre, post;
    real w[4] = {0}, f_avg[2] = {0}, scratch[8];
    setup(&net, &pre, &post, w, f_avg, 1);
    hebbian_update(&net, &pre, &post, 2, scratch);
    EXPECT_NEAR(f_avg[0], 0.25, 1e-7);
    EXPECT_NEAR(f_avg[1], 0.25, 1e-7);
    EXPECT_NEAR(w[0], 0.5 / 3 + 0.01, 1e-7);
    EXPECT_NEAR(w[1], 0.01, 1e-7);
    EXPECT_NEAR(w[2], 0.51, 1e-7);
    EXPECT_NEAR(w[3], 0.51, 1e-7);
}

/* The masked form touches only the stored entries (0,1) and (1,0), with the
 * same values as the dense form at those positions. */
TEST(hebbian_masked_entries_only)
{
    static const int64_t indptr[3] = {0, 1, 2};
    static const int32_t indices[2] = {1, 0};
    network net;
    bio_state pre, post;
    real w[2] = {0}, f_avg[2] = {0}, scratch[8];
    setup(&net, &pre, &post, w, f_avg, 1);
    post.masked_inter = 1;
    post.inter_mask.indptr = indptr;
    post.inter_mask.indices = indices;
    hebbian_update(&net, &pre, &post, 2, scratch);
    EXPECT_NEAR(w[0], 0.01, 1e-7);
    EXPECT_NEAR(w[1], 0.51, 1e-7);
}
