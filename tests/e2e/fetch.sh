#!/bin/sh
# fetch.sh: `connc fetch` end to end against the CAVE emulator
# (tests/cave_emulator.py, 127.0.0.1 only): the fetched column compiles to
# the byte-identical IR of the shipped tables; row-cap shrinking; every fault
# mode ends with complete, correct data; a killed fetch resumes from its
# cache; --offline; 401/403 and other errors; the token appears in no output.
. tests/lib.sh

COL=connectomes/minnie65_v1_column_synth
FIX=$SHARED/cave/fixtures
TOKEN=7f3a9c2e5b8d1f4a6c0e9b2d5f8a1c3e     # the emulator's only valid token
TOS=0a1b2c3d4e5f60718293a4b5c6d7e8f9       # a token that has not accepted the terms of service
if [ ! -x "$PY" ] || [ ! -d "$FIX" ]; then
    skip fetch "needs $PY and $FIX"
    exit 0
fi
if ! "$CONNC" fetch --help >/dev/null 2>&1; then
    skip fetch "connc fetch not built"
    exit 0
fi

# Hermetic: no real ~/.cloudvolume token, no real cache.
export HOME="$T/home"
unset CAVE_TOKEN XDG_CACHE_HOME
mkdir -p "$HOME" "$T/secret" "$T/run"
printf '{"token": "%s"}\n' "$TOKEN" >"$T/secret/token.json"
printf '{"token": "%s"}\n' "$TOS" >"$T/secret/tos.json"

EMU=""
stop_emulator() { if [ -n "$EMU" ]; then kill "$EMU" 2>/dev/null; wait "$EMU" 2>/dev/null; EMU=""; fi; }
trap 'stop_emulator; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# control JSON: switch the emulator's fault mode, cap or delay (atomic replace)
control() { printf '%s\n' "$1" >"$T/control.tmp" && mv "$T/control.tmp" "$T/control"; }
control '{"cap": 1000}'
"$PY" tests/cave_emulator.py --column "$COL" --fixtures "$FIX" --port-file "$T/port" --control "$T/control" \
    --log "$T/emu.log" --token "$TOKEN" --tos-token "$TOS" --time-limit 300 >"$T/emu.out" 2>&1 &
EMU=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 300 ] && kill -0 "$EMU" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$T/port" ]; then
    fail emulator_start "$(head -c 300 "$T/emu.out")"
    exit 1
fi
URL="http://127.0.0.1:$(cat "$T/port")"
pass emulator_start

