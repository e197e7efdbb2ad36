/* fuzz_fer_csv.c: FER-2013 CSV (plain or gzip) through fer_parse_csv(). */
#include "fer2013.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fer_data d;
    if (fer_parse_csv(fuzz_file("fer.csv", data, size), &d) == 0) fer_free(&d);
    return 0;
}
