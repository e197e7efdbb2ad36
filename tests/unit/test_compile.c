/* test_compile.c: tables -> IR on a hand-made connectome (compiler/cells.c,
 * synapses.c, adjacency.c, masks.c, compile.c), with every expected value
 * worked out by hand below, not by the code under test. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tiny.h"
#include "connc.h"
#include "files.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ------------------------------------------------------------ the tiny column
 *
 * Cells (table order), default BioNIC mapping:
 *   root type    layer       | root 0 (no segment) and root 99 (valid = f) are skipped
 *   30   23P     B           | 5P-PT is an alias of 5P-ET; "Unsure" is in no layer
 *   10   4P      A           | BC and MC are inhibitory
 *   50   BC      -
 *   20   4P      A
 *   40   5P-PT   C
 *   35   23P     B
 *   60   6P-IT   D
 *   70   Unsure  -
 *   45   5P-IT   C
 *   55   MC      -
 * IR order = (layer, root id), no-layer cells last:
 *   index 0  1  2  3  4  5  6  7  8  9
 *   root  10 20 30 35 40 45 60 50 55 70
 *   layer A  A  B  B  C  C  D  -  -  -
 * Layers: A = 0..1, B = 2..3, C = 4..5, D = 6.
 */
typedef struct { const char *root, *type, *pos, *valid; } cell_row;
typedef struct { const char *pre, *post, *size, *valid; } syn_row;

static const cell_row CELLS[] = {
    {"30", "23P", "1, 2, 3", "t"},     {"10", "4P", "4, 5, 6", "t"},      {"50", "BC", "7, 8, 9", "t"},
    {"20", "4P", "10, 11, 12", "t"},   {"40", "5P-PT", "13, 14, 15", "t"}, {"0", "23P", "0, 0, 0", "t"},
    {"35", "23P", "16, 17, 18", "t"},  {"60", "6P-IT", "19, 20, 21", "t"}, {"99", "4P", "0, 0, 0", "f"},
    {"70", "Unsure", "22, 23, 24", "t"}, {"45", "5P-IT", "25, 26, 27.5", "t"}, {"55", "MC", "28, 29, 30", "t"},
};
#define NCELLS (sizeof CELLS / sizeof CELLS[0])

static const syn_row SYN[] = {
    {"10", "30", "4.5", "t"}, /*  1 A0 -> B0 */
    {"10", "30", "7.5", "t"}, /*  2 A0 -> B0 again: count 2, size 12 */
    {"20", "30", "1", "t"},   /*  3 A1 -> B0 */
    {"20", "35", "2", "t"},   /*  4 A1 -> B1 */
    {"30", "35", "3", "t"},   /*  5 B0 -> B1 (intra) */
    {"35", "30", "4", "t"},   /*  6 B1 -> B0 (intra) */
    {"35", "35", "6", "t"},   /*  7 B1 -> B1 autapse */
    {"50", "30", "1", "t"},   /*  8 BC -> B0 */
    {"50", "30", "1", "t"},   /*  9 BC -> B0 again */
    {"55", "30", "2", "t"},   /* 10 MC -> B0 */
    {"50", "40", "3", "t"},   /* 11 BC -> C0 */
    {"30", "40", "10", "t"},  /* 12 B0 -> C0 */
    {"35", "40", "1", "t"},   /* 13 B1 -> C0 */
    {"35", "40", "1", "t"},   /* 14 B1 -> C0 again */
    {"40", "60", "8", "t"},   /* 15 C0 -> D0 */
    {"45", "60", "9", "t"},   /* 16 C1 -> D0 */
    {"60", "10", "2", "t"},   /* 17 D0 -> A0 (feedback: in no mask) */
    {"70", "10", "1", "t"},   /* 18 Unsure -> A0 */
    {"10", "20", "1", "t"},   /* 19 A0 -> A1 (intra) */
    {"20", "10", "1", "t"},   /* 20 A1 -> A0 (intra) */
    {"99", "10", "5", "f"},   /* -- invalid row (and an unknown cell): skipped */
    {"20", "10", "1", "t"},   /* 21 A1 -> A0 again */
    {"55", "55", "4", "t"},   /* 22 MC autapse */
    {"45", "40", "2", "t"},   /* 23 C1 -> C0 (intra) */
    {"55", "45", "1", "t"},   /* 24 MC -> C1 */
    {"50", "45", "2", "t"},   /* 25 BC -> C1 */
    {"50", "45", "2", "t"},   /* 26 BC -> C1 again */
};
#define NSYN (sizeof SYN / sizeof SYN[0])

