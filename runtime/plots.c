/* plots.c: learning_curves.svg and confusion.svg (see report.h).
 *
 * learning_curves.svg: loss and accuracy (train and validation) side by
 * side, the learning rate on a log axis in a strip below; a dashed line
 * marks the best epoch in every panel.  An epoch's values are plotted at
 * x = epoch (the end of the epoch); the learning rate is drawn as a step
 * over (epoch - 1, epoch], the interval it was used for.
 *
 * confusion.svg: the PrivateTest confusion matrix with each row normalised
 * to 100% (so the diagonal is the per-class recall), shaded on a white-to-
 * blue scale fixed at 0-100% so that plots of different runs compare.
 *
 * Layouts are fixed pixel grids: class names and tick labels are short and
 * known, so no text measuring is needed.
 */
#include "report.h"
#include "fer2013.h"
#include "svg.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define BEST_STROKE "stroke=\"#777\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\""

/* ---- learning curves ---- */

/* One per-epoch quantity: a field of epoch_record, scaled for display. */
typedef struct {
    const char *name;           /* legend text */
    size_t field;               /* offsetof(epoch_record, ...) */
    double scale;
    const char *colour;
} series;

typedef struct {
    const char *title;
    const series *lines;
    int nlines;
    int lr;                     /* log10 axis, lines drawn as steps, no best-epoch dots */
} panel_spec;

#define TRAIN_COLOUR "#1f77b4"
#define VAL_COLOUR "#e8710a"

static const series loss_lines[] = {
    {"Train", offsetof(epoch_record, train_loss), 1, TRAIN_COLOUR},
    {"Validation (PublicTest)", offsetof(epoch_record, val_loss), 1, VAL_COLOUR},
};
static const series acc_lines[] = {
    {"Train", offsetof(epoch_record, train_accuracy), 100, TRAIN_COLOUR},
    {"Validation (PublicTest)", offsetof(epoch_record, val_accuracy), 100, VAL_COLOUR},
};
static const series lr_lines[] = {{"Learning rate", offsetof(epoch_record, lr), 1, "#2a9d5c"}};

/* Fewer epochs than this get a dot per epoch: a line alone hides them. */
#define DOTS_BELOW 25

static double value(const run_metrics *m, int i, const series *sr)
{
    double v;
    memcpy(&v, (const char *)&m->epochs[i] + sr->field, sizeof v);
    return v * sr->scale;
}

/* Whether v can be drawn (a diverged loss is NaN; a log axis needs v > 0). */
static int drawable(double v, int log) { return isfinite(v) && (!log || v > 0); }

static void value_range(const run_metrics *m, const panel_spec *ps, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int l = 0; l < ps->nlines; l++)
        for (int i = 0; i < m->nepochs; i++) {
            double v = value(m, i, &ps->lines[l]);
            if (!drawable(v, ps->lr)) continue;
            *lo = fmin(*lo, v);
            *hi = fmax(*hi, v);
        }
}

static void line_attrs(char *buf, size_t cap, const char *colour)
{
    snprintf(buf, cap, "stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\"", colour);
}

static void dot(svg *s, double x, double y, const char *colour)
{
    char attrs[80];
    snprintf(attrs, sizeof attrs, "fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\"", colour);
    svg_circle(s, x, y, 3.5, attrs);
}

/* The line of one series, broken where a value cannot be drawn.  (The point
 * buffers take 128 KiB of stack, well within any thread's.) */
static void draw_series(svg *s, const svg_plot *p, const run_metrics *m, const series *sr, int step)
{
    double x[2 * METRICS_MAX_EPOCHS], y[2 * METRICS_MAX_EPOCHS];
    char attrs[96];
    line_attrs(attrs, sizeof attrs, sr->colour);
    int n = 0;
    for (int i = 0; i <= m->nepochs; i++) {
        double v = i < m->nepochs ? value(m, i, sr) : NAN;
        if (!drawable(v, p->ylog)) {
            if (n > 1) svg_polyline(s, x, y, n, attrs);
            n = 0;
            continue;
        }
        int e = m->epochs[i].epoch;
        if (step) {
            x[n] = svg_px(p, e - 1);
            y[n++] = svg_py(p, v);
        }
        x[n] = svg_px(p, e);
        y[n++] = svg_py(p, v);
    }
    if (step || m->nepochs >= DOTS_BELOW) return;
    for (int i = 0; i < m->nepochs; i++) {
        double v = value(m, i, sr);
        if (drawable(v, p->ylog)) dot(s, svg_px(p, m->epochs[i].epoch), svg_py(p, v), sr->colour);
    }
}

