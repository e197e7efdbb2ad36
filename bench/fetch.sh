#!/bin/sh
# fetch.sh: wall time and rows per second of `connc fetch` of the whole
# shipped column through the CAVE emulator (tests/cave_emulator.py on
# 127.0.0.1, the server's default 200,000-row cap, gzip), each run with an
# empty cache, as the median of N runs (with min and max) after one warm-up
# run; and of the same fetch answered from the cache (--offline).  Appends
# one dated row per figure to docs/BENCHMARKS.md.  The emulator is Python:
# the figure bounds the client from below, a real server is slower.
set -e
CONNC=${CONNC:-bin/connc}
N=${N:-5}
PY=/usr/bin/python3
FIX=${SHARED:-../shared}/cave/fixtures
if [ ! -x "$PY" ] || [ ! -d "$FIX" ]; then
    echo "bench/fetch.sh: needs $PY and $FIX; skipped"
    exit 0
fi
OUT=$(mktemp -d /tmp/connc-bench-XXXXXX)
EMU=""
trap 'if [ -n "$EMU" ]; then kill "$EMU" 2>/dev/null || true; fi; rm -rf "$OUT"' EXIT
TOKEN=0123456789abcdef0123456789abcdef
printf '{"token": "%s"}\n' "$TOKEN" >"$OUT/token.json"
"$PY" tests/cave_emulator.py --fixtures "$FIX" --port-file "$OUT/port" --token "$TOKEN" --time-limit 600 \
    >"$OUT/emu.out" 2>&1 &
EMU=$!
i=0
while [ ! -s "$OUT/port" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
URL="http://127.0.0.1:$(cat "$OUT/port")"

fetch() { # fetch CACHE [OPTIONS]
    c=$1; shift
    "$CONNC" -q fetch --server "$URL" --insecure --token-file "$OUT/token.json" --cache "$c" -o "$OUT/col" "$@"
}
# times N runs of CMD (a fresh cache each unless CACHE is given); prints "median min max"
timed() {
    i=0
    while [ $i -lt "$N" ]; do
        rm -rf "$OUT/cache-$i"
        s=$(date +%s.%N)
        "$@" "$OUT/cache-$i" >/dev/null 2>&1
        e=$(date +%s.%N)
        awk "BEGIN { print $e - $s }"
        i=$((i + 1))
    done | sort -g | awk '{v[NR] = $1} END {printf "%.3f %.3f %.3f\n", v[int((NR + 1) / 2)], v[1], v[NR]}'
}
fetch_fresh() { fetch "$1"; }
fetch_cached() { fetch "$OUT/warm" --offline; }

fetch "$OUT/warm"       # warm-up: the emulator renders its rows once; this cache serves --offline
rows=$(($(wc -l <"$OUT/col/synapses.csv") - 1))
cells=$(($(wc -l <"$OUT/col/cells.csv") - 1))
fresh=$(timed fetch_fresh)
cached=$(timed fetch_cached)

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
date=$(date -u +%Y-%m-%d)
set -- $fresh
rate=$(awk "BEGIN { printf \"%.0f\", $rows / $1 }")
printf '| %s | %s | fetch, shipped column through the CAVE emulator (%s synapse + %s cell rows, 200k-row cap, gzip, empty cache): %s synapse rows/s | %s s | %s s | %s s | %s |\n' \
    "$date" "$cpu" "$rows" "$cells" "$rate" "$1" "$2" "$3" "$N" >> docs/BENCHMARKS.md
set -- $cached
rate=$(awk "BEGIN { printf \"%.0f\", $rows / $1 }")
printf '| %s | %s | fetch --offline, the same column answered from the cache (checksums verified): %s synapse rows/s | %s s | %s s | %s s | %s |\n' \
    "$date" "$cpu" "$rate" "$1" "$2" "$3" "$N" >> docs/BENCHMARKS.md
tail -2 docs/BENCHMARKS.md
