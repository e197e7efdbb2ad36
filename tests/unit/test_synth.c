/* test_synth.c: the random numbers, estimators and generator of `connc synth`. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "files.h"
#include "rng.h"
#include "synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ rng */

TEST(synth_rng_known_values)
{
    /* splitmix64 from state 0 and xoshiro256** from state {1, 2, 3, 4}:
     * the reference values of the authors' C code */
    uint64_t x = 0;
    EXPECT(splitmix64_next(&x) == 0xe220a8397b1dcdafULL);
    EXPECT(splitmix64_next(&x) == 0x6e789e6aa1b965f4ULL);
    EXPECT(splitmix64_next(&x) == 0x06c45d188009454fULL);
    rng_state r = {{1, 2, 3, 4}};
    EXPECT(rng_u64(&r) == 11520u);
    EXPECT(rng_u64(&r) == 0u);
    EXPECT(rng_u64(&r) == 1509978240u);
    EXPECT(rng_u64(&r) == 1215971899390074240ULL);
    /* rng_init_stream, the seeding rule of rng.h (computed independently in Python) */
    rng_init_stream(&r, 1718, 0);
    EXPECT(rng_u64(&r) == 0x82faf3e28a30d3a8ULL);
    EXPECT(rng_u64(&r) == 0x509636618184e471ULL);
    rng_init_stream(&r, 1718, 5);
    EXPECT(rng_u64(&r) == 0x85dd04a8dc906839ULL);
}

TEST(synth_portable_log_exp)
{
    EXPECT(rng_log(1) == 0);
    EXPECT(rng_exp(0) == 1);
    for (double x = 1e-300; x < 1e300; x *= 7.3) EXPECT_NEAR(rng_log(x) / log(x), 1, 1e-15);
    for (double x = -700; x < 700; x += 0.77) EXPECT_NEAR(rng_exp(x) / exp(x), 1, 4e-15);
    EXPECT(rng_exp(1000) == HUGE_VAL);
    EXPECT(rng_exp(-1000) == 0);
}

TEST(synth_rng_distributions)
{
    rng_state r;
    rng_init_stream(&r, 42, 0);
    enum { N = 200000 };
    double sn = 0, sn2 = 0, se = 0;
    long bins[3] = {0, 0, 0};
    for (int i = 0; i < N; i++) {
        double z = rng_normal(&r), u = rng_double(&r);
        sn += z;
        sn2 += z * z;
        se += rng_exponential(&r);
        bins[rng_index(&r, 3)]++;
        EXPECT(u >= 0 && u < 1);
    }
    /* tolerances are about 5 standard errors */
    EXPECT_NEAR(sn / N, 0, 0.012);
    EXPECT_NEAR(sn2 / N, 1, 0.016);
    EXPECT_NEAR(se / N, 1, 0.012);
    for (int k = 0; k < 3; k++) EXPECT_NEAR(bins[k] / (double)N, 1.0 / 3, 0.006);
}

/* ------------------------------------------------------------ estimators */

TEST(synth_lognormal_mle)
{
    /* ln x = 0, 1, 2: mu = 1, sigma^2 = (1 + 0 + 1) / 3 */
    double x[3] = {1, exp(1), exp(2)}, mu, sigma;
    synth_fit_lognormal(x, 3, &mu, &sigma);
    EXPECT_NEAR(mu, 1, 1e-14);
    EXPECT_NEAR(sigma, sqrt(2.0 / 3), 1e-14);
    /* the 23 real sizes of connectomes/README.md §4 (reference: Python) */
    double real[23] = {2956, 344, 344, 13816, 10436, 1344, 7128, 6572, 2100, 492, 6068, 964,
                       260, 7164, 14460, 1080, 420, 4832, 3176, 412, 14020, 5372, 4880};
    synth_fit_lognormal(real, 23, &mu, &sigma);
    EXPECT_NEAR(mu, 7.78236599379506, 1e-12);
    EXPECT_NEAR(sigma, 1.3278032459420797, 1e-12);
}

