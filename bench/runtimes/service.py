"""The Python service of bench/runtimes.sh: an asyncio server's shape, its
blocking work in a pool of THREADS threads (run_in_executor). Each request
builds a JSON body and a compressed copy of it (zlib's state is native
memory, malloc'd by the thread that compresses), and some results are kept
in a cache shared by all threads, as a response cache is; then the cache is
dropped (freed by the event loop's thread, not the ones that built it), the
garbage collected, and the service idles.

Protocol (bench/runtimes.py): prints "ready", waits for a line on stdin,
works, prints "idle OPS BUSY_S", then waits for stdin to close.
"""
import asyncio
import gc
import json
import random
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
REQUESTS = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
CACHE = int(sys.argv[3]) if len(sys.argv) > 3 else 20000


def handle(i):
    rng = random.Random(i)
    size = 256 << rng.randrange(9)                  # 256 B .. 64 KiB
    body = json.dumps({"id": i, "items": ["x" * rng.randrange(1, 40) for _ in range(16)],
                       "blob": "y" * size}).encode()
    stream = zlib.compressobj(rng.randrange(1, 10))
    keep = rng.randrange(4) == 0                    # a connection's stream, kept open
    packed = stream.compress(body) + stream.flush(zlib.Z_SYNC_FLUSH if keep else zlib.Z_FINISH)
    return i, body, packed, (stream if keep else None)


async def serve(pool):
    loop = asyncio.get_running_loop()
    cache = {}
    t0 = time.monotonic()
    for start in range(0, REQUESTS, 256):
        batch = [loop.run_in_executor(pool, handle, i) for i in range(start, min(start + 256, REQUESTS))]
        for i, body, packed, stream in await asyncio.gather(*batch):
            if i % 3 == 0:
                cache[i] = (body, packed, stream)
                if len(cache) > CACHE:
                    del cache[next(iter(cache))]
    busy = time.monotonic() - t0
    cache.clear()
    gc.collect()
    return busy


def main():
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    with ThreadPoolExecutor(THREADS) as pool:
        busy = asyncio.run(serve(pool))
        sys.stdout.write(f"idle {REQUESTS} {busy:.3f}\n")
        sys.stdout.flush()
        sys.stdin.read()


main()
