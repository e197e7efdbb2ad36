/* connc.h: the public API of libconnc, the connectome-to-network compiler.
 *
 * Every function returns a connc_status: 0 on success, a negative code on
 * failure.  After a failure connc_errmsg() gives one line naming the file,
 * line and field at fault.  Handles are opaque; each *_open / *_new has a
 * matching *_close / *_free that accepts NULL.
 */
#ifndef CONNC_H
#define CONNC_H

#include <stddef.h>
#include <stdint.h>

#define CONNC_VERSION_STRING "0.1.0"

typedef enum {
    CONNC_OK = 0,
    CONNC_ERR_USAGE = -1,       /* bad argument or option */
    CONNC_ERR_IO = -2,          /* a file could not be read or written */
    CONNC_ERR_FORMAT = -3,      /* input data violates its format */
    CONNC_ERR_CORRUPT = -4,     /* checksum or structure of a connc file is wrong */
    CONNC_ERR_VERSION = -5,     /* a connc file of an unknown version */
    CONNC_ERR_NOMEM = -6,       /* out of memory */
    CONNC_ERR_LIMIT = -7,       /* a size or count exceeds a safety limit */
    CONNC_ERR_UNSUPPORTED = -8, /* feature not built in (e.g. HDF5) */
    CONNC_ERR_NETWORK = -9,     /* a remote service failed */
    CONNC_ERR_NOTFOUND = -10    /* a named item does not exist */
} connc_status;

/* One line describing the last error of this thread ("" if none). */
const char *connc_errmsg(void);
/* A short name for a status code ("format error", ...). */
const char *connc_strstatus(int status);

/* ---- Files written by the compiler: IR (.cir) and network (.cnet) ---- */

typedef struct connc_file connc_file;

typedef enum {
    CONNC_U8 = 1, CONNC_I32 = 2, CONNC_U32 = 3, CONNC_I64 = 4,
    CONNC_U64 = 5, CONNC_F32 = 6, CONNC_F64 = 7
} connc_dtype;

typedef struct {
    const char *name;
    connc_dtype dtype;
    uint32_t ndim;
    uint64_t shape[4];
    const void *data;   /* borrowed: valid until connc_file_close */
    uint64_t nbytes;
} connc_array;

/* Opens and fully validates a .cir or .cnet file (memory-mapped). */
int connc_file_open(const char *path, connc_file **out);
void connc_file_close(connc_file *f);
/* "ir", "network" or "checkpoint". */
const char *connc_file_kind(const connc_file *f);
/* The JSON metadata block (NUL-terminated, borrowed). */
const char *connc_file_metadata(const connc_file *f);
size_t connc_file_array_count(const connc_file *f);
int connc_file_array_at(const connc_file *f, size_t i, connc_array *out);
int connc_file_array(const connc_file *f, const char *name, connc_array *out);

#endif
