/* test_fer2013.c: the FER-2013 reader and its cache (runtime/fer2013.c). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "fer2013.h"
#include "files.h"
#include "progress.h"
#include "sha256.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ------------------------------------------------------------ building CSV text */

static char text[1 << 21];
static size_t text_len;

static void add(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text + text_len, sizeof text - text_len, fmt, ap);
    va_end(ap);
    if (n > 0) text_len += (size_t)n;
}

static int pix(int seed, int k) { return (seed * 31 + k * 7) % 256; }

static void start(void)
{
    text_len = 0;
    add("emotion,pixels,Usage\n");
}

/* One row with npix pixels, the eol given (e.g. "\n" or "\r\n"). */
static void row_n(const char *label, int npix, const char *usage, int seed, const char *eol)
{
    add("%s,", label);
    for (int k = 0; k < npix; k++) add(k ? " %d" : "%d", pix(seed, k));
    add(",%s%s", usage, eol);
}

static void row(const char *label, const char *usage, int seed) { row_n(label, FER_PIXELS, usage, seed, "\n"); }

/* The four rows most tests use: 2 Training, 1 PublicTest, 1 PrivateTest. */
static void four_rows(void)
{
    start();
    row("3", "Training", 0);
    row("0", "PublicTest", 1);
    row("6", "PrivateTest", 2);
    row("1", "Training", 3);
}

static const char *save_bytes(const char *name, const void *p, size_t n) { return spit(tmp_path(name), p, n); }

static const char *save(const char *name) { return save_bytes(name, text, text_len); }

