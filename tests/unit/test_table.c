/* test_table.c: the streaming CSV / gzip / JSON-records reader (compiler/table.c). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "parse.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Renders a whole table as "a|b\n1|2\n..." (a null field as "~", each row
 * prefixed with its table_where() as "N:"); returns the first negative
 * status, else 0.  *rows gets the number of data rows. */
static int dump(const char *path, char *out, size_t cap, int *rows)
{
    table *t;
    size_t len = 0;
    out[0] = '\0';
    *rows = 0;
    int rc = table_open(path, &t);
    if (rc < 0) return rc;
#define PUT(...) (len += (size_t)snprintf(out + len, len < cap ? cap - len : 0, __VA_ARGS__))
    for (size_t i = 0; i < table_ncols(t); i++) PUT("%s%s", i ? "|" : "", table_colname(t, i));
    PUT("\n");
    const strview *f;
    while ((rc = table_next(t, &f)) > 0) {
        (*rows)++;
        PUT("%llu:", (unsigned long long)table_where(t));
        for (size_t i = 0; i < table_ncols(t); i++) {
            if (i) PUT("|");
            if (f[i].p) PUT("%.*s", (int)f[i].n, f[i].p);
            else PUT("~");
        }
        PUT("\n");
    }
#undef PUT
    table_close(t);
    return rc < 0 ? rc : 0;
}

/* Reads rows until the end or an error; returns the first negative status (0 if none). */
static int drain(const char *path, int *rows)
{
    static char buf[1 << 16];
    return dump(path, buf, sizeof buf, rows);
}

