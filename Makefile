# connc: connectome-to-network compiler.  `make run` and `make test` do everything
# on a fresh Debian 12 machine (missing packages are installed by .ci/install-deps).

CC      ?= cc
# -O3 vectorises the element-wise loops (ReLU, Adam, pooling); -fno-math-errno
# lets sqrtf vectorise.  Neither changes a result: no reassociation, no FMA
# contraction (-std=c11 keeps -ffp-contract=off), so metrics stay bit-identical.
OPT     ?= -O3 -fno-math-errno
CFLAGS  ?= $(OPT) -g
WARN     = -std=c11 -Wall -Wextra -Werror -pedantic
PKGS     = libcjson zlib openblas libcurl
HDF5_CFLAGS := $(shell pkg-config --cflags hdf5 2>/dev/null)
HDF5_LIBS   := $(shell pkg-config --libs hdf5 2>/dev/null)
ifneq ($(HDF5_LIBS),)
HDF5_DEF = -DCONNC_HAVE_HDF5
endif
CPPFLAGS = -Iinclude -Icommon -D_FILE_OFFSET_BITS=64 $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(HDF5_DEF) $(HDF5_CFLAGS) $(MPI_DEF)
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcjson -lz -lopenblas -lcurl) $(HDF5_LIBS) -lm

# `make MPI=1`: the MPI flavour (runtime/dist.c, data-parallel training under
# mpirun or srun), built by mpicc into build-mpi/ as bin/connc-mpi: its own
# name, because it needs the MPI libraries at run time, and so that both
# flavours can be built side by side without rebuilding each other.
ifeq ($(MPI),1)
CC       = mpicc
BUILD   ?= build-mpi
BIN     ?= bin/connc-mpi
MPI_DEF  = -DCONNC_MPI
endif
BUILD   ?= build
BIN     ?= bin/connc
LIB      = $(BUILD)/libconnc.a

COMMON_SRC   = $(wildcard common/*.c)
COMPILER_SRC = $(wildcard compiler/*.c)
RUNTIME_SRC  = $(wildcard runtime/*.c)
CLI_SRC      = $(wildcard cli/*.c)
LIB_SRC      = $(COMMON_SRC) $(COMPILER_SRC) $(RUNTIME_SRC)
LIB_OBJ      = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/default_mapping.o
CLI_OBJ      = $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC     = $(wildcard tests/unit/test_*.c)
UNIT_OBJ     = $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/harness.o $(BUILD)/tests/unit/files.o
UNIT_BIN     = $(BUILD)/unit_tests

# Per-directory include paths keep compiler/ and runtime/ apart: each sees
# only its own headers plus common/ (the shared container) and include/.
$(BUILD)/compiler/%.o: EXTRA_INC = -Icompiler
$(BUILD)/runtime/%.o:  EXTRA_INC = -Iruntime
$(BUILD)/cli/%.o:      EXTRA_INC = -Icompiler -Iruntime -Icli
$(BUILD)/tests/%.o:    EXTRA_INC = -Icompiler -Iruntime -Itests/unit

.PHONY: all deps run test unit sanitize fuzz bench clean install uninstall
all: $(BIN)

deps:
	@sh .ci/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(EXTRA_INC) -MMD -MP -c $< -o $@

# The built-in layer mapping is the shipped JSON file, embedded as a C string.
$(BUILD)/gen/default_mapping.c: connectomes/mappings/bionic.json
	@mkdir -p $(dir $@)
	@{ echo '/* generated from $< */'; echo 'const char connc_default_mapping_json[] = {'; \
	   od -An -v -tx1 $< | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0};'; } > $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	@mkdir -p bin
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# The unit-test registry is generated from the TEST(name) lines of the sources.
$(BUILD)/tests/unit/registry.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^TEST(\([a-z0-9_]*\)).*/\1/p' $(UNIT_SRC) | \
	  awk '{d=d "void test_" $$1 "(void);\n"; r=r "    {\"" $$1 "\", test_" $$1 "},\n"} \
	       END {printf "%s#define TEST_LIST \\\n%s\n", d, r}' | sed 's/},$$/}, \\/' > $@