# run NAME [-q|-v] FETCH-OPTIONS...: connc fetch against the emulator, output in $T/run/NAME.{out,err}
run() {
    name=$1; shift
    verb=""
    case "$1" in -q|-v) verb=$1; shift ;; esac
    "$CONNC" $verb fetch --server "$URL" --insecure --backoff 0.05 "$@" >"$T/run/$name.out" 2>"$T/run/$name.err"
}
# ok NAME ...: run and expect exit 0
ok() {
    name=$1
    if run "$@"; then pass "$name"; else fail "$name" "exit $? $(head -c 300 "$T/run/$name.err")"; fi
}
# err NAME CODE TEXT ...: exit CODE, stderr one line containing TEXT
err() {
    name=$1 code=$2 text=$3; shift 3
    run "$name" -q "$@"
    rc=$?
    e="$T/run/$name.err"
    if [ "$rc" -ne "$code" ]; then fail "$name" "exit $rc, wanted $code: $(head -c 300 "$e")"
    elif ! grep -qF -- "$text" "$e"; then fail "$name" "stderr lacks '$text': $(head -c 300 "$e")"
    elif [ "$(wc -l <"$e")" -ne 1 ]; then fail "$name" "stderr has $(wc -l <"$e") lines"
    else pass "$name"; fi
}
prov() { "$PY" -c "import json, sys; p = json.load(open(sys.argv[1])); print($2)" "$1/provenance.json" 2>&1; }
same_tables() { # same_tables NAME DIR: the tables equal the first fetch's, byte for byte
    if cmp -s "$T/out-main/cells.csv" "$2/cells.csv" && cmp -s "$T/out-main/synapses.csv" "$2/synapses.csv"
    then pass "$1"; else fail "$1" "tables differ from the first fetch"; fi
}
# the cached synapse query pages (not the count, not the table metadata) of a cache
page_metas() { grep -l 'direct_sql_pandas=true"' "$1"/*/*/v1718/synapses_pni_2/*.meta.json 2>/dev/null; }
data_pages() { page_metas "$1" | grep -c .; }

# ---- the shipped tables, compiled: the reference IR
"$CONNC" -q compile --cells $COL/cells.csv --synapses $COL/synapses.csv.gz -o "$T/ref.cir" 2>"$T/run/ref.err" ||
    fail compile_reference "$(head -c 300 "$T/run/ref.err")"

# ---- the whole column with a 1000-row cap (cells and synapse batches split), -v, --token-file
ok fetch_column -v --token-file "$T/secret/token.json" --cache "$T/cache-main" -o "$T/out-main"
"$CONNC" -q compile --cells "$T/out-main/cells.csv" --synapses "$T/out-main/synapses.csv" -o "$T/main.cir" 2>"$T/run/cmain.err"
if cmp -s "$T/ref.cir" "$T/main.cir"; then pass fetched_ir_identical; else fail fetched_ir_identical "the IR of the fetched tables differs"; fi
got=$(prov "$T/out-main" 'p["version"], p["version_pinned"], p["rows"]["cells"]["written"], p["rows"]["cells"]["excluded_no_root"], p["rows"]["cells"]["multi_soma_root_ids"], p["rows"]["synapses"]["written"], p["rows"]["synapses"]["server_count"], p["query"]["synapses"]["splits"] > 0, p["query"]["cells"]["splits"] > 0, p["query"]["row_cap_seen"], p["datastack"], p["tables"]["cells"]["reference_table"]')
expect_eq provenance_counts "$got" "1718 False 1333 1 1 143832 143832 True True 1000 minnie65_public nucleus_detection_v0"
got=$("$PY" -c '
import hashlib, json, sys
d = sys.argv[1]
p = json.load(open(d + "/provenance.json"))
print(all(hashlib.sha256(open(d + "/" + f, "rb").read()).hexdigest() == p["files"][f]["sha256"] for f in ("cells.csv", "synapses.csv")),
      p["server"] == sys.argv[2], p["materialization_server"] == sys.argv[2], p["version_timestamp"], p["materialization_server_version"])
' "$T/out-main" "$URL" 2>&1)
expect_eq provenance_checksums "$got" "True True True 2026-03-07T08:10:01.190228 5.26.4"
if grep -q 'capped: splitting' "$T/run/fetch_column.err" && grep -q 'synapses: pre ids' "$T/run/fetch_column.err"
then pass verbose_logs_pages; else fail verbose_logs_pages "no per-page lines at -v"; fi

# ---- --offline answers from the cache without a single request
n0=$(wc -l <"$T/emu.log")
ok offline_from_cache -q --offline --cache "$T/cache-main" -o "$T/out-offline"
same_tables offline_same_tables "$T/out-offline"
expect_eq offline_no_requests "$(wc -l <"$T/emu.log")" "$n0"
err offline_miss 6 "--offline: no cached answer" --offline --cache "$T/cache-empty" -o "$T/x"

# ---- the cell_type_local table of version 117 (one-table queries), pinned, -q, CAVE_TOKEN
control '{"cap": 200000}'
export CAVE_TOKEN="$TOKEN"
ok fetch_legacy_pinned -q --version 117 --cells allen_v1_column_types_slanted --cache "$T/cache-legacy" -o "$T/out-legacy"
"$CONNC" -q compile --cells "$T/out-legacy/cells.csv" --synapses "$T/out-legacy/synapses.csv" -o "$T/legacy.cir" 2>"$T/run/cleg.err"
if cmp -s "$T/ref.cir" "$T/legacy.cir"; then pass legacy_ir_identical; else fail legacy_ir_identical "IR differs"; fi
expect_eq legacy_version_recorded "$(prov "$T/out-legacy" 'p["version"], p["version_pinned"], p["version_timestamp"]')" "117 True 2021-06-11T08:10:00.215114"
unset CAVE_TOKEN
if [ ! -s "$T/run/fetch_legacy_pinned.err" ]; then pass quiet_is_quiet; else fail quiet_is_quiet "$(head -c 200 "$T/run/fetch_legacy_pinned.err")"; fi

# ---- a fetch killed with kill -9 resumes from the pages it had (token from ~/.cloudvolume)
mkdir -p "$HOME/.cloudvolume/secrets"
cp "$T/secret/token.json" "$HOME/.cloudvolume/secrets/cave-secret.json"
control '{"cap": 200000, "delay": 0.3}'
: >"$T/emu.log"
"$CONNC" -q fetch --server "$URL" --insecure --cache "$T/cache-full" -o "$T/out-full" >"$T/run/killed.out" 2>"$T/run/killed.err" &
pid=$!
i=0
while [ "$(data_pages "$T/cache-full")" -lt 4 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
had=$(data_pages "$T/cache-full")
if [ "$had" -ge 4 ] && [ ! -e "$T/out-full/provenance.json" ]; then pass killed_mid_fetch
else fail killed_mid_fetch "cached pages $had, provenance $(ls "$T/out-full" 2>&1)"; fi
control '{"cap": 200000}'
: >"$T/emu.log"
ok resume_from_cache --cache "$T/cache-full" -o "$T/out-full"
same_tables resume_complete "$T/out-full"
got=$(prov "$T/out-full" 'p["cache"]["pages_from_cache"], p["cache"]["pages_fetched"]')
total=$(data_pages "$T/cache-full")
set -- $got
if [ "$1" -ge "$had" ] && [ "$2" -eq $((total - had)) ]; then pass resume_reuses_pages
else fail resume_reuses_pages "had $had of $total pages; the rerun reused $1 and fetched $2"; fi

# ---- fault modes: each fault hits the pages not yet cached; the data must come out whole
# fault NAME CONTROL [OPTIONS]: a copy of the full cache less 3 data pages, then fetch under the fault
fault() {
    fname=$1 ctl=$2; shift 2
    rm -rf "$T/cache-f" "$T/out-f"
    cp -r "$T/cache-full" "$T/cache-f"
    for m in $(page_metas "$T/cache-f" | head -n 3); do
        rm -f "$m" "${m%.meta.json}.json"
    done
    control "$ctl"
    : >"$T/emu.log"
    ok "fault_$fname" --cache "$T/cache-f" -o "$T/out-f" "$@"
    mode=$(printf '%s' "$ctl" | sed 's/.*"fault": "\([a-z0-9]*\)".*/\1/')
    hit=$(awk -v m="$mode" '$5 == m' "$T/emu.log" | grep -c .)
    retries=$(prov "$T/out-f" 'p["http"]["retries"]')
    if [ "$hit" -ge 1 ] && [ "$retries" -ge "$hit" ]; then pass "fault_${fname}_retried"
    else fail "fault_${fname}_retried" "faults injected $hit, retries $retries"; fi
    same_tables "fault_${fname}_complete" "$T/out-f"
}
fault 429 '{"cap": 200000, "fault": "429", "times": 2, "every": 2, "only": "all", "retry_after": 1}'
fault 503 '{"cap": 200000, "fault": "503", "times": 3, "every": 2, "only": "all"}'
fault reset '{"cap": 200000, "fault": "reset", "times": 2, "every": 1, "only": "query"}'
fault truncated '{"cap": 200000, "fault": "truncated", "times": 2, "every": 1, "only": "query"}'
fault badjson '{"cap": 200000, "fault": "badjson", "times": 2, "every": 1, "only": "query"}'
fault drip '{"cap": 200000, "fault": "drip", "times": 1, "every": 1, "only": "query"}' --stall-timeout 1

