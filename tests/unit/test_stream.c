/* test_stream.c: the out-of-core compile (compiler/stream.c) against the
 * in-memory one, with chunks and blocks of rows as small as they go: the
 * same IR byte for byte, and the values worked out by hand. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "files.h"
#include "progress.h"
#include "stream.h"
#include "tiny.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONE_READER UINT64_MAX

/* Eight cells, IR order (layer, root id): A = 1 2 8, B = 3 4, C = 5, D = 6,
 * then 7 (BC, inhibitory, in no layer).  Cell 8 has no synapse at all. */
static const char CELLS[] = "pt_root_id,cell_type\n3,23P\n1,4P\n7,BC\n2,4P\n5,5P-IT\n4,23P\n6,6P-IT\n8,4P\n";

/* Cell 3's row (IR row 3) is spread over the table, so over many chunks:
 * 1 -> 3 three times, sizes whose sum depends on its order; 7 -> 3 twice.
 * Rows of cells 1, 7 and 8 are empty; 2 -> 1 is feedback (in no mask). */
static const char SYNAPSES[] = "pre_pt_root_id,post_pt_root_id,size\n"
                               "1,3,0.1\n2,4,5\n7,3,2\n4,3,1\n1,3,100000000\n5,6,3\n3,5,1.5\n"
                               "2,3,0.5\n1,3,0.2\n3,4,7\n4,4,1\n7,3,3\n6,2,1\n2,1,4\n7,5,2\n1,2,1\n";

/* The IR of cells + synapses compiled in memory, to path. */
static void compile_in_memory(const cell_table *c, const char *syn, const mapping *m, const char *path)
{
    compile_options o;
    synapse_list s;
    ir x;
    compile_options_default(&o);
    EXPECT_EQ_INT(synapses_read_split(syn, c, 0, ONE_READER, &s), 0);
    EXPECT_EQ_INT(compile_column(c, &s, m, &o, &x), 0);
    EXPECT_EQ_INT(ir_write(&x, path), 0);
    ir_free(&x);
    synapses_free(&s);
}

/* Compiles out of core with plan p to path; the status, and whether the
 * synapses went through scratch files, to *scratch. */
static int compile_out_of_core(const cell_table *c, const char *syn, const mapping *m, const stream_plan *p,
                               const char *path, int *scratch)
{
    compile_options o;
    synapse_list s;
    ir x;
    compile_options_default(&o);
    int verbosity = connc_verbosity;
    connc_verbosity = 0; /* no "compiling out of core" lines among the results */
    int rc = compile_stream(c, syn, m, &o, p, &s, &x);
    connc_verbosity = verbosity;
    if (rc == CONNC_OK) {
        *scratch = x.nfiles > 0;
        EXPECT(s.pre == NULL && s.rows > 0);
        rc = ir_write(&x, path);
        ir_free(&x);
    }
    return rc;
}

/* Both compiles of the tables for chunk sizes and block budgets from the
 * smallest up (the longest rows have 7 synapses), read in one thread and
 * in two. */
static void check_same_ir(const char *cells, const char *synapses)
{
    cell_table c;
    mapping m;
    char syn[1024]; /* tmp_path's buffers are reused */
    snprintf(syn, sizeof syn, "%s", synapses);
    EXPECT_EQ_INT(cells_read(cells, &c), 0);
    EXPECT_EQ_INT(mapping_default(&m), 0);
    compile_in_memory(&c, syn, &m, tmp_path("memory.cir"));
    for (size_t chunk = 2; chunk <= 7; chunk++)
        for (uint64_t budget = 36 * 7; budget < 1000; budget += 97)
            for (int split = 0; split < 2; split++) {
                stream_plan p = {chunk, budget, 0, harness_tmpdir, split ? 0 : ONE_READER};
                int scratch = 0;
                EXPECT_EQ_INT(compile_out_of_core(&c, syn, &m, &p, tmp_path("stream.cir"), &scratch), 0);
                EXPECT(scratch);
                if (!same_file(tmp_path("memory.cir"), tmp_path("stream.cir"))) {
                    char msg[128];
                    snprintf(msg, sizeof msg, "IR differs: chunk %zu, block budget %llu, split %d", chunk,
                             (unsigned long long)budget, split);
                    harness_fail(__FILE__, __LINE__, msg);
                }
            }
    mapping_free(&m);
    cells_free(&c);
}

TEST(stream_same_ir_hand_made)
{
    check_same_ir(tmp_file("cells.csv", CELLS), tmp_file("synapses.csv", SYNAPSES));
}

TEST(stream_same_ir_tiny_column)
{
    const char *cells, *syn;
    tiny_tables("stream", TINY_JSON, 1, &cells, &syn);
    check_same_ir(cells, syn);
}

