#!/bin/sh
# cli.sh: the command line itself: version, help, usage errors and exit codes.
. tests/lib.sh

# ---- version and help
out=$("$CONNC" --version 2>&1)
rc=$?
want=$(sed -n 's/^#define CONNC_VERSION_STRING "\(.*\)"/\1/p' include/connc.h)
expect_eq version "$rc:$out" "0:connc $want"

expect_ok help "$CONNC" --help
grep -q '^usage: connc' "$T/out" && pass help_text || fail help_text "$(head -c 200 "$T/out")"
expect_ok help_word "$CONNC" help
expect_ok help_short "$CONNC" -h

# every subcommand listed by --help answers its own --help with exit 0
cmds=$("$CONNC" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
n=0
for c in $cmds; do
    n=$((n + 1))
    "$CONNC" "$c" --help >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq 8 ] && [ ! -s "$T/out" ]; then
        skip "help_$c" "subcommand not built yet (exit 8)"
    elif [ "$rc" -ne 0 ]; then
        fail "help_$c" "exit $rc $(head -c 200 "$T/err")"
    elif ! grep -q "^usage: connc $c" "$T/out"; then
        fail "help_$c" "no 'usage: connc $c' line"
    else
        pass "help_$c"
    fi
done
[ "$n" -ge 5 ] && pass help_lists_commands || fail help_lists_commands "found $n: $cmds"

# `connc help COMMAND` is the command's --help; `connc help TOPIC` a topic
expect_eq help_command "$("$CONNC" help train)" "$("$CONNC" train --help)"
topics=$("$CONNC" --help | sed -n 's/^help topics: //p')
for t in $topics; do
    if "$CONNC" help "$t" >"$T/out" 2>"$T/err" && [ -s "$T/out" ] && [ ! -s "$T/err" ]; then pass "help_topic_$t"
    else fail "help_topic_$t" "$(head -c 200 "$T/err")"; fi
done
expect_eq help_topics_listed "$(echo $topics | wc -w)" 3
expect_err help_unknown_topic 2 "no command or topic 'nope'" "$CONNC" help nope

# ---- usage errors: exit 2, one line on stderr
"$CONNC" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q '^usage: connc' "$T/err" && [ ! -s "$T/out" ]; then pass no_command
else fail no_command "exit $rc, usage on stderr wanted"; fi
expect_err unknown_command 2 "unknown command 'frobnicate'" "$CONNC" frobnicate
expect_err unknown_global_option 2 "unknown option '--frob'" "$CONNC" --frob compile
expect_err compile_unknown_option 2 "unknown or incomplete option '--frob'" "$CONNC" compile --frob
expect_err compile_missing_argument 2 "option" "$CONNC" compile --cells
expect_err compile_required 2 "--cells, --synapses and -o are required" "$CONNC" compile --cells a.csv
expect_err compile_extra_argument 2 "unexpected argument 'extra'" "$CONNC" compile --cells a --synapses b -o c extra
expect_err compile_threshold_zero 2 "--threshold: expected an integer in [1," "$CONNC" compile --cells a --synapses b -o c --threshold 0
expect_err compile_threshold_text 2 "--threshold" "$CONNC" compile --cells a --synapses b -o c --threshold 2x
expect_err compile_inhibition_mode 2 "--inhibition: expected 'synapses' or 'partners', got 'all'" "$CONNC" compile --cells a --synapses b -o c --inhibition all
expect_err emit_unknown_option 2 "unknown or incomplete option '--frob'" "$CONNC" emit --frob
expect_err emit_no_input 2 "expected exactly one input IR file" "$CONNC" emit -o x.cnet
expect_err emit_no_output 2 "-o is required" "$CONNC" emit in.cir
expect_err inspect_unknown_option 2 "unknown option '--frob'" "$CONNC" inspect --frob x
expect_err inspect_two_files 2 "expected exactly one file" "$CONNC" inspect a b
expect_err inspect_missing_file 4 "nothing.cir: cannot open" "$CONNC" inspect "$T/nothing.cir"

# usage errors never create the output
[ -e c ] && fail usage_no_output "a file 'c' appeared" || pass usage_no_output

# ---- emit --list names every hyperparameter and switch
expect_ok emit_list "$CONNC" emit --list
if grep -q '^  lr ' "$T/out" && grep -q '^  masks ' "$T/out" && grep -q '^  weight_decay ' "$T/out"; then
    pass emit_list_content
else
    fail emit_list_content "$(head -c 300 "$T/out")"
fi

# ---- -q silences information lines on success
"$CONNC" -q compile --cells tests/data/tiny_cells.csv --synapses tests/data/tiny_synapses.csv -o "$T/q.cir" >"$T/out" 2>"$T/err"
rc=$?
expect_eq quiet_compile "$rc:$(wc -c <"$T/err" | tr -d ' '):$(wc -c <"$T/out" | tr -d ' ')" "0:0:0"
"$CONNC" compile --cells tests/data/tiny_cells.csv --synapses tests/data/tiny_synapses.csv -o "$T/v.cir" >"$T/out" 2>"$T/err"
if grep -q 'compiled 10 cells and 26 synapses' "$T/err" && grep -q 'layers:' "$T/out"; then
    pass normal_compile_reports
else
    fail normal_compile_reports "stderr: $(head -c 200 "$T/err")"
fi
