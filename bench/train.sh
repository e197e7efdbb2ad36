#!/bin/sh
# train.sh: wall time of one training epoch of the default BioNIC network on
# the full FER-2013 Training split (28,709 images, augmentation on, batch 32)
# with 2 threads, its throughput and the run's peak resident memory; median
# of N epochs (with min and max), appended to docs/BENCHMARKS.md.  Needs the full data set: $FER2013 or
# ../shared/data/fer2013.csv.gz; skipped (with a note) without it.
set -e
CONNC=${CONNC:-bin/connc}
N=${N:-3}
DATA=${FER2013:-../shared/data/fer2013.csv.gz}
COL=connectomes/minnie65_v1_column_synth
if [ ! -f "$DATA" ]; then
    echo "bench/train.sh: no full FER-2013 at $DATA (set FER2013); skipped"
    exit 0
fi
OUT=$(mktemp -d /tmp/connc-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$OUT/c.cir"
"$CONNC" -q emit "$OUT/c.cir" -o "$OUT/c.cnet"
"$CONNC" -q data --data "$DATA" >/dev/null   # build the parsed-data cache first
/usr/bin/time -f "%M" -o "$OUT/rss" "$CONNC" -q train "$OUT/c.cnet" --data "$DATA" --epochs "$N" --threads 2 -o "$OUT/run"
rss=$(($(cat "$OUT/rss") / 1024))
# per-epoch seconds include the PublicTest evaluation; report both
stats=$(/usr/bin/python3 - "$OUT/run/metrics.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
s = sorted(e["seconds"] for e in m["epochs"])
print("%.1f %.1f %.1f %.0f" % (s[len(s) // 2], s[0], s[-1], 28709 / s[len(s) // 2]))
PY
)
set -- $stats
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
printf '| %s | %s | training epoch, full FER-2013 (28,709 images + PublicTest eval), batch 32, 2 threads (%s img/s; peak RSS of the run %s MiB) | %s s | %s s | %s s | %s |\n' \
    "$(date -u +%Y-%m-%d)" "$cpu" "$4" "$rss" "$1" "$2" "$3" "$N" >> docs/BENCHMARKS.md
tail -1 docs/BENCHMARKS.md
