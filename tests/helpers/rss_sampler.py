"""An independent sampler for --compare's truth tests: finds the process
whose command line is exactly ARGV, reads its /proc/PID/status and
stat every 5 ms until it is gone, and prints JSON: its peak (the largest
VmHWM seen), the RSS it held longest (its plateau), its last RSS, the
time-weighted mean RSS, how long it was seen and its CPU time (user +
system) at the last reading.

usage: /usr/bin/python3 rss_sampler.py TIMEOUT_S ARGV...
"""
import json
import os
import sys
import time

timeout, wanted = float(sys.argv[1]), [a.encode() for a in sys.argv[2:]]
tick = os.sysconf("SC_CLK_TCK")


def find():
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv[:-1] == wanted:
                return int(pid)
    time.sleep(0.002)
    return None


def read(pid):
    with open(f"/proc/{pid}/status") as f:
        st = {l.split(":")[0]: l.split()[1] for l in f if l.startswith(("VmRSS", "VmHWM"))}
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(st["VmRSS"]), int(st["VmHWM"]), (int(fields[11]) + int(fields[12])) * 1000 // tick


deadline = time.monotonic() + timeout
pid = None
while pid is None and time.monotonic() < deadline:
    pid = find()
if pid is None:
    sys.exit("rss_sampler.py: no process " + " ".join(sys.argv[2:]))
samples = []
while time.monotonic() < deadline:
    try:
        rss, hwm, cpu = read(pid)
    except (OSError, KeyError, IndexError):
        break
    samples.append((time.monotonic(), rss, hwm, cpu))
    time.sleep(0.005)
held = {}
for (t, rss, _, _), (t2, _, _, _) in zip(samples, samples[1:]):
    held[rss // 1024] = held.get(rss // 1024, 0) + (t2 - t)
span = samples[-1][0] - samples[0][0]
mean = sum(r * (t2 - t) for (t, r, _, _), (t2, _, _, _) in zip(samples, samples[1:])) / span
print(json.dumps({"peak_kb": max(s[2] for s in samples), "plateau_mib": max(held, key=held.get),
                  "last_kb": samples[-1][1], "mean_kb": round(mean), "seen_ms": round(span * 1000),
                  "cpu_ms": samples[-1][3], "samples": len(samples)}))
