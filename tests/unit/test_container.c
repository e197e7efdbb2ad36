/* test_container.c: the .cir/.cnet container (common/container.c, schemas/container.md). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "container.h"
#include "files.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ------------------------------------------------------------ helpers */

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put_le32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> 8 * i); }

static uint8_t u8s[5] = {0, 1, 2, 254, 255};
static int32_t i32s[2][3] = {{-1, 0, 1}, {INT32_MIN, INT32_MAX, 7}};
static uint32_t u32s[1] = {0xDEADBEEFu};
static int64_t i64s[3] = {INT64_MIN, -1, INT64_MAX};
static uint64_t u64s[2] = {UINT64_MAX, 864691136968429774ull};
static float f32s[4] = {0.5f, -2.0f, 1e-30f, 3.25f};
static double f64s[3] = {0.1, -1e300, 2.5};
static const char *META = "{\"schema\": \"test/1\", \"text\": \"caf\xC3\xA9\"}";

/* Writes the sample container to path (kind IR or network). */
static int write_sample(const char *path, container_kind kind)
{
    container_writer *w = container_writer_new(kind);
    if (!w) return CONNC_ERR_NOMEM;
    uint64_t s5 = 5, s23[2] = {2, 3}, s1 = 1, s3 = 3, s2 = 2, s4 = 4, s0 = 0;
    int rc = container_set_metadata(w, META);
    if (!rc) rc = container_add(w, "u8", CONNC_U8, 1, &s5, u8s);
    if (!rc) rc = container_add(w, "group/i32", CONNC_I32, 2, s23, i32s);
    if (!rc) rc = container_add(w, "u32", CONNC_U32, 1, &s1, u32s);
    if (!rc) rc = container_add(w, "i64", CONNC_I64, 1, &s3, i64s);
    if (!rc) rc = container_add(w, "empty", CONNC_I32, 1, &s0, NULL);
    if (!rc) rc = container_add(w, "u64", CONNC_U64, 1, &s2, u64s);
    if (!rc) rc = container_add(w, "f32", CONNC_F32, 1, &s4, f32s);
    if (!rc) rc = container_add(w, "f64", CONNC_F64, 1, &s3, f64s);
    if (!rc) rc = container_write(w, path);
    container_writer_free(w);
    return rc;
}

/* Opens path and expects it to fail as corrupt, saying so. */
static int open_fails_corrupt(const char *path)
{
    connc_file *f = NULL;
    int rc = connc_file_open(path, &f);
    connc_file_close(f);
    if (f != NULL) return 0;
    if (rc == CONNC_ERR_FORMAT) return strstr(connc_errmsg(), "bad magic") != NULL;
    return rc == CONNC_ERR_CORRUPT && strstr(connc_errmsg(), "corrupt connc file") != NULL;
}

/* ------------------------------------------------------------ tests */

