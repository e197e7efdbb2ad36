/* table.c: streaming CSV and JSON-records reader (see table.h). */
#define _POSIX_C_SOURCE 200809L
#include "table.h"
#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define CHUNK (4u << 20)
#define MAX_RECORD (64u << 20)   /* one row larger than this is refused */
#define MAX_COLS 4096

enum { NEED_MORE = 1 };

struct table {
    char *path;
    gzFile gz;
    uint64_t file_size;
    char *buf;
    size_t cap, len, pos;
    int eof;
    int json;            /* layout */
    int json_done;       /* saw the closing ']' */
    int json_pending;    /* the first record was parsed by table_open */
    size_t ncols;
    char **names;
    strview *fields;
    uint64_t where, next_line;
    uint64_t base;       /* offset in the (uncompressed) input of buf[0] */
    uint64_t stop;       /* CSV rows starting at or after this offset are left to
                          * the reader table_split made (UINT64_MAX: none) */
};

/* ------------------------------------------------------------ buffering */

/* Keeps buf[pos..len) and appends more input; returns 0 at end of input. */
static int refill(table *t)
{
    if (t->eof) return 0;
    if (t->pos > 0) {
        memmove(t->buf, t->buf + t->pos, t->len - t->pos);
        t->len -= t->pos;
        t->base += t->pos;
        t->pos = 0;
    }
    /* Small files start with a small buffer (opening many small tables, as
     * tests and fuzzers do, should not cost a 4 MiB allocation each). */
    size_t first = t->file_size < CHUNK / 8 ? (64u << 10) : CHUNK;
    if (t->cap - t->len < (t->cap < CHUNK ? t->cap / 2 + 1 : CHUNK / 2)) {
        if (t->cap >= MAX_RECORD + CHUNK)
            return err_set(CONNC_ERR_LIMIT, "%s:%llu: a row longer than %u MiB", t->path,
                           (unsigned long long)t->next_line, MAX_RECORD >> 20);
        size_t cap = t->cap ? 2 * t->cap : first;
        char *b = realloc(t->buf, cap + 1);
        if (!b) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", t->path);
        t->buf = b;
        t->cap = cap;
    }
    int n = gzread(t->gz, t->buf + t->len, (unsigned)(t->cap - t->len));
    if (n < 0) {
        int zerr;
        const char *msg = gzerror(t->gz, &zerr);
        return err_set(CONNC_ERR_FORMAT, "%s: cannot decompress: %s", t->path, msg);
    }
    if (n == 0) {
        /* gzread returns 0 both at a clean end and for a truncated gzip stream */
        int zerr;
        const char *msg = gzerror(t->gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END)
            return err_set(CONNC_ERR_FORMAT, "%s: truncated or damaged gzip data: %s", t->path, msg);
        t->eof = 1;
        t->buf[t->len] = '\0';
        return 0;
    }
    t->len += (size_t)n;
    t->buf[t->len] = '\0';
    return 1;
}

/* ------------------------------------------------------------ CSV */

/* Finds the end of the record starting at pos (a newline outside quotes):
 * 1 with *end set, 0 at the end of input, or a negative status. */
static int csv_find_end(table *t, size_t *end)
{
    size_t scan = t->pos;
    int quoted = 0;
    for (;;) {
        while (scan < t->len) {
            char *b = t->buf;
            if (quoted) { /* a doubled "" toggles twice, which is right */
                char *q = memchr(b + scan, '"', t->len - scan);
                if (!q) { scan = t->len; break; }
                scan = (size_t)(q - b) + 1;
                quoted = 0;
                continue;
            }
            char *nl = memchr(b + scan, '\n', t->len - scan);
            size_t lim = nl ? (size_t)(nl - b) : t->len;
            char *q = memchr(b + scan, '"', lim - scan);
            if (q) { scan = (size_t)(q - b) + 1; quoted = 1; continue; }
            if (nl) { *end = lim; return 1; }
            scan = t->len;
        }
        size_t done = scan - t->pos;
        int rc = refill(t);
        if (rc < 0) return rc;
        scan = t->pos + done;
        if (rc == 0) {
            if (quoted) return err_set(CONNC_ERR_FORMAT, "%s:%llu: unterminated quoted field at end of file",
                                       t->path, (unsigned long long)t->next_line);
            *end = t->len;
            return t->len > t->pos ? 1 : 0;
        }
    }
}

