/* container.h: the one file format shared by compiler and runtime.
 *
 * An IR file (.cir), a network description (.cnet) and a training checkpoint
 * are each a container:
 * a 128-byte header, a JSON metadata block, a directory of named typed
 * arrays, then the arrays, each 64-byte aligned with its own CRC-32.
 * The layout is documented in schemas/container.md.  Reading side: the
 * public connc_file_* functions in connc.h.  Writing side: below.
 */
#ifndef CONNC_CONTAINER_H
#define CONNC_CONTAINER_H

#include "connc.h"

#include <stdio.h>

#define CONTAINER_VERSION_MAJOR 1
#define CONTAINER_VERSION_MINOR 0
#define CONTAINER_NAME_MAX 95       /* longest array name in bytes */
#define CONTAINER_MAX_ARRAYS 65536

typedef enum { CONTAINER_IR, CONTAINER_NETWORK, CONTAINER_CHECKPOINT } container_kind;

typedef struct container_writer container_writer;

container_writer *container_writer_new(container_kind kind);
void container_writer_free(container_writer *w);
/* Copies the metadata JSON text. */
int container_set_metadata(container_writer *w, const char *json);
/* Adds an array; data is borrowed and must stay valid until container_write. */
int container_add(container_writer *w, const char *name, connc_dtype dtype,
                  uint32_t ndim, const uint64_t *shape, const void *data);
/* Adds an array whose bytes are read, at container_write, from file at
 * offset (an array too large for memory, kept in a scratch file). */
int container_add_file(container_writer *w, const char *name, connc_dtype dtype,
                       uint32_t ndim, const uint64_t *shape, FILE *file, uint64_t offset);
/* Writes atomically (temp file, fsync, rename). */
int container_write(container_writer *w, const char *path);

size_t dtype_size(connc_dtype t);
const char *dtype_name(connc_dtype t);

/* Fetches a named array and checks its dtype and rank; CONNC_ERR_CORRUPT if
 * it is missing or different (file path is named in the message). */
int container_expect(const connc_file *f, const char *name, connc_dtype dtype,
                     uint32_t ndim, connc_array *out);
/* container_expect for a 1-D array of exactly n entries, copied into dst;
 * CONNC_ERR_CORRUPT naming the array when the count differs. */
int container_read(const connc_file *f, const char *name, connc_dtype dtype, void *dst, uint64_t n);
const char *connc_file_path(const connc_file *f);

#endif
