/* dist.h: data-parallel training over processes (MPI ranks), the batch split
 * of workers.h one level up.
 *
 * Rank r of K owns images [B*r/K, B*(r+1)/K) of every global batch (the
 * description's batch_size, BIONIC.md §3) and splits its part over its own
 * threads.  Every rank draws the whole batch's random numbers, so the RNG
 * streams stay in lockstep; what the batch-level code reads (logits,
 * activations for the Hebbian update, BCM and BioLogicalNeuron statistics)
 * is gathered from all ranks, and the gradients are summed, so every rank
 * takes the same optimiser step on the same numbers as one process would.
 * Two ranks of one thread split a batch as one process of two threads does
 * and add the same two gradients (a + b = b + a): the run is bit-identical.
 * Otherwise the gradient sums are associated differently (and uneven
 * batches split a little differently) and results agree up to summation
 * order.
 *
 * All MPI calls live in dist.c.  Built without CONNC_MPI (the default make)
 * every function is the one-process case: rank 0 of 1, nothing to exchange.
 * Communication errors are not returned: MPI's default handler aborts the
 * whole job, the only safe answer while the other ranks wait in a
 * collective.  Until dist_init, this process is rank 0 of 1.
 *
 * Only the main thread calls these functions (MPI_THREAD_FUNNELED): the
 * exchanges happen between worker jobs, never inside one. */
#ifndef CONNC_DIST_H
#define CONNC_DIST_H

#include "real.h"

/* Joins the job (MPI_Init_thread); a no-op without MPI, where a launch as
 * one of several MPI ranks is refused (each would train alone and overwrite
 * the others' files). */
int dist_init(void);
/* Leaves the job (MPI_Finalize after a clean run). */
int dist_finalize(void);
/* After a failure on any rank: ends every rank of a job of more than one
 * with exit status code (the others may be waiting in a collective);
 * returns when this is the only rank. */
void dist_abort(int code);
int dist_rank(void);
int dist_size(void);
/* This rank's part [*lo, *lo + *count) of n items (the split rule above). */
void dist_part(long n, long *lo, long *count);
/* x[0..n) summed over the ranks, in place. */
void dist_sum(real *x, long n);
/* An array of n items (a batch) of len reals each. */
typedef struct {
    real *x;
    long len;
} dist_batch;
/* Every rank's part (dist_part) of each of the count arrays of n items is
 * sent to all, in place, in one collective: a rank waits for the others
 * once, however many arrays a step exchanges. */
void dist_gather(const dist_batch *a, int count, long n);
/* Waits for every rank (after rank 0 wrote a file the others read). */
void dist_barrier(void);
/* *same = 1 when the n <= DIST_SAME_MAX bytes of data (a digest) are equal
 * on every rank. */
#define DIST_SAME_MAX 64
void dist_same(const unsigned char *data, int n, int *same);

#endif
