/* test_export.c: `connc export` (compiler/export*.c): the exact bytes of a
 * .npy header and of an .npz's ZIP records, MatrixMarket and CSV text, and
 * SONATA files read back through the HDF5 C API.  Expected values are worked
 * out by hand (the tiny column's are in test_compile.c). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "tiny.h"
#include "connc.h"
#include "export.h"
#include "files.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#ifdef CONNC_HAVE_HDF5
#include <hdf5.h>
#endif

static int text_is(const char *path, const char *want)
{
    char *got = slurp(path, NULL);
    int same = got && strcmp(got, want) == 0;
    if (!same) fprintf(stderr, "    %s:\n--- got\n%s--- wanted\n%s", path, got ? got : "(unreadable)\n", want);
    free(got);
    return same;
}

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static unsigned get16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static unsigned long get32(const unsigned char *p) { return get16(p) | (unsigned long)get16(p + 2) << 16; }

/* ------------------------------------------------------------ .npy */

TEST(export_npy_header_bytes)
{
    char h[256];
    npy_array a = {"<i4", 1, {3, 0}, NULL, 12};
    const char *dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
    /* 10 bytes of preamble + 57 of dict + '\n' need two 64-byte blocks */
    size_t n = npy_header(&a, h, sizeof h);
    EXPECT_EQ_INT(n, 128);
    EXPECT(memcmp(h, "\x93NUMPY\x01\x00", 8) == 0);
    EXPECT_EQ_INT(get16((const unsigned char *)h + 8), 128 - 10);
    EXPECT(starts_with(h + 10, dict));
    for (size_t i = 10 + strlen(dict); i < 127; i++)
        if (h[i] != ' ') EXPECT(!"the header is padded with spaces");
    EXPECT(h[127] == '\n');
}

