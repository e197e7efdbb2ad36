/* test_layer_grads.c: every layer of BIONIC.md §2 and the loss against
 * central differences, in double precision on tiny shapes. */
#include "gradcheck.h"
#include "harness.h"
#include "layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-6

/* ---- a generic "layer under test": forward into y, loss = sum(y*r) ---- */
typedef struct {
    void (*forward)(void *self);
    real *y, *r;
    long ny;
    void *self;
} probe;

static double probe_loss(void *ctx)
{
    probe *p = ctx;
    p->forward(p->self);
    return dot(p->y, p->r, p->ny);
}

/* ================================================================ conv */
typedef struct {
    int B, cin, cout, h, w;
    real x[2 * 3 * 5 * 4], wt[6 * 3 * 9], b[6], y[2 * 6 * 5 * 4], col[(3 * 9 + 6) * 2 * 5 * 4];
} conv_case;

static void conv_fwd(void *s)
{
    conv_case *c = s;
    conv3x3_forward(c->x, c->wt, c->b, c->y, c->col, c->B, c->cin, c->cout, c->h, c->w);
}

static void check_conv3x3(int cin, int cout, unsigned seed)
{
    conv_case c = {.B = 2, .cin = cin, .cout = cout, .h = 5, .w = 4};
    int nx = 2 * cin * 20, ny = 2 * cout * 20, nw = cout * cin * 9;
    real r[sizeof c.y / sizeof c.y[0]], dx[sizeof c.x / sizeof c.x[0]], dw[sizeof c.wt / sizeof c.wt[0]] = {0};
    real db[6] = {0};
    fill_uniform(c.x, nx, -1, 1, &seed);
    fill_uniform(c.wt, nw, -1, 1, &seed);
    fill_uniform(c.b, cout, -1, 1, &seed);
    fill_uniform(r, ny, -1, 1, &seed);
    conv_fwd(&c);
    conv3x3_backward(c.wt, r, dx, dw, db, c.col, 2, cin, cout, 5, 4);
    probe p = {conv_fwd, c.y, r, ny, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, nx) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.wt, dw, nw) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b, db, cout) < TOL);
}

/* conv2d.c runs few channel pairs (here 2 x 3) directly, more (3 x 6)
 * through im2col + GEMM: both paths are checked.  (Seed 1 gives the direct
 * case a weight gradient of -9e-4, where the central difference's rounding,
 * ~3e-9, is 1.4e-6 of it: above TOL without any error in the kernel.) */
TEST(grad_conv3x3_direct) { check_conv3x3(2, 3, 2); }
TEST(grad_conv3x3_im2col) { check_conv3x3(3, 6, 1); }

/* ================================================================ pooling */
typedef struct {
    real x[2 * 3 * 6 * 4], y[2 * 3 * 6 * 4];
    int32_t arg[2 * 3 * 3 * 2];
    int lateral, relu;
} pool_case;

static void pool_fwd(void *s)
{
    pool_case *c = s;
    if (c->lateral) lateral_forward(c->x, c->y, (real)0.5, 2, 3, 6, 4);
    else maxpool2_forward(c->x, c->y, c->arg, c->relu, 2, 3, 6, 4);
}

TEST(grad_maxpool2)
{
    pool_case c = {.lateral = 0};
    unsigned seed = 2;
    real r[36], dx[144];
    fill_uniform(c.x, 144, -1, 1, &seed); /* distinct values: no ties to break differentiability */
    fill_uniform(r, 36, -1, 1, &seed);
    pool_fwd(&c);
    maxpool2_backward(r, c.arg, dx, 2, 3, 6, 4);
    probe p = {pool_fwd, c.y, r, 36, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 144) < TOL);
}

/* The pool with the ReLU folded in: maxpool(ReLU(x)), half the inputs negative. */
TEST(grad_maxpool2_relu)
{
    pool_case c = {.relu = 1};
    unsigned seed = 4;
    real r[36], dx[144];
    fill_uniform(c.x, 144, -1, 1, &seed);
    fill_uniform(r, 36, -1, 1, &seed);
    pool_fwd(&c);
    maxpool2_backward(r, c.arg, dx, 2, 3, 6, 4);
    probe p = {pool_fwd, c.y, r, 36, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 144) < TOL);
}

