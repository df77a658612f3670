#!/usr/bin/python3
"""bench.py - vaultrun's benchmark: `make bench` (tests/bench/bench.mk).

Starts the test server (tests/e2e/vaultserver.py, in this process, so that
its statistics can be read) with the injected latency, runs every scenario
several times, interleaved, and prints medians and the ratios between
figures measured in this same run, then the targets with PASS or FAIL.
It exits 0 whatever the targets say: it is a measurement, not a gate.

Scenarios (see --help for the knobs):
  A  100 references on 100 paths at the injected latency: vaultrun (token
     auth, AppRole service token, AppRole batch token) against the physical
     limit (round trips x latency) and against the baselines users write
     today (a shell loop of `curl | jq`, a plain hvac script)
  B  KV version detection: [mounts] (no preflight) against detection
     (preflight overlapped with speculative reads), at -j 32 and -j 128
  C  HTTP/2: the same 100 references through nginx (TLS, h2) in front of
     the test server: one TCP connection, every request HTTP/2.0
  D  start-up: `vaultrun -f empty.ini -- true` against `true` and against
     a program linked like vaultrun that only execs `true`
  E  peak RSS at 10, 1,000 and 10,000 references (test server at zero
     latency, and the file:// store) against libcurl + a multi handle
  F  parse + plan at 1,000, 10,000 and 100,000 references: wall time and
     instruction counts (callgrind)
  A2 where the time goes: one `vaultrun -v` run per transport, its
     per-request milliseconds split into the first round and the later ones
  G  the test server itself: throughput with 32 keep-alive clients, added
     latency on a reused connection, the price of fresh connections
  R  round trips on a network that costs them (rtt.py): the test server
     behind a delay relay (relay.py) at two round-trip times, plain HTTP,
     HTTPS/1.1 and HTTPS/2, token and AppRole, 1 to 1,000 references; each
     case's round trips are the slope of its wall time between the two

Order of the run: D, G, A (with A2, B, C), E, F, R.  The binary is copied
first, so a rebuild during the run does not change what is measured.
Every run has a time limit; a case over it is reported, not waited for.

Timing: each run is os.posix_spawn + os.wait4 of the command with its
output sent to /dev/null, timed with time.perf_counter; wait4's rusage gives
the child's own peak RSS (ru_maxrss, which survives execve on Linux).
"""

import argparse
import json
import math
import os
import pathlib
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(HERE))

from vaultserver import VaultServer, tls_server_context  # noqa: E402
from nginxfront import NginxFront  # noqa: E402
import rtt  # noqa: E402

PATH = "/usr/bin:/bin"
TIMEOUT = -1000  # the rc of a run that was killed for taking too long
TARGET_LATENCY = 0.020

# --------------------------------------------------------------------------
# running and timing


class Run:
    __slots__ = ("wall", "rc", "maxrss", "err")

    def __init__(self, wall, rc, maxrss, err):
        self.wall, self.rc, self.maxrss, self.err = wall, rc, maxrss, err


def spawn(argv, env, cwd=None, errfile=None, outfile=None, timeout=None):
    """Run argv (argv[0] an absolute path) with env; stdin and stdout are
    /dev/null (stdout: outfile if given), stderr errfile or /dev/null.
    Returns a Run: wall seconds, exit code (-signal), ru_maxrss in KiB.
    After timeout seconds the child is killed (through a pidfd, so never
    another process) and the Run's rc is TIMEOUT."""
    fa = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, outfile or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        (os.POSIX_SPAWN_OPEN, 2, errfile or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    old = None
    if cwd:
        old = os.getcwd()
        os.chdir(cwd)
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=fa)
        timer = killed = None
        if timeout:
            pidfd = os.pidfd_open(pid)
            killed = []

            def kill():
                killed.append(True)
                try:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            timer = threading.Timer(timeout, kill)
            timer.start()
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        if timer:
            timer.cancel()
            timer.join()
            os.close(pidfd)
    finally:
        if old:
            os.chdir(old)
    rc = os.waitstatus_to_exitcode(status)
    if killed:
        rc = TIMEOUT
    err = ""
    if errfile and rc != 0:
        try:
            err = pathlib.Path(errfile).read_text(errors="replace")
        except OSError:
            pass
    return Run(wall, rc, ru.ru_maxrss, err)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


class Case:
    """One thing to time: argv, env, the exit code expected."""

    def __init__(self, name, argv, env, rc=0, cwd=None, before=None, rss=None, timeout=60.0,
                 budget=None):
        self.name, self.argv, self.env, self.rc, self.cwd = name, argv, env, rc, cwd
        self.timeout = timeout  # seconds for one run: past it, the case is an error
        self.budget = budget    # seconds for all its runs: past it, no more runs (at least one)
        self.before = before  # called before each run (e.g. reset stats)
        self.rss = rss        # the runrss program: measure peak RSS through it
        self.runs = []
        self.error = None

    @property
    def walls(self):
        return [r.wall for r in self.runs]

    @property
    def med(self):
        return median(self.walls) if self.ok else float("nan")

    @property
    def ok(self):
        return self.error is None and bool(self.runs)

    def stats(self):
        w = self.walls
        return {"runs": len(w), "median_s": median(w) if w else None,
                "min_s": min(w) if w else None, "max_s": max(w) if w else None,
                "maxrss_kib": [r.maxrss for r in self.runs], "error": self.error}


def run_case(c, errdir):
    """One run of a case; through runrss when it measures memory (a child
    spawned from this big Python process would report Python's RSS: Linux
    keeps the old image's peak across execve, and posix_spawn's vfork child
    shares this process's memory until then)."""
    if not c.rss:
        return spawn(c.argv, c.env, c.cwd, errfile=os.path.join(errdir, "stderr.txt"), timeout=c.timeout)
    res = os.path.join(errdir, "rss.txt")
    if os.path.exists(res):
        os.unlink(res)
    r = spawn([c.rss, res] + c.argv, c.env, c.cwd, errfile=os.path.join(errdir, "stderr.txt"),
              timeout=c.timeout)
    if r.rc == TIMEOUT:
        return r
    try:
        rc, kib = open(res).read().split()
        r.rc, r.maxrss = int(rc), int(kib)
    except (OSError, ValueError):
        r.rc = r.rc or 70
    return r