static void write_gz(const char *path, const char *text, size_t n)
{
    gzFile g = gzopen(path, "wb");
    EXPECT(g != NULL);
    if (!g) return;
    EXPECT_EQ_INT(gzwrite(g, text, (unsigned)n), (long long)n);
    EXPECT_EQ_INT(gzclose(g), Z_OK);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Copies the first n bytes of src to dst. */
static void copy_prefix(const char *src, const char *dst, long n)
{
    FILE *a = fopen(src, "rb"), *b = fopen(dst, "wb");
    EXPECT(a && b);
    if (!a || !b) { if (a) fclose(a); if (b) fclose(b); return; }
    for (long i = 0; i < n; i++) {
        int c = fgetc(a);
        if (c == EOF) break;
        fputc(c, b);
    }
    fclose(a);
    fclose(b);
}

/* ------------------------------------------------------------ CSV */

TEST(table_csv_basic)
{
    char out[1024];
    int rows;
    const char *p = tmp_file("basic.csv", "a,b,c\n1,2,3\n4,,6\n");
    EXPECT_EQ_INT(dump(p, out, sizeof out, &rows), 0);
    EXPECT_EQ_INT(rows, 2);
    EXPECT(strcmp(out, "a|b|c\n2:1|2|3\n3:4||6\n") == 0);
    table *t;
    EXPECT_EQ_INT(table_open(p, &t), 0);
    EXPECT(table_has_schema(t));
    EXPECT_EQ_INT(table_ncols(t), 3);
    EXPECT_EQ_INT(table_col(t, "c"), 2);
    EXPECT_EQ_INT(table_col(t, "z"), -1);
    EXPECT(strcmp(table_unit(t), "line") == 0);
    EXPECT(table_colname(t, 3) == NULL);
    table_close(t);
}

TEST(table_csv_quoting)
{
    char out[1024];
    int rows;
    const char *p = tmp_file("quote.csv",
                             "id,pt_position,note\n"
                             "7,\"[1, 2, 3]\",\"say \"\"hi\"\", ok\"\n"
                             "8,\"\",\"two\nlines\"\n"
                             "9,x,\"\"\"\"\n");
    EXPECT_EQ_INT(dump(p, out, sizeof out, &rows), 0);
    EXPECT_EQ_INT(rows, 3);
    EXPECT(strcmp(out, "id|pt_position|note\n"
                       "2:7|[1, 2, 3]|say \"hi\", ok\n"
                       "3:8||two\nlines\n"
                       "5:9|x|\"\n") == 0);
}

TEST(table_csv_crlf_blank_lines)
{
    char out[1024];
    int rows;
    /* CRLF endings, blank lines (LF and CRLF) in the middle and at the end, no final newline */
    const char *p = tmp_file("crlf.csv", "\r\nx,y\r\n1,2\r\n\r\n\n3,\"4\"\r\n\n5,6");
    EXPECT_EQ_INT(dump(p, out, sizeof out, &rows), 0);
    EXPECT_EQ_INT(rows, 3);
    EXPECT(strcmp(out, "x|y\n3:1|2\n6:3|4\n8:5|6\n") == 0);
}

TEST(table_csv_bom_and_header_blanks)
{
    char out[256];
    int rows;
    const char *p = tmp_file("bom.csv", "\xEF\xBB\xBFpt_root_id, cell_type\n5,4P\n");
    EXPECT_EQ_INT(dump(p, out, sizeof out, &rows), 0);
    EXPECT(strcmp(out, "pt_root_id|cell_type\n2:5|4P\n") == 0);
}

TEST(table_csv_field_count)
{
    int rows;
    /* the bad row is on line 4 (line 3 is blank) */
    const char *p = tmp_file("count.csv", "a,b\n1,2\n\n3,4,5\n6,7\n");
    EXPECT_ERR(drain(p, &rows), CONNC_ERR_FORMAT, "count.csv:4: 3 fields, the header has 2");
    EXPECT_EQ_INT(rows, 1);
    /* after a quoted field spanning two lines, the line numbers still count physical lines */
    p = tmp_file("count2.csv", "a,b\n\"x\ny\",2\n9\n");
    EXPECT_ERR(drain(p, &rows), CONNC_ERR_FORMAT, "count2.csv:4: 1 fields");
    p = tmp_file("count3.csv", "a,b\r\n1,2\r\n3\r\n");
    EXPECT_ERR(drain(p, &rows), CONNC_ERR_FORMAT, "count3.csv:3:");
}

TEST(table_csv_unterminated_quote)
{
    int rows;
    const char *p = tmp_file("unterm.csv", "a,b\n1,2\n3,\"oops\n4,5\n");
    EXPECT_ERR(drain(p, &rows), CONNC_ERR_FORMAT, "unterm.csv:3: unterminated");
    p = tmp_file("after.csv", "a,b\n1,\"x\"y\n");
    EXPECT_ERR(drain(p, &rows), CONNC_ERR_FORMAT, "after.csv:2: text after closing quote");
}

TEST(table_empty_files)
{
    table *t = NULL;
    EXPECT_ERR(table_open(tmp_file("empty.csv", ""), &t), CONNC_ERR_FORMAT, "empty file");
    EXPECT(t == NULL);
    EXPECT_ERR(table_open(tmp_file("blank.csv", "\n\r\n  \n"), &t), CONNC_ERR_FORMAT, "empty file");
    const char *gz = tmp_path("empty.csv.gz");
    write_gz(gz, "", 0);
    EXPECT_ERR(table_open(gz, &t), CONNC_ERR_FORMAT, "empty file");
    EXPECT_ERR(table_open(tmp_path("does-not-exist.csv"), &t), CONNC_ERR_IO, "does-not-exist.csv: cannot open");
    /* a header only: a schema and no rows */
    int rows;
    char out[64];
    EXPECT_EQ_INT(dump(tmp_file("hdr.csv", "a,b\n"), out, sizeof out, &rows), 0);
    EXPECT_EQ_INT(rows, 0);
    EXPECT(strcmp(out, "a|b\n") == 0);
}

/* ------------------------------------------------------------ gzip */

TEST(table_gzip_equals_plain)
{
    /* enough rows to cross the reader's internal buffer refills */
    size_t cap = 4u << 20, n = 0;
    char *text = malloc(cap);
    EXPECT(text != NULL);
    if (!text) return;
    n += (size_t)snprintf(text + n, cap - n, "pre_pt_root_id,post_pt_root_id,size,note\n");
    for (int i = 0; i < 60000; i++)
        n += (size_t)snprintf(text + n, cap - n, "%llu,%d,%d,\"r,%d\"\n", 864691135000000000ull + (unsigned)i, i % 97,
                              i % 13, i);
    FILE *f = fopen(tmp_path("big.csv"), "wb");
    EXPECT(f != NULL);
    if (f) { fwrite(text, 1, n, f); fclose(f); }
    write_gz(tmp_path("big.csv.gz"), text, n);
    free(text);
    size_t bcap = 8u << 20;
    char *a = malloc(bcap), *b = malloc(bcap);
    int ra = 0, rb = 0;
    if (a && b) {
        EXPECT_EQ_INT(dump(tmp_path("big.csv"), a, bcap, &ra), 0);
        EXPECT_EQ_INT(dump(tmp_path("big.csv.gz"), b, bcap, &rb), 0);
        EXPECT_EQ_INT(ra, 60000);
        EXPECT_EQ_INT(rb, 60000);
        EXPECT(strcmp(a, b) == 0);
        EXPECT(strstr(a, "60001:864691135000059999|53|4|r,59999\n") != NULL);
    }
    free(a);
    free(b);
    EXPECT(file_size(tmp_path("big.csv.gz")) < file_size(tmp_path("big.csv")));
}

TEST(table_gzip_truncated)
{
    size_t cap = 1u << 20, n = 0;
    char *text = malloc(cap);
    EXPECT(text != NULL);
    if (!text) return;
    n += (size_t)snprintf(text + n, cap - n, "a,b\n");
    unsigned x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u; /* poorly compressible rows */
        n += (size_t)snprintf(text + n, cap - n, "%u,%d\n", x, i);
    }
    const char *full = tmp_path("trunc-full.csv.gz");
    write_gz(full, text, n);
    free(text);
    long size = file_size(full);
    EXPECT(size > 1000);
    int rows;
    EXPECT_EQ_INT(drain(full, &rows), 0);
    EXPECT_EQ_INT(rows, 20000);
    /* cut in the middle of the deflate data, and cut only the 8-byte trailer (CRC + length) */
    const long cuts[] = {size / 2, size - 4, size - 8};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        const char *cut = tmp_path("trunc.csv.gz");
        copy_prefix(full, cut, cuts[k]);
        int rc = drain(cut, &rows);
        EXPECT_EQ_INT(rc, CONNC_ERR_FORMAT);
        EXPECT(strstr(connc_errmsg(), "trunc.csv.gz") != NULL);
        EXPECT(strstr(connc_errmsg(), "truncated") != NULL || strstr(connc_errmsg(), "decompress") != NULL);
        if (rc == 0) fprintf(stderr, "    cut at %ld of %ld: %d rows, no error\n", cuts[k], size, rows);
    }
    /* damaged bytes in the middle are caught too */
    FILE *f = fopen(full, "r+b");
    if (f) {
        fseek(f, size / 2, SEEK_SET);
        for (int i = 0; i < 16; i++) fputc(0x55, f);
        fclose(f);
    }
    EXPECT(drain(full, &rows) < 0);
}