static const char *save_gz(const char *name)
{
    const char *path = tmp_path(name);
    gzFile g = gzopen(path, "wb9");
    if (g) {
        gzwrite(g, text, (unsigned)text_len);
        gzclose(g);
    }
    return path;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void expect_same_data(const fer_data *a, const fer_data *b)
{
    EXPECT_EQ_INT(a->n, b->n);
    if (a->n != b->n) return;
    EXPECT(memcmp(a->label, b->label, a->n) == 0);
    EXPECT(memcmp(a->split, b->split, a->n) == 0);
    EXPECT(memcmp(a->pixels, b->pixels, a->n * FER_PIXELS) == 0);
    EXPECT(memcmp(a->count, b->count, sizeof a->count) == 0);
}

/* ------------------------------------------------------------ parsing */

TEST(fer_parse_rows)
{
    four_rows();
    const char *path = save("four.csv");
    fer_data d;
    EXPECT_EQ_INT(fer_parse_csv(path, &d), CONNC_OK);
    EXPECT_EQ_INT(d.n, 4);
    EXPECT_EQ_INT(d.count[FER_TRAINING], 2);
    EXPECT_EQ_INT(d.count[FER_PUBLIC_TEST], 1);
    EXPECT_EQ_INT(d.count[FER_PRIVATE_TEST], 1);
    if (d.n == 4) {
        EXPECT(d.label[0] == 3 && d.label[1] == 0 && d.label[2] == 6 && d.label[3] == 1);
        EXPECT(d.split[0] == 0 && d.split[1] == 1 && d.split[2] == 2 && d.split[3] == 0);
        EXPECT_EQ_INT(d.pixels[0], pix(0, 0));
        EXPECT_EQ_INT(d.pixels[FER_PIXELS - 1], pix(0, FER_PIXELS - 1));
        EXPECT_EQ_INT(d.pixels[2 * FER_PIXELS + 100], pix(2, 100));
    }
    char hex[65];
    sha256_file(path, hex);
    EXPECT(strcmp(d.source_sha256, hex) == 0);
    EXPECT_EQ_INT(d.source.size, text_len);
    fer_free(&d);
    EXPECT(d.pixels == NULL && d.n == 0);
}

TEST(fer_gzip_equals_plain)
{
    four_rows();
    fer_data a, b;
    EXPECT_EQ_INT(fer_parse_csv(save("plain.csv"), &a), CONNC_OK);
    const char *gz = save_gz("packed.csv.gz");
    EXPECT_EQ_INT(fer_parse_csv(gz, &b), CONNC_OK);
    expect_same_data(&a, &b);
    char hex[65];
    sha256_file(gz, hex); /* the checksum is of the file as stored */
    EXPECT(strcmp(b.source_sha256, hex) == 0);
    EXPECT(strcmp(a.source_sha256, b.source_sha256) != 0);
    fer_free(&a);
    fer_free(&b);
}

/* CRLF line ends, a byte-order mark, quoted fields, blank lines, runs of
 * spaces and a last line without its newline are all accepted. */
TEST(fer_lenient_layouts)
{
    four_rows();
    fer_data plain, other;
    EXPECT_EQ_INT(fer_parse_csv(save("lf.csv"), &plain), CONNC_OK);
    text_len = 0;
    add("\xEF\xBB\xBF" "emotion,pixels,Usage\r\n");
    row_n("3", FER_PIXELS, "Training", 0, "\r\n");
    add("\r\n");
    add("\"0\",\"");
    for (int k = 0; k < FER_PIXELS; k++) add(k ? "  %d" : " %d", pix(1, k));
    add(" \",\"PublicTest\"\r\n");
    row_n("6", FER_PIXELS, "PrivateTest", 2, "\n\n");
    row_n("1", FER_PIXELS, "Training", 3, "");
    EXPECT_EQ_INT(fer_parse_csv(save("crlf.csv"), &other), CONNC_OK);
    expect_same_data(&plain, &other);
    fer_free(&plain);
    fer_free(&other);
}

/* Each bad input gives one message naming file, line and field. */
static void expect_format_error(const char *name, const char *message)
{
    fer_data d;
    memset(&d, 0xAB, sizeof d);
    EXPECT_ERR(fer_parse_csv(save(name), &d), CONNC_ERR_FORMAT, message);
    EXPECT(d.pixels == NULL && d.n == 0); /* nothing half-filled, nothing leaked */
}

TEST(fer_bad_pixel_count)
{
    start();
    row("3", "Training", 0);
    row_n("2", FER_PIXELS - 1, "Training", 1, "\n");
    expect_format_error("short.csv", "short.csv:3: field 'pixels': expected 2304 values, found 2303");
    start();
    row_n("2", FER_PIXELS + 1, "Training", 1, "\n");
    expect_format_error("long.csv", "long.csv:2: field 'pixels': expected 2304 values, found 2305");
    start();
    add("4,,Training\n");
    expect_format_error("nopix.csv", "nopix.csv:2: field 'pixels': expected 2304 values, found 0");
}

TEST(fer_bad_label)
{
    const char *bad[] = {"7", "-1", "x", "", "3.0"};
    for (int i = 0; i < 5; i++) {
        start();
        row(bad[i], "Training", 0);
        char want[128];
        snprintf(want, sizeof want, "label.csv:2: field 'emotion': expected an integer 0-6, found '%s'", bad[i]);
        expect_format_error("label.csv", want);
    }
}

TEST(fer_bad_usage)
{
    start();
    row("1", "Validation", 0);
    expect_format_error("usage.csv",
                        "usage.csv:2: field 'Usage': expected Training, PublicTest or PrivateTest, found 'Validation'");
    start();
    row("1", "training", 0);
    expect_format_error("usage2.csv", "field 'Usage'");
}

TEST(fer_bad_pixel_values)
{
    start();
    add("1,1 2 3 4 12a");
    for (int k = 5; k < FER_PIXELS; k++) add(" 9");
    add(",Training\n");
    expect_format_error("alpha.csv", "alpha.csv:2: field 'pixels': value 5 is '12a', expected an integer 0-255");
    start();
    add("1,256");
    for (int k = 1; k < FER_PIXELS; k++) add(" 9");
    add(",Training\n");
    expect_format_error("range.csv", "range.csv:2: field 'pixels': value 1 is '256', expected an integer 0-255");
    start();
    add("1,1,2,Training\n");
    expect_format_error("fields.csv", "fields.csv:2: expected 3 fields (emotion,pixels,Usage), found 4");
    start();
    add("1 2 3\n");
    expect_format_error("fields1.csv", "fields1.csv:2: expected 3 fields (emotion,pixels,Usage), found 1");
}

TEST(fer_bad_header_and_empty)
{
    text_len = 0;
    row("3", "Training", 0);
    expect_format_error("nohead.csv", "nohead.csv:1: missing header line 'emotion,pixels,Usage' (line 1 is a data row)");
    text_len = 0;
    add("label,image,split\n");
    row("3", "Training", 0);
    expect_format_error("head.csv", "head.csv:1: expected the header line 'emotion,pixels,Usage', found 'label,image,split'");
    text_len = 0;
    expect_format_error("empty.csv", "empty.csv:1: empty file, expected the header line 'emotion,pixels,Usage'");
    start();
    expect_format_error("only.csv", "only.csv:2: no data rows after the header");
}

TEST(fer_line_too_long)
{
    start();
    add("1,");
    while (text_len < (1u << 20) + 100) add("1 ");
    expect_format_error("huge.csv", "huge.csv:2: line longer than 1048576 bytes");
}

/* A gzip file cut short must not pass for a shorter clean file, even when
 * only the 8-byte trailer is missing; a wrong CRC is damage too. */
TEST(fer_truncated_gzip)
{
    start();
    for (int i = 0; i < 40; i++) row("2", "Training", i * 13 + 5);
    const char *gz = save_gz("full.csv.gz");
    long n = file_size(gz);
    static unsigned char bytes[1 << 20];
    FILE *f = fopen(gz, "rb");
    EXPECT(f && n > 100 && fread(bytes, 1, (size_t)n, f) == (size_t)n);
    if (f) fclose(f);
    fer_data d;
    EXPECT_ERR(fer_parse_csv(save_bytes("half.csv.gz", bytes, (size_t)n / 2), &d), CONNC_ERR_FORMAT,
               "half.csv.gz:");
    EXPECT(strstr(connc_errmsg(), "truncated gzip data (unexpected end of file)"));
    EXPECT_ERR(fer_parse_csv(save_bytes("notrailer.csv.gz", bytes, (size_t)n - 8), &d), CONNC_ERR_FORMAT,
               "notrailer.csv.gz:42: truncated gzip data");
    bytes[n - 8] ^= 0xFF;
    EXPECT_ERR(fer_parse_csv(save_bytes("crc.csv.gz", bytes, (size_t)n), &d), CONNC_ERR_FORMAT,
               "damaged gzip data: incorrect data check");
    /* gzread drops the read that meets damage: the line named is up to 256
     * KiB of text (28 rows) before it */
    const char *at = strstr(connc_errmsg(), "crc.csv.gz:");
    int line = at ? atoi(at + strlen("crc.csv.gz:")) : 0;
    EXPECT(line >= 42 - 29 && line <= 42);
    EXPECT(d.pixels == NULL);
}

TEST(fer_missing_file)
{
    fer_data d;
    EXPECT_ERR(fer_parse_csv(tmp_path("nope.csv"), &d), CONNC_ERR_IO, "nope.csv: cannot open: No such file");
    EXPECT_ERR(fer_parse_csv(harness_tmpdir, &d), CONNC_ERR_IO, "not a regular file");
    EXPECT_ERR(fer_load(tmp_path("nope.csv"), tmp_path("cache0"), &d), CONNC_ERR_IO, "nope.csv: cannot open");
}

/* ------------------------------------------------------------ cache file */

TEST(fer_cache_round_trip)
{
    four_rows();
    fer_data a, b;
    EXPECT_EQ_INT(fer_parse_csv(save("rt.csv"), &a), CONNC_OK);
    const char *cache = tmp_path("rt.cache");
    EXPECT_EQ_INT(fer_cache_write(&a, cache), CONNC_OK);
    EXPECT_EQ_INT(file_size(cache), 256 + 4 * (FER_PIXELS + 2));
    EXPECT_EQ_INT(fer_cache_read(cache, &b), CONNC_OK);
    expect_same_data(&a, &b);
    EXPECT(strcmp(a.source_sha256, b.source_sha256) == 0);
    EXPECT(memcmp(&a.source, &b.source, sizeof a.source) == 0);
    fer_free(&a);
    fer_free(&b);
    EXPECT_ERR(fer_cache_read(tmp_path("absent.cache"), &b), CONNC_ERR_NOTFOUND, "absent.cache");
}

/* Writes a valid cache, damages one byte (or the length), expects the error. */
static void expect_damage(long offset, int truncate_to, int status, const char *message)
{
    four_rows();
    fer_data d;
    EXPECT_EQ_INT(fer_parse_csv(save("dmg.csv"), &d), CONNC_OK);
    const char *cache = tmp_path("dmg.cache");
    fer_cache_write(&d, cache);
    fer_free(&d);
    static unsigned char bytes[1 << 16];
    FILE *f = fopen(cache, "rb");
    size_t n = f ? fread(bytes, 1, sizeof bytes, f) : 0;
    if (f) fclose(f);
    if (offset >= 0) bytes[offset] ^= 0x01;
    if (offset == 8) { /* a newer version, with a header checksum that fits */
        uLong crc = crc32(0, bytes, 252);
        for (int i = 0; i < 4; i++) bytes[252 + i] = (unsigned char)(crc >> (8 * i));
    }
    save_bytes("dmg.cache", bytes, truncate_to ? (size_t)truncate_to : n);
    EXPECT_ERR(fer_cache_read(cache, &d), status, message);
    EXPECT(d.pixels == NULL && d.n == 0);
}

TEST(fer_cache_damage_detected)
{
    expect_damage(0, 0, CONNC_ERR_CORRUPT, "not a connc FER-2013 cache");
    expect_damage(8, 0, CONNC_ERR_VERSION, "cache version 0, this connc reads version 1");
    expect_damage(30, 0, CONNC_ERR_CORRUPT, "header checksum mismatch");
    expect_damage(256 + 1, 0, CONNC_ERR_CORRUPT, "payload checksum mismatch");
    expect_damage(256 + 8 + 500, 0, CONNC_ERR_CORRUPT, "payload checksum mismatch");
    expect_damage(-1, 256 + 4 * (FER_PIXELS + 2) - 1, CONNC_ERR_CORRUPT, "the header implies");
    expect_damage(-1, 100, CONNC_ERR_CORRUPT, "dmg.cache: truncated");
}

/* ------------------------------------------------------------ loading through the cache */

/* fer_load logs cache events; the tests check them in tests/e2e/data.sh. */
static int quiet(void)
{
    int old = connc_verbosity;
    connc_verbosity = 0;
    return old;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

TEST(fer_load_builds_then_uses_cache)
{
    int verbosity = quiet();
    four_rows();
    const char *csv = save("load.csv"), *dir = tmp_path("cache1");
    char cache[FER_CACHE_PATH_MAX];
    EXPECT_EQ_INT(fer_cache_path(csv, dir, cache, sizeof cache), CONNC_OK);
    fer_data a, b;
    EXPECT_EQ_INT(fer_load(csv, dir, &a), CONNC_OK);
    EXPECT_EQ_INT(count_files(dir), 1);
    EXPECT(file_size(cache) > 0);
    /* plant a cache with a different label but the same key: it must be used */
    a.label[0] = 5;
    EXPECT_EQ_INT(fer_cache_write(&a, cache), CONNC_OK);
    EXPECT_EQ_INT(fer_load(csv, dir, &b), CONNC_OK);
    EXPECT_EQ_INT(b.n, 4);
    if (b.n == 4) EXPECT_EQ_INT(b.label[0], 5);
    fer_free(&a);
    fer_free(&b);
    connc_verbosity = verbosity;
}

TEST(fer_load_rebuilds_stale_and_damaged)
{
    int verbosity = quiet();
    four_rows();
    const char *csv = save("stale.csv"), *dir = tmp_path("cache2");
    char cache[FER_CACHE_PATH_MAX];
    fer_cache_path(csv, dir, cache, sizeof cache);
    fer_data d;
    EXPECT_EQ_INT(fer_load(csv, dir, &d), CONNC_OK);
    fer_free(&d);
    struct stat before;
    stat(csv, &before);
    row("4", "PublicTest", 9); /* the source changes: five rows now */
    save("stale.csv");
    /* even with its old modification time (same inode): the size gives it away */
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    EXPECT_EQ_INT(utimensat(AT_FDCWD, csv, times, 0), 0);
    EXPECT_EQ_INT(fer_load(csv, dir, &d), CONNC_OK);
    EXPECT_EQ_INT(d.n, 5);
    fer_free(&d);
    EXPECT_EQ_INT(fer_cache_read(cache, &d), CONNC_OK); /* rewritten */
    EXPECT_EQ_INT(d.n, 5);
    fer_free(&d);
    FILE *f = fopen(cache, "r+b"); /* damage the pixels */
    if (f) {
        fseek(f, 256 + 10 + 1000, SEEK_SET);
        fputc(0x55, f);
        fclose(f);
    }
    EXPECT_ERR(fer_cache_read(cache, &d), CONNC_ERR_CORRUPT, "payload checksum mismatch");
    EXPECT_EQ_INT(fer_load(csv, dir, &d), CONNC_OK);
    EXPECT_EQ_INT(d.n, 5);
    if (d.n == 5) EXPECT_EQ_INT(d.pixels[1000], pix(0, 1000));
    fer_free(&d);
    EXPECT_EQ_INT(fer_cache_read(cache, &d), CONNC_OK); /* rebuilt */
    fer_free(&d);
    connc_verbosity = verbosity;
}

TEST(fer_load_bad_csv_leaves_no_cache)
{
    start();
    row("9", "Training", 0);
    const char *dir = tmp_path("cache3");
    fer_data d;
    EXPECT_ERR(fer_load(save("bad.csv"), dir, &d), CONNC_ERR_FORMAT, "bad.csv:2: field 'emotion'");
    EXPECT_EQ_INT(count_files(dir), 0);
}

/* Sets or unsets an environment variable; returns a copy of its old value. */
static char *swap_env(const char *name, const char *value)
{
    const char *old = getenv(name);
    char *copy = old ? strdup(old) : NULL;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
    return copy;
}

TEST(fer_cache_location)
{
    int verbosity = quiet();
    four_rows();
    const char *csv = save("where.csv");
    char *xdg = swap_env("XDG_CACHE_HOME", tmp_path("xdg")), *home = swap_env("HOME", tmp_path("home"));
    char path[FER_CACHE_PATH_MAX], want[FER_CACHE_PATH_MAX];
    EXPECT_EQ_INT(fer_cache_path(csv, NULL, path, sizeof path), CONNC_OK);
    snprintf(want, sizeof want, "%s/connc/fer2013-", tmp_path("xdg"));
    EXPECT(strncmp(path, want, strlen(want)) == 0 && strlen(path) == strlen(want) + 16 + 6);
    /* another name for the same file finds the same cache */
    char other[FER_CACHE_PATH_MAX], again[FER_CACHE_PATH_MAX];
    snprintf(other, sizeof other, "%s/./where.csv", harness_tmpdir);
    EXPECT_EQ_INT(fer_cache_path(other, NULL, again, sizeof again), CONNC_OK);
    EXPECT(strcmp(path, again) == 0);
    free(swap_env("XDG_CACHE_HOME", "relative/dir")); /* ignored, as the XDG spec says */
    EXPECT_EQ_INT(fer_cache_path(csv, NULL, path, sizeof path), CONNC_OK);
    snprintf(want, sizeof want, "%s/.cache/connc/fer2013-", tmp_path("home"));
    EXPECT(strncmp(path, want, strlen(want)) == 0);
    EXPECT_ERR(fer_cache_path(csv, FER_CACHE_OFF, path, sizeof path), CONNC_ERR_NOTFOUND, "caching is off");
    fer_data d;
    EXPECT_EQ_INT(fer_load(csv, FER_CACHE_OFF, &d), CONNC_OK);
    EXPECT_EQ_INT(count_files(tmp_path("home")), 0);
    fer_free(&d);
    free(swap_env("HOME", NULL));
    free(swap_env("XDG_CACHE_HOME", NULL));
    EXPECT_ERR(fer_cache_path(csv, NULL, path, sizeof path), CONNC_ERR_NOTFOUND, "no cache directory");
    EXPECT_EQ_INT(fer_load(csv, NULL, &d), CONNC_OK); /* no directory: parse without a cache */
    fer_free(&d);
    free(swap_env("XDG_CACHE_HOME", xdg));
    free(swap_env("HOME", home));
    free(xdg);
    free(home);
    connc_verbosity = verbosity;
}

/* ------------------------------------------------------------ the shipped sample */

/* Full-set counts (../shared/data/README.md); the sample keeps ceil(n / 15). */
static const int full_counts[FER_SPLITS][FER_CLASSES] = {{3995, 436, 4097, 7215, 4830, 3171, 4965},
                                                         {467, 56, 496, 895, 653, 415, 607},
                                                         {491, 55, 528, 879, 594, 416, 626}};

TEST(fer_sample_is_stratified)
{
    const char *path = "examples/data/fer2013_sample.csv.gz";
    if (file_size(path) < 0) {
        harness_skip("examples/data/fer2013_sample.csv.gz not found (run from the repository root)");
        return;
    }
    EXPECT(file_size(path) <= 8 * 1000 * 1000);
    fer_data d;
    EXPECT_EQ_INT(fer_load(path, FER_CACHE_OFF, &d), CONNC_OK);
    int cell[FER_SPLITS][FER_CLASSES] = {{0}};
    for (size_t i = 0; i < d.n; i++) cell[d.split[i]][d.label[i]]++;
    int total = 0;
    for (int s = 0; s < FER_SPLITS; s++)
        for (int c = 0; c < FER_CLASSES; c++) {
            EXPECT_EQ_INT(cell[s][c], (full_counts[s][c] + 14) / 15);
            total += cell[s][c];
        }
    EXPECT_EQ_INT(d.n, 2402);
    EXPECT_EQ_INT(total, 2402);
    fer_free(&d);
}
