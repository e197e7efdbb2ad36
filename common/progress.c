/* progress.c: TTY progress bar or plain log lines (see progress.h). */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int connc_verbosity = 1;

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void log_info(const char *fmt, ...)
{
    if (connc_verbosity < 1) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("connc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void human(char *buf, size_t cap, double v, const char *unit)
{
    const char *pre[] = {"", "k", "M", "G", "T"};
    int i = 0;
    while (v >= 1000 && i < 4) { v /= 1000; i++; }
    snprintf(buf, cap, "%.1f %s%s", v, pre[i], unit);
}

void progress_begin(progress *p, const char *label, const char *unit, uint64_t total)
{
    p->label = label;
    p->unit = unit;
    p->total = total;
    p->start = p->last_draw = now_seconds();
    p->tty = isatty(STDERR_FILENO);
    p->last_decile = 0;
    p->active = connc_verbosity >= 1;
}

static void draw(progress *p, uint64_t done, double t, int final)
{
    double el = t - p->start, rate = el > 0 ? (double)done / el : 0;
    double frac = p->total ? (double)done / (double)p->total : 0;
    if (frac > 1) frac = 1;
    char r[32], d[32];
    human(r, sizeof r, rate, p->unit);
    human(d, sizeof d, (double)done, p->unit);
    if (p->tty) {
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        double eta = (frac > 0 && !final) ? el * (1 - frac) / frac : 0;
        fprintf(stderr, "\r%-10s [%s] %3.0f%% %s %s/s ETA %4.0fs%s", p->label, bar, 100 * frac, d, r, eta,
                final ? "\n" : "");
    } else {
        fprintf(stderr, "connc: %s: %3.0f%% %s, %s/s, %.1fs\n", p->label, 100 * frac, d, r, el);
    }
    fflush(stderr);
}

void progress_update(progress *p, uint64_t done)
{
    if (!p->active) return;
    double t = now_seconds();
    if (p->tty) {
        if (t - p->last_draw < 0.1) return;
        p->last_draw = t;
        draw(p, done, t, 0);
        return;
    }
    /* as at the end: a job's first second needs no report on a log */
    int decile = p->total && t - p->start >= 1.0 ? (int)(10 * done / p->total) : 0;
    if (decile > p->last_decile && decile < 10) {
        p->last_decile = decile;
        draw(p, done, t, 0);
    }
}

void progress_end(progress *p, uint64_t done)
{
    if (!p->active) return;
    /* a job that took under a second needs no report on a log */
    double t = now_seconds();
    if (p->tty || t - p->start >= 1.0) draw(p, done, t, 1);
}