/* ------------------------------------------------------------ JSON records */

TEST(table_json_records)
{
    char out[1024];
    int rows;
    const char *p = tmp_file("rec.json",
                             " [\n"
                             "  {\"id\": 1, \"name\": \"x\", \"pos\": [1, 2, 3]},\n"
                             "  {\"pos\": {\"a\": [1, {\"b\": \"]}\"}]}, \"id\": 2, \"name\": null},\n"
                             "  {\"name\": \"say \\\"hi\\\" \\\\ caf\\u00e9 \\u20ac\\n\", \"id\": -3.5e2},\n"
                             "  {\"id\":4,\"extra\":true,\"name\":\"\"}\n"
                             "] \n");
    EXPECT_EQ_INT(dump(p, out, sizeof out, &rows), 0);
    EXPECT_EQ_INT(rows, 4);
    EXPECT(strcmp(out, "id|name|pos\n"
                       "1:1|x|[1, 2, 3]\n"
                       "2:2|~|{\"a\": [1, {\"b\": \"]}\"}]}\n"
                       "3:-3.5e2|say \"hi\" \\ caf\xC3\xA9 \xE2\x82\xAC\n|~\n"
                       "4:4||~\n") == 0);
    if (strcmp(out, "") != 0 && rows != 4) fprintf(stderr, "    got:\n%s", out);
    table *t;
    EXPECT_EQ_INT(table_open(p, &t), 0);
    EXPECT(strcmp(table_unit(t), "record") == 0);
    const strview *f;
    EXPECT_EQ_INT(table_next(t, &f), 1);
    EXPECT_EQ_INT(table_next(t, &f), 1);
    EXPECT(f[1].p == NULL && f[1].n == 0); /* null */
    uint64_t u;
    EXPECT_EQ_INT(parse_u64(f[1], &u), -1); /* a null is no number (and no crash) */
    EXPECT(sv_is_missing(f[1]));
    EXPECT_EQ_INT(table_next(t, &f), 1);
    EXPECT(f[2].p == NULL); /* absent key */
    EXPECT_EQ_INT(table_next(t, &f), 1);
    EXPECT(f[1].p != NULL && f[1].n == 0); /* empty string is not null */
    EXPECT_EQ_INT(table_next(t, &f), 0);
    EXPECT_EQ_INT(table_next(t, &f), 0);
    table_close(t);
}

TEST(table_json_empty_array)
{
    table *t;
    EXPECT_EQ_INT(table_open(tmp_file("empty.json", "[]"), &t), 0);
    EXPECT(!table_has_schema(t));
    EXPECT_EQ_INT(table_ncols(t), 0);
    const strview *f;
    EXPECT_EQ_INT(table_next(t, &f), 0);
    table_close(t);
    EXPECT_EQ_INT(table_open(tmp_file("empty2.json", " [ \n ] \n"), &t), 0);
    EXPECT(!table_has_schema(t));
    table_close(t);
}

