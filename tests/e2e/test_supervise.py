"""End-to-end tests of --supervise (SPEC.md "Supervise mode").

Under -s the command may print: its masked output is vaultrun's, so the run
fixture's leak check covers it.  Commands that would print nothing print the
secrets they were given first (helpers.shown), and those must arrive masked
(assert_masked); under --mask none nothing is masked by design, and such a
command prints no secret.  Tests that need a live process (signals, a
terminal) start vaultrun themselves and apply the same leak check
(run.check_output).
"""

import base64
import contextlib
import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import termios
import textwrap
import time
import urllib.parse

import pytest
from conftest import BIN, SLOW, VALGRIND, VALGRIND_CMD, Result, scaled
from helpers import assert_masked, shown, venv

PY = sys.executable


def secret(vault, value=None):
    """A value at secret/app/db#password; returns (env, value)."""
    value = value or "pw-" + os.urandom(8).hex()
    vault.put("secret", "app/db", {"password": value})
    return venv(vault, DB_PASSWORD="vault:secret/app/db#password"), value


def script(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return str(p)


def cmdline(args):
    cmd = [BIN] + [str(a) for a in args]
    return VALGRIND_CMD + cmd if VALGRIND else cmd


def wait_for(pred, seconds, what):
    end = time.monotonic() + scaled(seconds)
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting for " + what)


# --------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("args", [
    ["--mask", "all"], ["--kill-after", "5"], ["--stop-signal", "TERM"],
    ["-s", "--mask", "some"], ["-s", "--mask", ""], ["-s", "--kill-after", "-1"],
    ["-s", "--kill-after", "soon"], ["-s", "--stop-signal", "NOPE"],
    ["-s", "--stop-signal", "KILL"], ["-s", "--stop-signal", "99"],
    ["-s", "--check"], ["-s"],
])
def test_bad_options_are_usage_errors(run, envdump, args):
    res = run(args + (["--"] + envdump.cmd if "--check" not in args and args != ["-s"] else []))
    assert res.rc == 64, res
    assert not envdump.ran()


def test_nothing_runs_on_a_resolution_failure(run, vault, envdump):
    res = run(["-s", "--"] + envdump.cmd, env=venv(vault, X="vault:secret/app/missing#k"))
    assert res.rc == 66, res
    assert not envdump.ran()


# --------------------------------------------------------------------------
# exit status


@pytest.mark.parametrize("code", [0, 1, 2, 126, 127, 255])
def test_exit_code_is_the_commands(run, vault, code):
    env, _ = secret(vault)
    res = run(["-s", "--"] + shown(["DB_PASSWORD"], ["sh", "-c", "exit %d" % code]), env=env)
    assert res.rc == code, res
    assert_masked(res, "DB_PASSWORD")


# The command puts the signal's default action back before it sends it to
# itself: a suite started in the background by a non-interactive shell (or by
# nohup) inherits SIGINT and SIGQUIT (SIGHUP) ignored, vaultrun passes that on
# as exec does, and sh cannot undo it ("kill -QUIT $$" then does nothing).
SUICIDE = "import os, signal, sys; s = int(sys.argv[1]); signal.signal(s, signal.SIG_DFL); os.kill(os.getpid(), s)"


@pytest.mark.parametrize("sig", ["TERM", "HUP", "QUIT", "KILL"])
def test_killed_by_a_signal_is_128_plus_n(run, vault, sig):
    env, _ = secret(vault)
    n = getattr(signal, "SIG" + sig)
    if n == signal.SIGKILL:  # its action cannot be set, nor ignored
        cmd = ["sh", "-c", "kill -KILL $$"]
    else:
        cmd = [PY, "-c", SUICIDE, str(int(n))]
    res = run(["-s", "--"] + shown(["DB_PASSWORD"], cmd), env=env)
    assert res.rc == 128 + n, res
    assert_masked(res, "DB_PASSWORD")


def test_command_not_found_is_127_and_the_token_revoked(run, vault):
    sid = "sid-" + os.urandom(6).hex()
    vault.add_approle("role-nf", sid, policies=["secret/data/app/*"])
    vault.put("secret", "app/db", {"password": "pw-" + os.urandom(8).hex()})
    res = run(["-s", "--", "/nonexistent/cmd"], env={
        "VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "role-nf", "VAULT_SECRET_ID": sid,
        "DB_PASSWORD": "vault:secret/app/db#password"})
    assert res.rc == 127, res
    tok = vault.minted_tokens
    assert len(tok) == 1 and vault.revocations == {tok[0]: 1}


