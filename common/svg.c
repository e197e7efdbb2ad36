/* svg.c: the SVG writer (see svg.h). */
#include "svg.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Coordinates are printed to 0.1 px: finer is invisible and bloats files. */
#define XY "%.1f"

static FILE *out(svg *s) { return s->out.f; }

/* Writes " attrs" when there are any. */
static void put_attrs(svg *s, const char *attrs)
{
    if (attrs && *attrs) fprintf(out(s), " %s", attrs);
}

int svg_open(svg *s, const char *path, double width, double height)
{
    TRY(outfile_open(&s->out, path));
    fprintf(out(s),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g %g\" "
            "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" fill=\"#222\">\n",
            width, height, width, height);
    svg_rect(s, 0, 0, width, height, "fill=\"#fff\"");
    return CONNC_OK;
}

int svg_close(svg *s)
{
    fputs("</svg>\n", out(s));
    if (ferror(out(s))) {
        int rc = err_set(CONNC_ERR_IO, "%s: write failed", s->out.path);
        outfile_abort(&s->out);
        return rc;
    }
    return outfile_commit(&s->out);
}

void svg_abort(svg *s) { outfile_abort(&s->out); }

static void escape(FILE *f, const char *text)
{
    for (const char *c = text; *c; c++) {
        switch (*c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*c, f);
        }
    }
}

void svg_line(svg *s, double x1, double y1, double x2, double y2, const char *attrs)
{
    fprintf(out(s), "<line x1=\"" XY "\" y1=\"" XY "\" x2=\"" XY "\" y2=\"" XY "\"", x1, y1, x2, y2);
    put_attrs(s, attrs);
    fputs("/>\n", out(s));
}

void svg_rect(svg *s, double x, double y, double w, double h, const char *attrs)
{
    fprintf(out(s), "<rect x=\"" XY "\" y=\"" XY "\" width=\"" XY "\" height=\"" XY "\"", x, y, w, h);
    put_attrs(s, attrs);
    fputs("/>\n", out(s));
}

void svg_circle(svg *s, double cx, double cy, double r, const char *attrs)
{
    fprintf(out(s), "<circle cx=\"" XY "\" cy=\"" XY "\" r=\"" XY "\"", cx, cy, r);
    put_attrs(s, attrs);
    fputs("/>\n", out(s));
}

void svg_polyline(svg *s, const double *x, const double *y, int n, const char *attrs)
{
    fputs("<polyline fill=\"none\" points=\"", out(s));
    for (int i = 0; i < n; i++) fprintf(out(s), "%s" XY "," XY, i ? " " : "", x[i], y[i]);
    fputc('"', out(s));
    put_attrs(s, attrs);
    fputs("/>\n", out(s));
}

/* The rest of a <text> element whose position is already written. */
static void text_rest(svg *s, const char *attrs, const char *text)
{
    put_attrs(s, attrs);
    fputc('>', out(s));
    escape(out(s), text);
    fputs("</text>\n", out(s));
}

void svg_text(svg *s, double x, double y, const char *attrs, const char *text)
{
    fprintf(out(s), "<text x=\"" XY "\" y=\"" XY "\"", x, y);
    text_rest(s, attrs, text);
}

void svg_vtext(svg *s, double x, double y, const char *attrs, const char *text)
{
    fprintf(out(s), "<text x=\"" XY "\" y=\"" XY "\" text-anchor=\"middle\" transform=\"rotate(-90 " XY " " XY ")\"",
            x, y, x, y);
    text_rest(s, attrs, text);
}

void svg_textf(svg *s, double x, double y, const char *attrs, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    svg_text(s, x, y, attrs, buf);
}

double svg_text_width(const char *text, double font_size)
{
    /* advance widths in em, by groups of DejaVu Sans glyphs */
    double em = 0;
    for (const char *c = text; *c; c++) {
        if (strchr("ijlI.,:;|!' ", *c)) em += 0.3;
        else if (strchr("ftr()-", *c)) em += 0.4;
        else if (strchr("mwMW", *c)) em += 0.9;
        else if (isdigit((unsigned char)*c)) em += 0.636;
        else if (isupper((unsigned char)*c)) em += 0.68;
        else em += 0.6;
    }
    return em * font_size;
}

