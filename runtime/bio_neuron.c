/* bio_neuron.c: the BioLogicalNeuron layer of BIO_LAYERS.md §1 (see
 * bio_neuron.h for the equations and their order).  Kernels allocate
 * nothing: the callers give W's buffer and the scratch. */
#include "bio_neuron.h"

#include <math.h>
#include <string.h>

#ifdef CONNC_REAL_DOUBLE
#define REAL_ERF erf
#else
#define REAL_ERF erff
#endif

/* The denominators of both coefficients of variation, as the reference code
 * (std / (mean + 1e-6)); it also keeps an all-zero history finite. */
#define CV_EPS 1e-6
#define NOISE_SD 0.01  /* calcium noise N(0, 0.01^2), §1 */
#define PRUNE_BELOW 0.1
#define PRUNE_FACTOR 0.9
#define REINFORCE_ABOVE 2.0
#define REINFORCE_FACTOR 1.05
#define INV_SQRT2 0.70710678118654752440     /* 1 / sqrt(2) */
#define INV_SQRT_2PI 0.39894228040143267794  /* 1 / sqrt(2 pi) */

static double sigmoid(double v) { return 1 / (1 + exp(-v)); }
static double clamp(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static double row_norm(const real *v, int n)
{
    double s = 0;
    for (int k = 0; k < n; k++) s += (double)v[k] * v[k];
    return sqrt(s);
}

/* ------------------------------------------------------------ forward */

/* W_i = g_i V_i / ||V_i|| (weight_norm, dim 0); a zero row V_i gives W_i = 0. */
void bio_neuron_weights(const real *V, const real *g, real *w, int in, int out)
{
    for (int i = 0; i < out; i++) {
        const real *v = V + (long)i * in;
        real *wi = w + (long)i * in;
        double n = row_norm(v, in);
        real k = n > 0 ? (real)(g[i] / n) : 0;
        for (int c = 0; c < in; c++) wi[c] = k * v[c];
    }
}

/* Exact GELU: z Phi(z) = z (1 + erf(z / sqrt 2)) / 2. */
static real gelu(real z) { return (real)0.5 * z * (1 + REAL_ERF(z * (real)INV_SQRT2)); }

/* GELU'(z) = Phi(z) + z phi(z). */
static real gelu_grad(real z)
{
    real phi = (real)INV_SQRT_2PI * REAL_EXP(-(real)0.5 * z * z);
    return (real)0.5 * (1 + REAL_ERF(z * (real)INV_SQRT2)) + z * phi;
}

void bio_neuron_forward(const real *V, const real *g, const real *b, const real *x, real *w, real *z, real *y,
                        int B, int in, int out)
{
    bio_neuron_weights(V, g, w, in, out);
    bio_neuron_apply(b, x, w, z, y, B, in, out);
}

void bio_neuron_apply(const real *b, const real *x, const real *w, real *z, real *y, int B, int in, int out)
{
    for (int r = 0; r < B; r++)
        for (int o = 0; o < out; o++) z[(long)r * out + o] = b ? b[o] : 0;
    gemm(0, 1, B, out, in, 1, x, in, w, in, 1, z, out); /* z = x W^T + b */
    for (long k = 0; k < (long)B * out; k++) y[k] = gelu(z[k]);
}

/* ------------------------------------------------------------ backward */

/* With n_i = ||V_i||, u_i = V_i / n_i, dW = dz^T x:
 *   dg_i = dW_i . u_i = sum_b dz_bi (x_b . V_i) / n_i
 *   dV_i = (g_i / n_i) (dW_i - dg_i u_i)
 *        = (g_i / n_i) dW_i - (g_i dg_i / n_i^2) V_i.
 * scratch first holds x V^T, then dz, then dz_bi g_i / n_i. */
void bio_neuron_backward(const real *V, const real *g, const real *x, const real *w, const real *z, const real *dy,
                         real *dV, real *dg, real *db, real *dx, real *scratch, int B, int in, int out)
{
    gemm(0, 1, B, out, in, 1, x, in, V, in, 0, scratch, out); /* x V^T */
    for (int i = 0; i < out; i++) {
        double n = row_norm(V + (long)i * in, in), dgi = 0, dbi = 0;
        for (int r = 0; r < B; r++) {
            long k = (long)r * out + i;
            real dz = dy[k] * gelu_grad(z[k]);
            if (n > 0) dgi += (double)dz * scratch[k] / n;
            dbi += dz;
            scratch[k] = dz;
        }
        if (db) db[i] += (real)dbi;
        if (n == 0) continue; /* W_i = 0 whatever g and V: no gradient */
        dg[i] += (real)dgi;
        real coef = (real)(g[i] * dgi / (n * n));
        real *dvi = dV + (long)i * in;
        const real *vi = V + (long)i * in;
        for (int c = 0; c < in; c++) dvi[c] -= coef * vi[c];
    }
    if (dx) gemm(0, 0, B, in, out, 1, scratch, out, w, in, 0, dx, in); /* dx = dz W */
    for (int i = 0; i < out; i++) {
        double n = row_norm(V + (long)i * in, in);
        real s = n > 0 ? (real)(g[i] / n) : 0;
        for (int r = 0; r < B; r++) scratch[(long)r * out + i] *= s;
    }
    gemm(1, 0, out, in, B, 1, scratch, out, x, in, 1, dV, in); /* dV += diag(g/n) dz^T x */
}

/* ------------------------------------------------------------ state */

void bio_neuron_reset(bio_neuron_state *s)
{
    memset(s->calcium, 0, sizeof(real) * (size_t)s->out);
    memset(s->prev_calcium, 0, sizeof(real) * (size_t)s->out);
    memset(s->norm_hist, 0, sizeof(real) * (size_t)s->window * (size_t)s->out);
    memset(s->health_hist, 0, sizeof(real) * (size_t)s->window * (size_t)s->out);
    s->norm_len = s->health_len = 0;
    s->updates = 0;
    s->cooldown = 0;
    s->repairs = 0;
    s->lr = 0;
}

/* Appends one vector of `out` reals to a history of at most `window`
 * entries, oldest first; returns where it went. */
static real *hist_append(real *hist, int *len, int window, int out)
{
    if (*len == window) {
        memmove(hist, hist + out, sizeof(real) * (size_t)(window - 1) * (size_t)out);
        --*len;
    }
    return hist + (long)(*len)++ * out;
}

/* ------------------------------------------------------------ update steps */

/* Calcium, §1: c <- m c + (1 - m) beta mean_batch(y) + N(0, 0.01^2) with
 * m = min(0.95, 0.9 + 0.001 * updates), `updates` counting the earlier
 * calls (the first update has m = 0.9).  One Gaussian per neuron, in order.
 * The old c is kept in prev_calcium for the trend. */
static void update_calcium(bio_neuron_state *s, const bio_neuron_params *p, const real *y, int B, rng_state *rng)
{
    double m = fmin(0.95, 0.9 + 0.001 * (double)s->updates);
    for (int i = 0; i < s->out; i++) {
        double mean = 0;
        for (int r = 0; r < B; r++) mean += y[(long)r * s->out + i];
        mean /= B;
        s->prev_calcium[i] = s->calcium[i];
        double c = m * s->calcium[i] + (1 - m) * p->beta * mean;
        s->calcium[i] = (real)(c + NOISE_SD * rng_gauss(rng));
    }
}

/* Trend, §1: tau = -mean(c - c_previous), 0 at the first update. */
static double calcium_trend(const bio_neuron_state *s)
{
    if (s->updates == 0) return 0;
    double d = 0;
    for (int i = 0; i < s->out; i++) d += (double)s->calcium[i] - s->prev_calcium[i];
    return -d / s->out;
}

/* Stability, §1: S = clamp(1 - std/mean, 0.1, 1) over all entries of the
 * earlier health vectors (unbiased std); 1 while fewer than 2 are known. */
static double health_stability(const bio_neuron_state *s)
{
    if (s->health_len < 2) return 1;
    long n = (long)s->health_len * s->out;
    double mean = 0, ss = 0;
    for (long k = 0; k < n; k++) mean += s->health_hist[k];
    mean /= n;
    for (long k = 0; k < n; k++) ss += ((double)s->health_hist[k] - mean) * (s->health_hist[k] - mean);
    return clamp(1 - sqrt(ss / (n - 1)) / (mean + CV_EPS), 0.1, 1);
}

/* Weight stability of neuron i, §1: WS_i = clamp(1 - std/mean, 0.1, 1) of
 * its row norms in the history (which includes the current norms; unbiased
 * std over time); 1 while fewer than 2 are known. */
static double weight_stability(const bio_neuron_state *s, int i)
{
    int len = s->norm_len, out = s->out;
    if (len < 2) return 1;
    double mean = 0, ss = 0;
    for (int k = 0; k < len; k++) mean += s->norm_hist[(long)k * out + i];
    mean /= len;
    for (int k = 0; k < len; k++) {
        double d = s->norm_hist[(long)k * out + i] - mean;
        ss += d * d;
    }
    return clamp(1 - sqrt(ss / (len - 1)) / (mean + CV_EPS), 0.1, 1);
}

/* Health, §1: BH_i = sigmoid(sigmoid(theta_ca - c_i) + gamma WS_i) and
 * H_i = BH_i S (1 + sigmoid(tau)), appended to the health history; returns
 * mean(H).  S must come from the history before this append. */
static double update_health(bio_neuron_state *s, const bio_neuron_params *p, double S, double tau)
{
    real *h = hist_append(s->health_hist, &s->health_len, s->window, s->out);
    double trend = 1 + sigmoid(tau), sum = 0;
    for (int i = 0; i < s->out; i++) {
        double bh = sigmoid(sigmoid(p->theta_ca - s->calcium[i]) + p->gamma * weight_stability(s, i));
        h[i] = (real)(bh * S * trend);
        sum += h[i];
    }
    return sum / s->out;
}

/* The row norms ||W_i|| of this step, appended to their history. */
static void record_norms(bio_neuron_state *s, const real *w, int in)
{
    real *n = hist_append(s->norm_hist, &s->norm_len, s->window, s->out);
    for (int i = 0; i < s->out; i++) n[i] = (real)row_norm(w + (long)i * in, in);
}

/* Repair, §1, on W in place: synaptic scaling of the rows with c > theta_ca
 * by 1 - rho (1 - S); then, with mu_i = mean |W_i| after that scaling,
 * pruning (|w| < 0.1 mu_i: times 0.9) and reinforcement (|w| > 2 mu_i:
 * times 1.05), both masks taken before either is applied; then, if
 * ||W||_F > 2 numel, W rescaled to norm numel. */
static void repair(const bio_neuron_state *s, const bio_neuron_params *p, real *w, int in, double S,
                   bio_neuron_report *r)
{
    int out = s->out;
    real scale = (real)(1 - p->rho * (1 - S));
    for (int i = 0; i < out; i++) {
        real *wi = w + (long)i * in;
        if (s->calcium[i] > p->theta_ca) {
            for (int c = 0; c < in; c++) wi[c] *= scale;
            r->scaled_rows++;
        }
        double mu = 0;
        for (int c = 0; c < in; c++) mu += fabs((double)wi[c]);
        mu /= in;
        for (int c = 0; c < in; c++) {
            double a = fabs((double)wi[c]);
            if (a < PRUNE_BELOW * mu) {
                wi[c] *= (real)PRUNE_FACTOR;
                r->pruned++;
            } else if (a > REINFORCE_ABOVE * mu) {
                wi[c] *= (real)REINFORCE_FACTOR;
                r->reinforced++;
            }
        }
    }
    long numel = (long)out * in;
    double fro = 0;
    for (long k = 0; k < numel; k++) fro += (double)w[k] * w[k];
    fro = sqrt(fro);
    if (fro > 2.0 * (double)numel) {
        real k = (real)((double)numel / fro);
        for (long e = 0; e < numel; e++) w[e] *= k;
        r->rescaled = 1;
    }
}

/* The repaired W written back so that it persists (our fix of the
 * reference code): V_i = W_i and g_i = ||W_i||, hence g V / ||V|| = W. */
static void write_back(const real *w, real *V, real *g, int in, int out)
{
    memcpy(V, w, sizeof(real) * (size_t)in * (size_t)out);
    for (int i = 0; i < out; i++) g[i] = (real)row_norm(w + (long)i * in, in);
}

void bio_neuron_update(bio_neuron_state *s, const bio_neuron_params *p, real *V, real *g, real *w, const real *y,
                       int B, int in, rng_state *rng, bio_neuron_report *r)
{
    bio_neuron_report local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    bio_neuron_weights(V, g, w, in, s->out);
    update_calcium(s, p, y, B, rng);
    record_norms(s, w, in);
    double tau = calcium_trend(s);
    double S = health_stability(s);
    double health = update_health(s, p, S, tau);
    if (s->cooldown > 0) {
        s->cooldown--;
    } else if (health < p->repair_threshold) {
        repair(s, p, w, in, S, r);
        write_back(w, V, g, in, s->out);
        s->cooldown = p->cooldown;
        s->repairs++;
        r->repaired = 1;
    }
    s->lr = p->base_lr * health * S; /* §1: base * mean(H) * S */
    s->updates++;
    double c = 0;
    for (int i = 0; i < s->out; i++) c += s->calcium[i];
    r->health = health;
    r->stability = S;
    r->calcium = c / s->out;
}