/* Splits buf[start..end) into fields in place, removing quotes. */
static int csv_split(table *t, char *s, char *end, strview *out, size_t want, size_t *got)
{
    size_t k = 0;
    if (end > s && end[-1] == '\r') end--;
    for (;;) {
        char *field = s, *w = s;
        if (s < end && *s == '"') {
            s++;
            for (;;) {
                if (s >= end) return err_set(CONNC_ERR_FORMAT, "%s:%llu: unterminated quote in field %zu",
                                             t->path, (unsigned long long)t->where, k + 1);
                if (*s == '"') {
                    if (s + 1 < end && s[1] == '"') { *w++ = '"'; s += 2; continue; }
                    s++;
                    break;
                }
                *w++ = *s++;
            }
            if (s < end && *s != ',')
                return err_set(CONNC_ERR_FORMAT, "%s:%llu: text after closing quote in field %zu",
                               t->path, (unsigned long long)t->where, k + 1);
        } else {
            char *c = memchr(s, ',', (size_t)(end - s));
            s = w = c ? c : end;
        }
        if (k < want) out[k] = (strview){field, (size_t)(w - field)};
        k++;
        if (s >= end) break;
        s++; /* the comma */
    }
    *got = k;
    return CONNC_OK;
}

static void count_lines(table *t, size_t from, size_t to)
{
    const char *p = t->buf + from, *e = t->buf + to;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) { t->next_line++; p++; }
}

/* Reads one non-blank CSV record into t->fields (or the header when want==0). */
static int csv_record(table *t, strview *out, size_t want, size_t *got)
{
    for (;;) {
        if (t->base + t->pos >= t->stop) return 0;
        size_t end = 0;
        int rc = csv_find_end(t, &end);
        if (rc <= 0) return rc;
        t->where = t->next_line;
        count_lines(t, t->pos, end);
        t->next_line++;
        char *s = t->buf + t->pos;
        size_t stop = end;
        t->pos = end < t->len ? end + 1 : end;
        if (stop == (size_t)(s - t->buf) || (stop - (size_t)(s - t->buf) == 1 && *s == '\r'))
            continue; /* blank line */
        TRY(csv_split(t, s, t->buf + stop, out, want, got));
        return 1;
    }
}

static int set_names(table *t, size_t n)
{
    if (n > MAX_COLS) return err_set(CONNC_ERR_LIMIT, "%s: more than %d columns", t->path, MAX_COLS);
    t->names = calloc(n ? n : 1, sizeof *t->names);
    t->fields = calloc(n ? n : 1, sizeof *t->fields);
    if (!t->names || !t->fields) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", t->path);
    t->ncols = n;
    return CONNC_OK;
}

static int csv_header(table *t)
{
    strview tmp[MAX_COLS];
    size_t n;
    int rc = csv_record(t, tmp, MAX_COLS, &n);
    if (rc < 0) return rc;
    if (rc == 0) return err_set(CONNC_ERR_FORMAT, "%s: empty file (no header line)", t->path);
    TRY(set_names(t, n));
    for (size_t i = 0; i < n; i++) {
        strview s = sv_trim(tmp[i]);
        if (i == 0 && s.n >= 3 && memcmp(s.p, "\xEF\xBB\xBF", 3) == 0) { s.p += 3; s.n -= 3; }
        t->names[i] = strndup(s.p, s.n);
        if (!t->names[i]) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", t->path);
    }
    return CONNC_OK;
}

static int csv_next(table *t)
{
    size_t got;
    int rc = csv_record(t, t->fields, t->ncols, &got);
    if (rc <= 0) return rc;
    if (got != t->ncols)
        return err_set(CONNC_ERR_FORMAT, "%s:%llu: %zu fields, the header has %zu", t->path,
                       (unsigned long long)t->where, got, t->ncols);
    return 1;
}

/* ------------------------------------------------------------ JSON */

static int is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/* Skips whitespace, refilling as needed; returns the next char or 0 at end. */
static int json_peek(table *t, char *c)
{
    for (;;) {
        while (t->pos < t->len && is_ws(t->buf[t->pos])) t->pos++;
        if (t->pos < t->len) { *c = t->buf[t->pos]; return 1; }
        int rc = refill(t);
        if (rc <= 0) return rc;
    }
}

