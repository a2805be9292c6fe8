# clubmatch - see README.md and docs/architecture.md.  `make` builds
# build/clubmatch; `make run`, `make test` and `make bench` first install
# missing Debian packages (tools/setup.sh).
PKGS   = libmicrohttpd jansson sqlite3 libical libcurl libcrypto gmime-3.0
WARN   = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
         -Wpointer-arith -Wwrite-strings -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(INC) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
B     ?= build

ifdef SANITIZE          # make B=build-asan SANITIZE=address,undefined
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif
ifdef DEVELOPER         # CI and developers; packagers aren't broken by new warnings
ALL_CFLAGS += -Werror
endif

# Each folder sees only the headers of what it may use, so an include
# the wrong way does not compile (docs/architecture.md).  The most
# specific pattern wins.
S = scheduler
INC_DOMAIN = -Icommon -Igeo -Iics -I$(S)/store -I$(S)
INC = -Icommon -Igeo -Iics -I$(S)/store -I$(S) -I$(S)/http -I$(S)/mail \
      -I$(S)/cli
$(B)/common/%.o:   INC = -Icommon
$(B)/geo/%.o:      INC = -Icommon -Igeo
$(B)/ics/%.o:      INC = -Icommon -Iics
$(B)/$(S)/%.o:     INC = $(INC_DOMAIN)
$(B)/$(S)/store/%.o: INC = -Icommon -I$(S)/store
$(B)/$(S)/http/%.o:  INC = $(INC_DOMAIN) -I$(S)/http
$(B)/$(S)/mail/%.o:  INC = $(INC_DOMAIN) -I$(S)/mail
# The command line is the top: it starts the server and the mail worker.
$(B)/$(S)/cli/%.o:   INC = $(INC_DOMAIN) -I$(S)/cli -I$(S)/http -I$(S)/mail

