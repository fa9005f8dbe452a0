#!/bin/bash
# make check-packaging (2/2): the RPM as Fedora and RHEL users get it, tested
# offline with Debian's rpm, rpmlint, dnf and createrepo_c. Built from the
# `make dist` tarball (which needs no git), linted, installed with
# `dnf --installroot` into a root laid out as RHEL's (a stub package stands
# in for its base system: glibc up to 2.28 and what the package links),
# upgraded over a local edit, erased; allocsel run inside that root finds the
# allocators where RHEL puts them and starts programs under them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib.sh"

work=$(mktemp -d /tmp/allocsel-rpm.XXXXXX)
chmod 755 "$work"
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
glibc_max=2.28
systemd_max=239
libdir=$(rpm --eval '%{_libdir}')

# Debian's rpm keeps its database in ~/.rpmdb: where RHEL 8 has it instead.
mkdir "$work/home"
printf '%%_dbpath /var/lib/rpm\n' >"$work/home/.rpmmacros"
export HOME="$work/home"
# BuildRequires name RHEL packages (Debian's stand in, so --nodeps), and
# Debian's brp-compress needs bash (read -d) to gzip man pages as Fedora's does.
rpmbuild_args=(--nodeps --define '__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}')
listing() { tar -tzf "$1" | LC_ALL=C sort; }

echo "# make dist: the release tarball, with or without git"
make -s -C "$top" BUILD="$work/dist1" dist >/dev/null
tarball="$work/dist1/allocsel-$version.tar.gz"
[ -s "$tarball" ] || { fail "make dist makes the tarball"; finish; exit 1; }
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
        expect_eq "the tarball holds the tree's files, and only those" \
                "$(git -C "$top" ls-files -co --exclude-standard | sed "s,^,allocsel-$version/," | LC_ALL=C sort)" \
                "$(listing "$tarball")"
else
        skip "the tarball holds the tree's files" "$top is not a git checkout"
fi
mkdir "$work/tree"
tar -xzf "$tarball" -C "$work/tree"
tree="$work/tree/allocsel-$version"
make -s -C "$tree" BUILD="$work/dist2" dist >/dev/null
expect_eq "make dist in the unpacked tarball (no git) makes the same tarball" \
        "$(listing "$tarball")" "$(listing "$work/dist2/allocsel-$version.tar.gz" 2>&1)"
mkdir "$work/empty"
run_capture make -s -C "$work/empty" -f "$top/Makefile" BUILD="$work/dist3" dist
expect_eq "make dist without a source tree fails" 2 "$rc"
expect_has "... saying why" "make dist: no source tree in $work/empty" "$err"
expect_empty "... and writes no tarball" "$(find "$work/dist3" -name '*.tar*' 2>&1)"

echo "# rpmbuild -tb from the tarball"
strace -f -qq -z -s 256 -e trace=execve -o "$work/rpm.trace" \
        rpmbuild "${rpmbuild_args[@]}" --define "_topdir $work/rpm" -tb "$tarball" >"$work/rpm.log" 2>&1
