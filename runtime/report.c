/* report.c: metrics.json, written and read back.
 *
 * {
 *   "test_accuracy": 0.587, "test_macro_f1": 0.571, "test_loss": 1.12,
 *   "best_epoch": 42, "parameters": 1234567, "train_seconds": 3600.5,
 *   "run": { the caller's object: seed, threads, data sha256, ablations ... },
 *   "test":        SPLIT   PrivateTest (what test_* above repeat)
 *   "public_test": SPLIT   PublicTest, the validation split
 *   "test_all":    SPLIT   PublicTest + PrivateTest
 *   "train":       SPLIT   Training, without augmentation
 *   "epochs": [{"epoch": 1, "train_loss", "train_accuracy", "val_loss",
 *               "val_accuracy", "lr", "seconds", "rejuvenated", "damped",
 *               "zeroed", "crystallised"}, ...]  (the last four: fractions
 *               per step of the weights the §2 mechanisms act on, 0 when off)
 * }
 * SPLIT = {"split": "PrivateTest", "n": 3589, "loss", "accuracy", "macro_f1",
 *          "per_class": [{"class": "Angry", "precision", "recall", "f1",
 *                         "support"}, ... in label order 0-6],
 *          "confusion": 7 rows (true class) of 7 counts (predicted class)}
 *
 * The best weights (best validation accuracy, "best_epoch") are the ones
 * evaluated on every split.  Accuracies and rates are fractions in [0, 1];
 * cJSON writes a non-finite number (a diverged loss) as null.
 */
#define _POSIX_C_SOURCE 200809L
#include "report.h"
#include "error.h"
#include "fer2013.h"
#include "infile.h"
#include "outfile.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(FER_CLASSES == METRICS_CLASSES, "the report names FER-2013's classes");

#define MAX_JSON_BYTES (64u << 20)

int report_path(char *buf, size_t cap, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, cap, "%s/%s", dir, name) >= cap)
        return err_set(CONNC_ERR_LIMIT, "%s/%s: path too long", dir, name);
    return CONNC_OK;
}

/* ---- writing ---- */

static cJSON *split_json(const split_metrics *s, const char *name)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "split", name);
    cJSON_AddNumberToObject(o, "n", (double)s->n);
    cJSON_AddNumberToObject(o, "loss", s->loss);
    cJSON_AddNumberToObject(o, "accuracy", s->accuracy);
    cJSON_AddNumberToObject(o, "macro_f1", s->macro_f1);
    cJSON *per_class = cJSON_AddArrayToObject(o, "per_class");
    cJSON *confusion = cJSON_AddArrayToObject(o, "confusion");
    for (int c = 0; c < METRICS_CLASSES; c++) {
        double row[METRICS_CLASSES], support = 0;
        for (int k = 0; k < METRICS_CLASSES; k++) support += row[k] = (double)s->confusion[c][k];
        cJSON_AddItemToArray(confusion, cJSON_CreateDoubleArray(row, METRICS_CLASSES));
        cJSON *pc = cJSON_CreateObject();
        cJSON_AddStringToObject(pc, "class", fer_class_name(c));
        cJSON_AddNumberToObject(pc, "precision", s->precision[c]);
        cJSON_AddNumberToObject(pc, "recall", s->recall[c]);
        cJSON_AddNumberToObject(pc, "f1", s->f1[c]);
        cJSON_AddNumberToObject(pc, "support", support);
        cJSON_AddItemToArray(per_class, pc);
    }
    return o;
}

static cJSON *epochs_json(const run_metrics *m)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < m->nepochs; i++) {
        const epoch_record *e = &m->epochs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "epoch", e->epoch);
        cJSON_AddNumberToObject(o, "train_loss", e->train_loss);
        cJSON_AddNumberToObject(o, "train_accuracy", e->train_accuracy);
        cJSON_AddNumberToObject(o, "val_loss", e->val_loss);
        cJSON_AddNumberToObject(o, "val_accuracy", e->val_accuracy);
        cJSON_AddNumberToObject(o, "lr", e->lr);
        cJSON_AddNumberToObject(o, "seconds", e->seconds);
        cJSON_AddNumberToObject(o, "rejuvenated", e->rejuvenated);
        cJSON_AddNumberToObject(o, "damped", e->damped);
        cJSON_AddNumberToObject(o, "zeroed", e->zeroed);
        cJSON_AddNumberToObject(o, "crystallised", e->crystallised);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* The whole document; run (owned, may be NULL) is moved into it. */
static cJSON *metrics_json(const run_metrics *m, cJSON *run)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "test_accuracy", m->test.accuracy);
    cJSON_AddNumberToObject(o, "test_macro_f1", m->test.macro_f1);
    cJSON_AddNumberToObject(o, "test_loss", m->test.loss);
    cJSON_AddNumberToObject(o, "best_epoch", m->best_epoch);
    cJSON_AddNumberToObject(o, "parameters", (double)m->parameters);
    cJSON_AddNumberToObject(o, "train_seconds", m->seconds);
    if (run) cJSON_AddItemToObject(o, "run", run);
    cJSON_AddItemToObject(o, "test", split_json(&m->test, "PrivateTest"));
    cJSON_AddItemToObject(o, "public_test", split_json(&m->public_test, "PublicTest"));
    cJSON_AddItemToObject(o, "test_all", split_json(&m->test_all, "PublicTest+PrivateTest"));
    cJSON_AddItemToObject(o, "train", split_json(&m->train, "Training"));
    cJSON_AddItemToObject(o, "epochs", epochs_json(m));
    return o;
}