/* The record of the best epoch, or NULL when there is none. */
static const epoch_record *best_record(const run_metrics *m)
{
    for (int i = 0; i < m->nepochs; i++)
        if (m->epochs[i].epoch == m->best_epoch) return &m->epochs[i];
    return NULL;
}

/* The dashed best-epoch line, and on the curves a ringed dot at it. */
static void draw_best(svg *s, const svg_plot *p, const run_metrics *m, const panel_spec *ps)
{
    const epoch_record *b = best_record(m);
    if (!b) return;
    double x = svg_px(p, b->epoch);
    svg_line(s, x, p->y, x, p->y + p->h, BEST_STROKE);
    if (ps->lr) return;
    for (int l = 0; l < ps->nlines; l++) {
        double v = value(m, (int)(b - m->epochs), &ps->lines[l]);
        if (!drawable(v, 0)) continue;
        char attrs[80];
        snprintf(attrs, sizeof attrs, "fill=\"#fff\" stroke=\"%s\" stroke-width=\"2\"", ps->lines[l].colour);
        svg_circle(s, x, svg_py(p, v), 5, attrs);
    }
}

/* One panel: frame gives its area and x range, the y range follows the data. */
static void panel(svg *s, const run_metrics *m, const svg_plot *frame, const svg_ticks *xt, const panel_spec *ps)
{
    svg_plot p = *frame;
    svg_ticks yt;
    value_range(m, ps, &p.y0, &p.y1);
    if (ps->lr) svg_log_ticks(&p.y0, &p.y1, 4, &yt);
    else svg_linear_ticks(&p.y0, &p.y1, 6, SVG_TICKS_EXPAND, &yt);
    p.ylog = ps->lr;
    svg_axes(s, &p, xt, &yt);
    svg_text(s, p.x, p.y - 12, SVG_PANEL_TITLE, ps->title);
    svg_text(s, p.x + p.w / 2, p.y + p.h + 38, SVG_AXIS_TITLE " text-anchor=\"middle\"", "epoch");
    draw_best(s, &p, m, ps);
    for (int l = 0; l < ps->nlines; l++) draw_series(s, &p, m, &ps->lines[l], ps->lr);
}

/* A legend entry's width: swatch 22px, gap 6px, 12px text. */
static double entry_width(const char *label) { return 22 + 6 + svg_text_width(label, 12); }

/* A legend row ending at x = right: train, validation, best epoch. */
static void legend(svg *s, double right, double y, const run_metrics *m)
{
    enum { SPACING = 22 };
    char best[48], attrs[3][96];
    snprintf(best, sizeof best, "Best epoch (%d)", m->best_epoch);
    line_attrs(attrs[0], sizeof attrs[0], TRAIN_COLOUR);
    line_attrs(attrs[1], sizeof attrs[1], VAL_COLOUR);
    snprintf(attrs[2], sizeof attrs[2], "%s", BEST_STROKE);
    const char *label[3] = {loss_lines[0].name, loss_lines[1].name, best};
    int n = best_record(m) ? 3 : 2;
    double x = right + SPACING;
    for (int i = 0; i < n; i++) x -= entry_width(label[i]) + SPACING;
    for (int i = 0; i < n; i++) {
        svg_line(s, x, y - 4, x + 22, y - 4, attrs[i]);
        svg_text(s, x + 28, y, NULL, label[i]);
        x += entry_width(label[i]) + SPACING;
    }
}