/* Folded and unfolded give the same outputs and input gradients, bit for bit. */
TEST(maxpool2_relu_equals_relu_then_pool)
{
    pool_case fused = {.relu = 1}, plain = {.relu = 0};
    unsigned seed = 5;
    real r[36], dx1[144], dx2[144];
    fill_uniform(fused.x, 144, -1, 1, &seed);
    fill_uniform(r, 36, -1, 1, &seed);
    fused.x[0] = fused.x[1] = fused.x[4] = fused.x[5] = -0.5; /* a window with no positive input */
    relu_forward(fused.x, plain.x, 144);
    pool_fwd(&fused);
    pool_fwd(&plain);
    maxpool2_backward(r, fused.arg, dx1, 2, 3, 6, 4);
    maxpool2_backward(r, plain.arg, dx2, 2, 3, 6, 4);
    relu_backward(plain.x, dx2, dx2, 144);
    EXPECT(memcmp(fused.y, plain.y, sizeof fused.y) == 0);
    EXPECT(memcmp(dx1, dx2, sizeof dx1) == 0);
}

TEST(grad_lateral_inhibition)
{
    pool_case c = {.lateral = 1};
    unsigned seed = 3;
    real r[144], dx[144];
    fill_uniform(c.x, 144, -1, 1, &seed);
    fill_uniform(r, 144, -1, 1, &seed);
    lateral_backward(r, dx, (real)0.5, 2, 3, 6, 4);
    probe p = {pool_fwd, c.y, r, 144, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 144) < TOL);
}

/* ================================================================ attention */
typedef struct {
    real x[2 * 4 * 3 * 3], w1[2 * 4], b1[2], w2[4 * 2], b2[4], y[72];
    real z[8], a1[4], a2[8], s[8];
    channel_attention_cache k;
} ca_case;

static void ca_fwd(void *s)
{
    ca_case *c = s;
    channel_attention_forward(c->x, c->w1, c->b1, c->w2, c->b2, c->y, &c->k, 2, 4, 2, 9);
}

TEST(grad_channel_attention)
{
    ca_case c;
    c.k = (channel_attention_cache){c.z, c.a1, c.a2, c.s};
    unsigned seed = 4;
    real r[72], dx[72], dw1[8] = {0}, db1[2] = {0}, dw2[8] = {0}, db2[4] = {0}, scratch[2 * 8 + 4];
    fill_uniform(c.x, 72, -1, 1, &seed);
    fill_uniform(c.w1, 8, -1, 1, &seed);
    fill_uniform(c.b1, 2, 0.2, 1, &seed); /* keep the hidden ReLU away from its kink */
    fill_uniform(c.w2, 8, -1, 1, &seed);
    fill_uniform(c.b2, 4, -1, 1, &seed);
    fill_uniform(r, 72, -1, 1, &seed);
    ca_fwd(&c);
    channel_attention_backward(c.x, c.w1, c.w2, r, &c.k, dx, dw1, db1, dw2, db2, scratch, 2, 4, 2, 9);
    probe p = {ca_fwd, c.y, r, 72, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 72) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.w1, dw1, 8) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b1, db1, 2) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.w2, dw2, 8) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b2, db2, 4) < TOL);
}

typedef struct {
    real x[2 * 3 * 4 * 5], w[27], b[1], y[120], m[40], col[(3 * 9 + 1) * 2 * 20];
} sa_case;

static void sa_fwd(void *s)
{
    sa_case *c = s;
    spatial_attention_forward(c->x, c->w, c->b, c->y, c->m, c->col, 2, 3, 4, 5);
}