TEST(export_npy_header_shapes)
{
    char h[256];
    npy_array scalar = {"|S3", 0, {0, 0}, "csr", 3}, matrix = {"<f8", 2, {2, 3}, NULL, 48};
    EXPECT_EQ_INT(npy_header(&scalar, h, sizeof h), 128);
    EXPECT(starts_with(h + 10, "{'descr': '|S3', 'fortran_order': False, 'shape': (), }  "));
    EXPECT_EQ_INT(npy_header(&matrix, h, sizeof h), 128);
    EXPECT(starts_with(h + 10, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }  "));
    /* a 120-character dict needs a third block */
    npy_array big = {"<U1234567890123456789012345678901234567890123456789012345678901", 2, {12345, 12345}, NULL, 0};
    size_t n = npy_header(&big, h, sizeof h);
    EXPECT_EQ_INT(n, 192);
    EXPECT_EQ_INT(get16((const unsigned char *)h + 8), 182);
    EXPECT(h[190] == ' ' && h[191] == '\n');
    EXPECT_EQ_INT(npy_header(&big, h, 191), 0);
}

TEST(export_npy_file_bytes)
{
    const int32_t v[3] = {7, -1, 65536};
    npy_array a = {"<i4", 1, {3, 0}, v, sizeof v};
    outfile o;
    EXPECT_EQ_INT(outfile_open(&o, tmp_path("v.npy")), 0);
    EXPECT_EQ_INT(npy_write(&o, &a), 0);
    EXPECT_EQ_INT(outfile_commit(&o), 0);
    size_t n;
    unsigned char *b = (unsigned char *)slurp(tmp_path("v.npy"), &n);
    EXPECT_EQ_INT(n, 128 + 12);
    if (b && n == 140) {
        EXPECT_EQ_INT(get32(b + 128), 7);
        EXPECT_EQ_INT(get32(b + 132), 0xffffffffUL);
        EXPECT_EQ_INT(get32(b + 136), 65536);
    }
    free(b);
}

/* ------------------------------------------------------------ .npz */

/* Checks one local header against the member it should describe. */
static void expect_local(const unsigned char *p, const char *name, unsigned long crc, unsigned long size)
{
    size_t len = strlen(name);
    EXPECT_EQ_INT(get32(p), 0x04034b50UL);
    EXPECT_EQ_INT(get16(p + 4), 20);   /* version needed */
    EXPECT_EQ_INT(get16(p + 6), 0);    /* flags */
    EXPECT_EQ_INT(get16(p + 8), 0);    /* stored */
    EXPECT_EQ_INT(get32(p + 14), crc);
    EXPECT_EQ_INT(get32(p + 18), size);
    EXPECT_EQ_INT(get32(p + 22), size);
    EXPECT_EQ_INT(get16(p + 26), len);
    EXPECT_EQ_INT(get16(p + 28), 0);
    EXPECT(memcmp(p + 30, name, len) == 0);
}

static void expect_central(const unsigned char *p, const char *name, unsigned long crc, unsigned long size,
                           unsigned long offset)
{
    size_t len = strlen(name);
    EXPECT_EQ_INT(get32(p), 0x02014b50UL);
    EXPECT_EQ_INT(get16(p + 10), 0);   /* stored */
    EXPECT_EQ_INT(get32(p + 16), crc);
    EXPECT_EQ_INT(get32(p + 20), size);
    EXPECT_EQ_INT(get32(p + 24), size);
    EXPECT_EQ_INT(get16(p + 28), len);
    EXPECT_EQ_INT(get32(p + 42), offset);
    EXPECT(memcmp(p + 46, name, len) == 0);
}

static unsigned long member_crc(const npy_array *a)
{
    char h[256];
    size_t n = npy_header(a, h, sizeof h);
    return crc32(crc32(0, (const Bytef *)h, (uInt)n), a->data, (uInt)a->nbytes);
}

TEST(export_npz_zip_records)
{
    const int32_t v[3] = {1, 2, 3};
    const npz_entry e[2] = {{"a", {"<i4", 1, {3, 0}, v, sizeof v}}, {"format", {"|S3", 0, {0, 0}, "csr", 3}}};
    outfile o;
    EXPECT_EQ_INT(outfile_open(&o, tmp_path("t.npz")), 0);
    EXPECT_EQ_INT(npz_write(&o, e, 2), 0);
    EXPECT_EQ_INT(outfile_commit(&o), 0);
    size_t n;
    unsigned char *b = (unsigned char *)slurp(tmp_path("t.npz"), &n);
    /* a.npy: 30 + 5 + 128 + 12 bytes; format.npy: 30 + 10 + 128 + 3; directory: 46 + 5 + 46 + 10; end: 22 */
    const size_t second = 30 + 5 + 140, directory = second + 30 + 10 + 131;
    EXPECT_EQ_INT(n, directory + 107 + 22);
    if (!b || n != directory + 107 + 22) {
        free(b);
        return;
    }
    unsigned long crc_a = member_crc(&e[0].a), crc_f = member_crc(&e[1].a);
    expect_local(b, "a.npy", crc_a, 140);
    EXPECT(memcmp(b + 35 + 128, v, sizeof v) == 0);
    expect_local(b + second, "format.npy", crc_f, 131);
    EXPECT(memcmp(b + second + 40 + 128, "csr", 3) == 0);
    expect_central(b + directory, "a.npy", crc_a, 140, 0);
    expect_central(b + directory + 51, "format.npy", crc_f, 131, second);
    const unsigned char *end = b + n - 22;
    EXPECT_EQ_INT(get32(end), 0x06054b50UL);
    EXPECT_EQ_INT(get16(end + 8), 2);
    EXPECT_EQ_INT(get16(end + 10), 2);
    EXPECT_EQ_INT(get32(end + 12), 107);
    EXPECT_EQ_INT(get32(end + 16), directory);
    EXPECT_EQ_INT(get16(end + 20), 0);
    free(b);
}

/* ------------------------------------------------------------ MatrixMarket */

/* The 2 x 3 matrix [[5 0 1] [0 7 0]] as a block starting at cell 4 x cell 7. */
static const int64_t M_INDPTR[] = {0, 2, 3};
static const int32_t M_INDICES[] = {0, 2, 1}, M_COUNT[] = {5, 1, 7};
static const double M_SIZE[] = {0.1, 2.5, 12};
static const ir_pattern M_PATTERN = {2, 3, 3, M_INDPTR, M_INDICES};

static int mtx_is(export_values kind, const void *values, const char *want)
{
    export_matrix m = {"m", &M_PATTERN, kind, values, 4, 7};
    outfile o;
    int ok = outfile_open(&o, tmp_path("m.mtx")) == 0 && mtx_write(&o, &m) == 0 && outfile_commit(&o) == 0;
    return ok && text_is(tmp_path("m.mtx"), want);
}

#define MTX_COMMENT "% rows = postsynaptic cells from 4, columns = presynaptic cells from 7 (0-based rows of cells.csv)\n"

TEST(export_mtx_text)
{
    EXPECT(mtx_is(VALUES_I32, M_COUNT,
                  "%%MatrixMarket matrix coordinate integer general\n" MTX_COMMENT "2 3 3\n1 1 5\n1 3 1\n2 2 7\n"));
    EXPECT(mtx_is(VALUES_ONES, NULL,
                  "%%MatrixMarket matrix coordinate pattern general\n" MTX_COMMENT "2 3 3\n1 1\n1 3\n2 2\n"));
    /* 17 significant digits: the double reads back exactly */
    EXPECT(mtx_is(VALUES_F64, M_SIZE,
                  "%%MatrixMarket matrix coordinate real general\n" MTX_COMMENT
                  "2 3 3\n1 1 0.10000000000000001\n1 3 2.5\n2 2 12\n"));
}

/* ------------------------------------------------------------ whole exports */

/* Exports the tiny column into a fresh scratch directory named tag. */
static int export_tiny(ir *x, export_format fmt, const char *tag, const char **dir)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s", tmp_path(tag));
    *dir = path;
    int rc = tiny_compile(NULL, x), verbosity = connc_verbosity;
    connc_verbosity = 0;   /* no "wrote ..." lines among the test results */
    if (rc == CONNC_OK) rc = export_ir(x, fmt, path);
    connc_verbosity = verbosity;
    return rc;
}

