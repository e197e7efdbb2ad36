/* export_npz.c: .npz archives - a ZIP file of .npy members - in the layout
 * of scipy.sparse.save_npz, for `connc export --format npz`.
 *
 * Members are stored uncompressed (method 0), as numpy.savez does; numpy.load
 * and scipy.sparse.load_npz read them.  Without ZIP64, a member and the whole
 * archive must stay below 4 GiB, far above the matrices of a cortical column;
 * larger ones fail with CONNC_ERR_LIMIT rather than write a damaged file.
 * ZIP layout: PKWARE APPNOTE.TXT, sections 4.3.7 (local header), 4.3.12
 * (central directory header) and 4.3.16 (end of central directory). */
#define _POSIX_C_SOURCE 200809L
#include "export.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_END_SIG 0x06054b50u
#define ZIP_VERSION 20            /* 2.0, what numpy.savez writes for a stored member */
#define ZIP_DOS_DATE 0x0021       /* 1980-01-01 00:00: equal inputs give equal archives */
#define ZIP_LIMIT 0xffffffffu
#define ZIP_LOCAL_SIZE 30
#define ZIP_CENTRAL_SIZE 46
#define ZIP_END_SIZE 22

typedef struct {
    char name[72];            /* "<key>.npy" */
    uint32_t crc, size, offset;
} member;

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

/* The 26 bytes both headers share, from "version needed" to "extra length". */
static void shared_fields(uint8_t *p, const member *m)
{
    put16(p, ZIP_VERSION);
    put16(p + 2, 0);                 /* flags: sizes and CRC are in the header */
    put16(p + 4, 0);                 /* method: stored */
    put16(p + 6, 0);                 /* time */
    put16(p + 8, ZIP_DOS_DATE);
    put32(p + 10, m->crc);
    put32(p + 14, m->size);          /* compressed size */
    put32(p + 18, m->size);          /* uncompressed size */
    put16(p + 22, (uint32_t)strlen(m->name));
    put16(p + 24, 0);                /* extra field length */
}

static int too_large(const outfile *o, const char *what)
{
    return err_set(CONNC_ERR_LIMIT, "%s: %s exceeds the 4 GiB ZIP limit (no ZIP64 support)", o->path, what);
}

/* Local header, then the member's .npy bytes; *pos is the archive offset. */
static int write_member(outfile *o, const npz_entry *e, member *m, uint64_t *pos)
{
    char hdr[256];
    size_t hlen = npy_header(&e->a, hdr, sizeof hdr);
    int n = snprintf(m->name, sizeof m->name, "%s.npy", e->name);
    if (hlen == 0 || n < 0 || (size_t)n >= sizeof m->name)
        return err_set(CONNC_ERR_LIMIT, "%s: member '%s' has too long a name or header", o->path, e->name);
    uint64_t size = hlen + e->a.nbytes;
    if (size > ZIP_LIMIT || *pos > ZIP_LIMIT) return too_large(o, m->name);
    uLong crc = crc32_z(0, (const Bytef *)hdr, hlen);
    if (e->a.nbytes) crc = crc32_z(crc, e->a.data, (z_size_t)e->a.nbytes); /* zlib answers 0 for a NULL buffer */
    m->crc = (uint32_t)crc;
    m->size = (uint32_t)size;
    m->offset = (uint32_t)*pos;
    uint8_t local[ZIP_LOCAL_SIZE];
    put32(local, ZIP_LOCAL_SIG);
    shared_fields(local + 4, m);
    TRY(outfile_write(o, local, sizeof local));
    TRY(outfile_write(o, m->name, strlen(m->name)));
    TRY(outfile_write(o, hdr, hlen));
    TRY(outfile_write(o, e->a.data, e->a.nbytes));
    *pos += ZIP_LOCAL_SIZE + strlen(m->name) + size;
    return CONNC_OK;
}

static int write_directory(outfile *o, const member *m, size_t n, uint64_t start)
{
    uint64_t size = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t central[ZIP_CENTRAL_SIZE] = {0};
        put32(central, ZIP_CENTRAL_SIG);
        put16(central + 4, ZIP_VERSION);          /* version made by */
        shared_fields(central + 6, &m[i]);
        put32(central + 42, m[i].offset);         /* comment, disk and attributes stay 0 */
        TRY(outfile_write(o, central, sizeof central));
        TRY(outfile_write(o, m[i].name, strlen(m[i].name)));
        size += ZIP_CENTRAL_SIZE + strlen(m[i].name);
    }
    if (start + size > ZIP_LIMIT) return too_large(o, "the archive");
    uint8_t end[ZIP_END_SIZE] = {0};
    put32(end, ZIP_END_SIG);
    put16(end + 8, (uint32_t)n);                  /* members on this disk */
    put16(end + 10, (uint32_t)n);                 /* members in all */
    put32(end + 12, (uint32_t)size);
    put32(end + 16, (uint32_t)start);
    return outfile_write(o, end, sizeof end);
}

int npz_write(outfile *o, const npz_entry *e, size_t n)
{
    if (n > 0xffff) return err_set(CONNC_ERR_LIMIT, "%s: more than 65535 members", o->path);
    member *m = calloc(n ? n : 1, sizeof *m);
    if (!m) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", o->path);
    uint64_t pos = 0;
    int rc = CONNC_OK;
    for (size_t i = 0; rc == CONNC_OK && i < n; i++) rc = write_member(o, &e[i], &m[i], &pos);
    if (rc == CONNC_OK) rc = write_directory(o, m, n, pos);
    free(m);
    return rc;
}

/* ------------------------------------------------------------ CSR archives */

/* The keys and dtypes scipy.sparse.save_npz writes for a csr_matrix, in its
 * order; masks store int8 ones as their data. */
static int write_csr(outfile *o, const export_matrix *m)
{
    const ir_pattern *p = m->p;
    uint64_t nnz = (uint64_t)p->nnz, nptr = (uint64_t)p->nrows + 1;
    int64_t shape[2] = {p->nrows, p->ncols};
    int8_t *ones = NULL;
    if (m->kind == VALUES_ONES) {
        if (!(ones = malloc(nnz ? nnz : 1))) return err_set(CONNC_ERR_NOMEM, "%s: out of memory", o->path);
        memset(ones, 1, nnz);
    }
    const npz_entry e[] = {
        {"indices", {"<i4", 1, {nnz, 0}, p->indices, nnz * 4}},
        {"indptr", {"<i8", 1, {nptr, 0}, p->indptr, nptr * 8}},
        {"format", {"|S3", 0, {0, 0}, "csr", 3}},
        {"shape", {"<i8", 1, {2, 0}, shape, sizeof shape}},
        {"data", {npy_descr(m->kind), 1, {nnz, 0}, ones ? (const void *)ones : m->values, nnz * npy_value_size(m->kind)}},
    };
    int rc = npz_write(o, e, sizeof e / sizeof e[0]);
    free(ones);
    return rc;
}

int export_npz(export_ctx *c)
{
    TRY(export_matrices(c, "npz", write_csr));
    return export_npy_tables(c);
}
