/* test_api.c: the public IR API of connc.h (compiler/api_ir.c) on the tiny
 * hand-made connectome, whose layers, masks and inhibition test_compile.c
 * works out by hand. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tiny.h"
#include "connc.h"

#include <stdio.h>
#include <string.h>

/* The tiny IR written to a file; its path, or NULL. */
static const char *tiny_ir_file(void)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return NULL;
    const char *p = tmp_path("api.cir");
    int rc = ir_write(&x, p);
    ir_free(&x);
    EXPECT_EQ_INT(rc, 0);
    return rc ? NULL : p;
}

TEST(api_ir_layers)
{
    const char *p = tiny_ir_file();
    connc_ir *h;
    if (!p || connc_ir_open(p, &h) != CONNC_OK) { EXPECT(0); return; }
    EXPECT(strstr(connc_ir_metadata(h), "\"schema\":") != NULL);
    EXPECT_EQ_INT(connc_ir_layer_count(h), 4);
    /* A = cells 0..1, B = 2..3, C = 4..5, D = 6; I_B = (3, 0), I_C = (1, 3) */
    static const char *names[] = {"A", "B", "C", "D"};
    static const int64_t first[] = {0, 2, 4, 6}, count[] = {2, 2, 2, 1}, inhibited[] = {0, 1, 2, 0};
    for (size_t l = 0; l < 4; l++) {
        connc_layer y;
        EXPECT_EQ_INT(connc_ir_layer(h, l, &y), CONNC_OK);
        EXPECT(strcmp(y.name, names[l]) == 0);
        EXPECT_EQ_INT(y.first_cell, first[l]);
        EXPECT_EQ_INT(y.ncells, count[l]);
        EXPECT_EQ_INT(y.inhibited_cells, inhibited[l]);
    }
    connc_layer c;
    EXPECT_EQ_INT(connc_ir_layer(h, 2, &c), CONNC_OK);
    EXPECT(c.inhibition[0] == 1 && c.inhibition[1] == 3);
    EXPECT_ERR(connc_ir_layer(h, 4, &c), CONNC_ERR_NOTFOUND, "layer 4: the IR has 4 layers");
    connc_ir_close(h);
}

/* Mask name of the tiny IR has the hand-worked CSR pattern. */
static void expect_mask(const connc_ir *h, const char *name, int64_t rows, int64_t cols, int64_t nnz,
                        const int64_t *indptr, const int32_t *indices)
{
    connc_csr m;
    EXPECT_EQ_INT(connc_ir_mask(h, name, &m), CONNC_OK);
    EXPECT(m.nrows == rows && m.ncols == cols && m.nnz == nnz);
    if (m.nrows != rows || m.nnz != nnz) return;
    EXPECT(memcmp(m.indptr, indptr, (size_t)(rows + 1) * sizeof *indptr) == 0);
    EXPECT(nnz == 0 || memcmp(m.indices, indices, (size_t)nnz * sizeof *indices) == 0);
}

TEST(api_ir_masks)
{
    const char *p = tiny_ir_file();
    connc_ir *h;
    if (!p || connc_ir_open(p, &h) != CONNC_OK) { EXPECT(0); return; }
    /* local indices: B's rows are its cells 0-1, B.inter's columns A's cells 0-1 */
    expect_mask(h, "A.intra", 2, 2, 2, (const int64_t[]){0, 1, 2}, (const int32_t[]){1, 0});
    expect_mask(h, "B.inter", 2, 2, 3, (const int64_t[]){0, 2, 3}, (const int32_t[]){0, 1, 1});
    expect_mask(h, "C.intra", 2, 2, 1, (const int64_t[]){0, 1, 1}, (const int32_t[]){1});
    expect_mask(h, "D.inter", 1, 2, 2, (const int64_t[]){0, 2}, (const int32_t[]){0, 1});
    expect_mask(h, "D.intra", 1, 1, 0, (const int64_t[]){0, 0}, NULL);
    const char *all = "masks: A.intra, B.inter, B.intra, C.inter, C.intra, D.inter, D.intra)";
    connc_csr m;
    EXPECT_ERR(connc_ir_mask(h, "A.inter", &m), CONNC_ERR_NOTFOUND, all); /* the first layer has no inputs */
    EXPECT_ERR(connc_ir_mask(h, "E.intra", &m), CONNC_ERR_NOTFOUND, "no mask 'E.intra'");
    EXPECT_ERR(connc_ir_mask(h, "B.extra", &m), CONNC_ERR_NOTFOUND, all);
    EXPECT_ERR(connc_ir_mask(h, "B", &m), CONNC_ERR_NOTFOUND, all);
    EXPECT_ERR(connc_ir_mask(h, ".intra", &m), CONNC_ERR_NOTFOUND, all);
    connc_ir_close(h);
}

TEST(api_ir_errors)
{
    connc_ir *h = (connc_ir *)&h;
    EXPECT_ERR(connc_ir_open(tmp_path("missing.cir"), &h), CONNC_ERR_IO, "missing.cir");
    EXPECT(h == NULL);
    EXPECT_ERR(connc_ir_open(tmp_file("junk.cir", "not a container"), &h), CONNC_ERR_CORRUPT, "junk.cir");
    EXPECT_ERR(connc_ir_open(NULL, &h), CONNC_ERR_USAGE, "no path");
    EXPECT_ERR(connc_ir_open("x.cir", NULL), CONNC_ERR_USAGE, "no place for the handle");
    connc_layer y;
    connc_csr m;
    EXPECT_ERR(connc_ir_layer(NULL, 0, &y), CONNC_ERR_USAGE, "NULL");
    EXPECT_ERR(connc_ir_mask(NULL, "A.intra", &m), CONNC_ERR_USAGE, "NULL");
    EXPECT_EQ_INT(connc_ir_layer_count(NULL), 0);
    EXPECT(connc_ir_metadata(NULL) == NULL);
    connc_ir_close(NULL);
}
