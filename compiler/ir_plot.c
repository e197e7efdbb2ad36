/* ir_plot.c: see ir_plot.h.  Fixed pixel layouts: layer names are short
 * (the mapping's), numbers are formatted to a known width. */
#include "ir_plot.h"
#include "error.h"
#include "outfile.h"
#include "svg.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INK "#1f3b73"
#define ARROW "stroke=\"#555\" stroke-width=\"1.5\""

static int open_in(svg *s, const char *dir, const char *name, double w, double h)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return err_set(CONNC_ERR_USAGE, "%s: directory name too long", dir);
    return svg_open(s, path, w, h);
}

static double density(const ir_pattern *p)
{
    return p->nrows && p->ncols ? (double)p->nnz / ((double)p->nrows * (double)p->ncols) : 0;
}

static double mean_inhibition(const ir_layer *L)
{
    double sum = 0;
    for (int64_t c = 0; c < L->size; c++) sum += L->inhibition[c];
    return L->size ? sum / (double)L->size : 0;
}

/* ---- layers.svg ---- */

#define BOX_W 150.0
#define BOX_H 96.0
#define BOX_GAP 90.0
#define BOX_Y 96.0

/* An arrowhead at (x, y) pointing along (dx, dy) (a unit vector). */
static void arrowhead(svg *s, double x, double y, double dx, double dy)
{
    double px[3] = {x - 8 * dx - 4 * dy, x, x - 8 * dx + 4 * dy};
    double py[3] = {y - 8 * dy + 4 * dx, y, y - 8 * dy - 4 * dx};
    svg_polyline(s, px, py, 3, ARROW);
}

static void layer_box(svg *s, const ir_layer *L, double bx)
{
    svg_rect(s, bx, BOX_Y, BOX_W, BOX_H, "fill=\"#eef2f9\" stroke=\"" INK "\" stroke-width=\"1.5\" rx=\"6\"");
    svg_text(s, bx + BOX_W / 2, BOX_Y + 30, SVG_TITLE " text-anchor=\"middle\"", L->name);
    svg_textf(s, bx + BOX_W / 2, BOX_Y + 54, "text-anchor=\"middle\"", "%lld cells", (long long)L->size);
    svg_textf(s, bx + BOX_W / 2, BOX_Y + 74, "text-anchor=\"middle\" fill=\"#555\"", "mean inhibition %.1f",
              mean_inhibition(L));
}

/* The inter-layer mask into the box at bx, from the box to its left. */
static void inter_arrow(svg *s, const ir_pattern *p, double bx)
{
    double y = BOX_Y + BOX_H / 2, x0 = bx - BOX_GAP + 4, x1 = bx - 4;
    svg_line(s, x0, y, x1, y, ARROW);
    arrowhead(s, x1, y, 1, 0);
    svg_textf(s, (x0 + x1) / 2, y - 22, "text-anchor=\"middle\" font-size=\"11\"", "%lld", (long long)p->nnz);
    svg_textf(s, (x0 + x1) / 2, y - 8, "text-anchor=\"middle\" font-size=\"11\" fill=\"#555\"", "%.1f %%",
              100 * density(p));
}

/* The intra-layer mask: a loop below the box, back into it. */
static void intra_loop(svg *s, const ir_pattern *p, double bx)
{
    double top = BOX_Y + BOX_H + 2, bottom = top + 34, l = bx + BOX_W / 2 - 30, r = bx + BOX_W / 2 + 30;
    double px[4] = {l, l, r, r}, py[4] = {top, bottom, bottom, top + 2};
    svg_polyline(s, px, py, 4, ARROW);
    arrowhead(s, r, top + 2, 0, -1);
    svg_textf(s, bx + BOX_W / 2, bottom + 18, "text-anchor=\"middle\" font-size=\"11\"", "intra %lld (%.1f %%)",
              (long long)p->nnz, 100 * density(p));
}

static int plot_layers(const ir *x, const char *dir)
{
    svg s;
    double w = 40 + (double)x->nlayers * (BOX_W + BOX_GAP) - BOX_GAP + 40;
    TRY(open_in(&s, dir, "layers.svg", w < 480 ? 480 : w, 300));
    svg_text(&s, 40, 32, SVG_TITLE, "Layers and their masks");
    long in_layers = 0, inhibitory = 0;
    for (int64_t c = 0; c < x->ncells; c++) in_layers += x->layer[c] >= 0, inhibitory += x->inhibitory[c] != 0;
    svg_textf(&s, 40, 54, SVG_SUBTITLE, "%lld cells, %ld in layers, %ld inhibitory; arrows: inter-layer masks, "
              "loops: intra-layer masks (nonzeros, density)", (long long)x->ncells, in_layers, inhibitory);
    for (size_t l = 0; l < x->nlayers; l++) {
        const ir_layer *L = &x->layers[l];
        double bx = 40 + (double)l * (BOX_W + BOX_GAP);
        layer_box(&s, L, bx);
        if (l > 0 && L->inter.nrows > 0) inter_arrow(&s, &L->inter, bx);
        intra_loop(&s, &L->intra, bx);
    }
    return svg_close(&s);
}

