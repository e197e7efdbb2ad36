/* synth_volume_fit.c: the whole-volume model fitted to a reference column
 * (see synth_volume.h). */
#define _POSIX_C_SOURCE 200809L
#include "synth_volume.h"
#include "cells.h"
#include "error.h"
#include "synapses.h"
#include "synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void volume_model_free(volume_model *m)
{
    for (size_t t = 0; m->types && t < m->ntypes; t++) free(m->types[t].name);
    free(m->types);
    free(m->target);
    free(m->mult);
    memset(m, 0, sizeof *m);
}

/* Log-normal fit of the degrees of type t's cells that have any, and the
 * share that have none (x: scratch, one per cell). */
static void fit_degrees(const cell_table *c, uint32_t t, const uint64_t *degree, double *x, double *mu, double *sigma,
                        double *zero)
{
    size_t n = 0, cells = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->type[i] != t) continue;
        cells++;
        if (degree[i]) x[n++] = (double)degree[i];
    }
    *mu = *sigma = 0;
    if (n) synth_fit_lognormal(x, n, mu, sigma);
    *zero = cells ? (double)(cells - n) / (double)cells : 1;
}

/* Per type: share of the cells, degree fits, where its synapses go. */
static int fit_types(const cell_table *c, const synapse_list *s, volume_model *m)
{
    size_t T = c->ntypes;
    uint64_t *out = calloc(c->n, sizeof *out), *in = calloc(c->n, sizeof *in);
    double *x = malloc(c->n * sizeof *x);
    int rc = CONNC_OK;
    m->types = calloc(T, sizeof *m->types);
    m->target = calloc(T * T, sizeof *m->target);
    if (!out || !in || !x || !m->types || !m->target) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory");
        goto done;
    }
    m->ntypes = T;
    for (size_t k = 0; k < s->n; k++) {
        out[s->pre[k]]++;
        in[s->post[k]]++;
        m->target[c->type[s->pre[k]] * T + c->type[s->post[k]]]++;
    }
    for (size_t i = 0; i < c->n; i++) m->types[c->type[i]].share++;
    for (size_t t = 0; t < T; t++) {
        volume_type *y = &m->types[t];
        y->share /= (double)c->n;
        if (!(y->name = strdup(c->types[t]))) {
            rc = err_set(CONNC_ERR_NOMEM, "out of memory");
            goto done;
        }
        fit_degrees(c, (uint32_t)t, out, x, &y->out_mu, &y->out_sigma, &y->out_zero);
        fit_degrees(c, (uint32_t)t, in, x, &y->in_mu, &y->in_sigma, &y->in_zero);
        double row = 0;
        for (size_t b = 0; b < T; b++) row += m->target[t * T + b];
        for (size_t b = 0; b < T && row > 0; b++) m->target[t * T + b] /= row;
    }
done:
    free(out);
    free(in);
    free(x);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The distribution of synapses per connection: (pre, post) pairs sorted,
 * runs counted. */
static int fit_connections(const synapse_list *s, volume_model *m)
{
    uint64_t *pair = malloc((s->n ? s->n : 1) * sizeof *pair);
    m->mult = calloc(VOLUME_MAX_SYNAPSES_PER_CONNECTION, sizeof *m->mult);
    if (!pair || !m->mult) {
        free(pair);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < s->n; k++) pair[k] = (uint64_t)(uint32_t)s->pre[k] << 32 | (uint32_t)s->post[k];
    qsort(pair, s->n, sizeof *pair, cmp_u64);
    for (size_t i = 0, j; i < s->n; i = j) {
        for (j = i + 1; j < s->n && pair[j] == pair[i];) j++;
        size_t k = j - i < VOLUME_MAX_SYNAPSES_PER_CONNECTION ? j - i : VOLUME_MAX_SYNAPSES_PER_CONNECTION;
        m->mult[k - 1]++;
        m->ref_connections++;
        if (k > m->nmult) m->nmult = k;
    }
    for (size_t k = 0; k < m->nmult; k++) m->mult[k] /= (double)m->ref_connections;
    free(pair);
    return CONNC_OK;
}

static int fit_sizes(const synapse_list *s, const char *path, volume_model *m)
{
    double *x = malloc((s->n ? s->n : 1) * sizeof *x);
    if (!x) return err_set(CONNC_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->size[k] > 0) x[n++] = s->size[k];
    if (n) synth_fit_lognormal(x, n, &m->size_mu, &m->size_sigma);
    free(x);
    return n ? CONNC_OK : err_set(CONNC_ERR_FORMAT, "%s: no synapse with a size > 0 to fit sizes to", path);
}

/* dir/synapses.csv.gz, else dir/synapses.csv. */
static void synapses_path(const char *dir, char *path, size_t cap)
{
    struct stat st;
    snprintf(path, cap, "%s/synapses.csv.gz", dir);
    if (stat(path, &st) != 0) snprintf(path, cap, "%s/synapses.csv", dir);
}

int volume_fit(const char *dir, volume_model *m)
{
    char cells_path[4096], syn_path[4096];
    cell_table c;
    synapse_list s;
    int rc;
    memset(m, 0, sizeof *m);
    memset(&c, 0, sizeof c);
    memset(&s, 0, sizeof s);
    snprintf(cells_path, sizeof cells_path, "%s/cells.csv", dir);
    synapses_path(dir, syn_path, sizeof syn_path);
    CHECK(cells_read(cells_path, &c));
    CHECK(synapses_read(syn_path, &c, 1, &s));
    if (c.n == 0 || s.n == 0 || !s.size) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: a reference column needs cells, and synapses with sizes", syn_path);
        goto fail;
    }
    m->ref_cells = c.n;
    m->ref_synapses = s.n;
    CHECK(fit_types(&c, &s, m));
    CHECK(fit_connections(&s, m));
    CHECK(fit_sizes(&s, syn_path, m));
fail:
    synapses_free(&s);
    cells_free(&c);
    if (rc < 0) volume_model_free(m);
    return rc;
}
