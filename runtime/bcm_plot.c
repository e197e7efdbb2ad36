/* bcm_plot.c: RUNDIR/bcm_scales.svg, one histogram per projection of the
 * BCM per-weight learning-rate scales at the end of training (BIO_LAYERS.md
 * §3-4): how many weights still learn at full rate (scale 1), how many are
 * fixed (0), and the decay in between. */
#include "mechanisms.h"
#include "svg.h"

#include <string.h>

#define BINS 20
#define PANEL_W 560.0
#define PANEL_H 110.0
#define LEFT 70.0
#define TOP 70.0
#define GAP 56.0
#define BAR_FILL "fill=\"#4c78a8\""

/* The projection whose weights state i scales. */
static const projection *state_projection(const network *net, int i)
{
    for (int k = 0; k < net->nproj; k++)
        if (net->mech.lr_scale + net->proj[k].offset == net->mech.bcm[i].scale) return &net->proj[k];
    return NULL;
}

static void panel(svg *s, const network *net, int i, double y)
{
    const bcm_state *b = &net->mech.bcm[i];
    const projection *p = state_projection(net, i);
    long count[BINS] = {0}, most = 1;
    for (long e = 0; e < b->n; e++) {
        double v = b->scale[e]; /* clamped before the cast: a damaged checkpoint may hold anything */
        count[v >= 1 ? BINS - 1 : v > 0 ? (int)(v * BINS) : 0]++; /* scale 1 joins the last bin */
    }
    int saturated = 0;
    for (int r = 0; r < b->rows; r++) saturated += b->saturated_at[r] >= 0;
    for (int k = 0; k < BINS; k++) most = count[k] > most ? count[k] : most;
    svg_textf(s, LEFT, y - 10, "font-size=\"13\" font-weight=\"bold\" fill=\"#333\"", "%s: %ld weights, %d of %d units saturated",
              p ? p->name : "?", b->n, saturated, b->rows);
    svg_plot pl = {LEFT, y, PANEL_W, PANEL_H, 0, 1, 0, (double)most, 0};
    svg_ticks xt, yt;
    double x0 = 0, x1 = 1, y0 = 0, y1 = (double)most;
    svg_linear_ticks(&x0, &x1, 10, 0, &xt);
    svg_linear_ticks(&y0, &y1, 3, SVG_TICKS_INTEGER, &yt);
    svg_axes(s, &pl, &xt, &yt);
    for (int k = 0; k < BINS; k++) {
        double top = svg_py(&pl, (double)count[k]);
        svg_rect(s, svg_px(&pl, (double)k / BINS) + 1, top, PANEL_W / BINS - 2, svg_py(&pl, 0) - top, BAR_FILL);
    }
}

int mech_write_bcm_plot(const network *net, const char *path)
{
    const mechanisms *m = &net->mech;
    svg s;
    TRY(svg_open(&s, path, LEFT + PANEL_W + 40, TOP + m->nbcm * (PANEL_H + GAP) + 20));
    svg_text(&s, LEFT, 28, "font-size=\"14\" font-weight=\"bold\"", "BCM learning-rate scales per weight, end of training");
    svg_text(&s, LEFT, 46, "font-size=\"12\" fill=\"#555\"",
             "x: the scale of a weight's step (1 learns at full rate, 0 is fixed); y: weights per bin of 0.05");
    for (int i = 0; i < m->nbcm; i++) panel(&s, net, i, TOP + 14 + i * (PANEL_H + GAP));
    return svg_close(&s);
}
