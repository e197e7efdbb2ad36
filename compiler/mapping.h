/* mapping.h: cell types -> laminar layers, and which types inhibit.
 *
 * The mapping is data (schemas/mapping.schema.json); the BioNIC mapping of
 * BIONIC.md §1 is built in and shipped as connectomes/mappings/bionic.json.
 */
#ifndef CONNC_MAPPING_H
#define CONNC_MAPPING_H

#include <stddef.h>

#define MAPPING_NAME_MAX 32

typedef struct {
    char name[MAPPING_NAME_MAX + 1];
    char **types;        /* canonical cell types of this layer (owned) */
    size_t ntypes;
} mapping_layer;

typedef struct {
    char *name;
    char *json;          /* the mapping's JSON text, compact (owned) */
    mapping_layer *layers;
    size_t nlayers;
    char **inhibitory;   /* canonical inhibitory types */
    size_t ninhibitory;
    char **alias_from, **alias_to;
    size_t naliases;
} mapping;

/* Parses mapping JSON text; `where` names its source in error messages. */
int mapping_parse(const char *text, const char *where, mapping *out);
int mapping_load(const char *path, mapping *out);
/* The built-in BioNIC mapping. */
int mapping_default(mapping *out);
void mapping_free(mapping *m);

/* The canonical name of a cell type (alias resolved); borrowed. */
const char *mapping_canonical(const mapping *m, const char *type);
/* Layer index of a canonical type, or -1 if it belongs to no layer. */
int mapping_layer_of(const mapping *m, const char *type);
int mapping_is_inhibitory(const mapping *m, const char *type);

#endif
