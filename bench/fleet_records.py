"""Fleet journals for the report bench: real allocsel records, replayed.

usage: fleet_records.py TEMPLATE.export OUTDIR HOSTS RUNS_PER_HOST

TEMPLATE.export holds the records of real runs (journalctl -o export): one
started, one startup and one exit record per run, as allocsel and its
monitor logged them. For each host, OUTDIR/HOST.export gets RUNS_PER_HOST
runs made from them: another host, machine and boot, PIDs, times a few
minutes apart, invocation IDs, RSS figures, one of 20 services, and a
policy change halfway (another ALLOCSEL_POLICY_DIGEST). Every other field,
_CMDLINE and MESSAGE included, stays as journald stored it.
"""
import os
import random
import struct
import sys

STARTED = b"232393e3d25148888bd849127582a4d1"
STARTUP = b"f0263a2bf2b14e709e1e625fa4c48aa6"
EXITED = b"969c52184f924c0fbbcbdd7b9487e2ac"


def entries(data):
    """The entries of an export stream, each a list of (name, value)."""
    entry, i = [], 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if line == b"":
            if entry:
                yield entry
            entry, i = [], nl + 1
            continue
        if b"=" not in line:  # binary: name, little-endian 64-bit size, data
            size = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            entry.append((line, data[nl + 9:nl + 9 + size]))
            i = nl + 9 + size + 1
            continue
        name, value = line.split(b"=", 1)
        entry.append((name, value))
        i = nl + 1
    if entry:
        yield entry


def field(entry, name):
    for k, v in entry:
        if k == name:
            return v
    return None


def export(entry, out):
    for k, v in entry:
        if b"\n" in v:
            out.append(k + b"\n" + struct.pack("<Q", len(v)) + v + b"\n")
        else:
            out.append(k + b"=" + v + b"\n")
    out.append(b"\n")


def main():
    template, outdir, hosts, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    recs = list(entries(open(template, "rb").read()))
    kinds = {}
    for e in recs:
        kinds.setdefault(field(e, b"MESSAGE_ID"), e)
    run = [kinds[STARTED], kinds[STARTUP], kinds[EXITED]]
    old = {k: field(run[0], k) for k in (b"ALLOCSEL_PID", b"ALLOCSEL_MONITOR_PID", b"ALLOCSEL_SERVICE",
                                         b"ALLOCSEL_INVOCATION_ID", b"ALLOCSEL_POLICY_DIGEST")}
    t0 = int(field(run[0], b"__REALTIME_TIMESTAMP")) - hosts * runs * 1000000
    rng = random.Random(1)
    services = [b"svc-%02d" % i for i in range(20)]
    digests = [b"%016x" % rng.getrandbits(64) for _ in range(2)]
    for h in range(hosts):
        host = b"host-%03d" % h
        boot = b"%032x" % rng.getrandbits(128)
        out = []
        for r in range(runs):
            start = t0 + (h * runs + r) * 1000000 + rng.randrange(1000000)
            pid = b"%d" % (1000 + r)
            mon = b"%d" % (1000 + runs + r)
            service = services[r % len(services)]
            invocation = b"%032x" % rng.getrandbits(128)
            digest = digests[0 if r < runs // 2 else 1]
            rss = rng.randrange(20000, 400000)
            for n, e in enumerate(run):
                t = start + n * 150000
                new = []
                for k, v in e:
                    if k in (b"__CURSOR", b"__SEQNUM", b"__SEQNUM_ID"):
                        continue
                    if k == b"_HOSTNAME":
                        v = host
                    elif k == b"_MACHINE_ID":
                        v = b"%032x" % (h + 1)
                    elif k == b"_BOOT_ID":
                        v = boot
                    elif k in (b"__REALTIME_TIMESTAMP", b"_SOURCE_REALTIME_TIMESTAMP"):
                        v = b"%d" % t
                    elif k == b"__MONOTONIC_TIMESTAMP":
                        v = b"%d" % (t - t0)
                    elif k == b"ALLOCSEL_START_USEC":
                        v = b"%d" % start
                    elif k in (b"ALLOCSEL_RSS_KB", b"ALLOCSEL_PEAK_RSS_KB"):
                        v = b"%d" % (rss + (n * 1000 if k == b"ALLOCSEL_PEAK_RSS_KB" else 0))
                    elif k == b"ALLOCSEL_LIFETIME_MS":
                        v = b"%d" % rng.randrange(1000, 600000)
                    elif k in (b"_PID", b"_CMDLINE", b"MESSAGE", b"ALLOCSEL_PID", b"ALLOCSEL_MONITOR_PID",
                               b"ALLOCSEL_SERVICE", b"ALLOCSEL_INVOCATION_ID", b"_SYSTEMD_INVOCATION_ID",
                               b"ALLOCSEL_POLICY_DIGEST"):
                        v = (v.replace(old[b"ALLOCSEL_MONITOR_PID"], mon).replace(old[b"ALLOCSEL_PID"], pid)
                             .replace(old[b"ALLOCSEL_SERVICE"], service)
                             .replace(old[b"ALLOCSEL_INVOCATION_ID"], invocation)
                             .replace(old[b"ALLOCSEL_POLICY_DIGEST"], digest))
                    new.append((k, v))
                export(new, out)
        with open(os.path.join(outdir, host.decode() + ".export"), "wb") as f:
            f.write(b"".join(out))


main()
