/* fer2013.c: streaming FER-2013 CSV reader and its binary cache (see fer2013.h).
 *
 * The CSV is read through zlib's gzread, which also passes plain files through
 * unchanged, in 256 KiB pieces into a 1 MiB line buffer; each line is parsed
 * in place, so memory is the output arrays plus that buffer.  The cache
 * layout is documented in schemas/fer2013_cache.md and above header_pack().
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "fer2013.h"
#include "error.h"
#include "infile.h"
#include "outfile.h"
#include "parse.h"
#include "progress.h"
#include "sha256.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <threads.h>
#include <unistd.h>
#include <zlib.h>

#define HEADER_LINE "emotion,pixels,Usage"
#define BUF_SIZE (1u << 20)   /* the longest line accepted */
#define READ_SIZE (256u << 10)
#define SMALL_FILE (4u << 20) /* below this, buffers start small and grow */

static const char *const class_names[FER_CLASSES] = {"Angry", "Disgust", "Fear", "Happy",
                                                     "Sad", "Surprise", "Neutral"};
static const char *const split_names[FER_SPLITS] = {"Training", "PublicTest", "PrivateTest"};

const char *fer_class_name(int label) { return label >= 0 && label < FER_CLASSES ? class_names[label] : "?"; }
const char *fer_split_name(int split) { return split >= 0 && split < FER_SPLITS ? split_names[split] : "?"; }

void fer_free(fer_data *d)
{
    free(d->pixels);
    free(d->label);
    free(d->split);
    memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------ line reader */

typedef struct {
    const char *path;
    gzFile gz;
    char *buf;
    size_t cap;      /* bytes of buf */
    size_t pos, len; /* unread text is buf[pos, len) */
    int eof;
    size_t line;     /* number of the line last returned (1-based) */
    int zerr;        /* a decompression error, raised once the text before it is used */
    char zmsg[96];
} reader;

static void stat_to_source(const struct stat *st, fer_source *s)
{
    s->size = (uint64_t)st->st_size;
    s->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    s->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
    s->inode = (uint64_t)st->st_ino;
}

/* The key is taken from the descriptor that is then read, before reading: if
 * the file changes meanwhile, the cache's key is already stale. */
static int reader_open(reader *r, const char *path, fer_source *src)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    struct stat st;
    int fd = infile_open(path, &st);
    if (fd < 0) return fd;
    stat_to_source(&st, src);
    /* Parsing a small file (tests, fuzzing) costs no large allocation: its
     * line buffer starts at 64 KiB and doubles as long lines need. */
    int small = src->size < SMALL_FILE;
    r->cap = small ? 64u << 10 : BUF_SIZE;
    r->buf = malloc(r->cap);
    r->gz = r->buf ? gzdopen(fd, "rb") : NULL;
    if (!r->gz) {
        close(fd);
        free(r->buf);
        return err_set(CONNC_ERR_NOMEM, "%s: out of memory", path);
    }
    /* reads of twice zlib's buffer or more inflate straight into buf */
    gzbuffer(r->gz, small ? 16u << 10 : READ_SIZE / 2);
    return CONNC_OK;
}

static void reader_close(reader *r)
{
    if (r->gz) gzclose_r(r->gz);
    free(r->buf);
}

/* Names the line at which the readable text ran out. */
static int gz_failure(const reader *r)
{
    if (r->zerr == Z_BUF_ERROR)
        return err_set(CONNC_ERR_FORMAT, "%s:%zu: truncated gzip data (unexpected end of file)", r->path, r->line + 1);
    return err_set(CONNC_ERR_FORMAT, "%s:%zu: damaged gzip data: %s", r->path, r->line + 1, r->zmsg);
}

/* gzread reports a gzip stream that ends early as a short read followed by a
 * clean-looking 0, so the error state is checked after every short read.  The
 * text before a decompression error is still parsed (a bad row in it is the
 * better message); the error is raised when more text is needed.  Reads are
 * READ_SIZE at most because gzread drops the whole read that hits damage: the
 * line named is then at most that far before the damage. */
