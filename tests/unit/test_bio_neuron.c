/* test_bio_neuron.c: the BioLogicalNeuron layer of BIO_LAYERS.md §1 on
 * tiny cases worked out by hand (GELU values from Python's math.erf:
 * 0.5 z (1 + erf(z / sqrt 2))).
 *
 * The calcium noise N(0, 0.01^2) is made testable by drawing it again: the
 * update takes one rng_gauss per neuron, in neuron order, so the same draws
 * from a copy of the generator's state give the noise each neuron got, and
 * the expected calcium is the hand-computed noise-free value plus 0.01 times
 * that draw. */
#include "bio_neuron.h"
#include "harness.h"

#include <math.h>
#include <string.h>

#define MAXO 2
#define MAXW 8

static const bio_neuron_params DEFAULTS = {.beta = 0.4, .theta_ca = 0.9, .gamma = 0.25, .repair_threshold = 0.5,
                                           .rho = 0.08, .base_lr = 0.001, .cooldown = 40, .window = 8};

typedef struct {
    bio_neuron_state s;
    real calcium[MAXO], prev[MAXO], norms[MAXW * MAXO], health[MAXW * MAXO];
} bn_fixture;

static void fixture(bn_fixture *f, int out, int window)
{
    f->s.out = out;
    f->s.window = window;
    f->s.calcium = f->calcium;
    f->s.prev_calcium = f->prev;
    f->s.norm_hist = f->norms;
    f->s.health_hist = f->health;
    bio_neuron_reset(&f->s);
}

/* The noise of the next update: one N(0,1) per neuron from a copy of rng. */
static void noise_of(const rng_state *rng, int out, double *n)
{
    rng_state copy = *rng;
    for (int i = 0; i < out; i++) n[i] = 0.01 * rng_gauss(&copy);
}

static double sig(double v) { return 1 / (1 + exp(-v)); }

/* ---------------------------------------------------------------- forward */

/* V = [[3, 4], [0, -2]], g = [2, 0.5]: W = [[1.2, 1.6], [0, -0.5]].
 * x = [[1, 2], [-1, 0.5]], b = [0.1, -0.2]:
 * z = [[4.5, -1.2], [-0.3, -0.45]]. */
TEST(bio_neuron_forward_by_hand)
{
    real V[4] = {3, 4, 0, -2}, g[2] = {2, 0.5f}, b[2] = {0.1f, -0.2f}, x[4] = {1, 2, -1, 0.5f};
    real w[4], z[4], y[4];
    bio_neuron_forward(V, g, b, x, w, z, y, 2, 2, 2);
    EXPECT_NEAR(w[0], 1.2, 1e-6);
    EXPECT_NEAR(w[1], 1.6, 1e-6);
    EXPECT_NEAR(w[2], 0, 1e-7);
    EXPECT_NEAR(w[3], -0.5, 1e-7);
    EXPECT_NEAR(z[0], 4.5, 1e-6);
    EXPECT_NEAR(z[1], -1.2, 1e-6);
    EXPECT_NEAR(z[2], -0.3, 1e-6);
    EXPECT_NEAR(z[3], -0.45, 1e-6);
    EXPECT_NEAR(y[0], 4.4999847104709385, 1e-6);
    EXPECT_NEAR(y[1], -0.13808360426605, 1e-6);
    EXPECT_NEAR(y[2], -0.1146265733433142, 1e-6);
    EXPECT_NEAR(y[3], -0.146859849129564, 1e-6);
}

/* A zero row of V gives a zero row of W (no division by ||V|| = 0). */
TEST(bio_neuron_forward_zero_row)
{
    real V[4] = {0, 0, 3, 4}, g[2] = {2, 5}, x[2] = {1, 1};
    real w[4], z[2], y[2];
    bio_neuron_forward(V, g, NULL, x, w, z, y, 1, 2, 2);
    EXPECT(w[0] == 0 && w[1] == 0);
    EXPECT(z[0] == 0 && y[0] == 0);
    EXPECT_NEAR(z[1], 7, 1e-6);
}

/* ---------------------------------------------------------------- update */

