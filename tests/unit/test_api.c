/* test_api.c: the public IR and inference API of connc.h: compiler/api_ir.c
 * on the tiny hand-made connectome, whose layers, masks and inhibition
 * test_compile.c works out by hand; runtime/api_model.c on a one-epoch run
 * over a few made-up images, against what the run's own evaluation wrote. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tiny.h"
#include "connc.h"
#include "container.h"
#include "emit.h"
#include "error.h"
#include "progress.h"
#include "report.h"
#include "trainer.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tiny IR written to a file; its path, or NULL. */
static const char *tiny_ir_file(void)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return NULL;
    const char *p = tmp_path("api.cir");
    int rc = ir_write(&x, p);
    ir_free(&x);
    EXPECT_EQ_INT(rc, 0);
    return rc ? NULL : p;
}

TEST(api_ir_layers)
{
    const char *p = tiny_ir_file();
    connc_ir *h;
    if (!p || connc_ir_open(p, &h) != CONNC_OK) { EXPECT(0); return; }
    EXPECT(strstr(connc_ir_metadata(h), "\"schema\":") != NULL);
    EXPECT_EQ_INT(connc_ir_layer_count(h), 4);
    /* A = cells 0..1, B = 2..3, C = 4..5, D = 6; I_B = (3, 0), I_C = (1, 3) */
    static const char *names[] = {"A", "B", "C", "D"};
    static const int64_t first[] = {0, 2, 4, 6}, count[] = {2, 2, 2, 1}, inhibited[] = {0, 1, 2, 0};
    for (size_t l = 0; l < 4; l++) {
        connc_layer y;
        EXPECT_EQ_INT(connc_ir_layer(h, l, &y), CONNC_OK);
        EXPECT(strcmp(y.name, names[l]) == 0);
        EXPECT_EQ_INT(y.first_cell, first[l]);
        EXPECT_EQ_INT(y.ncells, count[l]);
        EXPECT_EQ_INT(y.inhibited_cells, inhibited[l]);
    }
    connc_layer c;
    EXPECT_EQ_INT(connc_ir_layer(h, 2, &c), CONNC_OK);
    EXPECT(c.inhibition[0] == 1 && c.inhibition[1] == 3);
    EXPECT_ERR(connc_ir_layer(h, 4, &c), CONNC_ERR_NOTFOUND, "layer 4: the IR has 4 layers");
    connc_ir_close(h);
}

/* Mask name of the tiny IR has the hand-worked CSR pattern. */
static void expect_mask(const connc_ir *h, const char *name, int64_t rows, int64_t cols, int64_t nnz,
                        const int64_t *indptr, const int32_t *indices)
{
    connc_csr m;
    EXPECT_EQ_INT(connc_ir_mask(h, name, &m), CONNC_OK);
    EXPECT(m.nrows == rows && m.ncols == cols && m.nnz == nnz);
    if (m.nrows != rows || m.nnz != nnz) return;
    EXPECT(memcmp(m.indptr, indptr, (size_t)(rows + 1) * sizeof *indptr) == 0);
    EXPECT(nnz == 0 || memcmp(m.indices, indices, (size_t)nnz * sizeof *indices) == 0);
}

TEST(api_ir_masks)
{
    const char *p = tiny_ir_file();
    connc_ir *h;
    if (!p || connc_ir_open(p, &h) != CONNC_OK) { EXPECT(0); return; }
    /* local indices: B's rows are its cells 0-1, B.inter's columns A's cells 0-1 */
    expect_mask(h, "A.intra", 2, 2, 2, (const int64_t[]){0, 1, 2}, (const int32_t[]){1, 0});
    expect_mask(h, "B.inter", 2, 2, 3, (const int64_t[]){0, 2, 3}, (const int32_t[]){0, 1, 1});
    expect_mask(h, "C.intra", 2, 2, 1, (const int64_t[]){0, 1, 1}, (const int32_t[]){1});
    expect_mask(h, "D.inter", 1, 2, 2, (const int64_t[]){0, 2}, (const int32_t[]){0, 1});
    expect_mask(h, "D.intra", 1, 1, 0, (const int64_t[]){0, 0}, NULL);
    const char *all = "masks: A.intra, B.inter, B.intra, C.inter, C.intra, D.inter, D.intra)";
    connc_csr m;
    EXPECT_ERR(connc_ir_mask(h, "A.inter", &m), CONNC_ERR_NOTFOUND, all); /* the first layer has no inputs */
    EXPECT_ERR(connc_ir_mask(h, "E.intra", &m), CONNC_ERR_NOTFOUND, "no mask 'E.intra'");
    EXPECT_ERR(connc_ir_mask(h, "B.extra", &m), CONNC_ERR_NOTFOUND, all);
    EXPECT_ERR(connc_ir_mask(h, "B", &m), CONNC_ERR_NOTFOUND, all);
    EXPECT_ERR(connc_ir_mask(h, ".intra", &m), CONNC_ERR_NOTFOUND, all);
    connc_ir_close(h);
}

