/* layers.h: forward and backward of every layer of BIONIC.md §2.
 *
 * Conventions: activations are batch-major (NCHW for images, [B, n] for
 * vectors); weight gradients are ACCUMULATED (+=) so the caller zeroes them
 * once per step; input gradients are written (=), and may be skipped by
 * passing dx = NULL.  Each pair is plain code over `real` (real.h).
 */
#ifndef CONNC_LAYERS_H
#define CONNC_LAYERS_H

#include "real.h"

#include <stdint.h>

/* ---- conv2d.c: 3x3, stride 1, pad 1, via batched im2col + GEMM ---- */
/* col: (cin*9 + cout) * B*h*w reals.  Forward leaves the image patches in
 * it and backward uses them, so the caller keeps col untouched in between
 * (one buffer per convolution) and backward need not rebuild them. */
void conv3x3_forward(const real *x, const real *w, const real *b, real *y, real *col,
                     int B, int cin, int cout, int h, int wd);
void conv3x3_backward(const real *w, const real *dy, real *dx, real *dw, real *db, real *col,
                      int B, int cin, int cout, int h, int wd);

/* ---- pool.c ---- */
/* 2x2 max pooling, stride 2; arg stores the winning input index per output.
 * relu != 0 computes maxpool(ReLU(x)) = ReLU(maxpool(x)) in one pass (max
 * commutes with a monotone function); arg is -1 where the ReLU cut the
 * output to 0, so that gradient is dropped as ReLU's backward would. */
void maxpool2_forward(const real *x, real *y, int32_t *arg, int relu, int B, int c, int h, int w);
void maxpool2_backward(const real *dy, const int32_t *arg, real *dx, int B, int c, int h, int w);
/* Lateral inhibition (BIONIC.md §2.1): y = x - alpha * AvgPool3x3(x),
 * stride 1, pad 1, padding not counted (count_include_pad=False);
 * planes up to 64 x 64. */
void lateral_forward(const real *x, real *y, real alpha, int B, int c, int h, int w);
void lateral_backward(const real *dy, real *dx, real alpha, int B, int c, int h, int w);

/* ---- activation.c ---- */
void relu_forward(const real *x, real *y, long n);
/* dx = dy where y > 0 (in place allowed: dx == dy). */
void relu_backward(const real *y, const real *dy, real *dx, long n);

/* ---- attention.c (BIONIC.md §2.2, CBAM as the paper writes it) ---- */
typedef struct {
    real *z, *a1, *a2, *s;   /* [B,c], [B,hidden], [B,c], [B,c] saved by forward */
} channel_attention_cache;
void channel_attention_forward(const real *x, const real *w1, const real *b1, const real *w2, const real *b2,
                               real *y, channel_attention_cache *k, int B, int c, int hidden, int hw);
void channel_attention_backward(const real *x, const real *w1, const real *w2, const real *dy,
                                const channel_attention_cache *k, real *dx, real *dw1, real *db1, real *dw2,
                                real *db2, real *scratch, int B, int c, int hidden, int hw);
/* y = x * sigmoid(conv3x3(x) + b) with one output channel; m holds the
 * sigmoid map [B,h*w]; col: the convolution's buffer, (c*9 + 1)*B*h*w,
 * kept from forward to backward as for conv3x3; dm: B*h*w of scratch. */
void spatial_attention_forward(const real *x, const real *w, const real *b, real *y, real *m, real *col,
                               int B, int c, int h, int wd);
void spatial_attention_backward(const real *x, const real *w, const real *m, const real *dy, real *dx,
                                real *dw, real *db, real *dm, real *col, int B, int c, int h, int wd);

/* ---- layer_norm.c: over the last dimension n, eps as PyTorch (1e-5) ---- */
void layer_norm_forward(const real *x, const real *g, const real *b, real *y, real *mean, real *rstd,
                        int B, int n, real eps);
void layer_norm_backward(const real *x, const real *g, const real *mean, const real *rstd, const real *dy,
                         real *dx, real *dg, real *db, int B, int n);

/* ---- linear.c: y = x W^T + b, W [out, in] ---- */
void linear_forward(const real *x, const real *w, const real *b, real *y, int B, int in, int out);
/* mask (optional, [out,in] of 0/1): dW is kept zero where the mask is 0. */
void linear_backward(const real *x, const real *w, const real *dy, real *dx, real *dw, real *db,
                     const uint8_t *mask, int B, int in, int out);

/* ---- sparse_linear.c: the same with W stored as CSR values on a mask ---- */
typedef struct {
    int rows, cols;             /* out, in */
    int64_t nnz;
    const int64_t *indptr;      /* rows + 1 */
    const int32_t *indices;     /* nnz */
} csr_mask;
/* sum of a[i] * b[i] in eight independent lanes (vectorised without
 * reassociating anything the C standard fixes), then the lanes in order:
 * the batch reductions of the CSR kernel's dW and the Hebbian update. */
static inline real dot_lanes(const real *a, const real *b, int n)
{
    real lane[8] = {0}, s = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) lane[l] += a[i + l] * b[i + l];
    for (int l = 0; l < 8; l++) s += lane[l];
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* work: scratch of at least CSR_WORK(rows, cols, B) reals (transposed copies). */
#define CSR_WORK(rows, cols, B) ((2L * (cols) + (rows)) * (B))
void sparse_linear_forward(const real *x, const csr_mask *m, const real *w, const real *b, real *y, int B,
                           real *work);
void sparse_linear_backward(const real *x, const csr_mask *m, const real *w, const real *dy, real *dx,
                            real *dw, real *db, int B, real *work);

/* ---- masked_dense.c: the same CSR values through dense GEMM ---- */
typedef struct {
    real *wd;                   /* W as dense [rows, cols] (owned); NULL: the CSR kernel */
} masked_dense;
int masked_dense_init(masked_dense *d, const csr_mask *m); /* 0, or -1 out of memory */
void masked_dense_free(masked_dense *d);
/* Scatters the CSR values w into d->wd: once per forward pass, before the
 * batch is split over threads (forward and backward then only read it). */
void masked_dense_load(const masked_dense *d, const csr_mask *m, const real *w);
void masked_dense_forward(const masked_dense *d, const real *x, const csr_mask *m, const real *b, real *y, int B);
/* gd: scratch of rows * cols reals (the dense dW before its gather). */
void masked_dense_backward(const masked_dense *d, const real *x, const csr_mask *m, const real *dy, real *dx,
                           real *dw, real *db, int B, real *gd);

/* ---- loss.c: softmax cross entropy with class weights and label smoothing,
 * PyTorch CrossEntropyLoss(weight, label_smoothing) with mean reduction ---- */
/* Returns the loss; writes dlogits (may be NULL) and probabilities (may be NULL). */
double cross_entropy(const real *logits, const uint8_t *labels, const real *class_w, real smoothing,
                     real *dlogits, real *probs, int B, int C);

#endif
