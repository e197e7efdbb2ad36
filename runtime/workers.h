/* workers.h: a fixed pool of threads that each run one slice of a job.
 *
 * The training step splits its batch over the pool (network_run.c): worker
 * w runs images [B*w/n, B*(w+1)/n).  The calling thread is worker 0, so a
 * pool of n workers starts n - 1 threads; they sleep on a condition variable
 * between jobs (no spinning: the build machines are shared). */
#ifndef CONNC_WORKERS_H
#define CONNC_WORKERS_H

#include <threads.h>

typedef void (*worker_fn)(void *ctx, int w, int n);

#define WORKERS_MAX 16

typedef struct workers workers;

struct workers {
    int n;                      /* workers, the caller included */
    int started;                /* threads running (n - 1 once open) */
    thrd_t thread[WORKERS_MAX];
    struct worker_slot {
        workers *pool;
        int w;
    } slot[WORKERS_MAX];        /* each thread's argument */
    mtx_t lock;
    cnd_t start, done;
    worker_fn fn;
    void *ctx;
    unsigned long generation;   /* bumped for every job */
    int pending;                /* threads still running the current job */
    int quit;
};

/* Starts n - 1 threads (1 <= n <= WORKERS_MAX); 0, or -1 when a thread or
 * lock could not be made (nothing is left running then). */
int workers_open(workers *p, int n);
/* Runs fn(ctx, w, n) for every worker w, the caller as worker 0, and
 * returns when all are done. */
void workers_run(workers *p, worker_fn fn, void *ctx);
/* Stops and joins the threads (a pool of 1, or a zeroed one: nothing). */
void workers_close(workers *p);

#endif
