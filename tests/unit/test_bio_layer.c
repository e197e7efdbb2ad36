/* test_bio_layer.c: bio_forward (BIONIC.md §2.4) on a hand-built layer of
 * size 3 fed by 2 inputs, batch of two, noise off:
 *   h_inter = ReLU((W*M) x + b)
 *   h_comb  = h_inter + (U*N) h_inter + c
 *   s       = 1 - a * I / (max I + 1e-8)
 *   h       = ReLU(h_comb * s),   y = LayerNorm(h) (or h when it is off)
 * The masks are CSR (rows are outputs), so W and U are stored as the values
 * of their nonzero entries.  Expected values by hand below; all of them
 * were recomputed with PyTorch 1.13 in float64 (dense masked matrices,
 * F.linear, F.relu, F.layer_norm). */
#include "bio_layer.h"
#include "harness.h"

#include <string.h>

/*   W*M = [2 0; 1 -0.25; 0 0.5], b = (0, 0.5, -1.5)
 *   U*N = [0 0.5 0; 0 0 -2; 0.25 1 0], c = (0, -0.75, -0.25)
 *   I = (2, 0, 4), a = 0.5, LayerNorm g = (1, 2, -1), beta = (0, 0.5, 1) */
static const int64_t INTER_P[4] = {0, 1, 3, 4};
static const int32_t INTER_I[4] = {0, 0, 1, 1};
static const int64_t INTRA_P[4] = {0, 1, 2, 4};
static const int32_t INTRA_I[4] = {1, 2, 0, 1};
static const real X[4] = {1, 2, 2, 4};

enum { W_INTER = 0, B_INTER = 4, W_INTRA = 7, B_INTRA = 11, ALPHA = 14, LN_G = 15, LN_B = 18, NPARAM = 21 };
static const real PARAM[NPARAM] = {2, 1, -0.25f, 0.5f,      /* W values, row by row */
                                   0, 0.5f, -1.5f,          /* b */
                                   0.5f, -2, 0.25f, 1,      /* U values */
                                   0, -0.75f, -0.25f,       /* c */
                                   0.5f,                    /* a */
                                   1, 2, -1, 0, 0.5f, 1};   /* LayerNorm g, beta */

/* Buffers of a batch of two: h_inter, h_comb, h, tmp [2*3] each, mean, rstd
 * [2], and the layer's scratch (bio_layer.h: 3 [2*3] gradients, then the CSR
 * kernel's work for the larger, 3 x 3, projection). */
typedef struct {
    real inhib_norm[3], h_inter[6], h_comb[6], h[6], tmp[6], mean[2], rstd[2], scratch[18 + CSR_WORK(3, 3, 2)];
} bufs;

static void build(bio_state *L, bufs *b, int layer_norm)
{
    memset(L, 0, sizeof *L);
    memset(b, 0, sizeof *b);
    L->size = 3;
    L->in = 2;
    L->masked_inter = L->masked_intra = L->intra = L->inhibition = 1;
    L->layer_norm = layer_norm;
    L->inter_mask = (csr_mask){3, 2, 4, INTER_P, INTER_I};
    L->intra_mask = (csr_mask){3, 3, 4, INTRA_P, INTRA_I};
    /* I / (max I + 1e-8) as network_load hands it: (0.5, 0, 1) up to 1e-9 */
    static const double inhib[3] = {2, 0, 4};
    for (int i = 0; i < 3; i++) b->inhib_norm[i] = (real)(inhib[i] / (4 + 1e-8));
    L->inhib_norm = b->inhib_norm;
    L->w_inter = W_INTER;
    L->b_inter = B_INTER;
    L->w_intra = W_INTRA;
    L->b_intra = B_INTRA;
    L->alpha = ALPHA;
    L->ln_g = LN_G;
    L->ln_b = LN_B;
    L->h_inter = b->h_inter;
    L->h_comb = b->h_comb;
    L->h = b->h;
    L->tmp = b->tmp;
    L->mean = b->mean;
    L->rstd = b->rstd;
}

static void expect_row(const real *got, double a, double b, double c)
{
    EXPECT_NEAR(got[0], a, 1e-6);
    EXPECT_NEAR(got[1], b, 1e-6);
    EXPECT_NEAR(got[2], c, 1e-6);
}

/* x = (1, 2) and (2, 4):
 *   inter pre = (2*1, 1 - 0.25*2 + 0.5, 0.5*2 - 1.5) = (2, 1, -0.5)   -> h_inter (2, 1, 0)
 *               (2*2, 2 - 0.25*4 + 0.5, 0.5*4 - 1.5) = (4, 1.5, 0.5) -> h_inter (4, 1.5, 0.5)
 *   intra: row 0 = 0.5 h1, row 1 = -2 h2 - 0.75, row 2 = 0.25 h0 + h1 - 0.25
 *     sample 0: (0.5, -0.75, 1.25)   -> h_comb = (2.5, 0.25, 1.25)
 *     sample 1: (0.75, -1.75, 2.25)  -> h_comb = (4.75, -0.25, 2.75)
 *   s = 1 - 0.5 * (0.5, 0, 1) = (0.75, 1, 0.5)
 *   h = ReLU(h_comb * s): (1.875, 0.25, 0.625) and (3.5625, 0 [-0.25 cut], 1.375) */