static int reader_fill(reader *r)
{
    if (r->zerr != Z_OK) return gz_failure(r);
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    if (r->len == r->cap) { /* a line longer than the buffer: double it */
        char *b = realloc(r->buf, 2 * r->cap);
        if (!b) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", r->path);
        r->buf = b;
        r->cap *= 2;
    }
    unsigned want = (unsigned)(r->cap - r->len < READ_SIZE ? r->cap - r->len : READ_SIZE);
    int n = gzread(r->gz, r->buf + r->len, want);
    if (n < 0 || (unsigned)n < want) {
        const char *msg = gzerror(r->gz, &r->zerr), *colon = strstr(msg, ": ");
        if (r->zerr == Z_ERRNO) return err_set(CONNC_ERR_IO, "%s: cannot read: %s", r->path, strerror(errno));
        snprintf(r->zmsg, sizeof r->zmsg, "%s", colon ? colon + 2 : msg); /* zlib's "<fd:3>: " prefix */
        if (n <= 0 && r->zerr != Z_OK) return gz_failure(r);
    }
    if (n > 0) r->len += (size_t)n;
    r->eof = (unsigned)n < want && r->zerr == Z_OK;
    return CONNC_OK;
}

/* Next line without its \n (and \r): 1, 0 at the end of input, or a status. */
static int reader_next(reader *r, strview *line)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->len - r->pos);
        if (nl || (r->eof && r->pos < r->len)) {
            char *end = nl ? nl : r->buf + r->len;
            r->pos = (size_t)(end - r->buf) + (nl != NULL);
            r->line++;
            if (end > start && end[-1] == '\r') end--; /* CRLF files are accepted */
            *line = (strview){start, (size_t)(end - start)};
            return 1;
        }
        if (r->eof) return 0;
        if (r->pos == 0 && r->len == r->cap && r->cap == BUF_SIZE)
            return err_set(CONNC_ERR_FORMAT, "%s:%zu: line longer than %u bytes", r->path, r->line + 1, BUF_SIZE);
        TRY(reader_fill(r));
    }
}

/* ------------------------------------------------------------ rows */

static int bad_field(const char *path, size_t line, const char *field, const char *fmt, ...) CONNC_PRINTF(4, 5);
static int bad_field(const char *path, size_t line, const char *field, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return err_set(CONNC_ERR_FORMAT, "%s:%zu: field '%s': %s", path, line, field, what);
}

static strview unquote(strview s)
{
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') return (strview){s.p + 1, s.n - 2};
    return s;
}

static int check_header(const char *path, strview s)
{
    char shown[48];
    if (s.n >= 3 && memcmp(s.p, "\xEF\xBB\xBF", 3) == 0) s = (strview){s.p + 3, s.n - 3};
    if (sv_eq(s, HEADER_LINE)) return CONNC_OK;
    if (s.n > 0 && s.p[0] >= '0' && s.p[0] <= '9')
        return err_set(CONNC_ERR_FORMAT, "%s:1: missing header line '" HEADER_LINE "' (line 1 is a data row)", path);
    return err_set(CONNC_ERR_FORMAT, "%s:1: expected the header line '" HEADER_LINE "', found '%s'", path,
                   sv_show(s, shown, sizeof shown));
}

static int parse_pixels(const char *path, size_t line, strview s, uint8_t *px)
{
    const char *p = s.p, *end = s.p + s.n;
    size_t k = 0;
    for (;;) {
        while (p < end && *p == ' ') p++;
        if (p == end) break;
        const char *tok = p;
        unsigned v = 0;
        while (p < end && (unsigned)(*p - '0') < 10u && v <= 255) v = 10 * v + (unsigned)(*p++ - '0');
        if (p == tok || v > 255 || (p < end && *p != ' ')) {
            const char *stop = memchr(tok, ' ', (size_t)(end - tok));
            char shown[24];
            sv_show((strview){tok, (size_t)((stop ? stop : end) - tok)}, shown, sizeof shown);
            return bad_field(path, line, "pixels", "value %zu is '%s', expected an integer 0-255", k + 1, shown);
        }
        if (k < FER_PIXELS) px[k] = (uint8_t)v;
        k++;
    }
    if (k != FER_PIXELS) return bad_field(path, line, "pixels", "expected %d values, found %zu", FER_PIXELS, k);
    return CONNC_OK;
}

