/* train.c: the learning loop of BIONIC.md §3: weighted, label-smoothed
 * cross entropy; Adam with L2; ReduceLROnPlateau on the validation loss;
 * Hebbian + homeostatic update after each step; early stopping on
 * validation accuracy; the best validation epoch is the one evaluated. */
#define _POSIX_C_SOURCE 200809L
#include "augment.h"
#include "bio_layer.h"
#include "bio_neuron_op.h"
#include "dist.h"
#include "error.h"
#include "hebbian.h"
#include "mechanisms.h"
#include "outfile.h"
#include "progress.h"
#include "report.h"
#include "sha256.h"
#include "trainer.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ data */

static int split_indices(trainer *t)
{
    const fer_data *d = &t->data;
    for (int s = 0; s < FER_SPLITS; s++) {
        t->order[s] = malloc((d->count[s] ? d->count[s] : 1) * sizeof(uint32_t));
        if (!t->order[s]) return err_set(CONNC_ERR_NOMEM, "out of memory");
        t->count[s] = 0;
    }
    for (size_t i = 0; i < d->n; i++) t->order[d->split[i]][t->count[d->split[i]]++] = (uint32_t)i;
    if (t->opt.limit_train > 0 && (size_t)t->opt.limit_train < t->count[FER_TRAINING])
        t->count[FER_TRAINING] = (size_t)t->opt.limit_train;
    for (int s = 0; s < FER_SPLITS; s++)
        if (t->count[s] == 0) return err_set(CONNC_ERR_FORMAT, "%s: no %s rows", t->opt.data_path, fer_split_name(s));
    return CONNC_OK;
}

/* Training-set pixel mean/std (in [0,1] units) and balanced class weights
 * w_c = N / (C n_c), BIONIC.md §2 and §3. */
static int data_statistics(trainer *t)
{
    double s = 0, s2 = 0;
    size_t n = t->count[FER_TRAINING], per[FER_CLASSES] = {0};
    for (size_t k = 0; k < n; k++) {
        uint32_t i = t->order[FER_TRAINING][k];
        const uint8_t *px = t->data.pixels + (size_t)i * FER_PIXELS;
        for (int p = 0; p < FER_PIXELS; p++) {
            double v = px[p] / 255.0;
            s += v;
            s2 += v * v;
        }
        per[t->data.label[i]]++;
    }
    double cnt = (double)n * FER_PIXELS, mean = s / cnt;
    t->mean = (real)mean;
    t->std = (real)sqrt(fmax(s2 / cnt - mean * mean, 1e-12));
    for (int c = 0; c < FER_CLASSES; c++) {
        if (per[c] == 0 && t->net.hp.class_weights_on)
            return err_set(CONNC_ERR_FORMAT, "%s: class %s has no training images", t->opt.data_path, fer_class_name(c));
        t->class_w[c] = t->net.hp.class_weights_on ? (real)((double)n / (FER_CLASSES * (double)per[c])) : 1;
    }
    return CONNC_OK;
}

/* The description's augmentation numbers (BIONIC.md §3). */
static augment_params augmentation(const net_hyper *hp)
{
    return (augment_params){hp->crop_scale_min, hp->crop_scale_max, hp->crop_ratio_min, hp->crop_ratio_max,
                            hp->rotation_deg, hp->flip_prob, hp->brightness, hp->contrast};
}

/* Fills net->input with B standardised images (augmented when asked). */
typedef struct {
    trainer *t;
    const uint32_t *idx;
    int B, augment;
} batch_fill;

/* Worker w's part of the batch (network_slice: its part of this rank's):
 * the images from their drawn choices, then standardised into the network's
 * input. */
static void fill_slice(void *ctx, int w, int n)
{
    const batch_fill *j = ctx;
    trainer *t = j->t;
    float *px = t->pixels + (size_t)w * FER_PIXELS;
    int b0, count;
    network_slice(j->B, w, n, &b0, &count);
    for (int b = b0; b < b0 + count; b++) {
        const uint8_t *src = t->data.pixels + (size_t)j->idx[b] * FER_PIXELS;
        if (j->augment) augment_apply(src, &t->draws[b], px);
        else augment_plain(src, px);
        augment_standardise(px, t->mean, t->std, t->net.input + (size_t)b * FER_PIXELS);
    }
}

/* The random choices are drawn in image order from the one training stream
 * (the same numbers for any thread or rank count: every rank draws the
 * whole batch's), the images made in parallel. */