/* The first two calls.  y = [[0.5, 2], [1.5, 4]], mean_batch y = (1, 3).
 * Call 1: m = 0.9, c = 0.1 * 0.4 * (1, 3) + noise = (0.04, 0.12) + noise;
 * WS = 1 (one norm known), S = 1 (no health known), tau = 0, so
 * H_i = sigmoid(sigmoid(0.9 - c_i) + 0.25) * 1 * 1.5; no repair (mean H > 0.5).
 * Call 2, g0 = 2 -> 3: m = 0.901, c' = 0.901 c + 0.099 * 0.4 * (1, 3) + noise;
 * WS_0 = 1 - std(2, 3)/mean = 1 - 0.70710678/2.500001, WS_1 = 1 (0.5, 0.5);
 * S = 1 (one health vector known); tau = -mean(c' - c). */
TEST(bio_neuron_first_updates)
{
    bn_fixture f;
    fixture(&f, 2, 8);
    bio_neuron_params p = DEFAULTS;
    real V[4] = {3, 4, 0, -2}, g[2] = {2, 0.5f}, w[4], y[4] = {0.5f, 2, 1.5f, 4};
    rng_state rng;
    rng_init(&rng, 7);
    double n[2];
    bio_neuron_report r;

    noise_of(&rng, 2, n);
    bio_neuron_update(&f.s, &p, V, g, w, y, 2, 2, &rng, &r);
    EXPECT_NEAR(f.calcium[0], 0.04 + n[0], 1e-7);
    EXPECT_NEAR(f.calcium[1], 0.12 + n[1], 1e-7);
    EXPECT(f.prev[0] == 0 && f.prev[1] == 0);
    EXPECT_EQ_INT(f.s.updates, 1);
    EXPECT_EQ_INT(f.s.norm_len, 1);
    EXPECT_NEAR(f.norms[0], 2, 1e-6);
    EXPECT_NEAR(f.norms[1], 0.5, 1e-6);
    EXPECT_EQ_INT(f.s.health_len, 1);
    double c0 = f.calcium[0], c1 = f.calcium[1];
    double h0 = 1.5 * sig(sig(0.9 - c0) + 0.25), h1 = 1.5 * sig(sig(0.9 - c1) + 0.25);
    EXPECT_NEAR(f.health[0], h0, 1e-6);
    EXPECT_NEAR(f.health[1], h1, 1e-6);
    EXPECT_NEAR(r.health, (h0 + h1) / 2, 1e-6);
    EXPECT_NEAR(r.stability, 1, 0);
    EXPECT_NEAR(r.calcium, (c0 + c1) / 2, 1e-7);
    EXPECT_NEAR(f.s.lr, 0.001 * (h0 + h1) / 2, 1e-9);
    EXPECT(!r.repaired);
    EXPECT_EQ_INT(f.s.cooldown, 0);
    EXPECT_EQ_INT(f.s.repairs, 0);
    EXPECT(g[0] == 2 && V[1] == 4); /* untouched without a repair */

    g[0] = 3;
    noise_of(&rng, 2, n);
    bio_neuron_update(&f.s, &p, V, g, w, y, 2, 2, &rng, &r);
    double d0 = 0.901 * c0 + 0.099 * 0.4 * 1 + n[0], d1 = 0.901 * c1 + 0.099 * 0.4 * 3 + n[1];
    EXPECT_NEAR(f.calcium[0], d0, 1e-7);
    EXPECT_NEAR(f.calcium[1], d1, 1e-7);
    EXPECT_NEAR(f.prev[0], c0, 0);
    EXPECT_NEAR(f.prev[1], c1, 0);
    EXPECT_EQ_INT(f.s.norm_len, 2);
    EXPECT_NEAR(f.norms[2], 3, 1e-6);
    double ws0 = 1 - 0.70710678118654752 / 2.500001, tau = -((d0 - c0) + (d1 - c1)) / 2;
    double k0 = 1 + sig(tau);
    double e0 = sig(sig(0.9 - d0) + 0.25 * ws0) * k0, e1 = sig(sig(0.9 - d1) + 0.25) * k0;
    EXPECT_NEAR(f.health[2], e0, 1e-6);
    EXPECT_NEAR(f.health[3], e1, 1e-6);
    EXPECT_NEAR(r.stability, 1, 0);
    EXPECT_NEAR(f.s.lr, 0.001 * (e0 + e1) / 2, 1e-9);
    EXPECT_EQ_INT(f.s.updates, 2);
}

/* The momentum m = min(0.95, 0.9 + 0.001 * updates): 0.93 after 30 calls,
 * capped at 0.95 after 60.  c = 1, mean y = 2: c' = m + (1 - m) * 0.8. */
