/* test_parse.c: strict number parsing (common/parse.c) and SHA-256 (common/sha256.c). */
#include "harness.h"
#include "parse.h"
#include "sha256.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static strview S(const char *s) { return (strview){s, strlen(s)}; }

static int u64(const char *s, uint64_t *v)
{
    *v = 12345; /* sentinel: a failed parse must leave it alone */
    return parse_u64(S(s), v);
}

TEST(parse_u64_bounds)
{
    uint64_t v;
    EXPECT_EQ_INT(u64("0", &v), 0);
    EXPECT(v == 0);
    EXPECT_EQ_INT(u64("18446744073709551615", &v), 0);
    EXPECT(v == UINT64_MAX);
    EXPECT_EQ_INT(u64("18446744073709551616", &v), -2);
    EXPECT(v == 12345);
    EXPECT_EQ_INT(u64("99999999999999999999", &v), -2);
    EXPECT_EQ_INT(u64("9007199254740993", &v), 0); /* 2^53 + 1: not representable as a double */
    EXPECT(v == 9007199254740993ull);
    EXPECT_EQ_INT(u64("864691136968429774", &v), 0);
    EXPECT(v == 864691136968429774ull);
    EXPECT_EQ_INT(u64("+7", &v), 0);
    EXPECT(v == 7);
}

/* The 8-digits-at-a-time path against digit-by-digit arithmetic: every
 * length up to 20, and a non-digit (including '/' and ':', the neighbours of
 * '0' and '9') at every position of an 18-digit id. */
TEST(parse_u64_eight_at_a_time)
{
    char text[32];
    uint64_t v, want = 0;
    for (int n = 1; n <= 19; n++) {
        text[n - 1] = (char)('0' + (n * 7 + 3) % 10);
        text[n] = '\0';
        want = want * 10 + (uint64_t)(text[n - 1] - '0');
        EXPECT_EQ_INT(u64(text, &v), 0);
        EXPECT(v == want);
    }
    const char *bad = "/:a .-+e";
    for (int pos = 0; pos < 18; pos++)
        for (const char *c = bad; *c; c++) {
            memcpy(text, "864691136968429774", 19);
            text[pos] = *c;
            int rc = u64(text, &v);
            /* a leading '+' or blank is allowed, and a trailing blank */
            int ok = (pos == 0 && (*c == '+' || *c == ' ')) || (pos == 17 && *c == ' ');
            EXPECT_EQ_INT(rc, ok ? 0 : -1);
        }
}

TEST(parse_u64_rejects)
{
    uint64_t v;
    EXPECT_EQ_INT(u64("-1", &v), -1);
    EXPECT_EQ_INT(u64("1e3", &v), -1);
    EXPECT_EQ_INT(u64("1.0", &v), -1);
    EXPECT_EQ_INT(u64("", &v), -1);
    EXPECT_EQ_INT(u64("   ", &v), -1);
    EXPECT_EQ_INT(u64("+", &v), -1);
    EXPECT_EQ_INT(u64("0x10", &v), -1);
    EXPECT_EQ_INT(u64("12 34", &v), -1);
    EXPECT(v == 12345);
    EXPECT_EQ_INT(parse_u64((strview){NULL, 0}, &v), -1);
    /* surrounding blanks (and a CR) are trimmed */
    EXPECT_EQ_INT(u64(" 42 ", &v), 0);
    EXPECT(v == 42);
    EXPECT_EQ_INT(u64("\t42\r", &v), 0);
    EXPECT(v == 42);
    /* the view's length bounds the text: "123" of "12345" */
    EXPECT_EQ_INT(parse_u64((strview){"12345", 3}, &v), 0);
    EXPECT(v == 123);
}

TEST(parse_size_suffixes)
{
    uint64_t v;
    EXPECT_EQ_INT(parse_size(S("4096"), &v), 0);
    EXPECT(v == 4096);
    EXPECT_EQ_INT(parse_size(S("512M"), &v), 0);
    EXPECT(v == 512ull << 20);
    EXPECT_EQ_INT(parse_size(S("2G"), &v), 0);
    EXPECT(v == 2ull << 30);
    EXPECT_EQ_INT(parse_size(S("3k"), &v), 0);
    EXPECT(v == 3072);
    EXPECT_EQ_INT(parse_size(S("1t"), &v), 0);
    EXPECT(v == 1ull << 40);
    EXPECT_EQ_INT(parse_size(S("16777215T"), &v), 0);
    EXPECT(v == 16777215ull << 40);
    EXPECT_EQ_INT(parse_size(S("16777216T"), &v), -2); /* 2^64 */
    EXPECT_EQ_INT(parse_size(S("99999999999999999999"), &v), -2);
    static const char *bad[] = {"", "G", "2X", "2GB", "-1G", "1.5G", "G2", "2 G B", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) EXPECT_EQ_INT(parse_size(S(bad[i]), &v), -1);
}