static void fill_batch(trainer *t, const uint32_t *idx, int B, int augment, uint8_t *labels)
{
    const augment_params ap = augmentation(&t->net.hp);
    for (int b = 0; b < B; b++) {
        if (augment) augment_sample(&t->st.rng, &ap, &t->draws[b]);
        labels[b] = t->data.label[idx[b]];
    }
    batch_fill j = {t, idx, B, augment};
    workers_run(&t->net.pool, fill_slice, &j);
}

typedef struct {
    network *net;
    adam_coeffs c;
} adam_job;

static void adam_slice(void *ctx, int w, int n)
{
    const adam_job *j = ctx;
    const network *net = j->net;
    long lo = net->P * w / n, hi = net->P * (w + 1) / n;
    const real *scale = net->mech.lr_scale ? net->mech.lr_scale + lo : NULL;
    adam_update(&j->c, net->param + lo, net->grad + lo, net->adam_m + lo, net->adam_v + lo, scale, hi - lo);
}

/* ------------------------------------------------------------ steps */

static int predicted(const real *logits, int C)
{
    int best = 0;
    for (int c = 1; c < C; c++)
        if (logits[c] > logits[best]) best = c;
    return best;
}

static real smoothing(const trainer *t) { return t->net.hp.label_smoothing_on ? (real)t->net.hp.label_smoothing : 0; }

double trainer_step(trainer *t, const uint32_t *idx, int B, long *correct)
{
    network *net = &t->net;
    uint8_t labels[65536];
    fill_batch(t, idx, B, net->hp.augmentation_on, labels);
    const real *logits = network_forward(net, B, 1, &t->st.rng); /* net->grad is zero: adam_update clears it */
    double loss = cross_entropy(logits, labels, t->class_w, smoothing(t), network_dlogits(net), NULL, B, net->classes);
    for (int b = 0; b < B; b++) *correct += predicted(logits + (long)b * net->classes, net->classes) == labels[b];
    network_backward(net, B);
    mech_before_step(net, &t->st.rng);
    bln_step_scales(net, t->st.adam.lr);
    adam_job aj = {net, adam_begin(&t->st.adam)};
    workers_run(&net->pool, adam_slice, &aj);
    for (int i = 0; i < net->nops; i++)
        if (net->ops[i].bio) bio_clamp_alpha(net->ops[i].bio, net->param);
    if (net->hp.hebbian_on) hebbian_step(net, B);
    bln_after_step(net, B, &t->st.rng); /* BioLogicalNeuron homeostasis and repairs */
    mech_after_step(net); /* Dale's signs have the last word */
    return loss;
}

/* Loss and confusion matrix of the current weights on one split. */
static void evaluate(trainer *t, int split, split_metrics *m)
{
    network *net = &t->net;
    uint8_t labels[EVAL_BATCH];
    memset(m, 0, sizeof *m);
    double loss = 0;
    for (size_t at = 0; at < t->count[split]; at += EVAL_BATCH) {
        int B = (int)(t->count[split] - at < EVAL_BATCH ? t->count[split] - at : EVAL_BATCH);
        fill_batch(t, t->order[split] + at, B, 0, labels);
        const real *logits = network_forward(net, B, 0, NULL);
        loss += B * cross_entropy(logits, labels, t->class_w, smoothing(t), NULL, NULL, B, net->classes);
        for (int b = 0; b < B; b++) metrics_count(m, labels[b], predicted(logits + (long)b * net->classes, net->classes));
    }
    m->loss = loss / (double)t->count[split];
    metrics_finish(m);
}

/* ------------------------------------------------------------ epochs */

static void train_epoch(trainer *t, epoch_record *rec)
{
    network *net = &t->net;
    size_t n = t->count[FER_TRAINING];
    int bs = net->hp.batch_size;
    /* shuffle a fresh copy of the split's order: the permutation then depends
     * only on the RNG state, which a checkpoint restores exactly */
    memcpy(t->epoch_order, t->order[FER_TRAINING], n * sizeof *t->epoch_order);
    rng_shuffle(&t->st.rng, t->epoch_order, n);
    char label[32];
    snprintf(label, sizeof label, "epoch %d", t->st.epoch + 1);
    progress bar;
    progress_begin(&bar, label, "img", n);
    double t0 = now_seconds(), loss = 0;
    long correct = 0, steps = 0;
    for (size_t at = 0; at < n; at += (size_t)bs, steps++) {
        int B = (int)(n - at < (size_t)bs ? n - at : (size_t)bs);
        loss += B * trainer_step(t, t->epoch_order + at, B, &correct);
        progress_update(&bar, at + (size_t)B);
    }
    progress_end(&bar, n);
    mech_take_activity(net, steps, &rec->rejuvenated, &rec->damped, &rec->zeroed, &rec->crystallised);
    rec->epoch = t->st.epoch + 1;
    rec->train_loss = loss / (double)n;
    rec->train_accuracy = (double)correct / (double)n;
    rec->lr = t->st.adam.lr;
    split_metrics val;
    evaluate(t, FER_PUBLIC_TEST, &val);
    rec->val_loss = val.loss;
    rec->val_accuracy = val.accuracy;
    rec->seconds = now_seconds() - t0;
}

