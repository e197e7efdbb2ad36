/* stream.h: the out-of-core compile: a synapse table of any size in
 * bounded memory, compiled to the same IR, byte for byte, as in memory.
 *
 * Pass 1 reads the table in chunks (synapses_stream); each chunk is
 * grouped by postsynaptic cell (adjacency_group) and appended to a scratch
 * file, the offset of each cell's run to a second one.  Pass 2 takes the
 * rows (postsynaptic cells) in blocks that fit in memory, gathers each
 * block's runs from every chunk and adds the rows as compile_column does
 * (compile_rows); the adjacency and the masks go to scratch files, which
 * ir_write copies into the IR.  Scratch files are unlinked as soon as they
 * are created (scratch_open), so none is left behind, however the process
 * ends.  A table small enough is compiled in memory (compile_column).
 */
#ifndef CONNC_STREAM_H
#define CONNC_STREAM_H

#include "compile.h"

/* What the program holds besides the synapse buffers: itself and its
 * libraries, table readers, scratch file buffers; and per cell (cell table,
 * its index, the IR's cell arrays, row pointers, per-cell counts). */
#define STREAM_FIXED_BYTES (32ull << 20)
#define STREAM_CELL_BYTES 256u
/* Synapse buffers smaller than this are no use. */
#define STREAM_MIN_BUFFER (256u << 10)

typedef struct {
    size_t chunk;          /* synapses per chunk of pass 1 (>= 2) */
    uint64_t block_bytes;  /* memory for a block of pass 2: 8 bytes per synapse
                            * in the block and 28 per synapse of its longest row */
    size_t in_memory;      /* a table of at most this many synapses, read in
                            * one chunk, is compiled in memory */
    const char *dir;       /* where the scratch files go */
    uint64_t split_bytes;  /* plain tables this large are read in two threads */
} stream_plan;

/* The plan for a compile of ncells cells in mem bytes in all: memory for
 * pass 1 takes 20 bytes per synapse of a chunk (the synapses read and
 * grouped), compile_column about 40 per synapse.  CONNC_ERR_LIMIT when mem
 * is too small for the cells. */
int stream_plan_for(uint64_t mem, size_t ncells, const char *dir, stream_plan *out);

/* Reads the synapse table at path and compiles it with the cells, as
 * compile_column does, in memory or out of core as the plan says.  *syn
 * gets the table's counts (n: the synapses in the column), no arrays. */
int compile_stream(const cell_table *cells, const char *path, const mapping *map, const compile_options *opt,
                   const stream_plan *plan, synapse_list *syn, ir *out);

#endif
