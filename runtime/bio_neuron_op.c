/* bio_neuron_op.c: see bio_neuron_op.h. */
#define _POSIX_C_SOURCE 200809L
#include "bio_neuron_op.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bln_open(net_op *op, int out, int window)
{
    bio_neuron_op *b = calloc(1, sizeof *b);
    if (!b) return err_set(CONNC_ERR_NOMEM, "out of memory");
    op->bln = b;
    b->s.out = out, b->s.window = window;
    b->s.calcium = malloc((size_t)out * sizeof(real));
    b->s.prev_calcium = malloc((size_t)out * sizeof(real));
    b->s.norm_hist = malloc((size_t)window * out * sizeof(real));
    b->s.health_hist = malloc((size_t)window * out * sizeof(real));
    if (!b->s.calcium || !b->s.prev_calcium || !b->s.norm_hist || !b->s.health_hist)
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    bio_neuron_reset(&b->s);
    return CONNC_OK;
}

void bln_free(bio_neuron_op *b)
{
    if (!b) return;
    free(b->s.calcium);
    free(b->s.prev_calcium);
    free(b->s.norm_hist);
    free(b->s.health_hist);
    free(b->monitor);
    free(b);
}

void bln_init(network *net, net_op *op)
{
    const real *V = net->param + op->pw;
    real *g = net->param + op->pw2;
    long in = op->in_n;
    for (int i = 0; i < op->c; i++) {
        double ss = 0;
        for (long k = 0; k < in; k++) ss += (double)V[i * in + k] * V[i * in + k];
        g[i] = (real)sqrt(ss);
    }
    bio_neuron_reset(&op->bln->s);
    op->bln->steps = 0;
}

/* Out of memory, the monitor stops growing (the plot says so); training goes on. */
static void record(bio_neuron_op *b, const bio_neuron_report *r)
{
    if (b->truncated) return;
    if (b->steps == b->cap) {
        long cap = b->cap ? 2 * b->cap : 4096;
        real *m = realloc(b->monitor, (size_t)cap * 4 * sizeof *m);
        if (!m) {
            b->truncated = 1;
            return;
        }
        b->monitor = m, b->cap = cap;
    }
    real *m = b->monitor + 4 * b->steps++;
    m[0] = (real)r->health, m[1] = (real)r->stability, m[2] = (real)r->calcium, m[3] = (real)r->repaired;
}

void bln_step_scales(network *net, double lr)
{
    if (!net->hp.bln_adaptive_lr || !net->mech.lr_scale) return;
    for (int i = 0; i < net->nops; i++) {
        const net_op *op = &net->ops[i];
        if (!op->bln) continue;
        /* before the first update there is no adaptive rate yet: the global one */
        real a = op->bln->s.updates ? (real)(op->bln->s.lr / lr) : 1;
        real *s = net->mech.lr_scale;
        for (long k = 0; k < (long)op->c * op->in_n; k++) s[op->pw + k] = a;
        for (int k = 0; k < op->c; k++) s[op->pw2 + k] = a, s[op->pb + k] = a;
    }
}

void bln_after_step(network *net, int B, rng_state *rng)
{
    for (int i = 0; i < net->nops; i++) {
        net_op *op = &net->ops[i];
        if (!op->bln) continue;
        bio_neuron_report r;
        bio_neuron_update(&op->bln->s, &net->hp.bln, net->param + op->pw, net->param + op->pw2, op->save1, op->out, B,
                          (int)op->in_n, rng, &r);
        record(op->bln, &r);
    }
}

/* ------------------------------------------------------------ checkpoints */

static int add(container_writer *w, const net_op *op, const char *what, uint64_t n, const real *data)
{
    char name[96];
    snprintf(name, sizeof name, "bln/%s/%s", op->name, what);
    return container_add(w, name, sizeof(real) == 4 ? CONNC_F32 : CONNC_F64, 1, &n, data);
}

int bln_save_arrays(container_writer *w, const network *net)
{
    for (int i = 0; i < net->nops; i++) {
        const net_op *op = &net->ops[i];
        if (!op->bln) continue;
        const bio_neuron_state *s = &op->bln->s;
        uint64_t out = (uint64_t)s->out, hist = (uint64_t)s->window * out;
        TRY(add(w, op, "calcium", out, s->calcium));
        TRY(add(w, op, "prev_calcium", out, s->prev_calcium));
        TRY(add(w, op, "norm_hist", hist, s->norm_hist));
        TRY(add(w, op, "health_hist", hist, s->health_hist));
        TRY(add(w, op, "monitor", 4 * (uint64_t)op->bln->steps, op->bln->monitor));
    }
    return CONNC_OK;
}