TEST(synth_propensity_sigma)
{
    /* degrees 1 and 9: m = 5, s^2 = 32, excess = (32 - 5) / 25 = 1.08 */
    uint64_t d[2] = {1, 9};
    EXPECT_NEAR(synth_fit_propensity_sigma(d, 2), sqrt(log(2.08)), 1e-14);
    /* no dispersion beyond Poisson noise, or too few cells: 0 */
    uint64_t flat[4] = {2, 2, 2, 2};
    EXPECT(synth_fit_propensity_sigma(flat, 4) == 0);
    EXPECT(synth_fit_propensity_sigma(d, 1) == 0);
}

TEST(synth_proxy_rates)
{
    /* A (3 cells) and C (2) in the matrix; B (2 cells) takes A's rates */
    synth_type t[3] = {{"A", "x", 3, 0, 0, 0}, {"B", "x", 2, 0, 0, 0}, {"C", "x", 2, 0, 0, 2}};
    uint64_t mat[9] = {12, 0, 6, 0, 0, 0, 3, 0, 2};
    synth_model m;
    memset(&m, 0, sizeof m);
    m.types = t;
    m.ntypes = 3;
    m.matrix = mat;
    synth_fill_proxies(&m);
    /* rates per ordered pair: A->A 12/6 = 2, A->C 6/6 = 1, C->A 3/6 = 0.5 */
    EXPECT_EQ_INT(mat[0 * 3 + 1], 12); /* A->B: 2 x 3 x 2 */
    EXPECT_EQ_INT(mat[1 * 3 + 0], 12); /* B->A: 2 x 2 x 3 */
    EXPECT_EQ_INT(mat[1 * 3 + 1], 4);  /* B->B: 2 x 2 x 1 */
    EXPECT_EQ_INT(mat[1 * 3 + 2], 4);  /* B->C: 1 x 2 x 2 */
    EXPECT_EQ_INT(mat[2 * 3 + 1], 2);  /* C->B: 0.5 x 2 x 2 */
    EXPECT_EQ_INT(mat[0], 12);         /* given entries stay */
    EXPECT_EQ_INT(mat[2 * 3 + 2], 2);
}

/* ------------------------------------------------------------ generator */

/* A tiny model: A->B asks for more synapses (40) than A x B has pairs (15). */
static void tiny_inputs(synth_options *o, const char *matrix)
{
    synth_options_default(o);
    o->types = tmp_file("types.csv", "cell_type,count,classification_system,depth_min_um,depth_max_um\n"
                                     "A,5,aibs_coarse_excitatory,100,200\nB,3,aibs_coarse_inhibitory,0,900\n"
                                     "C,1,aibs_coarse_excitatory,900,950\n");
    o->matrix = tmp_file("matrix.csv", matrix);
    o->reference = tmp_file("ref.csv", "pre,post\n1,2\n1,2\n1,3\n2,3\n3,1\n3,1\n3,1\n4,4\n");
    o->sizes = tmp_file("sizes.csv", "size\n100\n1000\n10000\n");
    o->seed = 7;
}

static const char *tiny_matrix = "pre_cell_type,A,B,C\nA,3,40,2\nB,7,0,0\nC,4,1,0\n";

TEST(synth_exact_block_totals)
{
    synth_options o;
    synth_model m;
    synth_column c;
    tiny_inputs(&o, tiny_matrix);
    EXPECT_EQ_INT(synth_model_load(&o, &m), CONNC_OK);
    EXPECT_EQ_INT(m.ref_autapses, 1);
    EXPECT_EQ_INT(m.ref_connections, 4);
    EXPECT_EQ_INT(m.mult_max, 3);
    EXPECT_EQ_INT(synth_generate(&m, &o, &c), CONNC_OK);
    uint64_t got[9] = {0};
    for (size_t k = 0; k < c.nconn; k++) {
        EXPECT(c.pre[k] != c.post[k]);
        if (k) EXPECT(c.pre[k - 1] < c.pre[k] || (c.pre[k - 1] == c.pre[k] && c.post[k - 1] < c.post[k]));
        got[c.type[c.pre[k]] * 3 + c.type[c.post[k]]] += c.mult[k];
    }
    for (int i = 0; i < 9; i++) EXPECT_EQ_INT(got[i], m.matrix[i]);
    EXPECT_EQ_INT(c.nsyn, 57);
    /* A->B is saturated: all 15 pairs connected */
    size_t ab = 0;
    for (size_t k = 0; k < c.nconn; k++) ab += c.type[c.pre[k]] == 0 && c.type[c.post[k]] == 1;
    EXPECT_EQ_INT(ab, 15);
    for (size_t s = 0; s < c.nsyn; s++) EXPECT(c.size[s] >= 1);
    synth_column_free(&c);
    synth_model_free(&m);
}

