/* container.c: write and validate the connc container (schemas/container.md). */
#define _POSIX_C_SOURCE 200809L
#include "container.h"
#include "error.h"
#include "infile.h"
#include "outfile.h"
#include "progress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define HEADER_SIZE 128
#define ENTRY_SIZE 160
#define ALIGN 64
#define BYTE_ORDER_MARK 0x01020304u

static const char MAGIC_IR[8] = {'C', 'O', 'N', 'N', 'C', 'I', 'R', 0};
static const char MAGIC_NET[8] = {'C', 'O', 'N', 'N', 'C', 'N', 'E', 'T'};
static const char MAGIC_CKPT[8] = {'C', 'O', 'N', 'N', 'C', 'C', 'K', 'P'};

static const char *magic_of(container_kind k)
{
    return k == CONTAINER_IR ? MAGIC_IR : k == CONTAINER_NETWORK ? MAGIC_NET : MAGIC_CKPT;
}

size_t dtype_size(connc_dtype t)
{
    switch (t) {
    case CONNC_U8: return 1;
    case CONNC_I32: case CONNC_U32: case CONNC_F32: return 4;
    case CONNC_I64: case CONNC_U64: case CONNC_F64: return 8;
    }
    return 0;
}

const char *dtype_name(connc_dtype t)
{
    static const char *names[] = {"?", "u8", "i32", "u32", "i64", "u64", "f32", "f64"};
    return (t >= CONNC_U8 && t <= CONNC_F64) ? names[t] : "?";
}

/* ---- little-endian field access: the format is LE on every host ---- */

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> 8 * i); }
static uint32_t get32(const uint8_t *p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = v << 8 | p[i]; return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }

/* The CRC-32 c of some bytes, continued over n more. */
static uint32_t crc_more(uint32_t c, const void *p, uint64_t n)
{
    const Bytef *b = p;
    while (n > 0) {
        uInt take = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = (uint32_t)crc32(c, b, take);
        b += take;
        n -= take;
    }
    return c;
}

static uint32_t crc(const void *p, uint64_t n) { return crc_more((uint32_t)crc32(0L, Z_NULL, 0), p, n); }

static uint64_t align_up(uint64_t x) { return (x + ALIGN - 1) & ~(uint64_t)(ALIGN - 1); }

static int host_is_little_endian(void)
{
    const uint32_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* ================================ writer ================================ */

typedef struct {
    char name[CONTAINER_NAME_MAX + 1];
    connc_dtype dtype;
    uint32_t ndim;
    uint64_t shape[4];
    uint64_t nbytes;
    const void *data;   /* the bytes, or NULL when they are in file */
    FILE *file;
    uint64_t offset;    /* of the bytes in file */
    uint32_t crc;       /* computed as the bytes are written */
} entry;

struct container_writer {
    container_kind kind;
    char *meta;
    entry *entries;
    size_t n, cap;
    int has_files;      /* some array comes from a file: large, so the write shows progress */
};

container_writer *container_writer_new(container_kind kind)
{
    container_writer *w = calloc(1, sizeof *w);
    if (w) w->kind = kind;
    return w;
}

void container_writer_free(container_writer *w)
{
    if (!w) return;
    free(w->meta);
    free(w->entries);
    free(w);
}

int container_set_metadata(container_writer *w, const char *json)
{
    char *copy = strdup(json);
    if (!copy) return err_set(CONNC_ERR_NOMEM, "out of memory copying metadata");
    free(w->meta);
    w->meta = copy;
    return CONNC_OK;
}

/* A new directory entry with its name, type and shape checked; *out points
 * at it until the next add. */
static int add_entry(container_writer *w, const char *name, connc_dtype dtype, uint32_t ndim, const uint64_t *shape,
                     entry **out)
{
    size_t len = strlen(name);
    if (len == 0 || len > CONTAINER_NAME_MAX)
        return err_set(CONNC_ERR_USAGE, "array name '%s': must be 1-%d bytes", name, CONTAINER_NAME_MAX);
    if (ndim < 1 || ndim > 4 || dtype_size(dtype) == 0)
        return err_set(CONNC_ERR_USAGE, "array '%s': bad rank or dtype", name);
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->entries[i].name, name) == 0)
            return err_set(CONNC_ERR_USAGE, "array '%s' added twice", name);
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 32;
        entry *e = realloc(w->entries, cap * sizeof *e);
        if (!e) return err_set(CONNC_ERR_NOMEM, "out of memory");
        w->entries = e;
        w->cap = cap;
    }
    entry *e = &w->entries[w->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, len);
    e->dtype = dtype;
    e->ndim = ndim;
    e->nbytes = dtype_size(dtype);
    for (uint32_t d = 0; d < ndim; d++) {
        e->shape[d] = shape[d];
        e->nbytes *= shape[d];
    }
    *out = e;
    return CONNC_OK;
}

