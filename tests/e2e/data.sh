#!/bin/sh
# data.sh: `connc data` - the FER-2013 reader, its cache and its error messages.
. tests/lib.sh

SAMPLE=examples/data/fer2013_sample.csv.gz
unset FER2013 # the default data set is the sample
FULL=$SHARED/data/fer2013.csv.gz

# no_files NAME DIR: DIR is missing or empty (no cache, no temporary file).
no_files() {
    if [ -z "$(ls -A "$2" 2>/dev/null)" ]; then pass "$1"; else fail "$1" "left: $(ls -A "$2" | head -3)"; fi
}

# table FILE: the counts table of a `connc data` output.
table() { sed -n '/^split /,$p' "$1"; }

# ---- the shipped sample: stratified counts (examples/data/README.md)
expect_ok sample "$CONNC" data --cache-dir "$T/c"
cp "$T/out" "$T/sample.out"
cat >"$T/want" <<'EOF'
split           Angry  Disgust     Fear    Happy      Sad Surprise  Neutral    Total
Training          267       30      274      481      322      212      331     1917
PublicTest         32        4       34       60       44       28       41      243
PrivateTest        33        4       36       59       40       28       42      242
All               332       38      344      600      406      268      414     2402
EOF
expect_eq sample_counts "$(table "$T/sample.out")" "$(cat "$T/want")"
expect_eq sample_size_limit "$(( $(wc -c <"$SAMPLE") <= 8000000 ))" 1
grep -q "wrote cache $T/c/fer2013-" "$T/err" && pass sample_cache_written || fail sample_cache_written "$(cat "$T/err")"
cache=$(ls "$T"/c/fer2013-*.cache 2>/dev/null)
[ -f "$cache" ] && pass sample_cache_file || fail sample_cache_file "no cache in $T/c"

# the second run reads the cache silently and prints the same
expect_ok sample_cached "$CONNC" data --cache-dir "$T/c"
expect_eq sample_cached_quiet "$(cat "$T/err")" ""
expect_eq sample_cached_same "$(table "$T/out")" "$(cat "$T/want")"

# a damaged or truncated cache is reported, rebuilt, and then trusted again
printf 'X' | dd of="$cache" bs=1 seek=100000 conv=notrunc 2>/dev/null
expect_ok cache_damaged "$CONNC" data --cache-dir "$T/c"
grep -q "ignoring cache: .*payload checksum mismatch; rebuilding it" "$T/err" && pass cache_damaged_logged ||
    fail cache_damaged_logged "$(cat "$T/err")"
expect_eq cache_damaged_counts "$(table "$T/out")" "$(cat "$T/want")"
expect_ok cache_rebuilt "$CONNC" data --cache-dir "$T/c"
expect_eq cache_rebuilt_quiet "$(cat "$T/err")" ""
head -c 5000 "$cache" >"$T/cut" && mv "$T/cut" "$cache"
expect_ok cache_truncated "$CONNC" data --cache-dir "$T/c"
grep -q "ignoring cache: .*the header implies" "$T/err" && pass cache_truncated_logged ||
    fail cache_truncated_logged "$(cat "$T/err")"
echo "not a cache" >"$cache"
expect_ok cache_garbage "$CONNC" data --cache-dir "$T/c"
grep -q "ignoring cache" "$T/err" && pass cache_garbage_logged || fail cache_garbage_logged "$(cat "$T/err")"

# a changed source makes its cache out of date
cp "$SAMPLE" "$T/copy.csv.gz"
expect_ok stale_first "$CONNC" data --data "$T/copy.csv.gz" --cache-dir "$T/s"
touch -m -d '2001-01-01 00:00:00' "$T/copy.csv.gz"
expect_ok stale_rebuilt "$CONNC" data --data "$T/copy.csv.gz" --cache-dir "$T/s"
grep -q "is out of date (the source changed); rebuilding" "$T/err" && pass stale_logged ||
    fail stale_logged "$(cat "$T/err")"
expect_eq stale_one_cache "$(ls "$T/s" | wc -l)" 1

# ---- where the data and the cache come from
gzip -dc "$SAMPLE" | head -n 4 >"$T/good.csv"
expect_ok env_data env FER2013="$T/good.csv" "$CONNC" data --no-cache
grep -q "^loaded   3 images" "$T/out" && pass env_data_used || fail env_data_used "$(head -4 "$T/out")"
expect_ok xdg_cache env XDG_CACHE_HOME="$T/xdg" "$CONNC" data --data "$T/good.csv"
expect_eq xdg_cache_file "$(ls "$T"/xdg/connc/fer2013-*.cache | wc -l)" 1
expect_ok no_cache env XDG_CACHE_HOME="$T/xdg2" "$CONNC" data --data "$T/good.csv" --no-cache
no_files no_cache_nothing_written "$T/xdg2"