/* Adjacency (rows = post, cols = pre), entry = pre:(count, size):
 *   row 0 (10): 1:(2,2) 6:(1,2) 9:(1,1)
 *   row 1 (20): 0:(1,1)
 *   row 2 (30): 0:(2,12) 1:(1,1) 3:(1,4) 7:(2,2) 8:(1,2)
 *   row 3 (35): 1:(1,2) 2:(1,3) 3:(1,6)
 *   row 4 (40): 2:(1,10) 3:(2,2) 5:(1,2) 7:(1,3)
 *   row 5 (45): 7:(2,4) 8:(1,1)
 *   row 6 (60): 4:(1,8) 5:(1,9)
 *   row 7 (50): -
 *   row 8 (55): 8:(1,4)
 *   row 9 (70): -                                                       */
static const int64_t ADJ_INDPTR[] = {0, 3, 4, 9, 12, 16, 18, 20, 20, 21, 21};
static const int32_t ADJ_INDICES[] = {1, 6, 9, 0, 0, 1, 3, 7, 8, 1, 2, 3, 2, 3, 5, 7, 7, 8, 4, 5, 8};
static const int32_t ADJ_COUNT[] = {2, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 2, 1, 1, 1, 1};
static const double ADJ_SIZE[] = {2, 2, 1, 1, 12, 1, 4, 2, 2, 2, 3, 6, 10, 2, 2, 3, 4, 1, 8, 9, 4};
static const uint64_t ROOTS[] = {10, 20, 30, 35, 40, 45, 60, 50, 55, 70};
static const int32_t LAYER[] = {0, 0, 1, 1, 2, 2, 3, -1, -1, -1};
static const uint8_t INHIB[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 0};
/* canonical types sorted: 0 23P, 1 4P, 2 5P-ET, 3 5P-IT, 4 6P-IT, 5 BC, 6 MC, 7 Unsure */
static const int32_t TYPE[] = {1, 1, 0, 0, 2, 3, 4, 5, 6, 7};

/* ------------------------------------------------------------ writing the tables */

static void put_file(const char *path, const char *text, int gz)
{
    if (gz) {
        gzFile g = gzopen(path, "wb");
        EXPECT(g != NULL);
        if (g) {
            gzwrite(g, text, (unsigned)strlen(text));
            gzclose(g);
        }
        return;
    }
    spit(path, text, strlen(text));
}

static int is_true(const char *v) { return strcmp(v, "t") == 0; }

void tiny_tables(const char *tag, int layout, int shuffle, const char **cells, const char **synapses)
{
    static char cpath[1024], spath[1024];
    static char text[16384];
    const char *ext = layout == TINY_JSON ? "json" : layout == TINY_CSV_GZ ? "csv.gz" : "csv";
    snprintf(cpath, sizeof cpath, "%s/%s-cells.%s", harness_tmpdir, tag, ext);
    snprintf(spath, sizeof spath, "%s/%s-synapses.%s", harness_tmpdir, tag, ext);
    size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(text + n, sizeof text - n, __VA_ARGS__))
    if (layout == TINY_JSON) {
        /* keys in a different order from record to record, positions as raw arrays */
        ADD("[");
        for (size_t i = 0; i < NCELLS; i++) {
            const cell_row *c = &CELLS[i];
            if (i % 2)
                ADD("%s\n {\"cell_type\": \"%s\", \"pt_root_id\": %s, \"valid\": %s, \"pt_position\": [%s]}", i ? "," : "",
                    c->type, c->root, is_true(c->valid) ? "true" : "false", c->pos);
            else
                ADD("%s\n {\"valid\": %s, \"pt_position\": [%s], \"pt_root_id\": %s, \"cell_type\": \"%s\"}", i ? "," : "",
                    is_true(c->valid) ? "true" : "false", c->pos, c->root, c->type);
        }
        ADD("\n]\n");
    } else {
        ADD("pt_root_id,cell_type,pt_position,valid\r\n");
        for (size_t i = 0; i < NCELLS; i++)
            ADD("%s,%s,\"[%s]\",%s\r\n", CELLS[i].root, CELLS[i].type, CELLS[i].pos, CELLS[i].valid);
    }
    put_file(cpath, text, layout == TINY_CSV_GZ);
    n = 0;
    ADD(layout == TINY_JSON ? "[" : "id,pre_pt_root_id,post_pt_root_id,size,valid\n");
    for (size_t k = 0; k < NSYN; k++) {
        size_t i = shuffle ? (k * 11 + 5) % NSYN : k; /* 11 is prime to 27: a permutation */
        const syn_row *s = &SYN[i];
        if (layout == TINY_JSON)
            ADD("%s{\"id\": %zu, \"post_pt_root_id\": %s, \"size\": %s, \"pre_pt_root_id\": %s, \"valid\": %s}", k ? ",\n" : "",
                1000 + i, s->post, s->size, s->pre, is_true(s->valid) ? "true" : "false");
        else
            ADD("%zu,%s,%s,%s,%s\n", 1000 + i, s->pre, s->post, s->size, s->valid);
    }
    if (layout == TINY_JSON) ADD("]");