int container_add(container_writer *w, const char *name, connc_dtype dtype,
                  uint32_t ndim, const uint64_t *shape, const void *data)
{
    entry *e = NULL;
    TRY(add_entry(w, name, dtype, ndim, shape, &e));
    e->data = data;
    return CONNC_OK;
}

int container_add_file(container_writer *w, const char *name, connc_dtype dtype,
                       uint32_t ndim, const uint64_t *shape, FILE *file, uint64_t offset)
{
    entry *e = NULL;
    TRY(add_entry(w, name, dtype, ndim, shape, &e));
    e->file = file;
    e->offset = offset;
    w->has_files = 1;
    return CONNC_OK;
}

static int write_padding(outfile *o, uint64_t pos)
{
    static const uint8_t zeros[ALIGN];
    return outfile_write(o, zeros, align_up(pos) - pos);
}

/* Copies e's bytes from its file into o through buf (cap bytes), with their CRC. */
static int copy_from_file(outfile *o, entry *e, uint8_t *buf, size_t cap, progress *bar, uint64_t *done)
{
    if (fseeko(e->file, (off_t)e->offset, SEEK_SET) != 0)
        return err_set(CONNC_ERR_IO, "%s: array '%s': cannot seek in its scratch file: %s", o->path, e->name, strerror(errno));
    for (uint64_t left = e->nbytes; left > 0;) {
        size_t take = left < cap ? (size_t)left : cap;
        if (fread(buf, 1, take, e->file) != take)
            return err_set(CONNC_ERR_IO, "%s: array '%s': cannot read its scratch file%s%s", o->path, e->name,
                           ferror(e->file) ? ": " : " (too short)", ferror(e->file) ? strerror(errno) : "");
        e->crc = crc_more(e->crc, buf, take);
        TRY(outfile_write(o, buf, take));
        left -= take;
        *done += take;
        progress_update(bar, *done);
    }
    return CONNC_OK;
}

/* Writes the arrays, each padded to the alignment, computing their CRCs. */
static int write_arrays(container_writer *w, outfile *o)
{
    enum { COPY_BUF = 1 << 20 };
    uint8_t *buf = w->has_files ? malloc(COPY_BUF) : NULL;
    if (w->has_files && !buf) return err_set(CONNC_ERR_NOMEM, "out of memory");
    uint64_t total = 0, done = 0;
    for (size_t i = 0; i < w->n; i++) total += w->entries[i].nbytes;
    progress bar;
    progress_begin(&bar, "write", "B", total);
    bar.active &= w->has_files;
    int rc = CONNC_OK;
    for (size_t i = 0; i < w->n && rc == CONNC_OK; i++) {
        entry *e = &w->entries[i];
        e->crc = (uint32_t)crc32(0L, Z_NULL, 0);
        if (e->file) {
            rc = copy_from_file(o, e, buf, COPY_BUF, &bar, &done);
        } else {
            e->crc = crc_more(e->crc, e->data, e->nbytes);
            rc = outfile_write(o, e->data, e->nbytes);
            done += e->nbytes;
        }
        if (rc == CONNC_OK) rc = write_padding(o, e->nbytes);
    }
    progress_end(&bar, done);
    free(buf);
    return rc;
}

/* The header, metadata and directory, from the start of the file (dir_off:
 * where the directory starts). */
static int write_prefix(outfile *o, const uint8_t *hdr, const char *meta, uint64_t meta_size, const uint8_t *dir,
                        uint64_t dir_off, uint64_t dir_bytes)
{
    TRY(outfile_write(o, hdr, HEADER_SIZE));
    TRY(outfile_write(o, meta, meta_size + 1));
    TRY(write_padding(o, HEADER_SIZE + meta_size + 1));
    TRY(outfile_write(o, dir, dir_bytes));
    return write_padding(o, dir_off + dir_bytes);
}

