#!/bin/bash
# make check-build: plain `make` builds exactly what `make install` installs
# and runs nothing (packages call it), what runs in or is preloaded into a
# service links no libsystemd, and what is installed runs on glibc 2.28 /
# systemd 239 (RHEL 8), checked symbol by symbol.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib.sh"

work=$(mktemp -d /tmp/allocsel-build.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "# make: the default goal"
run_capture make -n -C "$top" BUILD="$work/dry"
expect_eq "make -n succeeds" 0 "$rc"
expect_has "make -n links allocsel" "-o $work/dry/allocsel " "$out"
for step in demo.sh --compare python ssl_contexts; do
        expect_not_has "make -n names no $step step" "$step" "$out"
done

make -s -C "$top" BUILD="$work/b" >"$work/make.log" 2>&1
expect_eq "make builds" 0 "$?"
make -s -C "$top" BUILD="$work/b" DESTDIR="$work/root" PREFIX=/usr install >"$work/install.log" 2>&1
expect_eq "make install installs" 0 "$?"
built=$(cd "$work/b" && find . -maxdepth 1 -type f ! -name '*.o' -printf '%f\n' | sort)
[ -n "$built" ] && pass "make builds programs" || fail "make builds programs"
for f in $built; do
        same=$(find "$work/root" -type f -name "$f" -exec cmp -s "$work/b/$f" {} \; -print)
        [ -n "$same" ] && pass "built $f is installed" || fail "built $f is installed" "not in: $(find "$work/root" -type f)"
done
expect_empty "make builds no test program" "$(find "$work/b/tests" -type f 2>/dev/null)"
run_capture make -n -C "$top" BUILD="$work/b" DESTDIR="$work/root2" PREFIX=/usr install
expect_not_has "make install builds nothing more after make" "-o $work/b/" "$out"

echo "# libsystemd stays off the exec path"
# allocsel runs in every service's start and the two libraries are preloaded
# into services: none of them may load libsystemd; the helper and the report
# program carry it instead.
needed() { readelf -dW "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' '; }
for f in bin/allocsel lib/allocsel/liballocsel-release.so lib/allocsel/liballocsel-children.so; do
        libs=$(needed "$work/root/usr/$f")
        [ -n "$libs" ] && ! grep -q 'libsystemd' <<<"$libs" && pass "${f##*/} does not link libsystemd ($libs)" \
                || fail "${f##*/} does not link libsystemd" "NEEDED: ${libs:-none read}"
done
for f in allocsel-monitor allocsel-report; do
        expect_has "$f, exec'd by allocsel, links libsystemd" libsystemd "$(needed "$work/root/usr/libexec/allocsel/$f")"
done

echo "# portability: glibc 2.28, systemd 239"
elves=()
while IFS= read -r -d '' f; do
        [ "$(head -c 4 "$f" | od -An -c | tr -d ' \n')" = '177ELF' ] && elves+=("$f")
done < <(find "$work/root" -type f -print0)
expect_eq "every program and library built is checked" \
        "$(for f in $built; do [ "$(head -c 4 "$work/b/$f" | od -An -c | tr -d ' \n')" = '177ELF' ] && echo "$f"; done | wc -l)" \
        "${#elves[@]}"
run_capture bash "$here/glibc-symbols.sh" "${elves[@]}"
expect_eq "installed files import nothing newer than glibc 2.28 / systemd 239" "0:" "$rc:$out"

# The check itself: a re-versioned symbol counts by its oldest version, the
# stat family is allowed, and a new API is named.
cat >"$work/old.c" <<'EOF'
#include <pthread.h>
#include <sys/stat.h>
static void *run(void *arg) { return arg; }
int main(void) { pthread_t t; struct stat st; pthread_create(&t, NULL, run, NULL); return stat("/", &st); }
EOF
cat >"$work/new.c" <<'EOF'
#define _GNU_SOURCE 1
#include <spawn.h>
#include <sys/pidfd.h>
int main(void) { posix_spawn_file_actions_t fa; posix_spawn_file_actions_init(&fa);
        return posix_spawn_file_actions_addclosefrom_np(&fa, 3) + pidfd_open(1, 0); }
EOF
cc -o "$work/old" "$work/old.c" -pthread && cc -o "$work/new" "$work/new.c"
expect_eq "test programs build" 0 "$?"
run_capture bash "$here/glibc-symbols.sh" "$work/old"
expect_eq "pthread_create@GLIBC_2.34 and stat@GLIBC_2.33 pass (oldest / allowed)" "0:" "$rc:$out"
run_capture bash "$here/glibc-symbols.sh" "$work/old" "$work/new"
expect_eq "a glibc 2.36 API fails the check" 1 "$rc"
expect_has "the offender is named with its file" "$work/new: pidfd_open@GLIBC_2.36: newer than glibc 2.28" "$out"
expect_has "every offender is named" "posix_spawn_file_actions_addclosefrom_np@GLIBC_2.34" "$out"
run_capture env GLIBC_MAX=2.35 bash "$here/glibc-symbols.sh" "$work/new"
expect_eq "the limit is a version, not a string" "$work/new: pidfd_open@GLIBC_2.36: newer than glibc 2.35" "$out"
run_capture bash "$here/glibc-symbols.sh" "$work/old.c"
expect_eq "a file that is not ELF cannot be checked" 2 "$rc"
finish