TEST(bio_forward_masked_by_hand)
{
    bio_state L;
    bufs b;
    real y[6];
    build(&L, &b, 0);
    bio_forward(&L, PARAM, X, y, 2, NULL, 1e-5f, b.scratch);
    expect_row(b.h_inter, 2, 1, 0);
    expect_row(b.h_inter + 3, 4, 1.5, 0.5);
    expect_row(b.h_comb, 2.5, 0.25, 1.25);
    expect_row(b.h_comb + 3, 4.75, -0.25, 2.75);
    expect_row(b.h, 1.875, 0.25, 0.625);
    expect_row(b.h + 3, 3.5625, 0, 1.375);
    expect_row(y, 1.875, 0.25, 0.625); /* no LayerNorm, no noise: y = h */
    expect_row(y + 3, 3.5625, 0, 1.375);
}

/* The same layer with its LayerNorm (eps 1e-5), on the h above:
 *   sample 0: mean = 2.75/3 = 0.9166667, h - mean = (0.9583333, -0.6666667, -0.2916667)
 *     var = (0.9184028 + 0.4444444 + 0.0850694)/3 = 0.4826389, rstd = 1/sqrt(0.4826489) = 1.4394094
 *     y = (0.9583333 r, -0.6666667 r * 2 + 0.5, -0.2916667 r * -1 + 1)
 *       = (1.3794340, -1.4192126, 1.4198278)
 *   sample 1: mean = 4.9375/3 = 1.6458333, var = 2.1519097, rstd = 0.6816901
 *     y = (1.9166667 r, -1.6458333 r * 2 + 0.5, -0.2708333 r * -1 + 1)
 *       = (1.3065726, -1.7438965, 1.1846244)
 * Setting a = 0 (no inhibition) is checked too: h = ReLU(h_comb), so
 * sample 0's h becomes (2.5, 0.25, 1.25) and y its normalisation. */
TEST(bio_forward_layer_norm_by_hand)
{
    bio_state L;
    bufs b;
    real y[6], p[NPARAM];
    build(&L, &b, 1);
    memcpy(p, PARAM, sizeof p);
    bio_forward(&L, p, X, y, 2, NULL, 1e-5f, b.scratch);
    EXPECT_NEAR(b.mean[0], 0.9166666677, 1e-6);
    EXPECT_NEAR(b.rstd[0], 1.4394094325, 1e-5);
    EXPECT_NEAR(b.mean[1], 1.6458333355, 1e-6);
    EXPECT_NEAR(b.rstd[1], 0.6816900684, 1e-6);
    expect_row(y, 1.3794340403, -1.4192125797, 1.4198277504);
    expect_row(y + 3, 1.3065726316, -1.7438964780, 1.1846243926);
    /* a = 0: h = (2.5, 0.25, 1.25), mean 4/3, h - mean = (7/6, -13/12, -1/12),
     * var = (196 + 169 + 1)/144/3 = 366/432 = 0.8472222, rstd = 1/sqrt(0.8472322) = 1.0864225
     * y = (7/6 r, -13/12 r * 2 + 0.5, -1/12 r * -1 + 1) = (1.2674930, -1.8539155, 1.0905352) */
    p[ALPHA] = 0;
    bio_forward(&L, p, X, y, 2, NULL, 1e-5f, b.scratch);
    expect_row(b.h, 2.5, 0.25, 1.25);
    expect_row(y, 1.2674930, -1.8539155, 1.0905352);
}

/* The first layer (in = 0) takes its input as h_inter unchanged: no
 * projection and no ReLU, so a negative input reaches the intra path.  Intra
 * dense (unmasked), no inhibition, LayerNorm g = 1, beta = 0:
 *   x = (2, -1, 1), U = [0 -1 0; 0 0 0.25; 0.25 0 0], c = (0, 0.5, 0)
 *   U x + c = (1, 0.75, 0.5) -> h_comb = (3, -0.25, 1.5) -> h = (3, 0, 1.5)
 *   mean 1.5, var (2.25 + 2.25 + 0)/3 = 1.5, rstd = 1/sqrt(1.50001)
 *   y = (1.5, -1.5, 0) * rstd = (1.2247408, -1.2247408, 0)
 * (with a ReLU on the input, h_comb would be (2, 0.75, 1.5)). */
TEST(bio_forward_first_layer_by_hand)
{
    real p[9 + 3 + 6] = {0, -1, 0, 0, 0, 0.25f, 0.25f, 0, 0, /* U, dense [3,3] */
                         0, 0.5f, 0,                          /* c */
                         1, 1, 1, 0, 0, 0};                   /* LayerNorm g, beta */
    real x[3] = {2, -1, 1}, y[3], inhib_norm[3] = {0};
    real h_inter[3], h_comb[3], h[3], tmp[3], mean[1], rstd[1];
    bio_state L;
    memset(&L, 0, sizeof L);
    L.size = 3;
    L.intra = 1;
    L.layer_norm = 1;
    L.inhib_norm = inhib_norm;
    L.w_inter = L.b_inter = L.alpha = -1;
    L.w_intra = 0;
    L.b_intra = 9;
    L.ln_g = 12;
    L.ln_b = 15;
    L.h_inter = h_inter;
    L.h_comb = h_comb;
    L.h = h;
    L.tmp = tmp;
    L.mean = mean;
    L.rstd = rstd;
    real scratch[9]; /* 3 [1*3] gradients; no masked projection */
    bio_forward(&L, p, x, y, 1, NULL, 1e-5f, scratch);
    expect_row(h_inter, 2, -1, 1);
    expect_row(h_comb, 3, -0.25, 1.5);
    expect_row(h, 3, 0, 1.5);
    EXPECT_NEAR(mean[0], 1.5, 1e-6);
    expect_row(y, 1.2247407, -1.2247407, 0);
}
