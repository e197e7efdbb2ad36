/* id_map.c: linear-probing hash map sized to at most 50 % load. */
#include "id_map.h"
#include "error.h"

#include <stdlib.h>

static size_t slot(uint64_t key, size_t mask)
{
    key ^= key >> 33;               /* murmur3 finaliser: root ids share long prefixes */
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & mask;
}

int id_map_init(id_map *m, size_t expected)
{
    size_t cap = 16;
    while (cap < 2 * expected + 1) cap *= 2;
    m->keys = malloc(cap * sizeof *m->keys);
    m->vals = malloc(cap * sizeof *m->vals);
    m->mask = cap - 1;
    if (!m->keys || !m->vals) {
        id_map_free(m);
        return err_set(CONNC_ERR_NOMEM, "out of memory for %zu ids", expected);
    }
    for (size_t i = 0; i < cap; i++) m->vals[i] = -1;
    return CONNC_OK;
}

void id_map_free(id_map *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
}

int32_t id_map_put(id_map *m, uint64_t key, int32_t val)
{
    for (size_t i = slot(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->vals[i] < 0) {
            m->keys[i] = key;
            m->vals[i] = val;
            return -1;
        }
        if (m->keys[i] == key) return m->vals[i];
    }
}

int32_t id_map_get(const id_map *m, uint64_t key)
{
    for (size_t i = slot(key, m->mask);; i = (i + 1) & m->mask) {
        if (m->vals[i] < 0) return -1;
        if (m->keys[i] == key) return m->vals[i];
    }
}
