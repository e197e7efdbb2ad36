/* test_bcm.c: the BCM-inspired per-weight learning rates of BIO_LAYERS.md §3
 * (bcm.h) on a projection of two output units, worked out by hand:
 *   row 0 owns weights 0..1, row 1 weights 2..4 (row_start {0, 2, 5});
 *   batches of B = 2 laid out [B, rows], so y = {b0 r0, b0 r1, b1 r0, b1 r1};
 *   the end of epoch e sets a = decay(t) with t = e - saturated_at + 1. */
#include "harness.h"
#include "bcm.h"

#include <string.h>

typedef struct {
    bcm_state s;
    int64_t row_start[3];
    real scale[5], sq_avg[2];
    int32_t saturated_at[2];
    double obs_sum[2];
} bcm_fixture;

static void setup(bcm_fixture *f)
{
    memset(f, 0xff, sizeof *f); /* bcm_reset must fill everything */
    f->row_start[0] = 0, f->row_start[1] = 2, f->row_start[2] = 5;
    f->s.rows = 2;
    f->s.n = 5;
    f->s.row_start = f->row_start;
    f->s.scale = f->scale;
    f->s.saturated_at = f->saturated_at;
    f->s.sq_avg = f->sq_avg;
    f->s.obs_sum = f->obs_sum;
    bcm_reset(&f->s);
}

static bcm_params params(int observe, int decay, double theta, double K)
{
    bcm_params p;
    memset(&p, 0, sizeof p);
    p.observe = observe;
    p.decay = decay;
    p.theta = theta;
    p.decay_epochs = K;
    return p;
}

/* Every weight of row r has scale a. */
static int row_is(const bcm_fixture *f, int r, double a, double tol)
{
    for (int64_t i = f->row_start[r]; i < f->row_start[r + 1]; i++)
        if (!(f->scale[i] - a <= tol && a - f->scale[i] <= tol)) return 0;
    return 1;
}

/* Epoch 0 with theta = 0.5: two steps of y.
 *   step 1: row 0 {0.5, 1.0} mean 0.75, row 1 {0.5, 0} mean 0.25
 *   step 2: row 0 {0.25, 0.25} mean 0.25, row 1 {0.25, 0.75} mean 0.5
 * epoch means: row 0 (0.75 + 0.25) / 2 = 0.5 >= 0.5 saturates (the boundary
 * counts); row 1 (0.25 + 0.5) / 2 = 0.375 does not.  Later epochs repeat step
 * 1 only: row 1 stays at 0.25, row 0 (saturated for good) whatever it sees. */
static void activation_epochs(bcm_fixture *f, const bcm_params *p, int epoch)
{
    static const real Y1[4] = {0.5f, 0.5f, 1.0f, 0}, Y2[4] = {0.25f, 0.25f, 0.25f, 0.75f};
    bcm_observe(&f->s, p, Y1, NULL, 2);
    if (epoch == 0) bcm_observe(&f->s, p, Y2, NULL, 2);
}

TEST(bcm_reset_state)
{
    bcm_fixture f;
    setup(&f);
    for (int i = 0; i < 5; i++) EXPECT(f.scale[i] == 1);
    for (int r = 0; r < 2; r++) {
        EXPECT_EQ_INT(f.saturated_at[r], -1);
        EXPECT(f.sq_avg[r] == 0);
        EXPECT(f.obs_sum[r] == 0);
    }
    EXPECT_EQ_INT(f.s.steps, 0);
}

TEST(bcm_activation_linear_decay)
{
    /* K = 4: a = 1 - t / 4 for row 0, t = e + 1: 0.75, 0.5, 0.25, 0, 0, 0. */
    static const double A0[6] = {0.75, 0.5, 0.25, 0, 0, 0};
    bcm_fixture f;
    bcm_params p = params(BCM_OBSERVE_ACTIVATION, BCM_DECAY_LINEAR, 0.5, 4);
    setup(&f);
    activation_epochs(&f, &p, 0);
    EXPECT_EQ_INT(f.s.steps, 2);
    EXPECT_NEAR(f.obs_sum[0], 1.0, 1e-12);
    EXPECT_NEAR(f.obs_sum[1], 0.75, 1e-12);
    for (int e = 0; e < 6; e++) {
        if (e) activation_epochs(&f, &p, e);
        bcm_end_epoch(&f.s, &p, e);
        EXPECT_EQ_INT(f.saturated_at[0], 0);
        EXPECT_EQ_INT(f.saturated_at[1], -1);
        EXPECT(row_is(&f, 0, A0[e], 1e-7));
        EXPECT(row_is(&f, 1, 1, 0));
        EXPECT_EQ_INT(f.s.steps, 0);
        EXPECT(f.obs_sum[0] == 0 && f.obs_sum[1] == 0);
    }
    /* exactly 0 from the end of epoch 3 (t = K) on */
    for (int i = 0; i < 2; i++) EXPECT(f.scale[i] == 0);
}

