"""make bench (runtimes): the shipped low-RSS policies against plain and the
hand recipes on the runtimes services run on, with the distribution's own
interpreters. Run by bench/runtimes.sh, which checks what is needed and
writes the policies; see there.

usage: runtimes.py OUT_DIR ALLOCSEL POLICY_DIR JEMALLOC_LIB CLASSPATH ROUNDS RUNTIMES CONFIGS

Each run: the service prints "ready" and waits; its RSS then is the
baseline. It works (busy), drops what it held and prints "idle OPS BUSY_S";
5 s later its RSS (VmRSS) and high-water mark (VmHWM) are read from /proc
by this process, stdin is closed and the service exits; its CPU time (user
+ system, every thread, the idle phase included) comes from wait4().
Runs are interleaved (every configuration of a runtime once, then the
next runtime, then the next round), the order rotating every round.
"""
import csv
import os
import select
import statistics
import subprocess
import sys
import time

IDLE_S = 5.0
DEADLINE_S = 180.0

RUNTIMES = {
    "ruby": ["/usr/bin/ruby", "bench/runtimes/service.rb", "16", "120000", "2000"],
    "java": ["/usr/bin/java", "-Xmx256m", "-cp", "{classpath}", "Service", "16", "30000", "60"],
    "node": ["/usr/bin/node", "--expose-gc", "bench/runtimes/service.js", "8", "10000", "100"],
    "python": ["/usr/bin/python3", "bench/runtimes/service.py", "8", "20000", "20000"],
}
LABELS = {
    "plain": "plain",
    "arena2": "`MALLOC_ARENA_MAX=2` by hand",
    "jemalloc-hand": "jemalloc preloaded by hand",
}


def status_kb(pid):
    got = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                got[key] = int(line.split()[1])
    return got


def read_line(proc, deadline):
    """The service's next line, or None when it ended or took too long."""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            return proc.stdout.readline() or None
    return None


def command(config, argv, allocsel, policies, jemalloc):
    env = dict(os.environ)
    for name in ("LD_PRELOAD", "MALLOC_ARENA_MAX", "GLIBC_TUNABLES", "MALLOC_CONF"):
        env.pop(name, None)
    if config == "plain":
        return argv, env
    if config == "arena2":
        env["MALLOC_ARENA_MAX"] = "2"
        return argv, env
    if config == "jemalloc-hand":
        env["LD_PRELOAD"] = jemalloc
        return argv, env
    return [allocsel, "--policy-dir", policies, "--no-monitor", config, *argv], env


def run_one(runtime, config, argv, args):
    cmd, env = command(config, argv, args["allocsel"], args["policies"], args["jemalloc"])
    with open(os.path.join(args["out"], "stderr.log"), "a") as err:
        err.write(f"== {runtime} {config}\n")
        err.flush()
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, text=True)
    deadline = time.monotonic() + DEADLINE_S
    row = None
    try:
        if (read_line(proc, deadline) or "").strip() != "ready":
            raise RuntimeError("no ready line")
        base = status_kb(proc.pid)["VmRSS"]
        proc.stdin.write("go\n")
        proc.stdin.flush()
        idle = (read_line(proc, deadline) or "").split()
        if len(idle) != 3 or idle[0] != "idle":
            raise RuntimeError(f"no idle line: {idle}")
        time.sleep(IDLE_S)     # the measurement's definition: RSS 5 s into the idle phase
        st = status_kb(proc.pid)
        row = {"base_kb": base, "peak_kb": st["VmHWM"], "idle_kb": st["VmRSS"],
               "ops": int(idle[1]), "busy_s": float(idle[2])}
    except (RuntimeError, OSError) as e:
        sys.stderr.write(f"runtimes.py: {runtime} under {config}: {e}\n")
        proc.kill()
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()
    if row is None or status != 0:
        sys.stderr.write(f"runtimes.py: {runtime} under {config}: exit status {status:#x}\n")
        return None
    row["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    return row


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def table(rows, runtimes, configs):
    print("| runtime | configuration | peak MiB | RSS 5 s into idle, MiB | given back | CPU vs plain | throughput vs plain |")
    print("|---|---|---|---|---|---|---|")
    for rt in runtimes:
        med = {}
        for config in configs:
            mine = [r for r in rows if r["runtime"] == rt and r["config"] == config]
            if mine:
                m = {k: statistics.median(float(r[k]) for r in mine)
                     for k in ("base_kb", "peak_kb", "idle_kb", "cpu_s")}
                m["rate"] = statistics.median(int(r["ops"]) / float(r["busy_s"]) for r in mine)
                m["back"] = statistics.median((float(r["peak_kb"]) - float(r["idle_kb"])) /
                                              max(1.0, float(r["peak_kb"]) - float(r["base_kb"])) for r in mine)
                m["n"] = len(mine)
                med[config] = m
        plain = med.get("plain")
        for i, config in enumerate(configs):
            if config not in med:
                continue
            m = med[config]
            cpu = f"{m['cpu_s'] / plain['cpu_s']:.2f}" if plain else "-"
            rate = f"{m['rate'] / plain['rate']:.2f}" if plain else "-"
            print(f"| {rt if i == 0 else ''} | {LABELS.get(config, '`' + config + '`')} | {m['peak_kb'] / 1024:.0f} | "
                  f"{m['idle_kb'] / 1024:.0f} | {100 * m['back']:.0f} % | {cpu} ({m['cpu_s']:.2f} s) | "
                  f"{rate} ({m['rate']:,.0f}/s) |")


def main():
    out, allocsel, policies, jemalloc, classpath, rounds, runtimes, configs = sys.argv[1:9]
    args = {"out": out, "allocsel": allocsel, "policies": policies, "jemalloc": jemalloc}
    runtimes, configs, rounds = runtimes.split(), configs.split(), int(rounds)
    csv_path = os.path.join(out, "runs.csv")
    fields = ["runtime", "config", "round", "base_kb", "peak_kb", "idle_kb", "cpu_s", "ops", "busy_s", "load"]
    rows = []
    print(f"load before: {loadavg()}", flush=True)
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for rnd in range(1, rounds + 1):
            for rt in runtimes:
                argv = [a.replace("{classpath}", classpath) for a in RUNTIMES[rt]]
                for i in range(len(configs)):
                    config = configs[(i + rnd - 1) % len(configs)]
                    row = run_one(rt, config, argv, args)
                    print("." if row else "x", end="", flush=True)
                    if row:
                        row.update(runtime=rt, config=config, round=rnd, load=loadavg().split()[0])
                        rows.append(row)
                        w.writerow(row)
                        f.flush()
            print(f" round {rnd}: load {loadavg()}", flush=True)
    print(f"load after: {loadavg()}")
    print()
    table(rows, runtimes, configs)


if __name__ == "__main__":
    main()