/* Finds the end of the {...} starting at pos without changing anything. */
static int json_find_object_end(table *t, size_t *end)
{
    size_t scan = t->pos;
    int depth = 0, in_str = 0;
    for (;;) {
        for (; scan < t->len; scan++) {
            char c = t->buf[scan];
            if (in_str) {
                if (c == '\\') scan++;
                else if (c == '"') in_str = 0;
            } else if (c == '"') in_str = 1;
            else if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0) { *end = scan + 1; return 1; }
            }
        }
        size_t done = scan - t->pos;
        int rc = refill(t);
        if (rc < 0) return rc;
        if (rc == 0) return err_set(CONNC_ERR_FORMAT, "%s: record %llu: truncated JSON object",
                                    t->path, (unsigned long long)t->where);
        scan = t->pos + done;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes the JSON string at *s (just after its opening quote) in place. */
static int json_string(table *t, char **s, char *end, strview *out)
{
    char *r = *s, *w = *s;
    while (r < end && *r != '"') {
        if (*r != '\\') { *w++ = *r++; continue; }
        if (++r >= end) break;
        char e = *r++;
        switch (e) {
        case 'n': *w++ = '\n'; break;
        case 't': *w++ = '\t'; break;
        case 'r': *w++ = '\r'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'u': {
            unsigned v = 0;
            for (int i = 0; i < 4; i++) {
                int h = r < end ? hexval(*r++) : -1;
                if (h < 0) return err_set(CONNC_ERR_FORMAT, "%s: record %llu: bad \\u escape",
                                          t->path, (unsigned long long)t->where);
                v = v << 4 | (unsigned)h;
            }
            /* UTF-8 encode; surrogate pairs are kept as two 3-byte units */
            if (v < 0x80) *w++ = (char)v;
            else if (v < 0x800) { *w++ = (char)(0xC0 | v >> 6); *w++ = (char)(0x80 | (v & 0x3F)); }
            else { *w++ = (char)(0xE0 | v >> 12); *w++ = (char)(0x80 | (v >> 6 & 0x3F)); *w++ = (char)(0x80 | (v & 0x3F)); }
            break;
        }
        default: *w++ = e;
        }
    }
    if (r >= end) return err_set(CONNC_ERR_FORMAT, "%s: record %llu: unterminated string",
                                 t->path, (unsigned long long)t->where);
    *out = (strview){*s, (size_t)(w - *s)};
    *s = r + 1;
    return CONNC_OK;
}

/* A non-string value: number, literal, or a nested array/object kept as raw text. */
static int json_raw_value(table *t, char **s, char *end, strview *out)
{
    char *v = *s;
    int depth = 0, in_str = 0;
    for (; *s < end; (*s)++) {
        char c = **s;
        if (in_str) {
            if (c == '\\') (*s)++;
            else if (c == '"') in_str = 0;
            continue;
        }
        if (c == '"') in_str = 1;
        else if (c == '[' || c == '{') depth++;
        else if (c == ']' || c == '}') {
            if (depth == 0) break;
            if (--depth == 0) { (*s)++; break; }
        } else if (c == ',' && depth == 0) break;
    }
    *out = sv_trim((strview){v, (size_t)(*s - v)});
    if (out->n == 0) return err_set(CONNC_ERR_FORMAT, "%s: record %llu: missing value",
                                    t->path, (unsigned long long)t->where);
    if (sv_eq(*out, "null")) *out = (strview){NULL, 0};
    return CONNC_OK;
}

static char *skip_ws(char *s, char *end) { while (s < end && is_ws(*s)) s++; return s; }

static int find_col(table *t, strview key, size_t hint)
{
    for (size_t k = 0; k < t->ncols; k++) {
        size_t i = (hint + k) % t->ncols;
        if (strlen(t->names[i]) == key.n && memcmp(t->names[i], key.p, key.n) == 0) return (int)i;
    }
    return -1;
}

/* Parses one complete object buf[pos..end); on the first record it also
 * defines the columns. */