static int parse_row(const char *path, size_t line, strview s, uint8_t *px, uint8_t *label, uint8_t *split)
{
    strview f[3];
    size_t nf = 0;
    const char *p = s.p, *end = s.p + s.n;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (nf < 3) f[nf] = unquote((strview){p, (size_t)(stop - p)});
        nf++;
        if (!comma) break;
        p = comma + 1;
    }
    if (nf != 3)
        return err_set(CONNC_ERR_FORMAT, "%s:%zu: expected 3 fields (" HEADER_LINE "), found %zu", path, line, nf);
    char shown[40];
    uint64_t v;
    if (parse_u64(f[0], &v) != 0 || v >= FER_CLASSES)
        return bad_field(path, line, "emotion", "expected an integer 0-6, found '%s'", sv_show(f[0], shown, sizeof shown));
    *label = (uint8_t)v;
    int k = 0;
    while (k < FER_SPLITS && !sv_eq(f[2], split_names[k])) k++;
    if (k == FER_SPLITS)
        return bad_field(path, line, "Usage", "expected Training, PublicTest or PrivateTest, found '%s'",
                         sv_show(f[2], shown, sizeof shown));
    *split = (uint8_t)k;
    return parse_pixels(path, line, f[1], px);
}

/* Doubles the row capacity of d when it is full. */
static int reserve_row(fer_data *d, size_t *cap, const char *path, size_t line)
{
    if (d->n < *cap) return CONNC_OK;
    if (d->n >= FER_MAX_ROWS)
        return err_set(CONNC_ERR_LIMIT, "%s:%zu: more than %u rows", path, line, FER_MAX_ROWS);
    size_t c = *cap ? 2 * *cap : 16; /* small first: many files parsed are small */
    uint8_t *px = realloc(d->pixels, c * FER_PIXELS);
    if (px) d->pixels = px;
    uint8_t *lb = px ? realloc(d->label, c) : NULL;
    if (lb) d->label = lb;
    uint8_t *sp = lb ? realloc(d->split, c) : NULL;
    if (!sp) return err_set(CONNC_ERR_NOMEM, "%s: out of memory for %zu rows", path, c);
    d->split = sp;
    *cap = c;
    return CONNC_OK;
}

static int parse_rows(reader *r, fer_data *d)
{
    strview line;
    int rc = reader_next(r, &line);
    if (rc == 0)
        return err_set(CONNC_ERR_FORMAT, "%s:1: empty file, expected the header line '" HEADER_LINE "'", r->path);
    TRY(rc);
    TRY(check_header(r->path, line));
    progress bar;
    progress_begin(&bar, "fer2013", "B", d->source.size);
    size_t cap = 0;
    while ((rc = reader_next(r, &line)) > 0) {
        if (line.n == 0) continue; /* blank lines carry nothing (pandas skips them too) */
        TRY(reserve_row(d, &cap, r->path, r->line));
        TRY(parse_row(r->path, r->line, line, d->pixels + d->n * FER_PIXELS, d->label + d->n, d->split + d->n));
        d->count[d->split[d->n]]++;
        if ((++d->n & 4095) == 0) progress_update(&bar, (uint64_t)gzoffset(r->gz));
    }
    TRY(rc);
    if (d->n == 0) return err_set(CONNC_ERR_FORMAT, "%s:%zu: no data rows after the header", r->path, r->line + 1);
    progress_end(&bar, d->source.size);
    return CONNC_OK;
}

/* ------------------------------------------------------------ source checksum */

/* Hashing the source (about 1 s for the 95 MB full set) runs on a second core
 * while the main thread decompresses and parses; a small file is hashed after
 * a successful parse instead, as a thread would cost more than it saves. */
typedef struct {
    const char *path;
    char hex[65];
    int rc;
    char err[256];
    thrd_t thread;
    int threaded;
} hash_job;

