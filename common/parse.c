/* parse.c: strict field parsing (see parse.h). */
#include "parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

strview sv_trim(strview s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) { s.p++; s.n--; }
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r')) s.n--;
    return s;
}

int sv_eq(strview s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

int sv_is_missing(strview s)
{
    s = sv_trim(s);
    return s.p == NULL || s.n == 0 || sv_eq(s, "nan") || sv_eq(s, "NaN") ||
           sv_eq(s, "null") || sv_eq(s, "None");
}

/* The value of the 8 bytes at p when all are ASCII digits (1), else 0.  Root
 * ids have 18 digits and a synapse table two per row, so ingest reads them 8
 * at a time: the bytes as one little-endian word, digits checked by their
 * high nibbles (0x3_, and 0x3_ still after adding 6, i.e. '0'..'9'), then
 * combined pairwise in three multiplications (the "SWAR" method). */
static int eight_digits(const char *p, uint64_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t high = 0xF0F0F0F0F0F0F0F0ull, zeros = 0x3030303030303030ull;
    uint64_t w;
    memcpy(&w, p, 8);
    if ((w & high) != zeros || ((w + 0x0606060606060606ull) & high) != zeros) return 0;
    w -= zeros;                                              /* 8 digits d0..d7, d0 in the low byte */
    w = w * 10 + (w >> 8);                                   /* pairs: 10 d0 + d1 in bytes 0, 2, 4, 6 */
    w = (((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
         (((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >> 32;
    *out = w;
    return 1;
#else
    (void)p, (void)out;
    return 0;
#endif
}

int parse_u64(strview s, uint64_t *out)
{
    s = sv_trim(s);
    if (!s.p || s.n == 0) return -1;
    size_t i = (s.p[0] == '+') ? 1 : 0;
    if (i == s.n) return -1;
    uint64_t v = 0, eight;
    /* below 10^11, v * 10^8 + 8 digits cannot pass UINT64_MAX */
    while (s.n - i >= 8 && v < 100000000000ull && eight_digits(s.p + i, &eight)) {
        v = v * 100000000 + eight;
        i += 8;
    }
    for (; i < s.n; i++) {
        unsigned d = (unsigned char)s.p[i] - '0';
        if (d > 9) return -1;
        /* v * 10 + d > UINT64_MAX, tested against constants (no division per digit) */
        if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10)) return -2;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int parse_size(strview s, uint64_t *out)
{
    static const char suffixes[] = "KMGT";
    s = sv_trim(s);
    if (!s.p || s.n < 2) return parse_u64(s, out);
    const char *k = memchr(suffixes, s.p[s.n - 1] & ~0x20, 4);
    if (!k) return parse_u64(s, out);
    uint64_t v;
    int rc = parse_u64((strview){s.p, s.n - 1}, &v);
    if (rc != 0) return rc;
    int shift = 10 * (int)(k - suffixes + 1);
    if (v > UINT64_MAX >> shift) return -2;
    *out = v << shift;
    return 0;
}

int parse_i64(strview s, int64_t *out)
{
    s = sv_trim(s);
    int neg = s.n > 0 && s.p[0] == '-';
    if (neg) { s.p++; s.n--; }
    uint64_t u;
    int rc = parse_u64(s, &u);
    if (rc) return rc;
    if (u > (uint64_t)INT64_MAX + (uint64_t)neg) return -2;
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return 0;
}

int parse_f64(strview s, double *out)
{
    char buf[64];
    s = sv_trim(s);
    if (!s.p || s.n == 0 || s.n >= sizeof buf) return -1;
    size_t digits = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        digits += c >= '0' && c <= '9';
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            return -1;
    }
    /* a whole number of up to 15 digits is below 2^53, so exact as a double:
     * strtod would give the same value, at many times the cost */
    uint64_t whole;
    if (digits == s.n && s.n <= 15 && parse_u64(s, &whole) == 0) {
        *out = (double)whole;
        return 0;
    }
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + s.n) return -1;
    if (!isfinite(v)) return -2;
    *out = v;
    return 0;
}

const char *sv_show(strview s, char *buf, size_t cap)
{
    if (!s.p) {
        snprintf(buf, cap, "null");
        return buf;
    }
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        buf[i] = (c >= 32 && c < 127) ? (char)c : '?';
    }
    buf[n] = '\0';
    return buf;
}
