/* mechanisms.c: see mechanisms.h. */
#include "mechanisms.h"
#include "diversity.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

/* Every projection but the last, the output layer (the classifier). */
int mech_targets(const network *net, int k) { return k < net->nproj - 1; }

static weight_view view(const network *net, int k, real *base)
{
    const projection *p = &net->proj[k];
    return (weight_view){base + p->offset, p->n, p->rows, p->cols, p->taps, p->indptr, p->indices};
}

/* Weight splitting acts in the forward and backward passes: each targeted
 * projection's op learns its block size.  The channel-attention MLP and the
 * spatial-attention convolution (one output channel) are left unsplit. */
static void mark_splits(network *net, int gamma)
{
    for (int k = 0; k < net->nproj; k++) {
        if (!mech_targets(net, k)) continue;
        net_op *op = &net->ops[net->proj[k].op];
        if (op->kind == OP_CONV2D || op->kind == OP_LINEAR) op->split = gamma;
        else if (op->kind == OP_BIO_LAYER && net->proj[k].offset == op->bio->w_inter) op->bio->split_inter = gamma;
        else if (op->kind == OP_BIO_LAYER) op->bio->split_intra = gamma;
    }
}

/* One BCM state per bio-layer projection; rows are the layer's units, whose
 * weights are a CSR row (masked) or r * cols (dense). */
static int open_bcm(network *net)
{
    mechanisms *m = &net->mech;
    const net_hyper *hp = &net->hp;
    m->bcm_p = (bcm_params){hp->bcm_observe, hp->bcm_decay, hp->bcm_sliding, hp->bcm_theta, hp->bcm_lambda,
                            hp->bcm_tau, hp->bcm_decay_epochs};
    for (int k = 0; k < net->nproj; k++) {
        const projection *p = &net->proj[k];
        if (net->ops[p->op].kind != OP_BIO_LAYER) continue;
        bcm_state *s = &m->bcm[m->nbcm];
        int64_t *starts = p->indptr ? NULL : malloc((size_t)(p->rows + 1) * sizeof *starts);
        m->bcm_starts[m->nbcm] = starts;
        m->bcm_op[m->nbcm++] = p->op;
        s->rows = p->rows, s->n = p->n, s->scale = m->lr_scale + p->offset;
        s->saturated_at = malloc((size_t)p->rows * sizeof *s->saturated_at);
        s->sq_avg = malloc((size_t)p->rows * sizeof *s->sq_avg);
        s->obs_sum = malloc((size_t)p->rows * sizeof *s->obs_sum);
        s->row_start = p->indptr ? p->indptr : starts;
        if ((!p->indptr && !starts) || !s->saturated_at || !s->sq_avg || !s->obs_sum)
            return err_set(CONNC_ERR_NOMEM, "out of memory");
        for (int r = 0; starts && r <= p->rows; r++) starts[r] = (int64_t)r * p->cols;
        bcm_reset(s);
    }
    return CONNC_OK;
}

