/* hebbian.c: see hebbian.h. */
#include "hebbian.h"

/* dst = src / (max + 1e-8), src a B x n batch of ReLU outputs.  The max is
 * taken over the whole batch and layer, or (per_neuron) over the batch for
 * each neuron on its own: the paper only says "normalised to [0, 1]". */
static void scale_to_unit(const real *src, real *dst, int B, int n, int per_neuron)
{
    for (int j = 0; j < (per_neuron ? n : 1); j++) {
        int first = per_neuron ? j : 0, step = per_neuron ? n : 1;
        long count = per_neuron ? B : (long)B * n;
        real mx = 0;
        for (long i = 0; i < count; i++) mx = src[first + i * step] > mx ? src[first + i * step] : mx;
        real k = (real)(1 / (mx + 1e-8));
        for (long i = 0; i < count; i++) dst[first + i * step] = src[first + i * step] * k;
    }
}

void hebbian_update(const network *net, const bio_state *pre, bio_state *post, int B, real *scratch)
{
    const net_hyper *hp = &net->hp;
    int np = pre->size, nq = post->size;
    real *x = scratch, *y = scratch + (long)B * np;
    scale_to_unit(pre->h, x, B, np, hp->hebb_scale_per_neuron);
    scale_to_unit(post->h, y, B, nq, hp->hebb_scale_per_neuron);
    real mom = (real)hp->homeo_momentum, inv_b = (real)1 / (real)B;
    real *w = net->param + post->w_inter;
    /* BCM scales (BIO_LAYERS.md §3) hold a saturated weight still here too */
    const real *a = net->mech.lr_scale ? net->mech.lr_scale + post->w_inter : NULL;
    for (int r = 0; r < nq; r++) {
        real mean = 0;
        for (int b = 0; b < B; b++) mean += y[(long)b * nq + r];
        post->f_avg[r] = mom * post->f_avg[r] + (1 - mom) * mean * inv_b;
        real home = (real)(hp->homeo_rate * (post->f_avg[r] - hp->homeo_target));
        real rate = (real)hp->hebb_rate * inv_b;
        if (post->masked_inter) {
            const csr_mask *m = &post->inter_mask;
            for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) {
                real corr = 0;
                for (int b = 0; b < B; b++) corr += y[(long)b * nq + r] * x[(long)b * np + m->indices[e]];
                w[e] += (a ? a[e] : 1) * (rate * corr - home);
            }
        } else {
            for (int c = 0; c < np; c++) {
                real corr = 0;
                for (int b = 0; b < B; b++) corr += y[(long)b * nq + r] * x[(long)b * np + c];
                w[(long)r * np + c] += (a ? a[(long)r * np + c] : 1) * (rate * corr - home);
            }
        }
    }
}

void hebbian_step(network *net, int B)
{
    const bio_state *prev = NULL;
    for (int i = 0; i < net->nops; i++) {
        bio_state *b = net->ops[i].bio;
        if (!b) continue;
        if (prev && b->in) hebbian_update(net, prev, b, B, net->scratch);
        prev = b;
    }
}
