/* trainer.h: the learning loop of BIONIC.md §3 and everything it keeps. */
#ifndef CONNC_TRAINER_H
#define CONNC_TRAINER_H

#include "augment.h"
#include "fer2013.h"
#include "metrics.h"
#include "network.h"
#include "optimizer.h"

/* Images per forward pass in evaluation (and the largest training batch);
 * connc_model_predict uses the same, so its batches are eval's. */
#define EVAL_BATCH 64

typedef struct {
    const char *net_path;       /* .cnet to train (train) */
    const char *data_path;      /* FER-2013 CSV (plain or gzip) */
    const char *cache_dir;      /* NULL: default cache, FER_CACHE_OFF: none */
    const char *run_dir;        /* reports and checkpoints go here */
    const char *ablate;         /* comma-separated switches turned off at run time, or NULL */
    int epochs;                 /* 0: max_epochs of the description */
    uint64_t seed;
    int threads;
    int resume;                 /* continue from run_dir/checkpoint.ckpt */
    long limit_train;           /* > 0: use only the first N training images (smoke runs) */
} train_options;

/* Everything that must survive a restart for --resume to reproduce an
 * uninterrupted run exactly (saved in run_dir/checkpoint.ckpt). */
typedef struct {
    int epoch;                  /* epochs completed */
    adam_state adam;
    plateau_state plateau;
    int best_epoch, since_best;
    double best_val_accuracy;
    rng_state rng;
    real *best_param;           /* weights of the best validation epoch (P) */
} train_state;

typedef struct {
    train_options opt;
    char *ckpt_path, *net_copy;   /* run_dir/checkpoint.ckpt and run_dir/network.cnet */
    network net;
    fer_data data;
    uint32_t *order[FER_SPLITS];  /* image indices of each split, in file order */
    uint32_t *epoch_order;      /* this epoch's shuffled training order */
    size_t count[FER_SPLITS];
    real mean, std;             /* training-set pixel statistics in [0,1] units */
    real class_w[FER_CLASSES];  /* w_c = N / (C n_c) over the training split */
    float *pixels;              /* one augmented image (48x48) per thread of the network */
    augment_draw *draws;        /* a batch's random choices, drawn before its images are made in parallel */
    train_state st;
    run_metrics metrics;        /* metrics.epochs is the history checkpoints carry */
} trainer;

int train_run(const train_options *o);

/* The pieces train_run is made of, for other drivers (the benchmark):
 * trainer_setup loads the description, then the data of o->data_path into
 * t->data unless the caller filled it already (the benchmark's synthetic
 * images), and prepares the splits; trainer_init_state seeds and
 * initialises the weights; trainer_step is one optimiser step on the batch of
 * images idx (augmentation, forward, backward, Adam, Hebbian), returning its
 * loss and adding its hits to *correct; trainer_free frees t and its data. */
int trainer_setup(trainer *t, const train_options *o, const char *net_path);
void trainer_init_state(trainer *t);
double trainer_step(trainer *t, const uint32_t *idx, int B, long *correct);
void trainer_free(trainer *t);
/* Evaluates the best weights of a finished or interrupted run on every split. */
int eval_run(const char *run_dir, const char *data_path, const char *cache_dir, int threads);

/* checkpoint.c */
int checkpoint_save(const trainer *t, const char *path);
int checkpoint_load(trainer *t, const char *path);
/* The best-validation weights of a run's checkpoint into net->param, after
 * the same checks as checkpoint_load (schema, description, ablation list:
 * net must be the run's network.cnet loaded with the list checkpoint_peek
 * gives), and the training-set pixel mean and std the run standardised its
 * images with into pixel[0..1] (NAN when the checkpoint predates them). */
int checkpoint_load_best(network *net, const char *path, const char *ablate, double pixel[2]);
/* The run settings a checkpoint was made with (ablation list, seed, training
 * subset) into o; the ablation text is copied into ablate[cap]. */
int checkpoint_peek(const char *path, char *ablate, size_t cap, train_options *o);

#endif
