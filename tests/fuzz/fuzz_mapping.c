/* fuzz_mapping.c: layer mappings (JSON) through mapping_parse(). */
#include "fuzz.h"
#include "mapping.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    mapping m;
    if (text && mapping_parse(text, "fuzz.json", &m) == 0) {
        /* The lookups walk the parsed tables: exercise them too. */
        mapping_layer_of(&m, "23P");
        mapping_is_inhibitory(&m, "BC");
        mapping_free(&m);
    }
    free(text);
    return 0;
}