expect_eq "rpmbuild -tb builds the tarball" 0 "$?"
rpm1=$(find "$work/rpm/RPMS" -name "allocsel-$version-1.*.rpm" | head -1)
[ -n "$rpm1" ] || { fail "the rpm exists" "$(tail -20 "$work/rpm.log")"; finish; exit 1; }
execs=$(grep -E '^[0-9]+ +execve\(' "$work/rpm.trace")
expect_has "%check runs the unit tests" "/tests/test-policy\"" "$execs"
expect_empty "the build runs no Python" "$(grep -E 'execve\("[^"]*python[^"/]*"' <<<"$execs")"
expect_not_has "the build runs no --compare" '"--compare"' "$execs"
expect_empty "the build runs no allocsel" "$(grep -E 'execve\("[^"]*/allocsel"' <<<"$execs")"
run_capture rpmlint -c "$top/rpm/rpmlint.toml" "$rpm1" "$top/rpm/allocsel.spec"
expect_eq "rpmlint: the rpm and the spec are clean (rpm/rpmlint.toml says what is filtered and why)" \
        "0:0 errors, 0 warnings" "$rc:$(grep -o '[0-9]* errors, [0-9]* warnings' <<<"$out")"
[ "$rc" = 0 ] || echo "$out" | grep -E '^[^ ]+: [EW]:'

echo "# what the rpm holds and requires"
files=$(rpm -qlp "$rpm1" 2>/dev/null)
for f in /usr/bin/allocsel /usr/libexec/allocsel/allocsel-monitor /usr/libexec/allocsel/allocsel-report \
        "$libdir/allocsel/liballocsel-release.so" \
        "$libdir/allocsel/liballocsel-children.so" \
        /usr/share/man/man1/allocsel.1.gz /usr/share/man/man5/allocsel.d.5.gz \
        /usr/lib/systemd/catalog/allocsel.catalog /usr/lib/allocsel.d /etc/allocsel.d/default.conf \
        /usr/share/bash-completion/completions/allocsel /usr/share/licenses/allocsel/LICENSE \
        /usr/share/doc/allocsel/README.md /usr/share/doc/allocsel/examples/python-service.conf; do
        grep -qx -- "$f" <<<"$files" && pass "rpm holds $f" || fail "rpm holds $f" "$files"
done
expect_eq "the policy is %config(noreplace)" "/etc/allocsel.d/default.conf" \
        "$(rpm -qp --configfiles "$rpm1" 2>/dev/null)"
expect_eq "... marked noreplace (flags c, n)" cn \
        "$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm1" | awk '$1 == "/etc/allocsel.d/default.conf" {print $2}')"
requires=$(rpm -qp --requires "$rpm1" 2>/dev/null)
expect_empty "no allocator is required" "$(grep -Ei 'jemalloc|tcmalloc|mimalloc|gperftools' <<<"$requires")"
expect_eq "the allocators are recommended by their RHEL/EPEL names, not mimalloc" \
        "(jemalloc or gperftools-libs)" "$(rpm -qp --recommends "$rpm1" 2>/dev/null)"
mkdir "$work/x"
(cd "$work/x" && rpm2cpio "$rpm1" | cpio -idm --quiet)
elves=()
while IFS= read -r -d '' f; do
        [ "$(head -c 4 "$f" | od -An -c | tr -d ' \n')" = '177ELF' ] && elves+=("$f")
done < <(find "$work/x" -type f -print0)
[ "${#elves[@]}" -ge 3 ] && pass "the rpm holds its programs and library (${#elves[@]} ELF files)" \
        || fail "the rpm holds its programs and library" "${elves[*]}"
run_capture env GLIBC_MAX=$glibc_max SYSTEMD_MAX=$systemd_max bash "$top/tests/build/glibc-symbols.sh" "${elves[@]}"
portable=$rc
expect_eq "its programs and library import nothing newer than glibc $glibc_max (glibc-symbols.sh)" "0:" "$rc:$out"
# rpmbuild requires the newest glibc version each file imports; built on a
# newer glibc that may be one a symbol was re-versioned to (__libc_start_main
# 2.34) or the stat family (2.33): built on glibc 2.28 the same source binds
# to the old names. Every version above 2.28 must come from such a symbol.
imported=$(for f in "${elves[@]}"; do readelf --dyn-syms -W "$f"; done |
        awk '$7 == "UND" && $8 ~ /@GLIBC_[0-9]/ { n = $8; sub(/@.*/, "", n); v = $8; sub(/.*@GLIBC_/, "", v); print v, n }' | sort -u)
newer=()
for v in $(sed -n 's/^libc\.so\.6(GLIBC_\([0-9.]*\))(64bit)$/\1/p' <<<"$requires"); do
        [ "$(printf '%s\n%s\n' "$v" "$glibc_max" | sort -V | tail -1)" = "$glibc_max" ] && continue
        names=$(awk -v v="$v" '$1 == v { printf "%s ", $2 }' <<<"$imported")
        [ -n "$names" ] && [ "$portable" = 0 ] && newer+=("$v") \
                && pass "rpm requires GLIBC_$v only for ${names% } (older in glibc $glibc_max, see glibc-symbols.sh)" \
                || fail "rpm requires GLIBC_$v only for symbols glibc $glibc_max has" "imports: ${names:-none}"
done

echo "# a root laid out as RHEL's, filled by dnf from a local repository"
if [ "$(id -u)" != 0 ]; then
        skip "dnf --installroot and chroot" "needs root"
        finish; exit
