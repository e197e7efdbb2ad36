/* test_mapping.c: layer mappings (compiler/mapping.c, BIONIC.md §1). */
#include "harness.h"
#include "connc.h"
#include "mapping.h"

#include <string.h>

static int has_type(const mapping_layer *l, const char *t)
{
    for (size_t i = 0; i < l->ntypes; i++)
        if (strcmp(l->types[i], t) == 0) return 1;
    return 0;
}

TEST(mapping_default_bionic)
{
    mapping m;
    EXPECT_EQ_INT(mapping_default(&m), 0);
    EXPECT(strcmp(m.name, "bionic") == 0);
    EXPECT_EQ_INT(m.nlayers, 4);
    if (m.nlayers != 4) { mapping_free(&m); return; }
    EXPECT(strcmp(m.layers[0].name, "A") == 0);
    EXPECT(strcmp(m.layers[1].name, "B") == 0);
    EXPECT(strcmp(m.layers[2].name, "C") == 0);
    EXPECT(strcmp(m.layers[3].name, "D") == 0);
    /* BIONIC.md §1, Table 2 */
    EXPECT_EQ_INT(m.layers[0].ntypes, 1);
    EXPECT(has_type(&m.layers[0], "4P"));
    EXPECT_EQ_INT(m.layers[1].ntypes, 1);
    EXPECT(has_type(&m.layers[1], "23P"));
    EXPECT_EQ_INT(m.layers[2].ntypes, 3);
    EXPECT(has_type(&m.layers[2], "5P-ET") && has_type(&m.layers[2], "5P-IT") && has_type(&m.layers[2], "5P-NP"));
    EXPECT_EQ_INT(m.layers[3].ntypes, 4);
    EXPECT(has_type(&m.layers[3], "6P-CT") && has_type(&m.layers[3], "6P-IT") && has_type(&m.layers[3], "6P-U") &&
           has_type(&m.layers[3], "WM-P"));
    EXPECT_EQ_INT(m.ninhibitory, 4);
    EXPECT(mapping_is_inhibitory(&m, "BC") && mapping_is_inhibitory(&m, "BPC") && mapping_is_inhibitory(&m, "MC") &&
           mapping_is_inhibitory(&m, "NGC"));
    EXPECT(!mapping_is_inhibitory(&m, "23P"));
    EXPECT(!mapping_is_inhibitory(&m, "bc"));
    /* the inhibitory types sit in no layer */
    EXPECT_EQ_INT(mapping_layer_of(&m, "BC"), -1);
    EXPECT_EQ_INT(mapping_layer_of(&m, "4P"), 0);
    EXPECT_EQ_INT(mapping_layer_of(&m, "WM-P"), 3);
    EXPECT_EQ_INT(mapping_layer_of(&m, "5P-PT"), -1); /* an alias is not itself a layer type */
    EXPECT(strcmp(mapping_canonical(&m, "5P-PT"), "5P-ET") == 0);
    EXPECT(strcmp(mapping_canonical(&m, "5P-IT"), "5P-IT") == 0);
    EXPECT_EQ_INT(mapping_layer_of(&m, mapping_canonical(&m, "5P-PT")), 2);
    EXPECT(m.json && strstr(m.json, "\"connc-mapping/1\"") != NULL);
    mapping_free(&m);
    mapping_free(&m); /* freeing twice is harmless */
}

TEST(mapping_shipped_file_matches_builtin)
{
    mapping a, b;
    int rc = mapping_load("connectomes/mappings/bionic.json", &a);
    if (rc == CONNC_ERR_IO) { harness_skip("not run from the repository root"); return; }
    EXPECT_EQ_INT(rc, 0);
    EXPECT_EQ_INT(mapping_default(&b), 0);
    EXPECT(a.json && b.json && strcmp(a.json, b.json) == 0);
    mapping_free(&a);
    mapping_free(&b);
}