def time_cases(cases, n, errdir):
    """Run every case n times, interleaved (case order rotated each round so
    that no case always follows the same one)."""
    live = [c for c in cases if c.error is None]
    for i in range(n):
        k = i % len(live) if live else 0
        for c in live[k:] + live[:k]:
            if c.error is not None:
                continue
            if c.budget and c.runs and sum(c.walls) >= c.budget:
                continue
            if c.before:
                c.before()
            r = run_case(c, errdir)
            if r.rc == TIMEOUT:
                c.error = "timed out: over %.0f s" % c.timeout
                continue
            if r.rc != c.rc:
                c.error = "exit %d (expected %d): %s" % (r.rc, c.rc, r.err.strip()[-300:])
                continue
            c.runs.append(r)
    return cases


def check_once(case, errdir):
    """Run once; record an error if the exit code is not the expected one."""
    r = run_case(case, errdir)
    if r.rc == TIMEOUT:
        case.error = "timed out: over %.0f s" % case.timeout
    elif r.rc != case.rc:
        case.error = "exit %d (expected %d): %s" % (r.rc, case.rc, r.err.strip()[-400:])
    return r


# --------------------------------------------------------------------------
# output


def ms(s):
    return "%.1f" % (s * 1e3) if s == s else "n/a"


def fmt_ratio(x):
    if x != x:
        return "n/a"
    return "%.2fx" % x if x < 100 else "%.0fx" % x


class Table:
    def __init__(self, title, headers):
        self.title, self.headers, self.rows, self.notes = title, headers, [], []

    def add(self, *cells):
        self.rows.append([str(c) for c in cells])

    def note(self, text):
        self.notes.append(text)

    def render(self):
        widths = [len(h) for h in self.headers]
        for r in self.rows:
            for i, c in enumerate(r):
                widths[i] = max(widths[i], len(c))
        out = ["", "== " + self.title]
        line = "  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i])
                         for i, h in enumerate(self.headers))
        out.append(line)
        out.append("-" * len(line))
        for r in self.rows:
            out.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                                 for i, c in enumerate(r)))
        for n in self.notes:
            out.append("  " + n)
        return "\n".join(out)


def say(*a):
    print(*a, flush=True)