TEST(api_ir_errors)
{
    connc_ir *h = (connc_ir *)&h;
    EXPECT_ERR(connc_ir_open(tmp_path("missing.cir"), &h), CONNC_ERR_IO, "missing.cir");
    EXPECT(h == NULL);
    EXPECT_ERR(connc_ir_open(tmp_file("junk.cir", "not a container"), &h), CONNC_ERR_CORRUPT, "junk.cir");
    EXPECT_ERR(connc_ir_open(NULL, &h), CONNC_ERR_USAGE, "no path");
    EXPECT_ERR(connc_ir_open("x.cir", NULL), CONNC_ERR_USAGE, "no place for the handle");
    connc_layer y;
    connc_csr m;
    EXPECT_ERR(connc_ir_layer(NULL, 0, &y), CONNC_ERR_USAGE, "NULL");
    EXPECT_ERR(connc_ir_mask(NULL, "A.intra", &m), CONNC_ERR_USAGE, "NULL");
    EXPECT_EQ_INT(connc_ir_layer_count(NULL), 0);
    EXPECT(connc_ir_metadata(NULL) == NULL);
    connc_ir_close(NULL);
}

/* ------------------------------------------------------------ a run */

#define PER_SPLIT 7   /* one image of each class in each split: every class weight is 1 */
#define SMOOTHING "0.25"

/* Grey level p of made-up image i: a ramp with a per-image phase. */
static int grey(int i, int p) { return (i * 37 + p * (i + 3)) % 256; }

/* A FER-2013 CSV of PER_SPLIT images in each split, labels 0-6. */
static const char *tiny_fer_csv(void)
{
    static const char *usage[] = {"Training", "PublicTest", "PrivateTest"};
    const char *path = tmp_path("api-fer.csv");
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fprintf(f, "emotion,pixels,Usage\n");
    for (int i = 0; i < 3 * PER_SPLIT; i++) {
        fprintf(f, "%d,", i % PER_SPLIT);
        for (int p = 0; p < FER_PIXELS; p++) fprintf(f, p ? " %d" : "%d", grey(i, p));
        fprintf(f, ",%s\n", usage[i / PER_SPLIT]);
    }
    return fclose(f) == 0 ? path : NULL;
}

/* A column wide enough that its network's outputs depend on the image (the
 * tiny one's single cell in layer D does not let them): WIDTH cells of each
 * pyramidal layer, each fed by two thirds of the layer before and by its
 * neighbour, and two inhibitory cells.  Compiled into x. */
#define WIDTH 8
static int wide_column(ir *x)
{
    static const char *types[] = {"4P", "23P", "5P-IT", "6P-IT"};
    char cells[1024];
    snprintf(cells, sizeof cells, "%s", tmp_path("wide-cells.csv"));
    const char *syn = tmp_path("wide-synapses.csv");
    FILE *c = fopen(cells, "w"), *s = fopen(syn, "w");
    if (c) fprintf(c, "pt_root_id,cell_type\n9001,BC\n9002,MC\n");
    if (s) fprintf(s, "pre_pt_root_id,post_pt_root_id\n");
    for (int l = 0; c && s && l < 4; l++)
        for (int i = 0; i < WIDTH; i++) {
            int root = 1000 + 100 * l + i;
            fprintf(c, "%d,%s\n", root, types[l]);
            fprintf(s, "%d,%d\n%d,%d\n", 1000 + 100 * l + (i + 1) % WIDTH, root, 9001 + i % 2, root);
            for (int j = 0; l && j < WIDTH; j++)
                if ((i + 2 * j) % 3) fprintf(s, "%d,%d\n", root - 100 - i + j, root);
        }
    int ok = c && s;
    if (c) ok &= fclose(c) == 0;
    if (s) ok &= fclose(s) == 0;
    return ok ? compile_tables(cells, syn, NULL, x) : CONNC_ERR_IO;
}

/* Trains the wide column's network for one epoch on the made-up images into run_dir. */
static int wide_run(const char *run_dir)
{
    ir x;
    emit_options eo = {.model = "bionic", .set = {"label_smoothing=" SMOOTHING}, .nset = 1};
    char net[1024];
    snprintf(net, sizeof net, "%s", tmp_path("api.cnet")); /* tmp_path's buffers rotate */
    const char *data = tiny_fer_csv();
    int rc = wide_column(&x);
    if (rc == CONNC_OK) rc = emit_network(&x, &eo, net);
    ir_free(&x);
    train_options o = {.net_path = net, .data_path = data, .cache_dir = FER_CACHE_OFF, .run_dir = run_dir,
                       .epochs = 1, .seed = 3, .threads = 1};
    int verbosity = connc_verbosity;
    connc_verbosity = 0;
    if (rc == CONNC_OK) rc = data ? train_run(&o) : CONNC_ERR_IO;
    connc_verbosity = verbosity;
    return rc;
}

/* The PrivateTest images of tiny_fer_csv, classified by the run's model:
 * probabilities into probs (PER_SPLIT x 7); the status. */
