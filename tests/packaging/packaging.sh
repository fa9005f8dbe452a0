#!/bin/bash
# make check-packaging (1/2): the .deb built from the release tarball as a
# clean builder would (only Build-Depends used, nothing but the unit tests
# run), lintian, and the installed package used for real.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build="$top/${BUILD:-build}"
. "$top/tests/lib.sh"

work=$(mktemp -d /tmp/allocsel-packaging.XXXXXX)
chmod 755 "$work"
installed_by_us=
cleanup() {
        [ -n "$installed_by_us" ] && dpkg --purge allocsel >/dev/null 2>&1
        rm -rf "$work"
}
trap cleanup EXIT
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")

echo "# the .deb, from the release tarball, as a clean builder would"
make -s -C "$top" BUILD="$work/dist" dist >/dev/null
mkdir "$work/deb"
tar -xzf "$work/dist/allocsel-$version.tar.gz" -C "$work/deb"
src="$work/deb/allocsel-$version"
run_capture sh -c "cd '$src' && dpkg-checkbuilddeps"
expect_eq "dpkg-checkbuilddeps: the declared Build-Depends are installed" "0:" "$rc:$err"
# every process and every file opened, to see what the build ran and used
(cd "$src" && strace -f -qq -z -s 256 -e trace=execve,openat -o "$work/deb.trace" \
        dpkg-buildpackage -b -us -uc) >"$work/deb.log" 2>&1
expect_eq "dpkg-buildpackage -b -us -uc builds" 0 "$?"
execs=$(grep -E '^[0-9]+ +execve\(' "$work/deb.trace")
expect_has "the build runs the unit tests (dh_auto_test)" "/tests/test-policy\"" "$execs"
expect_empty "the build runs no Python" "$(grep -E 'execve\("[^"]*python[^"/]*"' <<<"$execs")"
expect_not_has "the build runs no --compare" '"--compare"' "$execs"
expect_not_has "the build runs no demo" "demo.sh" "$execs"
expect_empty "the build runs no allocsel" "$(grep -E 'execve\("[^"]*/allocsel"' <<<"$execs")"
run_capture bash "$here/build-deps-used.sh" "$src/debian/control" "$work/deb.trace"
expect_eq "the build uses no package outside Build-Depends (and build-essential, Essential)" "0:" "$rc:$out"
deb="$work/deb/allocsel_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { fail "the .deb exists" "$(tail -20 "$work/deb.log")"; finish; exit 1; }
errors=$(lintian "$deb" 2>/dev/null | grep '^E:')
expect_empty "lintian reports no errors" "$errors"
info=$(dpkg-deb -I "$deb")
expect_has "Recommends an allocator, does not Depend on one" \
        "Recommends: libjemalloc2 | libmimalloc2.0 | libtcmalloc-minimal4" "$info"
expect_not_has "no allocator in Depends" "jemalloc2," "$(grep '^ Depends' <<<"$info")"
dpkg-deb -e "$deb" "$work/control"
expect_has "/etc/allocsel.d/default.conf is a conffile" "/etc/allocsel.d/default.conf" "$(cat "$work/control/conffiles")"
contents=$(dpkg-deb -c "$deb")
expect_has "the .deb ships the monitor's socket unit" "./lib/systemd/system/allocsel-monitor.socket" "$contents"
expect_has "the .deb ships the monitor's service unit" "./lib/systemd/system/allocsel-monitor.service" "$contents"
expect_has "postinst enables the monitor's socket (dh_installsystemd)" "allocsel-monitor.socket" \
        "$(cat "$work/control/postinst" 2>/dev/null)"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/allocsel-monitor.service >"$work/monitor.service"
expect_has "the packaged service runs the packaged monitor" "ExecStart=/usr/libexec/allocsel/allocsel-monitor" \
        "$(cat "$work/monitor.service")"

if dpkg -s allocsel >/dev/null 2>&1; then
        skip "installing the .deb" "an allocsel package is installed on this machine"
else
        dpkg -i "$deb" >"$work/install.log" 2>&1
        expect_eq "the .deb installs" 0 "$?"
        installed_by_us=yes
        run_capture /usr/bin/allocsel --list
        expect_has "installed allocsel --list finds jemalloc" "jemalloc" "$out"
        run_capture /usr/bin/allocsel --report --help
        expect_has "installed allocsel --report runs the packaged report program" "usage: allocsel --report" "$out"
        examples="$work/examples"; mkdir -m 755 "$examples"
        install -m 644 /usr/share/doc/allocsel/examples/*.conf "$examples/"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --check
        expect_eq "installed allocsel --check passes the installed examples" 0 "$rc"
        run_capture /usr/bin/allocsel --check
        expect_eq "installed allocsel --check passes /etc/allocsel.d" 0 "$rc"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --no-monitor python-service \
                /usr/bin/python3 -c 'print(any("libjemalloc" in l for l in open("/proc/self/maps")))'
        expect_eq "a program runs under a packaged example policy" True "$out"
        printf 'allocator = "glibc";\nrelease = { interval_ms = 1000; };\n' > "$examples/rel.conf"
        chmod 644 "$examples/rel.conf"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --explain rel
        expect_has "the installed release helper is found" \
                "LD_PRELOAD=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/allocsel/liballocsel-release.so" "$out"
        printf 'children = "clean";\n' > "$examples/kids.conf"
        chmod 644 "$examples/kids.conf"
        run_capture /usr/bin/allocsel --policy-dir "$examples" --explain kids
        expect_has "the installed children helper is found" \
                "LD_PRELOAD=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/allocsel/liballocsel-children.so" "$out"
        run_capture journalctl --list-catalog
        expect_has "the catalog is compiled on install" "232393e3d25148888bd849127582a4d1" "$out"
        run_capture man -w allocsel.d
        expect_eq "man allocsel.d finds the page" /usr/share/man/man5/allocsel.d.5.gz "$out"
        dpkg --purge allocsel >/dev/null 2>&1
        installed_by_us=
        [ ! -e /usr/bin/allocsel ] && pass "the package removes cleanly" || fail "the package removes cleanly"
fi

finish