#undef ADD
    put_file(spath, text, layout == TINY_CSV_GZ);
    *cells = cpath;
    *synapses = spath;
}

int compile_tables(const char *cells_path, const char *syn_path, const compile_options *opt, ir *out)
{
    compile_options def;
    compile_options_default(&def);
    if (!opt) opt = &def;
    mapping m;
    cell_table c;
    synapse_list s;
    memset(out, 0, sizeof *out);
    int rc = mapping_default(&m);
    if (rc < 0) return rc;
    rc = cells_read(cells_path, &c);
    if (rc == 0) {
        rc = synapses_read(syn_path, &c, opt->skip_unknown, &s);
        if (rc == 0) {
            rc = compile_column(&c, &s, &m, opt, out);
            synapses_free(&s);
        }
        cells_free(&c);
    }
    mapping_free(&m);
    return rc;
}

int tiny_compile(const compile_options *o, ir *out)
{
    const char *c, *s;
    tiny_tables("tiny", TINY_CSV, 0, &c, &s);
    return compile_tables(c, s, o, out);
}

/* ------------------------------------------------------------ checks */

/* Element-wise equality of two arrays, reporting the first difference. */
#define CHECK_ARR(got, want, n) do { \
    size_t n_ = (n); \
    if ((got) == NULL) { harness_fail(__FILE__, __LINE__, #got " != NULL"); break; } \
    for (size_t i_ = 0; i_ < n_; i_++) \
        if ((got)[i_] != (want)[i_]) { \
            char m_[256]; \
            snprintf(m_, sizeof m_, "%s[%zu] == %.17g (got %.17g)", #got, i_, (double)(want)[i_], (double)(got)[i_]); \
            harness_fail(__FILE__, __LINE__, m_); \
            break; \
        } } while (0)
#define CHECK_I64(got, ...) do { static const long long w_[] = {__VA_ARGS__}; \
    long long g_[sizeof w_ / sizeof w_[0]]; for (size_t k_ = 0; k_ < sizeof w_ / sizeof w_[0]; k_++) g_[k_] = (got)[k_]; \
    CHECK_ARR(g_, w_, sizeof w_ / sizeof w_[0]); } while (0)

/* A CSR pattern equals (rows, cols, indptr, indices). */
static void check_pattern(int line, const char *what, const ir_pattern *p, int64_t rows, int64_t cols,
                          const int64_t *indptr, const int32_t *indices, int64_t nnz)
{
    char m[256];
    int bad = p->nrows != rows || p->ncols != cols || p->nnz != nnz;
    for (int64_t r = 0; !bad && r <= rows; r++) bad = p->indptr[r] != indptr[r];
    for (int64_t e = 0; !bad && e < nnz; e++) bad = p->indices[e] != indices[e];
    if (bad) {
        snprintf(m, sizeof m, "%s to be %lldx%lld with nnz %lld (got %lldx%lld nnz %lld, or different entries)", what,
                 (long long)rows, (long long)cols, (long long)nnz, (long long)p->nrows, (long long)p->ncols, (long long)p->nnz);
        harness_fail(__FILE__, line, m);
    }
}
#define PAT(what, p, rows, cols, nnz, IP, IX) \
    check_pattern(__LINE__, what, p, rows, cols, (const int64_t[])IP, (const int32_t[])IX, nnz)
#define L(...) {__VA_ARGS__}

static const cJSON *jget(const cJSON *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && o; tok = strtok(NULL, "."))
        o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(tok)) : cJSON_GetObjectItemCaseSensitive(o, tok);
    return o;
}

static double jnum(const cJSON *o, const char *path)
{
    const cJSON *v = jget(o, path);
    return cJSON_IsNumber(v) ? v->valuedouble : -12345;
}

static const char *jstr(const cJSON *o, const char *path)
{
    const cJSON *v = jget(o, path);
    return cJSON_IsString(v) ? v->valuestring : "(missing)";
}

/* ------------------------------------------------------------ tests */

