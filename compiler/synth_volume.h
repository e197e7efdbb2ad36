/* synth_volume.h: synthetic whole-volume tables (`connc synth --volume`),
 * to test and time the out-of-core compile (stream.h) at the scale of the
 * whole minnie65 volume (~200 000 cells, over 300 million synapses)
 * without its tables, which this project cannot download.
 *
 * The model is fitted to a reference column (the shipped one; its numbers
 * are in docs/VOLUME.md) and scaled to N cells and S synapses:
 *   cells        types in the reference's proportions (largest remainders),
 *                type after type, root ids as `connc synth` gives them;
 *   out-degree   cell i of type t gets a weight exp(mu_t + sigma_t Z) (0
 *                with the share of type t's reference cells that have no
 *                synapse out), mu_t and sigma_t the maximum-likelihood
 *                log-normal fit of the out-degrees (synapses) of type t's
 *                reference cells; the S synapses are shared out in
 *                proportion to the weights, so the shape of the out-degree
 *                distribution is the reference's and its scale S / N;
 *   connections  a cell's synapses come in connections whose synapse counts
 *                follow the reference's distribution (the last one trimmed);
 *   targets      a connection's postsynaptic type is drawn with the share of
 *                the presynaptic type's reference synapses that go to it,
 *                the cell within that type with probability proportional to
 *                its in-weight, drawn as the out-weight from the in-degrees;
 *                never the presynaptic cell itself, unless it is alone in
 *                its type;
 *   sizes        log-normal, the maximum-likelihood fit of the reference's
 *                sizes, rounded to a whole number of voxels in [1, 1e9].
 * Random numbers: rng.h, the weights from stream 0, the synapses of cell i
 * from stream 16 + i, so a seed gives the same bytes on every machine (and
 * the cells' synapses could be drawn in parallel).
 */
#ifndef CONNC_SYNTH_VOLUME_H
#define CONNC_SYNTH_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#define VOLUME_SCHEMA "connc-synth-volume/1"
#define VOLUME_DEFAULT_CELLS 200000u
#define VOLUME_DEFAULT_SYNAPSES 300000000ull
#define VOLUME_MAX_SYNAPSES_PER_CONNECTION 1000u  /* longer connections of the reference count as this */

/* A cell type of the reference. */
typedef struct {
    char *name;                           /* cell_type as written (owned) */
    double share;                         /* of the reference's cells */
    double out_mu, out_sigma, out_zero;   /* out-degree fit; share of cells with none */
    double in_mu, in_sigma, in_zero;      /* in-degree, the same */
} volume_type;

typedef struct {
    volume_type *types;
    size_t ntypes;
    double *target;          /* ntypes x ntypes: [a * ntypes + b] share of type a's synapses onto type b */
    double *mult;            /* mult[k - 1]: share of connections with k synapses */
    size_t nmult;
    double size_mu, size_sigma;
    uint64_t ref_cells, ref_synapses, ref_connections;
} volume_model;

typedef struct {
    uint64_t ncells, nsynapses, seed;
    const char *like;        /* the reference column's directory (recorded) */
} volume_options;

/* Fits the model to the reference column in directory dir: its cells.csv
 * and synapses.csv.gz (or synapses.csv), which must have sizes. */
int volume_fit(const char *dir, volume_model *m);
void volume_model_free(volume_model *m);

/* Writes cells.csv, synapses.csv (pre_pt_root_id, post_pt_root_id, size;
 * plain CSV, for speed) and provenance.json (options and fitted model) into
 * dir (created if missing), each atomically. */
int volume_write(const volume_model *m, const volume_options *o, const char *dir);

#endif
