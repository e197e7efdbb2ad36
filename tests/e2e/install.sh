# install.sh: `make install PREFIX=...` puts the binary, both libraries, the
# header, the pkg-config file, the schemas and the man page in place; the
# example programs build against them through pkg-config and run (classify.c
# on a run the installed binary trains); `make uninstall` takes every file
# away again.  (Plain build only: the sanitizer pass would rebuild the
# library without its flags.)
. tests/lib.sh

if [ "${BUILD:-build}" != build ]; then skip install "runs in the plain build's pass"; exit 0; fi
P=$T/prefix
expect_ok make_install make -s install PREFIX="$P"
missing=
for f in bin/connc lib/libconnc.a lib/libconnc.so lib/libconnc.so.0 include/connc.h lib/pkgconfig/connc.pc \
         share/man/man1/connc.1 share/connc/schemas/ir.md share/connc/schemas/network.md; do
    [ -e "$P/$f" ] || missing="$missing $f"
done
expect_eq installed_files "${missing:-none}" none

# the man page has a section for every command of `connc --help`
cmds=$("$CONNC" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | wc -l)
expect_eq man_sections "$(grep -c '^\.SS connc [a-z]*$' "$P/share/man/man1/connc.1")" "$cmds"
if command -v groff >/dev/null; then
    expect_eq man_renders "$(groff -man -Tutf8 -ww -z "$P/share/man/man1/connc.1" 2>&1 | head -c 200)" ""
fi

# only the public API leaves the shared library
expect_eq exports_connc_only "$(nm -D --defined-only "$P/lib/libconnc.so" | awk '$3 !~ /^connc_/' | head -3)" ""

sample_run "$P/bin/connc" "$T" || fail installed_binary "compile, emit, train or eval failed"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
expect_ok example_builds_shared cc -std=c11 -Wall -Wextra -Werror examples/c/list_arrays.c \
    $(pkg-config --cflags --libs connc) -o "$T/list_shared"
expect_eq example_runs_shared "$(LD_LIBRARY_PATH="$P/lib" "$T/list_shared" "$T/c.cir" | grep -c 'cells/root_id *u64 1333')" 1
# the archive, with the system libraries the pkg-config file lists as private
expect_ok example_builds_static cc -std=c11 -Wall -Wextra -Werror examples/c/list_arrays.c \
    $(pkg-config --cflags connc) "$P/lib/libconnc.a" $(pkg-config --libs --static connc | sed 's/-lconnc//') -o "$T/list_static"
expect_eq example_static_needs_no_libconnc "$(ldd "$T/list_static" 2>/dev/null | grep -c libconnc)" 0

# the inference API: classify.c on the run the installed binary trained
# predicts each PrivateTest image as `connc eval` did
expect_ok classify_builds cc -std=c11 -Wall -Wextra -Werror -pedantic examples/c/classify.c \
    $(pkg-config --cflags --libs connc) -o "$T/classify"
private_test >"$T/private.csv"
LD_LIBRARY_PATH="$P/lib" "$T/classify" "$T/run" "$T/private.csv" >"$T/classify.txt" 2>&1
if [ -x "$PY" ]; then expect_eq classify_matches_eval "$(same_confusion "$T/classify.txt" "$T/run/metrics.json")" "True 242"
else skip classify_matches_eval "no /usr/bin/python3"; fi
expect_eq classify_first_rows "$(LD_LIBRARY_PATH="$P/lib" "$T/classify" "$T/run" "$T/private.csv" 3 | wc -l)" 4
expect_err classify_bad_run 1 "checkpoint.ckpt" env LD_LIBRARY_PATH="$P/lib" "$T/classify" "$T/nothing" "$T/private.csv"

expect_ok make_uninstall make -s uninstall PREFIX="$P"
expect_eq uninstall_leaves_nothing "$(find "$P" ! -type d | head -3)" ""
exit 0