TEST(compile_cells_and_adjacency)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) { fprintf(stderr, "    %s\n", connc_errmsg()); return; }
    EXPECT_EQ_INT(x.ncells, 10);
    CHECK_ARR(x.root_id, ROOTS, 10);
    CHECK_ARR(x.layer, LAYER, 10);
    CHECK_ARR(x.inhibitory, INHIB, 10);
    CHECK_ARR(x.type, TYPE, 10);
    EXPECT(x.position != NULL);
    if (x.position) {
        /* root 10 -> [4, 5, 6]; root 45 (index 5) -> [25, 26, 27.5]; root 70 (index 9) -> [22, 23, 24] */
        EXPECT(x.position[0] == 4 && x.position[1] == 5 && x.position[2] == 6);
        EXPECT(x.position[15] == 25 && x.position[17] == 27.5);
        EXPECT(x.position[27] == 22 && x.position[29] == 24);
    }
    EXPECT_EQ_INT(x.adj.nrows, 10);
    EXPECT_EQ_INT(x.adj.ncols, 10);
    EXPECT_EQ_INT(x.adj.nnz, 21);
    CHECK_ARR(x.adj.indptr, ADJ_INDPTR, 11);
    CHECK_ARR(x.adj.indices, ADJ_INDICES, 21);
    CHECK_ARR(x.count, ADJ_COUNT, 21);
    CHECK_ARR(x.size, ADJ_SIZE, 21);
    EXPECT_EQ_INT(x.nlayers, 4);
    if (x.nlayers == 4) {
        static const char *names[] = {"A", "B", "C", "D"};
        static const int64_t off[] = {0, 2, 4, 6}, size[] = {2, 2, 2, 1};
        for (int l = 0; l < 4; l++) {
            EXPECT(strcmp(x.layers[l].name, names[l]) == 0);
            EXPECT_EQ_INT(x.layers[l].offset, off[l]);
            EXPECT_EQ_INT(x.layers[l].size, size[l]);
        }
    }
    ir_free(&x);
}

TEST(compile_masks_default)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (x.nlayers != 4) return;
    const ir_layer *A = &x.layers[0], *B = &x.layers[1], *C = &x.layers[2], *D = &x.layers[3];
    EXPECT_EQ_INT(A->inter.nrows, 0);
    PAT("A intra", &A->intra, 2, 2, 2, L(0, 1, 2), L(1, 0));
    PAT("B inter", &B->inter, 2, 2, 3, L(0, 2, 3), L(0, 1, 1));
    PAT("B intra (no diagonal)", &B->intra, 2, 2, 2, L(0, 1, 2), L(1, 0));
    PAT("C inter", &C->inter, 2, 2, 2, L(0, 2, 2), L(0, 1));
    PAT("C intra", &C->intra, 2, 2, 1, L(0, 1, 1), L(1));
    PAT("D inter", &D->inter, 1, 2, 2, L(0, 2), L(0, 1));
    PAT("D intra", &D->intra, 1, 1, 0, L(0, 0), L(0));
    /* I_k: synapses from BC (50) and MC (55): B0 gets 2 + 1, C0 1, C1 2 + 1 */
    CHECK_I64(A->inhibition, 0, 0);
    CHECK_I64(B->inhibition, 3, 0);
    CHECK_I64(C->inhibition, 1, 3);
    CHECK_I64(D->inhibition, 0);
    ir_free(&x);
}