static int json_object(table *t, size_t end_off, int first)
{
    char *s = t->buf + t->pos + 1, *end = t->buf + end_off - 1; /* inside the braces */
    strview keys[MAX_COLS], vals[MAX_COLS];
    size_t n = 0;
    for (;;) {
        s = skip_ws(s, end);
        if (s >= end) break;
        if (*s != '"') return err_set(CONNC_ERR_FORMAT, "%s: record %llu: expected a key string",
                                      t->path, (unsigned long long)t->where);
        if (n == MAX_COLS) return err_set(CONNC_ERR_LIMIT, "%s: more than %d keys", t->path, MAX_COLS);
        s++;
        TRY(json_string(t, &s, end, &keys[n]));
        s = skip_ws(s, end);
        if (s >= end || *s != ':') return err_set(CONNC_ERR_FORMAT, "%s: record %llu: expected ':' after key",
                                                  t->path, (unsigned long long)t->where);
        s = skip_ws(s + 1, end);
        if (s < end && *s == '"') { s++; TRY(json_string(t, &s, end, &vals[n])); }
        else TRY(json_raw_value(t, &s, end, &vals[n]));
        n++;
        s = skip_ws(s, end);
        if (s < end && *s != ',') return err_set(CONNC_ERR_FORMAT, "%s: record %llu: expected ',' between fields",
                                                 t->path, (unsigned long long)t->where);
        if (s < end) s++;
    }
    if (first) {
        TRY(set_names(t, n));
        for (size_t i = 0; i < n; i++)
            if (!(t->names[i] = strndup(keys[i].p, keys[i].n))) return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->ncols; i++) t->fields[i] = (strview){NULL, 0};
    for (size_t i = 0; i < n; i++) {
        int c = find_col(t, keys[i], i);
        if (c >= 0) t->fields[c] = vals[i];
    }
    t->pos = end_off;
    return CONNC_OK;
}

static int json_next_record(table *t, int first)
{
    char c;
    int rc = json_peek(t, &c);
    if (rc < 0) return rc;
    if (rc == 0) return err_set(CONNC_ERR_FORMAT, "%s: truncated JSON (no closing ']')", t->path);
    if (!first && c == ',') {
        t->pos++;
        if ((rc = json_peek(t, &c)) <= 0)
            return rc < 0 ? rc : err_set(CONNC_ERR_FORMAT, "%s: truncated JSON after ','", t->path);
    } else if (c == ']') {
        t->pos++;
        t->json_done = 1;
        if ((rc = json_peek(t, &c)) != 0)
            return rc < 0 ? rc : err_set(CONNC_ERR_FORMAT, "%s: text after the closing ']'", t->path);
        return 0;
    } else if (!first) {
        return err_set(CONNC_ERR_FORMAT, "%s: record %llu: expected ',' or ']'", t->path,
                       (unsigned long long)t->where + 1);
    }
    if (c != '{') return err_set(CONNC_ERR_FORMAT, "%s: record %llu: expected a JSON object", t->path,
                                 (unsigned long long)t->where + 1);
    t->where++;
    size_t end = 0;
    TRY(json_find_object_end(t, &end));
    TRY(json_object(t, end, first));
    return 1;
}

static int json_header(table *t)
{
    t->pos++; /* '[' */
    int rc = json_next_record(t, 1);
    if (rc < 0) return rc;
    t->json_pending = rc;
    return CONNC_OK;
}

/* ------------------------------------------------------------ public */