/* ---- masks.svg ---- */

#define RASTER 240.0            /* pixels of a mask's longer side */
#define MAX_BLOCKS 96           /* blocks along a mask's longer side */
#define SHADES 8                /* opacity levels of a block */
#define PANEL_W 330.0
#define PANEL_H 330.0

/* Nonzeros per block of b x b entries, row-major over the block grid. */
static long *block_counts(const ir_pattern *p, int64_t b, int64_t brows, int64_t bcols)
{
    long *cnt = calloc((size_t)(brows * bcols), sizeof *cnt);
    if (!cnt) return NULL;
    for (int64_t r = 0; r < p->nrows; r++)
        for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++) cnt[(r / b) * bcols + p->indices[k] / b]++;
    return cnt;
}

/* Level 1..SHADES of a block's share of entries kept (0: empty); the square
 * root spreads the sparse end, where connectome masks live. */
static int shade(long count, double area, double top)
{
    if (count == 0) return 0;
    int level = (int)ceil(SHADES * sqrt((double)count / area / top));
    return level < 1 ? 1 : level > SHADES ? SHADES : level;
}

/* The raster: runs of equal shade along a block row are one rectangle. */
static int draw_raster(svg *s, const ir_pattern *p, double x0, double y0)
{
    int64_t side = p->nrows > p->ncols ? p->nrows : p->ncols;
    int64_t b = (side + MAX_BLOCKS - 1) / MAX_BLOCKS;
    int64_t brows = (p->nrows + b - 1) / b, bcols = (p->ncols + b - 1) / b;
    long *cnt = block_counts(p, b, brows, bcols);
    if (!cnt) return err_set(CONNC_ERR_NOMEM, "out of memory");
    double px = RASTER / (double)side * (double)b, top = 0;
    for (int64_t i = 0; i < brows * bcols; i++)
        if ((double)cnt[i] / (double)(b * b) > top) top = (double)cnt[i] / (double)(b * b);
    for (int64_t br = 0; br < brows; br++)
        for (int64_t bc = 0; bc < bcols;) {
            int level = shade(cnt[br * bcols + bc], (double)(b * b), top);
            int64_t end = bc + 1;
            while (end < bcols && shade(cnt[br * bcols + end], (double)(b * b), top) == level) end++;
            if (level > 0) {
                char attrs[64];
                snprintf(attrs, sizeof attrs, "fill=\"" INK "\" fill-opacity=\"%.3f\"", (double)level / SHADES);
                svg_rect(s, x0 + (double)bc * px, y0 + (double)br * px, (double)(end - bc) * px, px, attrs);
            }
            bc = end;
        }
    free(cnt);
    return CONNC_OK;
}

static int mask_panel(svg *s, const ir_pattern *p, const char *post, const char *pre, const char *kind,
                      double x0, double y0)
{
    int64_t side = p->nrows > p->ncols ? p->nrows : p->ncols;
    double w = RASTER * (double)p->ncols / (double)side, h = RASTER * (double)p->nrows / (double)side;
    double rx = x0 + 40, ry = y0 + 44;
    svg_textf(s, x0, y0 + 14, SVG_PANEL_TITLE, "%s.%s", post, kind);
    svg_textf(s, x0, y0 + 32, SVG_SUBTITLE, "%lld x %lld, %lld nonzeros (%.1f %%)", (long long)p->nrows,
              (long long)p->ncols, (long long)p->nnz, 100 * density(p));
    TRY(draw_raster(s, p, rx, ry));
    svg_rect(s, rx, ry, w, h, "fill=\"none\" stroke=\"#999\"");
    svg_textf(s, rx + w / 2, ry + h + 18, SVG_AXIS_TITLE " text-anchor=\"middle\"", "presynaptic: %s", pre);
    char label[64];
    snprintf(label, sizeof label, "postsynaptic: %s", post);
    svg_vtext(s, rx - 12, ry + h / 2, SVG_AXIS_TITLE, label);
    return CONNC_OK;
}

