"""A small Python service stand-in: allocates, frees, and asks the allocator
inside itself who served it. Run through allocsel (see README)."""
import ctypes
import os

def mallctl(name, ctype, new=None):
    """Reads (and optionally writes) one jemalloc control, from inside."""
    libc = ctypes.CDLL(None)
    value, size = ctype(), ctypes.c_size_t(ctypes.sizeof(ctype))
    newp = ctypes.byref(new) if new is not None else None
    newlen = ctypes.sizeof(new) if new is not None else 0
    if libc.mallctl(name.encode(), ctypes.byref(value), ctypes.byref(size), newp, newlen) != 0:
        raise OSError(f"mallctl {name} failed")
    return value.value


blocks = [bytes(1000) * (i % 50 + 1) for i in range(20000)]
held = sum(len(b) for b in blocks)
del blocks

mapped = sorted({line.split()[-1] for line in open("/proc/self/maps") if "malloc" in line})
print("allocator libraries mapped in this process:", ", ".join(mapped) or "none (glibc)")
print("ALLOCSEL_SERVICE =", os.environ.get("ALLOCSEL_SERVICE"),
      " ALLOCSEL_ALLOCATOR =", os.environ.get("ALLOCSEL_ALLOCATOR"),
      " PYTHONMALLOC =", os.environ.get("PYTHONMALLOC"))
if any("jemalloc" in m for m in mapped):
    mallctl("epoch", ctypes.c_uint64, ctypes.c_uint64(1))  # refresh the statistics
    print(f"jemalloc served {held // 1024 // 1024} MiB of Python objects; it reports",
          "background_thread =", mallctl("opt.background_thread", ctypes.c_bool),
          " dirty_decay_ms =", mallctl("opt.dirty_decay_ms", ctypes.c_ssize_t),
          " resident now =", mallctl("stats.resident", ctypes.c_size_t) // 1024, "KiB")
