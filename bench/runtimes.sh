#!/bin/bash
# make bench (runtimes): Ruby, Java, Node and Python services, each under
# plain glibc, the hand recipes (MALLOC_ARENA_MAX=2, jemalloc preloaded by
# hand) and every shipped low-RSS policy (conf/low-rss-*.conf); peak, RSS
# 5 s into the idle phase, what was given back, CPU time and throughput,
# interleaved rounds, medians, the load recorded. The services are
# bench/runtimes/service.{rb,java,js,py}; bench/runtimes.py runs them.
#
# Needs the distribution's interpreters (this script installs nothing):
# /usr/bin/ruby (Debian: ruby), /usr/bin/java and javac (openjdk-17-jdk-headless),
# /usr/bin/node (nodejs), /usr/bin/python3, and the allocators (libjemalloc2,
# libtcmalloc-minimal4, libmimalloc2.0). A runtime whose interpreter is
# missing is left out, with a message.
#
# BENCH_RUNTIMES="ruby java node python", BENCH_RUNTIME_ROUNDS=3,
# BENCH_RUNTIME_CONFIGS (default: plain, the hand recipes, the four policies),
# BENCH_RUNTIME_POLICIES=DIR: more policies to compare (NAME.conf, then
# NAME in BENCH_RUNTIME_CONFIGS). About 12 minutes with the defaults on a
# 2-CPU machine. Run it on a quiet machine: flock /tmp/allocsel-heavy.lock make bench
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
out=${BENCH_OUT:-$build/bench-runtimes}
rounds=${BENCH_RUNTIME_ROUNDS:-3}
configs=${BENCH_RUNTIME_CONFIGS:-plain arena2 jemalloc-hand low-rss-glibc low-rss-jemalloc low-rss-tcmalloc low-rss-mimalloc}
wanted=${BENCH_RUNTIMES:-ruby java node python}
policies=$(mktemp -d /tmp/allocsel-bench-runtimes.XXXXXX)
trap 'rm -rf "$policies"' EXIT

declare -A needs=([ruby]="/usr/bin/ruby" [java]="/usr/bin/java /usr/bin/javac" [node]="/usr/bin/node" [python]="/usr/bin/python3")
runtimes=""
for rt in $wanted; do
        missing=""
        for f in ${needs[$rt]}; do [ -x "$f" ] || missing="$missing $f"; done
        if [ -n "$missing" ]; then
                echo "bench/runtimes.sh: leaving $rt out:$missing missing (see the comment at the top)" >&2
        else
                runtimes="$runtimes $rt"
        fi
done
[ -n "$runtimes" ] || { echo "bench/runtimes.sh: no runtime to measure" >&2; exit 1; }

mkdir -p "$out" "$build/bench/java"
case " $runtimes " in *" java "*) /usr/bin/javac -d "$build/bench/java" bench/runtimes/Service.java ;; esac
jemalloc=$("$build/allocsel" --list --json | /usr/bin/python3 -c '
import json, sys
for a in json.load(sys.stdin):
    if a["name"] == "jemalloc" and a["library"]:
        print(a["library"])' || true)
case " $configs " in *" jemalloc-hand "*)
        [ -n "$jemalloc" ] || { echo "bench/runtimes.sh: no jemalloc library found (libjemalloc2)" >&2; exit 1; } ;;
esac
chmod 755 "$policies"
cp conf/low-rss-*.conf "$policies/"
[ -z "${BENCH_RUNTIME_POLICIES:-}" ] || cp "$BENCH_RUNTIME_POLICIES"/*.conf "$policies/"
chmod 644 "$policies"/*.conf

echo "runtimes:$runtimes; $rounds interleaved round(s) of: $configs"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r); $(/usr/bin/ruby --version 2>/dev/null | cut -d' ' -f1-2), \
$(/usr/bin/java -version 2>&1 | head -1), node $(/usr/bin/node --version 2>/dev/null), $(/usr/bin/python3 --version)"
/usr/bin/python3 bench/runtimes.py "$out" "$build/allocsel" "$policies" "$jemalloc" "$build/bench/java" \
        "$rounds" "$runtimes" "$configs" | tee "$out/table.md"