# a page that silently lost rows (valid JSON, no warning) fails the count check; --refresh repairs
rm -rf "$T/cache-d"
cp -r "$T/cache-full" "$T/cache-d"
for m in $(page_metas "$T/cache-d" | head -n 2); do
    rm -f "$m" "${m%.meta.json}.json"
done
control '{"cap": 200000, "fault": "drop", "times": 1, "every": 1, "only": "query"}'
err fault_drop_detected 6 "incomplete data" --cache "$T/cache-d" -o "$T/out-d"
control '{"cap": 200000}'
ok fault_drop_refresh -q --refresh --cache "$T/cache-d" -o "$T/out-d"
same_tables fault_drop_refresh_complete "$T/out-d"

# ---- errors: one line, the right exit code
control '{"cap": 200000}'
rm -f "$HOME/.cloudvolume/secrets/cave-secret.json"
err no_token_401 6 "HTTP 401: Unauthorized - No Token Provided; set a token with --token-file" --cache "$T/cache-e" -o "$T/x"
printf '{"token": "%s"}\n' "deadbeefdeadbeefdeadbeefdeadbeef" >"$T/secret/wrong.json"
err wrong_token_401 6 "Token is Invalid or Expired" --token-file "$T/secret/wrong.json" --cache "$T/cache-e" -o "$T/x"
if grep -q deadbeef "$T/run/wrong_token_401.err"; then fail wrong_token_not_echoed "the token is in the message"; else pass wrong_token_not_echoed; fi
err tos_403 6 "accept the terms of service at https://global.daf-apis.com/auth/api/v1/tos/2/accept" --token-file "$T/secret/tos.json" --cache "$T/cache-e" -o "$T/x"
err version_unknown 3 "version 9999" --token-file "$T/secret/token.json" --version 9999 --cache "$T/cache-e" -o "$T/x"
err version_expired 3 "no longer available" --token-file "$T/secret/token.json" --version 343 --cache "$T/cache-e" -o "$T/x"
err table_unknown 3 "table 'nope' is not in version 1718" --token-file "$T/secret/token.json" --synapses nope --cache "$T/cache-e" -o "$T/x"
err response_cap 7 "larger than" --token-file "$T/secret/token.json" --max-response 64K --cache "$T/cache-e2" -o "$T/x"
err datastack_unknown 3 "HTTP 404" --token-file "$T/secret/token.json" --datastack nope --cache "$T/cache-e" -o "$T/x"
expect_err plain_http_refused 2 "plain http:// is refused" "$CONNC" -q fetch --server "http://127.0.0.1:1" -o "$T/x"
"$CONNC" -q fetch --server https://example.org --insecure -o "$T/x" >"$T/run/insecure.out" 2>"$T/run/insecure.err"
rc=$?
if [ $rc -eq 2 ] && grep -q 'only for a local emulator' "$T/run/insecure.err"; then pass insecure_only_loopback
else fail insecure_only_loopback "exit $rc $(head -c 200 "$T/run/insecure.err")"; fi
# nothing listens on the emulator's port + 1 (most likely): connection refused, retried, then exit 6
port2=$(( $(cat "$T/port") + 1 ))
"$CONNC" -q fetch --server "http://127.0.0.1:$port2" --insecure --retries 2 --backoff 0.01 --token-file "$T/secret/token.json" \
    --cache "$T/cache-e" -o "$T/x" >"$T/run/refused.out" 2>"$T/run/refused.err"
rc=$?
if [ $rc -eq 6 ] && grep -q 'gave up after 3 attempts' "$T/run/refused.err"; then pass connection_refused_retried
else fail connection_refused_retried "exit $rc $(head -c 200 "$T/run/refused.err")"; fi
err bad_name 2 "is not a name" --cells "../etc" -o "$T/x"

# ---- the token is in no output: stdout, stderr (-q, default, -v), tables, provenance, cache
if grep -rlF "$TOKEN" "$T/run" "$T"/out-* "$T"/cache-* "$T/emu.log" >"$T/leaks" 2>/dev/null; then
    fail token_never_written "found in $(head -c 300 "$T/leaks")"
else
    pass token_never_written
fi
if grep -rlF "$TOS" "$T/run" "$T"/cache-* >/dev/null 2>&1; then fail tos_token_never_written "leaked"; else pass tos_token_never_written; fi

stop_emulator
