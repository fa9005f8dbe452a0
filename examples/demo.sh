#!/bin/bash
# make demo: a Python program started through allocsel under the shipped
# Python/jemalloc policy, first explained, then run.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
policies=$(mktemp -d /tmp/allocsel-demo.XXXXXX)
trap 'rm -rf "$policies"' EXIT
chmod 755 "$policies"
install -m 644 conf/python-service.conf "$policies/demo-service.conf"

echo "\$ allocsel --explain demo-service"
"$build/allocsel" --policy-dir "$policies" --explain demo-service
echo
echo "\$ allocsel demo-service /usr/bin/python3 examples/demo.py"
"$build/allocsel" --policy-dir "$policies" demo-service /usr/bin/python3 examples/demo.py

echo
echo "\$ allocsel --compare --interval 200 --output $build/compare -- /usr/bin/python3 bench/ssl_contexts.py 400 3"
echo "  (each allocator in turn: 400 SSL contexts held by asyncio tasks, released, then 3 s idle)"
"$build/allocsel" --compare --interval 200 --output "$build/compare" -- /usr/bin/python3 bench/ssl_contexts.py 400 3
echo
echo "Open $build/compare/rss.svg in a browser for RSS over time, one line per allocator."
