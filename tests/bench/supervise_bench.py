#!/usr/bin/env python3
"""Supervise mode's figures (issue 13), against baselines run side by side.

    masked throughput   `cat` of SIZE bytes (a 64 MiB random file, repeated)
                        through `vaultrun -s` (--mask all, 100 values of 16-64
                        bytes and their encodings registered) vs `cat | cat`;
                        best wall time of ROUNDS, and CPU time (user + sys of
                        vaultrun and its cat; of both cats for the baseline)
    per-write latency   a line every 10 ms, stamped by the writer on the
                        monotonic clock: median and 99th percentile, through
                        vaultrun and through a plain pipe
    wake-ups            vaultrun's context switches over 10 s of a quiet command
    RSS                 vaultrun's peak (VmHWM) supervising vs its exec-mode peak

Usage: supervise_bench.py --vaultrun build/vaultrun [--size MiB] [--rounds N]
                          [--runrss build/bench/runrss]
The data lives in a temporary directory; nothing here is a pass/fail gate.
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def setup(d):
    rnd = random.Random(13)
    store, lines = {}, ["[env]"]
    for i in range(100):
        n = rnd.randint(16, 64)
        v = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!@/")
                    for _ in range(n))
        store["secret/b/v%d" % i] = {"value": v}
        lines.append("V%d = secret/b/v%d" % (i, i))
    with open(os.path.join(d, "store.json"), "w") as f:
        json.dump(store, f)
    with open(os.path.join(d, "m.ini"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for name in ("store.json", "m.ini"):
        os.chmod(os.path.join(d, name), 0o600)
    with open(os.path.join(d, "data"), "wb") as f:
        f.write(os.urandom(64 << 20))


def timed(cmd, env):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, shell=isinstance(cmd, str))
    t = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def throughput(vr, d, env, size_mib, rounds):
    reps = max(1, size_mib // 64)
    files = " ".join([os.path.join(d, "data")] * reps)
    total = reps * (64 << 20)
    base = [timed("cat %s | cat" % files, env) for _ in range(rounds)]
    masked = [timed([vr, "-s", "-f", os.path.join(d, "m.ini"), "--", "cat"] + files.split(), env)
              for _ in range(rounds)]
    bw, bc = min(t for t, _ in base), min(c for _, c in base)
    mw, mc = min(t for t, _ in masked), min(c for _, c in masked)
    print("masked throughput: %.0f MB/s (cat | cat: %.0f MB/s; ratio %.2f); CPU %.2f s vs %.2f s"
          % (total / mw / 1e6, total / bw / 1e6, bw / mw, mc, bc))


WRITER = ("import os, time\nfor i in range(300):\n"
          "    os.write(1, b'%d\\n' % time.monotonic_ns()); time.sleep(0.01)\n")


def latency(cmd, env):
    p = subprocess.Popen(cmd + [sys.executable, "-c", WRITER], stdout=subprocess.PIPE, env=env)
    lat, buf = [], b""
    while True:
        b = os.read(p.stdout.fileno(), 4096)
        if not b:
            break
        now = time.monotonic_ns()
        *lines, buf = (buf + b).split(b"\n")
        lat += [(now - int(x)) / 1000.0 for x in lines if x]
    p.wait()
    lat.sort()
    return statistics.median(lat), lat[int(len(lat) * 0.99)]


def wakeups(vr, d, env):
    p = subprocess.Popen([vr, "-s", "-f", os.path.join(d, "m.ini"), "--", "sleep", "11"], env=env)
    time.sleep(0.5)

    def count():
        n = 0
        for task in os.listdir("/proc/%d/task" % p.pid):
            with open("/proc/%d/task/%s/status" % (p.pid, task)) as f:
                for line in f:
                    if line.split(":")[0] in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                        n += int(line.split()[-1])
        return n
    a = count()
    time.sleep(10)
    b = count()
    p.wait()
    print("wake-ups over 10 s of a quiet command: %d" % (b - a))


def rss(vr, d, env, runrss):
    """Peaks measured by runrss (a small parent: ru_maxrss survives execve)."""
    m = os.path.join(d, "m.ini")
    res = os.path.join(d, "rss")
    peaks = []
    for cmd in ([vr, "-s", "-f", m, "--", "cat", os.path.join(d, "data")],
                [vr, "-f", m, "--", "true"]):
        subprocess.run([runrss, res] + cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        with open(res) as f:
            peaks.append(int(f.read().split()[1]))
    print("RSS: supervising %d KiB (its cat included), exec mode %d KiB: +%d KiB"
          % (peaks[0], peaks[1], peaks[0] - peaks[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vaultrun", default="build/vaultrun")
    ap.add_argument("--size", type=int, default=1024, help="MiB through the masker (default 1024)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runrss", default="build/bench/runrss")
    a = ap.parse_args()
    vr = os.path.abspath(a.vaultrun)
    with tempfile.TemporaryDirectory() as d:
        setup(d)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "VAULT_ADDR": "file://" + os.path.join(d, "store.json")}
        throughput(vr, d, env, a.size, a.rounds)
        pm, p99 = latency([], env)
        vm, v99 = latency([vr, "-s", "-f", os.path.join(d, "m.ini"), "--"], env)
        print("per-write latency: median %.0f us (pipe %.0f us: +%.0f us), p99 %.0f us (pipe %.0f us)"
              % (vm, pm, vm - pm, v99, p99))
        wakeups(vr, d, env)
        rss(vr, d, env, os.path.abspath(a.runrss))


if __name__ == "__main__":
    main()
