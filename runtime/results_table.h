/* results_table.h: the paper-style results table of a multi-seed comparison.
 *
 * Each configuration (the full model, an ablation...) was trained with
 * several seeds; the table gives, per configuration, the mean and the sample
 * standard deviation (n - 1; 0 for a single run) of PrivateTest accuracy,
 * macro-F1 and loss, training accuracy and parameter count (masked entries
 * excluded), as DIR/results.md (Markdown, like the paper's Table 4) and
 * DIR/results.csv (one row per configuration, with every run's accuracy).
 */
#ifndef CONNC_RESULTS_TABLE_H
#define CONNC_RESULTS_TABLE_H

#include "metrics.h"

typedef struct {
    const char *name;           /* configuration, as shown in the table */
    const run_metrics *runs;    /* one per seed */
    int nruns;                  /* at least 1 */
} results_group;

typedef struct {
    double mean, sd;
} results_stat;

typedef struct {
    results_stat test_acc;      /* % */
    results_stat macro_f1;
    results_stat test_loss;
    results_stat train_acc;     /* % */
    results_stat params;
} results_summary;

/* Mean and sample standard deviation of x[0..n-1] (n >= 1). */
results_stat results_stat_of(const double *x, int n);
void results_summarize(const results_group *g, results_summary *out);
/* Writes DIR/results.md and DIR/results.csv (creating DIR). */
int results_write(const char *dir, const results_group *groups, int ngroups);

#endif