TEST(compile_masks_autapses_threshold_partners)
{
    compile_options o;
    compile_options_default(&o);
    o.autapses = 1;
    ir x;
    EXPECT_EQ_INT(tiny_compile(&o, &x), 0);
    if (x.nlayers == 4) {
        PAT("B intra with autapses", &x.layers[1].intra, 2, 2, 3, L(0, 1, 3), L(1, 0, 1));
        PAT("A intra with autapses", &x.layers[0].intra, 2, 2, 2, L(0, 1, 2), L(1, 0));
    }
    ir_free(&x);

    compile_options_default(&o);
    o.threshold = 2;
    EXPECT_EQ_INT(tiny_compile(&o, &x), 0);
    if (x.nlayers == 4) {
        PAT("A intra t=2", &x.layers[0].intra, 2, 2, 1, L(0, 1, 1), L(1));
        PAT("B inter t=2", &x.layers[1].inter, 2, 2, 1, L(0, 1, 1), L(0));
        PAT("B intra t=2", &x.layers[1].intra, 2, 2, 0, L(0, 0, 0), L(0));
        PAT("C inter t=2", &x.layers[2].inter, 2, 2, 1, L(0, 1, 1), L(1));
        PAT("C intra t=2", &x.layers[2].intra, 2, 2, 0, L(0, 0, 0), L(0));
        PAT("D inter t=2", &x.layers[3].inter, 1, 2, 0, L(0, 0), L(0));
        /* the threshold applies to masks, not to the adjacency or the inhibition */
        EXPECT_EQ_INT(x.adj.nnz, 21);
        CHECK_I64(x.layers[2].inhibition, 1, 3);
    }
    ir_free(&x);

    compile_options_default(&o);
    o.inhibition = INHIBITION_PARTNERS;
    EXPECT_EQ_INT(tiny_compile(&o, &x), 0);
    if (x.nlayers == 4) {
        CHECK_I64(x.layers[0].inhibition, 0, 0);
        CHECK_I64(x.layers[1].inhibition, 2, 0);
        CHECK_I64(x.layers[2].inhibition, 1, 2);
        CHECK_I64(x.layers[3].inhibition, 0);
    }
    cJSON *m = cJSON_Parse(x.meta);
    EXPECT(strcmp(jstr(m, "options.inhibition"), "partners") == 0);
    EXPECT(strcmp(jstr(m, "layers.2.inhibition.mode"), "partners") == 0);
    EXPECT_EQ_INT(jnum(m, "layers.2.inhibition.total"), 3);
    cJSON_Delete(m);
    ir_free(&x);

    o.threshold = 0;
    EXPECT_ERR(tiny_compile(&o, &x), CONNC_ERR_USAGE, "threshold");
}

