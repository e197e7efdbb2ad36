/* test_kernels.c: the forward equations of BIONIC.md §2 (runtime/layers.h)
 * on tiny shapes, with expected values worked out by hand in the comments.
 * The expected numbers (ReLU's aside) were also recomputed with PyTorch 1.13
 * (torch.nn.functional: avg_pool2d(count_include_pad=False), max_pool2d,
 * layer_norm, conv2d, linear, sigmoid) in float64; sigmoid values are
 * pasted from there.  The runtime computes in float: tolerance 1e-6. */
#include "harness.h"
#include "layers.h"

#define TOL 1e-6

static void expect_all(const real *got, const double *want, int n, const char *what)
{
    for (int i = 0; i < n; i++)
        if (!(got[i] - want[i] <= TOL && want[i] - got[i] <= TOL)) {
            char m[160];
            snprintf(m, sizeof m, "%s[%d] = %.9g, want %.9g", what, i, (double)got[i], want[i]);
            harness_fail(__FILE__, __LINE__, m);
        }
}

/* y = x - 0.5 * avg3x3(x), padding not counted: a corner averages 4 cells,
 * an edge 6, the centre 9.  Plane 0 is 1..9:
 *   (0,0): (1+2+4+5)/4 = 3       -> 1 - 1.5  = -0.5
 *   (0,1): (1+2+3+4+5+6)/6 = 3.5 -> 2 - 1.75 = 0.25
 *   (0,2): (2+3+5+6)/4 = 4       -> 3 - 2    = 1
 *   (1,0): (1+2+4+5+7+8)/6 = 4.5 -> 4 - 2.25 = 1.75
 *   (1,1): 45/9 = 5              -> 5 - 2.5  = 2.5
 *   (1,2): (2+3+5+6+8+9)/6 = 5.5 -> 6 - 2.75 = 3.25
 *   (2,0): (4+5+7+8)/4 = 6       -> 7 - 3    = 4
 *   (2,1): (4+...+9)/6 = 6.5     -> 8 - 3.25 = 4.75
 *   (2,2): (5+6+8+9)/4 = 7       -> 9 - 3.5  = 5.5
 * Plane 1 (the second channel) is a single 9 in the corner: it reaches only
 * the cells whose window holds (0,0):
 *   (0,0): 9 - 0.5 * 9/4 = 7.875;  (0,1), (1,0): -0.5 * 9/6 = -0.75;
 *   (1,1): -0.5 * 9/9 = -0.5;      the rest 0.
 * (count_include_pad=True would give the corner 9 - 0.5 * 9/9 = 8.5.) */
TEST(kernel_lateral_3x3_by_hand)
{
    real x[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0}, y[18];
    static const double want[18] = {-0.5, 0.25, 1, 1.75, 2.5, 3.25, 4, 4.75, 5.5,
                                    7.875, -0.75, 0, -0.75, -0.5, 0, 0, 0, 0};
    lateral_forward(x, y, 0.5f, 1, 2, 3, 3);
    expect_all(y, want, 18, "lateral");
}

/* A 4x4 plane, so that rows and columns have two interior cells:
 *   1 0 2 0
 *   0 4 0 0
 *   3 0 0 8
 *   0 0 1 0
 *   (0,0): corner (1+0+0+4)/4 = 1.25   -> 1 - 0.625 = 0.375
 *   (1,1): interior (1+0+2+0+4+0+3+0+0)/9 = 10/9 -> 4 - 5/9 = 3.444444
 *   (2,3): edge (0+0+0+8+1+0)/6 = 1.5  -> 8 - 0.75 = 7.25
 *   (3,3): corner (0+8+1+0)/4 = 2.25   -> 0 - 1.125 = -1.125
 * the other twelve from torch avg_pool2d(x, 3, 1, 1, count_include_pad=False). */
TEST(kernel_lateral_4x4)
{
    real x[16] = {1, 0, 2, 0, 0, 4, 0, 0, 3, 0, 0, 8, 0, 0, 1, 0}, y[16];
    static const double want[16] = {0.375, -0.5833333333, 1.5, -0.25,
                                    -0.6666666667, 3.4444444444, -0.7777777778, -0.8333333333,
                                    2.4166666667, -0.4444444444, -0.7222222222, 7.25,
                                    -0.375, -0.3333333333, 0.25, -1.125};
    lateral_forward(x, y, 0.5f, 1, 1, 4, 4);
    expect_all(y, want, 16, "lateral");
}

