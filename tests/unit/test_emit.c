/* test_emit.c: IR -> network description (compiler/emit.c, schemas/network.md). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tiny.h"
#include "connc.h"
#include "container.h"
#include "emit.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void opts(emit_options *o)
{
    memset(o, 0, sizeof *o);
    o->model = "bionic";
}

/* Emits the tiny IR with o and opens the result (NULL on failure). */
static connc_file *emit_tiny(const emit_options *o, const char *name, cJSON **meta)
{
    ir x;
    connc_file *f = NULL;
    *meta = NULL;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return NULL;
    int rc = emit_network(&x, o, tmp_path(name));
    ir_free(&x);
    EXPECT_EQ_INT(rc, 0);
    if (rc) { fprintf(stderr, "    %s\n", connc_errmsg()); return NULL; }
    EXPECT_EQ_INT(connc_file_open(tmp_path(name), &f), 0);
    if (f) *meta = cJSON_Parse(connc_file_metadata(f));
    EXPECT(!f || *meta != NULL);
    return f;
}

static const char *sget(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double nget(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* The op kinds (and names, where given) in order, as "kind:name kind ...". */
static void op_list(const cJSON *meta, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(meta, "ops")) {
        const char *kind = sget(op, "op"), *name = sget(op, "name");
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s%s%s", n ? " " : "", kind ? kind : "?",
                              name ? ":" : "", name ? name : "");
    }
}

TEST(emit_ops_in_bionic_order)
{
    emit_options o;
    opts(&o);
    cJSON *m;
    connc_file *f = emit_tiny(&o, "ops.cnet", &m);
    if (!f) return;
    EXPECT(strcmp(connc_file_kind(f), "network") == 0);
    EXPECT(strcmp(sget(m, "schema"), "connc-net/2") == 0);
    EXPECT(strcmp(sget(m, "model"), "bionic") == 0);
    EXPECT_EQ_INT(nget(m, "classes"), 7);
    char ops[2048];
    op_list(m, ops, sizeof ops);
    /* BIONIC.md §2: conv stage, attention, flatten/LayerNorm/projection, layers A-D, classifier */
    const char *want = "conv2d:conv1 lateral_inhibition:lateral relu maxpool2d conv2d:conv2 relu maxpool2d "
                       "channel_attention:channel_attention spatial_attention:spatial_attention "
                       "flatten layer_norm:input_norm linear:input_projection relu "
                       "bio_layer:A bio_layer:B bio_layer:C bio_layer:D "
                       "layer_norm:classifier_norm linear:classifier";
    if (strcmp(ops, want) != 0) {
        char msg[4200];
        snprintf(msg, sizeof msg, "ops '%s' to be '%s'", ops, want);
        harness_fail(__FILE__, __LINE__, msg);
    }
    /* shapes the paper gives */
    const cJSON *opl = cJSON_GetObjectItemCaseSensitive(m, "ops");
    const cJSON *pool2 = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opl, 6), "out");
    EXPECT(cJSON_GetArraySize(pool2) == 3 && cJSON_GetArrayItem(pool2, 0)->valuedouble == 16 &&
           cJSON_GetArrayItem(pool2, 2)->valuedouble == 12); /* 16x12x12 */
    EXPECT_EQ_INT(nget(cJSON_GetArrayItem(opl, 11), "in"), 2304);
    EXPECT_EQ_INT(nget(cJSON_GetArrayItem(opl, 11), "out"), 2);  /* n_A */
    EXPECT_EQ_INT(nget(cJSON_GetArrayItem(opl, 7), "hidden"), 2);
    EXPECT_EQ_INT(nget(cJSON_GetArrayItem(opl, 18), "in"), 1);   /* n_D */
    EXPECT_EQ_INT(nget(cJSON_GetArrayItem(opl, 18), "out"), 7);
    const cJSON *D = cJSON_GetArrayItem(opl, 16);
    EXPECT(strcmp(sget(D, "from"), "C") == 0);
    EXPECT_EQ_INT(nget(D, "in"), 2);
    EXPECT_EQ_INT(nget(D, "size"), 1);
    EXPECT(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(opl, 13), "inter_mask") == NULL); /* layer A */
    cJSON_Delete(m);
    connc_file_close(f);
}