TEST(compile_metadata)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    cJSON *m = cJSON_Parse(x.meta);
    EXPECT(m != NULL);
    if (!m) { ir_free(&x); return; }
    EXPECT(strcmp(jstr(m, "schema"), "connc-ir/1") == 0);
    EXPECT(cJSON_IsNull(jget(m, "source")));
    EXPECT(strcmp(jstr(m, "mapping.name"), "bionic") == 0);
    EXPECT_EQ_INT(jnum(m, "options.threshold"), 1);
    EXPECT(cJSON_IsFalse(jget(m, "options.autapses")));
    EXPECT(strcmp(jstr(m, "options.inhibition"), "synapses") == 0);
    EXPECT_EQ_INT(jnum(m, "cells.count"), 10);
    EXPECT_EQ_INT(jnum(m, "cells.in_layers"), 7);
    EXPECT_EQ_INT(jnum(m, "cells.inhibitory"), 2);
    EXPECT_EQ_INT(jnum(m, "cells.skipped_no_root"), 1);
    EXPECT_EQ_INT(jnum(m, "cells.skipped_invalid"), 1);
    EXPECT_EQ_INT(jnum(m, "cells.type_counts.23P"), 2);
    EXPECT_EQ_INT(jnum(m, "cells.type_counts.5P-ET"), 1); /* the 5P-PT cell, under its canonical name */
    EXPECT(jget(m, "cells.type_counts.5P-PT") == NULL);
    EXPECT(cJSON_IsTrue(jget(m, "cells.has_positions")));
    EXPECT_EQ_INT(jnum(m, "synapses.rows"), 27);
    EXPECT_EQ_INT(jnum(m, "synapses.in_column"), 26);
    EXPECT_EQ_INT(jnum(m, "synapses.skipped_invalid"), 1);
    EXPECT_EQ_INT(jnum(m, "synapses.skipped_unknown"), 0);
    EXPECT_EQ_INT(jnum(m, "synapses.autapses"), 2);
    EXPECT_EQ_INT(jnum(m, "synapses.connections"), 21);
    /* layers: name, offset, size, inhibition summary */
    EXPECT(strcmp(jstr(m, "layers.3.name"), "D") == 0);
    EXPECT_EQ_INT(jnum(m, "layers.3.offset"), 6);
    EXPECT_EQ_INT(jnum(m, "layers.1.inhibition.total"), 3);
    EXPECT_EQ_INT(jnum(m, "layers.1.inhibition.max"), 3);
    EXPECT_EQ_INT(jnum(m, "layers.2.inhibition.total"), 4);
    EXPECT_EQ_INT(jnum(m, "layers.2.inhibition.nonzero"), 2);
    /* projections: A intra, B inter, B intra, C inter, C intra, D inter, D intra */
    static const char *from[] = {"A", "A", "B", "B", "C", "C", "D"}, *to[] = {"A", "B", "B", "C", "C", "D", "D"};
    static const char *kind[] = {"intra", "inter", "intra", "inter", "intra", "inter", "intra"};
    static const int nnz[] = {2, 3, 2, 2, 1, 2, 0}, syn[] = {3, 4, 2, 3, 1, 2, 0};
    EXPECT_EQ_INT(cJSON_GetArraySize(jget(m, "projections")), 7);
    for (int i = 0; i < 7; i++) {
        char k[64];
        snprintf(k, sizeof k, "projections.%d.from", i);
        EXPECT(strcmp(jstr(m, k), from[i]) == 0);
        snprintf(k, sizeof k, "projections.%d.to", i);
        EXPECT(strcmp(jstr(m, k), to[i]) == 0);
        snprintf(k, sizeof k, "projections.%d.kind", i);
        EXPECT(strcmp(jstr(m, k), kind[i]) == 0);
        snprintf(k, sizeof k, "projections.%d.nnz", i);
        EXPECT_EQ_INT(jnum(m, k), nnz[i]);
        snprintf(k, sizeof k, "projections.%d.synapses", i);
        EXPECT_EQ_INT(jnum(m, k), syn[i]);
    }
    EXPECT_NEAR(jnum(m, "projections.1.density"), 0.75, 1e-12);  /* 3 of 2x2 */
    EXPECT_NEAR(jnum(m, "projections.2.density"), 1.0, 1e-12);   /* 2 of 2x2 - 2 diagonal */
    /* type_matrix counts[pre][post] over 23P 4P 5P-ET 5P-IT 6P-IT BC MC Unsure */
    static const char *types[] = {"23P", "4P", "5P-ET", "5P-IT", "6P-IT", "BC", "MC", "Unsure"};
    static const int tm[8][8] = {
        {3, 0, 3, 0, 0, 0, 0, 0}, /* 23P */
        {4, 3, 0, 0, 0, 0, 0, 0}, /* 4P */
        {0, 0, 0, 0, 1, 0, 0, 0}, /* 5P-ET */
        {0, 0, 1, 0, 1, 0, 0, 0}, /* 5P-IT */
        {0, 1, 0, 0, 0, 0, 0, 0}, /* 6P-IT */
        {2, 0, 1, 2, 0, 0, 0, 0}, /* BC */
        {1, 0, 0, 1, 0, 0, 1, 0}, /* MC */
        {0, 1, 0, 0, 0, 0, 0, 0}, /* Unsure */
    };
    EXPECT_EQ_INT(cJSON_GetArraySize(jget(m, "type_matrix.types")), 8);
    int bad = 0;
    for (int i = 0; i < 8; i++) {
        char k[64];
        snprintf(k, sizeof k, "type_matrix.types.%d", i);
        bad += strcmp(jstr(m, k), types[i]) != 0;
        for (int j = 0; j < 8; j++) {
            snprintf(k, sizeof k, "type_matrix.counts.%d.%d", i, j);
            if (jnum(m, k) != tm[i][j]) {
                bad++;
                fprintf(stderr, "    type_matrix[%s][%s] = %g, want %d\n", types[i], types[j], jnum(m, k), tm[i][j]);
            }
        }
    }
    EXPECT_EQ_INT(bad, 0);
    cJSON_Delete(m);
    ir_free(&x);
}

TEST(compile_order_and_layout_independent)
{
    const char *c, *s;
    ir x;
    char ref[1024];
    snprintf(ref, sizeof ref, "%s", tmp_path("ref.cir"));
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    EXPECT_EQ_INT(ir_write(&x, ref), 0);
    ir_free(&x);
    static const struct { const char *tag; int layout, shuffle; } v[] = {
        {"shuf", TINY_CSV, 1}, {"gz", TINY_CSV_GZ, 0}, {"json", TINY_JSON, 0}, {"jshuf", TINY_JSON, 1}, {"gzshuf", TINY_CSV_GZ, 1},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        tiny_tables(v[i].tag, v[i].layout, v[i].shuffle, &c, &s);
        int rc = compile_tables(c, s, NULL, &x);
        EXPECT_EQ_INT(rc, 0);
        if (rc) { fprintf(stderr, "    %s: %s\n", v[i].tag, connc_errmsg()); continue; }
        const char *out = tmp_path("variant.cir");
        EXPECT_EQ_INT(ir_write(&x, out), 0);
        ir_free(&x);
        if (!same_file(ref, out)) {
            char m[128];
            snprintf(m, sizeof m, "the %s tables to compile to the same bytes as the CSV ones", v[i].tag);
            harness_fail(__FILE__, __LINE__, m);
        }
    }
    /* tests/data holds the same tables for the end-to-end tests */
    if (compile_tables("tests/data/tiny_cells.csv", "tests/data/tiny_synapses.csv", NULL, &x) == 0) {
        EXPECT_EQ_INT(ir_write(&x, tmp_path("data.cir")), 0);
        ir_free(&x);
        EXPECT(same_file(ref, tmp_path("data.cir")));
    } else if (connc_errmsg()[0] && !strstr(connc_errmsg(), "cannot open")) {
        harness_fail(__FILE__, __LINE__, connc_errmsg());
    }
    /* and the options do change the bytes */
    compile_options o;
    compile_options_default(&o);
    o.threshold = 2;
    EXPECT_EQ_INT(tiny_compile(&o, &x), 0);
    EXPECT_EQ_INT(ir_write(&x, tmp_path("t2.cir")), 0);
    ir_free(&x);
    EXPECT(!same_file(ref, tmp_path("t2.cir")));
}