static int hash_main(void *arg)
{
    hash_job *j = arg;
    j->rc = sha256_file(j->path, j->hex);
    if (j->rc < 0) snprintf(j->err, sizeof j->err, "%s", connc_errmsg()); /* messages are per thread */
    return 0;
}

static void hash_start(hash_job *j, const char *path, uint64_t size)
{
    memset(j, 0, sizeof *j);
    j->path = path;
    j->threaded = size >= SMALL_FILE && thrd_create(&j->thread, hash_main, j) == thrd_success;
}

/* Joins the hash; rc is the parse's status, which takes precedence. */
static int hash_finish(hash_job *j, int rc, char hex[65])
{
    if (j->threaded) thrd_join(j->thread, NULL);
    else if (rc == CONNC_OK) hash_main(j);
    if (rc < 0) return rc;
    if (j->rc < 0) return err_set(j->rc, "%s", j->err);
    memcpy(hex, j->hex, sizeof j->hex);
    return CONNC_OK;
}

int fer_parse_csv(const char *path, fer_data *out)
{
    memset(out, 0, sizeof *out);
    reader r;
    TRY(reader_open(&r, path, &out->source));
    hash_job job;
    hash_start(&job, path, out->source.size);
    int rc = parse_rows(&r, out);
    reader_close(&r);
    rc = hash_finish(&job, rc, out->source_sha256);
    if (rc < 0) fer_free(out);
    return rc;
}

/* ------------------------------------------------------------ cache file */

/* Cache layout, version 1 (little-endian; schemas/fer2013_cache.md):
 *   0  magic "CONNCFER"          8  u32 version (1)       12  u32 header size (256)
 *  16  u32 image side (48)      20  u32 classes (7)      24  u64 n (rows)
 *  32  u64 count[3] per split   56  u64 source size      64  i64 source mtime s
 *  72  i64 source mtime ns      80  u64 source inode     88  64 B source SHA-256 (hex)
 * 152  u32 CRC-32 of payload   156  zeros (reserved)    252  u32 CRC-32 of bytes 0-251
 * 256  payload: label[n], split[n], pixels[n * 2304]
 */
#define CACHE_MAGIC "CONNCFER"
#define CACHE_VERSION 1
#define CACHE_HEADER 256

