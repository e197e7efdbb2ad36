/* mapping.c: parse and query layer mappings (see mapping.h). */
#define _POSIX_C_SOURCE 200809L
#include "mapping.h"
#include "error.h"
#include "infile.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char connc_default_mapping_json[]; /* generated from connectomes/mappings/bionic.json */

/* A mapping names a few layers and cell types; anything this large is not one. */
#define MAX_MAPPING_BYTES (16u << 20)

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAPPING_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Copies a JSON array of non-empty strings. */
static int string_list(const cJSON *arr, const char *where, const char *field, char ***out, size_t *n)
{
    if (!cJSON_IsArray(arr)) return err_set(CONNC_ERR_FORMAT, "%s: field '%s': expected an array of strings", where, field);
    *n = (size_t)cJSON_GetArraySize(arr);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) return err_set(CONNC_ERR_NOMEM, "out of memory");
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e) || e->valuestring[0] == '\0')
            return err_set(CONNC_ERR_FORMAT, "%s: field '%s'[%zu]: expected a non-empty string", where, field, i);
        if (!((*out)[i] = strdup(e->valuestring))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    return CONNC_OK;
}

static void free_list(char **l, size_t n)
{
    if (!l) return;
    for (size_t i = 0; i < n; i++) free(l[i]);
    free(l);
}

static int check_keys(const cJSON *obj, const char *where, const char *const *allowed)
{
    for (const cJSON *e = obj->child; e; e = e->next) {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++) ok |= strcmp(e->string, allowed[i]) == 0;
        if (!ok) return err_set(CONNC_ERR_FORMAT, "%s: unknown field '%s'", where, e->string);
    }
    return CONNC_OK;
}

static int parse_layers(const cJSON *arr, const char *where, mapping *m)
{
    static const char *const keys[] = {"name", "cell_types", "description", NULL};
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
        return err_set(CONNC_ERR_FORMAT, "%s: field 'layers': expected a non-empty array", where);
    m->nlayers = (size_t)cJSON_GetArraySize(arr);
    m->layers = calloc(m->nlayers, sizeof *m->layers);
    if (!m->layers) return err_set(CONNC_ERR_NOMEM, "out of memory");
    size_t i = 0;
    for (const cJSON *l = arr->child; l; l = l->next, i++) {
        char field[64];
        snprintf(field, sizeof field, "layers[%zu]", i);
        if (!cJSON_IsObject(l)) return err_set(CONNC_ERR_FORMAT, "%s: field '%s': expected an object", where, field);
        TRY(check_keys(l, where, keys));
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(l, "name");
        if (!cJSON_IsString(name) || !valid_name(name->valuestring))
            return err_set(CONNC_ERR_FORMAT, "%s: field '%s.name': 1-%d characters of A-Z a-z 0-9 _ - .",
                           where, field, MAPPING_NAME_MAX);
        strcpy(m->layers[i].name, name->valuestring);
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->layers[j].name, name->valuestring) == 0)
                return err_set(CONNC_ERR_FORMAT, "%s: field '%s.name': layer '%s' defined twice", where, field, name->valuestring);
        strcat(field, ".cell_types");
        TRY(string_list(cJSON_GetObjectItemCaseSensitive(l, "cell_types"), where, field,
                        &m->layers[i].types, &m->layers[i].ntypes));
        if (m->layers[i].ntypes == 0) return err_set(CONNC_ERR_FORMAT, "%s: field '%s': empty", where, field);
    }
    return CONNC_OK;
}

static int parse_aliases(const cJSON *obj, const char *where, mapping *m)
{
    if (!obj) return CONNC_OK;
    if (!cJSON_IsObject(obj)) return err_set(CONNC_ERR_FORMAT, "%s: field 'aliases': expected an object", where);
    m->naliases = (size_t)cJSON_GetArraySize(obj);
    m->alias_from = calloc(m->naliases + 1, sizeof *m->alias_from);
    m->alias_to = calloc(m->naliases + 1, sizeof *m->alias_to);
    if (!m->alias_from || !m->alias_to) return err_set(CONNC_ERR_NOMEM, "out of memory");
    size_t i = 0;
    for (const cJSON *e = obj->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e) || e->valuestring[0] == '\0')
            return err_set(CONNC_ERR_FORMAT, "%s: field 'aliases.%s': expected a type name", where, e->string);
        m->alias_from[i] = strdup(e->string);
        m->alias_to[i] = strdup(e->valuestring);
        if (!m->alias_from[i] || !m->alias_to[i]) return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    return CONNC_OK;
}

