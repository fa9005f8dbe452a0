# allocsel — see README.md. `make`, `make check`, `make install DESTDIR= PREFIX=`.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
LIBDIR     ?= $(PREFIX)/lib
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
PREFIXLIB  ?= $(PREFIX)/lib
CATALOGDIR ?= $(PREFIXLIB)/systemd/catalog
SYSTEMDUNITDIR ?= $(PREFIXLIB)/systemd/system
VENDORPOLICYDIR ?= $(PREFIXLIB)/allocsel.d
DATADIR    ?= $(PREFIX)/share
DOCDIR     ?= $(DATADIR)/doc/allocsel
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
EXAMPLES   := $(filter-out conf/default.conf,$(wildcard conf/*.conf)) packaging/allocsel-example.service
DESTDIR    ?=

BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
# gcc-ar names its own LTO plugin: plain ar loads every plugin in
# bfd-plugins (LLVM's too, a package outside Build-Depends).
AR         := gcc-ar
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    ?= -O2 -g
SAN_FLAGS ?=
# -MMD -MP: each object depends on the headers it includes, nothing more.
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -Iinclude \
             -DALLOCSEL_VERSION='"$(VERSION)"' -DLIBEXECDIR='"$(LIBEXECDIR)"' \
             -DPRIVATELIBDIR='"$(LIBDIR)/allocsel"' \
             -DMULTIARCH='"$(MULTIARCH)"' $(shell $(PKG_CONFIG) --cflags libconfig)
LDFLAGS  ?=
CONFIG_LIBS  := $(shell $(PKG_CONFIG) --libs libconfig)
SYSTEMD_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd)
CMOCKA_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka)

# One folder per program over a shared core (README, "Layout"): each
# program's sources are its folder's. selector/lib is built once into an
# archive every program links; it sees include/ only, so it cannot
# include a program's headers. A program's folder sees include/ and itself.
CORE_SRCS     := $(sort $(wildcard selector/lib/*.c))
LAUNCHER_SRCS := $(sort $(wildcard selector/allocsel/*.c))
MONITOR_SRCS  := $(sort $(wildcard selector/monitor/*.c))
REPORT_SRCS   := $(sort $(wildcard selector/report/*.c))
obj = $(patsubst selector/%.c,$(BUILD)/obj/%.o,$(1))
CORE_LIB      := $(BUILD)/obj/libcore.a
# Each program's objects but its main, as an archive: its unit tests link them.
LAUNCHER_LIB  := $(BUILD)/obj/liblauncher.a
MONITOR_LIB   := $(BUILD)/obj/libmonitor.a
REPORT_LIB    := $(BUILD)/obj/libreport.a
ALL_OBJS      := $(call obj,$(CORE_SRCS) $(LAUNCHER_SRCS) $(MONITOR_SRCS) $(REPORT_SRCS))

# Unit tests, by the program whose code they test (the rest: the launcher's).
CORE_TESTS     := test-numparse test-json test-children
MONITOR_TESTS  := test-monitor
REPORT_TESTS   := test-fleet
PRELOAD_TESTS  := test-release
LAUNCHER_TESTS := $(filter-out $(CORE_TESTS) $(MONITOR_TESTS) $(REPORT_TESTS) $(PRELOAD_TESTS), \
                  $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test-*.c)))
UNIT_BINS  := $(addprefix $(BUILD)/tests/,$(CORE_TESTS) $(LAUNCHER_TESTS) $(MONITOR_TESTS) $(REPORT_TESTS) $(PRELOAD_TESTS))
# The unit tests need only the build dependencies (packages run them).
UNIT_TOOLS := $(BUILD)/tests/libfake-je.so $(BUILD)/tests/libfake-alloc.so $(BUILD)/tests/libno-override.so $(BUILD)/tests/static-true $(BUILD)/tests/links-jemalloc
TEST_TOOLS := $(UNIT_TOOLS) $(BUILD)/tests/fragment $(BUILD)/tests/fragment-nopie $(BUILD)/tests/notify-ready $(BUILD)/tests/eater $(BUILD)/tests/probe \
              $(BUILD)/tests/shaped \
              $(BUILD)/tests/old-kernel $(BUILD)/tests/spawner $(BUILD)/tests/libkeep.so \
              $(BUILD)/tests/libabort-at-load.so $(BUILD)/tests/libneeds-ghost.so $(BUILD)/tests/libhangs-at-load.so \
              $(BUILD)/tests/libhangs-closed.so $(BUILD)/tests/librejects-decay.so \
              $(BUILD)/tests/libfailmalloc.so $(BUILD)/tests/churn

# What `make` builds and `make install` installs, nothing more (packages run
# plain `make`). A new program or library: add it to one of these lists and
# give it a link rule below; install, uninstall and the packages follow.
BIN_PROGRAMS     := allocsel
LIBEXEC_PROGRAMS := allocsel-monitor allocsel-report
PRIVATE_LIBS     := liballocsel-release.so liballocsel-children.so
UNITS            := allocsel-monitor.socket allocsel-monitor.service
INSTALLED        := $(addprefix $(BUILD)/,$(BIN_PROGRAMS) $(LIBEXEC_PROGRAMS) $(PRIVATE_LIBS) $(UNITS))

.PHONY: demo dist all check check-systemd check-packaging check-fuzz check-unit check-integration check-build check-sanitizers install uninstall clean bench fuzz lint

# The default goal.
all: $(INSTALLED)

# The README's first command: runs Python workloads, so never the default goal.
demo: all
	BUILD=$(BUILD) bash examples/demo.sh

-include $(ALL_OBJS:.o=.d) $(wildcard $(BUILD)/tests/*.d)

$(BUILD)/obj/lib/%.o: selector/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# A program's object: its own folder's headers, and the core's.
$(BUILD)/obj/%.o: selector/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Iselector/$(*D) -c -o $@ $<

$(CORE_LIB): $(call obj,$(CORE_SRCS))
$(LAUNCHER_LIB): $(call obj,$(filter-out %/main.c,$(LAUNCHER_SRCS)))
$(MONITOR_LIB): $(call obj,$(filter-out %/main.c,$(MONITOR_SRCS)))
$(REPORT_LIB): $(call obj,$(filter-out %/main.c,$(REPORT_SRCS)))
$(BUILD)/obj/%.a:
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests:
	mkdir -p $(BUILD)/tests

# allocsel itself links libconfig only: libsystemd stays off the exec path.
$(BUILD)/allocsel: $(BUILD)/obj/allocsel/main.o $(LAUNCHER_LIB) $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CONFIG_LIBS)

# The release helper: preloaded into services, so it exports nothing.
$(BUILD)/liballocsel-release.so: selector/preload/release.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS_LIB) -fPIC -shared -fvisibility=hidden \
		$(LDFLAGS) -o $@ $< -lpthread -ldl

# children = "clean": preloaded into services, it exports only the functions
# it interposes; linked -z now so that nothing is resolved in a vfork child.
# The spec codec is the core's, built again position-independent.
$(BUILD)/liballocsel-children.so: selector/preload/children.c selector/lib/children_env.c include/children_env.h | $(BUILD)/tests
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -Iinclude $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS_LIB) -fPIC -shared \
		-fvisibility=hidden -Wl,-z,now $(LDFLAGS) -o $@ selector/preload/children.c selector/lib/children_env.c -lpthread -ldl

# The host's monitor and its units (the service names where it is installed).
$(BUILD)/allocsel-monitor.socket: packaging/allocsel-monitor.socket | $(BUILD)/tests
	cp $< $@
$(BUILD)/allocsel-monitor.service: packaging/allocsel-monitor.service.in Makefile | $(BUILD)/tests
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' $< >$@.tmp && mv $@.tmp $@

# The host's monitor, linked with libsystemd.
$(BUILD)/allocsel-monitor: $(BUILD)/obj/monitor/main.o $(MONITOR_LIB) $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS)

# The fleet report reads the journal: libsystemd, off allocsel's exec path.
$(BUILD)/allocsel-report: $(BUILD)/obj/report/main.o $(REPORT_LIB) $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) -lpthread

# Unit tests: the program's headers and archive, then the core's.
$(addprefix $(BUILD)/tests/,$(CORE_TESTS)): $(BUILD)/tests/%: tests/unit/%.c $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(CMOCKA_LIBS)

$(addprefix $(BUILD)/tests/,$(LAUNCHER_TESTS)): $(BUILD)/tests/%: tests/unit/%.c $(LAUNCHER_LIB) $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Iselector/allocsel $(LDFLAGS) -o $@ $< $(LAUNCHER_LIB) $(CORE_LIB) $(CONFIG_LIBS) $(CMOCKA_LIBS)

$(addprefix $(BUILD)/tests/,$(MONITOR_TESTS)): $(BUILD)/tests/%: tests/unit/%.c $(MONITOR_LIB) $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Iselector/monitor $(LDFLAGS) -o $@ $< $(MONITOR_LIB) $(CORE_LIB) $(SYSTEMD_LIBS) -lpthread $(CMOCKA_LIBS)

$(addprefix $(BUILD)/tests/,$(REPORT_TESTS)): $(BUILD)/tests/%: tests/unit/%.c $(REPORT_LIB) $(CORE_LIB) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Iselector/report $(LDFLAGS) -o $@ $< $(REPORT_LIB) $(CORE_LIB) $(CMOCKA_LIBS)

# The release helper's unit test includes its source (its functions are static).
$(BUILD)/tests/test-release: tests/unit/test-release.c | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Iselector/preload $(LDFLAGS) -o $@ $< $(CMOCKA_LIBS) -lpthread -ldl

$(BUILD)/tests/probe: tests/helpers/probe.c | $(BUILD)/tests
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g -o $@ $< -ldl

$(BUILD)/tests/static-true: tests/helpers/tiny.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -static -o $@ $<

$(BUILD)/tests/notify-ready: tests/helpers/notify-ready.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -o $@ $< $(SYSTEMD_LIBS)

$(BUILD)/tests/fragment: tests/helpers/fragment.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

# The same without PIE: like Debian's /usr/bin/python3, it exports malloc.
$(BUILD)/tests/fragment-nopie: tests/helpers/fragment.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -fno-pie -no-pie -o $@ $<

$(BUILD)/tests/old-kernel: tests/helpers/old-kernel.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

$(BUILD)/tests/spawner: tests/helpers/spawner.c | $(BUILD)/tests
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -o $@ $< -ldl -lpthread

$(BUILD)/tests/libabort-at-load.so: tests/helpers/load-fails.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -DABORT_AT_LOAD -o $@ $<

$(BUILD)/tests/libhangs-at-load.so: tests/helpers/load-fails.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -DHANG_AT_LOAD -o $@ $<

$(BUILD)/tests/libhangs-closed.so: tests/helpers/load-fails.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -DHANG_AT_LOAD -DCLOSE_STDERR -o $@ $<

$(BUILD)/tests/librejects-decay.so: tests/helpers/load-fails.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -DREJECT_DECAY -o $@ $<

# Linked against a library that is gone once it is built.
$(BUILD)/tests/libneeds-ghost.so: tests/helpers/load-fails.c tests/helpers/empty.c | $(BUILD)/tests
	mkdir -p $(BUILD)/tests/ghost
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -Wl,-soname,libghost.so -o $(BUILD)/tests/ghost/libghost.so tests/helpers/empty.c
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $< -L$(BUILD)/tests/ghost -Wl,--no-as-needed -lghost
	rm -r $(BUILD)/tests/ghost

$(BUILD)/tests/libkeep.so: tests/helpers/keep.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $<

$(BUILD)/tests/libfailmalloc.so: tests/helpers/failmalloc.c | $(BUILD)/tests
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -shared -fPIC -o $@ $<

$(BUILD)/tests/eater: tests/helpers/eater.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

$(BUILD)/tests/churn: tests/helpers/churn.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

$(BUILD)/tests/shaped: tests/helpers/shaped.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

$(BUILD)/tests/libfake-je.so: tests/helpers/fake-prefixed-jemalloc.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $<

$(BUILD)/tests/libfake-alloc.so: tests/helpers/fake-allocator.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $<

# Only a DT_HASH table (no DT_GNU_HASH): the other way to count symbols.
$(BUILD)/tests/libno-override.so: tests/helpers/fake-no-override.c | $(BUILD)/tests
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -Wl,--hash-style=sysv -o $@ $<

# Needs libjemalloc.so.2 by name only: linked against an empty library with
# that soname, so building it needs no allocator (at run time ld.so loads
# the real one).
$(BUILD)/tests/links-jemalloc: tests/helpers/tiny.c $(BUILD)/tests/soname/libjemalloc.so.2
	$(CC) -std=c17 $(WARN) -O1 -o $@ $< -Wl,--no-as-needed $(BUILD)/tests/soname/libjemalloc.so.2

$(BUILD)/tests/soname/libjemalloc.so.2: tests/helpers/empty.c | $(BUILD)/tests
	mkdir -p $(@D)
	$(CC) -std=c17 $(WARN) -shared -fPIC -Wl,-soname,$(@F) -o $@ $<

check-unit: $(UNIT_BINS) $(UNIT_TOOLS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check-integration: all $(TEST_TOOLS)
	BUILD=$(BUILD) SANITIZED=$(if $(SAN_FLAGS),1,) bash tests/blackbox/integration.sh
	BUILD=$(BUILD) SANITIZED=$(if $(SAN_FLAGS),1,) bash tests/blackbox/report.sh

# The same suites again under AddressSanitizer and UndefinedBehaviorSanitizer.
check-sanitizers:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) BUILD=build-san SAN_FLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		CFLAGS='-O1 -g' check-unit check-integration

# Units through allocsel under a real systemd in a throwaway container.
check-systemd: all $(TEST_TOOLS)
	BUILD=$(BUILD) bash tests/blackbox/systemd.sh

# Plain `make` runs nothing and builds what is installed; what is installed
# imports nothing newer than glibc 2.28 / systemd 239 (tests/build/glibc-symbols.sh)
# and works on RHEL 8's kernel, without pidfd, close_range and clone3.
check-build: all $(TEST_TOOLS)
	@r=0; bash tests/build/layout.sh || r=1; bash tests/build/build.sh || r=1; BUILD=$(BUILD) bash tests/build/old-kernel.sh && exit $$r

# The .deb (installed system-wide: hold /tmp/allocsel-heavy.lock) and the
# rpm (installed with dnf into a RHEL-like root), built from `make dist`.
check-packaging:
	@deb=0; BUILD=$(BUILD) bash tests/packaging/packaging.sh || deb=1; \
	BUILD=$(BUILD) bash tests/packaging/packaging-rpm.sh && exit $$deb

# Ten seconds of fuzzing: keeps the fuzz target building and catches the obvious.
check-fuzz:
	$(MAKE) FUZZ_SECONDS=10 fuzz

check: lint check-unit check-integration check-build check-systemd check-packaging check-sanitizers check-fuzz

bench: all
	BUILD=$(BUILD) bash bench/startup.sh
	BUILD=$(BUILD) bash bench/monitor.sh
	BUILD=$(BUILD) bash bench/release.sh
	BUILD=$(BUILD) bash bench/policy.sh
	BUILD=$(BUILD) bash bench/check.sh
	BUILD=$(BUILD) bash bench/report.sh
	BUILD=$(BUILD) bash bench/runtimes.sh

# No process is started from the fuzz target: leave out what spawns.
FUZZ_SRCS := $(CORE_SRCS) $(filter-out %/main.c %/helper.c %/announce.c %/compare.c %/compare_output.c,$(LAUNCHER_SRCS))
fuzz: | $(BUILD)/tests
	clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iselector/allocsel \
		$(shell $(PKG_CONFIG) --cflags libconfig) -DMULTIARCH='"$(MULTIARCH)"' \
		-o $(BUILD)/fuzz-policy tests/fuzz/fuzz-policy.c $(FUZZ_SRCS) $(CONFIG_LIBS)
	mkdir -p $(BUILD)/fuzz-corpus && cp conf/*.conf $(BUILD)/fuzz-corpus/
	for f in tests/fixtures/policies/*.conf; do cp "$$f" "$(BUILD)/fuzz-corpus/fixture-$${f##*/}"; done
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(BUILD)/fuzz-policy -max_total_time=$${FUZZ_SECONDS:-60} \
		-max_len=4096 -artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus

# Each folder is checked with the include path it is built with.
TIDY_FLAGS = -std=c17 -D_GNU_SOURCE -Iinclude $(shell $(PKG_CONFIG) --cflags libconfig libsystemd) -DMULTIARCH=\"$(MULTIARCH)\"
lint:
	cppcheck --std=c11 --enable=warning,style,performance,portability --error-exitcode=1 \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude -D_GNU_SOURCE -q selector/lib
	@set -e; for d in allocsel monitor report preload; do \
		cppcheck --std=c11 --enable=warning,style,performance,portability --error-exitcode=1 \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude -Iselector/$$d -D_GNU_SOURCE -q selector/$$d; done
	cppcheck --std=c11 --enable=warning,style,performance,portability --error-exitcode=1 \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude -Iselector/allocsel -Iselector/monitor -Iselector/report \
		-Iselector/preload -D_GNU_SOURCE -q tests/unit tests/helpers tests/fuzz
	clang-tidy --quiet selector/lib/*.c -- $(TIDY_FLAGS)
	@set -e; for d in allocsel monitor report preload; do \
		echo "clang-tidy selector/$$d"; clang-tidy --quiet selector/$$d/*.c -- $(TIDY_FLAGS) -Iselector/$$d; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/allocsel $(DESTDIR)$(LIBDIR)/allocsel
	install -m755 $(addprefix $(BUILD)/,$(BIN_PROGRAMS)) $(DESTDIR)$(BINDIR)/
	install -m755 $(addprefix $(BUILD)/,$(LIBEXEC_PROGRAMS)) $(DESTDIR)$(LIBEXECDIR)/allocsel/
	install -m644 $(addprefix $(BUILD)/,$(PRIVATE_LIBS)) $(DESTDIR)$(LIBDIR)/allocsel/
	install -Dm644 packaging/allocsel.catalog $(DESTDIR)$(CATALOGDIR)/allocsel.catalog
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m644 $(addprefix $(BUILD)/,$(UNITS)) $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -Dm644 packaging/man/allocsel.1 $(DESTDIR)$(MANDIR)/man1/allocsel.1
	install -Dm644 packaging/man/allocsel.d.5 $(DESTDIR)$(MANDIR)/man5/allocsel.d.5
	install -Dm644 packaging/allocsel.bash-completion $(DESTDIR)$(COMPLETIONDIR)/allocsel
	install -Dm644 conf/default.conf $(DESTDIR)$(SYSCONFDIR)/allocsel.d/default.conf
	install -dm755 $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(VENDORPOLICYDIR)
	install -m644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(BIN_PROGRAMS)) \
		$(addprefix $(DESTDIR)$(LIBEXECDIR)/allocsel/,$(LIBEXEC_PROGRAMS)) \
		$(addprefix $(DESTDIR)$(LIBDIR)/allocsel/,$(PRIVATE_LIBS)) \
		$(DESTDIR)$(CATALOGDIR)/allocsel.catalog $(DESTDIR)$(MANDIR)/man1/allocsel.1 \
		$(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS)) \
		$(DESTDIR)$(MANDIR)/man5/allocsel.d.5 $(DESTDIR)$(COMPLETIONDIR)/allocsel \
		$(DESTDIR)$(SYSCONFDIR)/allocsel.d/default.conf $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	-rmdir $(DESTDIR)$(LIBEXECDIR)/allocsel $(DESTDIR)$(LIBDIR)/allocsel $(DESTDIR)$(SYSCONFDIR)/allocsel.d $(DESTDIR)$(VENDORPOLICYDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# The release tarball (rpmbuild -ta builds from it): every file of the
# source tree but what builds leave in it, so no git is needed and a
# tarball's own tree makes the same tarball. No sources: an error.
DIST_NAME := allocsel-$(VERSION)
dist: | $(BUILD)/tests
	@set -e; files=$$(find . \( -name .git -o -path './build*' -o -path './$(BUILD)' -o -path ./debian/allocsel \
		-o -path ./debian/.debhelper \) -prune -o -type f ! -name '*~' ! -name '*.substvars' ! -name '*.debhelper.log' \
		! -path ./debian/files ! -path ./debian/debhelper-build-stamp -print | sed 's,^\./,,' | LC_ALL=C sort); \
	if ! printf '%s\n' "$$files" | grep -qx Makefile || ! printf '%s\n' "$$files" | grep -qx rpm/allocsel.spec; then \
		echo "make dist: no source tree in $(CURDIR) (no Makefile or rpm/allocsel.spec found)" >&2; exit 1; fi; \
	printf '%s\n' "$$files" | tar -czf $(BUILD)/$(DIST_NAME).tar.gz.tmp --owner=0 --group=0 --numeric-owner \
		--transform 's,^,$(DIST_NAME)/,' -T -; \
	mv $(BUILD)/$(DIST_NAME).tar.gz.tmp $(BUILD)/$(DIST_NAME).tar.gz; \
	echo $(BUILD)/$(DIST_NAME).tar.gz

clean:
	rm -rf build build-san
