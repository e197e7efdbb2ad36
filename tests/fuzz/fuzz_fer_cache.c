/* fuzz_fer_cache.c: the binary FER-2013 cache through fer_cache_read().
 * Two CRC-32s would reject almost every mutation before the fields are
 * looked at, so the target rewrites them to match (schemas/fer2013_cache.md):
 * the payload CRC at 152 over everything after the 256-byte header, then the
 * header CRC at 252 over bytes 0-251.  Checksum rejection has unit tests. */
#include "fer2013.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { HEADER = 256 };

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    if (!b) return 0;
    memcpy(b, data, size);
    if (size >= HEADER) {
        put32(b + 152, (uint32_t)crc32_z(0, b + HEADER, size - HEADER));
        put32(b + 252, (uint32_t)crc32_z(0, b, 252));
    }
    fer_data d;
    if (fer_cache_read(fuzz_file("fer.cache", b, size), &d) == 0) fer_free(&d);
    free(b);
    return 0;
}
