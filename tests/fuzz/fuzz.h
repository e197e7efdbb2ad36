/* fuzz.h: shared by the libFuzzer targets of tests/fuzz/.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput and feeds the bytes to
 * the real entry point of one parser.  The same sources are linked either
 * with libFuzzer (`make fuzz`, clang, ASan + UBSan) or with replay.c, a
 * plain main() that runs saved inputs, so `make test` replays the seed
 * corpora and every crash ever found (tests/fuzz/regressions/) without clang.
 */
#ifndef CONNC_FUZZ_H
#define CONNC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the bytes to a file of this process named `name` (the name keeps
 * the suffix a parser may look at) and returns its path (static buffer). */
const char *fuzz_file(const char *name, const void *data, size_t size);

/* The bytes as a NUL-terminated string (caller frees; NULL: out of memory). */
char *fuzz_text(const uint8_t *data, size_t size);

#endif