/* Every array an op names is in the file, with the IR's content. */
TEST(emit_references_resolve)
{
    emit_options o;
    opts(&o);
    cJSON *m;
    connc_file *f = emit_tiny(&o, "refs.cnet", &m);
    if (!f) return;
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    int refs = 0;
    const cJSON *op;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(m, "ops")) {
        if (strcmp(sget(op, "op"), "bio_layer") != 0) continue;
        const char *name = sget(op, "name");
        size_t l = 0;
        while (l < x.nlayers && strcmp(x.layers[l].name, name) != 0) l++;
        EXPECT(l < x.nlayers);
        if (l == x.nlayers) continue;
        const ir_layer *y = &x.layers[l];
        static const char *keys[] = {"inter_mask", "intra_mask"};
        for (int k = 0; k < 2; k++) {
            const char *prefix = sget(op, keys[k]);
            EXPECT((prefix != NULL) == (k == 1 || l > 0));
            if (!prefix) continue;
            const ir_pattern *p = k == 0 ? &y->inter : &y->intra;
            char an[128];
            connc_array a;
            snprintf(an, sizeof an, "%s/indptr", prefix);
            EXPECT_EQ_INT(container_expect(f, an, CONNC_I64, 1, &a), 0);
            EXPECT(a.shape[0] == (uint64_t)p->nrows + 1 && memcmp(a.data, p->indptr, a.nbytes) == 0);
            snprintf(an, sizeof an, "%s/indices", prefix);
            EXPECT_EQ_INT(container_expect(f, an, CONNC_I32, 1, &a), 0);
            EXPECT(a.shape[0] == (uint64_t)p->nnz && (a.nbytes == 0 || memcmp(a.data, p->indices, a.nbytes) == 0));
            refs++;
        }
        const char *inh = sget(op, "inhibition");
        EXPECT(inh != NULL);
        connc_array a;
        if (inh) {
            EXPECT_EQ_INT(container_expect(f, inh, CONNC_I32, 1, &a), 0);
            EXPECT(a.shape[0] == (uint64_t)y->size && memcmp(a.data, y->inhibition, a.nbytes) == 0);
            refs++;
        }
    }
    EXPECT_EQ_INT(refs, 3 + 4 + 4); /* 3 inter masks, 4 intra masks, 4 inhibition vectors */
    /* nothing else is stored: 7 masks x 2 arrays + 4 vectors */
    EXPECT_EQ_INT(connc_file_array_count(f), 18);
    ir_free(&x);
    cJSON_Delete(m);
    connc_file_close(f);
}

TEST(emit_switches_and_overrides)
{
    emit_options o;
    opts(&o);
    cJSON *m;
    connc_file *f = emit_tiny(&o, "sw.cnet", &m);
    if (!f) return;
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(m, "switches"), *s;
    int n = 0, on = 0;
    cJSON_ArrayForEach(s, sw) { n++; on += cJSON_IsTrue(s); }
    EXPECT_EQ_INT(n, 21);  /* one per ablation row of BIONIC.md §4, then BIO_LAYERS.md §2 */
    EXPECT_EQ_INT(on, 14); /* the mechanisms of BIO_LAYERS.md are off by default */
    EXPECT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sw, "fuzzy_lr")));
    EXPECT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sw, "dale")));
    EXPECT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sw, "weight_splitting")));
    const cJSON *hp = cJSON_GetObjectItemCaseSensitive(m, "hyperparameters");
    EXPECT_NEAR(nget(hp, "lr"), 6e-4, 1e-15);
    EXPECT_NEAR(nget(hp, "weight_decay"), 1e-4, 1e-15);
    EXPECT_NEAR(nget(hp, "noise_std"), 0.06, 1e-15);
    EXPECT_NEAR(nget(hp, "homeo_target"), 0.35, 1e-15);
    EXPECT_EQ_INT(nget(hp, "batch_size"), 32);
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(m, "compiled_from");
    EXPECT(sget(from, "cells_sha256") && strlen(sget(from, "cells_sha256")) == 64);
    EXPECT_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "layers")), 4);
    EXPECT_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "projections")), 7);
    cJSON_Delete(m);
    connc_file_close(f);

    opts(&o);
    o.sw[o.nswitch++] = (emit_switch){"masks", 0};
    o.sw[o.nswitch++] = (emit_switch){"attention", 0};
    o.set[o.nset++] = "lr=0.001";
    o.set[o.nset++] = "batch_size=64";
    f = emit_tiny(&o, "sw2.cnet", &m);
    if (!f) return;
    sw = cJSON_GetObjectItemCaseSensitive(m, "switches");
    EXPECT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sw, "masks")));
    EXPECT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sw, "attention")));
    EXPECT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sw, "intra")));
    hp = cJSON_GetObjectItemCaseSensitive(m, "hyperparameters");
    EXPECT_NEAR(nget(hp, "lr"), 0.001, 1e-15);
    EXPECT_EQ_INT(nget(hp, "batch_size"), 64);
    EXPECT_NEAR(nget(hp, "beta2"), 0.999, 1e-15);
    char ops[2048];
    op_list(m, ops, sizeof ops);
    EXPECT(strstr(ops, "attention") == NULL);
    /* masks off: dense projections, no mask references */
    const cJSON *op;
    int masks = 0;
    cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(m, "ops"))
        masks += cJSON_GetObjectItemCaseSensitive(op, "inter_mask") != NULL || cJSON_GetObjectItemCaseSensitive(op, "intra_mask") != NULL;
    EXPECT_EQ_INT(masks, 0);
    cJSON_Delete(m);
    connc_file_close(f);
}