/* 2x2 max pooling of
 *    1  3 | -2 -1
 *    2  0 | -4 -3
 *   ------+------
 *    5  5 |  0 -1
 *    5  1 |  0  0
 * windows: {1,3,2,0} -> 3 at index 1; {-2,-1,-4,-3} -> -1 at 3;
 * {5,5,5,1} -> 5, a three-way tie won by the first in row-major order, index 8
 * (as PyTorch); {0,-1,0,0} -> 0, tie won by index 10.
 * With relu: max(ReLU) = ReLU(max), and where that is 0 (windows 2 and 4)
 * the winner is -1 so the backward pass drops the gradient. */
TEST(kernel_maxpool2_by_hand)
{
    real x[16] = {1, 3, -2, -1, 2, 0, -4, -3, 5, 5, 0, -1, 5, 1, 0, 0}, y[4];
    int32_t arg[4];
    maxpool2_forward(x, y, arg, 0, 1, 1, 4, 4);
    static const double want[4] = {3, -1, 5, 0}, want_relu[4] = {3, 0, 5, 0};
    expect_all(y, want, 4, "maxpool");
    EXPECT_EQ_INT(arg[0], 1);
    EXPECT_EQ_INT(arg[1], 3);
    EXPECT_EQ_INT(arg[2], 8);
    EXPECT_EQ_INT(arg[3], 10);
    maxpool2_forward(x, y, arg, 1, 1, 1, 4, 4);
    expect_all(y, want_relu, 4, "maxpool relu");
    EXPECT_EQ_INT(arg[0], 1);
    EXPECT_EQ_INT(arg[1], -1);
    EXPECT_EQ_INT(arg[2], 8);
    EXPECT_EQ_INT(arg[3], -1);
}

/* LayerNorm over a row of 4, biased variance, eps 1e-5:
 *   x = (1, 2, 3, 6): mean 3, x - mean = (-2, -1, 0, 3),
 *   var = (4 + 1 + 0 + 9) / 4 = 3.5, rstd = 1/sqrt(3.50001) = 0.5345217202
 *   g = (1, 2, 0.5, -1), b = (0, 0.5, -1, 0.25):
 *   y = (-2 r + 0, -2 r + 0.5, 0 - 1, -3 r + 0.25)
 *     = (-1.0690434404, -0.5690434404, -1, -1.3535651607)
 * A constant row (2, 2, 2, 2) has var 0: rstd = 1/sqrt(1e-5) = 316.227766
 * (eps keeps it finite) and y = b. */
TEST(kernel_layer_norm_by_hand)
{
    real x[8] = {1, 2, 3, 6, 2, 2, 2, 2}, g[4] = {1, 2, 0.5f, -1}, b[4] = {0, 0.5f, -1, 0.25f};
    real y[8], mean[2], rstd[2];
    static const double want[8] = {-1.0690434404, -0.5690434404, -1, -1.3535651607, 0, 0.5, -1, 0.25};
    layer_norm_forward(x, g, b, y, mean, rstd, 2, 4, 1e-5f);
    expect_all(y, want, 8, "layer_norm");
    EXPECT_NEAR(mean[0], 3, TOL);
    EXPECT_NEAR(rstd[0], 0.5345217202, TOL);
    EXPECT_NEAR(mean[1], 2, TOL);
    EXPECT_NEAR(rstd[1], 316.227766, 1e-3);
}

/* Channel attention, c = 2, hidden = 1, 2x2 maps, batch of two:
 *   W1 = [0.5, -1], b1 = 0.25, W2 = [2; -4], b2 = (-1, 0.5)
 * sample 0: channels (1,2,3,6) and (-1,0,1,4): z = GAP = (3, 1)
 *   a1 = ReLU(0.5*3 - 1*1 + 0.25) = 0.75
 *   a2 = (2*0.75 - 1, -4*0.75 + 0.5) = (0.5, -2.5)
 *   s  = (sigmoid(0.5), sigmoid(-2.5)) = (0.6224593312, 0.0758581800)
 * sample 1: channels all 0 and all 2: z = (0, 2), a1 = ReLU(-2 + 0.25) = 0
 *   (the ReLU cuts), a2 = b2, s = (sigmoid(-1), sigmoid(0.5)) = (0.2689414214, 0.6224593312)
 * y = x * s per channel. */
