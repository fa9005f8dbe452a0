"""fragment.py MB HOLD_S: a fragmented Python heap, as a service leaves one.

Fills MB MiB with 2000-byte bytes objects (over pymalloc's 512-byte limit:
each is a glibc malloc() block), drops all but one in fifty (which pin the
heap: free() cannot trim it), says "freed", then sleeps HOLD_S.
"""
import os
import sys
import time

mb = int(sys.argv[1]) if len(sys.argv) > 1 else 200
hold = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
blocks = [bytes(2000) for _ in range(mb * 2**20 // 2000)]
kept = blocks[::50]
del blocks
print(f"freed pid={os.getpid()}", flush=True)
time.sleep(hold)