TEST(parse_i64_bounds)
{
    int64_t v = 0;
    EXPECT_EQ_INT(parse_i64(S("9223372036854775807"), &v), 0);
    EXPECT(v == INT64_MAX);
    EXPECT_EQ_INT(parse_i64(S("-9223372036854775808"), &v), 0);
    EXPECT(v == INT64_MIN);
    EXPECT_EQ_INT(parse_i64(S("9223372036854775808"), &v), -2);
    EXPECT_EQ_INT(parse_i64(S("-9223372036854775809"), &v), -2);
    EXPECT_EQ_INT(parse_i64(S("-17"), &v), 0);
    EXPECT_EQ_INT(v, -17);
    EXPECT_EQ_INT(parse_i64(S(" -3 "), &v), 0);
    EXPECT_EQ_INT(v, -3);
    EXPECT_EQ_INT(parse_i64(S("--3"), &v), -1);
    EXPECT_EQ_INT(parse_i64(S("-"), &v), -1);
    EXPECT_EQ_INT(parse_i64(S(""), &v), -1);
    EXPECT_EQ_INT(parse_i64(S("1.5"), &v), -1);
}

TEST(parse_f64_forms)
{
    double v = 0;
    EXPECT_EQ_INT(parse_f64(S("2956"), &v), 0);
    EXPECT(v == 2956.0);
    EXPECT_EQ_INT(parse_f64(S("-0.25"), &v), 0);
    EXPECT(v == -0.25);
    EXPECT_EQ_INT(parse_f64(S("1e3"), &v), 0);
    EXPECT(v == 1000.0);
    EXPECT_EQ_INT(parse_f64(S(" 211448.0 "), &v), 0);
    EXPECT(v == 211448.0);
    EXPECT_EQ_INT(parse_f64(S("2.5E-1"), &v), 0);
    EXPECT(v == 0.25);
    /* "5.5" of "5.5,6": the view ends at the comma */
    EXPECT_EQ_INT(parse_f64((strview){"5.5,6", 3}, &v), 0);
    EXPECT(v == 5.5);
}

TEST(parse_f64_rejects)
{
    double v = 7;
    EXPECT(parse_f64(S("nan"), &v) != 0);
    EXPECT(parse_f64(S("NaN"), &v) != 0);
    EXPECT(parse_f64(S("inf"), &v) != 0);
    EXPECT(parse_f64(S("-inf"), &v) != 0);
    EXPECT(parse_f64(S("Infinity"), &v) != 0);
    EXPECT(parse_f64(S("1,5"), &v) != 0);
    EXPECT(parse_f64(S("1e999"), &v) != 0); /* overflows to inf */
    EXPECT(parse_f64(S("0x1p3"), &v) != 0);
    EXPECT(parse_f64(S(""), &v) != 0);
    EXPECT(parse_f64(S("1.2.3"), &v) != 0);
    EXPECT(parse_f64(S("e"), &v) != 0);
    EXPECT(parse_f64(S("12abc"), &v) != 0);
    EXPECT(parse_f64((strview){NULL, 0}, &v) != 0);
    EXPECT(v == 7);
}

TEST(parse_missing_spellings)
{
    EXPECT(sv_is_missing((strview){NULL, 0}));
    EXPECT(sv_is_missing(S("")));
    EXPECT(sv_is_missing(S(" nan ")));
    EXPECT(sv_is_missing(S("NaN")));
    EXPECT(sv_is_missing(S("null")));
    EXPECT(sv_is_missing(S("None")));
    EXPECT(!sv_is_missing(S("0")));
    EXPECT(!sv_is_missing(S("nano")));
    char buf[8];
    EXPECT(strcmp(sv_show(S("a\x01" "bcdefghijk"), buf, sizeof buf), "a?bcdef") == 0);
    EXPECT(strcmp(sv_show((strview){NULL, 0}, buf, sizeof buf), "null") == 0);
}

/* FIPS 180-4 examples, fed in uneven pieces to exercise the block buffer. */
TEST(sha256_known_answers)
{
    static const struct { const char *text; const char *hex; } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        sha256_ctx c;
        sha256_init(&c);
        size_t n = strlen(v[i].text), k = 0;
        for (size_t step = 1; k < n; step += 7) {
            size_t take = step < n - k ? step : n - k;
            sha256_update(&c, v[i].text + k, take);
            k += take;
        }
        sha256_final_hex(&c, hex);
        EXPECT(strcmp(hex, v[i].hex) == 0);
    }
    /* one million 'a', in 1000-byte pieces */
    char a[1000];
    memset(a, 'a', sizeof a);
    sha256_ctx c;
    sha256_init(&c);
    for (int i = 0; i < 1000; i++) sha256_update(&c, a, sizeof a);
    sha256_final_hex(&c, hex);
    EXPECT(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
    /* sha256_file agrees with sha256_update */
    EXPECT_EQ_INT(sha256_file(tmp_file("abc.txt", "abc"), hex), 0);
    EXPECT(strcmp(hex, v[1].hex) == 0);
    EXPECT(sha256_file(tmp_path("no-such-file"), hex) < 0);
}