TEST(table_json_errors)
{
    int rows;
    EXPECT_ERR(drain(tmp_file("t1.json", "[{\"a\": 1}, {\"a\": 2"), &rows), CONNC_ERR_FORMAT, "record 2: truncated JSON object");
    EXPECT_ERR(drain(tmp_file("t2.json", "[{\"a\": 1}, {\"a\": 2}"), &rows), CONNC_ERR_FORMAT, "truncated JSON");
    EXPECT_ERR(drain(tmp_file("t3.json", "[{\"a\": 1},"), &rows), CONNC_ERR_FORMAT, "truncated JSON");
    EXPECT_ERR(drain(tmp_file("t4.json", "[{\"a\": \"x}]"), &rows), CONNC_ERR_FORMAT, "t4.json");
    EXPECT_ERR(drain(tmp_file("t5.json", "[{\"a\": 1} {\"a\": 2}]"), &rows), CONNC_ERR_FORMAT, "record 2: expected ',' or ']'");
    EXPECT_ERR(drain(tmp_file("t6.json", "[1, 2]"), &rows), CONNC_ERR_FORMAT, "record 1: expected a JSON object");
    EXPECT_ERR(drain(tmp_file("t7.json", "[{\"a\": 1}] x"), &rows), CONNC_ERR_FORMAT, "text after the closing ']'");
    EXPECT_ERR(drain(tmp_file("t8.json", "[{\"a\": 1}, {\"a\" 2}]"), &rows), CONNC_ERR_FORMAT, "record 2: expected ':'");
    EXPECT_ERR(drain(tmp_file("t9.json", "[{\"a\": \"\\u00zz\"}]"), &rows), CONNC_ERR_FORMAT, "bad \\u escape");
    EXPECT_ERR(drain(tmp_file("t10.json", "[{\"a\": 1, \"b\": }]"), &rows), CONNC_ERR_FORMAT, "missing value");
}

TEST(table_json_gzip_equals_plain)
{
    const char *text = "[{\"pre_pt_root_id\": 864691135533713769, \"size\": 2956},\n"
                       " {\"size\": 344, \"pre_pt_root_id\": 864691135087527094}]";
    const char *p = tmp_file("j.json", text);
    const char *g = tmp_path("j.json.gz");
    write_gz(g, text, strlen(text));
    char a[512], b[512];
    int ra, rb;
    EXPECT_EQ_INT(dump(p, a, sizeof a, &ra), 0);
    EXPECT_EQ_INT(dump(g, b, sizeof b, &rb), 0);
    EXPECT(strcmp(a, "pre_pt_root_id|size\n1:864691135533713769|2956\n2:864691135087527094|344\n") == 0);
    EXPECT(strcmp(a, b) == 0);
}

/* ------------------------------------------------------------ real CAVE rows */

TEST(table_cave_cell_fixture)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cave/fixtures/allen_v1_column_types_slanted_ref_head5_v1718.csv", harness_shared);
    if (access(path, R_OK) != 0) { harness_skip("no shared CAVE fixtures"); return; }
    table *t;
    EXPECT_EQ_INT(table_open(path, &t), 0);
    int pos = table_col(t, "pt_position"), root = table_col(t, "pt_root_id"), bb = table_col(t, "bb_start_position");
    EXPECT(pos >= 0 && root >= 0 && bb >= 0);
    const strview *f;
    EXPECT_EQ_INT(table_next(t, &f), 1);
    uint64_t id = 0;
    EXPECT_EQ_INT(parse_u64(f[root], &id), 0);
    EXPECT(id == 864691136968429774ull);
    EXPECT(f[pos].n == strlen("[178400, 143248, 21238]") && memcmp(f[pos].p, "[178400, 143248, 21238]", f[pos].n) == 0);
    EXPECT(sv_eq(f[bb], "[nan, nan, nan]"));
    int rows = 1;
    while (table_next(t, &f) > 0) rows++;
    EXPECT_EQ_INT(rows, 5);
    table_close(t);
}

/* Every 64-bit id of the 1000-row CAVE fixture, as CSV and as JSON records,
 * parsed exactly: the two layouts must agree, and some ids exceed 2^53. */