static int plot_masks(const ir *x, const char *dir)
{
    svg s;
    TRY(open_in(&s, dir, "masks.svg", 40 + 2 * PANEL_W, 80 + (double)x->nlayers * PANEL_H));
    svg_text(&s, 40, 32, SVG_TITLE, "Connectivity masks");
    svg_text(&s, 40, 54, SVG_SUBTITLE, "left: from the layer before (inter), right: within the layer (intra); "
             "darker = more entries kept");
    int rc = CONNC_OK;
    for (size_t l = 0; l < x->nlayers && rc == CONNC_OK; l++) {
        const ir_layer *L = &x->layers[l];
        double y0 = 80 + (double)l * PANEL_H;
        if (l > 0 && L->inter.nrows > 0)
            rc = mask_panel(&s, &L->inter, L->name, x->layers[l - 1].name, "inter", 30, y0);
        if (rc == CONNC_OK && L->intra.nrows > 0) rc = mask_panel(&s, &L->intra, L->name, L->name, "intra", 30 + PANEL_W, y0);
    }
    if (rc < 0) {
        svg_abort(&s);
        return rc;
    }
    return svg_close(&s);
}

/* ---- degrees.svg: histograms ---- */

#define BINS 30
#define HIST_W 280.0
#define HIST_H 200.0

typedef struct {
    const char *title, *xlabel;
} hist_spec;

/* The plot area of a HIST_W x HIST_H panel whose title sits at (x0, y0). */
static svg_plot panel_area(double x0, double y0, double xlo, double xhi, double yhi)
{
    return (svg_plot){.x = x0 + 50, .y = y0 + 16, .w = HIST_W - 60, .h = HIST_H - 60, .x0 = xlo, .x1 = xhi,
                      .y0 = 0, .y1 = yhi};
}

/* Axes with a tick step of whole numbers on y, and the x-axis title. */
static void panel_axes(svg *s, svg_plot *p, int xflags, const char *xlabel)
{
    svg_ticks xt, yt;
    svg_linear_ticks(&p->x0, &p->x1, 5, xflags, &xt);
    svg_linear_ticks(&p->y0, &p->y1, 4, SVG_TICKS_EXPAND | SVG_TICKS_INTEGER, &yt);
    svg_axes(s, p, &xt, &yt);
    svg_text(s, p->x + p->w / 2, p->y + p->h + 38, SVG_AXIS_TITLE " text-anchor=\"middle\"", xlabel);
}

/* BINS equal bins over the values' range; each bar's height its count. */
static void histogram(svg *s, const double *v, long n, const hist_spec *hs, double x0, double y0)
{
    svg_text(s, x0, y0, SVG_PANEL_TITLE, hs->title);
    if (n == 0) {
        svg_text(s, x0, y0 + 30, SVG_SUBTITLE, "nothing to show");
        return;
    }
    double lo = v[0], hi = v[0];
    for (long i = 1; i < n; i++) lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
    double width = hi > lo ? (hi - lo) / BINS : 1;
    long count[BINS] = {0}, top = 0;
    for (long i = 0; i < n; i++) {
        int k = (int)((v[i] - lo) / width);
        count[k < BINS ? k : BINS - 1]++;
    }
    for (int k = 0; k < BINS; k++) top = count[k] > top ? count[k] : top;
    svg_plot p = panel_area(x0, y0, lo, lo + BINS * width, (double)top);
    panel_axes(s, &p, 0, hs->xlabel);
    for (int k = 0; k < BINS; k++) {
        double a = svg_px(&p, lo + k * width), b = svg_px(&p, lo + (k + 1) * width), y = svg_py(&p, (double)count[k]);
        if (count[k]) svg_rect(s, a, y, b - a, p.y + p.h - y, "fill=\"" INK "\" fill-opacity=\"0.75\"");
    }
}

/* In-degree (stored entries per row), out-degree (per column), and the
 * log10 mean size of each connection's synapses. */
static void degree_values(const ir *x, double *in, double *out, double *size, long *nsize)
{
    const ir_pattern *a = &x->adj;
    for (int64_t c = 0; c < a->ncols; c++) out[c] = 0;
    *nsize = 0;
    for (int64_t r = 0; r < a->nrows; r++) {
        in[r] = (double)(a->indptr[r + 1] - a->indptr[r]);
        for (int64_t k = a->indptr[r]; k < a->indptr[r + 1]; k++) {
            out[a->indices[k]]++;
            if (x->size && x->count[k] > 0 && x->size[k] > 0) size[(*nsize)++] = log10(x->size[k] / x->count[k]);
        }
    }
}

