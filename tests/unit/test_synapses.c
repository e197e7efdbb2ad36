/* test_synapses.c: a synapse table read in two threads (compiler/synapses.c,
 * table_split in table.c) gives what one reader gives: the same list, the
 * same IR, the same first error with its line; read in chunks handed to a
 * sink, the same synapses. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "compile.h"
#include "files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONE_READER UINT64_MAX /* no table is that large: never split */
#define TINY_CELLS "tests/data/tiny_cells.csv"

/* Cells of tests/data/tiny_cells.csv, and 999, which is in no table. */
static const char *const IDS[] = {"10", "20", "30", "35", "40", "45", "50", "55", "60", "70", "999"};

/* Writes a synapse table of `rows` rows with every feature the reader
 * handles: CRLF and LF, blank lines, quoted ids, a note with a quoted comma
 * and line break, fractional sizes, valid = f, an unknown cell.  The first
 * note is `pad` bytes long, so that the middle of the file, where a split
 * falls, moves with pad.  Rows bad[0] and bad[1] (or -1) get a malformed
 * pre id; *bad_line (unless NULL) is the file line of the first. */
static const char *write_table(const char *name, int rows, int pad, const int bad[2], int *bad_line)
{
    static char text[1 << 16];
    size_t n = 0, first_bad = 0;
#define ADD(...) (n += (size_t)snprintf(text + n, sizeof text - n, __VA_ARGS__))
    ADD("id,pre_pt_root_id,post_pt_root_id,size,valid,note\n");
    for (int k = 0; k < rows; k++) {
        if (k % 7 == 3) ADD(k % 2 ? "\n" : "\r\n");
        int is_bad = k == bad[0] || k == bad[1];
        if (is_bad && !first_bad) first_bad = n;
        const char *pre = is_bad ? "x1" : IDS[k % 11], *post = IDS[(3 * k + 1) % 10];
        ADD(k % 5 ? "%d,%s,%s," : "%d,\"%s\",%s,", k, pre, post);
        ADD(k % 4 ? "%d.%d," : "%d,", 1 + k % 17, k % 10);
        ADD("%s,", k % 6 == 5 ? "f" : "t");
        if (k == 0) ADD("\"%*s\"", pad, "");
        else ADD(k % 3 == 1 ? "\"a,\nb\"" : "x");
        ADD(k % 3 ? "\n" : "\r\n");
    }
#undef ADD
    EXPECT(n < sizeof text);
    if (bad_line) { /* line breaks before the first bad row, plus one */
        *bad_line = 1;
        for (size_t i = 0; i < first_bad; i++) *bad_line += text[i] == '\n';
    }
    return spit(tmp_path(name), text, n);
}

static int same_list(const synapse_list *a, const synapse_list *b)
{
    return a->n == b->n && a->rows == b->rows && a->skipped_unknown == b->skipped_unknown &&
           a->skipped_invalid == b->skipped_invalid && !memcmp(a->pre, b->pre, a->n * sizeof *a->pre) &&
           !memcmp(a->post, b->post, a->n * sizeof *a->post) && !memcmp(a->size, b->size, a->n * sizeof *a->size);
}

TEST(synapses_split_same_list_and_errors)
{
    cell_table c;
    EXPECT_EQ_INT(cells_read(TINY_CELLS, &c), 0);
    const int none[2] = {-1, -1};
    /* the split moves through every kind of place: a line start, a blank
     * line, a CRLF, the inside of a quoted field with a line break */
    for (int pad = 0; pad < 80; pad++) {
        const char *p = write_table("moving.csv", 60, pad, none, NULL);
        synapse_list one, two;
        EXPECT_EQ_INT(synapses_read_split(p, &c, 1, ONE_READER, &one), 0);
        EXPECT_EQ_INT(synapses_read_split(p, &c, 1, 0, &two), 0);
        EXPECT(one.n > 30 && one.skipped_unknown > 0 && one.skipped_invalid > 0);
        EXPECT(same_list(&one, &two));
        synapses_free(&one);
        synapses_free(&two);
        /* without --skip-unknown the first unknown cell is the error */
        char msg[1024];
        EXPECT_EQ_INT(synapses_read_split(p, &c, 0, ONE_READER, &one), CONNC_ERR_FORMAT);
        snprintf(msg, sizeof msg, "%s", connc_errmsg());
        EXPECT_EQ_INT(synapses_read_split(p, &c, 0, 0, &two), CONNC_ERR_FORMAT);
        EXPECT(strcmp(msg, connc_errmsg()) == 0);
    }
    cells_free(&c);
}

/* Writes the IR of cells + list to path. */
static void write_ir(const cell_table *c, const synapse_list *s, const char *path)
{
    mapping m;
    compile_options o;
    ir x;
    compile_options_default(&o);
    EXPECT_EQ_INT(mapping_default(&m), 0);
    EXPECT_EQ_INT(compile_column(c, s, &m, &o, &x), 0);
    EXPECT_EQ_INT(ir_write(&x, path), 0);
    ir_free(&x);
    mapping_free(&m);
}

