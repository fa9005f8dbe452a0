#!/bin/bash
# make check-packaging: the .deb from a clean copy of the sources, lintian,
# the installed package used for real, then the rpm and its file list.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build="$top/${BUILD:-build}"
. "$here/lib.sh"

work=$(mktemp -d /tmp/allocsel-packaging.XXXXXX)
chmod 755 "$work"
installed_by_us=
cleanup() {
        [ -n "$installed_by_us" ] && dpkg --purge allocsel >/dev/null 2>&1
        rm -rf "$work"
}
trap cleanup EXIT
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")

echo "# the .deb"
mkdir "$work/src"
(cd "$top" && git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$work/src")
(cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/deb.log" 2>&1
expect_eq "dpkg-buildpackage -b -us -uc builds" 0 "$?"
deb="$work/allocsel_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { fail "the .deb exists" "$(tail -20 "$work/deb.log")"; finish; exit 1; }
errors=$(lintian "$deb" 2>/dev/null | grep '^E:')
expect_eq "lintian reports no errors" "" "$errors"
info=$(dpkg-deb -I "$deb")
expect_has "Recommends an allocator, does not Depend on one" \
        "Recommends: libjemalloc2 | libmimalloc2.0 | libtcmalloc-minimal4" "$info"
expect_not_has "no allocator in Depends" "jemalloc2," "$(grep '^ Depends' <<<"$info")"
dpkg-deb -e "$deb" "$work/control"
expect_has "/etc/allocsel.d/default.conf is a conffile" "/etc/allocsel.d/default.conf" "$(cat "$work/control/conffiles")"

if dpkg -s allocsel >/dev/null 2>&1; then
        skip "installing the .deb" "an allocsel package is installed on this machine"
else
        dpkg -i "$deb" >"$work/install.log" 2>&1
        expect_eq "the .deb installs" 0 "$?"
        installed_by_us=yes
        run_capture /usr/bin/allocsel --list
        expect_has "installed allocsel --list finds jemalloc" "jemalloc" "$out"
        examples="$work/examples"; mkdir -m 755 "$examples"
        install -m 644 /usr/share/doc/allocsel/examples/*.conf "$examples/"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --check
        expect_eq "installed allocsel --check passes the installed examples" 0 "$rc"
        run_capture /usr/bin/allocsel --check
        expect_eq "installed allocsel --check passes /etc/allocsel.d" 0 "$rc"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --no-monitor python-service \
                python3 -c 'print(any("libjemalloc" in l for l in open("/proc/self/maps")))'
        expect_eq "a program runs under a packaged example policy" True "$out"
        printf 'allocator = "glibc";\nrelease = { interval_ms = 1000; };\n' > "$examples/rel.conf"
        chmod 644 "$examples/rel.conf"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --explain rel
        expect_has "the installed release helper is found" \
                "LD_PRELOAD=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/allocsel/liballocsel-release.so" "$out"
        run_capture journalctl --list-catalog
        expect_has "the catalog is compiled on install" "232393e3d25148888bd849127582a4d1" "$out"
        run_capture man -w allocsel.d
        expect_eq "man allocsel.d finds the page" /usr/share/man/man5/allocsel.d.5.gz "$out"
        dpkg --purge allocsel >/dev/null 2>&1
        installed_by_us=
        [ ! -e /usr/bin/allocsel ] && pass "the package removes cleanly" || fail "the package removes cleanly"
fi

echo "# the rpm"
make -s -C "$top" BUILD="$work/dist" dist
tarball="$work/dist/allocsel-$version.tar.gz"
[ -f "$tarball" ] && pass "make dist makes the tarball" || fail "make dist makes the tarball"
mkdir -p "$work/rpm/SOURCES"
cp "$tarball" "$work/rpm/SOURCES/"
# build dependencies are Debian packages here, not rpms: --nodeps
rpmbuild -bb --nodeps --define "_topdir $work/rpm" --define "debug_package %{nil}" \
        "$top/rpm/allocsel.spec" >"$work/rpm.log" 2>&1
expect_eq "rpmbuild -bb builds" 0 "$?"
rpmfile=$(find "$work/rpm/RPMS" -name "allocsel-$version-*.rpm" | head -1)
files=$(rpm -qlp "$rpmfile" 2>/dev/null)
libdir=$(rpm --eval '%{_libdir}')
for f in /usr/bin/allocsel /usr/libexec/allocsel/allocsel-monitor "$libdir/allocsel/liballocsel-release.so" \
        /usr/share/man/man1/allocsel.1 \
        /usr/share/man/man5/allocsel.d.5 /usr/lib/systemd/catalog/allocsel.catalog /etc/allocsel.d \
        /etc/allocsel.d/default.conf; do
        grep -q "^$f" <<<"$files" && pass "rpm holds $f" || fail "rpm holds $f" "$(tail -5 "$work/rpm.log")"
done
expect_has "rpm marks the policy as %config(noreplace)" "/etc/allocsel.d/default.conf" \
        "$(rpm -qp --configfiles "$rpmfile" 2>/dev/null)"
finish