TEST(bcm_activation_log_decay)
{
    /* K = 4: a = (2 - ln(1 + t (e^2 - 1) / 4)) / 2, from Python's math.log:
     * t = 1: 0.5227707036033797, t = 2: 0.28310958475848647,
     * t = 3: 0.12177912217637288, t >= 4: 0. */
    static const double A0[6] = {0.5227707036033797, 0.28310958475848647, 0.12177912217637288, 0, 0, 0};
    bcm_fixture f;
    bcm_params p = params(BCM_OBSERVE_ACTIVATION, BCM_DECAY_LOG, 0.5, 4);
    setup(&f);
    for (int e = 0; e < 6; e++) {
        activation_epochs(&f, &p, e);
        bcm_end_epoch(&f.s, &p, e);
        EXPECT_EQ_INT(f.saturated_at[0], 0);
        EXPECT_EQ_INT(f.saturated_at[1], -1);
        EXPECT(row_is(&f, 0, A0[e], 1e-7));
        EXPECT(row_is(&f, 1, 1, 0));
    }
    for (int i = 0; i < 2; i++) EXPECT(f.scale[i] == 0);
}

/* Error observation, theta = 0.25, K = 2, one step per epoch, y not given.
 *   epoch 0: delta row 0 {-0.5, 0.5}, row 1 {0.25, -0.75}: mean |delta| 0.5, 0.5
 *   epoch 1: row 0 {0.125, -0.125} mean 0.125 < 0.25 saturates;
 *            row 1 {-0.25, 0.25} mean 0.25, not below theta
 *   epoch 2: row 1 {0.0625, -0.0625} mean 0.0625 saturates
 * scales: row 0 0.5 after epoch 1 (t = 1), 0 after 2; row 1 0.5 after 2, 0 after 3. */
TEST(bcm_error_observation)
{
    static const real D[4][4] = {{-0.5f, 0.25f, 0.5f, -0.75f}, {0.125f, -0.25f, -0.125f, 0.25f},
                                 {1, 0.0625f, 1, -0.0625f}, {1, 1, 1, 1}};
    static const int SAT0[4] = {-1, 1, 1, 1}, SAT1[4] = {-1, -1, 2, 2};
    static const double A0[4] = {1, 0.5, 0, 0}, A1[4] = {1, 1, 0.5, 0};
    bcm_fixture f;
    bcm_params p = params(BCM_OBSERVE_ERROR, BCM_DECAY_LINEAR, 0.25, 2);
    setup(&f);
    for (int e = 0; e < 4; e++) {
        bcm_observe(&f.s, &p, NULL, D[e], 2);
        if (e == 1) EXPECT_NEAR(f.obs_sum[1], 0.25, 1e-12);
        bcm_end_epoch(&f.s, &p, e);
        EXPECT_EQ_INT(f.saturated_at[0], SAT0[e]);
        EXPECT_EQ_INT(f.saturated_at[1], SAT1[e]);
        EXPECT(row_is(&f, 0, A0[e], 1e-7));
        EXPECT(row_is(&f, 1, A1[e], 1e-7));
    }
}

/* Sliding theta = lambda <y^2>, lambda = 2, tau = 4 steps; the fixed theta
 * (1) must be ignored.  Two steps of y:
 *   step 1: row 0 {1, 3}  mean y^2 5    sq_avg 0 + (5 - 0) / 4 = 1.25
 *           row 1 {0.5, -0.5} mean y^2 0.25, sq_avg 0.0625
 *   step 2: row 0 {2, 2}  mean y^2 4    sq_avg 1.25 + (4 - 1.25) / 4 = 1.9375
 *           row 1 {0.5, 0.5} mean y^2 0.25, sq_avg 0.0625 + 0.1875 / 4 = 0.109375
 * epoch means: row 0 (2 + 2) / 2 = 2 < theta 3.875 (a fixed 1 would saturate it);
 * row 1 (0 + 0.5) / 2 = 0.25 >= theta 0.21875 (a fixed 1 would not). */
