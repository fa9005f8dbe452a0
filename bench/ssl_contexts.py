"""The published fragmentation experiment with the standard library only.

Many concurrent asyncio tasks each build and hold an ssl.create_default_context()
(which loads the system CA bundle: thousands of small allocations), then all
are released and collected, and the process idles so that what the allocator
gives back to the kernel (or not) is visible.

usage: python3 ssl_contexts.py [TASKS] [IDLE_SECONDS]
"""
import asyncio
import gc
import ssl
import sys
import time


async def hold(contexts, ready, release):
    contexts.append(ssl.create_default_context())
    ready.release()
    await release.wait()


async def main(tasks, idle):
    contexts, ready, release = [], asyncio.Semaphore(0), asyncio.Event()
    workers = [asyncio.create_task(hold(contexts, ready, release)) for _ in range(tasks)]
    for _ in range(tasks):
        await ready.acquire()
    print(f"holding {len(contexts)} SSL contexts", flush=True)
    release.set()
    await asyncio.gather(*workers)
    contexts.clear()
    del workers
    gc.collect()
    print("released; idling", flush=True)
    time.sleep(idle)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
                     float(sys.argv[2]) if len(sys.argv) > 2 else 5.0))
