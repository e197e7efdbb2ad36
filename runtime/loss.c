/* loss.c: cross entropy with balanced class weights and label smoothing
 * (BIONIC.md §3), with PyTorch's mean reduction for weighted losses:
 *   loss = [ (1-eps) sum_i w_{y_i} (-log p_{i,y_i})
 *            + (eps/C) sum_i sum_c w_c (-log p_{i,c}) ] / sum_i w_{y_i}  */
#include "layers.h"

#include <math.h>

double cross_entropy(const real *logits, const uint8_t *labels, const real *class_w, real smoothing,
                     real *dlogits, real *probs, int B, int C)
{
    double wsum = 0, total = 0;
    for (int i = 0; i < B; i++) wsum += class_w ? class_w[labels[i]] : 1;
    for (int i = 0; i < B; i++) {
        const real *z = logits + (long)i * C;
        double zmax = z[0], se = 0;
        for (int c = 1; c < C; c++) zmax = z[c] > zmax ? z[c] : zmax;
        for (int c = 0; c < C; c++) se += exp(z[c] - zmax);
        double lse = zmax + log(se);
        /* d/dz_c of sum_k q_k (lse - z_k) = (sum_k q_k) p_c - q_c */
        double qsum = (1 - smoothing) * (class_w ? class_w[labels[i]] : 1);
        for (int k = 0; k < C; k++) qsum += smoothing / C * (class_w ? class_w[k] : 1);
        for (int c = 0; c < C; c++) {
            double p = exp(z[c] - lse), wc = class_w ? class_w[c] : 1;
            /* target distribution: (1-eps) on the label plus eps/C everywhere, each term weighted */
            double q = (c == labels[i] ? (1 - smoothing) * wc : 0) + smoothing / C * wc;
            total += q * (lse - z[c]);
            if (probs) probs[(long)i * C + c] = (real)p;
            if (dlogits) dlogits[(long)i * C + c] = (real)((qsum * p - q) / wsum);
        }
    }
    return total / wsum;
}