# --------------------------------------------------------------------------
# the end: the minted token is revoked once the command has exited


def test_minted_token_revoked_after_the_command(run, vault, tmp_path):
    sid = "sid-" + os.urandom(6).hex()
    vault.add_approle("role-1", sid, policies=["secret/data/app/*"])
    vault.put("secret", "app/db", {"password": "pw-" + os.urandom(8).hex()})
    # The command (handed the token) checks that it is valid while it runs.
    child = script(tmp_path, "lookup.py", """
        import os, sys, urllib.request
        req = urllib.request.Request(os.environ["VAULT_ADDR"] + "/v1/auth/token/lookup-self",
                                     headers={"X-Vault-Token": os.environ["VAULT_TOKEN"]})
        open(sys.argv[1], "w").write(str(urllib.request.urlopen(req).status))
    """)
    res = run(["-s", "--keep-vault-env", "--"] + shown(["DB_PASSWORD", "VAULT_TOKEN"], [PY, child, tmp_path / "status"]),
              env={"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "role-1", "VAULT_SECRET_ID": sid,
                   "DB_PASSWORD": "vault:secret/app/db#password"})
    assert res.rc == 0, res
    assert_masked(res, "DB_PASSWORD", "VAULT_TOKEN")
    assert (tmp_path / "status").read_text() == "200"
    [tok] = vault.minted_tokens
    assert vault.revocations == {tok: 1}
    assert vault.token_info(tok)[3] is True
    reqs = vault.requests
    assert reqs[-1].path == "/v1/auth/token/revoke-self", "the revoke is the last request"
    assert [r.path for r in reqs].index("/v1/auth/token/lookup-self") < len(reqs) - 1


GDB = shutil.which("gdb")


@pytest.mark.skipif(GDB is None or VALGRIND, reason="needs gdb (and no valgrind under it)")
def test_stop_signal_before_the_supervisor_reads_them_waits_for_it(vault, tmp_path):
    """A TERM that lands after vaultrun has put the stop signals' own
    dispositions back and before the supervisor reads them from its
    signalfd (gdb sends it at supervise_run's entry) is not the default
    death, with the token unrevoked: it waits, is forwarded to the command,
    and the run ends 143 with the token revoked."""
    sid = "sid-" + os.urandom(6).hex()
    value = "pw-" + os.urandom(8).hex()
    vault.add_approle("role-gdb", sid, policies=["secret/data/app/*"])
    vault.put("secret", "app/db", {"password": value})
    env = dict(os.environ, VAULT_ADDR=vault.url, VAULT_ROLE_ID="role-gdb", VAULT_SECRET_ID=sid,
               DB_PASSWORD="vault:secret/app/db#password")
    env.pop("VAULT_TOKEN", None)
    env["ASAN_OPTIONS"] = "detect_leaks=0"  # LeakSanitizer cannot run under ptrace
    cmd = [GDB, "-nx", "-q", "-batch", "-ex", "handle SIGTERM nostop noprint pass",
           "-ex", "break supervise_run", "-ex", "run",
           "-ex", "python import os; os.kill(gdb.selected_inferior().pid, 15)",
           "-ex", "continue", "--args", BIN, "-s", "--", "sleep", "60"]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=scaled(60))
    out = p.stdout + p.stderr
    if "Breakpoint 1, supervise_run" not in out and "Operation not permitted" in out:
        pytest.skip("this machine does not allow ptrace: " + out.strip().splitlines()[-1])
    assert "Breakpoint 1, supervise_run" in out, out
    assert "exited with code 0217" in out, out  # 143, octal
    [tok] = vault.minted_tokens
    assert vault.revocations == {tok: 1}, out
    assert value not in out and tok not in out


# --------------------------------------------------------------------------
# output masking