$(BUILD)/tests/unit/harness.o: $(BUILD)/tests/unit/registry.h
$(BUILD)/tests/unit/harness.o: EXTRA_INC = -Icompiler -Iruntime -Itests/unit -I$(BUILD)/tests/unit

$(UNIT_BIN): $(UNIT_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIB) $(LDLIBS)

# Gradient checks: the runtime's kernels again, in double precision
# (-DCONNC_REAL_DOUBLE), against central differences (tests/gradcheck).
F64_KERNELS  = activation attention bcm bio_layer bio_neuron bio_neuron_op conv2d dist diversity hebbian layer_norm linear loss masked_dense mechanisms \
               network_load network_run optimizer pool projections sparse_linear workers
F64_SRC      = $(F64_KERNELS:%=runtime/%.c) $(wildcard tests/gradcheck/*.c) tests/unit/harness.c
F64_OBJ      = $(F64_SRC:%.c=$(BUILD)/f64/%.o) $(COMMON_SRC:%.c=$(BUILD)/%.o)
F64_BIN      = $(BUILD)/gradcheck_tests
$(BUILD)/f64/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -DCONNC_REAL_DOUBLE -Iruntime -Itests/unit -Itests/gradcheck -I$(BUILD)/f64 -MMD -MP -c $< -o $@
$(BUILD)/f64/registry.h: $(wildcard tests/gradcheck/test_*.c)
	@mkdir -p $(dir $@)
	@sed -n 's/^TEST(\([a-z0-9_]*\)).*/\1/p' $^ | \
	  awk '{d=d "void test_" $$1 "(void);\n"; r=r "    {\"" $$1 "\", test_" $$1 "},\n"} \
	       END {printf "%s#define TEST_LIST \\\n%s\n", d, r}' | sed 's/},$$/}, \\/' > $@
