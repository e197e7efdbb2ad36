/* ir_plot.h: pictures of a compiled connectome (`connc inspect --plot DIR`).
 *
 * Writes four SVG files into dir (created if missing), each atomically:
 *   layers.svg      the layers as boxes (cells, inhibitory share) with their
 *                   inter-layer masks as arrows and intra-layer masks as
 *                   loops, each labelled with its nonzeros and density;
 *   masks.svg       every mask as a raster, postsynaptic rows down,
 *                   presynaptic columns across; a large mask is drawn in
 *                   blocks shaded by the share of their entries kept;
 *   degrees.svg     histograms of in-degree and out-degree (distinct
 *                   partners in the adjacency) and of the mean synapse size
 *                   per connection (log10; when the IR has sizes);
 *   inhibition.svg  each layer's inhibition vector I_L, sorted, one panel
 *                   per layer.
 */
#ifndef CONNC_IR_PLOT_H
#define CONNC_IR_PLOT_H

#include "ir.h"

int ir_plot(const ir *x, const char *dir);

#endif