TEST(kernel_channel_attention_by_hand)
{
    real x[16] = {1, 2, 3, 6, -1, 0, 1, 4, 0, 0, 0, 0, 2, 2, 2, 2};
    real w1[2] = {0.5f, -1}, b1[1] = {0.25f}, w2[2] = {2, -4}, b2[2] = {-1, 0.5f};
    real y[16], z[4], a1[2], a2[4], s[4];
    channel_attention_cache k = {z, a1, a2, s};
    channel_attention_forward(x, w1, b1, w2, b2, y, &k, 2, 2, 1, 4);
    static const double want_z[4] = {3, 1, 0, 2}, want_a1[2] = {0.75, 0};
    static const double want_s[4] = {0.6224593312, 0.0758581800, 0.2689414214, 0.6224593312};
    const double s0 = want_s[0], s1 = want_s[1], s3 = want_s[3];
    const double want_y[16] = {s0, 2 * s0, 3 * s0, 6 * s0, -s1, 0, s1, 4 * s1, 0, 0, 0, 0, 2 * s3, 2 * s3, 2 * s3, 2 * s3};
    expect_all(z, want_z, 4, "z");
    expect_all(a1, want_a1, 2, "a1");
    expect_all(s, want_s, 4, "s");
    expect_all(y, want_y, 16, "y");
}

/* Spatial attention, c = 2, 2x2 maps, one 3x3 filter per channel, bias -1.
 * Filters (cross-correlation, as PyTorch: tap (ky,kx) reads pixel
 * (y+ky-1, x+kx-1), zero outside):
 *   channel 0: centre 1, tap below (2,1) -1;   channel 1: tap right (1,2) 0.5
 *   x0 = [1 -1; 0 2], x1 = [2 4; -2 0]
 *   (0,0): x0(0,0) - x0(1,0) + 0.5 x1(0,1) - 1 = 1 - 0 + 2 - 1 = 2
 *   (0,1): x0(0,1) - x0(1,1) + 0 (pad) - 1    = -1 - 2 - 1    = -4
 *   (1,0): x0(1,0) - 0 (pad) + 0.5 x1(1,1) - 1 = 0 + 0 - 1    = -1
 *   (1,1): x0(1,1) - 0 + 0 - 1                 = 1
 *   M = sigmoid(2, -4, -1, 1) = (0.8807970780, 0.0179862100, 0.2689414214, 0.7310585786)
 * y = x * M, the same map for both channels. */
TEST(kernel_spatial_attention_by_hand)
{
    real x[8] = {1, -1, 0, 2, 2, 4, -2, 0};
    real w[18] = {0}, b[1] = {-1}, y[8], m[4], col[(2 * 9 + 1) * 4];
    w[0 * 9 + 1 * 3 + 1] = 1;
    w[0 * 9 + 2 * 3 + 1] = -1;
    w[1 * 9 + 1 * 3 + 2] = 0.5f;
    spatial_attention_forward(x, w, b, y, m, col, 1, 2, 2, 2);
    static const double M[4] = {0.8807970780, 0.0179862100, 0.2689414214, 0.7310585786};
    const double want_y[8] = {M[0], -M[1], 0, 2 * M[3], 2 * M[0], 4 * M[1], -2 * M[2], 0};
    expect_all(m, M, 4, "M");
    expect_all(y, want_y, 8, "y");
}

/* conv3x3, pad 1, of the image 1..9 with the filter
 *   [1 0 -1; 2 1 0; 0 0 3] and bias 0.5 (cross-correlation):
 *   (1,1): 1*1 + 0*2 - 1*3 + 2*4 + 1*5 + 0*6 + 0*7 + 0*8 + 3*9 = 38 -> 38.5
 *   (0,0): only taps (1,1),(1,2),(2,1),(2,2) are inside:
 *          1*1 + 0*2 + 0*4 + 3*5 = 16 -> 16.5
 *   (2,0): taps (0,1),(0,2),(1,1),(1,2): 0*4 - 1*5 + 1*7 + 0*8 = 2 -> 2.5
 *   (2,2): taps (0,0),(0,1),(1,0),(1,1): 1*5 + 0*6 + 2*8 + 1*9 = 30 -> 30.5
 * and the other five from torch conv2d(padding=1). */
TEST(kernel_conv3x3_by_hand)
{
    real x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[9] = {1, 0, -1, 2, 1, 0, 0, 0, 3}, b[1] = {0.5f};
    real y[9], col[(9 + 1) * 9];
    static const double want[9] = {16.5, 22.5, 7.5, 26.5, 38.5, 18.5, 2.5, 20.5, 30.5};
    conv3x3_forward(x, w, b, y, col, 1, 1, 1, 3, 3);
    expect_all(y, want, 9, "conv");
}

