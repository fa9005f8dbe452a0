"""The release benchmark's workload: a fragmented Python heap made of what
services hold (SSL contexts loading the CA bundle: thousands of small
allocations each, held by asyncio tasks), in one of three shapes.

usage: /usr/bin/python3 release_shapes.py SHAPE CONTEXTS
  once    build and hold CONTEXTS, release them at once
  hold    build them, hold them idle for 10 s, then release
  bursts  three bursts of CONTEXTS/2 each, built and released, 3 s idle
          between them
then idles 5 s and prints one JSON line: peak RSS (VmHWM), RSS 5 s after the
last release, the process's CPU time (user + system, every thread; and each)
its minor page faults, and the part of its CPU time that the release
helper's own thread used.
"""
import asyncio
import gc
import json
import os
import resource
import sys

from ssl_contexts import hold  # one task holding one SSL context, until released

HOLD_S = 10.0
BURSTS = 3
BETWEEN_BURSTS_S = 3.0
AFTER_S = 5.0


def status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def helper_cpu_s():
    """CPU time of the release helper's thread (allocsel-trim), exactly."""
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                if f.read().strip() != "allocsel-trim":
                    continue
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9
        except OSError:
            pass
    return 0.0


async def build_and_release(count, hold_s):
    contexts, ready, release = [], asyncio.Semaphore(0), asyncio.Event()
    workers = [asyncio.create_task(hold(contexts, ready, release)) for _ in range(count)]
    for _ in range(count):
        await ready.acquire()
    if hold_s:
        await asyncio.sleep(hold_s)
    release.set()
    await asyncio.gather(*workers)
    contexts.clear()
    del workers
    gc.collect()


async def main(shape, count):
    if shape == "once":
        await build_and_release(count, 0)
    elif shape == "hold":
        await build_and_release(count, HOLD_S)
    elif shape == "bursts":
        for burst in range(BURSTS):
            if burst:
                await asyncio.sleep(BETWEEN_BURSTS_S)
            await build_and_release(count // 2, 0)
    else:
        sys.exit(f"unknown shape {shape}")
    await asyncio.sleep(AFTER_S)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"peak_kb": status_kb("VmHWM"), "after_kb": status_kb("VmRSS"),
                      "cpu_s": usage.ru_utime + usage.ru_stime, "user_s": usage.ru_utime,
                      "sys_s": usage.ru_stime, "minflt": usage.ru_minflt,
                      "helper_s": helper_cpu_s()}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