TEST(bcm_sliding_threshold)
{
    static const real Y1[4] = {1, 0.5f, 3, -0.5f}, Y2[4] = {2, 0.5f, 2, 0.5f};
    bcm_fixture f;
    bcm_params p = params(BCM_OBSERVE_ACTIVATION, BCM_DECAY_LINEAR, 1, 4);
    p.sliding = 1;
    p.lambda = 2;
    p.tau = 4;
    setup(&f);
    bcm_observe(&f.s, &p, Y1, NULL, 2);
    EXPECT_NEAR(f.sq_avg[0], 1.25, 1e-7);
    EXPECT_NEAR(f.sq_avg[1], 0.0625, 1e-7);
    bcm_observe(&f.s, &p, Y2, NULL, 2);
    EXPECT_NEAR(f.sq_avg[0], 1.9375, 1e-7);
    EXPECT_NEAR(f.sq_avg[1], 0.109375, 1e-7);
    bcm_end_epoch(&f.s, &p, 0);
    EXPECT_EQ_INT(f.saturated_at[0], -1);
    EXPECT_EQ_INT(f.saturated_at[1], 0);
    EXPECT(row_is(&f, 0, 1, 0));
    EXPECT(row_is(&f, 1, 0.75, 1e-7));
    /* sq_avg is kept across epochs (checkpointed state), not reset */
    EXPECT_NEAR(f.sq_avg[0], 1.9375, 1e-7);
    /* tau < 1 acts as 1: sq_avg becomes the step's mean y^2 */
    p.tau = 0.5;
    bcm_observe(&f.s, &p, Y1, NULL, 2);
    EXPECT_NEAR(f.sq_avg[0], 5, 1e-7);
    EXPECT_NEAR(f.sq_avg[1], 0.25, 1e-7);
}

/* Without observed steps an epoch saturates nothing (no 0 / 0); a step whose
 * observed array is missing does not count; rows saturated earlier still
 * follow the decay, and ending the same epoch twice changes nothing. */
TEST(bcm_epoch_without_steps)
{
    bcm_fixture f;
    bcm_params p = params(BCM_OBSERVE_ACTIVATION, BCM_DECAY_LINEAR, 0, 4);
    setup(&f);
    bcm_observe(&f.s, &p, NULL, NULL, 2); /* activation wanted, y missing */
    EXPECT_EQ_INT(f.s.steps, 0);
    bcm_end_epoch(&f.s, &p, 0); /* theta 0: any observed mean would saturate */
    EXPECT_EQ_INT(f.saturated_at[0], -1);
    EXPECT_EQ_INT(f.saturated_at[1], -1);
    for (int i = 0; i < 5; i++) EXPECT(f.scale[i] == 1);
    EXPECT(f.obs_sum[0] == 0 && f.obs_sum[1] == 0);

    /* epoch 1 observes and saturates both rows (means 0.375 and 0.25 >= 0) */
    static const real Y[4] = {0.25f, 0, 0.5f, 0.5f};
    bcm_observe(&f.s, &p, Y, NULL, 2);
    bcm_end_epoch(&f.s, &p, 1);
    EXPECT_EQ_INT(f.saturated_at[0], 1);
    EXPECT_EQ_INT(f.saturated_at[1], 1);
    EXPECT(row_is(&f, 0, 0.75, 1e-7));
    /* epoch 2 without steps: t = 2, a = 0.5, twice */
    bcm_end_epoch(&f.s, &p, 2);
    EXPECT(row_is(&f, 0, 0.5, 1e-7));
    EXPECT(row_is(&f, 1, 0.5, 1e-7));
    bcm_end_epoch(&f.s, &p, 2);
    EXPECT(row_is(&f, 0, 0.5, 1e-7));
    EXPECT(row_is(&f, 1, 0.5, 1e-7));
    EXPECT_EQ_INT(f.saturated_at[0], 1);
}