TEST(grad_spatial_attention)
{
    sa_case c;
    unsigned seed = 5;
    real r[120], dx[120], dw[27] = {0}, db[1] = {0}, dm[40];
    fill_uniform(c.x, 120, -1, 1, &seed);
    fill_uniform(c.w, 27, -1, 1, &seed);
    fill_uniform(c.b, 1, -1, 1, &seed);
    fill_uniform(r, 120, -1, 1, &seed);
    sa_fwd(&c);
    spatial_attention_backward(c.x, c.w, c.m, r, dx, dw, db, dm, c.col, 2, 3, 4, 5);
    probe p = {sa_fwd, c.y, r, 120, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 120) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.w, dw, 27) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b, db, 1) < TOL);
}

/* ================================================================ LayerNorm */
typedef struct {
    real x[3 * 7], g[7], b[7], y[21], mean[3], rstd[3];
} ln_case;

static void ln_fwd(void *s)
{
    ln_case *c = s;
    layer_norm_forward(c->x, c->g, c->b, c->y, c->mean, c->rstd, 3, 7, (real)1e-5);
}

TEST(grad_layer_norm)
{
    ln_case c;
    unsigned seed = 6;
    real r[21], dx[21], dg[7] = {0}, db[7] = {0};
    fill_uniform(c.x, 21, -2, 2, &seed);
    fill_uniform(c.g, 7, 0.5, 1.5, &seed);
    fill_uniform(c.b, 7, -1, 1, &seed);
    fill_uniform(r, 21, -1, 1, &seed);
    ln_fwd(&c);
    layer_norm_backward(c.x, c.g, c.mean, c.rstd, r, dx, dg, db, 3, 7);
    probe p = {ln_fwd, c.y, r, 21, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 21) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.g, dg, 7) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b, db, 7) < TOL);
}

/* ================================================================ linear, masked */
/* A 4x5 mask (rows = outputs) and the same mask as CSR. */
static const uint8_t MASK[20] = {1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1};
static const int64_t MASK_PTR[5] = {0, 2, 2, 6, 8};
static const int32_t MASK_IDX[8] = {0, 3, 0, 1, 2, 4, 1, 4};

typedef struct {
    real x[3 * 5], w[20], wv[8], b[4], y[12], work[CSR_WORK(4, 5, 3) + 20]; /* the dense kernel's dW: 4 x 5 */
    int sparse;
    csr_mask m;
    masked_dense md;            /* set: the sparse case through dense GEMM */
} lin_case;

static void lin_fwd(void *s)
{
    lin_case *c = s;
    if (c->sparse && c->md.wd) {
        masked_dense_load(&c->md, &c->m, c->wv);
        masked_dense_forward(&c->md, c->x, &c->m, c->b, c->y, 3);
    }
    else if (c->sparse) sparse_linear_forward(c->x, &c->m, c->wv, c->b, c->y, 3, c->work);
    else linear_forward(c->x, c->w, c->b, c->y, 3, 5, 4);
}

static void lin_setup(lin_case *c, unsigned seed)
{
    c->m = (csr_mask){4, 5, 8, MASK_PTR, MASK_IDX};
    fill_uniform(c->x, 15, -1, 1, &seed);
    fill_uniform(c->w, 20, -1, 1, &seed);
    fill_uniform(c->b, 4, -1, 1, &seed);
    for (int i = 0; i < 20; i++) c->w[i] *= MASK[i];
    for (int r = 0, e = 0; r < 4; r++)
        for (int col = 0; col < 5; col++)
            if (MASK[r * 5 + col]) c->wv[e++] = c->w[r * 5 + col];
}

TEST(grad_linear)
{
    lin_case c = {.sparse = 0};
    lin_setup(&c, 7);
    unsigned seed = 8;
    real r[12], dx[15], dw[20] = {0}, db[4] = {0};
    fill_uniform(r, 12, -1, 1, &seed);
    linear_backward(c.x, c.w, r, dx, dw, db, NULL, 3, 5, 4);
    probe p = {lin_fwd, c.y, r, 12, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 15) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.w, dw, 20) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b, db, 4) < TOL);
}

