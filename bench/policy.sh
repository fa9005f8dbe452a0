#!/bin/bash
# make bench: the work a policy file can cause before the program starts
# (issue 10 item 11: a 889 KB policy with 100,000 keys took 38 s).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
runs=${BENCH_RUNS:-200}
cc -O2 -o "$build/startup" bench/startup.c

policies=$(mktemp -d /tmp/allocsel-bench-policy.XXXXXX)
trap 'rm -rf "$policies"' EXIT
chmod 755 "$policies"
printf 'allocator = "jemalloc";\njemalloc = { background_thread = true; dirty_decay_ms = 1000; };\n' > "$policies/small.conf"
# 100,000 keys, 900 KB: refused before libconfig reads it
python3 -c 'import sys; sys.stdout.write("".join("k%05d=1;\n" % i for i in range(100000)))' > "$policies/huge.conf"
# the most a policy may hold: every setting read (and here, unknown)
python3 -c 'import sys; sys.stdout.write("".join("k%05d=1;\n" % i for i in range(256)))' > "$policies/limit.conf"
chmod 644 "$policies"/*.conf
true=$(command -v true)

echo "policy size: allocsel SERVICE true, a 100,000-key policy (refused) vs a two-line policy"
"$build/startup" "$runs" "huge (100,000 keys, $(($(stat -c %s "$policies/huge.conf") / 1000)) KB)" \
        "$build/allocsel" --policy-dir "$policies" --no-monitor huge "$true" -- \
        "small (2 lines)" "$build/allocsel" --policy-dir "$policies" --no-monitor small "$true"
echo "policy size: the largest policy allowed (256 settings) vs a two-line policy"
"$build/startup" "$runs" "limit (256 settings)" \
        "$build/allocsel" --policy-dir "$policies" --no-monitor limit "$true" -- \
        "small (2 lines)" "$build/allocsel" --policy-dir "$policies" --no-monitor small "$true"
echo "target: each median at most 1 ms above the small policy's"