SPLIT_WRITER = """
    import base64, os, sys, time, urllib.parse
    v = os.environ["DB_PASSWORD"].encode()
    for fd in (1, 2):
        for k in range(1, len(v)):
            os.write(fd, v[:k]); time.sleep(0.002)
            os.write(fd, v[k:] + b"\\n"); time.sleep(0.002)
        os.write(fd, b"b64 " + base64.b64encode(b"user:" + v) + b"\\n")
        os.write(fd, b"pct " + urllib.parse.quote(v, safe="").encode() + b"\\n")
        os.write(fd, b"\\x00\\xff binary " + v + b" \\x00\\n")
"""


def test_stdout_and_stderr_masked_across_split_writes(run, vault, tmp_path):
    env, value = secret(vault, "p@ss/" + os.urandom(8).hex())
    run.forbid(base64.b64encode(b"user:" + value.encode()).decode()[8:-4],
               urllib.parse.quote(value, safe=""))
    res = run(["-s", "--", PY, script(tmp_path, "w.py", SPLIT_WRITER)], env=env)
    assert res.rc == 0, res
    for out in (res.out, res.err):
        lines = out.splitlines()
        assert lines[:len(value) - 1] == ["********"] * (len(value) - 1), res
        assert lines[len(value) - 1].startswith("b64 dXNlcjp********"), res
        assert lines[len(value)] == "pct ********", res
        assert lines[len(value) + 1] == "\0\ufffd binary ******** \0", res


def fd_target(pid, fd):
    return os.readlink("/proc/%d/fd/%d" % (pid, fd))


FD_REPORT = """
    import json, os, sys
    ppid = os.getppid()
    same = {fd: os.readlink("/proc/self/fd/%d" % fd) == os.readlink("/proc/%d/fd/%d" % (ppid, fd))
            for fd in (0, 1, 2)}
    fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
    open(sys.argv[1], "w").write(json.dumps({"same": same, "fds": fds}))
    sys.stdout.write("out " + os.environ["SAFE"] + "\\n")
    sys.stderr.write("err " + os.environ["DB_PASSWORD"] + "\\n")
"""


@pytest.mark.parametrize("mask,out_same,err_same", [
    ("all", False, False), ("stderr", True, False), ("none", True, True)])
def test_mask_modes(run, vault, tmp_path, mask, out_same, err_same):
    env, value = secret(vault)
    env["SAFE"] = "harmless"
    rep = tmp_path / "fds.json"
    args = ["-s", "--mask", mask, "--", PY, script(tmp_path, "fds.py", FD_REPORT), rep]
    if mask == "none":
        # vaultrun's own stderr is the command's: nothing can mask it, by
        # design, so the leak check is not applied (the value must be there).
        p = subprocess.run(cmdline(args), env=run.env(env), capture_output=True, timeout=scaled(30))
        rc, out, err = p.returncode, p.stdout.decode(), p.stderr.decode()
        assert value in err
    else:
        res = run(args, env=env)
        rc, out, err = res.rc, res.out, res.err
        assert "err ********" in err, res
    assert rc == 0
    assert "out harmless" in out
    got = json.loads(rep.read_text())
    assert got["same"] == {"0": True, "1": out_same, "2": err_same}
    # no stray descriptor: the standard ones (and the interpreter's own,
    # opened for listdir) only
    assert got["fds"][:3] == [0, 1, 2] and len(got["fds"]) <= 4, got


def test_memfds_reach_the_command_and_nothing_else(run, vault, tmp_path, manifest):
    env, _ = secret(vault)
    m = manifest("""
        [mounts]
        secret = 2
        [files]
        DB_FILE = secret/app/db#password
    """)
    rep = tmp_path / "fds.json"
    res = run(["-s", "-f", m, "--", PY, script(tmp_path, "fds.py", FD_REPORT), rep],
              env=dict(env, SAFE="x"))
    assert res.rc == 0, res
    assert "err ********" in res.err, res  # FD_REPORT prints DB_PASSWORD
    fds = json.loads(rep.read_text())["fds"]
    assert len(fds) == 5, fds  # 0 1 2, the memfd, listdir's


# --------------------------------------------------------------------------
# PID 1 and orphans


