/* fuzz_cells.c: the table reader (CSV / JSON records, plain or gzip) as a
 * cell table, through cells_read(). */
#include "cells.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cell_table c;
    if (cells_read(fuzz_file("cells.csv", data, size), &c) == 0) cells_free(&c);
    return 0;
}