static void put_le(uint8_t *p, uint64_t v, int nbytes)
{
    for (int i = 0; i < nbytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int nbytes)
{
    uint64_t v = 0;
    for (int i = nbytes - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint32_t payload_crc(const fer_data *d)
{
    uLong crc = crc32_z(0, d->label, d->n);
    crc = crc32_z(crc, d->split, d->n);
    return (uint32_t)crc32_z(crc, d->pixels, d->n * FER_PIXELS);
}

static void header_pack(const fer_data *d, uint8_t h[CACHE_HEADER])
{
    memset(h, 0, CACHE_HEADER);
    memcpy(h, CACHE_MAGIC, 8);
    put_le(h + 8, CACHE_VERSION, 4);
    put_le(h + 12, CACHE_HEADER, 4);
    put_le(h + 16, FER_SIDE, 4);
    put_le(h + 20, FER_CLASSES, 4);
    put_le(h + 24, d->n, 8);
    for (int s = 0; s < FER_SPLITS; s++) put_le(h + 32 + 8 * s, d->count[s], 8);
    put_le(h + 56, d->source.size, 8);
    put_le(h + 64, (uint64_t)d->source.mtime_sec, 8);
    put_le(h + 72, (uint64_t)d->source.mtime_nsec, 8);
    put_le(h + 80, d->source.inode, 8);
    memcpy(h + 88, d->source_sha256, 64);
    put_le(h + 152, payload_crc(d), 4);
    put_le(h + 252, crc32(0, h, 252), 4);
}

/* Checks everything the header alone can tell and fills d's counts and key. */
static int header_unpack(const char *path, const uint8_t h[CACHE_HEADER], fer_data *d, uint32_t *crc)
{
    if (memcmp(h, CACHE_MAGIC, 8) != 0) return err_set(CONNC_ERR_CORRUPT, "%s: not a connc FER-2013 cache", path);
    uint64_t version = get_le(h + 8, 4);
    if (version != CACHE_VERSION)
        return err_set(CONNC_ERR_VERSION, "%s: cache version %llu, this connc reads version %d", path,
                       (unsigned long long)version, CACHE_VERSION);
    if (get_le(h + 252, 4) != crc32(0, h, 252)) return err_set(CONNC_ERR_CORRUPT, "%s: header checksum mismatch", path);
    uint64_t n = get_le(h + 24, 8), total = 0;
    for (int s = 0; s < FER_SPLITS; s++) total += d->count[s] = get_le(h + 32 + 8 * s, 8);
    if (get_le(h + 12, 4) != CACHE_HEADER || get_le(h + 16, 4) != FER_SIDE || get_le(h + 20, 4) != FER_CLASSES ||
        n == 0 || n > FER_MAX_ROWS || total != n)
        return err_set(CONNC_ERR_CORRUPT, "%s: inconsistent header", path);
    d->n = (size_t)n;
    d->source = (fer_source){get_le(h + 56, 8), (int64_t)get_le(h + 64, 8), (int64_t)get_le(h + 72, 8),
                             get_le(h + 80, 8)};
    memcpy(d->source_sha256, h + 88, 64);
    d->source_sha256[64] = '\0';
    *crc = (uint32_t)get_le(h + 152, 4);
    return CONNC_OK;
}

/* Labels and splits in range and the split counts as the header says: a
 * checksum only proves the bytes are what some writer wrote. */
static int payload_check(const char *path, const fer_data *d)
{
    size_t count[FER_SPLITS] = {0, 0, 0};
    for (size_t i = 0; i < d->n; i++) {
        if (d->label[i] >= FER_CLASSES || d->split[i] >= FER_SPLITS)
            return err_set(CONNC_ERR_CORRUPT, "%s: row %zu has label %u, split %u", path, i + 1, d->label[i],
                           d->split[i]);
        count[d->split[i]]++;
    }
    if (memcmp(count, d->count, sizeof count) != 0)
        return err_set(CONNC_ERR_CORRUPT, "%s: split counts differ from the header", path);
    return CONNC_OK;
}

static int read_exact(FILE *f, void *buf, size_t n, const char *path)
{
    if (fread(buf, 1, n, f) == n) return CONNC_OK;
    if (ferror(f)) return err_set(CONNC_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    return err_set(CONNC_ERR_CORRUPT, "%s: truncated", path);
}

int fer_cache_read(const char *path, fer_data *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(errno == ENOENT ? CONNC_ERR_NOTFOUND : CONNC_ERR_IO, "%s: cannot open: %s", path,
                       strerror(errno));
    uint8_t h[CACHE_HEADER];
    uint32_t crc = 0;
    struct stat st;
    int rc;
    CHECK(read_exact(f, h, sizeof h, path));
    CHECK(header_unpack(path, h, out, &crc));
    uint64_t want = CACHE_HEADER + (uint64_t)out->n * (FER_PIXELS + 2);
    if (fstat(fileno(f), &st) != 0) CHECK(err_set(CONNC_ERR_IO, "%s: cannot stat: %s", path, strerror(errno)));
    if ((uint64_t)st.st_size != want)
        CHECK(err_set(CONNC_ERR_CORRUPT, "%s: %lld bytes, the header implies %llu (truncated?)", path,
                      (long long)st.st_size, (unsigned long long)want));
    out->label = malloc(out->n);
    out->split = malloc(out->n);
    out->pixels = malloc(out->n * FER_PIXELS);
    if (!out->label || !out->split || !out->pixels) CHECK(err_set(CONNC_ERR_NOMEM, "%s: out of memory", path));
    CHECK(read_exact(f, out->label, out->n, path));
    CHECK(read_exact(f, out->split, out->n, path));
    CHECK(read_exact(f, out->pixels, out->n * FER_PIXELS, path));
    if (payload_crc(out) != crc) CHECK(err_set(CONNC_ERR_CORRUPT, "%s: payload checksum mismatch", path));
    CHECK(payload_check(path, out));
    fclose(f);
    return CONNC_OK;
fail:
    fclose(f);
    fer_free(out);
    return rc;
}

static int make_parent_dirs(const char *path)
{
    char *dir = strdup(path);
    if (!dir) return err_set(CONNC_ERR_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    int rc = CONNC_OK;
    if (slash && slash != dir) {
        *slash = '\0';
        rc = make_dirs(dir);
    }
    free(dir);
    return rc;
}

int fer_cache_write(const fer_data *d, const char *path)
{
    uint8_t h[CACHE_HEADER];
    header_pack(d, h);
    TRY(make_parent_dirs(path));
    outfile o;
    TRY(outfile_open(&o, path));
    int rc;
    CHECK(outfile_write(&o, h, sizeof h));
    CHECK(outfile_write(&o, d->label, d->n));
    CHECK(outfile_write(&o, d->split, d->n));
    CHECK(outfile_write(&o, d->pixels, d->n * FER_PIXELS));
    return outfile_commit(&o);
fail:
    outfile_abort(&o);
    return rc;
}

/* ------------------------------------------------------------ load through the cache */

static int default_cache_dir(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/') n = snprintf(buf, cap, "%s/connc", xdg); /* the XDG spec ignores relative paths */
    else if (home && home[0]) n = snprintf(buf, cap, "%s/.cache/connc", home);
    else return err_set(CONNC_ERR_NOTFOUND, "no cache directory: neither XDG_CACHE_HOME nor HOME is set");
    if (n < 0 || (size_t)n >= cap) return err_set(CONNC_ERR_LIMIT, "cache directory name too long");
    return CONNC_OK;
}

int fer_cache_path(const char *csv_path, const char *cache_dir, char *buf, size_t cap)
{
    char dir[4096], key[65];
    if (cache_dir && !cache_dir[0]) return err_set(CONNC_ERR_NOTFOUND, "caching is off");
    if (!cache_dir) {
        TRY(default_cache_dir(dir, sizeof dir));
        cache_dir = dir;
    }
    /* the real path, so that every way of naming one file finds one cache */
    char *real = realpath(csv_path, NULL);
    if (!real) return err_set(CONNC_ERR_IO, "%s: cannot open: %s", csv_path, strerror(errno));
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, real, strlen(real));
    sha256_final_hex(&c, key);
    free(real);
    int n = snprintf(buf, cap, "%s/fer2013-%.16s.cache", cache_dir, key);
    if (n < 0 || (size_t)n >= cap) return err_set(CONNC_ERR_LIMIT, "%s: cache path too long", cache_dir);
    return CONNC_OK;
}

static int same_source(const fer_source *a, const fer_source *b)
{
    return a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->inode == b->inode;
}

int fer_load(const char *csv_path, const char *cache_dir, fer_data *out)
{
    memset(out, 0, sizeof *out);
    char cache[FER_CACHE_PATH_MAX];
    int rc = fer_cache_path(csv_path, cache_dir, cache, sizeof cache);
    if (rc == CONNC_ERR_NOTFOUND) return fer_parse_csv(csv_path, out);
    TRY(rc);
    struct stat st;
    if (stat(csv_path, &st) != 0) return err_set(CONNC_ERR_IO, "%s: cannot open: %s", csv_path, strerror(errno));
    fer_source now;
    stat_to_source(&st, &now);
    rc = fer_cache_read(cache, out);
    if (rc == CONNC_OK && same_source(&out->source, &now)) return CONNC_OK;
    if (rc == CONNC_OK) log_info("cache %s is out of date (the source changed); rebuilding", cache);
    else if (rc != CONNC_ERR_NOTFOUND) log_info("ignoring cache: %s; rebuilding it", connc_errmsg());
    fer_free(out);
    TRY(fer_parse_csv(csv_path, out));
    if (fer_cache_write(out, cache) < 0) log_info("could not write the cache (%s); continuing without", connc_errmsg());
    else log_info("wrote cache %s", cache);
    return CONNC_OK;
}
