/* metrics.c: accuracy and macro-F1 from a confusion matrix. */
#include "metrics.h"

void metrics_count(split_metrics *m, int truth, int predicted)
{
    m->confusion[truth][predicted]++;
    m->n++;
}

void metrics_finish(split_metrics *m)
{
    long correct = 0;
    double f1sum = 0;
    for (int c = 0; c < METRICS_CLASSES; c++) {
        long tp = m->confusion[c][c], pred = 0, truth = 0;
        for (int k = 0; k < METRICS_CLASSES; k++) {
            pred += m->confusion[k][c];
            truth += m->confusion[c][k];
        }
        correct += tp;
        m->precision[c] = pred ? (double)tp / (double)pred : 0;
        m->recall[c] = truth ? (double)tp / (double)truth : 0;
        double s = m->precision[c] + m->recall[c];
        m->f1[c] = s > 0 ? 2 * m->precision[c] * m->recall[c] / s : 0;
        f1sum += m->f1[c];
    }
    m->accuracy = m->n ? (double)correct / (double)m->n : 0;
    m->macro_f1 = f1sum / METRICS_CLASSES;
}