static void curves_subtitle(svg *s, double x, double y, const run_metrics *m)
{
    const epoch_record *b = best_record(m);
    char text[256] = "No epochs recorded.";
    if (m->nepochs > 0) snprintf(text, sizeof text, "%d epoch%s", m->nepochs, m->nepochs > 1 ? "s" : "");
    if (b) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, " \u00b7 best epoch %d: validation accuracy %.1f%%", b->epoch,
                 100 * b->val_accuracy);
    }
    if (m->test.n > 0) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, " \u00b7 PrivateTest accuracy %.1f%%, macro-F1 %.3f", 100 * m->test.accuracy,
                 m->test.macro_f1);
    }
    svg_text(s, x, y, SVG_SUBTITLE, text);
}

static int write_curves(const char *path, const run_metrics *m)
{
    enum { W = 1000, H = 612, LEFT = 80, RIGHT = 960, GAP = 120 };
    static const panel_spec loss = {"Loss", loss_lines, 2, 0}, acc = {"Accuracy (%)", acc_lines, 2, 0},
                            lr = {"Learning rate (log scale)", lr_lines, 1, 1};
    double half = (RIGHT - LEFT - GAP) / 2.0;
    /* x runs from 0 to the last epoch; a short run gets one epoch of room on the right */
    int last = m->nepochs > 0 ? m->epochs[m->nepochs - 1].epoch : 0;
    double x0 = 0, x1 = last + (last < 10);
    svg_ticks xt;
    svg_linear_ticks(&x0, &x1, 8, SVG_TICKS_INTEGER, &xt);
    svg_plot left = {.x = LEFT, .y = 104, .w = half, .h = 250, .x0 = x0, .x1 = x1}, right = left,
             strip = {.x = LEFT, .y = 450, .w = RIGHT - LEFT, .h = 110, .x0 = x0, .x1 = x1};
    right.x = RIGHT - half;

    svg s;
    TRY(svg_open(&s, path, W, H));
    svg_text(&s, LEFT, 30, SVG_TITLE, "Learning curves");
    curves_subtitle(&s, LEFT, 50, m);
    legend(&s, RIGHT, 30, m);
    panel(&s, m, &left, &xt, &loss);
    panel(&s, m, &right, &xt, &acc);
    panel(&s, m, &strip, &xt, &lr);
    return svg_close(&s);
}

/* ---- confusion matrix ---- */

/* ColorBrewer "Blues", light to dark, evenly spaced over 0..1. */
static const char *const blues[] = {"#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
                                    "#4292c6", "#2171b5", "#08519c", "#08306b"};
#define NBLUES ((int)(sizeof blues / sizeof blues[0]))

/* The colour of share v (0..1) as #rrggbb; *dark says whether text on it should be white. */
static void shade(double v, char out[8], int *dark)
{
    double f = fmin(fmax(v, 0), 1) * (NBLUES - 1);
    int i = (int)f < NBLUES - 1 ? (int)f : NBLUES - 2;
    unsigned a[3], b[3], c[3];
    sscanf(blues[i], "#%2x%2x%2x", &a[0], &a[1], &a[2]);
    sscanf(blues[i + 1], "#%2x%2x%2x", &b[0], &b[1], &b[2]);
    for (int k = 0; k < 3; k++) c[k] = (unsigned)lround(a[k] + (f - i) * ((double)b[k] - a[k]));
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
    *dark = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] < 0.5 * 255;
}

enum { GX = 170, GY = 84, CELL = 72, GRID = METRICS_CLASSES * CELL };

/* Images of true class r: the row's total. */
static long support(const split_metrics *t, int r)
{
    long n = 0;
    for (int c = 0; c < METRICS_CLASSES; c++) n += t->confusion[r][c];
    return n;
}

static void cell(svg *s, int r, int c, long count, long row_total)
{
    double share = row_total ? (double)count / (double)row_total : 0, x = GX + c * CELL, y = GY + r * CELL;
    char fill[8], attrs[96];
    int dark;
    shade(share, fill, &dark);
    snprintf(attrs, sizeof attrs, "fill=\"%s\" stroke=\"#fff\" stroke-width=\"1\"", fill);
    svg_rect(s, x, y, CELL, CELL, attrs);
    const char *ink = dark ? "#fff" : count ? "#1a1a1a" : "#9a9a9a";
    snprintf(attrs, sizeof attrs, "text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"%s\"", ink);
    svg_textf(s, x + CELL / 2.0, y + CELL / 2.0 - 1, attrs, "%.1f%%", 100 * share);
    snprintf(attrs, sizeof attrs, "text-anchor=\"middle\" font-size=\"11\" fill=\"%s\"", ink);
    svg_textf(s, x + CELL / 2.0, y + CELL / 2.0 + 15, attrs, "(%ld)", count);
}