TEST(container_roundtrip)
{
    const char *p = tmp_path("sample.cir");
    EXPECT_EQ_INT(write_sample(p, CONTAINER_IR), 0);
    connc_file *f = NULL;
    EXPECT_EQ_INT(connc_file_open(p, &f), 0);
    if (!f) return;
    EXPECT(strcmp(connc_file_kind(f), "ir") == 0);
    EXPECT(strcmp(connc_file_metadata(f), META) == 0);
    EXPECT_EQ_INT(connc_file_array_count(f), 8);
    static const char *names[] = {"u8", "group/i32", "u32", "i64", "empty", "u64", "f32", "f64"};
    static const connc_dtype types[] = {CONNC_U8, CONNC_I32, CONNC_U32, CONNC_I64, CONNC_I32, CONNC_U64, CONNC_F32, CONNC_F64};
    static const uint64_t sizes[] = {5, 24, 4, 24, 0, 16, 16, 24};
    const void *datas[] = {u8s, i32s, u32s, i64s, NULL, u64s, f32s, f64s};
    const unsigned char *base = (const unsigned char *)connc_file_metadata(f) - 128;
    for (size_t i = 0; i < 8; i++) {
        connc_array a;
        EXPECT_EQ_INT(connc_file_array_at(f, i, &a), 0);
        EXPECT(strcmp(a.name, names[i]) == 0);
        EXPECT_EQ_INT(a.dtype, types[i]);
        EXPECT_EQ_INT(a.nbytes, sizes[i]);
        EXPECT_EQ_INT(((const unsigned char *)a.data - base) % 64, 0);
        if (datas[i]) EXPECT(memcmp(a.data, datas[i], sizes[i]) == 0);
    }
    connc_array a;
    EXPECT_EQ_INT(connc_file_array(f, "group/i32", &a), 0);
    EXPECT_EQ_INT(a.ndim, 2);
    EXPECT_EQ_INT(a.shape[0], 2);
    EXPECT_EQ_INT(a.shape[1], 3);
    EXPECT_EQ_INT(a.shape[2], 0);
    EXPECT(((const int32_t *)a.data)[3] == INT32_MIN);
    EXPECT_EQ_INT(connc_file_array(f, "u64", &a), 0);
    EXPECT(((const uint64_t *)a.data)[1] == 864691136968429774ull);
    EXPECT_ERR(connc_file_array(f, "nope", &a), CONNC_ERR_NOTFOUND, "no array named 'nope'");
    EXPECT_ERR(connc_file_array_at(f, 8, &a), CONNC_ERR_NOTFOUND, "out of range");
    EXPECT_EQ_INT(container_expect(f, "f64", CONNC_F64, 1, &a), 0);
    EXPECT_ERR(container_expect(f, "f64", CONNC_F32, 1, &a), CONNC_ERR_CORRUPT, "array 'f64' is f64 rank 1, expected f32");
    EXPECT_ERR(container_expect(f, "gone", CONNC_F32, 1, &a), CONNC_ERR_CORRUPT, "missing array 'gone'");
    connc_file_close(f);

    /* the same bytes on disk as schemas/container.md lays out */
    size_t n;
    unsigned char *b = (unsigned char *)slurp(p, &n);
    EXPECT(b != NULL && n > 128);
    if (!b) return;
    EXPECT(memcmp(b, "CONNCIR\0", 8) == 0);
    EXPECT_EQ_INT(le64(b + 24), n);
    EXPECT_EQ_INT(le64(b + 32), 128);
    EXPECT_EQ_INT(le64(b + 40), strlen(META));
    EXPECT_EQ_INT(le64(b + 48) % 64, 0);
    EXPECT_EQ_INT(le64(b + 56), 8);
    EXPECT_EQ_INT(n % 64, 0);
    EXPECT((uint32_t)crc32(0, b, 124) == (uint32_t)(b[124] | b[125] << 8 | b[126] << 16 | (uint32_t)b[127] << 24));
    free(b);

    EXPECT_EQ_INT(write_sample(tmp_path("sample.cnet"), CONTAINER_NETWORK), 0);
    EXPECT_EQ_INT(connc_file_open(tmp_path("sample.cnet"), &f), 0);
    if (f) EXPECT(strcmp(connc_file_kind(f), "network") == 0);
    connc_file_close(f);
}

TEST(container_deterministic)
{
    EXPECT_EQ_INT(write_sample(tmp_path("det1.cir"), CONTAINER_IR), 0);
    EXPECT_EQ_INT(write_sample(tmp_path("det2.cir"), CONTAINER_IR), 0);
    EXPECT(same_file(tmp_path("det1.cir"), tmp_path("det2.cir")));
}

