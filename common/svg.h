/* svg.h: a tiny SVG writer for the run reports (runtime/plots.c) and the
 * pictures of a compiled connectome (compiler/ir_plot.c).
 *
 *   svg s;
 *   TRY(svg_open(&s, "dir/plot.svg", 800, 600));
 *   svg_line(&s, 0, 0, 10, 10, "stroke=\"#333\"");
 *   svg_text(&s, 20, 20, "font-weight=\"bold\"", "a < b");
 *   return svg_close(&s);
 *
 * The file is written atomically (common/outfile.h).  Drawing calls do not
 * return errors: a failed write is remembered by the stream and reported
 * once by svg_close(), which then removes the temporary file.
 *
 * `attrs` arguments are extra attribute text copied verbatim (trusted
 * program constants, may be NULL); text content is escaped (< > & ").
 */
#ifndef CONNC_SVG_H
#define CONNC_SVG_H

#include "error.h"
#include "outfile.h"

typedef struct {
    outfile out;
} svg;

/* The house style of connc's pictures, as attrs for svg_text. */
#define SVG_TITLE "font-size=\"14\" font-weight=\"bold\""
#define SVG_SUBTITLE "font-size=\"12\" fill=\"#555\""
#define SVG_PANEL_TITLE "font-size=\"13\" font-weight=\"bold\" fill=\"#333\""
#define SVG_AXIS_TITLE "font-size=\"12\" fill=\"#333\""

/* Starts a document of width x height pixels (viewBox 0 0 width height) on
 * a white background, in a sans-serif font of 12px unless overridden. */
int svg_open(svg *s, const char *path, double width, double height);
/* Ends the document and makes it visible under its name. */
int svg_close(svg *s);
/* Drops the document (no file is left). */
void svg_abort(svg *s);

void svg_line(svg *s, double x1, double y1, double x2, double y2, const char *attrs);
void svg_rect(svg *s, double x, double y, double w, double h, const char *attrs);
void svg_circle(svg *s, double cx, double cy, double r, const char *attrs);
/* One polyline through the n points (x[i], y[i]), fill none. */
void svg_polyline(svg *s, const double *x, const double *y, int n, const char *attrs);
void svg_text(svg *s, double x, double y, const char *attrs, const char *text);
/* Text turned to read bottom to top, centred on (x, y): a y-axis title
 * (attrs must not set text-anchor, which this sets). */
void svg_vtext(svg *s, double x, double y, const char *attrs, const char *text);
void svg_textf(svg *s, double x, double y, const char *attrs, const char *fmt, ...) CONNC_PRINTF(5, 6);
/* About how wide text is in pixels at font_size in DejaVu Sans (the font
 * documents ask for first; others of the family are close), for layout. */
double svg_text_width(const char *text, double font_size);
/* A gradient usable as fill="url(#id)", running top to bottom through the
 * n colours at the given offsets (0..1). */
void svg_vertical_gradient(svg *s, const char *id, const char *const *colours, const double *offsets, int n);

/* ---- axes ---- */

#define SVG_MAX_TICKS 24

typedef struct {
    int n;
    double value[SVG_MAX_TICKS];
    char label[SVG_MAX_TICKS][16];
} svg_ticks;

enum {
    SVG_TICKS_EXPAND = 1,   /* widen the range to the outermost ticks */
    SVG_TICKS_INTEGER = 2   /* steps of at least 1, labels without decimals */
};

/* Ticks at a 1-2-5 step inside [*lo, *hi], at most max_ticks + 1 of them;
 * with SVG_TICKS_EXPAND the range is widened to whole steps first.  An empty
 * range (lo == hi) is widened around its value. */
void svg_linear_ticks(double *lo, double *hi, int max_ticks, int flags, svg_ticks *t);
/* Ticks for a log10 axis over [*lo, *hi] (both > 0), which is widened to
 * the nearest 1-2-5 values strictly outside it; keeps only powers of ten
 * when the 1-2-5 values would be more than max_ticks.  Labels read 5e-4,
 * 1e-3, 0.01, 0.1, 1, 10. */
void svg_log_ticks(double *lo, double *hi, int max_ticks, svg_ticks *t);

/* A plot area (pixels) with a linear or log10 mapping of data to it. */
typedef struct {
    double x, y, w, h;
    double x0, x1, y0, y1;      /* data range shown */
    int ylog;
} svg_plot;

double svg_px(const svg_plot *p, double x);
double svg_py(const svg_plot *p, double y);
/* Light grid lines at the ticks, the left and bottom axis lines, tick marks
 * and tick labels (x labels end about 22px below the plot area). */
void svg_axes(svg *s, const svg_plot *p, const svg_ticks *xt, const svg_ticks *yt);

#endif
