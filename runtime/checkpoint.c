/* checkpoint.c: the whole training state in one container file (kind
 * checkpoint), written atomically, so --resume continues bit-for-bit.
 * Doubles go through JSON with 17 significant digits (cJSON round-trips
 * them exactly); arrays hold weights, Adam moments, the best weights, the
 * RNG state and the Hebbian activity averages. */
#define _POSIX_C_SOURCE 200809L
#include "bio_neuron_op.h"
#include "container.h"
#include "error.h"
#include "sha256.h"
#include "trainer.h"

#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CKPT_SCHEMA "connc-ckpt/1"

static void net_digest(const network *net, char hex[65])
{
    sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, net->meta, strlen(net->meta));
    sha256_final_hex(&h, hex);
}

static long favg_total(const network *net)
{
    long n = 0;
    for (int i = 0; i < net->nops; i++)
        if (net->ops[i].bio) n += net->ops[i].bio->size;
    return n;
}

/* Copies every bio layer's f_avg into (to_flat) or out of one flat array. */
static void favg_copy(const network *net, real *flat, int to_flat)
{
    long at = 0;
    for (int i = 0; i < net->nops; i++) {
        bio_state *b = net->ops[i].bio;
        if (!b) continue;
        if (to_flat) memcpy(flat + at, b->f_avg, (size_t)b->size * sizeof(real));
        else memcpy(b->f_avg, flat + at, (size_t)b->size * sizeof(real));
        at += b->size;
    }
}

/* One row per epoch: the 7 numbers of the log line, then the 4 of the
 * mechanisms' activity (rows of 7 from before those are still read). */
#define HISTORY_COLS 11

static cJSON *history_json(const run_metrics *m)
{
    cJSON *arr = cJSON_CreateArray();
    for (int e = 0; e < m->nepochs; e++) {
        const epoch_record *r = &m->epochs[e];
        double v[HISTORY_COLS] = {r->epoch,   r->train_loss,  r->train_accuracy, r->val_loss,
                                  r->val_accuracy, r->lr, r->seconds, r->rejuvenated,
                                  r->damped,  r->zeroed,      r->crystallised};
        cJSON_AddItemToArray(arr, cJSON_CreateDoubleArray(v, HISTORY_COLS));
    }
    return arr;
}

static cJSON *state_json(const trainer *t, const char *digest)
{
    const train_state *s = &t->st;
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "schema", CKPT_SCHEMA);
    cJSON_AddStringToObject(m, "network_sha256", digest);
    cJSON_AddStringToObject(m, "data_sha256", t->data.source_sha256);
    cJSON_AddNumberToObject(m, "seed", (double)t->opt.seed);
    cJSON_AddNumberToObject(m, "threads", t->opt.threads);
    cJSON_AddStringToObject(m, "ablate", t->opt.ablate ? t->opt.ablate : "");
    cJSON_AddNumberToObject(m, "limit_train", (double)t->opt.limit_train);
    cJSON_AddNumberToObject(m, "epochs_done", s->epoch);
    cJSON_AddNumberToObject(m, "adam_t", (double)s->adam.t);
    cJSON_AddNumberToObject(m, "lr", s->adam.lr);
    if (isfinite(s->plateau.best)) cJSON_AddNumberToObject(m, "plateau_best", s->plateau.best);
    else cJSON_AddNullToObject(m, "plateau_best");
    cJSON_AddNumberToObject(m, "plateau_bad_epochs", s->plateau.bad_epochs);
    cJSON_AddNumberToObject(m, "best_epoch", s->best_epoch);
    cJSON_AddNumberToObject(m, "since_best", s->since_best);
    cJSON_AddNumberToObject(m, "best_val_accuracy", s->best_val_accuracy);
    /* what the weights expect of their input, for users of the run without its data (connc_model_open) */
    cJSON_AddNumberToObject(m, "pixel_mean", t->mean);
    cJSON_AddNumberToObject(m, "pixel_std", t->std);
    cJSON_AddItemToObject(m, "history", history_json(&t->metrics));
    return m;
}

/* The BCM state (network.h): the scales, and per unit of each projection in
 * order its saturation epoch and <y^2>, packed into sat and sq (total rows
 * each, living until container_write). */
