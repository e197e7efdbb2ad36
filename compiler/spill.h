/* spill.h: append-only arrays, kept in memory or, for the out-of-core
 * compile, written through to an unlinked scratch file (outfile.h), so that
 * an array may be larger than the memory allowed. */
#ifndef CONNC_SPILL_H
#define CONNC_SPILL_H

#include "sha256.h"

#include <stdint.h>
#include <stdio.h>

typedef struct {
    size_t width;      /* bytes per element */
    uint64_t n;        /* elements appended */
    void *data;        /* in memory: the elements (cap of them) */
    uint64_t cap;
    FILE *file;        /* on disk: the elements from offset 0; NULL in memory */
    char *buf;         /* the file's buffer */
    uint64_t pos;      /* the next element spill_read reads */
    int reading;       /* the file's position is pos, not the end */
    const char *dir;   /* where the file is (borrowed), for messages */
} spill;

/* Bytes of write buffer a spill on disk holds. */
#define SPILL_BUFFER (1u << 20)

/* An empty array of width-byte elements: in a scratch file in dir, or in
 * memory when dir is NULL. */
int spill_open(spill *s, size_t width, const char *dir);
int spill_append(spill *s, const void *p, uint64_t n);
/* Reading back: spill_seek to element first, then spill_read n elements
 * at a time into out; the next append goes on at the end. */
int spill_seek(spill *s, uint64_t first);
int spill_read(spill *s, void *out, uint64_t n);
/* Feeds elements [first, first + n) to h. */
int spill_hash(spill *s, uint64_t first, uint64_t n, sha256_ctx *h);
/* Writes out what the file's buffer holds. */
int spill_flush(spill *s);
void spill_close(spill *s);

#endif