static int write_text(const char *path, const char *text)
{
    outfile o;
    TRY(outfile_open(&o, path));
    int rc = outfile_write(&o, text, strlen(text));
    if (rc == CONNC_OK) rc = outfile_write(&o, "\n", 1);
    if (rc < 0) {
        outfile_abort(&o);
        return rc;
    }
    return outfile_commit(&o);
}

int report_write_json(const char *dir, const run_metrics *m, const char *run_json)
{
    char path[REPORT_PATH_MAX];
    TRY(report_path(path, sizeof path, dir, "metrics.json"));
    cJSON *run = NULL;
    if (run_json) {
        run = cJSON_Parse(run_json);
        if (!cJSON_IsObject(run)) {
            cJSON_Delete(run);
            return err_set(CONNC_ERR_USAGE, "%s: run description is not a JSON object", path);
        }
    }
    int rc = make_dirs(dir);
    if (rc < 0) {
        cJSON_Delete(run);
        return rc;
    }
    cJSON *doc = metrics_json(m, run);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", path);
    rc = write_text(path, text);
    cJSON_free(text);
    return rc;
}

int report_write(const char *dir, const run_metrics *m, const char *run_json)
{
    TRY(report_write_json(dir, m, run_json));
    return report_write_plots(dir, m);
}

/* ---- reading ---- */

static int bad(const char *path, const char *key, const char *what)
{
    return err_set(CONNC_ERR_FORMAT, "%s: field '%s': %s", path, key, what);
}

/* A number, or NaN where the file has null (a non-finite value) or nothing. */
static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* An integer v in [lo, hi], else a format error naming key. */
static int whole(const char *path, const char *key, const cJSON *v, double lo, double hi, long *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo || v->valuedouble > hi)
        return bad(path, key, "expected a whole number in range");
    *out = (long)v->valuedouble;
    return CONNC_OK;
}

static int read_split(const char *path, const cJSON *root, const char *key, split_metrics *s)
{
    memset(s, 0, sizeof *s);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, key), "confusion");
    if (cJSON_GetArraySize(rows) != METRICS_CLASSES) return bad(path, key, "expected a 7x7 'confusion' array");
    for (int r = 0; r < METRICS_CLASSES; r++) {
        const cJSON *row = cJSON_GetArrayItem(rows, r);
        if (cJSON_GetArraySize(row) != METRICS_CLASSES) return bad(path, key, "expected a 7x7 'confusion' array");
        for (int c = 0; c < METRICS_CLASSES; c++) {
            TRY(whole(path, key, cJSON_GetArrayItem(row, c), 0, 1e15, &s->confusion[r][c]));
            s->n += s->confusion[r][c];
        }
    }
    s->loss = num(cJSON_GetObjectItemCaseSensitive(root, key), "loss");
    metrics_finish(s);
    return CONNC_OK;
}

static int read_epochs(const char *path, const cJSON *root, run_metrics *m)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "epochs");
    if (!cJSON_IsArray(a)) return bad(path, "epochs", "expected an array");
    if (cJSON_GetArraySize(a) > METRICS_MAX_EPOCHS)
        return err_set(CONNC_ERR_LIMIT, "%s: more than %d epochs", path, METRICS_MAX_EPOCHS);
    const cJSON *o;
    m->nepochs = 0;
    cJSON_ArrayForEach(o, a) {
        epoch_record *e = &m->epochs[m->nepochs++];
        long epoch = 0;
        TRY(whole(path, "epochs.epoch", cJSON_GetObjectItemCaseSensitive(o, "epoch"), 1, INT_MAX, &epoch));
        e->epoch = (int)epoch;
        e->train_loss = num(o, "train_loss");
        e->train_accuracy = num(o, "train_accuracy");
        e->val_loss = num(o, "val_loss");
        e->val_accuracy = num(o, "val_accuracy");
        e->lr = num(o, "lr");
        e->seconds = num(o, "seconds");
        e->rejuvenated = num(o, "rejuvenated");
        e->damped = num(o, "damped");
        e->zeroed = num(o, "zeroed");
        e->crystallised = num(o, "crystallised");
    }
    return CONNC_OK;
}

static int read_metrics(const char *path, const cJSON *root, run_metrics *m)
{
    long best = 0, params = 0;
    TRY(whole(path, "best_epoch", cJSON_GetObjectItemCaseSensitive(root, "best_epoch"), 0, INT_MAX, &best));
    TRY(whole(path, "parameters", cJSON_GetObjectItemCaseSensitive(root, "parameters"), 0, 1e15, &params));
    m->best_epoch = (int)best;
    m->parameters = params;
    m->seconds = num(root, "train_seconds");
    TRY(read_split(path, root, "test", &m->test));
    TRY(read_split(path, root, "public_test", &m->public_test));
    TRY(read_split(path, root, "test_all", &m->test_all));
    TRY(read_split(path, root, "train", &m->train));
    return read_epochs(path, root, m);
}

int report_read_json(const char *path, run_metrics *m)
{
    char *text;
    TRY(infile_read(path, MAX_JSON_BYTES, &text, NULL));
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return err_set(CONNC_ERR_FORMAT, "%s: not a JSON object", path);
    }
    memset(m, 0, sizeof *m);
    int rc = read_metrics(path, root, m);
    cJSON_Delete(root);
    return rc;
}
