#!/bin/bash
# make demo: a Python program started through allocsel under the shipped
# Python/jemalloc policy, first explained, then run; then the allocators'
# defaults beside the shipped low-RSS policies on the fragmentation
# experiment (about a minute and a half in all).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
policies=$(mktemp -d /tmp/allocsel-demo.XXXXXX)
trap 'rm -rf "$policies"' EXIT
chmod 755 "$policies"
install -m 644 conf/python-service.conf "$policies/demo-service.conf"
install -m 644 conf/low-rss-glibc.conf conf/low-rss-jemalloc.conf conf/low-rss-tcmalloc.conf \
        conf/low-rss-mimalloc.conf "$policies/"

echo "\$ allocsel --explain demo-service"
"$build/allocsel" --policy-dir "$policies" --explain demo-service
echo
echo "\$ allocsel demo-service /usr/bin/python3 examples/demo.py"
"$build/allocsel" --policy-dir "$policies" demo-service /usr/bin/python3 examples/demo.py

echo
allocators=glibc,jemalloc,tcmalloc-minimal,mimalloc
lowrss=low-rss-glibc,low-rss-jemalloc,low-rss-tcmalloc,low-rss-mimalloc
echo "\$ allocsel --compare --allocators $allocators --policies $lowrss --interval 200 --output $build/compare -- /usr/bin/python3 bench/ssl_contexts.py 300 3"
echo "  (each in turn: 300 SSL contexts held by asyncio tasks, released, then 3 s idle;"
echo "   first the allocators with their defaults, then the shipped low-RSS policies, conf/low-rss-*.conf)"
"$build/allocsel" --policy-dir "$policies" --compare --allocators "$allocators" --policies "$lowrss" \
        --interval 200 --output "$build/compare" -- /usr/bin/python3 bench/ssl_contexts.py 300 3
echo
echo "With their defaults only jemalloc gives the freed memory back; each shipped policy does."
echo "Open $build/compare/rss.svg in a browser for RSS over time, one line per allocator or policy."
