/* hebbian.c: see hebbian.h. */
#include "hebbian.h"

/* dst[j * B + b] = src[b * n + j] / (max + 1e-8), src a B x n batch of ReLU
 * outputs, written transposed so that each unit's B values are contiguous.
 * The max is taken over the whole batch and layer, or (per_neuron) over the
 * batch for each neuron on its own: the paper only says "normalised to
 * [0, 1]". */
static void scale_to_unit(const real *src, real *dst, int B, int n, int per_neuron)
{
    real mx = 0;
    for (long i = 0; !per_neuron && i < (long)B * n; i++) mx = src[i] > mx ? src[i] : mx;
    for (int j = 0; j < n; j++) {
        if (per_neuron) {
            mx = 0;
            for (int b = 0; b < B; b++) mx = src[(long)b * n + j] > mx ? src[(long)b * n + j] : mx;
        }
        real k = (real)(1 / (mx + 1e-8));
        for (int b = 0; b < B; b++) dst[(long)j * B + b] = src[(long)b * n + j] * k;
    }
}

/* Rows [r0, r1) of post's inter weights and homeostatic averages. */
static void hebbian_rows(const network *net, const bio_state *pre, bio_state *post, int B, int r0, int r1,
                         real *scratch)
{
    const net_hyper *hp = &net->hp;
    int np = pre->size;
    real *x = scratch, *y = scratch + (long)B * np; /* [np, B] and [nq, B] */
    scale_to_unit(pre->h, x, B, np, hp->hebb_scale_per_neuron);
    scale_to_unit(post->h, y, B, post->size, hp->hebb_scale_per_neuron);
    real mom = (real)hp->homeo_momentum, inv_b = (real)1 / (real)B;
    real *w = net->param + post->w_inter;
    /* BCM scales (BIO_LAYERS.md §3) hold a saturated weight still here too */
    const real *a = net->mech.lr_scale ? net->mech.lr_scale + post->w_inter : NULL;
    for (int r = r0; r < r1; r++) {
        const real *yr = y + (long)r * B;
        real mean = 0;
        for (int b = 0; b < B; b++) mean += yr[b];
        post->f_avg[r] = mom * post->f_avg[r] + (1 - mom) * mean * inv_b;
        real home = (real)(hp->homeo_rate * (post->f_avg[r] - hp->homeo_target));
        real rate = (real)hp->hebb_rate * inv_b;
        if (post->masked_inter) {
            const csr_mask *m = &post->inter_mask;
            for (int64_t e = m->indptr[r]; e < m->indptr[r + 1]; e++) {
                real corr = dot_lanes(yr, x + (long)m->indices[e] * B, B);
                w[e] += (a ? a[e] : 1) * (rate * corr - home);
            }
        } else {
            for (int c = 0; c < np; c++) {
                real corr = dot_lanes(yr, x + (long)c * B, B);
                w[(long)r * np + c] += (a ? a[(long)r * np + c] : 1) * (rate * corr - home);
            }
        }
    }
}

void hebbian_update(const network *net, const bio_state *pre, bio_state *post, int B, real *scratch)
{
    hebbian_rows(net, pre, post, B, 0, post->size, scratch);
}

typedef struct {
    network *net;
    int B;
} hebbian_job;

/* Worker w updates its share of every layer's rows (rows are independent:
 * the result does not depend on the number of workers). */
static void hebbian_slice(void *ctx, int w, int n)
{
    hebbian_job *j = ctx;
    network *net = j->net;
    const bio_state *prev = NULL;
    for (int i = 0; i < net->nops; i++) {
        bio_state *b = net->ops[i].bio;
        if (!b) continue;
        if (prev && b->in)
            hebbian_rows(net, prev, b, j->B, (int)((long)b->size * w / n), (int)((long)b->size * (w + 1) / n),
                         network_scratch(net, w));
        prev = b;
    }
}

void hebbian_step(network *net, int B)
{
    hebbian_job j = {net, B};
    workers_run(&net->pool, hebbian_slice, &j);
}