def progress(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# fixtures: servers, manifests, certificates


def write_private(path, text):
    path = pathlib.Path(path)
    path.write_text(text)
    os.chmod(path, 0o600)
    return str(path)


def make_certs(d):
    d = pathlib.Path(d)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def sh(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    sh("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
       "-subj", "/CN=vaultrun bench CA")
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                  "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    sh("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    sh("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
       "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext")
    for f in d.iterdir():
        os.chmod(f, 0o600)
    return d / "ca.crt", d / "server.crt", d / "server.key"


def seed_paths(srv, n, start=0):
    """secret/app/pNNNNN = {"value": ...} for n paths; returns the values."""
    vals = {}
    for i in range(start, start + n):
        v = "val-%05d-%s" % (i, secrets.token_hex(4))
        srv.put("secret", "app/p%05d" % i, {"value": v})
        vals[i] = v
    return vals


def env_manifest(n, mounts=False, path_fmt="secret/app/p%05d"):
    lines = []
    if mounts:
        lines += ["[mounts]", "secret = 2", ""]
    lines.append("[env]")
    lines += ["V%05d = %s" % (i, path_fmt % i) for i in range(n)]
    return "\n".join(lines) + "\n"


def duplicates(srv):
    """GETs of one target sent more than once (every path is read once)."""
    return sum(v - 1 for (m, _), v in srv.counts.items() if m == "GET" and v > 1)


def check_cmd(vals, names):
    """A command that exits 0 only if the variables hold the values."""
    cond = " && ".join('[ "$%s" = "%s" ]' % (n, vals[i]) for i, n in names)
    return ["/bin/sh", "-c", cond]


def tk_ok(cases):
    return cases["token"].ok


def rounds(paths, conc):
    return math.ceil(paths / conc)


# --------------------------------------------------------------------------
# the benchmark


class Bench:
    def __init__(self, a):
        self.a = a
        self.floors = pathlib.Path(a.floors).resolve()
        self.lat = a.latency
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="vaultrun-bench-"))
        # Measure a private copy: a rebuild during the run must not swap the
        # binary under measurement (or make it briefly unexecutable).
        self.vr_src = str(pathlib.Path(a.vaultrun).resolve())
        self.vr = str(self.tmp / "vaultrun")
        shutil.copy2(self.vr_src, self.vr)
        (self.tmp / "home").mkdir()
        self.tables = []
        self.targets = []
        self.results = {"latency_s": self.lat, "vaultrun": self.vr_src}
        self.findings = []
        self.true = shutil.which("true", path=PATH) or "/bin/true"
        self.floor_s = None  # start-up floor, once D has run
        self.rtt_s = None    # a reused connection's round trip at the latency, once G has run
        q = a.quick
        self.n_fast = 3 if q else a.runs          # vaultrun runs of ~0.1 s
        self.n_slow = 1 if q else a.baseline_runs  # baselines of seconds
        self.n_start = 50 if q else a.startup_runs

    def env(self, **kw):
        e = {"PATH": PATH, "HOME": str(self.tmp / "home"), "LANG": "C"}
        e.update({k: str(v) for k, v in kw.items() if v is not None})
        return e

    def target(self, ok, text):
        self.targets.append(("PASS" if ok else "FAIL", text))

    def emit(self, table):
        self.tables.append(table)
        say(table.render())

    # ---- A, B, C: 100 references at the injected latency -----------------

    def scenario_latency(self):
        lat, n = self.lat, self.a.refs
        conc = 32
        progress("A: %d references on %d paths at %.0f ms latency" % (n, n, lat * 1e3))
        srv = VaultServer(root_token="root-" + secrets.token_hex(6), latency=lat).start()
        self.srv_lat = srv
        srv.add_mount("secret", 2)
        vals = seed_paths(srv, n)
        role, sid = "bench-role", "bench-secret-" + secrets.token_hex(4)
        srv.add_approle(role, sid, policies=["*"], token_type="service")
        srv.add_approle(role + "-batch", sid + "-b", policies=["*"], token_type="batch")
        m_detect = write_private(self.tmp / "a-detect.ini", env_manifest(n))
        m_mounts = write_private(self.tmp / "a-mounts.ini", env_manifest(n, mounts=True))
        listfile = self.tmp / "a-curl.list"
        listfile.write_text("".join("V%05d secret/data/app/p%05d\n" % (i, i) for i in range(n)))
        hvlist = self.tmp / "a-hvac.list"
        hvlist.write_text("".join("V%05d secret app/p%05d\n" % (i, i) for i in range(n)))
        tok = srv.root_token
        e_tok = self.env(VAULT_ADDR=srv.url, VAULT_TOKEN=tok)
        e_role = self.env(VAULT_ADDR=srv.url, VAULT_ROLE_ID=role, VAULT_SECRET_ID=sid)
        e_batch = self.env(VAULT_ADDR=srv.url, VAULT_ROLE_ID=role + "-batch",
                           VAULT_SECRET_ID=sid + "-b")
        chk = check_cmd(vals, [(0, "V00000"), (n // 2, "V%05d" % (n // 2)), (n - 1, "V%05d" % (n - 1))])
        vr = self.vr

        def vcase(name, env, manifest, j=None, cmd=None):
            argv = [vr] + (["-j", str(j)] if j else []) + ["-f", manifest, "--"] + (cmd or [self.true])
            return Case(name, argv, env)

        cases = {
            "token": vcase("vaultrun, token auth", e_tok, m_detect),
            "approle": vcase("vaultrun, AppRole login (service token, revoked)", e_role, m_detect),
            "batch": vcase("vaultrun, AppRole login (batch token, no revoke)", e_batch, m_detect),
            "mounts": vcase("vaultrun, token, [mounts] (no preflight)", e_tok, m_mounts),
            "detect128": vcase("vaultrun, token, detection, -j 128", e_tok, m_detect, 128),
            "mounts128": vcase("vaultrun, token, [mounts], -j 128", e_tok, m_mounts, 128),
        }
        # Check each once: right values in the child, and count the requests.
        reqs = {}
        for key, c in cases.items():
            chk_case = Case(c.name, c.argv[:-1] + chk, c.env)
            srv.reset_stats()
            check_once(chk_case, str(self.tmp))
            srv.wait_idle()
            reqs[key] = (srv.request_count, srv.connections, srv.max_in_flight, duplicates(srv))
            if chk_case.error:
                c.error = "check run: " + chk_case.error
        baselines = {}
        curl, jq = shutil.which("curl"), shutil.which("jq")
        if curl and jq:
            baselines["curl"] = Case("shell loop of curl | jq (one per variable)",
                                     ["/bin/sh", str(HERE / "curl_jq.sh"), str(listfile), "--", self.true],
                                     e_tok)
        else:
            self.findings.append("curl | jq baseline skipped: curl or jq missing (apt-get install -y jq)")
        hvpy = self.hvac_python()
        if hvpy:
            baselines["hvac"] = Case("plain hvac script, reads one after another",
                                     [hvpy, str(HERE / "hvac_read.py"), str(hvlist), "--", self.true], e_tok)
        else:
            self.findings.append("hvac baseline skipped: python3-hvac not importable")
        for key, c in baselines.items():
            chk_case = Case(c.name, c.argv[:-1] + chk, c.env)
            check_once(chk_case, str(self.tmp))
            if chk_case.error:
                c.error = "check run: " + chk_case.error
        progress("A: timing vaultrun (%d runs each)" % self.n_fast)
        time_cases(list(cases.values()), self.n_fast, str(self.tmp))
        progress("A: timing the baselines (%d runs each)" % self.n_slow)
        time_cases(list(baselines.values()), self.n_slow, str(self.tmp))

        # Where the time goes: one -v run (vaultrun logs every request with
        # its milliseconds, counted from when the transfer was handed to curl).
        self.trace = self.trace_run(cases["token"], conc, "http (plain)")

        # C: HTTP/2 through nginx, and TLS straight to the test server.
        h2 = self.scenario_http2(srv, m_detect, chk, n)

        # Physical limits (round trips x latency).
        rt = rounds(n, conc)
        lim = {
            "token": rt * lat, "mounts": rt * lat,
            "approle": (1 + rt + 1) * lat, "batch": (1 + rt) * lat,
            "detect128": rounds(n, 128) * lat, "mounts128": rounds(n, 128) * lat,
        }
        t = Table("A. %d references on %d paths, %.0f ms injected latency, -j %d unless said "
                  "(median of %d runs; baselines %d)" % (n, n, lat * 1e3, conc, self.n_fast, self.n_slow),
                  ["scenario", "median ms", "min", "max", "limit ms", "vs limit", "requests", "conns"])
        for key in ("token", "approle", "batch"):
            c = cases[key]
            r = reqs.get(key, (0, 0, 0, 0))
            t.add(c.name, ms(c.med), ms(min(c.walls, default=float("nan"))),
                  ms(max(c.walls, default=float("nan"))), ms(lim[key]),
                  fmt_ratio(c.med / lim[key]), r[0], r[1])
        for key in ("curl", "hvac"):
            if key in baselines:
                c = baselines[key]
                t.add(c.name, ms(c.med), ms(min(c.walls, default=float("nan"))),
                      ms(max(c.walls, default=float("nan"))), "", "", n, "")
        for key, c in h2.items():
            # HTTP/2: one round of up to 100 streams (what goes before the
            # server's SETTINGS), then the rest; HTTP/1.1: -j 32 rounds.
            rl = (rounds(n + 1, 100) if key == "h2" else rt) * lat
            t.add(c.name, ms(c.med), ms(min(c.walls, default=float("nan"))),
                  ms(max(c.walls, default=float("nan"))), ms(rl),
                  fmt_ratio(c.med / rl), c.requests, c.conns)
        tok_med = cases["token"].med
        for key in ("curl", "hvac"):
            if key in baselines and baselines[key].ok:
                t.note("%s / vaultrun (token) = %s" % (baselines[key].name,
                                                       fmt_ratio(baselines[key].med / tok_med)))
        t.note("limit = round trips x latency: token auth has no login, so ceil(%d paths / %d) = %d "
               "round trips; the preflight rides in the first round (%d requests still fit in %d rounds)"
               % (n, conc, rt, n + 1, rounds(n + 1, conc)))
        t.note("AppRole: + 1 round trip for the login; a service token also costs 1 for revoke-self "
               "(the spec revokes it before exec); a batch token is not revoked")
        t.note("requests/conns: what the test server saw in one checked run (nginx rows: nginx's side)")
        if self.floor_s and tk_ok(cases):
            extra = cases["token"].med - self.floor_s - lim["token"]
            t.note("token auth: %s ms = start-up floor %s ms (D) + limit %s ms + %s ms more "
                   "(= %.1f round trips of %.0f ms)" % (ms(cases["token"].med), ms(self.floor_s),
                                                        ms(lim["token"]), ms(extra), extra / lat,
                                                        lat * 1e3))
        if self.rtt_s:
            t.note("a reused connection's real round trip at this latency is %.2f ms (G): the limit "
                   "at that is %s ms" % (self.rtt_s * 1e3, ms(rt * self.rtt_s)))
        for c in list(cases.values()) + list(baselines.values()) + list(h2.values()):
            if c.error:
                t.note("ERROR %s: %s" % (c.name, c.error))
        self.emit(t)
        self.emit(self.trace_table([self.trace, getattr(self, "trace_h2", None),
                                    getattr(self, "trace_tls", None)]))
        self.results["A2"] = [self.trace, getattr(self, "trace_h2", None), getattr(self, "trace_tls", None)]

        # B: detection vs [mounts]
        t = Table("B. KV version detection vs [mounts] (%d paths, %.0f ms latency)" % (n, lat * 1e3),
                  ["scenario", "median ms", "limit ms", "vs limit", "requests", "dup reads"])
        for key in ("token", "mounts", "detect128", "mounts128"):
            c, r = cases[key], reqs.get(key, (0, 0, 0, 0))
            name = c.name if key != "token" else "vaultrun, token, detection"
            t.add(name, ms(c.med), ms(lim[key]), fmt_ratio(c.med / lim[key]), r[0], r[3])
        d32 = cases["token"].med - cases["mounts"].med
        d128 = cases["detect128"].med - cases["mounts128"].med
        t.note("detection - [mounts]: %+.1f ms at -j 32, %+.1f ms at -j 128; detection done "
               "before the reads would add one round trip (%.0f ms)" % (d32 * 1e3, d128 * 1e3, lat * 1e3))
        t.note("-j 128 opens 100 connections at once: the test server's accept + thread per "
               "connection (G) costs more than the round trips saved")
        dups = {k: v[3] for k, v in reqs.items() if v[3]}
        if dups:
            t.note("duplicate reads (a path fetched twice in one run): %s" % dups)
        self.emit(t)

        self.results["A"] = {k: dict(c.stats(), limit_s=lim[k], requests=reqs.get(k))
                             for k, c in cases.items()}
        self.results["A"].update({k: c.stats() for k, c in baselines.items()})
        self.results["C"] = {k: dict(c.stats(), requests=c.requests, conns=c.conns,
                                     protocols=c.protocols) for k, c in h2.items()}
        tk = cases["token"]
        if lat == TARGET_LATENCY:
            self.target(tk.ok and tk.med <= 1.5 * lim["token"],
                        "%d refs on %d paths at 20 ms, default -j: %s ms <= 1.5 x limit %s ms (%s)"
                        % (n, n, ms(tk.med), ms(lim["token"]), fmt_ratio(tk.med / lim["token"])))
            if "curl" in baselines:
                b = baselines["curl"]
                self.target(b.ok and tk.ok and b.med / tk.med >= 20,
                            "at least 20x faster than the curl | jq loop: %s"
                            % fmt_ratio(b.med / tk.med))
        else:
            self.findings.append("latency targets are defined at 20 ms; this run used %.0f ms: "
                                 "not judged" % (lat * 1e3))
        return cases

    def trace_run(self, case, conc, label):
        if case.error:
            return None
        argv = [case.argv[0], "-v"] + case.argv[1:]
        errf = str(self.tmp / "trace.txt")
        t0 = time.perf_counter()
        r = spawn(argv, case.env, errfile=errf)
        wall = time.perf_counter() - t0
        text = pathlib.Path(errf).read_text(errors="replace")
        pre, reads = [], []
        for m in re.finditer(r"GET /v1/(\S+) -> (\d+) \((\d+) ms\)", text):
            (pre if m.group(1).startswith("sys/internal/ui/mounts") else reads).append(int(m.group(3)))
        tot = re.search(r"(\d+) requests, at most (\d+) in flight, (\d+) ms", text)
        if r.rc != 0 or not reads or not tot:
            return None
        first = reads[:conc - len(pre)]
        later = reads[conc - len(pre):]
        lat_ms = self.lat * 1e3
        return {"label": label, "wall_ms": wall * 1e3, "resolve_ms": int(tot.group(3)),
                "requests": int(tot.group(1)), "preflight_ms": pre,
                "first_round_max_ms": max(first), "first_round_min_ms": min(first),
                "first_round_n": len(first),
                "first_round_slow": sum(1 for x in first if x >= 1.8 * lat_ms),
                "later_median_ms": median(later) if later else float("nan"),
                "later_max_ms": max(later) if later else float("nan")}

    def trace_table(self, traces):
        t = Table("A2. where the time goes (one `vaultrun -v` run each, token auth, -j 32; request "
                  "ms counted from the moment the transfer is handed to libcurl)",
                  ["transport", "wall ms", "resolve ms", "preflight ms", "1st round reads ms",
                   ">= 1.8 latencies", "later reads ms (median/max)"])
        for tr in traces:
            if tr:
                t.add(tr["label"], "%.1f" % tr["wall_ms"], tr["resolve_ms"],
                      ",".join(str(x) for x in tr["preflight_ms"]) or "-",
                      "%d..%d" % (tr["first_round_min_ms"], tr["first_round_max_ms"]),
                      "%d of %d" % (tr["first_round_slow"], tr["first_round_n"]),
                      "%.0f / %.0f" % (tr["later_median_ms"], tr["later_max_ms"]))
        lat_ms = self.lat * 1e3
        for tr in traces:
            if tr:
                t.note("%s: first round up to %.1f latencies, later rounds %.1f" % (
                    tr["label"], tr["first_round_max_ms"] / lat_ms, tr["later_median_ms"] / lat_ms))
        http = traces[0]
        if http and http["first_round_slow"] * 2 > http["first_round_n"]:
            t.note("plain http loses a round trip in round one: CURLOPT_PIPEWAIT holds every transfer "
                   "until the first connection's first answer shows it cannot multiplex (HTTP/1.1); "
                   "only then are the other connections opened.  Over TLS, ALPN settles that at the "
                   "handshake, so there the wait costs no round trip")
        return t

    def hvac_python(self):
        for py in (self.a.hvac_python, sys.executable, "/usr/bin/python3"):
            if py and os.path.exists(py) and subprocess.run(
                    [py, "-c", "import hvac"], capture_output=True).returncode == 0:
                return py
        return None

    def scenario_http2(self, srv, manifest, chk, n):
        out = {}
        if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
            self.findings.append("HTTP/2 scenario skipped: nginx is not installed")
            return out
        if not shutil.which("openssl"):
            self.findings.append("HTTP/2 scenario skipped: openssl is not installed")
            return out
        progress("C: HTTP/2 through nginx, and TLS straight to the test server")
        (self.tmp / "tls").mkdir(exist_ok=True)
        ca, crt, key = make_certs(self.tmp / "tls")
        tls_srv = VaultServer(root_token=srv.root_token, latency=self.lat,
                              ssl_context=tls_server_context(str(crt), str(key), http2=False)).start()
        tls_srv.add_mount("secret", 2)
        for i in range(n):
            tls_srv.put("secret", "app/p%05d" % i, srv.get("secret", "app/p%05d" % i))
        ng = NginxFront(srv.port, str(crt), str(key))
        try:
            ng.start()
        except RuntimeError as e:
            self.findings.append("HTTP/2 scenario skipped: %s" % str(e).strip()[-300:])
            tls_srv.stop()
            return out
        try:
            e_h2 = self.env(VAULT_ADDR=ng.url, VAULT_TOKEN=srv.root_token, VAULT_CACERT=ca)
            e_tls = self.env(VAULT_ADDR=tls_srv.url, VAULT_TOKEN=srv.root_token, VAULT_CACERT=ca)
            h2 = Case("vaultrun via nginx, HTTPS + HTTP/2", [self.vr, "-f", manifest, "--", self.true], e_h2)
            tls = Case("vaultrun, HTTPS straight to the test server (HTTP/1.1)",
                       [self.vr, "-f", manifest, "--", self.true], e_tls)
            # The checked run: values right, one connection, HTTP/2.0 only.
            ng.truncate_log()
            srv.reset_stats()
            chk_case = Case(h2.name, h2.argv[:-1] + chk, e_h2)
            check_once(chk_case, str(self.tmp))
            srv.wait_idle()
            lines = ng.wait_log(srv.request_count)
            h2.requests = len(lines)
            h2.conns = len({ln[0] for ln in lines})
            h2.protocols = sorted({ln[2] for ln in lines})
            h2.upstream_conns = srv.connections
            if chk_case.error:
                h2.error = "check run: " + chk_case.error
            tls_srv.reset_stats()
            chk_case = Case(tls.name, tls.argv[:-1] + chk, e_tls)
            check_once(chk_case, str(self.tmp))
            tls_srv.wait_idle()
            tls.requests, tls.conns, tls.protocols = tls_srv.request_count, tls_srv.connections, ["HTTP/1.1"]
            if chk_case.error:
                tls.error = "check run: " + chk_case.error
            time_cases([h2, tls], self.n_fast, str(self.tmp))
            self.trace_h2 = self.trace_run(h2, 32, "https + HTTP/2 via nginx")
            self.trace_tls = self.trace_run(tls, 32, "https, HTTP/1.1 (test server)")
            out = {"h2": h2, "tls": tls}
            self.target(h2.ok and h2.conns == 1 and h2.protocols == ["HTTP/2.0"],
                        "HTTP/2: %d requests over %d TCP connection(s) to nginx, protocol %s"
                        % (h2.requests, h2.conns, ",".join(h2.protocols)))
            self.h2_note = ("nginx -> test server: %d upstream keep-alive connection(s) for those %d "
                            "requests" % (h2.upstream_conns, h2.requests))
            self.findings.append(self.h2_note)
        finally:
            ng.stop()
            tls_srv.stop()
        return out

    # ---- D: start-up --------------------------------------------------------

    def scenario_startup(self):
        progress("D: start-up overhead (%d runs each)" % self.n_start)
        empty = write_private(self.tmp / "empty.ini", "")
        e = self.env()
        fe = str(self.floors / "floor_exec")
        cases = [
            Case("true alone", [self.true], e),
            Case("floor: linked like vaultrun, execs true", [fe, "true"], e),
            Case("vaultrun -f empty.ini -- true", [self.vr, "-f", empty, "--", "true"], e),
            Case("vaultrun --version (no manifest, no exec)", [self.vr, "--version"], e),
        ]
        for c in cases:
            check_once(c, str(self.tmp))
        time_cases(cases, self.n_start, str(self.tmp))
        base, floor, vr = cases[0].med, cases[1].med, cases[2].med
        self.floor_s = floor
        t = Table("D. start-up overhead (median of %d interleaved runs)" % self.n_start,
                  ["command", "median ms", "p10", "p90", "vs true", "vs floor"])
        for c in cases:
            w = sorted(c.walls)
            p10 = w[len(w) // 10] if w else float("nan")
            p90 = w[(len(w) * 9) // 10] if w else float("nan")
            t.add(c.name, "%.3f" % (c.med * 1e3), "%.3f" % (p10 * 1e3), "%.3f" % (p90 * 1e3),
                  "%+.3f" % ((c.med - base) * 1e3), "%+.3f" % ((c.med - floor) * 1e3))
        t.note("vaultrun - floor = %.3f ms: vaultrun's own work (the floor already pays for loading "
               "libcurl, inih and jansson with -z now, and for the second execve)" % ((vr - floor) * 1e3))
        t.note("floor - true = %.3f ms: the price of being a separate process linked against those "
               "libraries" % ((floor - base) * 1e3))
        for c in cases:
            if c.error:
                t.note("ERROR %s: %s" % (c.name, c.error))
        self.emit(t)
        self.results["D"] = {c.name: c.stats() for c in cases}
        self.target(cases[1].ok and cases[2].ok and vr - floor <= 0.001,
                    "start-up overhead within 1 ms of the floor: %+.3f ms" % ((vr - floor) * 1e3))

    # ---- E: peak RSS --------------------------------------------------------

    def scenario_rss(self):
        sizes = [10, 1000, 10000]
        # ASLR moves every mapping against the kernel's 64 KiB fault-around
        # windows, so one run's file-backed pages vary by +-100 KiB (the
        # heap by a few KiB): 21 runs each, interleaved, for a median that
        # moves by less than the 48 KiB a change is told by (10,000
        # references: as many as 15 s allow).
        nrun = 1 if self.a.quick else 21
        progress("E: peak RSS at %s references (up to %d runs each)" % (sizes, nrun))
        rr = str(self.floors / "runrss")
        srv = VaultServer(root_token="root-" + secrets.token_hex(6)).start()
        try:
            srv.add_mount("secret", 2)
            vals = seed_paths(srv, max(sizes))
            e_srv = self.env(VAULT_ADDR=srv.url, VAULT_TOKEN=srv.root_token)
            floor = Case("floor: libcurl + multi handle", [str(self.floors / "floor_curl")],
                         self.env(), rss=rr)
            floor_exec = Case("floor: linked like vaultrun, execs true",
                              [str(self.floors / "floor_exec"), "true"], self.env(), rss=rr)
            cases = [floor, floor_exec]
            rows = []
            for n in sizes:
                m = write_private(self.tmp / ("rss-%d.ini" % n), env_manifest(n))
                store = {"secret/app/p%05d" % i: {"value": vals[i]} for i in range(n)}
                sp = write_private(self.tmp / ("rss-store-%d.json" % n), json.dumps(store))
                e_file = self.env(VAULT_ADDR="file://" + sp)
                budget = 15.0 if n >= 10000 else None
                cs = Case("vaultrun, %d refs, test server" % n, [self.vr, "-f", m, "--", self.true],
                          e_srv, rss=rr, budget=budget)
                cf = Case("vaultrun, %d refs, file:// store" % n, [self.vr, "-f", m, "--", self.true],
                          e_file, rss=rr, budget=budget)
                cases += [cs, cf]
                rows.append((n, cs, cf))
            for c in cases:
                check_once(c, str(self.tmp))
            time_cases(cases, nrun, str(self.tmp))
        finally:
            srv.stop()

        def rss(c):
            return median([r.maxrss for r in c.runs]) if c.ok else float("nan")

        f = rss(floor)
        t = Table("E. peak RSS (ru_maxrss from wait4 in tests/bench/runrss; median of up to %d runs)" % nrun,
                  ["process", "peak RSS KiB", "vs curl floor", "KiB/ref beyond 10", "wall ms"])
        t.add(floor.name, "%.0f" % f, "", "", ms(floor.med))
        t.add(floor_exec.name, "%.0f" % rss(floor_exec), "%+.0f" % (rss(floor_exec) - f), "",
              ms(floor_exec.med))
        ten = {"srv": rss(rows[0][1]), "file": rss(rows[0][2])}
        for n, cs, cf in rows:
            for kind, c in (("srv", cs), ("file", cf)):
                per = "%.2f" % ((rss(c) - ten[kind]) / (n - 10)) if n > 10 else ""
                t.add(c.name, "%.0f" % rss(c), "%+.0f" % (rss(c) - f), per, ms(c.med))
        for c in cases:
            if c.error:
                t.note("ERROR %s: %s" % (c.name, c.error))
        t.note("test server at zero latency: one path per reference, every value read over HTTP "
               "(-j 32: 32 keep-alive connections); file://: the same secrets in a local JSON store "
               "with exactly those paths")
        t.note("the child runs `-- true`: ru_maxrss is the larger of vaultrun's peak and true's")
        self.emit(t)
        self.results["E"] = {c.name: dict(c.stats(), maxrss_median_kib=rss(c)) for c in cases}
        one_k = rows[1][1]
        d = rss(one_k) - f
        self.target(one_k.ok and floor.ok and d <= 1024,
                    "peak RSS at 1,000 refs (test server) within 1 MiB of libcurl + multi (issue 15): "
                    "%+.0f KiB = %s" % (d, fmt_ratio(d / 1024)))

    # ---- F: parse + plan scaling --------------------------------------------

    def scenario_scaling(self):
        sizes = [1000, 10000, 100000]
        nrun = 3 if self.a.quick else self.a.scale_runs
        progress("F: parse + plan at %s references (%d runs each, then callgrind)" % (sizes, nrun))
        # No address anywhere: vaultrun parses the manifest, builds the plan
        # (references parsed, paths checked and deduplicated) and stops at
        # config_load with exit 78, before any libcurl or network work.
        e = self.env()
        variants = {
            "distinct": ("distinct paths", "secret/app/p%06d#value"),
            "onepath": ("one path, distinct keys", "secret/app/one#k%06d"),
        }
        cases = {}
        for key, (label, fmt) in variants.items():
            for n in [1] + sizes:
                m = write_private(self.tmp / ("scale-%s-%d.ini" % (key, n)), env_manifest(n, path_fmt=fmt))
                cases[(key, n)] = Case("%s, %d refs" % (label, n), [self.vr, "-f", m, "--", "true"], e, rc=78,
                                       timeout=30, budget=10)
        # The whole pipeline on a file:// store with one path: plan, select,
        # mask, --check's output (to /dev/null).
        for n in [1] + sizes:
            keys = {"k%06d" % i: "v%06d" % i for i in range(n)}
            sp = write_private(self.tmp / ("scale-store-%d.json" % n), json.dumps({"secret/app/one": keys}))
            e_file = self.env(VAULT_ADDR="file://" + sp)
            m = str(self.tmp / ("scale-onepath-%d.ini" % n))
            cases[("check", n)] = Case("file:// --check, one path, %d refs" % n,
                                       [self.vr, "-n", "-f", m], e_file,
                                       timeout=10 if self.a.quick else 20, budget=10)
            # Its floor: a minimal linear program (tests/bench/floor_check.c)
            # that loads the same store and manifest and prints one line
            # per reference.
            cases[("floorcheck", n)] = Case("floor: load the store, one line per ref, %d refs" % n,
                                            [str(self.floors / "floor_check"), str(sp), m], e_file,
                                            timeout=10 if self.a.quick else 20, budget=10)
        for c in cases.values():
            check_once(c, str(self.tmp))
        time_cases(list(cases.values()), nrun, str(self.tmp))
        # Instruction counts under callgrind (deterministic: one run each).
        instr = {}
        vg = shutil.which("valgrind")
        if vg and not self.a.no_callgrind:
            for (key, n), c in cases.items():
                if c.error:
                    continue
                try:
                    p = subprocess.run([vg, "--tool=callgrind", "--callgrind-out-file=/dev/null"] + c.argv,
                                       env=c.env, capture_output=True, text=True, cwd=str(self.tmp),
                                       timeout=180)
                except subprocess.TimeoutExpired:
                    continue
                mt = re.search(r"Collected\s*:\s*(\d+)", p.stderr)
                if mt:
                    instr[(key, n)] = int(mt.group(1))
        t = Table("F. parse + plan scaling (exit 78 at config_load, right after plan_build; median of %d "
                  "runs)" % nrun, ["manifest", "median ms", "net ms", "net us/ref", "instructions",
                                   "net instr/ref", "x prev"])
        for key in ("distinct", "onepath", "check", "floorcheck"):
            base = cases[(key, 1)]
            prev = None
            for n in sizes:
                c = cases[(key, n)]
                net = c.med - base.med
                ins = instr.get((key, n))
                ins0 = instr.get((key, 1))
                netins = (ins - ins0) if ins is not None and ins0 is not None else None
                if not c.ok:
                    t.add(c.name, "> %.0f s" % c.timeout if "timed out" in (c.error or "") else "error",
                          "", "", "", "", "")
                    prev = None
                    continue
                t.add(c.name, ms(c.med), ms(net), "%.2f" % (net * 1e6 / n),
                      "{:,}".format(ins) if ins is not None else "-",
                      "%.0f" % (netins / n) if netins is not None else "-",
                      fmt_ratio(c.med / prev.med) if prev is not None else "")
                prev = c
        t.note("net = minus the same run with 1 reference (process start, libraries, exit)")
        t.note("'x prev' is the growth of the wall time for 10x the references: ~10x is linear")
        t.note("parse+plan is isolated by giving no Vault address: vaultrun stops with 78 right after "
               "manifest_load + plan_build; the file:// --check rows add selection, masking and the "
               "--check listing (to /dev/null)")
        for c in cases.values():
            if c.error:
                t.note("ERROR %s: %s" % (c.name, c.error))
        t.note("x prev of the floor rows: what caches alone make of 10x the work (the floor is "
               "linear by construction)")
        self.emit(t)
        self.results["F"] = {"%s-%d" % k: dict(c.stats(), instructions=instr.get(k))
                             for k, c in cases.items()}
        big = [cases[(k, 100000)] for k in ("distinct", "onepath")]
        ok = all(c.ok for c in big)
        # The fastest run: load on the machine only ever adds time.
        worst = max(min(c.walls) for c in big) if ok else float("nan")
        self.target(ok and worst <= 0.100,
                    "parse + plan of 100,000 refs within 100 ms: %s ms = %s (fastest of %d runs, "
                    "slower of the two manifests, process start included; %s instructions)"
                    % (ms(worst), fmt_ratio(worst / 0.100), nrun,
                       "/".join("{:,}".format(instr[(k, 100000)]) if (k, 100000) in instr else "-"
                                for k in ("distinct", "onepath"))))

        def growth(key):
            """10,000 -> 100,000 references: net instructions (minus the
            1-reference run), load-independent; and the fastest walls."""
            i = [instr.get((key, n)) for n in (1, 10000, 100000)]
            gi = (i[2] - i[0]) / (i[1] - i[0]) if None not in i else float("nan")
            w = [min(cases[(key, n)].walls) if cases[(key, n)].ok else float("nan")
                 for n in (1, 10000, 100000)]
            return gi, (w[2] - w[0]) / (w[1] - w[0])
        (gv, wv), (gf, wf) = growth("check"), growth("floorcheck")
        r = gv / gf
        self.target(r == r and r <= 1.05,
                    "--check on a file:// store grows no faster than the linear floor, 10k -> 100k "
                    "refs: %.2fx / %.2fx instructions = %s (<= 1.05; wall %.1fx / %.1fx)"
                    % (gv, gf, fmt_ratio(r), wv, wf))

    # ---- G: the test server -------------------------------------------------

    def curl_batch(self, urls, token, parallel=None, immediate=False):
        """One curl invocation over urls; returns (wall s, [time_total s])."""
        cfg = self.tmp / "curl.cfg"
        with open(cfg, "w") as f:
            f.write('header = "X-Vault-Token: %s"\nsilent\nwrite-out = "%%{time_total}\\n"\n' % token)
            for u in urls:
                f.write('url = "%s"\noutput = "/dev/null"\n' % u)
        argv = [shutil.which("curl"), "-K", str(cfg)]
        if parallel:
            argv += ["--parallel", "--parallel-max", str(parallel)]
            if immediate:
                argv.append("--parallel-immediate")
        out = self.tmp / "curl.out"
        r = spawn(argv, self.env(), outfile=str(out))
        times = [float(x) for x in out.read_text().split()] if r.rc == 0 else []
        return r.wall, times

    def scenario_server(self, demand_rps):
        if not shutil.which("curl"):
            self.findings.append("test-server checks skipped: curl missing")
            return
        progress("G: the test server: throughput, reused-connection latency, fresh connections")
        srv = VaultServer(root_token="root-" + secrets.token_hex(6)).start()
        try:
            srv.add_mount("secret", 2)
            seed_paths(srv, 100)
            tok = srv.root_token
            urls = ["%s/v1/secret/data/app/p%05d" % (srv.url, i % 100) for i in range(100)]
            t = Table("G. the test server (curl(1) as the client, a separate process)",
                      ["measurement", "result", "server conns", "note"])
            # Sequential keep-alive, zero latency.
            srv.reset_stats()
            _, times = self.curl_batch(urls, tok)
            srv.wait_idle()
            seq0 = median(times[1:])
            t.add("100 sequential requests, 1 keep-alive conn, 0 ms", "%.3f ms/req" % (seq0 * 1e3),
                  srv.connections, "median time_total of requests 2..100")
            # Same at the injected latency.
            srv.latency = self.lat
            srv.reset_stats()
            _, times = self.curl_batch(urls[:50], tok)
            srv.wait_idle()
            seql = median(times[1:])
            self.rtt_s = seql
            srv.latency = 0
            t.add("50 sequential requests, 1 conn, %.0f ms latency" % (self.lat * 1e3),
                  "%.3f ms/req" % (seql * 1e3), srv.connections,
                  "%+.3f ms over the injected latency" % ((seql - self.lat) * 1e3))
            # Throughput with 32 concurrent keep-alive clients.
            big = urls * 30
            srv.reset_stats()
            wall, times = self.curl_batch(big, tok, parallel=32, immediate=True)
            srv.wait_idle()
            rps = len(times) / wall if wall else 0
            t.add("%d requests, 32 concurrent keep-alive conns, 0 ms" % len(big), "%.0f req/s" % rps,
                  srv.connections, "%.0fx the %.0f req/s the 100-ref scenario needs at its limit"
                  % (rps / demand_rps, demand_rps))
            t.add("  server CPU per request (1/throughput)", "%.3f ms" % (1e3 / rps if rps else 0), "",
                  "a round of 32 requests costs the server ~%.1f ms of CPU" % (32e3 / rps if rps else 0))
            # Fresh connections.
            fresh = []
            for _ in range(3 if self.a.quick else 7):
                srv.reset_stats()
                _, times = self.curl_batch(urls[:32], tok, parallel=32, immediate=True)
                srv.wait_idle()
                fresh.append(max(times or [0]))
            t.add("32 fresh connections, 1 request each, 0 ms", "%.1f ms" % (median(fresh) * 1e3),
                  srv.connections, "slowest transfer, median of %d: accept + a thread per "
                  "connection" % len(fresh))
            self.emit(t)
            self.results["G"] = {"seq_ms_0": seq0 * 1e3, "seq_ms_lat": seql * 1e3, "rps_32": rps,
                                 "fresh32_ms": median(fresh) * 1e3}
        finally:
            srv.stop()

    # ---- all ----------------------------------------------------------------

    def run(self):
        t0 = time.monotonic()
        say("vaultrun bench: %s, latency %.0f ms, %s" % (self.vr_src, self.lat * 1e3,
                                                           "QUICK (smoke run)" if self.a.quick else
                                                           "%d/%d/%d runs" % (self.n_fast, self.n_slow,
                                                                               self.n_start)))
        say("machine: %d CPUs, %s, load average %.2f %.2f %.2f at the start (other work on the "
            "machine shows in the timings)" % ((os.cpu_count(), os.uname().release) + os.getloadavg()))
        only = set(self.a.only or "ABCDEFGR")
        try:
            # D and G first: A's notes use the start-up floor and the
            # server's real round trip.
            demand = (self.a.refs + 1) / (rounds(self.a.refs, 32) * self.lat)
            for letters, fn in (("D", self.scenario_startup),
                                ("G", lambda: self.scenario_server(demand)),
                                ("ABC", self.scenario_latency),
                                ("E", self.scenario_rss),
                                ("F", self.scenario_scaling),
                                ("R", lambda: rtt.scenario_rtt(self, sys.modules[__name__]))):
                if not only & set(letters):
                    continue
                try:
                    fn()
                except Exception as e:  # report, and go on with the others
                    import traceback
                    self.findings.append("scenario %s could not run: %r" % (letters, e))
                    traceback.print_exc()
                finally:
                    if letters == "ABC" and getattr(self, "srv_lat", None):
                        self.srv_lat.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)
        say("")
        say("== targets")
        for verdict, text in self.targets:
            say("%s  %s" % (verdict, text))
        if self.findings:
            say("")
            say("== notes")
            for f in self.findings:
                say("- " + f)
        say("")
        say("bench: done in %.0f s; load average %.2f %.2f %.2f at the end"
            % ((time.monotonic() - t0,) + os.getloadavg()))
        self.results["targets"] = self.targets
        self.results["notes"] = self.findings
        if self.a.json:
            os.makedirs(os.path.dirname(os.path.abspath(self.a.json)), exist_ok=True)
            with open(self.a.json, "w") as f:
                json.dump(self.results, f, indent=1, default=str)
            say("bench: raw numbers in %s" % self.a.json)


def main(argv=None):
    ap = argparse.ArgumentParser(description="vaultrun's benchmark (see the module docstring).")
    ap.add_argument("--vaultrun", default=str(REPO / "build" / "vaultrun"))
    ap.add_argument("--floors", default=str(REPO / "build" / "bench"),
                    help="directory holding floor_exec and floor_curl")
    ap.add_argument("--latency", type=float, default=TARGET_LATENCY, help="seconds (default 0.020)")
    ap.add_argument("--refs", type=int, default=100, help="references in scenario A (default 100)")
    ap.add_argument("--runs", type=int, default=15, help="runs of each vaultrun case (default 15)")
    ap.add_argument("--baseline-runs", type=int, default=3, help="runs of each baseline (default 3)")
    ap.add_argument("--startup-runs", type=int, default=300, help="runs of each start-up case (300)")
    ap.add_argument("--scale-runs", type=int, default=7, help="runs of each scaling case (default 7)")
    ap.add_argument("--hvac-python", help="the interpreter for the hvac baseline")
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    ap.add_argument("--only", help="scenario letters to run, e.g. AD")
    ap.add_argument("--quick", action="store_true", help="few runs: a smoke test, not numbers")
    ap.add_argument("--json", help="write the raw numbers here")
    rtt.add_args(ap)
    a = ap.parse_args(argv)
    if not os.access(a.vaultrun, os.X_OK):
        ap.error("%s is not an executable: run make first" % a.vaultrun)
    for f in ("floor_exec", "floor_curl"):
        if not os.access(os.path.join(a.floors, f), os.X_OK):
            ap.error("%s/%s missing: make -f tests/bench/bench.mk bench builds it" % (a.floors, f))
    Bench(a).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