static long bcm_rows(const network *net)
{
    long n = 0;
    for (int i = 0; i < net->mech.nbcm; i++) n += net->mech.bcm[i].rows;
    return n;
}

static int add_bcm(container_writer *w, const network *net, connc_dtype dt, int32_t *sat, real *sq)
{
    const mechanisms *m = &net->mech;
    if (!m->lr_scale) return CONNC_OK;
    uint64_t P = (uint64_t)net->P, R = (uint64_t)bcm_rows(net);
    for (int i = 0, at = 0; i < m->nbcm; at += m->bcm[i].rows, i++) {
        memcpy(sat + at, m->bcm[i].saturated_at, (size_t)m->bcm[i].rows * sizeof *sat);
        memcpy(sq + at, m->bcm[i].sq_avg, (size_t)m->bcm[i].rows * sizeof *sq);
    }
    TRY(container_add(w, "bcm_scale", dt, 1, &P, m->lr_scale));
    TRY(container_add(w, "bcm_saturated_at", CONNC_I32, 1, &R, sat));
    return container_add(w, "bcm_sq_avg", dt, 1, &R, sq);
}

/* The synaptic-diversity state (network.h): fuzzy factors, and Dale's
 * signs as 1 (excitatory) / 0 (inhibitory) in exc (nsign bytes, which must
 * live until container_write). */
static int add_mechanisms(container_writer *w, const network *net, connc_dtype dt, uint8_t *exc)
{
    const mechanisms *m = &net->mech;
    uint64_t P = (uint64_t)net->P, S = (uint64_t)m->nsign;
    if (m->factor) TRY(container_add(w, "fuzzy_factor", dt, 1, &P, m->factor));
    if (!m->sign) return CONNC_OK;
    for (uint64_t i = 0; i < S; i++) exc[i] = m->sign[i] > 0;
    return container_add(w, "dale_excitatory", CONNC_U8, 1, &S, exc);
}

int checkpoint_save(const trainer *t, const char *path)
{
    const network *net = &t->net;
    char digest[65];
    net_digest(net, digest);
    cJSON *m = state_json(t, digest);
    bln_save_meta(net, m);
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    long nf = favg_total(net);
    real *favg = malloc((size_t)(nf ? nf : 1) * sizeof *favg);
    uint8_t *exc = malloc((size_t)(net->mech.nsign ? net->mech.nsign : 1));
    size_t rows = (size_t)bcm_rows(net) + 1;
    int32_t *sat = malloc(rows * sizeof *sat);
    real *sq = malloc(rows * sizeof *sq);
    container_writer *w = container_writer_new(CONTAINER_CHECKPOINT);
    int rc = (text && favg && exc && sat && sq && w) ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory writing %s", path);
    if (rc < 0) goto done;
    favg_copy(net, favg, 1);
    uint64_t P = (uint64_t)net->P, four = 4, F = (uint64_t)nf;
    connc_dtype dt = sizeof(real) == 4 ? CONNC_F32 : CONNC_F64;
    CHECK(container_set_metadata(w, text));
    CHECK(container_add(w, "param", dt, 1, &P, net->param));
    CHECK(container_add(w, "adam_m", dt, 1, &P, net->adam_m));
    CHECK(container_add(w, "adam_v", dt, 1, &P, net->adam_v));
    CHECK(container_add(w, "best_param", dt, 1, &P, t->st.best_param));
    CHECK(container_add(w, "rng", CONNC_U64, 1, &four, t->st.rng.s));
    CHECK(container_add(w, "f_avg", dt, 1, &F, favg));
    CHECK(add_mechanisms(w, net, dt, exc));
    CHECK(add_bcm(w, net, dt, sat, sq));
    CHECK(bln_save_arrays(w, net));
    rc = container_write(w, path);
fail:
done:
    container_writer_free(w);
    free(sat);
    free(sq);
    free(exc);
    free(favg);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ loading */

static int load_array(connc_file *f, const char *name, void *dst, uint64_t n)
{
    connc_dtype dt = sizeof(real) == 4 ? CONNC_F32 : CONNC_F64;
    return container_read(f, name, strcmp(name, "rng") ? dt : CONNC_U64, dst, n);
}

static int load_bcm(connc_file *f, network *net)
{
    mechanisms *m = &net->mech;
    if (!m->lr_scale) return CONNC_OK;
    uint64_t R = (uint64_t)bcm_rows(net);
    connc_array a;
    TRY(load_array(f, "bcm_scale", m->lr_scale, (uint64_t)net->P));
    TRY(container_expect(f, "bcm_saturated_at", CONNC_I32, 1, &a));
    if (a.shape[0] != R)
        return err_set(CONNC_ERR_CORRUPT, "%s: array 'bcm_saturated_at' does not fit the network", connc_file_path(f));
    const int32_t *sat = a.data;
    real *sq = malloc((size_t)(R ? R : 1) * sizeof *sq);
    if (!sq) return err_set(CONNC_ERR_NOMEM, "out of memory");
    int rc = load_array(f, "bcm_sq_avg", sq, R);
    for (int i = 0, at = 0; rc == CONNC_OK && i < m->nbcm; at += m->bcm[i].rows, i++) {
        memcpy(m->bcm[i].saturated_at, sat + at, (size_t)m->bcm[i].rows * sizeof *sat);
        memcpy(m->bcm[i].sq_avg, sq + at, (size_t)m->bcm[i].rows * sizeof *sq);
    }
    free(sq);
    return rc;
}

static int load_mechanisms(connc_file *f, network *net)
{
    mechanisms *m = &net->mech;
    TRY(load_bcm(f, net));
    if (m->factor) TRY(load_array(f, "fuzzy_factor", m->factor, (uint64_t)net->P));
    if (!m->sign) return CONNC_OK;
    connc_array a;
    TRY(container_expect(f, "dale_excitatory", CONNC_U8, 1, &a));
    if (a.shape[0] != (uint64_t)m->nsign)
        return err_set(CONNC_ERR_CORRUPT, "%s: array 'dale_excitatory' does not fit the network", connc_file_path(f));
    const uint8_t *e = a.data;
    for (long i = 0; i < m->nsign; i++) m->sign[i] = e[i] ? 1 : -1;
    return CONNC_OK;
}

/* A metadata number, or fallback when absent (or the metadata damaged). */
static double jnum(const cJSON *m, const char *k, double fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, k);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}

