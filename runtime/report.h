/* report.h: the reports of a training run, written into its run directory.
 *
 *   metrics.json          everything measured (layout in report.c)
 *   learning_curves.svg   loss, accuracy and learning rate per epoch
 *   confusion.svg         row-normalised PrivateTest confusion matrix
 *   bcm_scales.svg        BCM learning-rate scales per projection, when BCM is on
 *                         (mechanisms.h, written by train.c)
 *
 * Every file is written atomically: a failed call leaves no partial file.
 */
#ifndef CONNC_REPORT_H
#define CONNC_REPORT_H

#include "metrics.h"

#include <stddef.h>

/* Writes DIR/metrics.json (creating DIR).  run_json, when not NULL, is the
 * text of a JSON object describing the run (seed, threads, data checksum,
 * ablations...), stored under the key "run"; anything else is a
 * CONNC_ERR_USAGE. */
int report_write_json(const char *dir, const run_metrics *m, const char *run_json);
/* Reads a metrics.json back: epochs, best epoch, parameters, training time
 * and the four splits (whose derived rates are recomputed from the
 * confusion matrices by metrics_finish). */
int report_read_json(const char *path, run_metrics *m);
#define REPORT_PATH_MAX 4096

/* DIR/NAME into buf, or CONNC_ERR_LIMIT when it does not fit. */
int report_path(char *buf, size_t cap, const char *dir, const char *name);
/* Writes DIR/learning_curves.svg and DIR/confusion.svg (plots.c). */
int report_write_plots(const char *dir, const run_metrics *m);
/* All of the above: metrics.json, then the plots. */
int report_write(const char *dir, const run_metrics *m, const char *run_json);

#endif