/* Scheduler, best-weights tracking and early stopping after an epoch;
 * returns 1 when training should stop. */
static int end_of_epoch(trainer *t, const epoch_record *rec)
{
    train_state *s = &t->st;
    network *net = &t->net;
    mech_end_epoch(net, s->epoch); /* BCM: the scales of the next epoch */
    s->epoch++;
    if (rec->val_accuracy > s->best_val_accuracy) {
        s->best_val_accuracy = rec->val_accuracy;
        s->best_epoch = rec->epoch;
        s->since_best = 0;
        memcpy(s->best_param, net->param, (size_t)net->P * sizeof(real));
    } else {
        s->since_best++;
    }
    if (net->hp.scheduler_on) s->adam.lr = plateau_step(&s->plateau, rec->val_loss, s->adam.lr);
    log_info("epoch %d: train loss %.4f acc %.4f, val loss %.4f acc %.4f, lr %.2g, %.1fs", rec->epoch, rec->train_loss,
             rec->train_accuracy, rec->val_loss, rec->val_accuracy, rec->lr, rec->seconds);
    const net_hyper *hp = &net->hp;
    if (hp->rejuvenation_on || hp->crystallise_on || hp->dale_on)
        log_info("epoch %d: per step, of the weights the mechanisms act on, %.3f %% rejuvenated, %.3f %% damped, "
                 "%.3f %% zeroed by Dale; %.1f %% crystallised (rate below 1 %%)", rec->epoch, 100 * rec->rejuvenated,
                 100 * rec->damped, 100 * rec->zeroed, 100 * rec->crystallised);
    return s->since_best >= net->hp.patience;
}

/* ------------------------------------------------------------ setup */

/* The description travels with the run so `connc eval RUNDIR` needs nothing else. */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in) return err_set(CONNC_ERR_IO, "%s: cannot open", from);
    outfile o;
    int rc = outfile_open(&o, to);
    char buf[1 << 16];
    size_t n;
    while (rc == CONNC_OK && (n = fread(buf, 1, sizeof buf, in)) > 0) rc = outfile_write(&o, buf, n);
    if (rc == CONNC_OK && ferror(in)) rc = err_set(CONNC_ERR_IO, "%s: read error", from);
    fclose(in);
    if (rc == CONNC_OK) return outfile_commit(&o);
    outfile_abort(&o);
    return rc;
}

int trainer_setup(trainer *t, const train_options *o, const char *net_path)
{
    t->opt = *o;
    TRY(network_load(net_path, EVAL_BATCH, o->ablate, &t->net));
    if (network_set_threads(&t->net, o->threads) < 0) return err_set(CONNC_ERR_NOMEM, "out of memory for %d threads", o->threads);
    int bs = t->net.hp.batch_size;
    if (bs > EVAL_BATCH) return err_set(CONNC_ERR_USAGE, "batch_size %d: at most %d", bs, EVAL_BATCH);
    augment_params ap = augmentation(&t->net.hp);
    TRY(augment_check(&ap));
    /* after the description, so that a wrong file fails before the data are parsed */
    if (!t->data.n) TRY(fer_load(o->data_path, o->cache_dir, &t->data));
    TRY(split_indices(t));
    TRY(data_statistics(t));
    t->pixels = malloc((size_t)WORKERS_MAX * FER_PIXELS * sizeof *t->pixels);
    t->draws = malloc(EVAL_BATCH * sizeof *t->draws);
    t->epoch_order = malloc(t->count[FER_TRAINING] * sizeof *t->epoch_order);
    t->st.best_param = malloc((size_t)(t->net.P ? t->net.P : 1) * sizeof(real));
    if (!t->pixels || !t->draws || !t->epoch_order || !t->st.best_param) return err_set(CONNC_ERR_NOMEM, "out of memory");
    return CONNC_OK;
}