$(BUILD)/f64/tests/unit/harness.o: $(BUILD)/f64/registry.h
$(F64_BIN): $(F64_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets (tests/fuzz/fuzz_*.c), one per parser.  Linked with replay.c
# they run saved inputs (seed corpora, regressions) in `make test`; linked
# with libFuzzer they fuzz (`make fuzz`).
FUZZ_TARGETS = cells synapses mapping container fer_csv fer_cache cave synth
FUZZ_REPLAY  = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
FUZZ_OBJ     = $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/fuzz_util.o
$(BUILD)/tests/fuzz/%.o: EXTRA_INC = -Icompiler -Iruntime -Itests/fuzz
$(BUILD)/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(BUILD)/tests/fuzz/fuzz_util.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/fuzz_util.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The default job: compile the shipped calibrated column, emit the BioNIC
# network, train it briefly on the shipped FER-2013 sample and evaluate it.
COLUMN = connectomes/minnie65_v1_column_synth
run: deps $(BIN)
	./$(BIN) compile --cells $(COLUMN)/cells.csv --synapses $(COLUMN)/synapses.csv.gz -o $(BUILD)/column.cir
	./$(BIN) emit $(BUILD)/column.cir -o $(BUILD)/column.cnet
	./$(BIN) train $(BUILD)/column.cnet --data examples/data/fer2013_sample.csv.gz --epochs 12 -o $(BUILD)/run
	./$(BIN) eval $(BUILD)/run --data examples/data/fer2013_sample.csv.gz
	@echo "report: $(BUILD)/run/metrics.json, $(BUILD)/run/learning_curves.svg, $(BUILD)/run/confusion.svg"

# The suite, then the same suite under ASan + UBSan with leak detection
# (what CI runs through .ci/run); the last line is the sanitized run's total.
test: deps $(BIN) $(UNIT_BIN) $(F64_BIN) $(FUZZ_REPLAY)
	@sh tests/run.sh $(BUILD)
	@$(MAKE) --no-print-directory sanitize

unit: $(UNIT_BIN)
	@$(UNIT_BIN)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	$(MAKE) BUILD=build-san OPT=-O1 \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" BIN=build-san/connc build-san/connc build-san/unit_tests build-san/gradcheck_tests \
	  $(FUZZ_TARGETS:%=build-san/fuzz/replay_%)
	@CONNC=build-san/connc ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 sh tests/run.sh build-san

# Each fuzz target under libFuzzer (clang, ASan + UBSan) for FUZZ_SECONDS
# seconds, or FUZZ_RUNS executions when that is set; findings are left in
# build-fuzz/findings/ (tests/fuzz/run.sh).
FUZZ_SECONDS ?= 10
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz:
	@sh .ci/install-deps clang libclang-rt-14-dev
	$(MAKE) BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" LDFLAGS="-fsanitize=fuzzer,address,undefined" \
	  $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)
	@FUZZ_RUNS=$(FUZZ_RUNS) sh tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- make install PREFIX=... (DESTDIR for packagers) / make uninstall:
# the binary, libconnc.a and libconnc.so (position-independent objects built
# in $(BUILD)-pic, only connc_* exported), the public header, a pkg-config
# file, the schemas and the man page (made from the --help texts).
PREFIX  ?= /usr/local
VERSION  = $(shell sed -n 's/^\#define CONNC_VERSION_STRING "\(.*\)"/\1/p' include/connc.h)
SONAME   = libconnc.so.0
I_BIN = $(DESTDIR)$(PREFIX)/bin
I_LIB = $(DESTDIR)$(PREFIX)/lib
I_INC = $(DESTDIR)$(PREFIX)/include
I_SHARE = $(DESTDIR)$(PREFIX)/share

$(BUILD)/libconnc.so: $(LIB_OBJ) include/libconnc.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=include/libconnc.map $(LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/connc.1: $(BIN) docs/man.sh
	sh docs/man.sh $(BIN) > $@.tmp && mv $@.tmp $@

install: $(BIN) $(LIB) $(BUILD)/connc.1
	$(MAKE) --no-print-directory BUILD=$(BUILD)-pic CFLAGS="$(CFLAGS) -fPIC" $(BUILD)-pic/libconnc.so
	install -d $(I_BIN) $(I_LIB)/pkgconfig $(I_INC) $(I_SHARE)/connc/schemas $(I_SHARE)/man/man1
	install -m 755 $(BIN) $(I_BIN)/connc
	install -m 644 $(LIB) $(I_LIB)/libconnc.a
	install -m 755 $(BUILD)-pic/libconnc.so $(I_LIB)/libconnc.so.$(VERSION)
	ln -sf libconnc.so.$(VERSION) $(I_LIB)/$(SONAME)
	ln -sf $(SONAME) $(I_LIB)/libconnc.so
	install -m 644 include/connc.h $(I_INC)/connc.h
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: connc' 'Description: connectome-to-network compiler (MICrONS tables to trainable networks)' \
	  'Version: $(VERSION)' 'Libs: -L$${libdir} -lconnc' \
	  'Libs.private: $(strip $(LDLIBS))' 'Cflags: -I$${includedir}' > $(I_LIB)/pkgconfig/connc.pc
	install -m 644 schemas/* $(I_SHARE)/connc/schemas/
	install -m 644 $(BUILD)/connc.1 $(I_SHARE)/man/man1/connc.1

uninstall:
	rm -f $(I_BIN)/connc $(I_LIB)/libconnc.a $(I_LIB)/libconnc.so $(I_LIB)/$(SONAME) \
	  $(I_LIB)/libconnc.so.$(VERSION) $(I_INC)/connc.h $(I_LIB)/pkgconfig/connc.pc $(I_SHARE)/man/man1/connc.1
	rm -f $(addprefix $(I_SHARE)/connc/schemas/,$(notdir $(wildcard schemas/*)))
	rmdir $(I_SHARE)/connc/schemas $(I_SHARE)/connc 2>/dev/null || true

# Speed figures, appended to docs/BENCHMARKS.md (never timed in the tests).
bench: $(BIN)
	@for b in bench/*.sh; do sh $$b || exit 1; done

clean:
	rm -rf build build-san build-fuzz build-mpi bin

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(F64_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