ORPHANS = """
    import json, os, signal, subprocess, sys, time
    t0 = time.monotonic()
    me = os.getppid()
    def kids(state=None):
        found = []
        for p in os.listdir("/proc"):
            try:
                st = open("/proc/%s/stat" % int(p)).read().rsplit(")", 1)[1].split()
            except (OSError, IndexError, ValueError):
                continue
            if int(p) != os.getpid() and int(st[1]) == me and (state is None or st[0] == state):
                found.append(int(p))
        return found
    # The orphans outlive their counting whatever the load (a sleep of 1 s
    # could end before a busy machine had started the hundredth); this
    # command then kills them, and vaultrun, their new parent, must reap them.
    for i in range(100):
        subprocess.run(["sh", "-c", "sleep 60 >/dev/null 2>&1 &"])
    pids = kids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + 10
    while (kids("Z") or set(kids()) & set(pids)) and time.monotonic() < end:
        time.sleep(0.05)
    zombies = len(kids("Z"))
    for i in range(3):
        subprocess.run(["sh", "-c", "sleep 6 >/dev/null 2>&1 &"])
    open(sys.argv[1], "w").write(json.dumps([len(pids), zombies, time.monotonic() - t0]))
"""


@pytest.mark.timing
def test_orphans_reaped_and_exit_with_the_command(run, vault, tmp_path):
    env, _ = secret(vault)
    rep = tmp_path / "orphans.json"
    res = run(["-s", "--"] + shown(["DB_PASSWORD"], [PY, script(tmp_path, "orph.py", ORPHANS), rep]), env=env)
    assert res.rc == 0, res
    assert_masked(res, "DB_PASSWORD")
    orphans, zombies, took = json.loads(rep.read_text())
    assert orphans == 100, "the orphans were not reparented to vaultrun"
    assert zombies == 0
    # vaultrun exits with its command: the three orphans it leaves would keep
    # it 6 s longer than the command's own time if it waited for them.
    assert res.elapsed < took + 5, (res, took)


# --------------------------------------------------------------------------
# signals


CATCHABLE = [s for s in range(1, 32) if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)]
if VALGRIND:  # valgrind keeps fault signals (and SIGSYS) sent to its client for itself
    CATCHABLE = [s for s in CATCHABLE if s not in (signal.SIGILL, signal.SIGTRAP, signal.SIGABRT,
                                                   signal.SIGBUS, signal.SIGFPE, signal.SIGSEGV,
                                                   signal.SIGSYS)]

LOGGER = """
    import os, signal, sys, time
    log = sys.argv[1]
    def on(sig, frame):
        with open(log, "a") as f:
            f.write("%d\\n" % sig)
    for s in range(1, 32):
        if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            signal.signal(s, on)
    open(log + ".ready", "w").close()
    while not os.path.exists(log + ".done"):
        time.sleep(0.01)
"""


def logged(log):
    return [int(x) for x in log.read_text().split()] if log.exists() else []


def send_each(pid, log, tty_master=None):
    """Each catchable signal, one at a time, each waited for."""
    for i, sig in enumerate(CATCHABLE):
        os.kill(pid, sig)
        wait_for(lambda: len(logged(log)) > i or (tty_master is not None and drain(tty_master) and False),
                 10, "signal %d to reach the command" % sig)
    if tty_master is not None:  # Ctrl-C on the terminal
        os.write(tty_master, b"\x03")
        wait_for(lambda: len(logged(log)) > len(CATCHABLE) or drain(tty_master) and False, 10, "Ctrl-C")
    time.sleep(0.3)  # room for a second delivery, which must not come


OUTPUT = bytearray()


def drain(fd, seconds=0.0):
    """Read what the terminal has; True at its end."""
    while True:
        r, _, _ = select.select([fd], [], [], seconds)
        if not r:
            return False
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return True
        if not chunk:
            return True
        OUTPUT.extend(chunk)


