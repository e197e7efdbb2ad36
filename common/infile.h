/* infile.h: opening and reading input files, with errors that name the file.
 *
 * The counterpart of outfile.h.  Small whole files (a layer mapping, a
 * provenance record, metrics.json) are read with infile_read; files that are
 * mapped or streamed instead (connc containers, the FER-2013 CSV) are opened
 * with infile_open.  Either way a failure reads "PATH: cannot open: REASON"
 * and the like, the same everywhere.
 */
#ifndef CONNC_INFILE_H
#define CONNC_INFILE_H

#include <stddef.h>
#include <sys/stat.h>

/* Opens path read-only and requires a regular file: returns the descriptor
 * and fills *st (the caller's key to the file's size and identity), or a
 * negative connc_status. */
int infile_open(const char *path, struct stat *st);

/* Reads all of path into a NUL-terminated buffer *out (the caller frees it)
 * and its length into *len unless len is NULL.  The file is read as a stream,
 * so a pipe works too; more than max bytes is CONNC_ERR_LIMIT.  Returns a
 * connc_status; on failure *out is NULL. */
int infile_read(const char *path, size_t max, char **out, size_t *len);

#endif