void bln_save_meta(const network *net, cJSON *meta)
{
    cJSON *all = NULL;
    for (int i = 0; i < net->nops; i++) {
        const net_op *op = &net->ops[i];
        if (!op->bln) continue;
        const bio_neuron_state *s = &op->bln->s;
        if (!all) all = cJSON_AddObjectToObject(meta, "bio_neuron");
        cJSON *o = cJSON_AddObjectToObject(all, op->name);
        cJSON_AddNumberToObject(o, "norm_len", s->norm_len);
        cJSON_AddNumberToObject(o, "health_len", s->health_len);
        cJSON_AddNumberToObject(o, "updates", (double)s->updates);
        cJSON_AddNumberToObject(o, "cooldown", s->cooldown);
        cJSON_AddNumberToObject(o, "repairs", (double)s->repairs);
        cJSON_AddNumberToObject(o, "lr", s->lr);
    }
}

static int load(connc_file *f, const net_op *op, const char *what, real *dst, uint64_t n)
{
    char name[96];
    snprintf(name, sizeof name, "bln/%s/%s", op->name, what);
    return container_read(f, name, sizeof(real) == 4 ? CONNC_F32 : CONNC_F64, dst, n);
}

/* A whole number in [lo, hi] from the checkpoint's metadata. */
static int counter(connc_file *f, const cJSON *o, const char *key, double lo, double hi, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) || v->valuedouble != floor(v->valuedouble))
        return err_set(CONNC_ERR_CORRUPT, "%s: bio_neuron state '%s' missing or out of range", connc_file_path(f), key);
    *out = v->valuedouble;
    return CONNC_OK;
}

static int load_op(connc_file *f, net_op *op, const cJSON *o)
{
    bio_neuron_state *s = &op->bln->s;
    double nl = 0, hl = 0, up = 0, cd = 0, rp = 0, steps;
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(o, "lr");
    TRY(counter(f, o, "norm_len", 0, s->window, &nl));
    TRY(counter(f, o, "health_len", 0, s->window, &hl));
    TRY(counter(f, o, "updates", 0, 9e15, &up));
    TRY(counter(f, o, "cooldown", 0, 1e9, &cd));
    TRY(counter(f, o, "repairs", 0, up, &rp));
    if (!cJSON_IsNumber(lr)) return err_set(CONNC_ERR_CORRUPT, "%s: bio_neuron state 'lr' missing", connc_file_path(f));
    connc_array m;
    char name[96];
    snprintf(name, sizeof name, "bln/%s/monitor", op->name);
    TRY(container_expect(f, name, sizeof(real) == 4 ? CONNC_F32 : CONNC_F64, 1, &m));
    if (m.shape[0] % 4) return err_set(CONNC_ERR_CORRUPT, "%s: array '%s' is not 4 values per step", connc_file_path(f), name);
    steps = (double)(m.shape[0] / 4);
    real *mon = steps > 0 ? malloc((size_t)m.nbytes) : NULL;
    if (steps > 0 && !mon) return err_set(CONNC_ERR_NOMEM, "out of memory");
    if (mon) memcpy(mon, m.data, (size_t)m.nbytes);
    free(op->bln->monitor);
    op->bln->monitor = mon, op->bln->cap = op->bln->steps = (long)steps;
    TRY(load(f, op, "calcium", s->calcium, (uint64_t)s->out));
    TRY(load(f, op, "prev_calcium", s->prev_calcium, (uint64_t)s->out));
    TRY(load(f, op, "norm_hist", s->norm_hist, (uint64_t)s->window * s->out));
    TRY(load(f, op, "health_hist", s->health_hist, (uint64_t)s->window * s->out));
    s->norm_len = (int)nl, s->health_len = (int)hl, s->updates = (long)up, s->cooldown = (int)cd, s->repairs = (long)rp;
    s->lr = lr->valuedouble;
    return CONNC_OK;
}

int bln_load(connc_file *f, network *net, const cJSON *meta)
{
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(meta, "bio_neuron");
    for (int i = 0; i < net->nops; i++) {
        net_op *op = &net->ops[i];
        if (!op->bln) continue;
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(all, op->name);
        if (!cJSON_IsObject(o)) return err_set(CONNC_ERR_CORRUPT, "%s: no bio_neuron state for '%s'", connc_file_path(f), op->name);
        TRY(load_op(f, op, o));
    }
    return CONNC_OK;
}
