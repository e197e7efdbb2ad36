/* test_optimizer.c: Adam with L2 weight decay and ReduceLROnPlateau
 * (BIONIC.md §3) on cases worked out by hand.
 *
 * Adam, PyTorch semantics (torch.optim.Adam, not AdamW), step t:
 *   g' = g + wd * p
 *   m  = b1 * m + (1 - b1) * g'
 *   v  = b2 * v + (1 - b2) * g'^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * with lr 0.1, betas (0.9, 0.999), eps 1e-8, wd 0.1 on p = (1, -0.5, -2).
 * The numbers below were derived by hand (steps 1 and 2), and all three
 * steps were checked against torch.optim.Adam 1.13 (python3-torch) in
 * float64 and float32, which agree with them to 1e-7.
 *
 * The runtime forms 1 - beta in double and rounds it, as PyTorch does, so
 * the float results agree with torch's float32 run to rounding. */
#include "harness.h"
#include "optimizer.h"

#define M_TOL 1e-7
#define V_TOL(x) (1e-6 * (x))
#define P_TOL 2e-7

static void adam_init(adam_state *s)
{
    *s = (adam_state){.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0.1, .t = 0};
}

TEST(adam_step_by_hand)
{
    adam_state s;
    adam_init(&s);
    real p[3] = {1, -0.5f, -2}, m[3] = {0}, v[3] = {0};

    /* Step 1: g' = (0.5 + 0.1, 0.2 - 0.05, 0 - 0.2) = (0.6, 0.15, -0.2);
     * m = 0.1 g' = (0.06, 0.015, -0.02); v = 0.001 g'^2 = (3.6e-4, 2.25e-5, 4e-5).
     * Bias correction gives m^ = g', sqrt(v^) = |g'|, so each p moves by
     * lr * sign(g') = 0.1 (less 0.1 * 1e-8 / |g'|, below float resolution). */
    real g1[3] = {0.5f, 0.2f, 0};
    adam_step(&s, p, g1, m, v, NULL, 3);
    EXPECT_EQ_INT(s.t, 1);
    EXPECT_NEAR(m[0], 0.06, M_TOL);
    EXPECT_NEAR(m[1], 0.015, M_TOL);
    EXPECT_NEAR(m[2], -0.02, M_TOL);
    EXPECT_NEAR(v[0], 3.6e-4, V_TOL(3.6e-4));
    EXPECT_NEAR(v[1], 2.25e-5, V_TOL(2.25e-5));
    EXPECT_NEAR(v[2], 4e-5, V_TOL(4e-5));
    EXPECT_NEAR(p[0], 0.9, P_TOL);
    EXPECT_NEAR(p[1], -0.6, P_TOL);
    EXPECT_NEAR(p[2], -1.9, P_TOL); /* zero gradient: decay alone moves it */
    /* The step consumes the gradient: the next backward accumulates into zeros. */
    EXPECT(g1[0] == 0 && g1[1] == 0 && g1[2] == 0);

    /* Step 2: g' = (0.1 + 0.09, -0.3 - 0.06, 0 - 0.19) = (0.19, -0.36, -0.19)
     *   m = 0.9 m + 0.1 g' = (0.054 + 0.019, 0.0135 - 0.036, -0.018 - 0.019)
     *     = (0.073, -0.0225, -0.037)
     *   v = 0.999 v + 0.001 g'^2 = (3.5964e-4 + 3.61e-5, 2.24775e-5 + 1.296e-4, 3.996e-5 + 3.61e-5)
     *     = (3.9574e-4, 1.520775e-4, 7.606e-5)
     *   1 - b1^2 = 0.19, 1 - b2^2 = 0.001999
     *   p0: m^ = 0.073 / 0.19 = 0.384211, v^ = 3.9574e-4 / 0.001999 = 0.197969,
     *       sqrt = 0.444937, step 0.1 * 0.384211 / 0.444937 = 0.0863517 -> 0.9 - 0.0863517
     *   p1: m^ = -0.118421, sqrt(v^) = 0.275820, step -0.0429341 -> -0.6 + 0.0429341
     *   p2: m^ = -0.194737, sqrt(v^) = 0.195062, step -0.0998335 -> -1.9 + 0.0998335 */
    real g2[3] = {0.1f, -0.3f, 0};
    adam_step(&s, p, g2, m, v, NULL, 3);
    EXPECT_NEAR(m[0], 0.073, M_TOL);
    EXPECT_NEAR(m[1], -0.0225, M_TOL);
    EXPECT_NEAR(m[2], -0.037, M_TOL);
    EXPECT_NEAR(v[0], 3.9574e-4, V_TOL(3.9574e-4));
    EXPECT_NEAR(v[1], 1.520775e-4, V_TOL(1.520775e-4));
    EXPECT_NEAR(v[2], 7.606e-5, V_TOL(7.606e-5));
    EXPECT_NEAR(p[0], 0.8136483454, P_TOL);
    EXPECT_NEAR(p[1], -0.5570658486, P_TOL);
    EXPECT_NEAR(p[2], -1.8001664957, P_TOL);
    EXPECT(g2[0] == 0 && g2[1] == 0 && g2[2] == 0);

    /* Step 3 (g = (-0.4, 0.1, 1)): the same arithmetic, done in Python
     * floats and matching torch.optim.Adam float64:
     *   m = (0.03383648347, -0.01582065843, 0.048698335)
     *   p = (0.7829837791, -0.5313027998, -1.8361276771) */
    real g3[3] = {-0.4f, 0.1f, 1};
    adam_step(&s, p, g3, m, v, NULL, 3);
    EXPECT_EQ_INT(s.t, 3);
    EXPECT_NEAR(m[0], 0.03383648347, M_TOL);
    EXPECT_NEAR(m[1], -0.01582065843, M_TOL);
    EXPECT_NEAR(m[2], 0.048698335, M_TOL);
    EXPECT_NEAR(p[0], 0.7829837791, P_TOL);
    EXPECT_NEAR(p[1], -0.5313027998, P_TOL);
    EXPECT_NEAR(p[2], -1.8361276771, P_TOL);
    EXPECT(g3[0] == 0 && g3[1] == 0 && g3[2] == 0);
}