TEST(grad_sparse_linear)
{
    lin_case c = {.sparse = 1};
    lin_setup(&c, 9);
    unsigned seed = 10;
    real r[12], dx[15], dw[8] = {0}, db[4] = {0};
    fill_uniform(r, 12, -1, 1, &seed);
    sparse_linear_backward(c.x, &c.m, c.wv, r, dx, dw, db, 3, c.work);
    probe p = {lin_fwd, c.y, r, 12, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 15) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.wv, dw, 8) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b, db, 4) < TOL);
}

/* CSR values and dense-with-mask must be the same projection: same outputs,
 * same input gradients, and dense dW equal to CSR dW at the mask and 0 off it. */
TEST(csr_equals_dense_masked)
{
    lin_case d = {.sparse = 0}, s = {.sparse = 1};
    lin_setup(&d, 11);
    lin_setup(&s, 11);
    unsigned seed = 12;
    real r[12], dxd[15], dxs[15], dwd[20] = {0}, dws[8] = {0}, dbd[4] = {0}, dbs[4] = {0};
    fill_uniform(r, 12, -1, 1, &seed);
    lin_fwd(&d);
    lin_fwd(&s);
    for (int i = 0; i < 12; i++) EXPECT_NEAR(d.y[i], s.y[i], 1e-12);
    linear_backward(d.x, d.w, r, dxd, dwd, dbd, MASK, 3, 5, 4);
    sparse_linear_backward(s.x, &s.m, s.wv, r, dxs, dws, dbs, 3, s.work);
    for (int i = 0; i < 15; i++) EXPECT_NEAR(dxd[i], dxs[i], 1e-12);
    for (int r0 = 0, e = 0; r0 < 4; r0++)
        for (int col = 0; col < 5; col++) {
            if (MASK[r0 * 5 + col]) EXPECT_NEAR(dwd[r0 * 5 + col], dws[e++], 1e-12);
            else EXPECT(dwd[r0 * 5 + col] == 0);
        }
}

/* The CSR kernel works on batch-transposed copies in lanes of 8 images: a
 * batch of 11 (one full lane block and a remainder), a 6 x 9 mask with an
 * empty row, and a row whose gradient is zero for the whole batch, against
 * the dense product with the mask (linear.c). */
TEST(csr_lanes_equal_dense_masked)
{
    enum { B = 11, R = 6, C = 9 };
    uint8_t mask[R * C];
    int64_t indptr[R + 1] = {0};
    int32_t indices[R * C];
    real w[R * C], wv[R * C], x[B * C], dy[B * R], b[R], yd[B * R], ys[B * R];
    real dxd[B * C], dxs[B * C], dwd[R * C] = {0}, dws[R * C] = {0}, dbd[R] = {0}, dbs[R] = {0};
    real work[CSR_WORK(R, C, B)];
    unsigned seed = 21;
    fill_uniform(w, R * C, -1, 1, &seed);
    fill_uniform(x, B * C, -1, 1, &seed);
    fill_uniform(dy, B * R, -1, 1, &seed);
    fill_uniform(b, R, -1, 1, &seed);
    int64_t nnz = 0;
    for (int r = 0; r < R; r++) {
        for (int c = 0; c < C; c++) {
            mask[r * C + c] = r != 2 && (r * 7 + c * 3) % 4 != 0; /* row 2 empty */
            if (!mask[r * C + c]) w[r * C + c] = 0;
            else indices[nnz] = c, wv[nnz++] = w[r * C + c];
        }
        indptr[r + 1] = nnz;
    }
    for (int n = 0; n < B; n++) dy[n * R + 4] = 0; /* unit 4 shut for every image */
    csr_mask m = {R, C, nnz, indptr, indices};
    linear_forward(x, w, b, yd, B, C, R);
    sparse_linear_forward(x, &m, wv, b, ys, B, work);
    for (int i = 0; i < B * R; i++) EXPECT_NEAR(yd[i], ys[i], 1e-12);
    linear_backward(x, w, dy, dxd, dwd, dbd, mask, B, C, R);
    sparse_linear_backward(x, &m, wv, dy, dxs, dws, dbs, B, work);
    for (int i = 0; i < B * C; i++) EXPECT_NEAR(dxd[i], dxs[i], 1e-12);
    for (int r = 0; r < R; r++) {
        EXPECT_NEAR(dbd[r], dbs[r], 1e-12);
        for (int64_t e = indptr[r]; e < indptr[r + 1]; e++) EXPECT_NEAR(dwd[r * C + indices[e]], dws[e], 1e-12);
    }
}