/* One flipped bit in each region, named for the failure message. */
TEST(container_flip_regions)
{
    const char *p = tmp_path("flip.cir");
    EXPECT_EQ_INT(write_sample(p, CONTAINER_IR), 0);
    size_t n;
    unsigned char *orig = (unsigned char *)slurp(p, &n);
    if (!orig) { EXPECT(orig != NULL); return; }
    uint64_t dir = le64(orig + 48), first_array = le64(orig + dir + 136);
    struct { const char *what; long at; int status; const char *text; } cases[] = {
        {"magic", 2, CONNC_ERR_FORMAT, "bad magic"},
        {"header field", 40, CONNC_ERR_CORRUPT, "header checksum mismatch"},
        {"header reserved", 100, CONNC_ERR_CORRUPT, "header checksum mismatch"},
        {"metadata", 128 + 5, CONNC_ERR_CORRUPT, "metadata checksum mismatch"},
        {"directory name", (long)dir + 1, CONNC_ERR_CORRUPT, "directory checksum mismatch"},
        {"directory shape", (long)dir + 160 + 104, CONNC_ERR_CORRUPT, "directory checksum mismatch"},
        {"array u8", (long)first_array + 3, CONNC_ERR_CORRUPT, "checksum mismatch in array 'u8'"},
        {"last array", (long)n - 64 + 10, CONNC_ERR_CORRUPT, "checksum mismatch in array 'f64'"},
    };
    const char *q = tmp_path("flipped.cir");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        orig[cases[k].at] ^= 0x10;
        spit(q, orig, n);
        orig[cases[k].at] ^= 0x10;
        connc_file *f = NULL;
        int rc = connc_file_open(q, &f);
        connc_file_close(f);
        if (rc != cases[k].status || !strstr(connc_errmsg(), cases[k].text) || !strstr(connc_errmsg(), "flipped.cir")) {
            char m[700];
            snprintf(m, sizeof m, "flip in %s at %ld -> %d '%s'", cases[k].what, cases[k].at, rc, connc_errmsg());
            harness_fail(__FILE__, __LINE__, m);
        }
    }
    free(orig);
}

/* schemas/container.md: "a flipped byte anywhere is reported" - padding included. */
TEST(container_flip_every_byte)
{
    const char *p = tmp_path("every.cir");
    EXPECT_EQ_INT(write_sample(p, CONTAINER_IR), 0);
    size_t n;
    unsigned char *orig = (unsigned char *)slurp(p, &n);
    if (!orig) { EXPECT(orig != NULL); return; }
    const char *q = tmp_path("every-flipped.cir");
    int missed = 0;
    for (size_t at = 0; at < n; at++) {
        orig[at] ^= 0x01;
        spit(q, orig, n);
        orig[at] ^= 0x01;
        if (!open_fails_corrupt(q)) {
            if (missed++ < 3) {
                char m[256];
                snprintf(m, sizeof m, "flipped byte %zu of %zu to be reported as corrupt", at, n);
                harness_fail(__FILE__, __LINE__, m);
            }
        }
    }
    EXPECT_EQ_INT(missed, 0);
    free(orig);
}

TEST(container_truncated)
{
    const char *p = tmp_path("trunc.cir");
    EXPECT_EQ_INT(write_sample(p, CONTAINER_IR), 0);
    size_t n;
    unsigned char *b = (unsigned char *)slurp(p, &n);
    if (!b) { EXPECT(b != NULL); return; }
    const char *q = tmp_path("trunc-cut.cir");
    connc_file *f = NULL;
    spit(q, b, n - 1);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_CORRUPT, "truncated");
    EXPECT(f == NULL);
    spit(q, b, n - 64);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_CORRUPT, "truncated");
    spit(q, b, 100);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_CORRUPT, "shorter than the 128-byte header");
    spit(q, b, 0);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_FORMAT, "empty file");
    /* appended bytes are as wrong as missing ones */
    unsigned char *longer = calloc(1, n + 64);
    if (longer) {
        memcpy(longer, b, n);
        spit(q, longer, n + 64);
        EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_CORRUPT, "file size differs");
        free(longer);
    }
    EXPECT_ERR(connc_file_open(tmp_path("absent.cir"), &f), CONNC_ERR_IO, "absent.cir: cannot open");
    EXPECT_ERR(connc_file_open(harness_tmpdir, &f), CONNC_ERR_IO, "not a regular file");
    free(b);
}