static int predict_private(const char *run_dir, float *probs)
{
    uint8_t px[PER_SPLIT * FER_PIXELS];
    for (int i = 0; i < PER_SPLIT; i++)
        for (int p = 0; p < FER_PIXELS; p++) px[i * FER_PIXELS + p] = (uint8_t)grey(2 * PER_SPLIT + i, p);
    connc_model *m;
    TRY(connc_model_open(run_dir, 1, &m));
    EXPECT_EQ_INT(connc_model_classes(m), 7);
    EXPECT(strcmp(connc_model_class_name(m, 3), "Happy") == 0 && strcmp(connc_model_class_name(m, 7), "?") == 0);
    int rc = connc_model_predict(m, px, PER_SPLIT, probs);
    connc_model_close(m);
    return rc;
}

/* The checkpoint as a run of older connc wrote it: without pixel statistics. */
static int strip_pixel_stats(const char *ckpt)
{
    connc_file *f;
    TRY(connc_file_open(ckpt, &f));
    cJSON *meta = cJSON_Parse(connc_file_metadata(f));
    cJSON_DeleteItemFromObject(meta, "pixel_mean");
    cJSON_DeleteItemFromObject(meta, "pixel_std");
    char *text = cJSON_Print(meta);
    container_writer *w = container_writer_new(CONTAINER_CHECKPOINT);
    int rc = text && w ? container_set_metadata(w, text) : CONNC_ERR_NOMEM;
    for (size_t i = 0; rc == CONNC_OK && i < connc_file_array_count(f); i++) {
        connc_array a;
        rc = connc_file_array_at(f, i, &a);
        if (rc == CONNC_OK) rc = container_add(w, a.name, a.dtype, a.ndim, a.shape, a.data);
    }
    if (rc == CONNC_OK) rc = container_write(w, ckpt);
    container_writer_free(w);
    free(text);
    cJSON_Delete(meta);
    connc_file_close(f);
    return rc;
}

TEST(api_model_matches_eval)
{
    char run[1024], path[1100];
    snprintf(run, sizeof run, "%s", tmp_path("api-run"));
    EXPECT_EQ_INT(wide_run(run), CONNC_OK);
    float probs[PER_SPLIT * 7], again[PER_SPLIT * 7];
    EXPECT_EQ_INT(predict_private(run, probs), CONNC_OK);
    /* the predicted classes make up eval's PrivateTest confusion matrix (labels 0-6 in file order) */
    run_metrics *rm = calloc(1, sizeof *rm);
    snprintf(path, sizeof path, "%s/metrics.json", run);
    EXPECT_EQ_INT(report_read_json(path, rm), CONNC_OK);
    double eps = atof(SMOOTHING), loss = 0;
    for (int i = 0; i < PER_SPLIT; i++) {
        int best = 0;
        double sum = 0;
        for (int c = 0; c < 7; c++) {
            sum += probs[i * 7 + c];
            if (probs[i * 7 + c] > probs[i * 7 + best]) best = c;
            loss -= ((c == i) * (1 - eps) + eps / 7) * log(probs[i * 7 + c]) / PER_SPLIT;
        }
        EXPECT_NEAR(sum, 1, 1e-6);
        EXPECT_EQ_INT(rm->test.confusion[i][best], 1);
    }
    /* and every probability: eval's label-smoothed loss (class weights 1) from them */
    EXPECT_NEAR(loss, rm->test.loss, 1e-5);
    free(rm);
    /* an older run: the statistics come from metrics.json, and give the same numbers */
    snprintf(path, sizeof path, "%s/checkpoint.ckpt", run);
    EXPECT_EQ_INT(strip_pixel_stats(path), CONNC_OK);
    EXPECT_EQ_INT(predict_private(run, again), CONNC_OK);
    EXPECT(memcmp(probs, again, sizeof probs) == 0);
    snprintf(path, sizeof path, "%s/metrics.json", run);
    remove(path);
    EXPECT_ERR(predict_private(run, again), CONNC_ERR_NOTFOUND, "predates recorded pixel statistics");
}

TEST(api_model_errors)
{
    connc_model *m = (connc_model *)&m;
    EXPECT_ERR(connc_model_open(tmp_path("no-run"), 1, &m), CONNC_ERR_IO, "no-run/checkpoint.ckpt");
    EXPECT(m == NULL);
    EXPECT_ERR(connc_model_open(tmp_path("no-run"), 0, &m), CONNC_ERR_USAGE, "threads < 1");
    EXPECT_ERR(connc_model_open(NULL, 1, &m), CONNC_ERR_USAGE, "no run directory");
    EXPECT_ERR(connc_model_open("run", 1, NULL), CONNC_ERR_USAGE, "no place for the handle");
    float p[7];
    uint8_t px[FER_PIXELS] = {0};
    EXPECT_ERR(connc_model_predict(NULL, px, 1, p), CONNC_ERR_USAGE, "NULL");
    EXPECT_EQ_INT(connc_model_classes(NULL), 0);
    EXPECT(strcmp(connc_model_class_name(NULL, 0), "?") == 0);
    connc_model_close(NULL);
}