/* The values of the hand-made table, read back from the streamed IR. */
TEST(stream_values)
{
    cell_table c;
    mapping m;
    ir x;
    int scratch = 0;
    EXPECT_EQ_INT(cells_read(tmp_file("cells.csv", CELLS), &c), 0);
    EXPECT_EQ_INT(mapping_default(&m), 0);
    stream_plan p = {2, 36 * 7, 0, harness_tmpdir, ONE_READER};
    EXPECT_EQ_INT(compile_out_of_core(&c, tmp_file("syn.csv", SYNAPSES), &m, &p, tmp_path("v.cir"), &scratch), 0);
    EXPECT_EQ_INT(ir_read(tmp_path("v.cir"), &x), 0);
    /* rows: 1 2 8 | 3 4 | 5 | 6 | 7 ; row 3 = cell 3: from 1 (x3), 2, 4, 7 (x2) */
    static const int64_t indptr[] = {0, 1, 3, 3, 7, 10, 12, 13, 13};
    static const int32_t indices[] = {1, 0, 6, 0, 1, 4, 7, 1, 3, 4, 3, 7, 5};
    static const int32_t count[] = {1, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1, 1, 1};
    EXPECT_EQ_INT(x.adj.nnz, 13);
    for (int r = 0; r <= 8; r++) EXPECT_EQ_INT(x.adj.indptr[r], indptr[r]);
    for (int e = 0; e < 13 && x.adj.nnz == 13; e++) {
        EXPECT_EQ_INT(x.adj.indices[e], indices[e]);
        EXPECT_EQ_INT(x.count[e], count[e]);
    }
    /* summed in ascending order, as the in-memory compile sums them */
    double want = ((double)0.1f + (double)0.2f) + (double)100000000.0f;
    EXPECT(x.size[3] == want);
    EXPECT(x.size[6] == 5.0);
    /* B's intra mask: 3 <- 4 and 4 <- 3 (4 -> 4 is an autapse); inhibition of 3: two BC synapses */
    EXPECT_EQ_INT(x.layers[1].intra.nnz, 2);
    EXPECT_EQ_INT(x.layers[1].inhibition[0], 2);
    EXPECT_EQ_INT(x.layers[0].intra.nnz, 2);
    ir_free(&x);
    mapping_free(&m);
    cells_free(&c);
}

/* A table that fits is compiled in memory: no scratch files. */
TEST(stream_small_table_in_memory)
{
    cell_table c;
    mapping m;
    int scratch = 1;
    EXPECT_EQ_INT(cells_read(tmp_file("cells.csv", CELLS), &c), 0);
    EXPECT_EQ_INT(mapping_default(&m), 0);
    stream_plan p = {1000, 1 << 20, 1000, harness_tmpdir, ONE_READER};
    EXPECT_EQ_INT(compile_out_of_core(&c, tmp_file("syn.csv", SYNAPSES), &m, &p, tmp_path("small.cir"), &scratch), 0);
    EXPECT(!scratch);
    compile_in_memory(&c, tmp_path("syn.csv"), &m, tmp_path("memory.cir"));
    EXPECT(same_file(tmp_path("memory.cir"), tmp_path("small.cir")));
    mapping_free(&m);
    cells_free(&c);
}

TEST(stream_row_larger_than_memory)
{
    cell_table c;
    mapping m;
    int scratch;
    EXPECT_EQ_INT(cells_read(tmp_file("cells.csv", CELLS), &c), 0);
    EXPECT_EQ_INT(mapping_default(&m), 0);
    /* room for rows of 4 synapses, not for cell 3's 7 */
    stream_plan p = {2, 8 * 4 + 28 * 4, 0, harness_tmpdir, ONE_READER};
    EXPECT_ERR(compile_out_of_core(&c, tmp_file("syn.csv", SYNAPSES), &m, &p, tmp_path("x.cir"), &scratch),
               CONNC_ERR_LIMIT, "--mem: cell 3 has 7 synapses");
    mapping_free(&m);
    cells_free(&c);
}

TEST(stream_bad_row_names_its_line)
{
    cell_table c;
    mapping m;
    int scratch;
    char text[sizeof SYNAPSES + 32];
    snprintf(text, sizeof text, "%s4,3,-2\n", SYNAPSES);
    EXPECT_EQ_INT(cells_read(tmp_file("cells.csv", CELLS), &c), 0);
    EXPECT_EQ_INT(mapping_default(&m), 0);
    stream_plan p = {2, 1000, 0, harness_tmpdir, ONE_READER};
    EXPECT_ERR(compile_out_of_core(&c, tmp_file("bad.csv", text), &m, &p, tmp_path("x.cir"), &scratch),
               CONNC_ERR_FORMAT, "bad.csv:18: field 'size': expected a number >= 0, got '-2'");
    mapping_free(&m);
    cells_free(&c);
}

TEST(stream_plan_for_memory)
{
    stream_plan p;
    EXPECT_ERR(stream_plan_for(32ull << 20, 1000, "/tmp", &p), CONNC_ERR_LIMIT, "1000 cells, which need at least 33M");
    EXPECT_EQ_INT(stream_plan_for(2ull << 30, 200000, "/tmp", &p), 0);
    uint64_t buffer = (2ull << 30) - STREAM_FIXED_BYTES - 200000ull * STREAM_CELL_BYTES;
    EXPECT(p.chunk == buffer / 20 && p.block_bytes == buffer && p.in_memory == buffer / 40);
    EXPECT(strcmp(p.dir, "/tmp") == 0);
}
