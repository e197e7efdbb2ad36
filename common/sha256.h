/* sha256.h: SHA-256 (FIPS 180-4), used for input provenance checksums. */
#ifndef CONNC_SHA256_H
#define CONNC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t nbytes;
    uint8_t buf[64];
    size_t nbuf;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t n);
/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
void sha256_final_hex(sha256_ctx *c, char hex[65]);
/* Hashes a whole file; returns a connc_status. */
int sha256_file(const char *path, char hex[65]);

#endif