/* A type may sit in one layer only; aliases must lead to a known type. */
static int check_consistency(const char *where, const mapping *m)
{
    for (size_t a = 0; a < m->nlayers; a++)
        for (size_t i = 0; i < m->layers[a].ntypes; i++)
            for (size_t b = a; b < m->nlayers; b++)
                for (size_t j = (b == a ? i + 1 : 0); j < m->layers[b].ntypes; j++)
                    if (strcmp(m->layers[a].types[i], m->layers[b].types[j]) == 0)
                        return err_set(CONNC_ERR_FORMAT, "%s: cell type '%s' is in layers '%s' and '%s'", where,
                                       m->layers[a].types[i], m->layers[a].name, m->layers[b].name);
    for (size_t i = 0; i < m->naliases; i++)
        if (mapping_layer_of(m, m->alias_to[i]) < 0 && !mapping_is_inhibitory(m, m->alias_to[i]))
            return err_set(CONNC_ERR_FORMAT, "%s: field 'aliases.%s': '%s' is in no layer and not inhibitory",
                           where, m->alias_from[i], m->alias_to[i]);
    return CONNC_OK;
}

int mapping_parse(const char *text, const char *where, mapping *m)
{
    static const char *const keys[] = {"schema", "name", "description", "layers", "inhibitory_types", "aliases", NULL};
    memset(m, 0, sizeof *m);
    cJSON *root = cJSON_Parse(text);
    int rc;
    if (!root || !cJSON_IsObject(root)) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: not a JSON object (mapping files follow schemas/mapping.schema.json)", where);
        goto fail;
    }
    CHECK(check_keys(root, where, keys));
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, "connc-mapping/1") != 0) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: field 'schema': expected \"connc-mapping/1\"", where);
        goto fail;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(name) || !valid_name(name->valuestring)) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: field 'name': expected a short name", where);
        goto fail;
    }
    if (!(m->name = strdup(name->valuestring)) || !(m->json = cJSON_PrintUnformatted(root))) {
        rc = err_set(CONNC_ERR_NOMEM, "out of memory");
        goto fail;
    }
    CHECK(parse_layers(cJSON_GetObjectItemCaseSensitive(root, "layers"), where, m));
    const cJSON *inh = cJSON_GetObjectItemCaseSensitive(root, "inhibitory_types");
    if (inh) CHECK(string_list(inh, where, "inhibitory_types", &m->inhibitory, &m->ninhibitory));
    CHECK(parse_aliases(cJSON_GetObjectItemCaseSensitive(root, "aliases"), where, m));
    CHECK(check_consistency(where, m));
    cJSON_Delete(root);
    return CONNC_OK;
fail:
    cJSON_Delete(root);
    mapping_free(m);
    return rc;
}

int mapping_load(const char *path, mapping *m)
{
    char *text;
    TRY(infile_read(path, MAX_MAPPING_BYTES, &text, NULL));
    int rc = mapping_parse(text, path, m);
    free(text);
    return rc;
}

int mapping_default(mapping *m)
{
    return mapping_parse(connc_default_mapping_json, "built-in mapping 'bionic'", m);
}

void mapping_free(mapping *m)
{
    for (size_t i = 0; m->layers && i < m->nlayers; i++) free_list(m->layers[i].types, m->layers[i].ntypes);
    free(m->layers);
    free_list(m->inhibitory, m->ninhibitory);
    free_list(m->alias_from, m->naliases);
    free_list(m->alias_to, m->naliases);
    free(m->name);
    free(m->json);
    memset(m, 0, sizeof *m);
}

const char *mapping_canonical(const mapping *m, const char *type)
{
    for (size_t i = 0; i < m->naliases; i++)
        if (strcmp(m->alias_from[i], type) == 0) return m->alias_to[i];
    return type;
}

int mapping_layer_of(const mapping *m, const char *type)
{
    for (size_t l = 0; l < m->nlayers; l++)
        for (size_t i = 0; i < m->layers[l].ntypes; i++)
            if (strcmp(m->layers[l].types[i], type) == 0) return (int)l;
    return -1;
}

int mapping_is_inhibitory(const mapping *m, const char *type)
{
    for (size_t i = 0; i < m->ninhibitory; i++)
        if (strcmp(m->inhibitory[i], type) == 0) return 1;
    return 0;
}