TEST(compile_empty_layer)
{
    /* no D cell (6P-IT) */
    const char *cells = tmp_file("nod-cells.csv", "pt_root_id,cell_type\n1,4P\n2,23P\n3,5P-IT\n4,BC\n");
    const char *syn = tmp_file("nod-syn.csv", "pre_pt_root_id,post_pt_root_id\n1,2\n");
    ir x;
    EXPECT_ERR(compile_tables(cells, syn, NULL, &x), CONNC_ERR_FORMAT, "layer 'D' has no cells");
    EXPECT(x.meta == NULL && x.layers == NULL);
    /* no size column: adjacency without sizes; no position: no positions */
    cells = tmp_file("nosize-cells.csv", "pt_root_id,cell_type\n1,4P\n2,23P\n3,5P-IT\n4,6P-CT\n");
    syn = tmp_file("nosize-syn.csv", "pre_pt_root_id,post_pt_root_id\n1,2\n1,2\n");
    EXPECT_EQ_INT(compile_tables(cells, syn, NULL, &x), 0);
    EXPECT(x.size == NULL && x.position == NULL);
    EXPECT_EQ_INT(x.adj.nnz, 1);
    if (x.count) EXPECT_EQ_INT(x.count[0], 2);
    ir_free(&x);
    /* an empty JSON synapse array: a column without synapses */
    syn = tmp_file("nosyn.json", "[]");
    EXPECT_EQ_INT(compile_tables(cells, syn, NULL, &x), 0);
    EXPECT_EQ_INT(x.adj.nnz, 0);
    ir_free(&x);
}

TEST(compile_cell_table_errors)
{
    cell_table c;
    EXPECT_ERR(cells_read(tmp_file("c1.csv", "root,cell_type\n1,4P\n"), &c), CONNC_ERR_FORMAT, "c1.csv:1: missing column 'pt_root_id'");
    EXPECT_ERR(cells_read(tmp_file("c2.csv", "pt_root_id,type\n1,4P\n"), &c), CONNC_ERR_FORMAT, "c2.csv:1: missing column 'cell_type'");
    EXPECT_ERR(cells_read(tmp_file("c3.csv", "pt_root_id,cell_type\n1,4P\n2,23P\n1,BC\n"), &c), CONNC_ERR_FORMAT,
               "c3.csv:4: field 'pt_root_id': duplicate root id 1 (first at line 2)");
    EXPECT_ERR(cells_read(tmp_file("c4.csv", "pt_root_id,cell_type\n1,4P\n-5,23P\n"), &c), CONNC_ERR_FORMAT,
               "c4.csv:3: field 'pt_root_id': not an unsigned integer: '-5'");
    EXPECT_ERR(cells_read(tmp_file("c5.csv", "pt_root_id,cell_type\n18446744073709551616,4P\n"), &c), CONNC_ERR_FORMAT,
               "c5.csv:2: field 'pt_root_id': '18446744073709551616' does not fit in 64 bits");
    EXPECT_ERR(cells_read(tmp_file("c6.csv", "pt_root_id,cell_type\n1,\n"), &c), CONNC_ERR_FORMAT, "c6.csv:2: field 'cell_type': empty");
    EXPECT_ERR(cells_read(tmp_file("c7.csv", "pt_root_id,cell_type,pt_position\n1,4P,\"[1, 2]\"\n"), &c), CONNC_ERR_FORMAT,
               "c7.csv:2: field 'pt_position'");
    EXPECT_ERR(cells_read(tmp_file("c8.csv", "pt_root_id,cell_type,pt_position_x\n1,4P,3\n"), &c), CONNC_ERR_FORMAT,
               "pt_position_x/_y/_z must come together");
    EXPECT_ERR(cells_read(tmp_file("c9.csv", "pt_root_id,cell_type\n0,4P\n"), &c), CONNC_ERR_FORMAT, "no rows with a root id");
    EXPECT_ERR(cells_read(tmp_file("c10.json", "[]"), &c), CONNC_ERR_FORMAT, "the cell table has no rows");
    EXPECT_ERR(cells_read(tmp_file("c11.json", "[{\"pt_root_id\": 5, \"cell_type\": \"4P\"},\n{\"pt_root_id\": 5, \"cell_type\": \"23P\"}]"), &c),
               CONNC_ERR_FORMAT, "c11.json:2: field 'pt_root_id': duplicate root id 5 (first at record 1)");
    /* split positions and a pt_position "[x y z]" without commas are read */
    EXPECT_EQ_INT(cells_read(tmp_file("c12.csv", "pt_root_id,cell_type,pt_position_x,pt_position_y,pt_position_z\n7,4P,1,2.5,3\n"), &c), 0);
    if (c.pos) EXPECT(c.pos[0] == 1 && c.pos[1] == 2.5 && c.pos[2] == 3);
    cells_free(&c);
    double p[3];
    EXPECT_EQ_INT(parse_point("[1 2 3]", 7, p), 0);
    EXPECT(p[2] == 3);
    EXPECT(parse_point("[1, 2, 3, 4]", 12, p) != 0);
    EXPECT(parse_point("[nan, nan, nan]", 15, p) != 0);
}

