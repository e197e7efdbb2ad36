/* bcm.c: BCM-inspired per-weight learning rates (BIO_LAYERS.md §3); the
 * formulas and the conventions are those of bcm.h. */
#include "bcm.h"

#include <math.h>

/* e^2 - 1, the log schedule's stretch: ln(1 + K (e^2 - 1) / K) = 2. */
#define BCM_E2_MINUS_1 6.38905609893065022723

void bcm_reset(bcm_state *s)
{
    for (long i = 0; i < s->n; i++) s->scale[i] = 1;
    for (int r = 0; r < s->rows; r++) {
        s->saturated_at[r] = -1;
        s->sq_avg[r] = 0;
        s->obs_sum[r] = 0;
    }
    s->steps = 0;
}

/* The batch mean of row r of x [B, rows], of |x| when absolute. */
static double batch_mean(const real *x, int B, int rows, int r, int absolute)
{
    double sum = 0;
    for (int b = 0; b < B; b++) {
        double v = x[(long)b * rows + r];
        sum += absolute ? fabs(v) : v;
    }
    return sum / B;
}

/* Sliding threshold (§3, BCM's theta_M = lambda <y^2>_tau): <y^2> is an
 * exponential moving average over training steps with time constant tau,
 *   sq_avg <- sq_avg + (mean_b y^2 - sq_avg) / tau     (tau < 1 acts as 1). */
static void update_sq_avg(bcm_state *s, double tau, const real *y, int B)
{
    double k = tau > 1 ? 1 / tau : 1;
    for (int r = 0; r < s->rows; r++) {
        double sq = 0;
        for (int b = 0; b < B; b++) {
            double v = y[(long)b * s->rows + r];
            sq += v * v;
        }
        double avg = s->sq_avg[r];
        s->sq_avg[r] = (real)(avg + (sq / B - avg) * k);
    }
}

void bcm_observe(bcm_state *s, const bcm_params *p, const real *y, const real *delta, int B)
{
    int err = p->observe == BCM_OBSERVE_ERROR;
    const real *x = err ? delta : y;
    if (B <= 0) return;
    if (p->sliding && y) update_sq_avg(s, p->tau, y, B);
    if (!x) return; /* nothing observed: the step does not count */
    /* Saturated rows are decided for good; their sums are never read. */
    for (int r = 0; r < s->rows; r++)
        if (s->saturated_at[r] < 0) s->obs_sum[r] += batch_mean(x, B, s->rows, r, err);
    s->steps++;
}

/* The decay of §3, t epochs after saturation (bcm.h): 1 at t <= 0, exactly
 * 0 from t >= K on (K <= 0: 0 at once), in [0, 1] in between. */
static double decay_scale(const bcm_params *p, double t)
{
    double K = p->decay_epochs;
    if (t <= 0) return 1;
    if (t >= K) return 0;
    double a = p->decay == BCM_DECAY_LOG ? (2 - log(1 + t * BCM_E2_MINUS_1 / K)) / 2 : 1 - t / K;
    return a > 0 ? (a < 1 ? a : 1) : 0; /* NaN (a NaN K) gives 0 */
}

/* Whether row r's epoch mean crossed theta (§3: activation at or above it,
 * error below it).  A NaN mean never saturates. */
static int crossed(const bcm_state *s, const bcm_params *p, int r)
{
    double m = s->obs_sum[r] / (double)s->steps;
    double theta = p->sliding ? p->lambda * s->sq_avg[r] : p->theta;
    return p->observe == BCM_OBSERVE_ERROR ? m < theta : m >= theta;
}

void bcm_end_epoch(bcm_state *s, const bcm_params *p, int epoch)
{
    for (int r = 0; r < s->rows; r++) {
        if (s->saturated_at[r] < 0 && s->steps > 0 && crossed(s, p, r)) s->saturated_at[r] = epoch;
        if (s->saturated_at[r] >= 0) {
            real a = (real)decay_scale(p, (double)epoch - s->saturated_at[r] + 1);
            for (int64_t i = s->row_start[r]; i < s->row_start[r + 1]; i++) s->scale[i] = a;
        }
        s->obs_sum[r] = 0;
    }
    s->steps = 0;
}