/* The batched path: two images (1..9 and all ones) through two filters, the
 * one above and the identity (centre 1) with bias -1.  Output is [B, cout, h, w]:
 *   image 0, filter 0: as above;  image 0, filter 1: x - 1 = 0..8
 *   image 1, filter 0: 0.5 + the sum of the taps inside the image:
 *     corner (0,0): 1+0+0+3 = 4 -> 4.5, centre: all nine = 6 -> 6.5
 *   image 1, filter 1: 1 - 1 = 0 everywhere. */
TEST(kernel_conv3x3_batch_two_filters)
{
    real x[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    real w[18] = {1, 0, -1, 2, 1, 0, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0}, b[2] = {0.5f, -1};
    real y[36], col[(9 + 2) * 18];
    static const double want[36] = {16.5, 22.5, 7.5, 26.5, 38.5, 18.5, 2.5, 20.5, 30.5,
                                    0, 1, 2, 3, 4, 5, 6, 7, 8,
                                    4.5, 6.5, 3.5, 3.5, 6.5, 4.5, 0.5, 3.5, 4.5,
                                    0, 0, 0, 0, 0, 0, 0, 0, 0};
    conv3x3_forward(x, w, b, y, col, 2, 1, 2, 3, 3);
    expect_all(y, want, 36, "conv");
}

/* y = x W^T + b with x [2,3], W [2,3]:
 *   x = [1 2 3; -1 0 2], W = [1 0 -1; 0.5 2 1], b = (0.5, -1)
 *   y00 = 1 - 3 + 0.5 = -1.5        y01 = 0.5 + 4 + 3 - 1 = 6.5
 *   y10 = -1 - 2 + 0.5 = -2.5       y11 = -0.5 + 0 + 2 - 1 = 0.5
 * and without bias (b = NULL): -2, 7.5, -3, 1.5. */
TEST(kernel_linear_by_hand)
{
    real x[6] = {1, 2, 3, -1, 0, 2}, w[6] = {1, 0, -1, 0.5f, 2, 1}, b[2] = {0.5f, -1}, y[4];
    static const double want[4] = {-1.5, 6.5, -2.5, 0.5}, want_nb[4] = {-2, 7.5, -3, 1.5};
    linear_forward(x, w, b, y, 2, 3, 2);
    expect_all(y, want, 4, "linear");
    linear_forward(x, w, NULL, y, 2, 3, 2);
    expect_all(y, want_nb, 4, "linear no bias");
}

/* The same x through a CSR mask: row 0 keeps columns {0, 2} with (1, -1),
 * row 1 keeps {2, 1} (stored out of order) with (1, 2), i.e. the dense
 * W = [1 0 -1; 0 2 1]:
 *   y00 = 1 - 3 + 0.5 = -1.5        y01 = 4 + 3 - 1 = 6
 *   y10 = -1 - 2 + 0.5 = -2.5       y11 = 0 + 2 - 1 = 1 */
TEST(kernel_sparse_linear_by_hand)
{
    static const int64_t indptr[3] = {0, 2, 4};
    static const int32_t indices[4] = {0, 2, 2, 1};
    csr_mask m = {2, 3, 4, indptr, indices};
    real x[6] = {1, 2, 3, -1, 0, 2}, w[4] = {1, -1, 1, 2}, b[2] = {0.5f, -1}, y[4], work[CSR_WORK(2, 3, 2)];
    static const double want[4] = {-1.5, 6, -2.5, 1};
    sparse_linear_forward(x, &m, w, b, y, 2, work);
    expect_all(y, want, 4, "sparse_linear");
}

/* ReLU keeps positives; its backward passes dy only where y > 0 (0 is cut),
 * here in place (dx == dy). */
TEST(kernel_relu_by_hand)
{
    real x[5] = {-1, 0, 2, -0.5f, 3}, y[5], d[5] = {1, 2, 3, 4, 5};
    static const double want_y[5] = {0, 0, 2, 0, 3}, want_d[5] = {0, 0, 3, 0, 5};
    relu_forward(x, y, 5);
    expect_all(y, want_y, 5, "relu");
    relu_backward(y, d, d, 5);
    expect_all(d, want_d, 5, "relu backward");
}