TEST(synapses_split_same_ir)
{
    cell_table c;
    synapse_list one, two;
    const int none[2] = {-1, -1};
    EXPECT_EQ_INT(cells_read(TINY_CELLS, &c), 0);
    const char *p = write_table("ir.csv", 400, 3, none, NULL);
    EXPECT_EQ_INT(synapses_read_split(p, &c, 1, ONE_READER, &one), 0);
    EXPECT_EQ_INT(synapses_read_split(p, &c, 1, 0, &two), 0);
    write_ir(&c, &one, tmp_path("one.cir"));
    write_ir(&c, &two, tmp_path("two.cir"));
    EXPECT(same_file(tmp_path("one.cir"), tmp_path("two.cir")));
    synapses_free(&one);
    synapses_free(&two);
    cells_free(&c);
}

TEST(synapses_split_error_lines)
{
    cell_table c;
    synapse_list s;
    char want[256];
    int line = 0;
    EXPECT_EQ_INT(cells_read(TINY_CELLS, &c), 0);
    /* a bad row in the second half: its line counts the first half's lines,
     * those inside quoted fields too */
    const int late[2] = {52, -1};
    write_table("late.csv", 60, 0, late, &line);
    EXPECT(line > 60);
    snprintf(want, sizeof want, "late.csv:%d: field 'pre_pt_root_id': not an unsigned integer: 'x1'", line);
    EXPECT_ERR(synapses_read_split(tmp_path("late.csv"), &c, 1, 0, &s), CONNC_ERR_FORMAT, want);
    /* bad rows in both halves: the first one in the file is reported */
    const int both[2] = {8, 52};
    write_table("both.csv", 60, 0, both, &line);
    snprintf(want, sizeof want, "both.csv:%d: field 'pre_pt_root_id'", line);
    EXPECT_ERR(synapses_read_split(tmp_path("both.csv"), &c, 1, 0, &s), CONNC_ERR_FORMAT, want);
    cells_free(&c);
}

/* ------------------------------------------------------------ in chunks */

typedef struct {
    int32_t pre, post;
    float size;
} triple;

/* A sink that keeps what it takes, per part. */
typedef struct {
    triple *got[2];
    size_t n[2];
    int drops;
} recorder;

static int record(void *ctx, int part, const synapse_list *s)
{
    recorder *r = ctx;
    triple *t = realloc(r->got[part], (r->n[part] + s->n) * sizeof *t);
    if (!t) return CONNC_ERR_NOMEM;
    for (size_t k = 0; k < s->n; k++) t[r->n[part] + k] = (triple){s->pre[k], s->post[k], s->size[k]};
    r->got[part] = t;
    r->n[part] += s->n;
    return CONNC_OK;
}

static void forget(void *ctx)
{
    recorder *r = ctx;
    r->n[1] = 0;
    r->drops++;
}

static int cmp_triple(const void *a, const void *b)
{
    const triple *x = a, *y = b;
    if (x->pre != y->pre) return x->pre < y->pre ? -1 : 1;
    if (x->post != y->post) return x->post < y->post ? -1 : 1;
    return (x->size > y->size) - (x->size < y->size);
}

/* What the sink kept and what was left in rest, sorted, equals s sorted. */
static int same_synapses(const recorder *r, const synapse_list *rest, const synapse_list *s)
{
    size_t n = r->n[0] + r->n[1] + rest->n, k = 0;
    triple *all = malloc((n + 1) * sizeof *all), *want = malloc((s->n + 1) * sizeof *want);
    for (int part = 0; part < 2; part++)
        for (size_t i = 0; i < r->n[part]; i++) all[k++] = r->got[part][i];
    for (size_t i = 0; i < rest->n; i++) all[k++] = (triple){rest->pre[i], rest->post[i], rest->size[i]};
    for (size_t i = 0; i < s->n; i++) want[i] = (triple){s->pre[i], s->post[i], s->size[i]};
    qsort(all, n, sizeof *all, cmp_triple);
    qsort(want, s->n, sizeof *want, cmp_triple);
    int same = n == s->n && !memcmp(all, want, n * sizeof *all);
    free(all);
    free(want);
    return same;
}

/* In chunks, read in one thread and in two: the same synapses and counts
 * as one list, also where the split falls inside a quoted field (the second
 * part's chunks are dropped and its rows read again). */
TEST(synapses_stream_chunks_split_and_drop)
{
    cell_table c;
    const int none[2] = {-1, -1};
    int drops = 0;
    EXPECT_EQ_INT(cells_read(TINY_CELLS, &c), 0);
    for (int pad = 0; pad < 80; pad++) {
        const char *p = write_table("chunks.csv", 60, pad, none, NULL);
        synapse_list one, rest;
        EXPECT_EQ_INT(synapses_read_split(p, &c, 1, ONE_READER, &one), 0);
        for (int split = 0; split < 2; split++) {
            recorder r = {{NULL, NULL}, {0, 0}, 0};
            synapse_sink sink = {4, record, forget, &r};
            EXPECT_EQ_INT(synapses_stream(p, &c, 1, split ? 0 : ONE_READER, &sink, &rest), 0);
            EXPECT(rest.n < 4 && r.n[0] > 0 && (split || (r.n[1] == 0 && r.drops == 0)));
            EXPECT(rest.rows == one.rows && rest.skipped_unknown == one.skipped_unknown &&
                   rest.skipped_invalid == one.skipped_invalid);
            EXPECT(same_synapses(&r, &rest, &one));
            drops += r.drops;
            free(r.got[0]);
            free(r.got[1]);
            synapses_free(&rest);
        }
        synapses_free(&one);
    }
    EXPECT(drops > 0);
    cells_free(&c);
}
