#!/bin/sh
# fuzz.sh: every fuzz target (tests/fuzz/) replays its seed corpus and the
# inputs that once crashed it (tests/fuzz/regressions/TARGET/), here and in
# `make sanitize`; a crash or sanitizer report fails the check.
. tests/lib.sh

: "${BUILD:=build}"
for dir in tests/fuzz/corpus/*/; do
    t=$(basename "$dir")
    set -- "$dir"* tests/fuzz/regressions/"$t"/*
    inputs=""
    for f in "$@"; do [ -f "$f" ] && inputs="$inputs $f"; done
    # shellcheck disable=SC2086 # the paths have no blanks
    expect_ok "replay_$t" "$BUILD/fuzz/replay_$t" $inputs
done