TEST(bio_neuron_momentum_ramp)
{
    static const long UPD[2] = {30, 60};
    static const double M[2] = {0.93, 0.95};
    for (int t = 0; t < 2; t++) {
        bn_fixture f;
        fixture(&f, 1, 8);
        bio_neuron_params p = DEFAULTS;
        real V[1] = {1}, g[1] = {1}, w[1], y[1] = {2};
        rng_state rng;
        rng_init(&rng, 3);
        double n[1];
        f.calcium[0] = 1;
        f.s.updates = UPD[t];
        noise_of(&rng, 1, n);
        bio_neuron_update(&f.s, &p, V, g, w, y, 1, 1, &rng, NULL);
        EXPECT_NEAR(f.calcium[0], M[t] + (1 - M[t]) * 0.8 + n[0], 1e-6);
    }
}

/* A mid-training call with full histories (window 3), every term by hand:
 * c_old = (0.5, 1.2), 10 earlier calls (m = 0.91), mean y = (0.2, 1.0):
 *   c = 0.91 c_old + 0.09 * 0.4 * mean y + noise = (0.4622, 1.128) + noise
 * norms known (1, 2), (1.5, 2), now (2, 2):
 *   WS_0 = 1 - 0.5 / 1.500001 = 0.6666668889, WS_1 = 1
 * health known (0.9, 0.8), (0.7, 0.9), (1.0, 0.6): S = 1 - std/mean
 *   = 0.8197602030 (unbiased std over the 6 entries)
 * tau = -mean(c - c_old); H_i = sigmoid(sigmoid(0.9 - c_i) + 0.25 WS_i) S (1 + sigmoid(tau));
 * the full health ring drops (0.9, 0.8). */
TEST(bio_neuron_health_by_hand)
{
    bn_fixture f;
    fixture(&f, 2, 3);
    bio_neuron_params p = DEFAULTS;
    p.window = 3;
    static const real NORMS[4] = {1, 2, 1.5f, 2}, HEALTH[6] = {0.9f, 0.8f, 0.7f, 0.9f, 1.0f, 0.6f};
    memcpy(f.norms, NORMS, sizeof NORMS);
    memcpy(f.health, HEALTH, sizeof HEALTH);
    f.s.norm_len = 2;
    f.s.health_len = 3;
    f.s.updates = 10;
    f.calcium[0] = 0.5f;
    f.calcium[1] = 1.2f;
    real V[4] = {3, 4, 0, -7}, g[2] = {2, 2}, w[4], y[4] = {0.1f, 1.5f, 0.3f, 0.5f};
    rng_state rng;
    rng_init(&rng, 11);
    double n[2];
    bio_neuron_report r;
    noise_of(&rng, 2, n);
    bio_neuron_update(&f.s, &p, V, g, w, y, 2, 2, &rng, &r);

    double c0 = 0.4622 + n[0], c1 = 1.128 + n[1];
    EXPECT_NEAR(f.calcium[0], c0, 1e-6);
    EXPECT_NEAR(f.calcium[1], c1, 1e-6);
    double S = 0.8197602030216321, tau = -((c0 - 0.5) + (c1 - 1.2)) / 2, k = S * (1 + sig(tau));
    double h0 = sig(sig(0.9 - c0) + 0.25 * 0.6666668888887407) * k, h1 = sig(sig(0.9 - c1) + 0.25) * k;
    EXPECT_NEAR(r.stability, S, 1e-6);
    EXPECT_EQ_INT(f.s.health_len, 3);
    EXPECT_NEAR(f.health[0], 0.7, 1e-7); /* oldest dropped */
    EXPECT_NEAR(f.health[3], 0.6, 1e-7);
    EXPECT_NEAR(f.health[4], h0, 1e-6);
    EXPECT_NEAR(f.health[5], h1, 1e-6);
    EXPECT_NEAR(r.health, (h0 + h1) / 2, 1e-6);
    EXPECT_EQ_INT(f.s.norm_len, 3);
    EXPECT_NEAR(f.norms[4], 2, 1e-6);
    EXPECT_NEAR(f.norms[5], 2, 1e-6);
    EXPECT(!r.repaired);
    EXPECT_NEAR(f.s.lr, 0.001 * (h0 + h1) / 2 * S, 1e-9);
}

/* A state bound to repair: a health history of (0.1, 2) vectors gives
 * S = clamp(1 - 1.097/1.05) = 0.1, so mean H <= 0.1 * 2 < 0.5.  c_old =
 * (2, 0), 100 earlier calls (m = 0.95), y = 0: c = (1.9, 0) + noise, so
 * only row 0 has c > 0.9.  V holds W itself and g its row norms. */
