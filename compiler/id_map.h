/* id_map.h: open-addressing hash map from 64-bit root ids to cell indices. */
#ifndef CONNC_ID_MAP_H
#define CONNC_ID_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *keys;
    int32_t *vals;   /* -1 marks an empty slot */
    size_t mask;
} id_map;

int id_map_init(id_map *m, size_t expected);
void id_map_free(id_map *m);
/* Inserts key -> val; returns the existing value if key was present, else -1. */
int32_t id_map_put(id_map *m, uint64_t key, int32_t val);
/* Returns the value or -1. */
int32_t id_map_get(const id_map *m, uint64_t key);

#endif