static const char *in(const char *dir, const char *file)
{
    static char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return path;
}

TEST(export_csv_tiny)
{
    ir x;
    const char *dir;
    EXPECT_EQ_INT(export_tiny(&x, EXPORT_CSV, "csv", &dir), 0);
    EXPECT(text_is(in(dir, "cells.csv"), "root_id,layer,cell_type,inhibitory\n10,A,4P,0\n20,A,4P,0\n30,B,23P,0\n"
                                          "35,B,23P,0\n40,C,5P-ET,0\n45,C,5P-IT,0\n60,D,6P-IT,0\n50,,BC,1\n"
                                          "55,,MC,1\n70,,Unsure,0\n"));
    EXPECT(text_is(in(dir, "mask_B_inter.csv"), "pre_root_id,post_root_id\n10,30\n20,30\n20,35\n"));
    /* the autapse 35 -> 35 is left out of the intra-layer mask */
    EXPECT(text_is(in(dir, "mask_B_intra.csv"), "pre_root_id,post_root_id\n35,30\n30,35\n"));
    EXPECT(text_is(in(dir, "inhibition_B.csv"), "root_id,inhibition\n30,3\n35,0\n"));
    size_t n;
    char *adj = slurp(in(dir, "adjacency.csv"), &n);
    const char *head = "pre_root_id,post_root_id,count,size\n20,10,2,2\n60,10,1,2\n70,10,1,1\n10,20,1,1\n";
    EXPECT(adj && starts_with(adj, head));
    free(adj);
    EXPECT(access(in(dir, "metadata.json"), R_OK) == 0);
    ir_free(&x);
}

TEST(export_npz_tiny_files)
{
    ir x;
    const char *dir;
    static const char *const files[] = {"adjacency_count.npz", "adjacency_size.npz", "mask_A_intra.npz",
                                        "mask_B_inter.npz", "mask_D_intra.npz", "inhibition_D.npy",
                                        "cells_root_id.npy", "cells_layer.npy", "cells_type.npy",
                                        "cells_inhibitory.npy", "metadata.json"};
    EXPECT_EQ_INT(export_tiny(&x, EXPORT_NPZ, "npz", &dir), 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (access(in(dir, files[i]), R_OK) != 0) EXPECT(!"every documented file is written");
    EXPECT(access(in(dir, "mask_A_inter.npz"), F_OK) != 0);   /* the first layer has no inter mask */
    size_t n;
    char *roots = slurp(in(dir, "cells_root_id.npy"), &n);
    EXPECT_EQ_INT(n, 128 + 10 * 8);
    if (roots && n == 208) EXPECT_EQ_INT(get32((const unsigned char *)roots + 128 + 8 * 9), 70);
    free(roots);
    ir_free(&x);
}

TEST(export_rejects_bad_labels)
{
    ir x;
    EXPECT_EQ_INT(tiny_compile(NULL, &x), 0);
    if (!x.meta) return;
    ((int32_t *)x.type)[9] = 8;   /* the tiny column has 8 cell types */
    EXPECT_ERR(export_ir(&x, EXPORT_CSV, tmp_path("bad1")), CONNC_ERR_CORRUPT, "labels of cell 9");
    ((int32_t *)x.type)[9] = 7;
    strcpy(x.layers[1].name, "..");
    EXPECT_ERR(export_ir(&x, EXPORT_CSV, tmp_path("bad2")), CONNC_ERR_CORRUPT, "layer name '..'");
    EXPECT(access(tmp_path("bad1"), F_OK) != 0 && access(tmp_path("bad2"), F_OK) != 0);
    ir_free(&x);
}

TEST(export_format_names)
{
    static const char *const names[] = {"npz", "npy", "mtx", "csv", "sonata"};
    export_format f;
    for (int i = 0; i < 5; i++) {
        EXPECT_EQ_INT(export_format_parse(names[i], &f), 0);
        EXPECT_EQ_INT(f, i);
    }
    EXPECT_ERR(export_format_parse("xls", &f), CONNC_ERR_USAGE, "unknown export format 'xls'");
}

#ifdef CONNC_HAVE_HDF5

static int read_u64(hid_t f, const char *name, uint64_t *out)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    int ok = d >= 0 && H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0;
    if (d >= 0) H5Dclose(d);
    return ok;
}

