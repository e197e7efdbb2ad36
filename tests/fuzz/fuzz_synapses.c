/* fuzz_synapses.c: the table reader as a synapse table, through
 * synapses_read() against the fixed 10-cell table of tests/data. */
#include "cells.h"
#include "fuzz.h"
#include "synapses.h"

#include <stdlib.h>

/* tests/data/tiny_cells.csv, so that fuzzed ids can hit known cells. */
static const char tiny_cells[] =
    "pt_root_id,cell_type,pt_position,valid\n"
    "30,23P,\"[1, 2, 3]\",t\n10,4P,\"[4, 5, 6]\",t\n20,5P-IT,\"[7, 8, 9]\",t\n"
    "40,BC,\"[1, 1, 1]\",t\n50,MC,\"[2, 2, 2]\",t\n";

static const cell_table *cells(void)
{
    static cell_table c;
    static int loaded;
    if (!loaded) {
        if (cells_read(fuzz_file("cells.csv", tiny_cells, sizeof tiny_cells - 1), &c) != 0) abort();
        loaded = 1;
    }
    return &c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const cell_table *c = cells();
    synapse_list s;
    /* The first byte picks the unknown-id policy, so both paths are fuzzed. */
    int skip = size > 0 && (data[0] & 1);
    if (synapses_read(fuzz_file("synapses.csv", data, size), c, skip, &s) == 0) synapses_free(&s);
    return 0;
}