static char *run_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* A trainer for run_dir with the paths of its checkpoint and description copy. */
static int trainer_new(const train_options *o, trainer **out)
{
    trainer *t = *out = calloc(1, sizeof *t);
    if (!t) return err_set(CONNC_ERR_NOMEM, "out of memory");
    t->opt = *o;
    t->ckpt_path = run_path(o->run_dir, "checkpoint.ckpt");
    t->net_copy = run_path(o->run_dir, "network.cnet");
    if (t->ckpt_path && t->net_copy) return CONNC_OK;
    free(t->ckpt_path);
    free(t->net_copy);
    free(t);
    *out = NULL;
    return err_set(CONNC_ERR_NOMEM, "out of memory");
}

void trainer_free(trainer *t)
{
    for (int s = 0; s < FER_SPLITS; s++) free(t->order[s]);
    free(t->pixels);
    free(t->draws);
    free(t->epoch_order);
    free(t->st.best_param);
    free(t->ckpt_path);
    free(t->net_copy);
    fer_free(&t->data);
    network_free(&t->net);
    free(t);
}

void trainer_init_state(trainer *t)
{
    const net_hyper *hp = &t->net.hp;
    train_state *s = &t->st;
    rng_init(&s->rng, t->opt.seed);
    network_init_params(&t->net, &s->rng);
    mech_init(&t->net, &s->rng);
    s->adam = (adam_state){hp->lr, hp->beta1, hp->beta2, hp->eps, hp->weight_decay_on ? hp->weight_decay : 0, 0};
    plateau_init(&s->plateau, hp->plateau_factor, hp->plateau_patience, hp->min_lr);
    s->best_val_accuracy = -1;
    memcpy(s->best_param, t->net.param, (size_t)t->net.P * sizeof(real));
}

/* Final numbers of the best validation epoch on every split. */
static void final_evaluation(trainer *t)
{
    memcpy(t->net.param, t->st.best_param, (size_t)t->net.P * sizeof(real));
    run_metrics *m = &t->metrics;
    evaluate(t, FER_PRIVATE_TEST, &m->test);
    evaluate(t, FER_PUBLIC_TEST, &m->public_test);
    evaluate(t, FER_TRAINING, &m->train);
    m->test_all = m->public_test; /* PublicTest + PrivateTest: merge the two confusion matrices */
    for (int a = 0; a < FER_CLASSES; a++)
        for (int b = 0; b < FER_CLASSES; b++) m->test_all.confusion[a][b] += m->test.confusion[a][b];
    m->test_all.n += m->test.n;
    m->test_all.loss = (m->public_test.loss * (double)m->public_test.n + m->test.loss * (double)m->test.n) / (double)m->test_all.n;
    metrics_finish(&m->test_all);
    m->best_epoch = t->st.best_epoch;
    m->parameters = t->net.P;
}

static char *run_json(const trainer *t)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"seed\": %llu, \"threads\": %d, \"ranks\": %d, \"ablate\": \"%s\", \"data_sha256\": \"%s\","
             " \"train_images\": %zu, \"pixel_mean\": %.9g, \"pixel_std\": %.9g}",
             (unsigned long long)t->opt.seed, t->opt.threads, dist_size(), t->opt.ablate ? t->opt.ablate : "",
             t->data.source_sha256, t->count[FER_TRAINING], (double)t->mean, (double)t->std);
    return strdup(buf);
}

static int has_bio_neuron(const network *net)
{
    for (int i = 0; i < net->nops; i++)
        if (net->ops[i].bln) return 1;
    return 0;
}

/* The end of both `train` and `eval`: the best epoch's numbers on every split,
 * written to metrics.json and the plots. */
static int report_best_epoch(trainer *t)
{
    final_evaluation(t);
    if (dist_rank() != 0) return CONNC_OK; /* rank 0 writes (dist.h) */
    char *extra = run_json(t);
    int rc = extra ? report_write_json(t->opt.run_dir, &t->metrics, extra) : err_set(CONNC_ERR_NOMEM, "out of memory");
    if (rc == CONNC_OK) rc = report_write_plots(t->opt.run_dir, &t->metrics);
    char path[REPORT_PATH_MAX];
    if (rc == CONNC_OK && t->net.mech.nbcm && (rc = report_path(path, sizeof path, t->opt.run_dir, "bcm_scales.svg")) == CONNC_OK)
        rc = mech_write_bcm_plot(&t->net, path);
    if (rc == CONNC_OK && has_bio_neuron(&t->net) &&
        (rc = report_path(path, sizeof path, t->opt.run_dir, "bio_neuron.svg")) == CONNC_OK)
        rc = bln_write_plot(&t->net, path);
    free(extra);
    return rc;
}

/* dist.h's promise, checked at the start (epoch 0) and after every epoch:
 * every rank has the same settings, weights and training RNG state.  A rank
 * that drifted would train another model, or wait forever in a collective
 * the others never reach (a different number of steps). */