static void class_labels(svg *s, const split_metrics *t)
{
    for (int k = 0; k < METRICS_CLASSES; k++) {
        double centre = GY + k * CELL + CELL / 2.0;
        svg_text(s, GX - 12, centre - 1, "text-anchor=\"end\" font-size=\"13\"", fer_class_name(k));
        svg_textf(s, GX - 12, centre + 15, "text-anchor=\"end\" font-size=\"11\" fill=\"#777\"", "n = %ld", support(t, k));
        svg_text(s, GX + k * CELL + CELL / 2.0, GY + GRID + 20, "text-anchor=\"middle\" font-size=\"13\"",
                 fer_class_name(k));
    }
    svg_vtext(s, 60, GY + GRID / 2.0, SVG_PANEL_TITLE, "True class");
    svg_text(s, GX + GRID / 2.0, GY + GRID + 46, SVG_PANEL_TITLE " text-anchor=\"middle\"", "Predicted class");
}

/* A vertical bar of the colour scale right of the grid, 100% at the top. */
static void colour_bar(svg *s)
{
    enum { X = GX + GRID + 28, BAR = 16 };
    const char *stops[NBLUES];
    double offsets[NBLUES];
    for (int i = 0; i < NBLUES; i++) {
        stops[i] = blues[NBLUES - 1 - i];
        offsets[i] = (double)i / (NBLUES - 1);
    }
    svg_vertical_gradient(s, "blues", stops, offsets, NBLUES);
    svg_rect(s, X, GY, BAR, GRID, "fill=\"url(#blues)\" stroke=\"#999\" stroke-width=\"0.5\"");
    for (int pct = 0; pct <= 100; pct += 25) {
        double y = GY + GRID * (1 - pct / 100.0);
        svg_line(s, X + BAR, y, X + BAR + 4, y, "stroke=\"#555\"");
        svg_textf(s, X + BAR + 7, y + 4, "font-size=\"11\" fill=\"#444\"", "%d%%", pct);
    }
    svg_vtext(s, X + BAR + 58, GY + GRID / 2.0, SVG_AXIS_TITLE, "share of the true class");
}

static void confusion_subtitle(svg *s, double x, double y, const split_metrics *t)
{
    if (t->n == 0) {
        svg_text(s, x, y, SVG_SUBTITLE, "Not evaluated.");
        return;
    }
    svg_textf(s, x, y, SVG_SUBTITLE,
              "n = %ld \u00b7 accuracy %.1f%% \u00b7 macro-F1 %.3f \u00b7 each row sums to 100%% (the diagonal is recall)",
              t->n, 100 * t->accuracy, t->macro_f1);
}

static int write_confusion(const char *path, const split_metrics *t)
{
    svg s;
    TRY(svg_open(&s, path, GX + GRID + 130, GY + GRID + 76));
    svg_text(&s, 40, 30, SVG_TITLE, "Confusion matrix: PrivateTest");
    confusion_subtitle(&s, 40, 50, t);
    for (int r = 0; r < METRICS_CLASSES; r++)
        for (int c = 0; c < METRICS_CLASSES; c++) cell(&s, r, c, t->confusion[r][c], support(t, r));
    class_labels(&s, t);
    colour_bar(&s);
    return svg_close(&s);
}

int report_write_plots(const char *dir, const run_metrics *m)
{
    char path[REPORT_PATH_MAX];
    TRY(make_dirs(dir));
    TRY(report_path(path, sizeof path, dir, "learning_curves.svg"));
    TRY(write_curves(path, m));
    TRY(report_path(path, sizeof path, dir, "confusion.svg"));
    return write_confusion(path, &m->test);
}