static int plot_degrees(const ir *x, const char *dir)
{
    const ir_pattern *a = &x->adj;
    double *in = malloc((size_t)(a->nrows + 1) * sizeof *in), *out = malloc((size_t)(a->ncols + 1) * sizeof *out);
    double *size = malloc((size_t)(a->nnz + 1) * sizeof *size);
    long nsize = 0;
    int rc = in && out && size ? CONNC_OK : err_set(CONNC_ERR_NOMEM, "out of memory");
    svg s;
    if (rc == CONNC_OK) degree_values(x, in, out, size, &nsize);
    if (rc == CONNC_OK) rc = open_in(&s, dir, "degrees.svg", 40 + 3 * HIST_W + 20, HIST_H + 80);
    if (rc == CONNC_OK) {
        svg_text(&s, 40, 32, SVG_TITLE, "Degrees and synapse sizes (whole adjacency)");
        histogram(&s, in, (long)a->nrows, &(hist_spec){"In-degree", "presynaptic partners per cell"}, 30, 72);
        histogram(&s, out, (long)a->ncols, &(hist_spec){"Out-degree", "postsynaptic partners per cell"},
                  30 + HIST_W, 72);
        histogram(&s, size, x->size ? nsize : 0,
                  &(hist_spec){"Synapse size", "log10 mean size per connection"}, 30 + 2 * HIST_W, 72);
        rc = svg_close(&s);
    }
    free(in);
    free(out);
    free(size);
    return rc;
}

/* ---- inhibition.svg ---- */

static int descending(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x < y) - (x > y);
}

/* The metadata's inhibition mode: what I_L counts. */
static const char *inhibition_meaning(const ir *x)
{
    cJSON *m = cJSON_Parse(x->meta);
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "options"), "inhibition");
    int partners = cJSON_IsString(mode) && strcmp(mode->valuestring, "partners") == 0;
    cJSON_Delete(m);
    return partners ? "I = distinct inhibitory presynaptic partners of each cell, sorted"
                    : "I = synapses each cell receives from inhibitory cells, sorted";
}

static void inhibition_panel(svg *s, const ir_layer *L, int32_t *sorted, double x0, double y0)
{
    memcpy(sorted, L->inhibition, (size_t)L->size * sizeof *sorted);
    qsort(sorted, (size_t)L->size, sizeof *sorted, descending);
    long nonzero = 0;
    for (int64_t i = 0; i < L->size; i++) nonzero += sorted[i] > 0;
    svg_textf(s, x0, y0, SVG_PANEL_TITLE, "%s: %ld of %lld cells with I > 0", L->name, nonzero, (long long)L->size);
    svg_plot p = panel_area(x0, y0, 0, (double)L->size, L->size ? sorted[0] : 1);
    panel_axes(s, &p, SVG_TICKS_INTEGER, "cells, by rank");
    double bar = p.w / (double)(L->size ? L->size : 1);
    for (int64_t i = 0; i < L->size && sorted[i] > 0; i++) {
        double y = svg_py(&p, sorted[i]);
        svg_rect(s, svg_px(&p, (double)i), y, bar, p.y + p.h - y, "fill=\"#b23a48\" fill-opacity=\"0.8\"");
    }
}

static int plot_inhibition(const ir *x, const char *dir)
{
    int64_t most = 1;
    for (size_t l = 0; l < x->nlayers; l++) most = x->layers[l].size > most ? x->layers[l].size : most;
    int32_t *sorted = malloc((size_t)most * sizeof *sorted);
    if (!sorted) return err_set(CONNC_ERR_NOMEM, "out of memory");
    svg s;
    int rc = open_in(&s, dir, "inhibition.svg", 40 + (double)(x->nlayers ? x->nlayers : 1) * HIST_W + 20, HIST_H + 80);
    if (rc == CONNC_OK) {
        svg_text(&s, 40, 32, SVG_TITLE, "Inhibition per layer");
        svg_text(&s, 40, 52, SVG_SUBTITLE, inhibition_meaning(x));
        for (size_t l = 0; l < x->nlayers; l++) inhibition_panel(&s, &x->layers[l], sorted, 30 + (double)l * HIST_W, 84);
        rc = svg_close(&s);
    }
    free(sorted);
    return rc;
}

int ir_plot(const ir *x, const char *dir)
{
    TRY(make_dirs(dir));
    TRY(plot_layers(x, dir));
    TRY(plot_masks(x, dir));
    TRY(plot_degrees(x, dir));
    return plot_inhibition(x, dir);
}