@contextlib.contextmanager
def supervised(run, env, args):
    """vaultrun with args, started with Popen (stdout and stderr piped):
    yields the process, killed afterwards if it is still there."""
    p = subprocess.Popen(cmdline(args), env=run.env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_every_catchable_signal_forwarded_once_in_order(vault, tmp_path, run):
    env, _ = secret(vault)
    log = tmp_path / "sig.log"
    try:
        with supervised(run, env, ["-s", "--"] + shown(["DB_PASSWORD"], [PY, script(tmp_path, "l.py", LOGGER), log])) as p:
            wait_for(lambda: os.path.exists(str(log) + ".ready"), 30, "the command to start")
            send_each(p.pid, log)
            (tmp_path / "sig.log.done").touch()
            out, err = p.communicate(timeout=scaled(10))
    finally:
        (tmp_path / "sig.log.done").touch()  # the logger ends, whatever happened
    assert p.returncode == 0, err
    assert logged(log) == CATCHABLE
    run.check_output(out, err)
    assert_masked(Result(None, 0, out.decode(), err.decode(), 0), "DB_PASSWORD")


# Under valgrind, a vaultrun that leads the terminal's session (pty.fork) does
# not get its command started within the time limit; the plain and sanitizer
# runs cover these, and test_on_a_terminal covers the pty under valgrind.
VALGRIND_PTY_SKIP = pytest.mark.skipif(VALGRIND, reason="valgrind stalls as a pty session leader")


def spawn_on_pty(args, env, stty=False):
    """vaultrun on a new terminal; with stty, `stty -g` before and after."""
    pid, master = pty.fork()
    if pid == 0:
        try:
            if stty:
                os.execve("/bin/sh", ["sh", "-c", 'stty -g; "$@"; rc=$?; stty -g; exit $rc', "sh"]
                          + cmdline(args), env)
            os.execve(cmdline(args)[0], cmdline(args), env)
        finally:
            os._exit(120)
    return pid, master


def finish_pty(pid, master, seconds=20):
    end = time.monotonic() + scaled(seconds)
    while not drain(master, 0.05) and time.monotonic() < end:
        pass
    _, st = os.waitpid(pid, 0)
    os.close(master)
    return os.waitstatus_to_exitcode(st)


@contextlib.contextmanager
def logger_on_pty(run, vault, tmp_path, mode):
    """vaultrun -s running LOGGER on a new terminal, once the logger is ready:
    yields (pid, master, log).  pty: masked output, the logger prints its
    secret first (shown) and that has arrived; foreground: --mask none, the
    command is the terminal's foreground group and, unmasked by design,
    prints nothing.  Afterwards the logger is told to end and vaultrun is
    killed if it is still there."""
    env, _ = secret(vault)
    log = tmp_path / "sig.log"
    cmd = [PY, script(tmp_path, "l.py", LOGGER), log]
    if mode == "foreground":
        args = ["-s", "--mask", "none", "--"] + cmd
    else:
        args = ["-s", "--"] + shown(["DB_PASSWORD"], cmd)
    OUTPUT.clear()
    pid, master = spawn_on_pty(args, run.env(env))
    shown_lines = 0 if mode == "foreground" else 2
    try:
        wait_for(lambda: (os.path.exists(str(log) + ".ready") and OUTPUT.count(b"\n") >= shown_lines)
                 or drain(master) and False, 30, "the command to start")
        yield pid, master, log
    finally:
        (tmp_path / "sig.log.done").touch()
        kill(pid)


def check_terminal(run, mode):
    """The leak check on what the terminal showed; under pty, the shown
    secret arrived masked."""
    run.check_output(bytes(OUTPUT))
    if mode == "pty":
        assert_masked(bytes(OUTPUT), "DB_PASSWORD")


@VALGRIND_PTY_SKIP
@pytest.mark.parametrize("mode", ["pty", "foreground"])
def test_signals_once_with_a_terminal(vault, tmp_path, run, mode):
    """pty: masked output on a terminal, the command on a pseudo-terminal of
    its own; foreground: --mask none, the command is the terminal's
    foreground group.  A Ctrl-C typed reaches it once either way."""
    with logger_on_pty(run, vault, tmp_path, mode) as (pid, master, log):
        send_each(pid, log, master)
        (tmp_path / "sig.log.done").touch()
        rc = finish_pty(pid, master)
    assert rc == 0, bytes(OUTPUT)
    assert logged(log) == CATCHABLE + [signal.SIGINT]
    check_terminal(run, mode)


@VALGRIND_PTY_SKIP
@pytest.mark.parametrize("mode", ["pty", "foreground"])
def test_hangup_reaches_the_command_once(vault, tmp_path, run, mode):
    """The terminal hangs up: the kernel sends SIGHUP and SIGCONT to the
    session leader, vaultrun here, alone; the command gets each once."""
    with logger_on_pty(run, vault, tmp_path, mode) as (pid, master, log):
        os.close(master)
        wait_for(lambda: len(logged(log)) >= 2, 10, "the hangup to reach the command")
        time.sleep(0.3)  # room for a second delivery, which must not come
        (tmp_path / "sig.log.done").touch()
        _, st = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(st) == 0
    assert logged(log) == [signal.SIGHUP, signal.SIGCONT]
    check_terminal(run, mode)


TTY_CHILD = """
    import os, sys
    print("tty", os.isatty(0), os.isatty(1), os.isatty(2))
    print("\\x1b[31mred\\x1b[0m")
    print("value", os.environ["DB_PASSWORD"])
    sys.stderr.write("err " + os.environ["DB_PASSWORD"] + "\\n")
    print("ready", flush=True)
    line = sys.stdin.readline()
    print("got", len(line.strip()), line.strip() == os.environ["DB_PASSWORD"])
"""


def test_on_a_terminal(vault, tmp_path, run):
    env, value = secret(vault)
    OUTPUT.clear()
    pid, master = spawn_on_pty(["-s", "--", PY, script(tmp_path, "t.py", TTY_CHILD)],
                               run.env(env), stty=True)
    try:
        wait_for(lambda: b"ready" in OUTPUT or drain(master) and False, 30, "the command")
        os.write(master, value.encode() + b"\r")  # typed: echoed by the command's terminal
        rc = finish_pty(pid, master)
    finally:
        kill(pid)
    out = bytes(OUTPUT).decode("utf-8", "replace")
    assert rc == 0, out
    assert "tty True True True" in out
    assert "\x1b[31mred\x1b[0m" in out
    assert "value ********" in out and "err ********" in out
    assert "got %d True" % len(value) in out
    assert out.count("********") == 3, out  # the echo of the typed value too
    run.check_output(bytes(OUTPUT))
    lines = [ln for ln in out.replace("\r", "").split("\n") if ln.count(":") > 10]
    assert len(lines) == 2 and lines[0] == lines[1], "stty -g changed: %r" % lines


# --------------------------------------------------------------------------
# --kill-after


STUBBORN = """
    import os, signal, sys, time
    signal.signal(signal.SIGTERM, lambda s, f: open(sys.argv[1], "a").write("TERM\\n"))
    open(sys.argv[1] + ".ready", "w").close()
    while True:
        time.sleep(1)
"""


@pytest.mark.timing
def test_kill_after_escalates_to_sigkill(vault, tmp_path, run):
    env, _ = secret(vault)
    log = tmp_path / "term.log"
    cmd = shown(["DB_PASSWORD"], [PY, script(tmp_path, "s.py", STUBBORN), log])
    with supervised(run, env, ["-s", "--kill-after", "1", "--"] + cmd) as p:
        wait_for(lambda: os.path.exists(str(log) + ".ready"), 30, "the command to start")
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    assert p.returncode == 128 + signal.SIGKILL, err
    assert log.read_text() == "TERM\n"
    # The bound measures the escalation: 1 s after the TERM, not before.
    assert 0.9 < elapsed < 5, elapsed
    run.check_output(out, err)
    assert_masked(Result(None, 0, out.decode(), err.decode(), 0), "DB_PASSWORD")


# --------------------------------------------------------------------------
# no busy loop


def wakeups(pid):
    """Context switches of every thread of pid so far."""
    n = 0
    for task in os.listdir("/proc/%d/task" % pid):
        for line in open("/proc/%d/task/%s/status" % (pid, task)):
            if line.split(":")[0] in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                n += int(line.split()[-1])
    return n


@pytest.mark.timing
def test_no_wakeups_while_the_command_is_quiet(vault, tmp_path, run):
    env, _ = secret(vault)
    ready = tmp_path / "ready"
    cmd = shown(["DB_PASSWORD"], [PY, "-c", "import sys, time; open(sys.argv[1], 'w').close(); time.sleep(4)",
                                  ready])
    with supervised(run, env, ["-s", "--"] + cmd) as p:
        wait_for(ready.exists, 30, "the command to start")
        time.sleep(0.3)
        before = wakeups(p.pid)
        time.sleep(2)
        after = wakeups(p.pid)
        out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    # Measures vaultrun's own scheduling: with no timer and nothing to read,
    # poll() sleeps until the command exits.
    assert after == before, "vaultrun woke up %d times in 2 s" % (after - before)
    run.check_output(out, err)
    assert_masked(Result(None, 0, out.decode(), err.decode(), 0), "DB_PASSWORD")
