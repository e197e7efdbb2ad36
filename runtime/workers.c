/* workers.c: see workers.h. */
#include "workers.h"

#include <string.h>

static int worker_main(void *arg)
{
    struct worker_slot *s = arg;
    workers *p = s->pool;
    unsigned long seen = 0;
    mtx_lock(&p->lock);
    for (;;) {
        while (p->generation == seen && !p->quit) cnd_wait(&p->start, &p->lock);
        if (p->quit) break;
        seen = p->generation;
        worker_fn fn = p->fn;
        void *ctx = p->ctx;
        mtx_unlock(&p->lock);
        fn(ctx, s->w, p->n);
        mtx_lock(&p->lock);
        if (--p->pending == 0) cnd_signal(&p->done);
    }
    mtx_unlock(&p->lock);
    return 0;
}

int workers_open(workers *p, int n)
{
    memset(p, 0, sizeof *p);
    p->n = n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : n;
    if (p->n == 1) return 0;
    if (mtx_init(&p->lock, mtx_plain) != thrd_success) return -1;
    if (cnd_init(&p->start) != thrd_success) {
        mtx_destroy(&p->lock);
        return -1;
    }
    if (cnd_init(&p->done) != thrd_success) {
        cnd_destroy(&p->start);
        mtx_destroy(&p->lock);
        return -1;
    }
    for (int w = 1; w < p->n; w++) {
        p->slot[w] = (struct worker_slot){p, w};
        if (thrd_create(&p->thread[w], worker_main, &p->slot[w]) != thrd_success) {
            workers_close(p);
            return -1;
        }
        p->started++;
    }
    return 0;
}

void workers_run(workers *p, worker_fn fn, void *ctx)
{
    if (p->n <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    mtx_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->pending = p->n - 1;
    p->generation++;
    cnd_broadcast(&p->start);
    mtx_unlock(&p->lock);
    fn(ctx, 0, p->n);
    mtx_lock(&p->lock);
    while (p->pending > 0) cnd_wait(&p->done, &p->lock);
    mtx_unlock(&p->lock);
}

void workers_close(workers *p)
{
    if (p->n <= 1) return;
    mtx_lock(&p->lock);
    p->quit = 1;
    cnd_broadcast(&p->start);
    mtx_unlock(&p->lock);
    for (int w = 1; w <= p->started; w++) thrd_join(p->thread[w], NULL);
    cnd_destroy(&p->done);
    cnd_destroy(&p->start);
    mtx_destroy(&p->lock);
    p->n = 1;
    p->started = 0;
}