static int load_history(trainer *t, const cJSON *hist)
{
    run_metrics *r = &t->metrics;
    r->nepochs = 0;
    const cJSON *row;
    cJSON_ArrayForEach(row, hist) {
        int cols = cJSON_GetArraySize(row);
        if ((cols != 7 && cols != HISTORY_COLS) || r->nepochs == METRICS_MAX_EPOCHS)
            return err_set(CONNC_ERR_CORRUPT, "checkpoint history");
        double v[HISTORY_COLS] = {0};
        for (int k = 0; k < cols; k++) v[k] = cJSON_GetArrayItem(row, k)->valuedouble;
        r->epochs[r->nepochs++] = (epoch_record){(int)v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]};
    }
    return CONNC_OK;
}

/* Opens a checkpoint and parses its metadata (*m is NULL when the text is
 * damaged; check_run then refuses it). */
static int open_checkpoint(const char *path, connc_file **f, cJSON **m)
{
    *m = NULL;
    TRY(connc_file_open(path, f));
    if (strcmp(connc_file_kind(*f), "checkpoint") != 0) {
        connc_file_close(*f);
        *f = NULL;
        return err_set(CONNC_ERR_FORMAT, "%s: not a checkpoint", path);
    }
    *m = cJSON_Parse(connc_file_metadata(*f));
    return CONNC_OK;
}

/* The checkpoint was made by this schema, for net's description, with this
 * ablation list: its weights fit net. */
static int check_run(const network *net, const cJSON *m, const char *path, const char *ablate)
{
    char digest[65];
    net_digest(net, digest);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(m, "schema");
    const cJSON *nd = cJSON_GetObjectItemCaseSensitive(m, "network_sha256");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, CKPT_SCHEMA) != 0)
        return err_set(CONNC_ERR_VERSION, "%s: not a %s checkpoint", path, CKPT_SCHEMA);
    if (!cJSON_IsString(nd) || strcmp(nd->valuestring, digest) != 0)
        return err_set(CONNC_ERR_USAGE, "%s: the checkpoint belongs to another network description", path);
    const cJSON *ab = cJSON_GetObjectItemCaseSensitive(m, "ablate");
    if (!cJSON_IsString(ab) || strcmp(ab->valuestring, ablate ? ablate : "") != 0)
        return err_set(CONNC_ERR_USAGE, "%s: the run was started with --ablate '%s'; resume it with the same list", path,
                       cJSON_IsString(ab) ? ab->valuestring : "?");
    return CONNC_OK;
}

