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
VENDORPOLICYDIR ?= $(PREFIXLIB)/allocsel.d
DATADIR    ?= $(PREFIX)/share
DOCDIR     ?= $(DATADIR)/doc/allocsel
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
EXAMPLES   := $(filter-out conf/default.conf,$(wildcard conf/*.conf)) packaging/allocsel-example.service
DESTDIR    ?=

BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS    ?= -O2 -g
SAN_FLAGS ?=
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -Iinclude \
             -DALLOCSEL_VERSION='"$(VERSION)"' -DLIBEXECDIR='"$(LIBEXECDIR)"' \
             -DRELEASELIBDIR='"$(LIBDIR)/allocsel"' \
             -DMULTIARCH='"$(MULTIARCH)"' $(shell $(PKG_CONFIG) --cflags libconfig)
LDFLAGS  ?=
CONFIG_LIBS  := $(shell $(PKG_CONFIG) --libs libconfig)
SYSTEMD_LIBS := $(shell $(PKG_CONFIG) --libs libsystemd)
CMOCKA_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka)

# Everything but main.c, so the unit tests link the same objects.
CORE_SRCS := strv utf8 json diag numparse companion elf_info trust suggest confscan confread policy_keys policy \
             library library_probe catalog envbuild tuning plan inspect events records announce helper pidfd procstat \
             clock cli report compare compare_output policy_digest
# What the host sets outside any policy (THP, /etc/malloc.conf, the CPUs a
# service may use); children = "clean".
CORE_SRCS += sysfile hostconf cpus children_env loadprobe
CORE_OBJS := $(CORE_SRCS:%=$(BUILD)/%.o)
# allocsel-report: everything but reading the journal is testable without it.
FLEET_SRCS := fleet_join fleet_summary fleet_output fleet_prometheus strpool pairmap timeparse utf8 json strv numparse
FLEET_OBJS := $(FLEET_SRCS:%=$(BUILD)/%.o)
UNIT_TESTS := test-numparse test-json test-fleet test-digest test-envbuild test-policy test-plan test-tuning test-elf test-library test-cli test-trust test-release test-children test-cpus \
              test-events test-monitor test-settings
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/%)
# The unit tests need only the build dependencies (packages run them).
UNIT_TOOLS := $(BUILD)/tests/libfake-je.so $(BUILD)/tests/libfake-alloc.so $(BUILD)/tests/libno-override.so $(BUILD)/tests/static-true $(BUILD)/tests/links-jemalloc
TEST_TOOLS := $(UNIT_TOOLS) $(BUILD)/tests/fragment $(BUILD)/tests/fragment-nopie $(BUILD)/tests/notify-ready $(BUILD)/tests/eater $(BUILD)/tests/probe \
              $(BUILD)/tests/old-kernel $(BUILD)/tests/spawner $(BUILD)/tests/libkeep.so \
              $(BUILD)/tests/libabort-at-load.so $(BUILD)/tests/libneeds-ghost.so $(BUILD)/tests/libhangs-at-load.so

# What `make` builds and `make install` installs, nothing more (packages run
# plain `make`). A new program or library: add it to one of these lists and
# give it a link rule below; install, uninstall and the packages follow.
BIN_PROGRAMS     := allocsel
LIBEXEC_PROGRAMS := allocsel-monitor allocsel-report
PRIVATE_LIBS     := liballocsel-release.so liballocsel-children.so
INSTALLED        := $(addprefix $(BUILD)/,$(BIN_PROGRAMS) $(LIBEXEC_PROGRAMS) $(PRIVATE_LIBS))

.PHONY: demo dist all check check-systemd check-packaging check-fuzz check-unit check-integration check-build check-sanitizers install uninstall clean bench fuzz lint

# The default goal.
all: $(INSTALLED)

# The README's first command: runs Python workloads, so never the default goal.
demo: all
	BUILD=$(BUILD) bash examples/demo.sh

$(BUILD)/%.o: selector/%.c $(wildcard include/*.h) | $(BUILD)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD):
	mkdir -p $(BUILD)/tests

# allocsel itself links libconfig only: libsystemd stays off the exec path.
$(BUILD)/allocsel: $(BUILD)/main.o $(CORE_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CONFIG_LIBS)

# The release helper: preloaded into services, so it exports nothing.
$(BUILD)/liballocsel-release.so: selector/release.c | $(BUILD)
	$(CC) -std=c17 $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS_LIB) -fPIC -shared -fvisibility=hidden \
		$(LDFLAGS) -o $@ $< -lpthread -ldl

# children = "clean": preloaded into services, it exports only the functions
# it interposes; linked -z now so that nothing is resolved in a vfork child.
$(BUILD)/liballocsel-children.so: selector/children.c selector/children_env.c include/children.h | $(BUILD)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -Iinclude $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS_LIB) -fPIC -shared \
		-fvisibility=hidden -Wl,-z,now $(LDFLAGS) -o $@ selector/children.c selector/children_env.c -lpthread -ldl

# The helper: the event type and /proc reading it shares with allocsel, and the watch.
MONITOR_OBJS := $(addprefix $(BUILD)/,monitor.o events.o strv.o procstat.o numparse.o clock.o library_probe.o)
$(BUILD)/allocsel-monitor: $(BUILD)/monitor_main.o $(MONITOR_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS)

$(BUILD)/tests/test-monitor: tests/test-monitor.c $(MONITOR_OBJS) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(MONITOR_OBJS) $(CMOCKA_LIBS)

# The fleet report reads the journal: libsystemd, off allocsel's exec path.
$(BUILD)/allocsel-report: $(BUILD)/report_main.o $(BUILD)/fleet_read.o $(BUILD)/fleet_directory.o $(FLEET_OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SYSTEMD_LIBS) -lpthread

$(BUILD)/tests/test-fleet: tests/test-fleet.c $(FLEET_OBJS) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(FLEET_OBJS) $(CMOCKA_LIBS)

$(BUILD)/tests/test-release: tests/test-release.c selector/release.c | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CMOCKA_LIBS) -lpthread -ldl

$(BUILD)/tests/test-%: tests/test-%.c $(CORE_OBJS) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(CORE_OBJS) $(CONFIG_LIBS) $(CMOCKA_LIBS)

# The probe asks the allocator inside itself; it links nothing but libc.
$(BUILD)/tests/probe: tests/probe.c | $(BUILD)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -g -o $@ $< -ldl

$(BUILD)/tests/static-true: tests/tiny.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -static -o $@ $<

$(BUILD)/tests/notify-ready: tests/notify-ready.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -o $@ $< $(SYSTEMD_LIBS)

$(BUILD)/tests/fragment: tests/fragment.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

# The same without PIE: like Debian's /usr/bin/python3, it exports malloc.
$(BUILD)/tests/fragment-nopie: tests/fragment.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -fno-pie -no-pie -o $@ $<

$(BUILD)/tests/old-kernel: tests/old-kernel.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

$(BUILD)/tests/spawner: tests/spawner.c | $(BUILD)
	$(CC) -std=c17 -D_GNU_SOURCE $(WARN) -O1 -o $@ $< -ldl

$(BUILD)/tests/libabort-at-load.so: tests/load-fails.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -DABORT_AT_LOAD -o $@ $<

$(BUILD)/tests/libhangs-at-load.so: tests/load-fails.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -DHANG_AT_LOAD -o $@ $<

# Linked against a library that is gone once it is built.
$(BUILD)/tests/libneeds-ghost.so: tests/load-fails.c tests/empty.c | $(BUILD)
	mkdir -p $(BUILD)/tests/ghost
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -Wl,-soname,libghost.so -o $(BUILD)/tests/ghost/libghost.so tests/empty.c
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $< -L$(BUILD)/tests/ghost -Wl,--no-as-needed -lghost
	rm -r $(BUILD)/tests/ghost

$(BUILD)/tests/libkeep.so: tests/keep.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $<

$(BUILD)/tests/eater: tests/eater.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -o $@ $<

$(BUILD)/tests/libfake-je.so: tests/fake-prefixed-jemalloc.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $<

$(BUILD)/tests/libfake-alloc.so: tests/fake-allocator.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -o $@ $<

# Only a DT_HASH table (no DT_GNU_HASH): the other way to count symbols.
$(BUILD)/tests/libno-override.so: tests/fake-no-override.c | $(BUILD)
	$(CC) -std=c17 $(WARN) -O1 -shared -fPIC -Wl,--hash-style=sysv -o $@ $<

# Needs libjemalloc.so.2 by name only: linked against an empty library with
# that soname, so building it needs no allocator (at run time ld.so loads
# the real one).
$(BUILD)/tests/links-jemalloc: tests/tiny.c $(BUILD)/tests/soname/libjemalloc.so.2
	$(CC) -std=c17 $(WARN) -O1 -o $@ $< -Wl,--no-as-needed $(BUILD)/tests/soname/libjemalloc.so.2

$(BUILD)/tests/soname/libjemalloc.so.2: tests/empty.c | $(BUILD)
	mkdir -p $(@D)
	$(CC) -std=c17 $(WARN) -shared -fPIC -Wl,-soname,$(@F) -o $@ $<

check-unit: $(UNIT_BINS) $(UNIT_TOOLS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

check-integration: all $(TEST_TOOLS)
	BUILD=$(BUILD) SANITIZED=$(if $(SAN_FLAGS),1,) bash tests/integration.sh
	BUILD=$(BUILD) SANITIZED=$(if $(SAN_FLAGS),1,) bash tests/report.sh

# The same suites again under AddressSanitizer and UndefinedBehaviorSanitizer.
check-sanitizers:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(MAKE) BUILD=build-san SAN_FLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		CFLAGS='-O1 -g' check-unit check-integration

# Units through allocsel under a real systemd in a throwaway container.
check-systemd: all $(TEST_TOOLS)
	BUILD=$(BUILD) bash tests/systemd.sh

# Plain `make` runs nothing and builds what is installed; what is installed
# imports nothing newer than glibc 2.28 / systemd 239 (tests/glibc-symbols.sh)
# and works on RHEL 8's kernel, without pidfd, close_range and clone3.
check-build: all $(TEST_TOOLS)
	@r=0; bash tests/build.sh || r=1; BUILD=$(BUILD) bash tests/old-kernel.sh && exit $$r

# The .deb (installed system-wide: hold /tmp/allocsel-heavy.lock) and the
# rpm (installed with dnf into a RHEL-like root), built from `make dist`.
check-packaging:
	@deb=0; BUILD=$(BUILD) bash tests/packaging.sh || deb=1; \
	BUILD=$(BUILD) bash tests/packaging-rpm.sh && exit $$deb

# Ten seconds of fuzzing: keeps the fuzz target building and catches the obvious.
check-fuzz:
	$(MAKE) FUZZ_SECONDS=10 fuzz

check: lint check-unit check-integration check-build check-systemd check-packaging check-sanitizers check-fuzz

bench: all
	BUILD=$(BUILD) bash bench/startup.sh
	BUILD=$(BUILD) bash bench/release.sh
	BUILD=$(BUILD) bash bench/policy.sh
	BUILD=$(BUILD) bash bench/check.sh
	BUILD=$(BUILD) bash bench/report.sh

# No process is started from the fuzz target: leave out what spawns.
FUZZ_SRCS := $(filter-out helper announce compare compare_output,$(CORE_SRCS))
fuzz: | $(BUILD)
	clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
		$(shell $(PKG_CONFIG) --cflags libconfig) -DMULTIARCH='"$(MULTIARCH)"' \
		-o $(BUILD)/fuzz-policy tests/fuzz-policy.c $(FUZZ_SRCS:%=selector/%.c) $(CONFIG_LIBS)
	mkdir -p $(BUILD)/fuzz-corpus && cp conf/*.conf $(BUILD)/fuzz-corpus/
	for f in tests/policies/*.conf; do cp "$$f" "$(BUILD)/fuzz-corpus/fixture-$${f##*/}"; done
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(BUILD)/fuzz-policy -max_total_time=$${FUZZ_SECONDS:-60} \
		-max_len=4096 -artifact_prefix=$(BUILD)/ $(BUILD)/fuzz-corpus

lint:
	cppcheck --std=c11 --enable=warning,style,performance,portability --error-exitcode=1 \
		--inline-suppr --suppress=missingIncludeSystem -Iinclude -D_GNU_SOURCE -q selector tests/*.c
	clang-tidy --quiet selector/*.c -- -std=c17 -D_GNU_SOURCE -Iinclude $(shell $(PKG_CONFIG) --cflags libconfig libsystemd) -DMULTIARCH=\"$(MULTIARCH)\"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)/allocsel $(DESTDIR)$(LIBDIR)/allocsel
	install -m755 $(addprefix $(BUILD)/,$(BIN_PROGRAMS)) $(DESTDIR)$(BINDIR)/
	install -m755 $(addprefix $(BUILD)/,$(LIBEXEC_PROGRAMS)) $(DESTDIR)$(LIBEXECDIR)/allocsel/
	install -m644 $(addprefix $(BUILD)/,$(PRIVATE_LIBS)) $(DESTDIR)$(LIBDIR)/allocsel/
	install -Dm644 packaging/allocsel.catalog $(DESTDIR)$(CATALOGDIR)/allocsel.catalog
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
		$(DESTDIR)$(MANDIR)/man5/allocsel.d.5 $(DESTDIR)$(COMPLETIONDIR)/allocsel \
		$(DESTDIR)$(SYSCONFDIR)/allocsel.d/default.conf $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
	-rmdir $(DESTDIR)$(LIBEXECDIR)/allocsel $(DESTDIR)$(LIBDIR)/allocsel $(DESTDIR)$(SYSCONFDIR)/allocsel.d $(DESTDIR)$(VENDORPOLICYDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null

# The release tarball (rpmbuild -ta builds from it): every file of the
# source tree but what builds leave in it, so no git is needed and a
# tarball's own tree makes the same tarball. No sources: an error.
DIST_NAME := allocsel-$(VERSION)
dist: | $(BUILD)
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