void svg_vertical_gradient(svg *s, const char *id, const char *const *colours, const double *offsets, int n)
{
    fprintf(out(s), "<defs><linearGradient id=\"%s\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">\n", id);
    for (int i = 0; i < n; i++)
        fprintf(out(s), "<stop offset=\"%.4f\" stop-color=\"%s\"/>\n", offsets[i], colours[i]);
    fputs("</linearGradient></defs>\n", out(s));
}

/* ---- ticks ---- */

/* A 1-2-5 step giving at most max_ticks intervals over range. */
static double nice_step(double range, int max_ticks)
{
    double raw = range / (max_ticks > 0 ? max_ticks : 1);
    double mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Tolerance for ticks that land on the range ends up to rounding. */
#define EPS 1e-9

void svg_linear_ticks(double *lo, double *hi, int max_ticks, int flags, svg_ticks *t)
{
    if (!isfinite(*lo) || !isfinite(*hi)) {
        *lo = 0;
        *hi = 1;
    }
    if (*hi <= *lo) {
        double pad = *lo != 0 && !(flags & SVG_TICKS_INTEGER) ? fabs(*lo) * 0.1 : 1;
        *lo -= pad;
        *hi += pad;
    }
    double step = nice_step(*hi - *lo, max_ticks);
    if ((flags & SVG_TICKS_INTEGER) && step < 1) step = 1;
    if (flags & SVG_TICKS_EXPAND) {
        *lo = floor(*lo / step + EPS) * step;
        *hi = ceil(*hi / step - EPS) * step;
    }
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - EPS);
    t->n = 0;
    for (double k = ceil(*lo / step - EPS); k * step <= *hi + step * EPS && t->n < SVG_MAX_TICKS; k++) {
        double v = k * step;
        t->value[t->n] = v;
        snprintf(t->label[t->n], sizeof t->label[0], "%.*f", decimals, v == 0 ? 0.0 : v);  /* no "-0.0" */
        t->n++;
    }
}

/* The k-th value of ... 0.1, 0.2, 0.5, 1, 2, 5, 10 ... where k = 0 is 1. */
static double seq125(int k)
{
    int decade = (int)floor(k / 3.0), i = k - 3 * decade;
    return (i == 0 ? 1 : i == 1 ? 2 : 5) * pow(10, decade);
}

static void log_label(char *buf, size_t cap, double v)
{
    int e = (int)floor(log10(v) + EPS);
    if (e >= -2) snprintf(buf, cap, "%g", v);
    else snprintf(buf, cap, "%.0fe%d", v / pow(10, e), e);
}

void svg_log_ticks(double *lo, double *hi, int max_ticks, svg_ticks *t)
{
    if (!(*lo > 0) || !isfinite(*hi) || *hi < *lo) {    /* nothing to show */
        *lo = 1e-4;
        *hi = 1e-2;
    }
    /* strictly outside, so that a line at a round value is not drawn on the frame */
    int klo = 3 * (int)floor(log10(*lo)) - 1, khi = 3 * (int)ceil(log10(*hi)) + 1;
    while (seq125(klo + 1) < *lo * (1 - EPS)) klo++;
    while (seq125(khi - 1) > *hi * (1 + EPS)) khi--;
    *lo = seq125(klo);
    *hi = seq125(khi);
    /* every 1-2-5 value, else every power of ten, else every stride-th one */
    int stride = 1;
    if (khi - klo + 1 > max_ticks) {
        stride = 3;
        while ((khi - klo) / stride + 1 > max_ticks) stride += 3;
    }
    t->n = 0;
    for (int k = klo; k <= khi && t->n < SVG_MAX_TICKS; k++) {
        if (k % stride) continue;
        t->value[t->n] = seq125(k);
        log_label(t->label[t->n], sizeof t->label[0], seq125(k));
        t->n++;
    }
}

/* ---- plot areas ---- */

double svg_px(const svg_plot *p, double x) { return p->x + (x - p->x0) / (p->x1 - p->x0) * p->w; }

double svg_py(const svg_plot *p, double y)
{
    double f = p->ylog ? (log10(y) - log10(p->y0)) / (log10(p->y1) - log10(p->y0)) : (y - p->y0) / (p->y1 - p->y0);
    return p->y + p->h - f * p->h;
}

#define GRID "stroke=\"#e8e8e8\" stroke-width=\"1\""
#define AXIS "stroke=\"#555\" stroke-width=\"1\""
#define TICK_LABEL "font-size=\"11\" fill=\"#444\""

void svg_axes(svg *s, const svg_plot *p, const svg_ticks *xt, const svg_ticks *yt)
{
    double bottom = p->y + p->h;
    for (int i = 0; i < yt->n; i++) {
        double y = svg_py(p, yt->value[i]);
        svg_line(s, p->x, y, p->x + p->w, y, GRID);
        svg_line(s, p->x - 5, y, p->x, y, AXIS);
        svg_text(s, p->x - 8, y + 4, TICK_LABEL " text-anchor=\"end\"", yt->label[i]);
    }
    for (int i = 0; i < xt->n; i++) {
        double x = svg_px(p, xt->value[i]);
        svg_line(s, x, p->y, x, bottom, GRID);
        svg_line(s, x, bottom, x, bottom + 5, AXIS);
        svg_text(s, x, bottom + 18, TICK_LABEL " text-anchor=\"middle\"", xt->label[i]);
    }
    svg_line(s, p->x, p->y, p->x, bottom, AXIS);
    svg_line(s, p->x, bottom, p->x + p->w, bottom, AXIS);
}