TEST(compile_synapse_table_errors)
{
    cell_table c;
    synapse_list s;
    EXPECT_EQ_INT(cells_read(tmp_file("sc.csv", "pt_root_id,cell_type\n1,4P\n2,23P\n"), &c), 0);
    EXPECT_ERR(synapses_read(tmp_file("s1.csv", "pre_pt_root_id,post\n1,2\n"), &c, 0, &s), CONNC_ERR_FORMAT,
               "s1.csv:1: missing column 'post_pt_root_id'");
    EXPECT_ERR(synapses_read(tmp_file("s2.csv", "pre_pt_root_id,post_pt_root_id\n1,2\n1,3\n"), &c, 0, &s), CONNC_ERR_FORMAT,
               "s2.csv:3: field 'post_pt_root_id': root id 3 is not in the cell table");
    EXPECT_EQ_INT(synapses_read(tmp_path("s2.csv"), &c, 1, &s), 0);
    EXPECT_EQ_INT(s.n, 1);
    EXPECT_EQ_INT(s.skipped_unknown, 1);
    synapses_free(&s);
    EXPECT_ERR(synapses_read(tmp_file("s3.csv", "pre_pt_root_id,post_pt_root_id,size\n1,2,5\n2,1,-1\n"), &c, 0, &s),
               CONNC_ERR_FORMAT, "s3.csv:3: field 'size': expected a number >= 0, got '-1'");
    EXPECT_ERR(synapses_read(tmp_file("s4.csv", "pre_pt_root_id,post_pt_root_id,size\n1,2,\n"), &c, 0, &s),
               CONNC_ERR_FORMAT, "s4.csv:2: field 'size'");
    EXPECT_ERR(synapses_read(tmp_file("s5.csv", "pre_pt_root_id,post_pt_root_id\n1,2\nx1,2\n"), &c, 0, &s),
               CONNC_ERR_FORMAT, "s5.csv:3: field 'pre_pt_root_id': not an unsigned integer: 'x1'");
    EXPECT_ERR(synapses_read(tmp_file("s6.csv", "pre_pt_root_id,post_pt_root_id\n1,99999999999999999999\n"), &c, 0, &s),
               CONNC_ERR_FORMAT, "s6.csv:2: field 'post_pt_root_id': does not fit in 64 bits");
    EXPECT_ERR(synapses_read(tmp_file("s7.csv", "pre_pt_root_id,post_pt_root_id,size\n1,2,nan\n"), &c, 0, &s),
               CONNC_ERR_FORMAT, "s7.csv:2: field 'size'");
    EXPECT_ERR(synapses_read(tmp_file("s8.json", "[{\"pre_pt_root_id\": 1, \"post_pt_root_id\": 2},\n"
                                                 " {\"pre_pt_root_id\": 1, \"post_pt_root_id\": null}]"), &c, 0, &s),
               CONNC_ERR_FORMAT, "s8.json:2: field 'post_pt_root_id'");
    cells_free(&c);
}