/* A reader of path with nothing read yet, lines numbered from 1. */
static int new_reader(const char *path, table **out)
{
    *out = NULL;
    table *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path))) {
        free(t);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    t->next_line = 1;
    t->stop = UINT64_MAX;
    struct stat st;
    if (stat(path, &st) == 0) t->file_size = (uint64_t)st.st_size;
    t->gz = gzopen(path, "rb");
    if (!t->gz) {
        int rc = err_set(CONNC_ERR_IO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
        table_close(t);
        return rc;
    }
    /* zlib's own buffers stay small (reads of 64 KiB or more inflate straight
     * into buf), so that opening a small table costs no large allocation. */
    gzbuffer(t->gz, 1u << 15);
    *out = t;
    return CONNC_OK;
}

int table_open(const char *path, table **out)
{
    table *t;
    int rc;
    TRY(new_reader(path, &t));
    char c = 0;
    size_t i = 0;
    /* the first non-blank character decides the layout; blanks only = empty */
    while (c == 0 && (rc = refill(t)) > 0)
        for (; i < t->len && !c; i++)
            if (!is_ws(t->buf[i])) c = t->buf[i];
    if (rc < 0) goto fail;
    if (c == 0) {
        rc = err_set(CONNC_ERR_FORMAT, "%s: empty file", path);
        goto fail;
    }
    t->json = (c == '[');
    if (t->json) {
        while (is_ws(t->buf[t->pos])) t->pos++;
        CHECK(json_header(t));
    } else {
        CHECK(csv_header(t));
    }
    *out = t;
    return CONNC_OK;
fail:
    table_close(t);
    return rc;
}

/* A reader of t's plain CSV file from byte `from` on, with t's columns and
 * its first line numbered `line`. */
static int open_part(const table *t, uint64_t from, uint64_t line, table **out)
{
    table *r;
    int rc;
    TRY(new_reader(t->path, &r));
    r->base = from;
    r->next_line = line;
    CHECK(set_names(r, t->ncols));
    for (size_t i = 0; i < t->ncols; i++)
        if (!(r->names[i] = strdup(t->names[i]))) {
            rc = err_set(CONNC_ERR_NOMEM, "%s: out of memory", t->path);
            goto fail;
        }
    /* gzdirect looks at the file's first bytes; a file it finds plain (as t's
     * was) is then read as it is, so the seek is a plain lseek */
    if (!gzdirect(r->gz) || gzseek(r->gz, (z_off_t)from, SEEK_SET) < 0) {
        rc = err_set(CONNC_ERR_IO, "%s: cannot seek to byte %llu (did the file change?)", t->path,
                     (unsigned long long)from);
        goto fail;
    }
    *out = r;
    return CONNC_OK;
fail:
    table_close(r);
    return rc;
}

/* Moves pos past the next line break: 1, or 0 when there is none. */
static int skip_line(table *t)
{
    for (;;) {
        /* a part just opened has no buffer yet: memchr must not see NULL, even for 0 bytes */
        char *nl = t->pos < t->len ? memchr(t->buf + t->pos, '\n', t->len - t->pos) : NULL;
        if (nl) {
            t->pos = (size_t)(nl - t->buf) + 1;
            return 1;
        }
        t->pos = t->len;
        int rc = refill(t);
        if (rc <= 0) return rc;
    }
}

int table_split(table *t, uint64_t min_bytes, table **rest)
{
    *rest = NULL;
    uint64_t from = t->base + t->pos;
    /* only a plain file can be read from the middle */
    if (t->json || t->file_size < min_bytes || t->file_size <= from || !gzdirect(t->gz)) return CONNC_OK;
    table *r;
    TRY(open_part(t, from + (t->file_size - from) / 2, 1, &r));
    int rc = skip_line(r);
    if (rc <= 0) { /* no line starts after the middle */
        table_close(r);
        return rc;
    }
    t->stop = r->base + r->pos;
    *rest = r;
    return CONNC_OK;
}

int table_stopped_at_split(const table *t) { return t->base + t->pos == t->stop; }

int table_open_rest(const table *t, table **rest) { return open_part(t, t->base + t->pos, t->next_line, rest); }

void table_close(table *t)
{
    if (!t) return;
    if (t->gz) gzclose(t->gz);
    for (size_t i = 0; i < t->ncols; i++) free(t->names[i]);
    free(t->names);
    free(t->fields);
    free(t->buf);
    free(t->path);
    free(t);
}

int table_next(table *t, const strview **fields)
{
    int rc;
    if (!t->json) rc = csv_next(t);
    else if (t->json_pending) { t->json_pending = 0; rc = 1; }
    else if (t->json_done) rc = 0;
    else rc = json_next_record(t, 0);
    *fields = t->fields;
    return rc;
}

int table_has_schema(const table *t) { return t->ncols > 0; }
size_t table_ncols(const table *t) { return t->ncols; }
const char *table_colname(const table *t, size_t i) { return i < t->ncols ? t->names[i] : NULL; }
uint64_t table_where(const table *t) { return t->where; }
const char *table_unit(const table *t) { return t->json ? "record" : "line"; }
const char *table_path(const table *t) { return t->path; }
uint64_t table_bytes_total(const table *t) { return t->stop < t->file_size ? t->stop : t->file_size; }
uint64_t table_bytes_done(const table *t) { return (uint64_t)gzoffset(t->gz); }

int table_col(const table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0) return (int)i;
    return -1;
}
