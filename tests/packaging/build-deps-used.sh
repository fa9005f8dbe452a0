#!/bin/bash
# usage: build-deps-used.sh CONTROL TRACE
#
# Which installed packages a package build used beyond what a clean builder
# (sbuild, pbuilder) would have: Essential packages, build-essential and
# CONTROL's Build-Depends, with everything they depend on. TRACE is
# `strace -f -z -e trace=execve,openat` of the build: the owner of every
# program and every piece of code (ELF object, script, Perl or Python
# module) it executed or opened must be in that set. Data read only if
# present (time zone, message catalogs, /etc) is no dependency; nor is what
# a member Recommends (a package uses it if present and works without it,
# e.g. dpkg's optional Perl modules). Prints one "PACKAGE PATH" line per
# package outside the set; exits 1 if there is any.
set -u
control=$1 trace=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_depends=$(awk '/^Build-Depends(-Arch|-Indep)?:/ { on = 1; sub(/^[^:]*:/, ""); print; next }
        /^[^ \t]/ { on = 0 } on' "$control" | tr '\n' ' ')
dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Essential}\t${Provides}\t${Depends}, ${Pre-Depends}, ${Recommends}\n' \
        | awk -F'\t' '$2 == "installed"' >"$work/db"

# The closure: seeds, then what members depend on. Of alternatives "a | b"
# the first that is installed counts (apt, and so sbuild, prefers it); a
# virtual name counts by its installed providers.
awk -F'\t' -v seeds="build-essential, $build_depends" '
        function clean(s) { gsub(/\([^)]*\)|\[[^]]*\]|<[^>]*>|:[a-z0-9]+|[ \t]/, "", s); return s }
        {
                pkg[$1] = 1; deps[$1] = clean($5)
                if ($3 == "yes") want[$1] = 1
                n = split(clean($4), p, ","); for (i = 1; i <= n; i++) prov[p[i]] = prov[p[i]] " " $1
        }
        function take(name) { if (!(name in want)) { want[name] = 1; changed = 1 } }
        function add(group,    n, a, i, p, m, j) {
                n = split(group, a, "|")
                for (i = 1; i <= n; i++) {
                        if (a[i] in pkg) { take(a[i]); return }
                        if (prov[a[i]] != "") { m = split(prov[a[i]], p, " "); for (j = 1; j <= m; j++) take(p[j]); return }
                }
        }
        END {
                n = split(clean(seeds), s, ","); for (i = 1; i <= n; i++) add(s[i])
                do {
                        changed = 0
                        for (w in want) { m = split(deps[w], d, ","); for (j = 1; j <= m; j++) add(d[j]) }
                } while (changed)
                for (w in want) print w
        }' "$work/db" | sort >"$work/allowed"

# System files the build executed or opened, each with the names dpkg may
# know it by (the path itself, its target, and the other side of merged /usr).
grep -oE '^[0-9]+ +(execve|openat)\((AT_FDCWD, )?"/[^"]*"' "$trace" | sed 's/.*"\(\/[^"]*\)"/\1/' | sort -u \
        | grep -vE '^/(proc|sys|dev|run|tmp)/' >"$work/paths"
# ELF objects count when of the build's own class: dpkg-shlibdeps opens the
# multilib /lib32/libc.so.6 only to reject it.
head5() { local m=; IFS= read -r -n 5 m <"$1" 2>/dev/null; printf '%s' "$m"; }
own_elf=$(head5 /bin/sh)
is_code() {
        local magic
        magic=$(head5 "$1")
        case $magic in
        $'\x7fELF'*) [ "$magic" = "$own_elf" ] ;;
        '#!'*) true ;;
        *) case ${1##*/} in *.pm | *.pl | *.py | *.pyc) true ;; *) false ;; esac ;;
        esac
}
while IFS= read -r p; do
        [ -f "$p" ] && is_code "$p" || continue
        for c in "$p" "$(readlink -f "$p")"; do
                printf '%s\t%s\n' "$p" "$c"
                case $c in
                /usr/bin/* | /usr/sbin/* | /usr/lib/* | /usr/lib64/*) printf '%s\t%s\n' "$p" "${c#/usr}" ;;
                /bin/* | /sbin/* | /lib/* | /lib64/*) printf '%s\t%s\n' "$p" "/usr$c" ;;
                esac
        done
done <"$work/paths" | sort -u >"$work/candidates"
cut -f2 "$work/candidates" | sort -u | xargs -r -d '\n' dpkg-query -S 2>/dev/null \
        | grep -v '^diversion ' | sed 's/^\(.*\): \(\/.*\)$/\2\t\1/' >"$work/owners"

# Every owner of a used file must be allowed; files nobody owns (the
# build's own outputs) are not a dependency.
awk -F'\t' '
        FILENAME == ARGV[1] { ok[$1] = 1; next }
        FILENAME == ARGV[2] { owner[$1] = $2; next }
        ($2 in owner) {
                n = split(owner[$2], o, ", "); for (i = 1; i <= n; i++) { sub(/:.*/, "", o[i]); if (!(o[i] in ok) && !(o[i] in seen)) { seen[o[i]] = 1; print o[i], $1; bad = 1 } }
        }
        END { exit bad }' "$work/allowed" "$work/owners" "$work/candidates"