TEST(mapping_custom)
{
    mapping m;
    const char *text = "{\"schema\": \"connc-mapping/1\", \"name\": \"two\", \"description\": \"x\","
                       " \"layers\": [{\"name\": \"L1\", \"cell_types\": [\"a\", \"b\"], \"description\": \"first\"},"
                       "              {\"name\": \"L2\", \"cell_types\": [\"c\"]}],"
                       " \"inhibitory_types\": [\"i\"], \"aliases\": {\"old-a\": \"a\", \"old-i\": \"i\"}}";
    EXPECT_EQ_INT(mapping_parse(text, "custom.json", &m), 0);
    EXPECT_EQ_INT(m.nlayers, 2);
    EXPECT_EQ_INT(mapping_layer_of(&m, "b"), 0);
    EXPECT_EQ_INT(mapping_layer_of(&m, "c"), 1);
    EXPECT(strcmp(mapping_canonical(&m, "old-i"), "i") == 0);
    EXPECT(mapping_is_inhibitory(&m, mapping_canonical(&m, "old-i")));
    mapping_free(&m);
    /* inhibitory_types and aliases are optional */
    EXPECT_EQ_INT(mapping_parse("{\"schema\": \"connc-mapping/1\", \"name\": \"n\", \"layers\": "
                                "[{\"name\": \"X\", \"cell_types\": [\"t\"]}]}", "min.json", &m), 0);
    EXPECT_EQ_INT(m.ninhibitory, 0);
    EXPECT_EQ_INT(m.naliases, 0);
    mapping_free(&m);
}

#define BAD(text, needle) do { mapping m_; EXPECT_ERR(mapping_parse(text, "bad.json", &m_), CONNC_ERR_FORMAT, needle); \
    EXPECT(m_.layers == NULL && m_.name == NULL); } while (0)
#define HEAD "{\"schema\": \"connc-mapping/1\", \"name\": \"n\", "
#define ONE "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"t\"]}]"

TEST(mapping_errors)
{
    BAD("not json", "bad.json: not a JSON object");
    BAD("[1]", "bad.json: not a JSON object");
    BAD(HEAD ONE ", \"colour\": 1}", "bad.json: unknown field 'colour'");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"t\"], \"size\": 3}]}", "unknown field 'size'");
    BAD("{\"schema\": \"connc-mapping/2\", \"name\": \"n\", " ONE "}", "field 'schema': expected \"connc-mapping/1\"");
    BAD("{\"name\": \"n\", " ONE "}", "field 'schema'");
    BAD("{\"schema\": \"connc-mapping/1\", \"name\": \"a b\", " ONE "}", "field 'name'");
    BAD(HEAD "\"layers\": []}", "field 'layers': expected a non-empty array");
    BAD(HEAD "\"layers\": {}}", "field 'layers'");
    BAD(HEAD "\"inhibitory_types\": []}", "field 'layers'");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"t\"]}, {\"name\": \"X\", \"cell_types\": [\"u\"]}]}",
        "field 'layers[1].name': layer 'X' defined twice");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"t\"]}, {\"name\": \"Y\", \"cell_types\": [\"u\", \"t\"]}]}",
        "cell type 't' is in layers 'X' and 'Y'");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"t\", \"t\"]}]}", "cell type 't' is in layers 'X' and 'X'");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": []}]}", "field 'layers[0].cell_types': empty");
    BAD(HEAD "\"layers\": [{\"name\": \"X\"}]}", "field 'layers[0].cell_types': expected an array of strings");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"t\", 5]}]}", "field 'layers[0].cell_types'[1]");
    BAD(HEAD "\"layers\": [{\"name\": \"X\", \"cell_types\": [\"\"]}]}", "field 'layers[0].cell_types'[0]: expected a non-empty string");
    BAD(HEAD "\"layers\": [{\"cell_types\": [\"t\"]}]}", "field 'layers[0].name'");
    BAD(HEAD "\"layers\": [{\"name\": \"ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG\", \"cell_types\": [\"t\"]}]}", "field 'layers[0].name'");
    BAD(HEAD "\"layers\": [7]}", "field 'layers[0]': expected an object");
    BAD(HEAD ONE ", \"aliases\": {\"old\": \"nowhere\"}}", "field 'aliases.old': 'nowhere' is in no layer and not inhibitory");
    BAD(HEAD ONE ", \"aliases\": {\"old\": 3}}", "field 'aliases.old': expected a type name");
    BAD(HEAD ONE ", \"aliases\": [\"t\"]}", "field 'aliases': expected an object");
    BAD(HEAD ONE ", \"inhibitory_types\": \"BC\"}", "field 'inhibitory_types': expected an array of strings");
}

TEST(mapping_load_errors)
{
    mapping m;
    EXPECT_ERR(mapping_load(tmp_path("absent-mapping.json"), &m), CONNC_ERR_IO, "absent-mapping.json: cannot open");
    EXPECT_ERR(mapping_load(tmp_file("bad-mapping.json", "{\"schema\": 1}"), &m), CONNC_ERR_FORMAT,
               "bad-mapping.json: field 'schema'");
}
