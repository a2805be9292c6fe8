# clubmatch - see README.md.  `make` builds build/clubmatch; `make run`,
# `make test` and `make bench` first install missing Debian packages.
PKGS   = libmicrohttpd jansson sqlite3 libical libcurl libcrypto
WARN   = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
         -Wpointer-arith -Wwrite-strings -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Icommon -Igeo -Iics \
             -Ischeduler $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
B     ?= build

ifdef SANITIZE          # make B=build-asan SANITIZE=address,undefined
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif
ifdef DEVELOPER         # CI and developers; packagers aren't broken by new warnings
ALL_CFLAGS += -Werror
endif

COMMON = $(wildcard common/*.c)
GEO    = $(wildcard geo/*.c) $(wildcard geo/*.S)
ICS    = $(wildcard ics/*.c)
SCHED  = $(filter-out scheduler/main.c,$(wildcard scheduler/*.c) $(wildcard web/*.S))
objs   = $(patsubst %,$(B)/%.o,$(basename $(1)))

LIB_COMMON = $(call objs,$(COMMON))
LIB_GEO    = $(call objs,$(GEO))
LIB_ICS    = $(call objs,$(ICS))
LIB_SCHED  = $(call objs,$(SCHED))
LIB_ALL    = $(LIB_SCHED) $(LIB_ICS) $(LIB_GEO) $(LIB_COMMON)

# Unit tests link only the module they test: test_geo*.c -> geo + common.
UNIT_SRCS  = $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRCS))
TOOL_SRCS  = $(wildcard tests/tools/*.c)
TOOL_BINS  = $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(TOOL_SRCS))
BENCH_SRCS = $(wildcard bench/*.c)
BENCH_BINS = $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))

.PHONY: all units benches setup run test check asan-check bench clean
all: $(B)/clubmatch

$(B)/clubmatch: $(B)/scheduler/main.o $(LIB_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

units: $(UNIT_BINS) $(TOOL_BINS)
benches: $(BENCH_BINS)

$(B)/tests/test_geo%: $(B)/tests/unit/test_geo%.o $(LIB_GEO) $(LIB_COMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# A pattern's % never matches nothing, so test_geo itself needs its own rule.
$(B)/tests/test_geo: $(B)/tests/unit/test_geo.o $(LIB_GEO) $(LIB_COMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tests/test_ics%: $(B)/tests/unit/test_ics%.o $(LIB_ICS) $(LIB_COMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tests/test_common%: $(B)/tests/unit/test_common%.o $(LIB_COMMON)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tests/tools/%: $(B)/tests/tools/%.o $(LIB_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tests/%: $(B)/tests/unit/%.o $(LIB_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/bench/%: $(B)/bench/%.o $(LIB_ALL)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
# .S files embed data (.incbin); they list what they include in -MMD too.
$(B)/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
# -MMD does not see .incbin: name the embedded data by hand.
$(B)/geo/zipdata.o: data/zips.tsv

# .incbin is invisible to -MMD: name the embedded files by hand.
$(B)/web/assets.o: web/secretary.html web/app.js web/app.css

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# tools/setup.sh runs apt-get install (with sudo when not root) for the
# Debian packages that are missing, so a fresh machine needs only make.
setup:
	@tools/setup.sh build

run: setup
	@$(MAKE) --no-print-directory all
	$(B)/clubmatch serve

# The whole suite, then again under AddressSanitizer + UBSan.  The runner's
# last line is "N passed, M failed".
test:
	@tools/setup.sh test
	@$(MAKE) --no-print-directory DEVELOPER=1 all units
	@$(MAKE) --no-print-directory DEVELOPER=1 B=build-asan \
		SANITIZE=address,undefined CFLAGS='-O1 -g' all units
	@tests/run.sh build build-asan

check: test

bench:
	@tools/setup.sh bench
	@$(MAKE) --no-print-directory all benches
	@bench/run.sh $(B)

clean:
	rm -rf build build-*