objs = $(patsubst %,$(B)/%.o,$(basename $(1)))
LIB_COMMON = $(call objs,$(wildcard common/*.c))
LIB_GEO    = $(call objs,$(wildcard geo/*.c geo/*.S))
LIB_ICS    = $(call objs,$(wildcard ics/*.c))
LIB_STORE  = $(call objs,$(wildcard $(S)/store/*.c))
LIB_DOMAIN = $(call objs,$(wildcard $(S)/*.c))
LIB_HTTP   = $(call objs,$(wildcard $(S)/http/*.c web/*.S))
LIB_MAIL   = $(call objs,$(wildcard $(S)/mail/*.c))
LIB_CLI    = $(call objs,$(filter-out $(S)/cli/main.c,$(wildcard $(S)/cli/*.c)))
LIB_ALL    = $(LIB_CLI) $(LIB_HTTP) $(LIB_MAIL) $(LIB_DOMAIN) $(LIB_STORE) \
             $(LIB_ICS) $(LIB_GEO) $(LIB_COMMON)

UNIT_BINS  = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
TOOL_BINS  = $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))
BENCH_BINS = $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

.PHONY: all units benches setup run test check asan-build asan-check checksrc \
        bench clean fuzz fuzz-build fuzz-bins
all: $(B)/clubmatch

$(B)/clubmatch: $(B)/$(S)/cli/main.o $(LIB_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

units: $(UNIT_BINS) $(TOOL_BINS)
# Everything bench/run.sh runs besides build/clubmatch: the C benchmarks
# and the test tools a bench script drives (bench_mail.py: mailsend).
BENCH_TOOLS = $(B)/tests/tools/mailsend
benches: $(BENCH_BINS) $(BENCH_TOOLS)

# A unit test links only the module it tests and what that module uses.
link = $(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tests/test_common%: $(B)/tests/unit/test_common%.o $(LIB_COMMON)
	$(link)
$(B)/tests/test_geo: $(B)/tests/unit/test_geo.o $(LIB_GEO) $(LIB_COMMON)
	$(link)
$(B)/tests/test_ics%: $(B)/tests/unit/test_ics%.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/test_ics: $(B)/tests/unit/test_ics.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/test_imip: $(B)/tests/unit/test_imip.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/test_store: $(B)/tests/unit/test_store.o $(LIB_STORE) $(LIB_COMMON)
	$(link)
$(B)/tests/test_match: $(B)/tests/unit/test_match.o $(B)/$(S)/match.o \
    $(B)/$(S)/store/model.o $(LIB_GEO) $(LIB_COMMON)
	$(link)
$(B)/tests/test_mail: $(B)/tests/unit/test_mail.o $(B)/$(S)/mail/mail.o \
    $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/tools/ics_%: $(B)/tests/tools/ics_%.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/tools/mailsend: $(B)/tests/tools/mailsend.o \
    $(B)/$(S)/mail/mail.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/test_reader: $(B)/tests/unit/test_reader.o $(B)/$(S)/mail/reader.o \
    $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/tools/intake_check: $(B)/tests/tools/intake_check.o \
    $(B)/$(S)/mail/intake.o $(B)/$(S)/mail/reader.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/bench/bench_reader: $(B)/bench/bench_reader.o $(B)/$(S)/mail/reader.o \
    $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/bench/bench_geo: $(B)/bench/bench_geo.o $(LIB_GEO) $(LIB_COMMON)
	$(link)
$(B)/bench/bench_ics: $(B)/bench/bench_ics.o $(LIB_ICS) $(LIB_COMMON)
	$(link)
$(B)/tests/test_usmap: $(B)/tests/unit/test_usmap.o $(LIB_GEO) $(LIB_COMMON)
	$(link)
$(B)/bench/bench_usmap: $(B)/bench/bench_usmap.o $(LIB_GEO) $(LIB_COMMON)
	$(link)

# Before anything compiles: are the libraries there?  Without them the
# first error would be a compiler's about some header; say instead which
# packages are missing and what installs them (tools/setup.sh build).
DEB_libmicrohttpd = libmicrohttpd-dev
DEB_jansson = libjansson-dev
DEB_sqlite3 = libsqlite3-dev
DEB_libical = libical-dev
DEB_libcurl = libcurl4-openssl-dev
DEB_libcrypto = libssl-dev
DEB_gmime-3.0 = libgmime-3.0-dev
.PHONY: pkgcheck
pkgcheck:
	@command -v pkg-config >/dev/null || { echo "make: pkg-config is \
	missing (Debian package pkg-config): run 'make setup' \
	(tools/setup.sh build) to install it and the libraries" >&2; exit 1; }
	@missing=""; for p in $(foreach p,$(PKGS),$(p):$(DEB_$(p))); do \
		pkg-config --exists "$${p%%:*}" || missing="$$missing $${p%%:*} ($${p#*:})"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make: missing libraries:$$missing" >&2; \
		echo "make: run 'make setup' (tools/setup.sh build) to install them" >&2; \
		exit 1; \
	fi

$(B)/%.o: %.c | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
# .S files embed data with .incbin, which -MMD does not see: the
# embedded files are named by hand below.
$(B)/%.o: %.S | pkgcheck
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/geo/zipdata.o: data/zips.tsv
$(B)/geo/statesdata.o: data/states.tsv
$(B)/web/assets.o: web/secretary.html web/app.js web/app.css web/dom.js
$(B)/web/assets.o: web/admin.html web/admin.js web/admin.css

-include $(shell find $(B) -name '*.d' 2>/dev/null)

setup:
	@tools/setup.sh build

run: setup
	@$(MAKE) --no-print-directory all
	$(B)/clubmatch serve

# The source checker, then the whole suite, then the suite again under
# AddressSanitizer + UBSan.  The runner's last line is "N passed, M failed".
test:
	@tools/setup.sh test
	@$(MAKE) --no-print-directory checksrc
	@$(MAKE) --no-print-directory DEVELOPER=1 all units
	@$(MAKE) --no-print-directory asan-build
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_BUILD=build-fuzz tests/run.sh build build-asan

check: test

checksrc:
	@tools/setup.sh test
	@/usr/bin/python3 tools/checksrc.py

# The suite under AddressSanitizer + UBSan only.
asan-build:
	@$(MAKE) --no-print-directory DEVELOPER=1 B=build-asan \
		SANITIZE=address,undefined CFLAGS='-O1 -g' all units
asan-check:
	@tools/setup.sh test
	@$(MAKE) --no-print-directory asan-build
	@tests/run.sh build-asan

# A sub-make, so that pkg-config is asked after setup.sh installed it.
bench:
	@tools/setup.sh bench
	@$(MAKE) --no-print-directory all benches
	@bench/run.sh $(B)

clean:
	rm -rf build build-*

# ---- fuzzing (docs/testing.md, "Fuzzing") ------------------------------
# A target is one line: fuzz_links_NAME = what tests/fuzz/fuzz_NAME.c
# links (its seeds: tests/fuzz/corpus/NAME/).  `make fuzz` runs each for
# FUZZ_SECONDS; `make test` runs each over its corpus once.
fuzz_links_csv  = $(B)/$(S)/csv.o $(LIB_COMMON)
fuzz_links_api  = $(filter-out $(LIB_CLI),$(LIB_ALL))
fuzz_links_ics  = $(LIB_ICS) $(LIB_COMMON)
fuzz_links_imip = $(LIB_ICS) $(LIB_COMMON)
fuzz_links_reader = $(B)/$(S)/mail/reader.o $(LIB_ICS) $(LIB_COMMON)
# The API target answers libmicrohttpd's lookups itself (tests/fuzz/fuzz_api.c).
fuzz_flags_api  = -Wl,--wrap=MHD_lookup_connection_value \
                  -Wl,--wrap=MHD_lookup_connection_value_n

FUZZ_TARGETS = $(sort $(patsubst fuzz_links_%,%,$(filter fuzz_links_%,$(.VARIABLES))))
FUZZ_SECONDS ?= 60
fuzz-build:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang CFLAGS='-O1 -g' \
		SANITIZE=fuzzer-no-link,address,undefined fuzz-bins
fuzz-bins: $(patsubst %,$(B)/fuzz/fuzz_%,$(FUZZ_TARGETS))
fuzz:
	@tools/setup.sh test
	@$(MAKE) --no-print-directory fuzz-build
	@mkdir -p build-fuzz/crashes
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		mkdir -p build-fuzz/corpus/$$t; \
		build-fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
		    -artifact_prefix=build-fuzz/crashes/$$t- -print_final_stats=1 \
		    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

.SECONDEXPANSION:
$(B)/fuzz/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $$(fuzz_links_$$*)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(fuzz_flags_$*) $(LDLIBS)
