/* bio_neuron_plot.c: RUNDIR/bio_neuron.svg, the monitoring of each
 * BioLogicalNeuron op over training steps, as the paper's figure shows it:
 * mean health, stability, mean calcium with its moving average, and the
 * repair events (BIO_LAYERS.md §1, §4). */
#include "bio_neuron_op.h"
#include "svg.h"

#include <stdlib.h>

#define PANEL_W 620.0
#define PANEL_H 120.0
#define LEFT 70.0
#define GAP 60.0
#define MAX_POINTS 1500 /* longer series are drawn every k-th step */
#define AVG_STEPS 100   /* the calcium moving average */

static const char *const TITLES[3] = {"Mean health H", "Stability S", "Mean calcium (grey) and its 100-step average"};

/* Series `col` of the monitor (4 values per step) as a polyline in the plot. */
static void series(svg *s, const svg_plot *p, const real *mon, long steps, int col, int average, const char *attrs)
{
    long every = steps > MAX_POINTS ? (steps + MAX_POINTS - 1) / MAX_POINTS : 1, n = 0;
    double *x = malloc((size_t)(steps / every + 1) * sizeof *x), *y = malloc((size_t)(steps / every + 1) * sizeof *y);
    double sum = 0;
    for (long k = 0; x && y && k < steps; k++) {
        sum += mon[4 * k + col];
        if (average && k >= AVG_STEPS) sum -= mon[4 * (k - AVG_STEPS) + col];
        if (k % every) continue;
        double v = average ? sum / (double)(k < AVG_STEPS ? k + 1 : AVG_STEPS) : mon[4 * k + col];
        x[n] = svg_px(p, (double)k), y[n++] = svg_py(p, v);
    }
    if (x && y) svg_polyline(s, x, y, (int)n, attrs);
    free(x);
    free(y);
}

static void value_range(const real *mon, long steps, int col, double *lo, double *hi)
{
    *lo = 1e300, *hi = -1e300;
    for (long k = 0; k < steps; k++) {
        double v = mon[4 * k + col];
        *lo = v < *lo ? v : *lo, *hi = v > *hi ? v : *hi;
    }
    if (steps == 0) *lo = 0, *hi = 1;
}

static void panel(svg *s, const bio_neuron_op *b, int col, double top)
{
    double lo, hi, x0 = 0, x1 = (double)(b->steps > 1 ? b->steps - 1 : 1);
    value_range(b->monitor, b->steps, col, &lo, &hi);
    svg_ticks xt, yt;
    svg_linear_ticks(&x0, &x1, 8, SVG_TICKS_INTEGER, &xt);
    svg_linear_ticks(&lo, &hi, 4, SVG_TICKS_EXPAND, &yt);
    svg_plot p = {LEFT, top, PANEL_W, PANEL_H, x0, x1, lo, hi, 0};
    svg_text(s, LEFT, top - 10, "font-size=\"13\" font-weight=\"bold\" fill=\"#333\"", TITLES[col]);
    svg_axes(s, &p, &xt, &yt);
    for (long k = 0; k < b->steps; k++) /* repair events: a red mark at the foot of every panel */
        if (b->monitor[4 * k + 3] > 0) svg_line(s, svg_px(&p, (double)k), top + PANEL_H - 8, svg_px(&p, (double)k), top + PANEL_H, "stroke=\"#d62728\"");
    series(s, &p, b->monitor, b->steps, col, 0, col == 2 ? "stroke=\"#aaa\" stroke-width=\"1\"" : "stroke=\"#1f77b4\" stroke-width=\"1.2\"");
    if (col == 2) series(s, &p, b->monitor, b->steps, col, 1, "stroke=\"#e8710a\" stroke-width=\"1.6\"");
}

int bln_write_plot(const network *net, const char *path)
{
    int nops = 0;
    for (int i = 0; i < net->nops; i++) nops += net->ops[i].bln != NULL;
    svg s;
    TRY(svg_open(&s, path, LEFT + PANEL_W + 40, 60 + nops * (3 * (PANEL_H + GAP) + 30)));
    double y = 28;
    for (int i = 0; i < net->nops; i++) {
        const bio_neuron_op *b = net->ops[i].bln;
        if (!b) continue;
        svg_textf(&s, LEFT, y, "font-size=\"14\" font-weight=\"bold\"", "BioLogicalNeuron %s: %ld training steps, %ld repairs%s",
                  net->ops[i].name, b->steps, b->s.repairs, b->truncated ? " (monitor truncated: out of memory)" : "");
        svg_text(&s, LEFT, y + 18, "font-size=\"12\" fill=\"#555\"", "x: training step; red marks: repair events");
        for (int col = 0; col < 3; col++) panel(&s, b, col, y + 60 + col * (PANEL_H + GAP));
        y += 3 * (PANEL_H + GAP) + 30;
    }
    return svg_close(&s);
}