static void fill_directory(const container_writer *w, uint8_t *dir, uint64_t pos)
{
    for (size_t i = 0; i < w->n; i++) {
        const entry *e = &w->entries[i];
        uint8_t *d = dir + i * ENTRY_SIZE;
        memcpy(d, e->name, strlen(e->name));
        put32(d + 96, e->dtype);
        put32(d + 100, e->ndim);
        for (int k = 0; k < 4; k++) put64(d + 104 + 8 * k, e->shape[k]);
        put64(d + 136, pos);
        put64(d + 144, e->nbytes);
        put32(d + 152, e->crc);
        pos = align_up(pos + e->nbytes);
    }
}

static void fill_header(const container_writer *w, uint8_t *hdr, const char *meta, uint64_t meta_size,
                        const uint8_t *dir, uint64_t dir_off, uint64_t file_size)
{
    memset(hdr, 0, HEADER_SIZE);
    memcpy(hdr, magic_of(w->kind), 8);
    put32(hdr + 8, CONTAINER_VERSION_MAJOR);
    put32(hdr + 12, CONTAINER_VERSION_MINOR);
    put32(hdr + 16, BYTE_ORDER_MARK);
    put32(hdr + 20, HEADER_SIZE);
    put64(hdr + 24, file_size);
    put64(hdr + 32, HEADER_SIZE);
    put64(hdr + 40, meta_size);
    put64(hdr + 48, dir_off);
    put64(hdr + 56, w->n);
    put32(hdr + 64, crc(meta, meta_size));
    put32(hdr + 68, crc(dir, (uint64_t)w->n * ENTRY_SIZE));
    put32(hdr + 124, crc(hdr, 124));
}

/* One pass over the arrays, which may be larger than memory: the prefix is
 * written with a zero header and directory, then the arrays with their
 * CRCs, then the prefix again, complete. */
int container_write(container_writer *w, const char *path)
{
    if (!host_is_little_endian())
        return err_set(CONNC_ERR_UNSUPPORTED, "%s: writing needs a little-endian host", path);
    const char *meta = w->meta ? w->meta : "{}";
    uint64_t meta_size = strlen(meta), dir_bytes = (uint64_t)w->n * ENTRY_SIZE;
    uint64_t dir_off = align_up(HEADER_SIZE + meta_size + 1), first = align_up(dir_off + dir_bytes), end = first;
    for (size_t i = 0; i < w->n; i++) end = align_up(end + w->entries[i].nbytes);
    uint8_t hdr[HEADER_SIZE] = {0};
    uint8_t *dir = calloc(w->n ? w->n : 1, ENTRY_SIZE);
    if (!dir) return err_set(CONNC_ERR_NOMEM, "out of memory");
    outfile o;
    int rc = outfile_open(&o, path);
    if (rc < 0) goto done;
    CHECK(write_prefix(&o, hdr, meta, meta_size, dir, dir_off, dir_bytes));
    CHECK(write_arrays(w, &o));
    fill_directory(w, dir, first);
    fill_header(w, hdr, meta, meta_size, dir, dir_off, end);
    CHECK(outfile_seek(&o, 0));
    CHECK(write_prefix(&o, hdr, meta, meta_size, dir, dir_off, dir_bytes));
    rc = outfile_commit(&o);
    goto done;
fail:
    outfile_abort(&o);
done:
    free(dir);
    return rc;
}

/* ================================ reader ================================ */

struct connc_file {
    char *path;
    const uint8_t *map;
    uint64_t size;
    int mapped;          /* map is an mmap (else a malloc'd copy) */
    container_kind kind;
    const char *meta;
    uint64_t n;
    connc_array *arrays;
};

static int corrupt(const char *path, const char *what)
{
    return err_set(CONNC_ERR_CORRUPT, "%s: corrupt connc file: %s", path, what);
}

static int check_header(connc_file *f)
{
    const uint8_t *h = f->map;
    if (f->size < HEADER_SIZE) return corrupt(f->path, "shorter than the 128-byte header");
    if (memcmp(h, MAGIC_IR, 8) == 0) f->kind = CONTAINER_IR;
    else if (memcmp(h, MAGIC_NET, 8) == 0) f->kind = CONTAINER_NETWORK;
    else if (memcmp(h, MAGIC_CKPT, 8) == 0) f->kind = CONTAINER_CHECKPOINT;
    else return err_set(CONNC_ERR_FORMAT, "%s: not a connc file (bad magic)", f->path);
    if (get32(h + 124) != crc(h, 124)) return corrupt(f->path, "header checksum mismatch");
    if (get32(h + 8) != CONTAINER_VERSION_MAJOR)
        return err_set(CONNC_ERR_VERSION, "%s: container version %u.%u; this connc reads %d.x (rebuild the file with this connc)",
                       f->path, get32(h + 8), get32(h + 12), CONTAINER_VERSION_MAJOR);
    if (get32(h + 16) != BYTE_ORDER_MARK) return corrupt(f->path, "byte-order mark");
    if (get32(h + 20) != HEADER_SIZE) return corrupt(f->path, "header size");
    if (get64(h + 24) != f->size) return corrupt(f->path, "file size differs from header (truncated?)");
    return CONNC_OK;
}