/* Every node's ranges in an edge index cover exactly the edges naming it. */
static int index_matches(hid_t f, const char *group, const uint64_t *node, size_t nedges, size_t nnodes)
{
    char name[160];
    uint64_t slice[10][2], runs[64][2];
    snprintf(name, sizeof name, "%s/node_id_to_ranges", group);
    int ok = nnodes == 10 && read_u64(f, name, &slice[0][0]);
    snprintf(name, sizeof name, "%s/range_to_edge_id", group);
    ok = ok && read_u64(f, name, &runs[0][0]);
    for (size_t k = 0; ok && k < nnodes; k++) {
        size_t covered = 0, naming = 0;
        for (uint64_t r = slice[k][0]; r < slice[k][1]; r++)
            for (uint64_t e = runs[r][0]; e < runs[r][1]; e++) {
                ok &= e < nedges && node[e] == k;
                covered++;
            }
        for (size_t e = 0; e < nedges; e++) naming += node[e] == k;
        ok &= covered == naming;
    }
    return ok;
}

static unsigned read_magic(hid_t f)
{
    unsigned magic = 0;
    hid_t a = H5Aopen(f, "magic", H5P_DEFAULT);
    if (a >= 0) {
        if (H5Aread(a, H5T_NATIVE_UINT, &magic) < 0) magic = 0;
        H5Aclose(a);
    }
    return magic;
}

/* Reads the tiny column's SONATA files back; the edges are the adjacency
 * entries in row order (test_compile.c lists them). */
static void expect_sonata_tiny(const char *dir)
{
    uint64_t roots[10], src[21], tgt[21];
    hid_t f = H5Fopen(in(dir, "nodes.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    EXPECT(f >= 0 && read_u64(f, "/nodes/column/0/root_id", roots));
    EXPECT(f >= 0 && read_magic(f) == 0x0A7A);
    if (f >= 0) H5Fclose(f);
    EXPECT(roots[0] == 10 && roots[6] == 60 && roots[9] == 70);
    f = H5Fopen(in(dir, "edges.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
    EXPECT(f >= 0 && read_u64(f, "/edges/column_to_column/source_node_id", src) &&
           read_u64(f, "/edges/column_to_column/target_node_id", tgt));
    /* edges 4..8 enter cell 2 (root 30) from cells 0, 1, 3, 7, 8 */
    EXPECT(tgt[3] == 1 && tgt[4] == 2 && tgt[8] == 2 && tgt[9] == 3 && tgt[20] == 8);
    EXPECT(src[4] == 0 && src[5] == 1 && src[6] == 3 && src[7] == 7 && src[8] == 8);
    EXPECT(index_matches(f, "/edges/column_to_column/indices/source_to_target", src, 21, 10));
    EXPECT(index_matches(f, "/edges/column_to_column/indices/target_to_source", tgt, 21, 10));
    if (f >= 0) H5Fclose(f);
}

#endif

/* With HDF5 the files read back; without it the export is refused before
 * anything is written. */
TEST(export_sonata)
{
    ir x;
    const char *dir;
#ifdef CONNC_HAVE_HDF5
    EXPECT_EQ_INT(export_tiny(&x, EXPORT_SONATA, "sonata", &dir), 0);
    expect_sonata_tiny(dir);
#else
    EXPECT_ERR(export_tiny(&x, EXPORT_SONATA, "sonata", &dir), CONNC_ERR_UNSUPPORTED, "HDF5");
    EXPECT(access(dir, F_OK) != 0);
#endif
    ir_free(&x);
}