TEST(container_version)
{
    const char *p = tmp_path("ver.cir");
    EXPECT_EQ_INT(write_sample(p, CONTAINER_IR), 0);
    size_t n;
    unsigned char *b = (unsigned char *)slurp(p, &n);
    if (!b) { EXPECT(b != NULL); return; }
    const char *q = tmp_path("ver2.cir");
    connc_file *f = NULL;
    put_le32(b + 8, 2); /* major 2, header CRC recomputed */
    put_le32(b + 124, (uint32_t)crc32(0, b, 124));
    spit(q, b, n);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_VERSION, "container version 2.0");
    EXPECT(f == NULL);
    put_le32(b + 8, 0);
    put_le32(b + 124, (uint32_t)crc32(0, b, 124));
    spit(q, b, n);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_VERSION, "version 0.0");
    /* a newer minor version is readable */
    put_le32(b + 8, 1);
    put_le32(b + 12, 7);
    put_le32(b + 124, (uint32_t)crc32(0, b, 124));
    spit(q, b, n);
    EXPECT_EQ_INT(connc_file_open(q, &f), 0);
    connc_file_close(f);
    /* a wrong byte-order mark with a good CRC */
    put_le32(b + 16, 0x04030201u);
    put_le32(b + 124, (uint32_t)crc32(0, b, 124));
    spit(q, b, n);
    EXPECT_ERR(connc_file_open(q, &f), CONNC_ERR_CORRUPT, "byte-order mark");
    free(b);
}

TEST(container_writer_errors)
{
    container_writer *w = container_writer_new(CONTAINER_IR);
    EXPECT(w != NULL);
    if (!w) return;
    uint64_t s = 1;
    char longname[120];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    EXPECT_ERR(container_add(w, longname, CONNC_U8, 1, &s, u8s), CONNC_ERR_USAGE, "must be 1-95 bytes");
    EXPECT_ERR(container_add(w, "", CONNC_U8, 1, &s, u8s), CONNC_ERR_USAGE, "must be 1-95 bytes");
    EXPECT_ERR(container_add(w, "r0", CONNC_U8, 0, &s, u8s), CONNC_ERR_USAGE, "bad rank or dtype");
    EXPECT_ERR(container_add(w, "r5", CONNC_U8, 5, &s, u8s), CONNC_ERR_USAGE, "bad rank or dtype");
    EXPECT_ERR(container_add(w, "dt", (connc_dtype)9, 1, &s, u8s), CONNC_ERR_USAGE, "bad rank or dtype");
    EXPECT_EQ_INT(container_add(w, "a", CONNC_U8, 1, &s, u8s), 0);
    EXPECT_ERR(container_add(w, "a", CONNC_U8, 1, &s, u8s), CONNC_ERR_USAGE, "'a' added twice");
    /* a write into a missing directory fails and leaves nothing behind */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/no/such/dir/x.cir", harness_tmpdir);
    EXPECT_ERR(container_write(w, dir), CONNC_ERR_IO, "cannot create");
    container_writer_free(w);
    DIR *d = opendir(harness_tmpdir);
    int leftovers = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (strstr(e->d_name, ".tmp.")) leftovers++;
    if (d) closedir(d);
    EXPECT_EQ_INT(leftovers, 0);
    /* a metadata-only container (no arrays) is valid */
    w = container_writer_new(CONTAINER_NETWORK);
    EXPECT_EQ_INT(container_write(w, tmp_path("noarrays.cnet")), 0);
    container_writer_free(w);
    connc_file *f = NULL;
    EXPECT_EQ_INT(connc_file_open(tmp_path("noarrays.cnet"), &f), 0);
    if (f) {
        EXPECT_EQ_INT(connc_file_array_count(f), 0);
        EXPECT(strcmp(connc_file_metadata(f), "{}") == 0);
    }
    connc_file_close(f);
    EXPECT(strcmp(dtype_name(CONNC_F32), "f32") == 0);
    EXPECT_EQ_INT(dtype_size(CONNC_U64), 8);
}