static int check_metadata(connc_file *f)
{
    const uint8_t *h = f->map;
    uint64_t off = get64(h + 32), len = get64(h + 40);
    if (off != HEADER_SIZE || len >= f->size || off + len + 1 > f->size)
        return corrupt(f->path, "metadata block out of range");
    if (f->map[off + len] != 0) return corrupt(f->path, "metadata not terminated");
    if (get32(h + 64) != crc(f->map + off, len)) return corrupt(f->path, "metadata checksum mismatch");
    if (memchr(f->map + off, 0, len)) return corrupt(f->path, "NUL inside metadata");
    f->meta = (const char *)f->map + off;
    return CONNC_OK;
}

static int check_entry(connc_file *f, const uint8_t *d, connc_array *a)
{
    if (memchr(d, 0, 96) == NULL || d[0] == 0) return corrupt(f->path, "array name");
    a->name = (const char *)d;
    a->dtype = (connc_dtype)get32(d + 96);
    a->ndim = get32(d + 100);
    size_t es = dtype_size(a->dtype);
    if (es == 0 || a->ndim < 1 || a->ndim > 4) return corrupt(f->path, "array dtype or rank");
    uint64_t count = 1;
    for (int k = 0; k < 4; k++) {
        a->shape[k] = get64(d + 104 + 8 * k);
        if (k >= (int)a->ndim) continue;
        if (a->shape[k] != 0 && count > UINT64_MAX / a->shape[k]) return corrupt(f->path, "array shape overflows");
        count *= a->shape[k];
    }
    uint64_t off = get64(d + 136), nbytes = get64(d + 144);
    if (count > UINT64_MAX / es || count * es != nbytes) return corrupt(f->path, "array size disagrees with shape");
    if (off % ALIGN != 0 || off > f->size || nbytes > f->size - off) return corrupt(f->path, "array out of range");
    if (get32(d + 152) != crc(f->map + off, nbytes)) {
        char what[160];
        snprintf(what, sizeof what, "checksum mismatch in array '%s'", a->name);
        return corrupt(f->path, what);
    }
    a->data = f->map + off;
    a->nbytes = nbytes;
    return CONNC_OK;
}

static int check_directory(connc_file *f)
{
    const uint8_t *h = f->map;
    uint64_t off = get64(h + 48);
    f->n = get64(h + 56);
    if (f->n > CONTAINER_MAX_ARRAYS) return corrupt(f->path, "too many arrays");
    if (off % ALIGN != 0 || off > f->size || f->n * ENTRY_SIZE > f->size - off)
        return corrupt(f->path, "directory out of range");
    if (get32(h + 68) != crc(f->map + off, f->n * ENTRY_SIZE)) return corrupt(f->path, "directory checksum mismatch");
    f->arrays = calloc(f->n ? f->n : 1, sizeof *f->arrays);
    if (!f->arrays) return err_set(CONNC_ERR_NOMEM, "out of memory");
    for (uint64_t i = 0; i < f->n; i++)
        TRY(check_entry(f, f->map + off + i * ENTRY_SIZE, &f->arrays[i]));
    return CONNC_OK;
}

static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* The bytes no checksum covers are the zero padding of the one layout the
 * writer produces; checking both makes a flipped byte anywhere an error. */
static int check_layout(connc_file *f)
{
    uint64_t meta_end = HEADER_SIZE + get64(f->map + 40) + 1, dir_off = get64(f->map + 48);
    if (dir_off != align_up(meta_end) || !all_zero(f->map + meta_end, dir_off - meta_end))
        return corrupt(f->path, "padding after the metadata");
    uint64_t pos = dir_off + f->n * ENTRY_SIZE;
    for (uint64_t i = 0; i < f->n; i++) {
        uint64_t off = (uint64_t)((const uint8_t *)f->arrays[i].data - f->map);
        if (off != align_up(pos) || !all_zero(f->map + pos, off - pos))
            return corrupt(f->path, "array layout or padding");
        pos = off + f->arrays[i].nbytes;
    }
    if (f->size != align_up(pos) || !all_zero(f->map + pos, f->size - pos))
        return corrupt(f->path, "padding at the end");
    return CONNC_OK;
}