fi
stage="$work/stage" repo="$work/repo" root="$work/root"
mkdir -p "$repo" "$root" "$work/no-repos"

# copy_libs DEST FILE...: the libraries FILE loads (ld.so included), into DEST
copy_libs() {
        local dest=$1; shift
        ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*\.so/ && $1 !~ /:$/ {print $1}' |
                sort -u | while read -r lib; do
                [ -e "$dest/$(basename "$lib")" ] || cp -L "$lib" "$dest/"
        done
}
# stub NAME STAGEDIR PROVIDES [POST-PROGRAM]: an rpm of STAGEDIR's files that
# provides exactly PROVIDES (one per line), built into the repository
stub() {
        local name=$1 dir=$2 provides=$3 post=${4:-} spec="$work/$1.spec"
        {
                printf 'Name: %s\nVersion: 1\nRelease: 1\nSummary: test stub\nLicense: MIT\nAutoReqProv: no\n' "$name"
                sed 's/^/Provides: /' <<<"$provides"
                printf '%%description\nStands in for the RHEL package of that name.\n'
                printf '%%install\ncp -a %s/. %%{buildroot}/\n' "$dir"
                [ -n "$post" ] && printf '%%post -p %s\n' "$post"
                printf '%%files\n'
                (cd "$dir" && find . -mindepth 1 \( -type d -printf '%%dir /%P\n' \) -o -printf '/%P\n')
        } >"$spec"
        rpmbuild -bb --define "_topdir $work/stubs" --define '__os_install_post %{nil}' \
                --define 'debug_package %{nil}' --define '_build_id_links none' "$spec" >"$work/$name.log" 2>&1 \
                && cp "$work"/stubs/RPMS/*/"$name"-1-1.*.rpm "$repo/"
}
# SONAME()(64bit) and SONAME(VERSION)(64bit) for a library's version
# definitions: glibc's up to 2.28 and those newer ones the package's
# re-versioned symbols need, libsystemd's up to 239, any other library's all.
lib_provides() {
        local so
        so=$(readelf -dW "$1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
        [ -n "$so" ] || return 0
        echo "$so()(64bit)"
        readelf -VW "$1" | sed -n 's/.*Flags: none.*Name: //p' | sort -u | while read -r v; do
                case $v in
                GLIBC_PRIVATE) continue ;;
                GLIBC_[0-9]*)
                        [ "$(printf '%s\n%s\n' "${v#GLIBC_}" "$glibc_max" | sort -V | tail -1)" = "$glibc_max" ] \
                                || printf '%s\n' "${newer[@]}" | grep -qx -- "${v#GLIBC_}" || continue ;;
                LIBSYSTEMD_[0-9]*) [ "${v#LIBSYSTEMD_}" -le "$systemd_max" ] || continue ;;
                esac
                echo "$so($v)(64bit)"
        done
}

jemalloc=$(ldconfig -p | awk '$1 == "libjemalloc.so.2" && /x86-64|64bit/ {print $NF; exit}')
tcmalloc=$(ldconfig -p | awk '$1 == "libtcmalloc.so.4" && /x86-64|64bit/ {print $NF; exit}')
tcmalloc_minimal=$(ldconfig -p | awk '$1 == "libtcmalloc_minimal.so.4" && /x86-64|64bit/ {print $NF; exit}')
if [ -z "$jemalloc" ] || [ -z "$tcmalloc" ] || [ -z "$tcmalloc_minimal" ]; then
        skip "the RHEL-like root" "jemalloc and gperftools are not installed here (.ci/deps installs them)"
        finish; exit
fi

# The base system: /bin/sh (bash), cat, ldconfig and a journalctl that records
# its calls; the C library, libconfig, libsystemd and what the allocators
# link, all in /usr/lib64 with RHEL's /bin, /lib64 ... links into /usr.
b="$stage/base"
mkdir -p "$b"/usr/{bin,sbin,lib,lib64} "$b"/etc "$b"/proc "$b"/dev "$b"/run "$b"/var/tmp
mknod -m 666 "$b/dev/null" c 1 3
for d in bin sbin lib lib64; do ln -s "usr/$d" "$b/$d"; done
cp /usr/bin/bash /usr/bin/cat "$b/usr/bin/" && ln -s bash "$b/usr/bin/sh"
cp /usr/sbin/ldconfig "$b/usr/sbin/"
printf '#!/bin/sh\necho "$*" >>/run/journalctl-calls\n' >"$b/usr/bin/journalctl"
chmod 755 "$b/usr/bin/journalctl"
echo "$libdir" >"$b/etc/ld.so.conf"
copy_libs "$b$libdir" /usr/bin/bash /usr/bin/cat "${elves[@]}" "$jemalloc" "$tcmalloc" "$tcmalloc_minimal"
rm -f "$b$libdir"/libjemalloc.so* "$b$libdir"/libtcmalloc*
provides=$(echo /bin/sh; echo 'rtld(GNU_HASH)'; for f in "$b$libdir"/*; do lib_provides "$f"; done)
stub rhel-base "$b" "$provides" /usr/sbin/ldconfig
expect_empty "the stub base provides no glibc version above $glibc_max but: ${newer[*]:-none}" \
        "$(sed -n 's/^libc\.so\.6(GLIBC_\([0-9.]*\))(64bit)$/\1/p' <<<"$provides" | while read -r v; do
                [ "$(printf '%s\n%s\n' "$v" "$glibc_max" | sort -V | tail -1)" = "$glibc_max" ] \
                        || printf '%s\n' "${newer[@]}" | grep -qx "$v" || echo "$v"; done)"
# The allocators as RHEL ships them: jemalloc (EPEL), gperftools-libs.
mkdir -p "$stage/jemalloc$libdir" "$stage/gperftools-libs$libdir"
cp -L "$jemalloc" "$stage/jemalloc$libdir/libjemalloc.so.2"
cp -L "$tcmalloc" "$stage/gperftools-libs$libdir/libtcmalloc.so.4"
cp -L "$tcmalloc_minimal" "$stage/gperftools-libs$libdir/libtcmalloc_minimal.so.4"
stub jemalloc "$stage/jemalloc" 'libjemalloc.so.2()(64bit)'
stub gperftools-libs "$stage/gperftools-libs" "$(printf 'libtcmalloc.so.4()(64bit)\nlibtcmalloc_minimal.so.4()(64bit)')"
cp "$rpm1" "$repo/"
createrepo_c -q "$repo"
expect_eq "the local repository holds allocsel and the stubs" 4 "$(find "$repo" -name '*.rpm' | wc -l)"

dnf_root() {
        dnf -y --installroot="$root" --releasever=8 --setopt=reposdir="$work/no-repos" \
                --repofrompath="local,$repo" --repo=local --nogpgcheck --setopt=metadata_expire=0 \
                --setopt=install_weak_deps=True --setopt=clean_requirements_on_remove=False "$@"
}
# rpm exits 0 even when a scriptlet cannot run: the scriptlets' own record counts
catalog_updates() { grep -c -- '--update-catalog' "$root/run/journalctl-calls" 2>/dev/null || echo 0; }
scriptlet_errors() { grep -iE 'warning|error|fail' "$1"; }

mkdir "$work/bare"
run_capture rpm --root "$work/bare" -i --nodeps "$rpm1"
expect_eq "(why: rpm --root exits 0 where /bin/sh is missing" 0 "$rc"
expect_has " ... and only says so)" "failed to exec scriptlet interpreter /bin/sh" "$err"

echo "# dnf install allocsel"
dnf_root install allocsel >"$work/dnf-install.log" 2>&1
expect_eq "dnf --installroot install allocsel" 0 "$?"
expect_empty "... with no scriptlet error" "$(scriptlet_errors "$work/dnf-install.log")"
installed=$(rpm --root "$root" -qa --qf '%{NAME}\n' | sort | tr '\n' ' ')
# libsolv picks one of "(jemalloc or gperftools-libs)"
expect_eq "the base it requires and one recommended allocator come along" \
        "allocsel rhel-base 1" "$(grep -ow 'allocsel\|rhel-base' <<<"$installed" | tr '\n' ' ')$(grep -cw 'jemalloc\|gperftools-libs' <<<"${installed// /$'\n'}")"
expect_eq "%post updated the catalog" 1 "$(catalog_updates)"
run_capture rpm --root "$root" -V allocsel
expect_eq "rpm -V: every installed file as packaged" "0:" "$rc:$out"
for f in /usr/bin/allocsel /usr/libexec/allocsel/allocsel-monitor /usr/libexec/allocsel/allocsel-report \
        "$libdir/allocsel/liballocsel-release.so" \
        "$libdir/allocsel/liballocsel-children.so" \
        /etc/allocsel.d/default.conf /usr/lib/systemd/catalog/allocsel.catalog \
        /usr/lib/systemd/system/allocsel-monitor.socket /usr/lib/systemd/system/allocsel-monitor.service \
        /usr/lib/systemd/system-preset/80-allocsel.preset; do
        [ -f "$root$f" ] && pass "installed: $f" || fail "installed: $f"
done
[ -d "$root/usr/lib/allocsel.d" ] && pass "installed: /usr/lib/allocsel.d/" || fail "installed: /usr/lib/allocsel.d/"
expect_has "the packaged service runs the packaged monitor" "ExecStart=/usr/libexec/allocsel/allocsel-monitor" \
        "$(cat "$root/usr/lib/systemd/system/allocsel-monitor.service" 2>/dev/null)"
expect_eq "the preset enables the monitor's socket" "enable allocsel-monitor.socket" \
        "$(cat "$root/usr/lib/systemd/system-preset/80-allocsel.preset" 2>/dev/null)"

dnf_root install jemalloc gperftools-libs >"$work/dnf-install-allocators.log" 2>&1
expect_eq "both allocators install beside it" 0 "$?"

echo "# allocsel run inside the root"
# in_root CMD...: CMD chrooted into the root, with /proc and /dev mounted in
# a mount namespace of its own (gone when it exits)
in_root() {
        unshare -m sh -c 'r=$1; shift; mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" && exec chroot "$r" "$@"' \
                in_root "$root" "$@"
}
run_capture in_root /usr/bin/allocsel --list
expect_eq "allocsel --list runs in the root" 0 "$rc"
for lib in libjemalloc.so.2 libtcmalloc.so.4 libtcmalloc_minimal.so.4; do
        expect_has "allocsel --list finds $libdir/$lib" "$libdir/$lib" "$out"
done
run_capture in_root /usr/bin/allocsel --check
expect_eq "allocsel --check passes the installed policy" "0:" "$rc:$err"
# the report program, from %{_libexecdir}, with the root's libsystemd
run_capture in_root /usr/bin/allocsel --report --directory /var/tmp
expect_eq "allocsel --report runs in the root (an empty directory: no records)" \
        "0:allocsel --report: no allocsel records in /var/tmp" "$rc:$err"
printf 'allocator = "glibc";\nrelease = { interval_ms = 1000; };\n' >"$root/etc/allocsel.d/rel.conf"
for a in jemalloc tcmalloc tcmalloc-minimal; do printf 'allocator = "%s";\n' "$a" >"$root/etc/allocsel.d/rhel-$a.conf"; done
chmod 644 "$root"/etc/allocsel.d/*.conf
run_capture in_root /usr/bin/allocsel --explain rel
expect_has "the release library is found in $libdir" "LD_PRELOAD=$libdir/allocsel/liballocsel-release.so" "$out"
for a in jemalloc:libjemalloc.so.2 tcmalloc:libtcmalloc.so.4 tcmalloc-minimal:libtcmalloc_minimal.so.4; do
        run_capture in_root /usr/bin/allocsel "rhel-${a%%:*}" /usr/bin/cat /proc/self/maps
        expect_eq "a program runs under ${a%%:*}" 0 "$rc"
        expect_has "... with $libdir/${a#*:} mapped in it" " $libdir/${a#*:}" "$out"
done
# the packaged monitor (libexec, linked with the root's libsystemd), run in
# the foreground as on a host without systemd, logs the start and the exit:
# no journal in the root, so on its stderr
# (the root has bash and cat only: the waiting is done from outside)
in_root /usr/bin/bash -c 'ALLOCSEL_MONITOR_SOCKET=/var/tmp/monitor.socket exec /usr/libexec/allocsel/allocsel-monitor' \
        2>"$root/var/tmp/monitor.err" &
monitor=$!
for _ in $(seq 100); do [ -S "$root/var/tmp/monitor.socket" ] && break; sleep 0.05; done
in_root /usr/bin/bash -c 'ALLOCSEL_MONITOR_SOCKET=/var/tmp/monitor.socket exec /usr/bin/allocsel rhel-jemalloc /usr/bin/cat /dev/null'
for _ in $(seq 100); do grep -q 'exited after' "$root/var/tmp/monitor.err" && break; sleep 0.05; done
kill "$monitor"; wait "$monitor" 2>/dev/null
expect_has "the monitor runs in the root and logs the exit" "rhel-jemalloc: PID" \
        "$(grep 'exited after' "$root/var/tmp/monitor.err")"
rm -f "$root/var/tmp/monitor.err" "$root/var/tmp/monitor.socket"
rm -f "$root"/etc/allocsel.d/rel.conf "$root"/etc/allocsel.d/rhel-*.conf

echo "# dnf remove allocsel"
dnf_root remove allocsel >"$work/dnf-remove.log" 2>&1
expect_eq "dnf --installroot remove allocsel" 0 "$?"
expect_empty "... with no scriptlet error" "$(scriptlet_errors "$work/dnf-remove.log")"
expect_eq "%postun updated the catalog" 2 "$(catalog_updates)"
expect_empty "nothing of allocsel is left" "$(cd "$root" && find . -path '*allocsel*')"
owned=$(rpm --root "$root" -qal | LC_ALL=C sort -u)
unowned=$(cd "$root" && find . -mindepth 1 ! -type d -printf '/%P\n' | LC_ALL=C sort |
        grep -vE '^/(var/lib/(rpm|dnf)|var/cache|var/log|etc/ld\.so\.cache$|run/journalctl-calls$)' |
        comm -23 - <(echo "$owned"))
expect_empty "every file left belongs to a package still installed" "$unowned"

echo "# an upgrade keeps a locally edited policy"
dnf_root install allocsel >"$work/dnf-install2.log" 2>&1
expect_eq "allocsel installs again" 0 "$?"
echo '# edited here' >>"$root/etc/allocsel.d/default.conf"
edited=$(cat "$root/etc/allocsel.d/default.conf")
# release 2, built from a tree without git, ships another default.conf
cp -a "$tree" "$work/tree2"
echo '# packaged in release 2' >>"$work/tree2/conf/default.conf"
sed -i 's/^Release:.*/Release:        2%{?dist}/' "$work/tree2/rpm/allocsel.spec"
make -s -C "$work/tree2" BUILD="$work/dist4" dist >/dev/null
rpmbuild "${rpmbuild_args[@]}" --define "_topdir $work/rpm2" -tb --without check "$work/dist4/allocsel-$version.tar.gz" >"$work/rpm2.log" 2>&1
expect_eq "release 2 builds from its tarball" 0 "$?"
cp "$work"/rpm2/RPMS/*/allocsel-"$version"-2.*.rpm "$repo/" && createrepo_c -q --update "$repo"
dnf_root upgrade allocsel >"$work/dnf-upgrade.log" 2>&1
expect_eq "dnf upgrade allocsel" 0 "$?"
expect_eq "... to release 2" "$version-2" "$(rpm --root "$root" -q --qf '%{VERSION}-%{RELEASE}' allocsel)"
expect_empty "... with no scriptlet error" "$(scriptlet_errors "$work/dnf-upgrade.log" | grep -v 'rpmnew')"
expect_eq "the edited policy is kept" "$edited" "$(cat "$root/etc/allocsel.d/default.conf")"
expect_has "the new one is written beside it as .rpmnew" "# packaged in release 2" \
        "$(cat "$root/etc/allocsel.d/default.conf.rpmnew" 2>&1)"
expect_eq "%post and %postun ran in the upgrade" 5 "$(catalog_updates)"
dnf_root remove allocsel >"$work/dnf-remove2.log" 2>&1
expect_eq "removed after the upgrade, only the edited policy is kept, as .rpmsave" \
        "./etc/allocsel.d ./etc/allocsel.d/default.conf.rpmnew ./etc/allocsel.d/default.conf.rpmsave" \
        "$(cd "$root" && find . -path '*allocsel*' | sort | tr '\n' ' ' | sed 's/ $//')"
finish
