/* dist.c: see dist.h.  The only file that includes mpi.h; the build without
 * MPI compiles the one-process half. */
#define _POSIX_C_SOURCE 200809L
#include "dist.h"
#include "error.h"

#include <stdlib.h>

static int rank = 0, size = 1;

int dist_rank(void) { return rank; }
int dist_size(void) { return size; }

void dist_part(long n, long *lo, long *count)
{
    *lo = n * rank / size;
    *count = n * (rank + 1) / size - *lo;
}

#ifdef CONNC_MPI
#include <limits.h>
#include <mpi.h>
#include <string.h>

#define REAL_MPI (sizeof(real) == 4 ? MPI_FLOAT : MPI_DOUBLE)

static int *counts, *displs; /* dist_gather's, one per rank */
static real *staged;          /* dist_gather's packed rows (grows) */
static long staged_n;

/* Items [lo, lo + k) of every array into (pack) or out of staged, where
 * they are one block from lo * per on: the first array's rows, then the
 * next's.  So the blocks of the ranks follow each other in rank order. */
static void stage(const dist_batch *a, int count, long lo, long k, long per, int pack)
{
    real *at = staged + lo * per;
    for (int i = 0; i < count; i++) {
        real *rows = a[i].x + lo * a[i].len;
        size_t bytes = (size_t)(k * a[i].len) * sizeof *rows;
        if (pack) memcpy(at, rows, bytes);
        else memcpy(rows, at, bytes);
        at += k * a[i].len;
    }
}

int dist_init(void)
{
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (provided < MPI_THREAD_FUNNELED) return err_set(CONNC_ERR_UNSUPPORTED, "MPI: no thread support (FUNNELED)");
    counts = malloc((size_t)size * sizeof *counts);
    displs = malloc((size_t)size * sizeof *displs);
    if (!counts || !displs) return err_set(CONNC_ERR_NOMEM, "out of memory");
    return CONNC_OK;
}

int dist_finalize(void)
{
    free(counts);
    free(displs);
    free(staged);
    counts = displs = NULL;
    staged = NULL, staged_n = 0;
    MPI_Finalize();
    rank = 0, size = 1;
    return CONNC_OK;
}

void dist_abort(int code)
{
    if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

/* MPI counts are ints: long arrays go in pieces. */
void dist_sum(real *x, long n)
{
    if (size == 1) return;
    for (long at = 0; at < n; at += INT_MAX / 2) {
        long k = n - at < INT_MAX / 2 ? n - at : INT_MAX / 2;
        MPI_Allreduce(MPI_IN_PLACE, x + at, (int)k, REAL_MPI, MPI_SUM, MPI_COMM_WORLD);
    }
}

/* The arrays are packed rank by rank into one buffer (each rank's rows of
 * every array together), gathered, and unpacked.  A step's batch arrays are
 * at most a few MiB, well inside an int count. */
void dist_gather(const dist_batch *a, int count, long n)
{
    if (size == 1) return;
    long per = 0; /* reals per item, over all arrays */
    for (int i = 0; i < count; i++) per += a[i].len;
    if (n * per > staged_n) {
        real *s = realloc(staged, (size_t)(n * per) * sizeof *s);
        if (!s) MPI_Abort(MPI_COMM_WORLD, 1); /* a rank that cannot follow must not leave the others waiting */
        staged = s, staged_n = n * per;
    }
    for (int r = 0; r < size; r++) {
        displs[r] = (int)(n * r / size * per);
        counts[r] = (int)((n * (r + 1) / size - n * r / size) * per);
    }
    long lo, part;
    dist_part(n, &lo, &part);
    stage(a, count, lo, part, per, 1);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, staged, counts, displs, REAL_MPI, MPI_COMM_WORLD);
    for (int r = 0; r < size; r++)
        if (r != rank) stage(a, count, n * r / size, n * (r + 1) / size - n * r / size, per, 0);
}

void dist_barrier(void)
{
    if (size > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void dist_same(const unsigned char *data, int n, int *same)
{
    unsigned char lo[DIST_SAME_MAX], hi[DIST_SAME_MAX];
    *same = 1;
    if (size == 1) return;
    MPI_Allreduce(data, lo, n, MPI_UNSIGNED_CHAR, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(data, hi, n, MPI_UNSIGNED_CHAR, MPI_MAX, MPI_COMM_WORLD);
    *same = memcmp(lo, hi, (size_t)n) == 0;
}

#else

/* A launcher's rank count, when this process was started as one of many. */
static long launched_ranks(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (!v) v = getenv("PMI_SIZE");
    return v ? strtol(v, NULL, 10) : 1;
}

int dist_init(void)
{
    long k = launched_ranks();
    if (k > 1)
        return err_set(CONNC_ERR_UNSUPPORTED, "started as one of %ld MPI ranks, but this connc was built without MPI "
                                              "(build bin/connc-mpi with 'make MPI=1')", k);
    return CONNC_OK;
}

int dist_finalize(void) { return CONNC_OK; }
void dist_abort(int code) { (void)code; }
void dist_sum(real *x, long n) { (void)x, (void)n; }
void dist_gather(const dist_batch *a, int count, long n) { (void)a, (void)count, (void)n; }
void dist_barrier(void) {}
void dist_same(const unsigned char *data, int n, int *same) { (void)data, (void)n, *same = 1; }

#endif
