/* outfile.h: crash-safe output files.
 *
 * Output goes to a temporary file next to the target; outfile_commit()
 * flushes, fsyncs and renames it over the target, so a reader sees either
 * the old complete file or the new complete file, never a half-written one.
 */
#ifndef CONNC_OUTFILE_H
#define CONNC_OUTFILE_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *f;        /* write here between open and commit/abort */
    char *path;     /* final path (owned) */
    char *tmp;      /* temporary path (owned) */
} outfile;

int outfile_open(outfile *o, const char *path);
/* Makes the file visible under its final name; frees o's resources. */
int outfile_commit(outfile *o);
/* Removes the temporary file; safe to call after a failed commit or twice. */
void outfile_abort(outfile *o);
/* Writes all of buf or fails with an I/O error naming the file. */
int outfile_write(outfile *o, const void *buf, size_t n);
/* Moves the write position to byte pos (to fill in a part written last). */
int outfile_seek(outfile *o, uint64_t pos);

/* A scratch file in dir for data too large for memory: created and at once
 * unlinked, so that it vanishes when closed, whatever way the process ends.
 * Read and written through *out; fclose frees it.  Returns a connc_status. */
int scratch_open(const char *dir, FILE **out);

/* Creates directory path (and parents) if missing. */
int make_dirs(const char *path);

#endif