static void sick_state(bn_fixture *f, bio_neuron_params *p, int window, const real *W, real *V, real *g, int in)
{
    fixture(f, 2, window);
    *p = DEFAULTS;
    p->window = window;
    for (int k = 0; k < window; k++) {
        f->health[2 * k] = 0.1f;
        f->health[2 * k + 1] = 2;
    }
    f->s.health_len = window;
    f->s.updates = 100;
    f->calcium[0] = 2;
    memcpy(V, W, sizeof(real) * 2 * (size_t)in);
    for (int i = 0; i < 2; i++) {
        double s = 0;
        for (int c = 0; c < in; c++) s += (double)W[i * in + c] * W[i * in + c];
        g[i] = (real)sqrt(s);
    }
}

/* W after the repair, recomputed from V and g as the next forward will. */
static void weights_of(const real *V, const real *g, real *w, int in)
{
    real x[4] = {0}, z[2], y[2];
    bio_neuron_forward(V, g, NULL, x, w, z, y, 1, in, 2);
}

/* W = [[0.01, 1, 1, 6], [-3, 0.2, 0.2, 0.02]], S = 0.1.
 * Scaling: row 0 times 1 - 0.08 (1 - 0.1) = 0.928.
 * Row 0: mu = 0.928 * 2.0025; 0.00928 < 0.1 mu: pruned (x 0.9) -> 0.008352;
 *        5.568 > 2 mu: reinforced (x 1.05) -> 5.8464; 0.928, 0.928 stay.
 * Row 1: mu = 0.855; 0.02 < 0.0855: pruned -> 0.018; |-3| > 1.71:
 *        reinforced -> -3.15; 0.2, 0.2 stay.
 * ||W||_F = 6.3 < 2 * 8: no rescale. */
TEST(bio_neuron_repair_by_hand)
{
    static const real W[8] = {0.01f, 1, 1, 6, -3, 0.2f, 0.2f, 0.02f};
    static const double E[8] = {0.008352, 0.928, 0.928, 5.8464, -3.15, 0.2, 0.2, 0.018};
    bn_fixture f;
    bio_neuron_params p;
    real V[8], g[2], w[8], y[2] = {0, 0};
    sick_state(&f, &p, 8, W, V, g, 4);
    rng_state rng;
    rng_init(&rng, 5);
    bio_neuron_report r;
    bio_neuron_update(&f.s, &p, V, g, w, y, 1, 4, &rng, &r);
    EXPECT(r.repaired);
    EXPECT_NEAR(r.stability, 0.1, 1e-7);
    EXPECT(r.health < 0.5);
    EXPECT_EQ_INT(r.scaled_rows, 1);
    EXPECT_EQ_INT(r.pruned, 2);
    EXPECT_EQ_INT(r.reinforced, 2);
    EXPECT_EQ_INT(r.rescaled, 0);
    EXPECT_EQ_INT(f.s.repairs, 1);
    EXPECT_EQ_INT(f.s.cooldown, 40);
    for (int k = 0; k < 8; k++) EXPECT_NEAR(w[k], E[k], 2e-6);
    /* persisted: V = W, g = ||W_i||, and g V / ||V|| gives the repaired W */
    for (int k = 0; k < 8; k++) EXPECT_NEAR(V[k], E[k], 2e-6);
    EXPECT_NEAR(g[0], sqrt(0.008352 * 0.008352 + 2 * 0.928 * 0.928 + 5.8464 * 5.8464), 1e-5);
    EXPECT_NEAR(g[1], sqrt(3.15 * 3.15 + 0.08 + 0.018 * 0.018), 1e-5);
    real again[8];
    weights_of(V, g, again, 4);
    for (int k = 0; k < 8; k++) EXPECT_NEAR(again[k], E[k], 2e-6);
    EXPECT_NEAR(f.s.lr, 0.001 * r.health * 0.1, 1e-10);
}

/* W = [[10, -10, 10, 10], [5, 5, -5, 5]]: row 0 scaled by 0.928; no weight
 * is pruned or reinforced (all equal in magnitude); ||W||_F =
 * sqrt(0.928^2 400 + 100) = 21.0825425 > 16, so W is rescaled to norm 8:
 * factor 0.3794608731. */