static int load_state(trainer *t, const cJSON *m, const char *path)
{
    TRY(check_run(&t->net, m, path, t->opt.ablate));
    train_state *s = &t->st;
    s->epoch = (int)jnum(m, "epochs_done", 0);
    s->adam.t = (long)jnum(m, "adam_t", 0);
    s->adam.lr = jnum(m, "lr", 0);
    const cJSON *pb = cJSON_GetObjectItemCaseSensitive(m, "plateau_best");
    s->plateau.best = cJSON_IsNumber(pb) ? pb->valuedouble : INFINITY;
    s->plateau.bad_epochs = (int)jnum(m, "plateau_bad_epochs", 0);
    s->best_epoch = (int)jnum(m, "best_epoch", 0);
    s->since_best = (int)jnum(m, "since_best", 0);
    s->best_val_accuracy = jnum(m, "best_val_accuracy", 0);
    return load_history(t, cJSON_GetObjectItemCaseSensitive(m, "history"));
}

int checkpoint_load(trainer *t, const char *path)
{
    connc_file *f = NULL;
    cJSON *m = NULL;
    network *net = &t->net;
    long nf = favg_total(net);
    real *favg = malloc((size_t)(nf ? nf : 1) * sizeof *favg);
    int rc = favg ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
    if (rc < 0) goto done;
    CHECK(open_checkpoint(path, &f, &m));
    CHECK(load_state(t, m, path));
    CHECK(load_array(f, "param", net->param, (uint64_t)net->P));
    CHECK(load_array(f, "adam_m", net->adam_m, (uint64_t)net->P));
    CHECK(load_array(f, "adam_v", net->adam_v, (uint64_t)net->P));
    CHECK(load_array(f, "best_param", t->st.best_param, (uint64_t)net->P));
    CHECK(load_array(f, "rng", t->st.rng.s, 4));
    CHECK(load_array(f, "f_avg", favg, (uint64_t)nf));
    favg_copy(net, favg, 0);
    CHECK(load_mechanisms(f, net));
    CHECK(bln_load(f, net, m));
fail:
done:
    cJSON_Delete(m);
    connc_file_close(f);
    free(favg);
    return rc;
}

int checkpoint_load_best(network *net, const char *path, const char *ablate, double pixel[2])
{
    connc_file *f;
    cJSON *m;
    TRY(open_checkpoint(path, &f, &m));
    int rc = check_run(net, m, path, ablate);
    if (rc == CONNC_OK) rc = load_array(f, "best_param", net->param, (uint64_t)net->P);
    pixel[0] = jnum(m, "pixel_mean", NAN);
    pixel[1] = jnum(m, "pixel_std", NAN);
    cJSON_Delete(m);
    connc_file_close(f);
    return rc;
}

int checkpoint_peek(const char *path, char *ablate, size_t cap, train_options *o)
{
    connc_file *f;
    cJSON *m;
    TRY(open_checkpoint(path, &f, &m));
    const cJSON *ab = cJSON_GetObjectItemCaseSensitive(m, "ablate");
    double seed = jnum(m, "seed", 0), limit = jnum(m, "limit_train", 0);
    int rc = CONNC_OK;
    /* ranges checked before the casts: a double beyond them is undefined behaviour */
    if (!cJSON_IsString(ab) || strlen(ab->valuestring) >= cap ||
        !(seed >= 0 && seed <= 9007199254740992.0) || !(limit >= 0 && limit <= 1073741824.0))
        rc = err_set(CONNC_ERR_FORMAT, "%s: not a connc checkpoint (or damaged run settings)", path);
    else {
        strcpy(ablate, ab->valuestring);
        o->ablate = ablate;
        o->seed = (uint64_t)seed;
        o->limit_train = (long)limit;
    }
    cJSON_Delete(m);
    connc_file_close(f);
    return rc;
}
