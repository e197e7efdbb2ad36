/* fuzz_synth.c: the four inputs of `connc synth` through synth_model_load().
 * The first byte picks which input the rest of the bytes replace; the other
 * three are a small valid set, so every reader is reached with the others'
 * data in place. */
#include "fuzz.h"
#include "synth.h"

#include <stdio.h>
#include <string.h>

static const char *const valid[4][2] = {
    {"types.csv", "cell_type,count,classification_system,depth_min_um,depth_max_um\n"
                  "23P,4,aibs_coarse_excitatory,100,300\nBC,2,aibs_coarse_inhibitory,100,900\n"},
    {"matrix.csv", "pre_cell_type,23P,BC\n23P,10,4\nBC,6,2\n"},
    {"reference.csv", "pre,post\n1,2\n1,2\n2,3\n3,1\n3,3\n"},
    {"sizes.csv", "size,source\n2956,a\n344,b\n1200,c\n"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int pick = data[0] % 4;
    const char *path[4];
    /* fuzz_file returns one static buffer: each path is used before the next
     * call, so the four names are kept in their own storage. */
    static char keep[4][256];
    for (int i = 0; i < 4; i++) {
        const char *p = i == pick ? fuzz_file(valid[i][0], data + 1, size - 1)
                                  : fuzz_file(valid[i][0], valid[i][1], strlen(valid[i][1]));
        snprintf(keep[i], sizeof keep[i], "%s", p);
        path[i] = keep[i];
    }
    synth_options o;
    synth_options_default(&o);
    o.types = path[0];
    o.matrix = path[1];
    o.reference = path[2];
    o.sizes = path[3];
    synth_model m;
    if (synth_model_load(&o, &m) == 0) synth_model_free(&m);
    return 0;
}
