/* test_ir.c: IR files (compiler/ir_io.c, schemas/ir.md). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tiny.h"
#include "connc.h"
#include "container.h"
#include "files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of text with the first `from` replaced by `to` (caller frees). */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) return NULL;
    size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    if (!out) return NULL;
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

/* Writes x with the first `from` of its metadata replaced by `to` and expects
 * ir_read to refuse the file with status st and a message holding text. */
static void expect_meta_refused(const ir *x, const char *from, const char *to, int st, const char *text)
{
    ir z = *x, y;
    z.meta = replace(x->meta, from, to);
    EXPECT(z.meta != NULL);
    if (!z.meta) return;
    const char *p = tmp_path("bad-meta.cir");
    EXPECT_EQ_INT(ir_write(&z, p), 0);
    EXPECT_ERR(ir_read(p, &y), st, text);
    EXPECT(y.file == NULL && y.layers == NULL);
    free(z.meta);
}

TEST(ir_roundtrip_bytes)
{
    ir x, y;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return;
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s", tmp_path("rt-a.cir"));
    snprintf(b, sizeof b, "%s", tmp_path("rt-b.cir"));
    EXPECT_EQ_INT(ir_write(&x, a), 0);
    EXPECT_EQ_INT(ir_read(a, &y), 0);
    if (y.file) {
        EXPECT(y.storage == NULL);
        EXPECT_EQ_INT(y.ncells, 10);
        EXPECT(y.root_id[0] == 10 && y.root_id[9] == 70);
        EXPECT_EQ_INT(y.adj.nnz, 21);
        EXPECT(y.size != NULL && y.size[4] == 12.0);
        EXPECT(y.position != NULL);
        EXPECT_EQ_INT(y.nlayers, 4);
        if (y.nlayers == 4) {
            EXPECT(strcmp(y.layers[2].name, "C") == 0);
            EXPECT_EQ_INT(y.layers[2].offset, 4);
            EXPECT_EQ_INT(y.layers[2].inter.nnz, 2);
            EXPECT_EQ_INT(y.layers[0].inter.nrows, 0);
            EXPECT_EQ_INT(y.layers[1].inhibition[0], 3);
            EXPECT_EQ_INT(y.layers[2].inhibition[1], 3);
        }
        EXPECT(strcmp(y.meta, x.meta) == 0);
        EXPECT_EQ_INT(ir_write(&y, b), 0);
        EXPECT(same_file(a, b));
    }
    ir_free(&y);
    ir_free(&x);
    ir_free(&x); /* a second free is harmless */
}

TEST(ir_read_rejects_network_and_garbage)
{
    container_writer *w = container_writer_new(CONTAINER_NETWORK);
    EXPECT_EQ_INT(container_set_metadata(w, "{\"schema\": \"connc-ir/1\"}"), 0);
    EXPECT_EQ_INT(container_write(w, tmp_path("net.cnet")), 0);
    container_writer_free(w);
    ir y;
    EXPECT_ERR(ir_read(tmp_path("net.cnet"), &y), CONNC_ERR_FORMAT, "a network description, not an IR");
    EXPECT(y.file == NULL && y.meta == NULL);
    EXPECT_ERR(ir_read(tmp_path("missing.cir"), &y), CONNC_ERR_IO, "missing.cir: cannot open");
    EXPECT_ERR(ir_read(tmp_file("text.cir", "pt_root_id,cell_type\n1,4P\n"), &y), CONNC_ERR_CORRUPT, "corrupt connc file");
    /* an IR container whose metadata is not JSON / has another schema */
    w = container_writer_new(CONTAINER_IR);
    EXPECT_EQ_INT(container_set_metadata(w, "not json"), 0);
    EXPECT_EQ_INT(container_write(w, tmp_path("nojson.cir")), 0);
    container_writer_free(w);
    EXPECT_ERR(ir_read(tmp_path("nojson.cir"), &y), CONNC_ERR_VERSION, "IR schema is not connc-ir/1");
}

/* Valid containers holding an inconsistent IR: each is refused with a reason. */
TEST(ir_read_validates_content)
{
    ir x, y;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return;
    const char *p = tmp_path("bad.cir");
    ir z;

    expect_meta_refused(&x, "\"schema\":\t\"connc-ir/1\"", "\"schema\":\t\"connc-ir/2\"", CONNC_ERR_VERSION,
                        "IR schema is not connc-ir/1");
    expect_meta_refused(&x, "\"count\":\t10", "\"count\":\t11", CONNC_ERR_CORRUPT,
                        "array length disagrees with the metadata in cells/root_id");

    int32_t idx[21];
    memcpy(idx, x.adj.indices, sizeof idx);
    z = x;
    z.adj.indices = idx;
    idx[20] = 10; /* row 8's only entry points past the last cell */
    EXPECT_EQ_INT(ir_write(&z, p), 0);
    EXPECT_ERR(ir_read(p, &y), CONNC_ERR_CORRUPT, "column index out of range or unsorted in adjacency");
    memcpy(idx, x.adj.indices, sizeof idx);
    idx[0] = 6; /* row 0: 6, 6, 9 is not ascending */
    EXPECT_EQ_INT(ir_write(&z, p), 0);
    EXPECT_ERR(ir_read(p, &y), CONNC_ERR_CORRUPT, "column index out of range or unsorted");

    int64_t ptr[11];
    memcpy(ptr, x.adj.indptr, sizeof ptr);
    z = x;
    z.adj.indptr = ptr;
    ptr[2] = 2; /* 3, 2, 9: decreasing */
    EXPECT_EQ_INT(ir_write(&z, p), 0);
    EXPECT_ERR(ir_read(p, &y), CONNC_ERR_CORRUPT, "indptr decreases in adjacency");

    /* a layer mask indexing outside the previous layer */
    if (x.nlayers == 4) {
        ir_layer layers[4];
        memcpy(layers, x.layers, sizeof layers);
        int32_t m[3] = {0, 2, 1}; /* B inter: column 2 of a 2-column mask */
        layers[1].inter.indices = m;
        z = x;
        z.layers = layers;
        EXPECT_EQ_INT(ir_write(&z, p), 0);
        EXPECT_ERR(ir_read(p, &y), CONNC_ERR_CORRUPT, "in layers/B/inter");
        /* a layer whose offset leaves a gap */
        expect_meta_refused(&x, "\"offset\":\t2", "\"offset\":\t3", CONNC_ERR_CORRUPT, "layer entry in the metadata");
        /* an offset no int64_t holds (casting it was undefined behaviour) */
        expect_meta_refused(&x, "\"offset\":\t2", "\"offset\":\t1e300", CONNC_ERR_CORRUPT, "layer entry in the metadata");
    }
    EXPECT(y.file == NULL && y.layers == NULL);
    ir_free(&x);
}