/* The CSR values through dense GEMM (masked_dense.c, the kernel the compiler
 * picks for denser masks): finite differences, and the CSR kernel's results
 * (same outputs and gradients, dW only at the mask). */
TEST(grad_masked_dense_equals_csr)
{
    lin_case c = {.sparse = 1};
    lin_setup(&c, 9);
    EXPECT(masked_dense_init(&c.md, &c.m) == 0);
    unsigned seed = 10;
    real r[12], dx[15], dw[8] = {0}, db[4] = {0}, ys[12], dxs[15], dws[8] = {0}, dbs[4] = {0};
    fill_uniform(r, 12, -1, 1, &seed);
    lin_fwd(&c);
    sparse_linear_forward(c.x, &c.m, c.wv, c.b, ys, 3, c.work);
    for (int i = 0; i < 12; i++) EXPECT_NEAR(c.y[i], ys[i], 1e-12);
    masked_dense_backward(&c.md, c.x, &c.m, r, dx, dw, db, 3, c.work);
    sparse_linear_backward(c.x, &c.m, c.wv, r, dxs, dws, dbs, 3, c.work);
    for (int i = 0; i < 15; i++) EXPECT_NEAR(dx[i], dxs[i], 1e-12);
    for (int i = 0; i < 8; i++) EXPECT_NEAR(dw[i], dws[i], 1e-12);
    for (int i = 0; i < 4; i++) EXPECT_NEAR(db[i], dbs[i], 1e-12);
    probe p = {lin_fwd, c.y, r, 12, &c};
    EXPECT(grad_error(probe_loss, &p, c.x, dx, 15) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.wv, dw, 8) < TOL);
    EXPECT(grad_error(probe_loss, &p, c.b, db, 4) < TOL);
    masked_dense_free(&c.md);
}

/* ================================================================ loss */
typedef struct {
    real z[4 * 5], w[5];
    uint8_t y[4];
    real eps;
} loss_case;

static double loss_value(void *ctx)
{
    loss_case *c = ctx;
    return cross_entropy(c->z, c->y, c->w, c->eps, NULL, NULL, 4, 5);
}

TEST(grad_cross_entropy)
{
    loss_case c = {.y = {0, 3, 3, 4}, .eps = (real)0.1};
    unsigned seed = 13;
    real dz[20];
    fill_uniform(c.z, 20, -3, 3, &seed);
    fill_uniform(c.w, 5, 0.2, 3, &seed);
    cross_entropy(c.z, c.y, c.w, c.eps, dz, NULL, 4, 5);
    EXPECT(grad_error(loss_value, &c, c.z, dz, 20) < TOL);
}

/* Hand-computed: logits (0, ln 3) for one sample of class 1, weights (1, 2),
 * eps = 0.2: p = (1/4, 3/4); q = (0.2/2*1, 0.8*2 + 0.2/2*2) = (0.1, 1.8);
 * loss = (0.1 ln 4 + 1.8 ln(4/3)) / 2. */
TEST(cross_entropy_hand_value)
{
    real z[2] = {0, (real)log(3.0)}, w[2] = {1, 2}, p[2];
    uint8_t y[1] = {1};
    double l = cross_entropy(z, y, w, (real)0.2, NULL, p, 1, 2);
    EXPECT_NEAR(l, (0.1 * log(4.0) + 1.8 * log(4.0 / 3.0)) / 2, 1e-12);
    EXPECT_NEAR(p[0], 0.25, 1e-12);
}