int mech_open(network *net)
{
    const net_hyper *hp = &net->hp;
    mechanisms *m = &net->mech;
    memset(m, 0, sizeof *m);
    if (hp->splitting_on) mark_splits(net, hp->split_gamma);
    /* per-parameter step scales: BCM's, and the BioLogicalNeuron adaptive rate */
    if (hp->bcm_on || hp->bln_adaptive_lr) {
        if (!(m->lr_scale = malloc((size_t)net->P * sizeof *m->lr_scale))) return err_set(CONNC_ERR_NOMEM, "out of memory");
        for (long i = 0; i < net->P; i++) m->lr_scale[i] = 1;
    }
    if (hp->bcm_on) TRY(open_bcm(net));
    if (hp->fuzzy_lr_on || hp->crystallise_on) {
        if (!(m->factor = malloc((size_t)net->P * sizeof *m->factor))) return err_set(CONNC_ERR_NOMEM, "out of memory");
        for (long i = 0; i < net->P; i++) m->factor[i] = 1;
    }
    if (hp->dale_on) {
        for (int k = 0; k < net->nproj; k++) m->nsign += mech_targets(net, k) ? net->proj[k].cols : 0;
        if (!(m->sign = malloc((size_t)(m->nsign ? m->nsign : 1)))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    return CONNC_OK;
}

void mech_free(network *net)
{
    mechanisms *m = &net->mech;
    for (int i = 0; i < m->nbcm; i++) {
        free(m->bcm_starts[i]);
        free(m->bcm[i].saturated_at);
        free(m->bcm[i].sq_avg);
        free(m->bcm[i].obs_sum);
    }
    free(m->lr_scale);
    free(net->mech.factor);
    free(net->mech.sign);
    memset(&net->mech, 0, sizeof net->mech);
}

void mech_init(network *net, rng_state *rng)
{
    const net_hyper *hp = &net->hp;
    mechanisms *m = &net->mech;
    long at = 0;
    for (int k = 0; k < net->nproj; k++) {
        if (!mech_targets(net, k)) continue;
        const projection *p = &net->proj[k];
        if (hp->fuzzy_lr_on) fuzzy_init(m->factor + p->offset, p->n, hp->fuzzy_half_width, rng);
        if (hp->dale_on) {
            weight_view v = view(net, k, net->param);
            dale_init(m->sign + at, p->cols, hp->dale_excitatory_fraction, rng);
            dale_init_weights(&v, m->sign + at);
            at += p->cols;
        }
    }
}

/* The reference's order: the factors (fuzzy, possibly damped) scale the
 * weight gradients, rejuvenation renews small weights, and crystallisation
 * looks at the scaled gradient to damp factors from the next step on. */
void mech_before_step(network *net, rng_state *rng)
{
    const net_hyper *hp = &net->hp;
    mechanisms *m = &net->mech;
    for (int k = 0; k < net->nproj; k++) {
        if (!mech_targets(net, k)) continue;
        weight_view v = view(net, k, net->param);
        const projection *p = &net->proj[k];
        if (m->factor) fuzzy_apply(net->grad + p->offset, m->factor + p->offset, p->n);
        if (hp->rejuvenation_on)
            m->rejuvenated += rejuvenate(&v, hp->rejuvenation_d, m->lr_scale ? m->lr_scale + p->offset : NULL, rng);
        if (hp->crystallise_on)
            m->damped += crystallise(&v, net->grad + p->offset, m->factor + p->offset, hp->crystal_threshold,
                                     hp->crystal_dampening);
    }
}

void mech_after_step(network *net)
{
    if (!net->hp.dale_on) return;
    long at = 0;
    for (int k = 0; k < net->nproj; k++) {
        if (!mech_targets(net, k)) continue;
        weight_view v = view(net, k, net->param);
        net->mech.zeroed += dale_project(&v, net->mech.sign + at);
        at += net->proj[k].cols;
    }
}

static long target_weights(const network *net)
{
    long n = 0;
    for (int k = 0; k < net->nproj; k++) n += mech_targets(net, k) ? net->proj[k].n : 0;
    return n;
}

void mech_take_activity(network *net, long steps, double *rejuvenated, double *damped, double *zeroed,
                        double *crystallised)
{
    mechanisms *m = &net->mech;
    double targets = (double)target_weights(net), per_step = targets * (double)(steps > 0 ? steps : 1);
    *rejuvenated = (double)m->rejuvenated / per_step;
    *damped = (double)m->damped / per_step;
    *zeroed = (double)m->zeroed / per_step;
    m->rejuvenated = m->damped = m->zeroed = 0;
    long slow = 0;
    for (int k = 0; net->hp.crystallise_on && k < net->nproj; k++) {
        const projection *p = &net->proj[k];
        for (long i = 0; mech_targets(net, k) && i < p->n; i++) slow += m->factor[p->offset + i] < (real)0.01;
    }
    *crystallised = targets > 0 ? (double)slow / targets : 0;
}

/* After a bio layer's backward: its units' activations h and the gradient at
 * their pre-activation (bio_layer.h) feed the BCM states of its projections. */
void mech_observe(network *net, int op, const real *delta, int B)
{
    mechanisms *m = &net->mech;
    for (int i = 0; i < m->nbcm; i++)
        if (m->bcm_op[i] == op) bcm_observe(&m->bcm[i], &m->bcm_p, net->ops[op].bio->h, delta, B);
}

void mech_end_epoch(network *net, int epoch)
{
    for (int i = 0; i < net->mech.nbcm; i++) bcm_end_epoch(&net->mech.bcm[i], &net->mech.bcm_p, epoch);
}
