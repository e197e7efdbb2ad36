/* fuzz_container.c: connc container files (.cir, .cnet, checkpoints) through
 * every reader: connc_file_open, ir_read, network_load, checkpoint_peek.
 *
 * Every byte of a container is under a CRC-32, so a mutated file would
 * almost always stop at "checksum mismatch".  The target rewrites the CRCs
 * the input's own header and directory point at (schemas/container.md),
 * innermost first, so the fuzzer reaches the structural checks and the
 * readers behind them.  Checksum rejection itself has unit tests. */
#include "fuzz.h"
#include "ir.h"
#include "network.h"
#include "trainer.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { HEADER = 128, ENTRY = 160 };

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Stores at `at` the CRC of [off, off + len) when that range is in the file. */
static void fix_crc(uint8_t *b, size_t size, uint8_t *at, uint64_t off, uint64_t len)
{
    if (off <= size && len <= size - off) put32(at, (uint32_t)crc32_z(0, b + off, (size_t)len));
}

static void fix_crcs(uint8_t *b, size_t size)
{
    if (size < HEADER) return;
    uint64_t dir = get64(b + 48), n = get64(b + 56);
    if (n <= size / ENTRY && dir <= size && n * ENTRY <= size - dir) {
        for (uint64_t i = 0; i < n; i++) {
            uint8_t *e = b + dir + i * ENTRY;
            fix_crc(b, size, e + 152, get64(e + 136), get64(e + 144));
        }
        fix_crc(b, size, b + 68, dir, n * ENTRY);
    }
    fix_crc(b, size, b + 64, get64(b + 32), get64(b + 40));
    fix_crc(b, size, b + 124, 0, 124);
}

static void read_all(const char *path)
{
    ir x;
    if (ir_read(path, &x) == 0) ir_free(&x);
    network net;
    if (network_load(path, 2, "", &net) == 0) network_free(&net);
    char ablate[256];
    train_options o;
    memset(&o, 0, sizeof o);
    checkpoint_peek(path, ablate, sizeof ablate, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    if (!b) return 0;
    memcpy(b, data, size);
    fix_crcs(b, size);
    read_all(fuzz_file("file.cnet", b, size));
    free(b);
    return 0;
}