TEST(emit_option_errors)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return;
    const char *p = tmp_path("err.cnet");
    emit_options o;
    opts(&o);
    o.set[o.nset++] = "learning_rate=1";
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--set 'learning_rate=1': unknown hyperparameter");
    opts(&o);
    o.set[o.nset++] = "lr";
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--set 'lr'");
    opts(&o);
    o.set[o.nset++] = "lr=fast";
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--set 'lr=fast': value is not a number");
    opts(&o);
    o.set[o.nset++] = "lr=";
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "value is not a number");
    opts(&o);
    o.set[o.nset++] = "lr=nan";
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--set 'lr=nan'");
    opts(&o);
    o.sw[o.nswitch++] = (emit_switch){"dropout", 0};
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--off 'dropout': unknown switch");
    opts(&o);
    o.sw[o.nswitch++] = (emit_switch){"wings", 1};
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--on 'wings': unknown switch");
    opts(&o);
    o.model = "resnet";
    EXPECT_ERR(emit_network(&x, &o, p), CONNC_ERR_USAGE, "--model 'resnet': unknown model");
    FILE *f = fopen(p, "rb");
    EXPECT(f == NULL); /* no output from a failed emit */
    if (f) fclose(f);
    ir_free(&x);
}

/* The trainable parameters of the tiny network, counted by hand from its
 * shapes: n_A = n_B = n_C = 2, n_D = 1; mask nnz A intra 2, B inter 3,
 * B intra 2, C inter 2, C intra 1, D inter 2, D intra 0. */
TEST(emit_parameter_count)
{
    const long conv = (1 * 8 * 9 + 8) + (8 * 16 * 9 + 16);           /* conv1, conv2 = 1248 */
    const long attention = (16 * 2 + 2) + (2 * 16 + 16) + (16 * 9 + 1); /* MLP 16-2-16, 3x3 conv 16->1 = 227 */
    const long input = 2 * 2304 + (2304 * 2 + 2);                     /* LayerNorm(2304), 2304 -> n_A */
    /* per layer: inter (W*M nnz + bias), intra (U*N nnz + bias), a_k, LayerNorm(n_k) */
    const long A = (2 + 2) + 1 + 2 * 2;
    const long B = (3 + 2) + (2 + 2) + 1 + 2 * 2;
    const long C = (2 + 2) + (1 + 2) + 1 + 2 * 2;
    const long D = (2 + 1) + (0 + 1) + 1 + 2 * 1;
    const long classifier = 2 * 1 + (1 * 7 + 7);
    const long full = conv + attention + input + A + B + C + D + classifier;
    EXPECT_EQ_INT(full, 10751);

    emit_options o;
    opts(&o);
    cJSON *m;
    connc_file *f = emit_tiny(&o, "params.cnet", &m);
    if (f) EXPECT_EQ_INT(nget(m, "parameters"), full);
    cJSON_Delete(m);
    connc_file_close(f);

    /* masks off: every inter/intra weight matrix is dense */
    const long dense = conv + attention + input + ((2 * 2 + 2) + 1 + 4) + ((2 * 2 + 2) + (2 * 2 + 2) + 1 + 4) +
                       ((2 * 2 + 2) + (2 * 2 + 2) + 1 + 4) + ((1 * 2 + 1) + (1 * 1 + 1) + 1 + 2) + classifier;
    opts(&o);
    o.sw[o.nswitch++] = (emit_switch){"masks", 0};
    f = emit_tiny(&o, "params-dense.cnet", &m);
    if (f) EXPECT_EQ_INT(nget(m, "parameters"), dense);
    cJSON_Delete(m);
    connc_file_close(f);

    /* intra and inhibition off: no U_k, c_k or a_k */
    opts(&o);
    o.sw[o.nswitch++] = (emit_switch){"intra", 0};
    o.sw[o.nswitch++] = (emit_switch){"inhibition", 0};
    f = emit_tiny(&o, "params-nointra.cnet", &m);
    if (f) EXPECT_EQ_INT(nget(m, "parameters"), full - (2 + 2) - (2 + 2) - (1 + 2) - (0 + 1) - 4);
    cJSON_Delete(m);
    connc_file_close(f);

    /* no LayerNorm: 2 x (2304 + 2 + 2 + 2 + 1 + 1) affine parameters fewer */
    opts(&o);
    o.sw[o.nswitch++] = (emit_switch){"layer_norm", 0};
    f = emit_tiny(&o, "params-noln.cnet", &m);
    if (f) EXPECT_EQ_INT(nget(m, "parameters"), full - 2 * (2304 + 2 + 2 + 2 + 1 + 1));
    cJSON_Delete(m);
    connc_file_close(f);
}

TEST(emit_deterministic)
{
    emit_options o;
    opts(&o);
    o.set[o.nset++] = "noise_std=0.1";
    cJSON *m1, *m2;
    connc_file *a = emit_tiny(&o, "det1.cnet", &m1), *b = emit_tiny(&o, "det2.cnet", &m2);
    if (a && b) {
        EXPECT(strcmp(connc_file_metadata(a), connc_file_metadata(b)) == 0);
        EXPECT_EQ_INT(connc_file_array_count(a), connc_file_array_count(b));
    }
    cJSON_Delete(m1);
    cJSON_Delete(m2);
    connc_file_close(a);
    connc_file_close(b);
}