TEST(table_exact_ids_csv_vs_json)
{
    char csv[1024], json[1024];
    snprintf(csv, sizeof csv, "%s/connectomes/caveclient_fixture/synapse_query_split.csv", harness_shared);
    snprintf(json, sizeof json, "%s/connectomes/caveclient_fixture/synapse_query_split.records.json", harness_shared);
    if (access(csv, R_OK) != 0 || access(json, R_OK) != 0) { harness_skip("no shared caveclient fixture"); return; }
    static const char *cols[] = {"id", "pre_pt_supervoxel_id", "post_pt_supervoxel_id", "pre_pt_root_id", "post_pt_root_id"};
    enum { NC = 5 };
    table *a, *b;
    EXPECT_EQ_INT(table_open(csv, &a), 0);
    EXPECT_EQ_INT(table_open(json, &b), 0);
    if (!a || !b) { table_close(a); table_close(b); return; }
    int ca[NC], cb[NC];
    for (int k = 0; k < NC; k++) {
        ca[k] = table_col(a, cols[k]);
        cb[k] = table_col(b, cols[k]);
        EXPECT(ca[k] >= 0 && cb[k] >= 0);
        if (ca[k] < 0 || cb[k] < 0) { table_close(a); table_close(b); return; }
    }
    const strview *fa, *fb;
    int rows = 0, mismatches = 0, parse_errors = 0, above_2_53 = 0, double_corrupts = 0;
    for (;;) {
        int ra = table_next(a, &fa), rb = table_next(b, &fb);
        EXPECT_EQ_INT(ra, rb);
        if (ra <= 0 || rb <= 0) break;
        rows++;
        for (int k = 0; k < NC; k++) {
            uint64_t x = 0, y = 0;
            if (parse_u64(fa[ca[k]], &x) != 0 || parse_u64(fb[cb[k]], &y) != 0) { parse_errors++; continue; }
            if (x != y) mismatches++;
            if (x > (1ull << 53)) above_2_53++;
            if ((uint64_t)(double)x != x) double_corrupts++;
        }
    }
    EXPECT_EQ_INT(rows, 1000);
    EXPECT_EQ_INT(parse_errors, 0);
    EXPECT_EQ_INT(mismatches, 0);
    EXPECT(above_2_53 > 0);
    EXPECT(double_corrupts > 0); /* a double path would have changed these ids */
    table_close(a);
    table_close(b);
}

/* Reads t's remaining rows as "N:first-field " (N its table_where); returns the row count. */
static int rows_of(table *t, char *out, size_t cap)
{
    const strview *f;
    size_t len = 0;
    int n = 0;
    out[0] = '\0';
    while (table_next(t, &f) > 0 && len < cap) {
        len += (size_t)snprintf(out + len, cap - len, "%llu:%.*s ", (unsigned long long)table_where(t), (int)f[0].n, f[0].p);
        n++;
    }
    return n;
}

TEST(table_split_halves)
{
    const char *text = "a,b\n1,x\n2,x\n\n3,x\n4,x\n5,x\n6,x\n";
    char first[256], second[256];
    table *t, *rest;
    EXPECT_EQ_INT(table_open(tmp_file("split.csv", text), &t), 0);
    EXPECT_EQ_INT(table_split(t, 0, &rest), 0);
    EXPECT(rest != NULL);
    if (!rest) { table_close(t); return; }
    /* the middle of the rows (byte 16) is the line break after "3,x": the split is the next line */
    EXPECT_EQ_INT(rows_of(t, first, sizeof first), 3);
    EXPECT(strcmp(first, "2:1 3:2 5:3 ") == 0);
    EXPECT(table_stopped_at_split(t));
    EXPECT_EQ_INT(rows_of(rest, second, sizeof second), 3);
    EXPECT(strcmp(second, "1:4 2:5 3:6 ") == 0); /* numbered from the split */
    table_close(rest);
    /* the continuation of t is numbered on from t */
    EXPECT_EQ_INT(table_open_rest(t, &rest), 0);
    EXPECT_EQ_INT(rows_of(rest, second, sizeof second), 3);
    EXPECT(strcmp(second, "6:4 7:5 8:6 ") == 0);
    table_close(rest);
    table_close(t);
    /* not split: below min_bytes, gzip, JSON */
    const char *paths[] = {tmp_path("split.csv"), tmp_path("split.csv.gz"), tmp_file("split.json", "[{\"a\": 1}, {\"a\": 2}]")};
    uint64_t min_bytes[] = {strlen(text) + 1, 0, 0};
    write_gz(paths[1], text, strlen(text));
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ_INT(table_open(paths[i], &t), 0);
        EXPECT_EQ_INT(table_split(t, min_bytes[i], &rest), 0);
        EXPECT(rest == NULL);
        table_close(t);
    }
}
