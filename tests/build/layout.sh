#!/bin/bash
# The layout's rule (README, "Layout"), read from the #include lines: the
# core (selector/lib, include/) includes nothing from a program's folder; a
# program's folder includes the core and its own files only; no include
# cycle between files. Prints one line per check and a closing count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/lib.sh"
cd "$top" || exit 1

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
bad=()
n_files=0
for f in selector/*/*.[ch] include/*.h; do
        n_files=$((n_files + 1))
        dir=${f%/*}
        while read -r inc; do
                if [ "$dir" != include ] && [ "$dir" != selector/lib ] && [ -f "$dir/$inc" ]; then
                        dep="$dir/$inc"
                elif [ -f "include/$inc" ]; then
                        dep="include/$inc"
                elif [ "$dir" = selector/lib ] || [ "$dir" = include ]; then
                        bad+=("$f includes \"$inc\", which is not in include/ (the core includes no program's files)")
                        continue
                else
                        bad+=("$f includes \"$inc\", neither its own folder's nor the core's")
                        continue
                fi
                # a .c file's own header is the same unit: no arrow between them
                [ "${dep%.h}" = "${f%.c}" ] || echo "$f $dep" >>"$edges"
        done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[ "$n_files" -gt 50 ] && pass "read the includes of $n_files files" || fail "read the includes of the tree" "only $n_files files"
[ "$(wc -l <"$edges")" -gt 100 ] && pass "found $(wc -l <"$edges") include arrows" || fail "found the include arrows" "$(wc -l <"$edges")"
if [ ${#bad[@]} -eq 0 ]; then
        pass "every include is the core's or the program's own"
else
        fail "every include is the core's or the program's own" "$(printf '%s\n' "${bad[@]}")"
fi
# Arrows between files, .c and .h taken as one unit (foo.c, foo.h): tsort
# names the files of any cycle.
cycles=$(sed 's/\.[ch]\( \|$\)/\1/g' "$edges" | awk '$1 != $2' | tsort 2>&1 >/dev/null)
expect_empty "no include cycle between files" "$cycles"
stray=$(ls selector/*.c 2>/dev/null)
expect_empty "no .c file directly in selector/" "$stray"
# include/ holds what two or more share: program folders, or a program
# and the core (a core file other than the header's own implementation)
for h in include/*.h; do
        name=${h#include/}
        users=$(grep -l "#include \"$name\"" selector/allocsel/* selector/monitor/* selector/report/* \
                selector/preload/* 2>/dev/null | cut -d/ -f2 | sort -u | wc -l)
        core=$(grep -l "#include \"$name\"" selector/lib/*.c include/*.h 2>/dev/null | grep -v "/${name%.h}\.c$" | wc -l)
        [ $((users + (core > 0 ? 1 : 0))) -ge 2 ] && pass "$h is shared" \
                || fail "$h is shared" "included by $users program folder(s) and $core other core file(s)"
done
finish
