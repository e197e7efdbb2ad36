/* synth.h: calibrated synthetic connectomes (`connc synth`, null models).
 *
 * No row-level table of the minnie65 V1 column is publicly reachable, so the
 * shipped column is made from type-level statistics (connectomes/
 * minnie65_v1_column_synth/README.md documents every choice).  The model:
 *
 *   cells     per-type counts (TYPES file); soma depth uniform inside the
 *             type's depth range, x/z uniform in a square column;
 *   synapses  the exact number S(a,b) from presynaptic type a onto
 *             postsynaptic type b (MATRIX file, the calibration layout), so
 *             type-to-type counts equal the matrix with tolerance 0;
 *   wiring    in each (a,b) block the connected ordered pairs (no autapses)
 *             are drawn without replacement with probability proportional to
 *             out(pre) x in(post), per-cell log-normal propensities whose
 *             sigmas are fitted to the degree dispersion of a real graph
 *             (REFERENCE file); synapses per connection are drawn from that
 *             graph's empirical distribution and trimmed to sum to S;
 *   sizes     log-normal, mu and sigma fitted by maximum likelihood to real
 *             synapse sizes (SIZES file).
 *
 * Types of TYPES absent from MATRIX take their row and column from a proxy
 * type at the proxy's per-pair rate (synth_fill_proxies).  Output: the CAVE
 * layouts of PROTOCOL.md §9 (synth_write).  Random numbers: rng.h, so a seed
 * gives the same bytes on every machine.
 */
#ifndef CONNC_SYNTH_H
#define CONNC_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#define SYNTH_SCHEMA "connc-synth/1"

/* Synthetic identifiers, chosen so that they cannot be mistaken for real
 * ones: MICrONS root ids start 864691... (minnie65) or 648518346...
 * (pinky100), nucleus ids have 6 digits, synapse ids at most 10. */
#define SYNTH_ROOT_ID_BASE 990000000000000000ULL  /* root ids: base + 1 ... base + ncells (18 digits, > 2^53) */
#define SYNTH_NUCLEUS_ID_BASE 900000000ULL        /* nucleus ids: base + 1 ... (9 digits) */
#define SYNTH_SYNAPSE_ID_BASE 90000000000ULL      /* synapse ids: base + 1 ... (11 digits) */

#define SYNTH_MAX_CELLS 100000000u        /* keeps root ids inside their range */
#define SYNTH_MAX_SYNAPSES 2000000000ull
#define SYNTH_MAX_SIZE 1e9                /* largest synapse size written (voxels) */
/* Progress is reported for columns at least this large (the shipped column,
 * ~144 000 synapses, takes about a second). */
#define SYNTH_PROGRESS_MIN_SYNAPSES 1000000u

typedef struct {
    char *name;             /* cell_type as written in TYPES */
    char *classification;   /* classification_system */
    uint32_t count;
    double depth_min_um, depth_max_um;
    int proxy;              /* type whose matrix row/column stands in for this one; own index if in MATRIX */
} synth_type;

/* "TYPE=PROXY" from the command line. */
typedef struct {
    const char *type, *proxy;
} synth_proxy;

typedef struct {
    double origin_um[3];    /* where the column axis meets the pia (dataset frame); soma y = origin y + depth */
    double width_um;        /* side of the square column cross-section (x and z) */
    double spread_um;       /* synapse centres: uniform in a cube of this half-width around the postsynaptic soma */
} synth_geometry;

typedef struct {
    const char *types, *matrix, *reference, *sizes;  /* input files */
    const synth_proxy *proxies;
    size_t nproxies;
    const char *matrix_source;  /* free text for provenance.json, or NULL */
    synth_geometry geometry;
    uint64_t seed;
} synth_options;

typedef struct {
    synth_type *types;
    size_t ntypes;
    uint64_t *matrix;           /* ntypes x ntypes synapse counts, [pre * ntypes + post], proxies filled */
    uint64_t total_synapses;
    /* from the reference graph */
    uint64_t *mult_hist;        /* mult_hist[k]: connections with k synapses, k = 1..mult_max */
    uint32_t mult_max;
    uint64_t ref_synapses, ref_connections, ref_autapses;
    size_t ref_pre_cells, ref_post_cells;
    double sigma_out, sigma_in; /* log-normal propensity sigmas */
    /* from the sizes */
    size_t nsizes;
    double size_mu, size_sigma;
} synth_model;

/* Generated column.  Cells are numbered in TYPES order (type by type);
 * connections are sorted by (pre, post); synapse s belongs to the connection
 * whose running multiplicity covers it. */
typedef struct {
    size_t ncells;
    uint32_t *type;
    int32_t *position;          /* 3 per cell: soma, voxels of 4 x 4 x 40 nm */
    double *out_w, *in_w;       /* propensities */
    size_t nconn;
    uint32_t *pre, *post, *mult;
    size_t nsyn;
    uint32_t *size;             /* cleft voxels */
    int32_t *centre;            /* 3 per synapse, voxels */
} synth_column;

void synth_options_default(synth_options *o);

/* Reads and validates the four inputs and fits the model (synth_read.c). */
int synth_model_load(const synth_options *o, synth_model *m);
void synth_model_free(synth_model *m);

/* Draws a column (synth.c). */
int synth_generate(const synth_model *m, const synth_options *o, synth_column *out);
void synth_column_free(synth_column *c);

/* Writes cells.csv, synapses.csv.gz, type_matrix.csv and provenance.json
 * into dir (created if missing), each atomically (synth_write.c). */
int synth_write(const synth_model *m, const synth_options *o, const synth_column *c, const char *dir);

/* ---- estimators (synth_fit.c), exposed for the unit tests ---- */

/* Maximum-likelihood log-normal fit: mu = mean of ln x, sigma^2 = mean of
 * (ln x - mu)^2 (divisor n).  x > 0, n >= 1. */
void synth_fit_lognormal(const double *x, size_t n, double *mu, double *sigma);
/* Propensity sigma from the degrees of n cells (see synth_fit.c). */
double synth_fit_propensity_sigma(const uint64_t *degree, size_t n);
/* Fills the rows and columns of proxied types (see synth_fit.c). */
void synth_fill_proxies(synth_model *m);
/* Ordered pairs of distinct cells in block (a, b). */
uint64_t synth_pairs(const synth_model *m, size_t a, size_t b);

#endif
