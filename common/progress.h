/* progress.h: progress reports for long work.
 *
 * On a terminal (stderr is a TTY) a bar with percentage, rate and ETA is
 * redrawn at most 10 times a second; otherwise a plain log line is printed
 * every 10 % and at the end, once the job has run for a second.  Quiet mode
 * prints nothing.
 */
#ifndef CONNC_PROGRESS_H
#define CONNC_PROGRESS_H

#include <stdint.h>

typedef struct {
    const char *label;
    const char *unit;       /* "B" for bytes, or e.g. "rows", "img" */
    uint64_t total;         /* 0 if unknown */
    double start, last_draw;
    int tty, last_decile, active;
} progress;

/* Global switch set by the CLI's -q / -v: 0 quiet, 1 normal, 2 verbose. */
extern int connc_verbosity;

void progress_begin(progress *p, const char *label, const char *unit, uint64_t total);
void progress_update(progress *p, uint64_t done);
void progress_end(progress *p, uint64_t done);
double now_seconds(void);
/* Informational line on stderr unless quiet ("connc: ..."). */
void log_info(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
