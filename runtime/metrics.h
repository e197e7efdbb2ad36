/* metrics.h: what a run measures, per epoch and at the end. */
#ifndef CONNC_METRICS_H
#define CONNC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#define METRICS_CLASSES 7
#define METRICS_MAX_EPOCHS 4096

typedef struct {
    double loss, accuracy, macro_f1;
    long n;
    long confusion[METRICS_CLASSES][METRICS_CLASSES];   /* [true][predicted] */
    double precision[METRICS_CLASSES], recall[METRICS_CLASSES], f1[METRICS_CLASSES];
} split_metrics;

typedef struct {
    int epoch;                  /* 1-based */
    double train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds;
    /* synaptic-diversity activity (mech_take_activity), 0 when off */
    double rejuvenated, damped, zeroed, crystallised;
} epoch_record;

typedef struct {
    int nepochs;
    epoch_record epochs[METRICS_MAX_EPOCHS];
    int best_epoch;             /* epoch whose weights are evaluated (best validation accuracy) */
    split_metrics test;         /* PrivateTest */
    split_metrics public_test;  /* PublicTest (the validation split) */
    split_metrics test_all;     /* PublicTest + PrivateTest */
    split_metrics train;        /* Training, no augmentation, best weights */
    long parameters;            /* trainable, masked entries excluded */
    double seconds;             /* wall time of training */
} run_metrics;

/* Adds one (true, predicted) pair to a confusion matrix. */
void metrics_count(split_metrics *m, int truth, int predicted);
/* Fills accuracy, per-class precision/recall/F1 and macro-F1 from the
 * confusion matrix (a class never predicted has precision 0, as sklearn's
 * zero_division=0). */
void metrics_finish(split_metrics *m);

#endif