static int write_column(synth_options *o, const char *dir)
{
    synth_model m;
    synth_column c;
    int rc = synth_model_load(o, &m);
    if (rc == CONNC_OK && (rc = synth_generate(&m, o, &c)) == CONNC_OK) {
        rc = synth_write(&m, o, &c, tmp_path(dir));
        synth_column_free(&c);
    }
    if (rc == CONNC_OK) synth_model_free(&m);
    return rc;
}

TEST(synth_determinism)
{
    synth_options o;
    tiny_inputs(&o, tiny_matrix);
    EXPECT_EQ_INT(write_column(&o, "run1"), CONNC_OK);
    EXPECT_EQ_INT(write_column(&o, "run2"), CONNC_OK);
    o.seed = 8;
    EXPECT_EQ_INT(write_column(&o, "run3"), CONNC_OK);
    static const char *const files[] = {"cells.csv", "synapses.csv.gz", "type_matrix.csv", "provenance.json"};
    char a[64], b[64], d[64];
    for (int i = 0; i < 4; i++) {
        snprintf(a, sizeof a, "run1/%s", files[i]);
        snprintf(b, sizeof b, "run2/%s", files[i]);
        EXPECT(same_file(tmp_path(a), tmp_path(b)));
    }
    snprintf(a, sizeof a, "run1/synapses.csv.gz");
    snprintf(d, sizeof d, "run3/synapses.csv.gz");
    EXPECT(!same_file(tmp_path(a), tmp_path(d)));
    /* the effective matrix is written in the calibration layout */
    size_t n;
    char *text = slurp(tmp_path("run1/type_matrix.csv"), &n);
    EXPECT(text && n == strlen("pre_cell_type,A,B,C\nA,3,40,2\nB,7,0,0\nC,4,1,0\n") &&
           memcmp(text, "pre_cell_type,A,B,C\nA,3,40,2\nB,7,0,0\nC,4,1,0\n", n) == 0);
    free(text);
}

TEST(synth_bad_inputs)
{
    synth_options o;
    synth_model m;
    synth_proxy px = {"C", "A"};
    tiny_inputs(&o, tiny_matrix);
    o.types = tmp_file("t1.csv", "cell_type,classification_system,depth_min_um,depth_max_um\nA,x,0,1\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "missing column 'count'");
    o.types = tmp_file("t2.csv", "cell_type,count,classification_system,depth_min_um,depth_max_um\nA,-5,x,0,1\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "t2.csv:2: field 'count'");
    tiny_inputs(&o, "pre_cell_type,A,B,D\nA,1,1,1\nB,1,1,1\nD,1,1,1\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "column 'D': cell type not in");
    tiny_inputs(&o, "pre_cell_type,A,B,C\nA,1,1,1\nB,1,1,1\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "not square: cell type 'C' has a column but no row");
    tiny_inputs(&o, "pre_cell_type,A,B\nA,1,1\nB,1,1\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "cell type 'C' of");
    o.proxies = &px;
    o.nproxies = 1;
    EXPECT_EQ_INT(synth_model_load(&o, &m), CONNC_OK);
    synth_model_free(&m);
    tiny_inputs(&o, "pre_cell_type,A,B,C\nA,1,1,1\nB,1,1,1\nC,1,1,5\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "single cell");
    tiny_inputs(&o, "pre_cell_type,A,B,C\nA,1,x,1\nB,1,1,1\nC,1,1,0\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "matrix.csv:2: field 'B'");
    tiny_inputs(&o, tiny_matrix);
    o.sizes = tmp_file("s1.csv", "size\n10\n0\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "s1.csv:3: field 'size'");
    o.sizes = tmp_file("s2.csv", "size\n10\n");
    o.reference = tmp_file("r1.csv", "from,to\n1,2\n");
    EXPECT_ERR(synth_model_load(&o, &m), CONNC_ERR_FORMAT, "missing columns 'pre' and 'post'");
}