# a cache that cannot be written costs only the log line
expect_ok cache_unwritable "$CONNC" data --data "$T/good.csv" --cache-dir "$T/good.csv/sub"
grep -q "could not write the cache (.*); continuing without" "$T/err" && pass cache_unwritable_logged ||
    fail cache_unwritable_logged "$(cat "$T/err")"

# CRLF line ends are accepted (the \r is dropped): same table as LF
sed 's/$/\r/' "$T/good.csv" >"$T/crlf.csv"
expect_ok crlf "$CONNC" data --data "$T/crlf.csv" --no-cache
table "$T/out" >"$T/crlf.table"
"$CONNC" data --data "$T/good.csv" --no-cache >"$T/lf.out" 2>/dev/null
expect_eq crlf_same_as_lf "$(cat "$T/crlf.table")" "$(table "$T/lf.out")"

# ---- bad inputs: exit 3, one line naming file and line, no cache left behind
# bad NAME FILE TEXT: runs `connc data` on $T/FILE with a fresh cache directory.
bad() {
    expect_err "$1" 3 "$3" "$CONNC" data --data "$T/$2" --cache-dir "$T/cache_$1"
    no_files "$1_no_cache" "$T/cache_$1"
}
awk 'NR == 3 { sub(/ [0-9]+,/, ",") } { print }' "$T/good.csv" >"$T/count.csv"
bad bad_pixel_count count.csv "count.csv:3: field 'pixels': expected 2304 values, found 2303"
awk 'NR == 2 { $0 = "7" substr($0, index($0, ",")) } { print }' "$T/good.csv" >"$T/label.csv"
bad bad_label label.csv "label.csv:2: field 'emotion': expected an integer 0-6, found '7'"
sed '4s/,[A-Za-z]*$/,Validation/' "$T/good.csv" >"$T/usage.csv"
bad bad_usage usage.csv "usage.csv:4: field 'Usage': expected Training, PublicTest or PrivateTest, found 'Validation'"
sed '3s/^\([0-6]\),\([0-9]*\) /\1,\2x /' "$T/good.csv" >"$T/alpha.csv"
bad bad_non_numeric alpha.csv "alpha.csv:3: field 'pixels': value 1 is '"
: >"$T/empty.csv"
bad bad_empty_file empty.csv "empty.csv:1: empty file, expected the header line 'emotion,pixels,Usage'"
tail -n +2 "$T/good.csv" >"$T/nohead.csv"
bad bad_missing_header nohead.csv "nohead.csv:1: missing header line 'emotion,pixels,Usage'"
head -c 3000000 "$SAMPLE" >"$T/cut.csv.gz"
bad bad_truncated_gzip cut.csv.gz "truncated gzip data (unexpected end of file)"
grep -q "cut.csv.gz:[0-9][0-9]*: truncated" "$T/err" && pass bad_truncated_gzip_line || fail bad_truncated_gzip_line "$(cat "$T/err")"

# ---- other failures
expect_err missing_file 4 "cannot open: No such file or directory" "$CONNC" data --data "$T/none.csv" --no-cache
expect_err bad_option 2 "unknown or incomplete option" "$CONNC" data --frobnicate
expect_err cache_options_clash 2 "exclude each other" "$CONNC" data --no-cache --cache-dir "$T/x"
expect_ok help "$CONNC" data --help

# ---- the full data set (../shared), when present: published counts, checksum, cache speed
if [ ! -f "$FULL" ]; then
    skip full_counts "no $FULL"
else
    expect_ok full_parse "$CONNC" -q data --data "$FULL" --cache-dir "$T/full"
    cp "$T/out" "$T/full.out"
    expect_eq full_counts "$(grep '^All ' "$T/full.out")" \
        "All              4953      547     5121     8989     6077     4002     6198    35887"
    expect_eq full_splits "$(awk '/^(Training|PublicTest|PrivateTest) / { print $NF }' "$T/full.out" | tr '\n' ' ')" \
        "28709 3589 3589 "
    sums=$(dirname "$FULL")/SHA256SUMS
    if [ -f "$sums" ]; then
        expect_eq full_sha256 "$(sed -n 's/^sha256   //p' "$T/full.out")" "$(awk '$1 !~ /^#/ && $2 == "fer2013.csv.gz" { print $1 }' "$sums")"
    fi
    expect_ok full_cached "$CONNC" -q data --data "$FULL" --cache-dir "$T/full"
    expect_eq full_cached_same "$(table "$T/out")" "$(table "$T/full.out")"
    # the cache must beat parsing by far (both times from the same machine, now)
    parse_s=$(sed -n 's/^loaded .* in \([0-9.]*\) s$/\1/p' "$T/full.out")
    cache_s=$(sed -n 's/^loaded .* in \([0-9.]*\) s$/\1/p' "$T/out")
    fast=$(awk -v p="$parse_s" -v c="$cache_s" 'BEGIN { print (c * 4 < p) ? "yes" : "no (cache " c " s, parse " p " s)" }')
    expect_eq full_cache_faster "$fast" yes
fi