static int ranks_agree(const trainer *t, int epoch)
{
    if (dist_size() == 1) return CONNC_OK;
    const train_options *o = &t->opt;
    sha256_ctx h;
    char hex[65];
    int same;
    sha256_init(&h);
    sha256_update(&h, t->net.param, (size_t)t->net.P * sizeof(real));
    sha256_update(&h, &t->st.rng, sizeof t->st.rng);
    sha256_update(&h, t->count, sizeof t->count);
    sha256_update(&h, &o->epochs, sizeof o->epochs);
    sha256_update(&h, t->data.source_sha256, strlen(t->data.source_sha256));
    sha256_update(&h, o->ablate ? o->ablate : "", o->ablate ? strlen(o->ablate) : 0);
    sha256_final_hex(&h, hex);
    dist_same((const unsigned char *)hex, 64, &same);
    if (same) return CONNC_OK;
    char when[32] = "at the start";
    if (epoch) snprintf(when, sizeof when, "after epoch %d", epoch);
    return err_set(CONNC_ERR_USAGE, "the %d ranks disagree %s: different settings, data or weights (give every rank "
                                    "the same arguments)", dist_size(), when);
}

static int train_loop(trainer *t, const char *ckpt)
{
    int max_epochs = t->opt.epochs > 0 ? t->opt.epochs : t->net.hp.max_epochs;
    double t0 = now_seconds();
    while (t->st.epoch < max_epochs && t->metrics.nepochs < METRICS_MAX_EPOCHS) {
        epoch_record *rec = &t->metrics.epochs[t->metrics.nepochs];
        train_epoch(t, rec);
        t->metrics.nepochs++;
        int stop = end_of_epoch(t, rec);
        TRY(ranks_agree(t, rec->epoch));
        if (dist_rank() == 0) TRY(checkpoint_save(t, ckpt)); /* the others hold the same state */
        if (stop) {
            log_info("early stopping: no validation improvement for %d epochs", t->net.hp.patience);
            break;
        }
    }
    t->metrics.seconds += now_seconds() - t0;
    return CONNC_OK;
}

/* Rank 0 makes the run directory and copies the description into it; the
 * other ranks (dist.h) wait for that copy, which they read too. */
static int prepare_run_dir(const trainer *t)
{
    if (dist_rank() == 0) {
        TRY(make_dirs(t->opt.run_dir));
        if (!t->opt.resume) TRY(copy_file(t->opt.net_path, t->net_copy));
    }
    dist_barrier();
    return CONNC_OK;
}

int train_run(const train_options *o)
{
    trainer *t;
    TRY(trainer_new(o, &t));
    int rc;
    CHECK(prepare_run_dir(t));
    CHECK(trainer_setup(t, o, t->net_copy));
    trainer_init_state(t);
    if (o->resume) CHECK(checkpoint_load(t, t->ckpt_path));
    CHECK(ranks_agree(t, 0));
    char ranks[48] = "";
    if (dist_size() > 1) snprintf(ranks, sizeof ranks, " on each of %d ranks", dist_size());
    log_info("training %ld parameters on %zu images (batch %d, %d thread%s%s)", t->net.P, t->count[FER_TRAINING],
             t->net.hp.batch_size, o->threads, o->threads == 1 ? "" : "s", ranks);
    CHECK(train_loop(t, t->ckpt_path));
    CHECK(report_best_epoch(t));
    log_info("best epoch %d: PrivateTest accuracy %.4f, macro-F1 %.4f; report in %s", t->metrics.best_epoch,
             t->metrics.test.accuracy, t->metrics.test.macro_f1, o->run_dir);
fail:
    trainer_free(t);
    return rc;
}

int eval_run(const char *run_dir, const char *data_path, const char *cache_dir, int threads)
{
    train_options o = {.data_path = data_path, .cache_dir = cache_dir, .run_dir = run_dir, .threads = threads};
    trainer *t;
    TRY(trainer_new(&o, &t));
    char ablate[512];
    int rc;
    CHECK(checkpoint_peek(t->ckpt_path, ablate, sizeof ablate, &o)); /* rebuild the network and data the run saw */
    CHECK(trainer_setup(t, &o, t->net_copy));
    trainer_init_state(t);
    CHECK(checkpoint_load(t, t->ckpt_path));
    CHECK(report_best_epoch(t));
    log_info("PrivateTest accuracy %.4f, macro-F1 %.4f, loss %.4f (best epoch %d)", t->metrics.test.accuracy,
             t->metrics.test.macro_f1, t->metrics.test.loss, t->metrics.best_epoch);
fail:
    trainer_free(t);
    return rc;
}
