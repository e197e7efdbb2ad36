/* test_ir_plot.c: the pictures of `connc inspect --plot` (compiler/ir_plot.c)
 * on the tiny hand-made column. */
#include "files.h"
#include "harness.h"
#include "ir_plot.h"
#include "tiny.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long occurrences(const char *text, const char *what)
{
    long n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what)) n++;
    return n;
}

/* Runs of consecutive column indices, summed over a mask's rows. */
static long runs(const ir_pattern *p)
{
    long n = 0;
    for (int64_t r = 0; r < p->nrows; r++)
        for (int64_t k = p->indptr[r]; k < p->indptr[r + 1]; k++)
            n += k == p->indptr[r] || p->indices[k] != p->indices[k - 1] + 1;
    return n;
}

static char *picture(const char *dir, const char *name)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return slurp(path, NULL);
}

/* A mask this small is drawn entry by entry: every kept entry is a block of
 * full shade, and neighbours in a row merge into one rectangle. */
TEST(ir_plot_tiny_masks_entry_by_entry)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return;
    const char *dir = tmp_path("plots");
    EXPECT_EQ_INT(ir_plot(&x, dir), 0);
    char *masks = picture(dir, "masks.svg"), *layers = picture(dir, "layers.svg");
    char *degrees = picture(dir, "degrees.svg"), *inhibition = picture(dir, "inhibition.svg");
    EXPECT(masks && layers && degrees && inhibition);
    long want = 0;
    for (size_t l = 0; l < x.nlayers; l++) want += runs(&x.layers[l].intra) + (l > 0 ? runs(&x.layers[l].inter) : 0);
    if (masks) EXPECT_EQ_INT(occurrences(masks, "fill-opacity=\"1.000\""), want);
    /* one box per layer, one arrow per inter mask */
    if (layers) EXPECT_EQ_INT(occurrences(layers, " cells</text>"), (long)x.nlayers);
    if (layers) EXPECT_EQ_INT(occurrences(layers, "rx=\"6\""), (long)x.nlayers);
    if (inhibition) EXPECT_EQ_INT(occurrences(inhibition, "cells with I &gt; 0"), (long)x.nlayers);
    free(masks), free(layers), free(degrees), free(inhibition);
    ir_free(&x);
}

TEST(ir_plot_unwritable_directory)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return;
    const char *file = spit(tmp_path("not_a_dir"), "x", 1);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/plots", file);
    EXPECT_ERR(ir_plot(&x, dir), CONNC_ERR_IO, "cannot create directory");
    ir_free(&x);
}
