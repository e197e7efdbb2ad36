/* summary.c: print layers, projections, inhibition and provenance. */
#include "summary.h"

#include <cJSON.h>
#include <string.h>

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "?";
}

static void print_layers(FILE *out, const cJSON *layers)
{
    fprintf(out, "layers:\n  %-6s %7s  %-28s %12s %8s %8s\n", "name", "neurons", "cell types", "inh. total", "inh. max", "inh. >0");
    const cJSON *l;
    cJSON_ArrayForEach(l, layers) {
        char types[128] = "";
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(l, "cell_types")) {
            if (cJSON_IsString(t) && strlen(types) + strlen(t->valuestring) + 2 < sizeof types) {
                if (types[0]) strcat(types, ",");
                strcat(types, t->valuestring);
            }
        }
        const cJSON *inh = cJSON_GetObjectItemCaseSensitive(l, "inhibition");
        fprintf(out, "  %-6s %7.0f  %-28s %12.0f %8.0f %8.0f\n", str(l, "name"), num(l, "size"), types,
                num(inh, "total"), num(inh, "max"), num(inh, "nonzero"));
    }
}

static void print_projections(FILE *out, const cJSON *projections)
{
    /* a network description names each masked projection's kernel */
    int kernels = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(projections ? projections->child : NULL, "kernel"));
    fprintf(out, "projections (rows = post, cols = pre):\n  %-6s %-6s %-6s %11s %9s %9s %9s  %s\n", "from", "to", "kind",
            "shape", "nnz", "density", "synapses", kernels ? "kernel" : "");
    const cJSON *p;
    cJSON_ArrayForEach(p, projections) {
        char shape[32];
        snprintf(shape, sizeof shape, "%.0fx%.0f", num(p, "rows"), num(p, "cols"));
        fprintf(out, "  %-6s %-6s %-6s %11s %9.0f %9.4f %9.0f%s%s\n", str(p, "from"), str(p, "to"), str(p, "kind"), shape,
                num(p, "nnz"), num(p, "density"), num(p, "synapses"), kernels ? "  " : "", kernels ? str(p, "kernel") : "");
    }
}

/* Why each kernel: the description's threshold (compiler/emit.c kernel_of). */
static void print_kernel_rule(FILE *out, const cJSON *m)
{
    const cJSON *hp = cJSON_GetObjectItemCaseSensitive(m, "hyperparameters");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(hp, "dense_min_density");
    if (cJSON_IsNumber(t))
        fprintf(out, "kernel: dense GEMM where nnz >= %g x rows x cols (dense_min_density, measured by `connc bench`), "
                     "else CSR\n", t->valuedouble);
}

static void print_source(FILE *out, const cJSON *src)
{
    if (!cJSON_IsObject(src)) {
        fprintf(out, "source: not recorded\n");
        return;
    }
    fprintf(out, "source:");
    const cJSON *e;
    cJSON_ArrayForEach(e, src) {
        if (cJSON_IsString(e)) fprintf(out, " %s=%s", e->string, e->valuestring);
        else if (cJSON_IsNumber(e)) fprintf(out, " %s=%.17g", e->string, e->valuedouble);
        else if (cJSON_IsBool(e)) fprintf(out, " %s=%s", e->string, cJSON_IsTrue(e) ? "true" : "false");
    }
    fprintf(out, "\n");
}

/* A training checkpoint: where the run stands. */
static void print_checkpoint(FILE *out, const cJSON *m)
{
    const char *ablate = str(m, "ablate");
    fprintf(out, "checkpoint %s: %.0f epochs done, best epoch %.0f (validation accuracy %.4f), lr %.3g\n",
            str(m, "schema"), num(m, "epochs_done"), num(m, "best_epoch"), num(m, "best_val_accuracy"), num(m, "lr"));
    fprintf(out, "seed %.0f, %.0f thread(s), ablated: %s, data sha256 %s\n", num(m, "seed"), num(m, "threads"),
            ablate[0] ? ablate : "none", str(m, "data_sha256"));
}

void summary_print(FILE *out, const char *meta_json, const char *kind)
{
    cJSON *m = cJSON_Parse(meta_json);
    if (!m) {
        fprintf(out, "(metadata is not valid JSON)\n");
        return;
    }
    if (strcmp(kind, "checkpoint") == 0) {
        print_checkpoint(out, m);
        cJSON_Delete(m);
        return;
    }
    const cJSON *cells = cJSON_GetObjectItemCaseSensitive(m, "cells");
    const cJSON *syn = cJSON_GetObjectItemCaseSensitive(m, "synapses");
    fprintf(out, "%s %s (connc %s)\n", strcmp(kind, "ir") == 0 ? "IR" : "network", str(m, "schema"), str(m, "connc_version"));
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "model")))
        fprintf(out, "model: %s, %0.f trainable parameters (masked entries excluded)\n", str(m, "model"), num(m, "parameters"));
    print_source(out, cJSON_GetObjectItemCaseSensitive(m, "source"));
    if (cells)
        fprintf(out, "cells: %.0f (%.0f in layers, %.0f inhibitory); synapses: %.0f in the column, %.0f connections\n",
                num(cells, "count"), num(cells, "in_layers"), num(cells, "inhibitory"), num(syn, "in_column"), num(syn, "connections"));
    print_layers(out, cJSON_GetObjectItemCaseSensitive(m, "layers"));
    print_projections(out, cJSON_GetObjectItemCaseSensitive(m, "projections"));
    print_kernel_rule(out, m);
    cJSON_Delete(m);
}
