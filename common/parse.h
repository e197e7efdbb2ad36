/* parse.h: strict number parsing from non-NUL-terminated text fields.
 *
 * Root and supervoxel ids exceed 2^53, so integers are parsed digit by digit
 * into 64 bits with overflow detection, never through double.
 */
#ifndef CONNC_PARSE_H
#define CONNC_PARSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *p;   /* NULL for a JSON null / missing field */
    size_t n;
} strview;

/* Each returns 0 on success, -1 if the text is not a number of that kind,
 * -2 if it overflows the type. */
int parse_u64(strview s, uint64_t *out);
int parse_i64(strview s, int64_t *out);
/* Accepts the usual decimal and exponent forms, "nan" and "inf" are rejected. */
int parse_f64(strview s, double *out);

/* A size in bytes: a whole number with an optional binary suffix K, M, G
 * or T (also lowercase), as in 512M or 2G. */
int parse_size(strview s, uint64_t *out);

/* True for NULL, empty, "nan", "NaN", "null", "None" (pandas/CAVE spellings of missing). */
int sv_is_missing(strview s);
int sv_eq(strview s, const char *lit);
strview sv_trim(strview s);
/* Copies at most cap-1 bytes into buf with non-printable bytes shown as '?'. */
const char *sv_show(strview s, char *buf, size_t cap);

#endif