/* A small file is read into memory: unmapping costs a TLB shootdown on every
 * core, which dominates when many small files are opened (tests, fuzzing). */
#define MAP_MIN (1u << 20)

static int load_bytes(connc_file *f, int fd)
{
    if (f->size == 0) return err_set(CONNC_ERR_FORMAT, "%s: empty file", f->path);
    if (f->size >= MAP_MIN) {
        void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) return err_set(CONNC_ERR_IO, "%s: cannot map: %s", f->path, strerror(errno));
        f->map = m;
        f->mapped = 1;
        return CONNC_OK;
    }
    uint8_t *b = aligned_alloc(64, (f->size + 63) / 64 * 64); /* the 64-byte alignment arrays promise */
    if (!b) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", f->path);
    f->map = b;
    for (uint64_t got = 0; got < f->size;) {
        ssize_t n = pread(fd, b + got, f->size - got, (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return err_set(CONNC_ERR_IO, "%s: cannot read: %s", f->path, n ? strerror(errno) : "file shrank");
        got += (uint64_t)n;
    }
    return CONNC_OK;
}

int connc_file_open(const char *path, connc_file **out)
{
    *out = NULL;
    if (!host_is_little_endian())
        return err_set(CONNC_ERR_UNSUPPORTED, "%s: reading needs a little-endian host", path);
    struct stat st;
    int fd = infile_open(path, &st);
    if (fd < 0) return fd;
    connc_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        close(fd);
        free(f);
        return err_set(CONNC_ERR_NOMEM, "out of memory");
    }
    f->size = (uint64_t)st.st_size;
    int rc = load_bytes(f, fd);
    close(fd);
    if (rc < 0) goto fail;
    CHECK(check_header(f));
    CHECK(check_metadata(f));
    CHECK(check_directory(f));
    CHECK(check_layout(f));
    *out = f;
    return CONNC_OK;
fail:
    connc_file_close(f);
    return rc;
}

void connc_file_close(connc_file *f)
{
    if (!f) return;
    if (f->mapped) munmap((void *)f->map, f->size);
    else free((void *)f->map);
    free(f->arrays);
    free(f->path);
    free(f);
}

const char *connc_file_kind(const connc_file *f)
{
    return f->kind == CONTAINER_IR ? "ir" : f->kind == CONTAINER_NETWORK ? "network" : "checkpoint";
}
const char *connc_file_metadata(const connc_file *f) { return f->meta; }
const char *connc_file_path(const connc_file *f) { return f->path; }
size_t connc_file_array_count(const connc_file *f) { return (size_t)f->n; }

int connc_file_array_at(const connc_file *f, size_t i, connc_array *out)
{
    if (i >= f->n) return err_set(CONNC_ERR_NOTFOUND, "%s: array index %zu out of range", f->path, i);
    *out = f->arrays[i];
    return CONNC_OK;
}

int connc_file_array(const connc_file *f, const char *name, connc_array *out)
{
    for (uint64_t i = 0; i < f->n; i++)
        if (strcmp(f->arrays[i].name, name) == 0) {
            *out = f->arrays[i];
            return CONNC_OK;
        }
    return err_set(CONNC_ERR_NOTFOUND, "%s: no array named '%s'", f->path, name);
}

int container_read(const connc_file *f, const char *name, connc_dtype dtype, void *dst, uint64_t n)
{
    connc_array a;
    TRY(container_expect(f, name, dtype, 1, &a));
    if (a.shape[0] != n)
        return err_set(CONNC_ERR_CORRUPT, "%s: array '%s' has %llu entries, the network needs %llu (another network?)",
                       f->path, name, (unsigned long long)a.shape[0], (unsigned long long)n);
    if (n) memcpy(dst, a.data, a.nbytes);
    return CONNC_OK;
}

int container_expect(const connc_file *f, const char *name, connc_dtype dtype,
                     uint32_t ndim, connc_array *out)
{
    if (connc_file_array(f, name, out) < 0)
        return err_set(CONNC_ERR_CORRUPT, "%s: missing array '%s'", f->path, name);
    if (out->dtype != dtype || out->ndim != ndim)
        return err_set(CONNC_ERR_CORRUPT, "%s: array '%s' is %s rank %u, expected %s rank %u", f->path,
                       name, dtype_name(out->dtype), out->ndim, dtype_name(dtype), ndim);
    return CONNC_OK;
}
