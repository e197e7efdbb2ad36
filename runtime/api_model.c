/* api_model.c: the public inference API of connc.h (connc_model_*).  A run
 * directory's network with its best-validation weights classifies images
 * the way `connc eval` does (train.c: evaluate): the same standardisation,
 * the same batches of EVAL_BATCH, the same forward pass. */
#define _POSIX_C_SOURCE 200809L
#include "augment.h"
#include "connc.h"
#include "error.h"
#include "infile.h"
#include "report.h"
#include "trainer.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>

_Static_assert(CONNC_IMAGE_PIXELS == FER_PIXELS, "the API's images are FER-2013's");
_Static_assert(sizeof(real) == sizeof(float), "probabilities are written as the library's reals");

struct connc_model {
    network net;
    real mean, std;               /* the training set's pixel statistics */
    float image[FER_PIXELS];      /* one image in [0, 1] on its way into the input */
    uint8_t labels[EVAL_BATCH];   /* dummy labels: cross_entropy is asked only for the softmax */
};

/* The pixel statistics of a run whose checkpoint predates them: the "run"
 * object of its metrics.json, where train and eval have always put them. */
static int metrics_pixel_stats(const char *run_dir, double pixel[2])
{
    char path[REPORT_PATH_MAX];
    char *text;
    TRY(report_path(path, sizeof path, run_dir, "metrics.json"));
    TRY(infile_read(path, (size_t)1 << 26, &text, NULL));
    cJSON *doc = cJSON_Parse(text);
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(doc, "run");
    const cJSON *mean = cJSON_GetObjectItemCaseSensitive(run, "pixel_mean");
    const cJSON *std = cJSON_GetObjectItemCaseSensitive(run, "pixel_std");
    int rc = cJSON_IsNumber(mean) && cJSON_IsNumber(std) ? CONNC_OK
             : err_set(CONNC_ERR_NOTFOUND, "%s: no run.pixel_mean and run.pixel_std", path);
    if (rc == CONNC_OK) {
        pixel[0] = mean->valuedouble;
        pixel[1] = std->valuedouble;
    }
    cJSON_Delete(doc);
    free(text);
    return rc;
}

/* The best weights and the statistics of the run run_dir into m. */
static int load_run(connc_model *m, const char *run_dir, int threads)
{
    char net_path[REPORT_PATH_MAX], ckpt[REPORT_PATH_MAX], ablate[512];
    train_options o = {0};
    double pixel[2];
    TRY(report_path(net_path, sizeof net_path, run_dir, "network.cnet"));
    TRY(report_path(ckpt, sizeof ckpt, run_dir, "checkpoint.ckpt"));
    TRY(checkpoint_peek(ckpt, ablate, sizeof ablate, &o)); /* the ablation list the weights were trained under */
    TRY(network_load(net_path, EVAL_BATCH, ablate, &m->net));
    if ((long)m->net.in_c * m->net.in_h * m->net.in_w != FER_PIXELS)
        return err_set(CONNC_ERR_FORMAT, "%s: the network does not take %dx%d grey images", net_path, FER_SIDE, FER_SIDE);
    if (network_set_threads(&m->net, threads) < 0) return err_set(CONNC_ERR_NOMEM, "out of memory for %d threads", threads);
    TRY(checkpoint_load_best(&m->net, ckpt, ablate, pixel));
    if (isnan(pixel[0]) && metrics_pixel_stats(run_dir, pixel) < 0)
        return err_wrap(CONNC_ERR_NOTFOUND, "%s: the checkpoint predates recorded pixel statistics (run 'connc eval' on "
                        "the run once to write them to metrics.json)", ckpt);
    if (!isfinite(pixel[0]) || !(pixel[1] > 0 && isfinite(pixel[1])))
        return err_set(CONNC_ERR_CORRUPT, "%s: no valid pixel mean and std for the run's images", ckpt);
    m->mean = (real)pixel[0];
    m->std = (real)pixel[1];
    return CONNC_OK;
}

int connc_model_open(const char *run_dir, int threads, connc_model **out)
{
    if (!out) return err_set(CONNC_ERR_USAGE, "connc_model_open: no place for the handle");
    *out = NULL;
    if (!run_dir || threads < 1) return err_set(CONNC_ERR_USAGE, "connc_model_open: no run directory, or threads < 1");
    connc_model *m = calloc(1, sizeof *m);
    if (!m) return err_set(CONNC_ERR_NOMEM, "out of memory");
    int rc = load_run(m, run_dir, threads);
    if (rc < 0) {
        connc_model_close(m);
        return rc;
    }
    *out = m;
    return CONNC_OK;
}

void connc_model_close(connc_model *m)
{
    if (!m) return;
    network_free(&m->net);
    free(m);
}

int connc_model_classes(const connc_model *m) { return m ? m->net.classes : 0; }

const char *connc_model_class_name(const connc_model *m, int c)
{
    return m && c < m->net.classes ? fer_class_name(c) : "?";
}

/* One batch of B images through the network; its probabilities into probs. */
static void predict_batch(connc_model *m, const uint8_t *pixels, int B, float *probs)
{
    network *net = &m->net;
    for (int b = 0; b < B; b++) {
        augment_plain(pixels + (size_t)b * FER_PIXELS, m->image);
        augment_standardise(m->image, m->mean, m->std, net->input + (size_t)b * FER_PIXELS);
    }
    const real *logits = network_forward(net, B, 0, NULL);
    cross_entropy(logits, m->labels, NULL, 0, NULL, probs, B, net->classes);
}

int connc_model_predict(connc_model *m, const uint8_t *pixels, size_t n, float *probs)
{
    if (!m || (n && (!pixels || !probs))) return err_set(CONNC_ERR_USAGE, "connc_model_predict: NULL argument");
    for (size_t at = 0; at < n; at += EVAL_BATCH) {
        int B = (int)(n - at < EVAL_BATCH ? n - at : EVAL_BATCH);
        predict_batch(m, pixels + at * FER_PIXELS, B, probs + at * (size_t)m->net.classes);
    }
    return CONNC_OK;
}
