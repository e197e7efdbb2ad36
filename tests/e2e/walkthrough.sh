# walkthrough.sh: the README's walk-through, run exactly as written (the
# indented lines between its walkthrough markers) with HOME in a scratch
# directory, then its results checked.  Plain build only, like install.sh.
. tests/lib.sh

if [ "${BUILD:-build}" != build ]; then skip walkthrough "runs in the plain build's pass"; exit 0; fi
if [ ! -x "$PY" ] || ! $PY -c 'import numpy' 2>/dev/null; then skip walkthrough "no python3 with numpy"; exit 0; fi
sed -n '/^<!-- walkthrough -->$/,/^<!-- \/walkthrough -->$/p' README.md | sed -n 's/^    //p' >"$T/walk.sh"
expect_eq walkthrough_found "$(grep -c "^connc " "$T/walk.sh")" 8
mkdir -p "$T/home"
# python3 as on a fresh Debian machine (/usr/bin), not a Python manager shim
if HOME="$T/home" PATH="/usr/bin:/bin:$PATH" MAKEFLAGS= sh -e "$T/walk.sh" >"$T/walk.out" 2>"$T/walk.err"; then pass walkthrough_runs
else fail walkthrough_runs "$(tail -c 300 "$T/walk.err")"; fi
D=$T/home/demo
n=0
for f in column.cir column.cnet pictures/layers.svg pictures/masks.svg pictures/degrees.svg pictures/inhibition.svg \
         run/metrics.json run/learning_curves.svg eval.json npz; do [ -e "$D/$f" ] && n=$((n + 1)); done
expect_eq walkthrough_outputs "$n" 10
expect_eq walkthrough_eval_is_metrics "$(cmp "$D/eval.json" "$D/run/metrics.json" && echo same)" same
expect_eq walkthrough_three_epochs "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["epochs"]))' "$D/run/metrics.json")" 3
expect_eq walkthrough_help "$(grep -c "^CAVE_TOKEN" "$T/walk.out")" 1
exit 0