/* A parameter at 0 with gradient 0 has m = v = 0: the update is
 * 0 / (0 + eps) = 0, so it stays exactly 0 (eps keeps it finite). */
TEST(adam_step_zero_stays_zero)
{
    adam_state s;
    adam_init(&s);
    real p[1] = {0}, g[1] = {0}, m[1] = {0}, v[1] = {0};
    adam_step(&s, p, g, m, v, NULL, 1);
    adam_step(&s, p, g, m, v, NULL, 1);
    EXPECT(p[0] == 0 && m[0] == 0 && v[0] == 0);
}

/* BCM per-weight scales (BIO_LAYERS.md §3) multiply the step: with the
 * first step of adam_step_by_hand each p moves by lr * sign(g') = 0.1, so
 * scales (1, 0.5, 0) give moves (-0.1, -0.05, 0); m and v are the same. */
TEST(adam_step_scaled)
{
    adam_state s;
    adam_init(&s);
    real p[3] = {1, -0.5f, -2}, m[3] = {0}, v[3] = {0}, g[3] = {0.5f, 0.2f, 0}, a[3] = {1, 0.5f, 0};
    adam_step(&s, p, g, m, v, a, 3);
    EXPECT_NEAR(p[0], 0.9, P_TOL);
    EXPECT_NEAR(p[1], -0.55, P_TOL);
    EXPECT(p[2] == -2);
    EXPECT_NEAR(m[2], -0.02, M_TOL);
}

/* ReduceLROnPlateau(mode 'min', threshold 1e-4 'rel', factor 0.5,
 * patience 2, min_lr 0.02) from lr 0.1.  A loss improves when it is below
 * best * (1 - 1e-4); after more than `patience` epochs without improvement
 * lr becomes max(lr * factor, min_lr) and the count restarts.
 *   epoch loss     best    bad  lr
 *   1     1        1       0    0.1
 *   2     0.9      0.9     0    0.1
 *   3     0.89995  0.9     1    0.1    (not below 0.9 * 0.9999 = 0.89991)
 *   4     0.95     0.9     2    0.1
 *   5     0.95     0.9     3>2  0.05   (count back to 0)
 *   6     0.8999   0.8999  0    0.05   (below 0.89991)
 *   7-8   1        0.8999  1,2  0.05
 *   9     1                3>2  0.025
 *   10-12 1                     0.025, 0.025, max(0.0125, 0.02) = 0.02
 *   13-15 1                     0.02 (the floor; 0.02 - 0.02 = 0 is no change)
 * The same sequence through torch.optim.lr_scheduler.ReduceLROnPlateau
 * (torch 1.13) gives the same lrs. */
TEST(plateau_step_sequence)
{
    static const double loss[15] = {1, 0.9, 0.89995, 0.95, 0.95, 0.8999, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static const double want[15] = {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025,
                                    0.025, 0.025, 0.02, 0.02, 0.02, 0.02};
    plateau_state s;
    plateau_init(&s, 0.5, 2, 0.02);
    double lr = 0.1;
    for (int e = 0; e < 15; e++) {
        lr = plateau_step(&s, loss[e], lr);
        EXPECT_NEAR(lr, want[e], 1e-12);
    }
    EXPECT_NEAR(s.best, 0.8999, 1e-12);
}

/* PyTorch leaves lr alone when the reduction would change it by no more
 * than eps = 1e-8: from 0.02 + 5e-9 with floor 0.02 the new lr would be
 * 0.02, a change of 5e-9, so lr stays; from 0.02 + 2e-8 it drops to 0.02.
 * (patience 0: every epoch without improvement triggers; torch agrees.) */
TEST(plateau_step_ignores_tiny_change)
{
    plateau_state s;
    plateau_init(&s, 0.5, 0, 0.02);
    double lr = 0.02 + 5e-9;
    lr = plateau_step(&s, 1, lr); /* first loss: an improvement on +inf */
    lr = plateau_step(&s, 1, lr);
    EXPECT(lr == 0.02 + 5e-9);
    plateau_init(&s, 0.5, 0, 0.02);
    lr = 0.02 + 2e-8;
    lr = plateau_step(&s, 1, lr);
    EXPECT(lr == 0.02 + 2e-8);
    lr = plateau_step(&s, 1, lr);
    EXPECT(lr == 0.02);
}
