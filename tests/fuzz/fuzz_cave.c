/* fuzz_cave.c: the text a CAVE server sends back: the JSON syntax check
 * every 2xx body passes (json_is_valid), the message pulled out of an
 * error body, and the Warning and Retry-After header values.  Page bodies
 * themselves are JSON records read by the table reader (fuzz_cells). */
#include "cave_http.h"
#include "cave_json.h"
#include "fuzz.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text) return 0;
    char msg[256];
    uint64_t limit;
    json_is_valid(text, size);
    cave_server_message(text, size, msg, sizeof msg);
    cave_warning_limit(text, &limit);
    cave_retry_after(text, 1700000000L);
    free(text);
    return 0;
}
