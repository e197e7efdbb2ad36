#!/bin/sh
# convert.sh [SRC_DIR [OUT_DIR]]: the pinky100 L2/3 graph (MicronsBinder
# layout: soma.csv, synapses.csv) -> CAVE layouts (PROTOCOL.md §9):
#   cells.csv     id,valid,pt_root_id,cell_type,classification_system,
#                 pt_position_x,pt_position_y,pt_position_z,manual_id,axon_len_um,dendrite_len_um
#   synapses.csv  pre_pt_root_id,post_pt_root_id  (the source has no sizes)
# Root ids are copied as text (never through a number).  Positions: `loc` is
# "[x y z]" in nm (every value is a multiple of 4, 4 and 40), converted to
# voxels of 4 x 4 x 40 nm.  id is the 1-based row number of soma.csv (the
# source has no annotation ids; manual_id is kept but is -1 for 7 cells).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../shared/connectomes/pinky100_l23_pyc}
out=${2:-$here}
export LC_ALL=C

[ "$(head -n 1 "$src/soma.csv")" = "segmentation,segment_id,manual_id,loc,axon_len,dendrite_len" ] ||
    { echo "convert.sh: $src/soma.csv: unexpected header" >&2; exit 1; }
[ "$(head -n 1 "$src/synapses.csv")" = "pre,post" ] ||
    { echo "convert.sh: $src/synapses.csv: unexpected header" >&2; exit 1; }

awk -F, '
NR == 1 { print "id,valid,pt_root_id,cell_type,classification_system,pt_position_x,pt_position_y,pt_position_z,manual_id,axon_len_um,dendrite_len_um"; next }
{
    loc = $4; gsub(/[][]/, "", loc)
    if (split(loc, p, " ") != 3) { print FILENAME ":" NR ": field loc: expected [x y z]" > "/dev/stderr"; exit 1 }
    if (p[1] % 4 || p[2] % 4 || p[3] % 40) { print FILENAME ":" NR ": field loc: not on the 4x4x40 nm grid" > "/dev/stderr"; exit 1 }
    printf "%d,t,%s,23P,aibs_coarse_excitatory,%d,%d,%d,%s,%s,%s\n", NR - 1, $2, p[1] / 4, p[2] / 4, p[3] / 40, $3, $5, $6
}' "$src/soma.csv" > "$out/cells.csv.tmp"

{ echo "pre_pt_root_id,post_pt_root_id"; tail -n +2 "$src/synapses.csv"; } > "$out/synapses.csv.tmp"
mv "$out/cells.csv.tmp" "$out/cells.csv"
mv "$out/synapses.csv.tmp" "$out/synapses.csv"