TEST(bio_neuron_repair_rescale)
{
    static const real W[8] = {10, -10, 10, 10, 5, 5, -5, 5};
    const double a = 9.28 * 0.37946087310768045, b = 5 * 0.37946087310768045;
    const double E[8] = {a, -a, a, a, b, b, -b, b};
    bn_fixture f;
    bio_neuron_params p;
    real V[8], g[2], w[8], y[2] = {0, 0};
    sick_state(&f, &p, 8, W, V, g, 4);
    rng_state rng;
    rng_init(&rng, 6);
    bio_neuron_report r;
    bio_neuron_update(&f.s, &p, V, g, w, y, 1, 4, &rng, &r);
    EXPECT(r.repaired);
    EXPECT_EQ_INT(r.scaled_rows, 1);
    EXPECT_EQ_INT(r.pruned, 0);
    EXPECT_EQ_INT(r.reinforced, 0);
    EXPECT_EQ_INT(r.rescaled, 1);
    for (int k = 0; k < 8; k++) EXPECT_NEAR(w[k], E[k], 1e-5);
    real again[8];
    weights_of(V, g, again, 4);
    for (int k = 0; k < 8; k++) EXPECT_NEAR(again[k], E[k], 1e-5);
    EXPECT_NEAR(g[0], 2 * a, 1e-5);
    EXPECT_NEAR(g[1], 2 * b, 1e-5);
}

/* Cooldown 3: a repair, then three calls that only count the cooldown down
 * (no health check, although health stays low), then the next repair. */
TEST(bio_neuron_cooldown)
{
    static const real W[8] = {0.01f, 1, 1, 6, -3, 0.2f, 0.2f, 0.02f};
    static const int REPAIRED[5] = {1, 0, 0, 0, 1}, COOLDOWN[5] = {3, 2, 1, 0, 3}, REPAIRS[5] = {1, 1, 1, 1, 2};
    bn_fixture f;
    bio_neuron_params p;
    real V[8], g[2], w[8], y[2] = {0, 0};
    sick_state(&f, &p, 8, W, V, g, 4);
    p.cooldown = 3;
    rng_state rng;
    rng_init(&rng, 9);
    for (int t = 0; t < 5; t++) {
        bio_neuron_report r;
        real keep[8];
        memcpy(keep, V, sizeof keep);
        bio_neuron_update(&f.s, &p, V, g, w, y, 1, 4, &rng, &r);
        EXPECT(r.health < 0.5);
        EXPECT_EQ_INT(r.repaired, REPAIRED[t]);
        EXPECT_EQ_INT(f.s.cooldown, COOLDOWN[t]);
        EXPECT_EQ_INT(f.s.repairs, REPAIRS[t]);
        EXPECT_EQ_INT(memcmp(keep, V, sizeof keep) != 0, REPAIRED[t]);
    }
}

/* The adaptive learning rate is base_lr * mean(H) * S, whatever happened. */
TEST(bio_neuron_adaptive_lr)
{
    static const real W[8] = {0.01f, 1, 1, 6, -3, 0.2f, 0.2f, 0.02f};
    bn_fixture f;
    bio_neuron_params p;
    real V[8], g[2], w[8], y[2] = {0, 0};
    sick_state(&f, &p, 8, W, V, g, 4);
    p.base_lr = 0.05;
    rng_state rng;
    rng_init(&rng, 2);
    for (int t = 0; t < 3; t++) {
        bio_neuron_report r;
        bio_neuron_update(&f.s, &p, V, g, w, y, 1, 4, &rng, &r);
        const real *h = f.health + 2 * (f.s.health_len - 1);
        EXPECT_NEAR(r.health, (h[0] + h[1]) / 2.0, 1e-7);
        EXPECT_NEAR(f.s.lr, 0.05 * (h[0] + h[1]) / 2.0 * r.stability, 1e-9);
    }
}

TEST(bio_neuron_reset_zeroes)
{
    bn_fixture f;
    fixture(&f, 2, 3);
    for (int k = 0; k < 6; k++) f.norms[k] = f.health[k] = 1;
    f.calcium[1] = f.prev[0] = 1;
    f.s.norm_len = f.s.health_len = 3;
    f.s.updates = f.s.repairs = 4;
    f.s.cooldown = 2;
    f.s.lr = 1;
    bio_neuron_reset(&f.s);
    for (int k = 0; k < 6; k++) EXPECT(f.norms[k] == 0 && f.health[k] == 0);
    EXPECT(f.calcium[1] == 0 && f.prev[0] == 0);
    EXPECT(f.s.norm_len == 0 && f.s.health_len == 0 && f.s.updates == 0 && f.s.repairs == 0);
    EXPECT(f.s.cooldown == 0 && f.s.lr == 0);
}
