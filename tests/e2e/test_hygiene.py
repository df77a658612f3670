"""Secrets hygiene, end to end (SPEC.md "Secrets hygiene", [files]).

Every run goes through the run fixture (or spawn() below, which applies the
same leak check), so no seeded secret, token, secret id or JWT may appear in
any byte of vaultrun's stdout or stderr.  The children never print: they
write what they observe to a file, most of them through PROBE, a small
Python program that records its descriptors, limits, dumpability and
environment, and for each [files] variable named on its command line reads
the value, lets a grandchild shell read it, and tries to write to it.
"""

import base64
import json
import os
import re
import resource
import secrets
import shutil
import subprocess
import tempfile
import time

import pytest

import conftest
from helpers import err_line, val, venv

PYTHON = "/usr/bin/python3"

# --------------------------------------------------------------------------
# helpers


def b64(data):
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text)


PROBE = r'''
import base64, ctypes, errno, fcntl, json, os, subprocess, sys, traceback
out = sys.argv[1]
rep = {}
def b64(d):
    return base64.b64encode(d).decode()
def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
try:
    fds = {}
    for n in os.listdir("/proc/self/fd"):
        try:
            fds[n] = os.readlink("/proc/self/fd/" + n)
        except OSError:
            pass  # the directory that listdir had open
    rep["fds"] = fds
    info = {}
    for n in fds:
        with open("/proc/self/fdinfo/" + n) as f:
            info[n] = dict((k.strip(), v.strip()) for k, _, v in
                           (line.partition(":") for line in f) if k)
    rep["fdinfo"] = info
    rep["env"] = dict(os.environ)
    rep["uid"] = os.getuid()
    libc = ctypes.CDLL(None, use_errno=True)
    rep["dumpable"] = libc.prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
    with open("/proc/self/limits") as f:
        for line in f:
            if line.startswith("Max core file size"):
                rep["core"] = line.split()[4:6]
    # a process of the same uid may read a dumpable process's environ
    rep["environ_readable"] = subprocess.run(
        ["/bin/cat", "/proc/%d/environ" % os.getpid()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    listing = {}
    for top in filter(None, os.environ.get("PROBE_LIST", "").split(":")):
        found = []
        for d, dirs, files in os.walk(top):
            found += [os.path.join(d, x) for x in dirs + files]
        listing[top] = sorted(found)
    rep["listing"] = listing
    files = rep["files"] = {}
    for name in sys.argv[2:]:
        path = os.environ[name]
        r = files[name] = {"path": path}
        fd = int(path.rsplit("/", 1)[1])
        r["link"] = os.readlink(path)
        r["cloexec"] = bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC)
        r["seals"] = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
        r["nlink"] = os.fstat(fd).st_nlink
        with open(path, "rb") as f:
            r["data"] = b64(f.read())
        with open(path, "rb") as f:
            r["again"] = b64(f.read())
        # a grandchild shell finds the value through the variable itself
        g = subprocess.run(["/bin/sh", "-c", 'cat "$' + name + '"'], close_fds=False,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        r["grandchild"] = [g.returncode, b64(g.stdout)]
        def w(mode):
            with open(path, mode, buffering=0) as f:
                f.write(b"tampered")
        def sh(redir):
            return subprocess.run(["/bin/sh", "-c", "printf tampered " + redir + ' "$1"', "sh", path],
                                  close_fds=False, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode
        r["writes"] = {
            "open_w": attempt(lambda: w("wb")),
            "open_a": attempt(lambda: w("ab")),
            "open_rw": attempt(lambda: w("r+b")),
            "fd_write": attempt(lambda: os.write(fd, b"tampered")),
            "fd_pwrite": attempt(lambda: os.pwrite(fd, b"tampered", 0)),
            "ftruncate_grow": attempt(lambda: os.ftruncate(fd, os.fstat(fd).st_size + 1)),
            "ftruncate_shrink": attempt(lambda: os.ftruncate(fd, 0)) if os.fstat(fd).st_size else "EPERM",
            "sh_write": sh(">"),
            "sh_append": sh(">>"),
        }
        with open(path, "rb") as f:
            r["after"] = b64(f.read())
except Exception:
    rep["error"] = traceback.format_exc()
with open(out, "w") as f:
    json.dump(rep, f)
'''


class Probe:
    """The PROBE child: .cmd(*file_vars) and .read()."""

    def __init__(self, path):
        self.path = str(path)

    def cmd(self, *file_vars, out=None):
        return [PYTHON, "-I", "-c", PROBE, out or self.path, *file_vars]

    def ran(self):
        return os.path.exists(self.path)

    def read(self):
        assert self.ran(), "the command was not run"
        with open(self.path) as f:
            rep = json.load(f)
        assert "error" not in rep, rep["error"]
        return rep


@pytest.fixture
def probe(tmp_path):
    return Probe(tmp_path / "probe.json")


def check_file_var(rep, name, want):
    """The [files] variable name holds want (bytes), read-only, inherited."""
    r = rep["files"][name]
    assert re.fullmatch(r"/dev/fd/\d+", r["path"]), r["path"]
    assert r["link"].startswith("/memfd:"), r["link"]
    assert r["nlink"] == 0  # no name anywhere in a file system
    assert not r["cloexec"], "the memfd is close-on-exec"
    for key in ("data", "again", "after"):
        got = unb64(r[key])
        assert got == want, "%s: %d bytes, want %d" % (key, len(got), len(want))
    assert r["grandchild"][0] == 0 and unb64(r["grandchild"][1]) == want
    for how, outcome in r["writes"].items():
        if how.startswith("sh_"):
            assert outcome != 0, "%s succeeded on a [files] value" % how
        else:
            assert outcome != "ok", "%s succeeded on a [files] value" % how
    # F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
    assert r["seals"] & 0xF == 0xF, r["seals"]


class Spawned:
    """vaultrun started with Popen, for what run() cannot do: descriptors
    handed down (pass_fds), a different uid or rlimit, a wrapper in front,
    watching the process while it runs.  finish() applies run()'s leak check."""

    def __init__(self, run, args, env=None, stdin=None, prefix=(), cwd=None, **popen):
        if not (os.path.isfile(conftest.BIN) and os.access(conftest.BIN, os.X_OK)):
            pytest.skip("vaultrun binary not found at %s: run `make`" % conftest.BIN)
        self.run, self.args = run, args
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(
            list(prefix) + [conftest.BIN] + [str(a) for a in args], env=run.env(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(cwd or run.tmp), **popen)
        self.stdin = stdin.encode() if isinstance(stdin, str) else stdin
        self.pid = self.p.pid

    def finish(self, timeout=30):
        try:
            out, err = self.p.communicate(self.stdin, timeout=timeout)
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
        res = conftest.Result(self.args, self.p.returncode, out.decode("utf-8", "replace"),
                              err.decode("utf-8", "replace"), time.monotonic() - self.t0)
        for srv in self.run.servers:
            srv.wait_idle()
        self.run.check_leaks(res)
        return res


@pytest.fixture
def spawn(run):
    if conftest.VALGRIND:
        pytest.skip("watches the process itself: not under valgrind")
    started = []

    def start(*args, **kw):
        s = Spawned(run, *args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        if s.p.poll() is None:
            s.p.kill()
            s.p.wait()


@pytest.fixture
def seeded(vault):
    """Distinctive values in every shape a reference can select."""
    s = {k: val(k) for k in ("user", "password", "dotted", "host", "item", "legacy",
                             "old", "new", "ca", "pguser", "pgpass")}
    vault.put("secret", "app/db", {
        "user": s["user"], "password": s["password"], "tls.crt": s["dotted"],
        "details": {"host": s["host"], "port": 5432}, "list": ["first-" + secrets.token_hex(3), s["item"]]})
    vault.put("kv", "legacy/db", {"value": s["legacy"]})
    vault.put("secret", "app/ver", {"value": s["old"]})
    vault.put("secret", "app/ver", {"value": s["new"]})
    vault.put("secret", "app/tls", {"ca.crt": "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % s["ca"]})
    vault.put("secret", "app/pg", {"type": "postgres", "details": {
        "host": "db-" + secrets.token_hex(4) + ".internal", "username": s["pguser"], "password": s["pgpass"]}})
    return s


ALL_FORMS = """
[env]
DB_USER = secret/app/db#user
DB_PASS = secret/app/db#password
DB_DOTTED = secret/app/db#tls.crt
DB_HOST = secret/app/db#/details/host
DB_PORT = secret/app/db#/details/port
DB_ITEM = secret/app/db#/list/1
DB_ALL = secret/app/db#*
DB_DETAILS = secret/app/db#details
LEGACY = kv/legacy/db
OLD = secret/app/ver?version=1
NEW = secret/data/app/ver#value
[files]
CA = secret/app/tls#ca.crt
[profile pg]
from = secret/app/pg
"""


# --------------------------------------------------------------------------
# the leak sweep: many scenarios at -vvv, the run fixture checks every byte


def _success(ctx):
    return ["-f", ctx.m], {}, 0


def _check(ctx):
    return ["--check", "-f", ctx.m], {}, 0


def _forbidden(ctx):
    ctx.env["VAULT_TOKEN"] = ctx.vault.add_token(policies=["secret/data/app/db", "secret/data/app/ver",
                                                           "secret/data/app/tls", "secret/data/app/pg"])
    return ["-f", ctx.m], {"DENIED": "vault:kv/legacy/db"}, 77


def _missing(ctx):
    return ["-f", ctx.m], {"NOPE": "vault:secret/app/none#password"}, 66


def _check_missing(ctx):
    return ["--check", "-f", ctx.m], {"NOPE": "vault:secret/app/none#password"}, 66


def _server_errors(ctx):
    ctx.vault.add_fault(path="secret/data/app/ver*", status=500,
                        body={"errors": ["internal error reading " + ctx.s["password"]]})
    return ["-f", ctx.m], {"VAULT_MAX_RETRIES": "1"}, 69


def _invalid_json(ctx):
    ctx.vault.add_fault(path="secret/data/app/tls", action="invalid_json")
    return ["-f", ctx.m], {}, 76


def _approle(ctx):
    role, sid = "role-" + secrets.token_hex(4), "sid-" + secrets.token_hex(8)
    ctx.vault.add_approle(role, sid, policies=["*"])
    ctx.env.update(VAULT_TOKEN=None, VAULT_ROLE_ID=role, VAULT_SECRET_ID=sid)
    return ["-f", ctx.m], {}, 0


def _approle_denied(ctx):
    role, bad = "role-" + secrets.token_hex(4), "bad-sid-" + secrets.token_hex(8)
    ctx.vault.add_approle(role, "sid-" + secrets.token_hex(8), policies=["*"])
    ctx.run.forbid(bad)
    ctx.env.update(VAULT_TOKEN=None, VAULT_ROLE_ID=role, VAULT_SECRET_ID=bad)
    return ["-f", ctx.m], {}, 77


def _jwt(ctx):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9." + secrets.token_urlsafe(24)
    ctx.vault.add_jwt_role("ci", [jwt], policies=["*"])
    m = ctx.manifest("[vault]\nauth = jwt\nrole = ci\njwt_env = CI_JOB_JWT\n" + ALL_FORMS, name="jwt.ini")
    ctx.env.update(VAULT_TOKEN=None, CI_JOB_JWT=jwt)
    return ["-f", m], {}, 0


def _jwt_denied(ctx):
    bad = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJldmUifQ." + secrets.token_urlsafe(24)
    ctx.vault.add_jwt_role("ci", ["eyJ.good." + secrets.token_urlsafe(16)], policies=["*"])
    ctx.run.forbid(bad)
    m = ctx.manifest("[vault]\nauth = jwt\nrole = ci\njwt_env = CI_JOB_JWT\n" + ALL_FORMS, name="jwt.ini")
    ctx.env.update(VAULT_TOKEN=None, CI_JOB_JWT=bad)
    return ["-f", m], {}, 77


def _token_file(ctx):
    tf = ctx.secret_file("token", ctx.vault.root_token + "\n")
    m = ctx.manifest("[vault]\ntoken_file = %s\n%s" % (tf, ALL_FORMS), name="tf.ini")
    ctx.env["VAULT_TOKEN"] = None
    return ["-f", m], {}, 0


def _invalid_token(ctx):
    bad = "hvs." + secrets.token_urlsafe(18)
    ctx.run.forbid(bad)
    ctx.env["VAULT_TOKEN"] = bad
    return ["-f", ctx.m], {}, 77


def _keep_vault_env(ctx):
    role, sid = "role-" + secrets.token_hex(4), "sid-" + secrets.token_hex(8)
    ctx.vault.add_approle(role, sid, policies=["*"])
    ctx.env.update(VAULT_TOKEN=None, VAULT_ROLE_ID=role, VAULT_SECRET_ID=sid)
    return ["--keep-vault-env", "-f", ctx.m], {}, 0


SWEEP = {
    "success": _success, "check": _check, "forbidden-403": _forbidden, "missing-404": _missing,
    "check-missing": _check_missing, "5xx-after-retries": _server_errors,
    "invalid-json": _invalid_json, "approle": _approle, "approle-denied": _approle_denied,
    "jwt": _jwt, "jwt-denied": _jwt_denied, "token-file": _token_file,
    "invalid-token": _invalid_token, "keep-vault-env": _keep_vault_env,
}


class Ctx:
    pass


@pytest.mark.parametrize("scenario", list(SWEEP))
def test_leak_sweep(run, vault, seeded, manifest, secret_file, envdump, scenario):
    ctx = Ctx()
    ctx.run, ctx.vault, ctx.s, ctx.manifest, ctx.secret_file = run, vault, seeded, manifest, secret_file
    ctx.m = manifest(ALL_FORMS)
    ctx.env = venv(vault)
    args, extra, want = SWEEP[scenario](ctx)
    ctx.env.update(extra)
    check = "--check" in args
    res = run(["-vvv"] + args + ([] if check else ["--"] + envdump.cmd), env=ctx.env)
    assert res.rc == want, res
    assert res.err_lines, res  # -vvv said something, and it was checked
    assert envdump.ran() == (want == 0 and not check), res
    if check:
        assert "********" in res.out, res
    if want == 0 and not check:
        env = envdump.read()
        assert env["DB_PASS"] == seeded["password"] and env["OLD"] == seeded["old"]
        assert env["PGPASSWORD"] == seeded["pgpass"]
        assert json.loads(env["DB_ALL"])["user"] == seeded["user"]
        if scenario == "keep-vault-env":
            assert env["VAULT_TOKEN"] in vault.minted_tokens
        else:
            assert "VAULT_TOKEN" not in env and "VAULT_SECRET_ID" not in env
    if scenario in ("approle", "jwt"):
        assert vault.minted_tokens and sum(vault.revocations.values()) >= 1


@pytest.mark.parametrize("mode", ["default", "-vvv", "--check"])
def test_error_body_quoting_secrets_is_redacted(run, vault, seeded, manifest, envdump, mode):
    """A server that quotes resolved values and the token back in an error:
    the logger masks them (the second line of defence), on stderr and in
    --check's report alike."""
    echo = vault.add_fault(path="secret/data/app/tls", status=400, body={"errors": [
        "bad request: %s is not valid for %s (token %s)" % (
            seeded["password"], seeded["user"], vault.root_token)]})
    m = manifest(ALL_FORMS)
    args = {"default": [], "-vvv": ["-vvv"], "--check": ["--check"]}[mode] + ["-f", m]
    if mode != "--check":
        args += ["--"] + envdump.cmd
    res = run(args, env=venv(vault))
    assert res.rc == 76, res
    assert not envdump.ran()
    assert echo.fired == 1
    lines = err_line(res, "CA", "secret/app/tls#ca.crt")
    if mode == "--check":
        lines += [ln for ln in res.out_lines if "CA" in ln and "secret/app/tls#ca.crt" in ln]
    assert lines and any("400" in ln for ln in lines), res
    # the message still carries the server's words, with the values masked
    assert any("bad request" in ln and "********" in ln for ln in lines), res


# --------------------------------------------------------------------------
# [files]


def test_files_value_read_back_exactly(run, vault, manifest, probe):
    values = {
        "TEXT": val("text"),
        "PEM": "-----BEGIN KEY-----\r\n%s\n\n-----END KEY-----\n" % secrets.token_urlsafe(90),
        "NUL": "a\x00b\x00\x00-" + secrets.token_hex(5) + "\x00",
        "UNI": "caf\u00e9 \u2603 \U0001f511 " + secrets.token_hex(4),
        "EMPTY": "",
    }
    vault.put("secret", "blob", {k.lower(): v for k, v in values.items()})
    m = manifest("[files]\n" + "".join("%s = secret/blob#%s\n" % (k, k.lower()) for k in values))
    res = run(["-f", m, "--"] + probe.cmd(*values), env=venv(vault))
    assert res.rc == 0, res
    rep = probe.read()
    for name, v in values.items():
        check_file_var(rep, name, v.encode())
    # one descriptor each
    assert len({rep["files"][n]["path"] for n in values}) == len(values)


def test_nul_byte_is_refused_in_env_but_not_in_files(run, vault, manifest, probe):
    v = "x\x00y-" + secrets.token_hex(6)
    vault.put("secret", "nul", {"value": v})
    res = run(["-f", manifest("[env]\nNULV = secret/nul\n"), "--"] + probe.cmd(), env=venv(vault))
    assert res.rc == 65, res
    assert err_line(res, "NULV", "secret/nul"), res
    assert not probe.ran()
    res = run(["-f", manifest("[files]\nNULV = secret/nul\n", name="f.ini"), "--"] + probe.cmd("NULV"),
              env=venv(vault))
    assert res.rc == 0, res
    check_file_var(probe.read(), "NULV", v.encode())


def test_files_leave_no_file_behind(run, spawn, vault, probe, tmp_path):
    """No file appears under /tmp, /dev/shm or $HOME: in a mount namespace of
    its own vaultrun starts with an empty /tmp and /dev/shm (HOME inside
    /tmp), and the child lists them after vaultrun is done."""
    v = val("nofile")
    vault.put("secret", "nofile", {"value": v, "ca": val("ca")})
    text = "[mounts]\nsecret = 2\n[files]\nF1 = secret/nofile\nF2 = secret/nofile#ca\n[env]\nE1 = secret/nofile\n"
    hidden = any(os.path.realpath(conftest.BIN).startswith(d + "/") for d in ("/tmp", "/dev/shm"))
    ok = not hidden and shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-m", "--propagation", "private", "true"], capture_output=True).returncode == 0
    out = os.open(str(tmp_path / "probe.json"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if ok:
            prefix = ["unshare", "-m", "--propagation", "private", "--", "/bin/sh", "-c",
                      "mount -t tmpfs vr-tmp /tmp && mount -t tmpfs vr-shm /dev/shm && "
                      'mkdir /tmp/home && exec "$@"', "sh"]
            env = venv(vault, HOME="/tmp/home", PROBE_LIST="/tmp:/dev/shm")
        else:  # no mount namespaces: watch only the quiet places
            prefix = []
            home = tmp_path / "nhome"
            home.mkdir()
            env = venv(vault, HOME=str(home), PROBE_LIST="%s:/dev/shm" % home)
            before_shm = sorted(os.listdir("/dev/shm"))
        s = spawn(["-f", "-", "--"] + probe.cmd("F1", "F2", out="/dev/fd/%d" % out),
                  env=env, stdin=text, prefix=prefix, pass_fds=(out,))
        res = s.finish()
    finally:
        os.close(out)
    assert res.rc == 0, res
    rep = probe.read()
    check_file_var(rep, "F1", v.encode())
    assert rep["env"]["E1"] == v
    if ok:
        assert rep["listing"] == {"/tmp": ["/tmp/home"], "/dev/shm": []}, rep["listing"]
    else:
        assert rep["listing"][env["HOME"]] == [], rep["listing"]
        assert sorted(os.listdir("/dev/shm")) == before_shm


def test_large_value_needs_files(run, vault, manifest, probe):
    big = ("big-%s-" % secrets.token_hex(4)) + secrets.token_urlsafe(200 * 1024)[:200 * 1024]
    vault.put("secret", "big", {"value": big})
    res = run(["-f", manifest("[env]\nBIG = secret/big\n"), "--"] + probe.cmd(), env=venv(vault))
    assert res.rc == 65, res
    assert not probe.ran()
    lines = err_line(res, "BIG")
    assert lines and any("[files]" in ln for ln in lines), res
    # inline references hit the same guard
    res = run(["--"] + probe.cmd(), env=venv(vault, BIG="vault:secret/big"))
    assert res.rc == 65, res
    assert any("[files]" in ln for ln in err_line(res, "BIG")), res
    assert not probe.ran()
    res = run(["-f", manifest("[files]\nBIG = secret/big\n", name="f.ini"), "--"] + probe.cmd("BIG"),
              env=venv(vault))
    assert res.rc == 0, res
    check_file_var(probe.read(), "BIG", big.encode())


def test_single_string_limit_boundary(run, vault, manifest, envdump):
    """NAME=value plus its NUL may be 128 KiB: one byte more is 65, not a
    failed execve."""
    fits = 128 * 1024 - len("BIG=") - 1
    stem = "edge-%s-" % secrets.token_hex(4)
    vault.put("secret", "edge", {"fits": (stem + "f" * fits)[:fits], "over": (stem + "o" * fits)[:fits] + "o"})
    res = run(["-f", manifest("[env]\nBIG = secret/edge#fits\n"), "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 0, res
    assert len(envdump.read()["BIG"]) == fits
    os.unlink(envdump.path)
    res = run(["-f", manifest("[env]\nBIG = secret/edge#over\n", name="o.ini"), "--"] + envdump.cmd,
              env=venv(vault))
    assert res.rc == 65, res
    assert not envdump.ran()
    assert any("[files]" in ln for ln in err_line(res, "BIG")), res


def test_total_environment_over_arg_max_is_65(run, vault, manifest, envdump):
    arg_max = os.sysconf("SC_ARG_MAX")
    if arg_max > 16 << 20:
        pytest.skip("ARG_MAX is %d (a huge stack limit): too large to fill" % arg_max)
    each = 100 * 1024
    n = arg_max // each + 2
    for i in range(n):
        vault.put("secret", "many/%d" % i, {"value": ("m%d-%s-" % (i, secrets.token_hex(4))).ljust(each, "x")})
    m = manifest("[env]\n" + "".join("V%d = secret/many/%d\n" % (i, i) for i in range(n)))
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 65, res
    assert not envdump.ran()
    assert "[files]" in res.err, res


# --------------------------------------------------------------------------
# what the command inherits: credentials, descriptors


def test_approle_credentials_not_passed_on(run, vault, seeded, envdump):
    role, sid = "role-" + secrets.token_hex(4), "sid-" + secrets.token_hex(8)
    vault.add_approle(role, sid, policies=["*"])
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": role, "VAULT_SECRET_ID": sid,
           "PGPASSWORD": "vault:secret/app/db#password"}
    res = run(["--"] + envdump.cmd, env=env)
    assert res.rc == 0, res
    child = envdump.read()
    assert child["PGPASSWORD"] == seeded["password"]
    for name in ("VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID"):
        assert name not in child, name
    assert not any(sid in v or any(t in v for t in vault.minted_tokens) for v in child.values())
    minted = vault.minted_tokens
    assert len(minted) == 1 and vault.token_info(minted[0])[3], "the login token was not revoked"
    # --keep-vault-env: the credentials and the minted token, unrevoked
    os.unlink(envdump.path)
    res = run(["--keep-vault-env", "--"] + envdump.cmd, env=env)
    assert res.rc == 0, res
    child = envdump.read()
    assert child["VAULT_ROLE_ID"] == role and child["VAULT_SECRET_ID"] == sid
    assert child["VAULT_TOKEN"] == vault.minted_tokens[-1] and len(vault.minted_tokens) == 2
    assert not vault.token_info(child["VAULT_TOKEN"])[3], "a token handed to the command was revoked"


def test_approle_from_manifest_files_not_passed_on(run, vault, seeded, manifest, secret_file, envdump):
    role, sid = "role-" + secrets.token_hex(4), "sid-" + secrets.token_hex(8)
    vault.add_approle(role, sid, policies=["*"])
    m = manifest("""
        [vault]
        role_id_file = %s
        secret_id_file = %s
        [env]
        PGPASSWORD = secret/app/db#password
    """ % (secret_file("role-id", role + "\n"), secret_file("secret-id", sid + "\n")))
    res = run(["-f", m, "--"] + envdump.cmd, env={"VAULT_ADDR": vault.url})
    assert res.rc == 0, res
    child = envdump.read()
    assert child["PGPASSWORD"] == seeded["password"]
    assert not [k for k in child if k in ("VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID")]
    assert not any(sid in v or any(t in v for t in vault.minted_tokens) for v in child.values())


def test_descriptors_the_command_sees(run, spawn, vault, seeded, manifest, probe, tmp_path):
    """0, 1, 2, the memfds and what vaultrun's caller passed down: no
    socket, manifest, pipe or epoll of vaultrun's own."""
    vault.put("secret", "app/my", {"type": "mysql", "host": "my-%s.internal" % secrets.token_hex(3),
                                   "username": "u-" + secrets.token_hex(3), "password": val("mypw")})
    m = manifest("""
        [vault]
        token_file = %s
        [env]
        PGPASSWORD = secret/app/db#password
        [files]
        CA = secret/app/tls#ca.crt
        USER_FILE = secret/app/db#user
        [profile my]
        from = secret/app/my
    """ % (tmp_path / "token"))
    (tmp_path / "token").write_text(vault.root_token)
    os.chmod(tmp_path / "token", 0o600)
    inherited = tmp_path / "inherited.txt"
    inherited.write_text("hello, inherited descriptor\n")
    extra = os.open(str(inherited), os.O_RDWR | os.O_APPEND)
    os.lseek(extra, 7, os.SEEK_SET)
    try:
        s = spawn(["-vv", "-f", m, "--"] + probe.cmd("CA", "USER_FILE", "MYSQL_DEFAULTS_FILE"),
                  env={"VAULT_ADDR": vault.url}, pass_fds=(extra,))
        res = s.finish()
        assert os.lseek(extra, 0, os.SEEK_CUR) == 7
    finally:
        os.close(extra)
    assert res.rc == 0, res
    rep = probe.read()
    memfds = {rep["files"][n]["path"].rsplit("/", 1)[1] for n in ("CA", "USER_FILE", "MYSQL_DEFAULTS_FILE")}
    assert len(memfds) == 3
    assert set(rep["fds"]) == {"0", "1", "2", str(extra)} | memfds, rep["fds"]
    assert rep["fds"][str(extra)] == str(inherited)
    flags = int(rep["fdinfo"][str(extra)]["flags"], 8)
    assert flags & os.O_ACCMODE == os.O_RDWR and flags & os.O_APPEND and not flags & 0o2000000
    assert rep["fdinfo"][str(extra)]["pos"] == "7"
    for fd in memfds:
        assert rep["fds"][fd].startswith("/memfd:"), rep["fds"]
    assert inherited.read_text() == "hello, inherited descriptor\n"
    check_file_var(rep, "USER_FILE", seeded["user"].encode())


# --------------------------------------------------------------------------
# the process while it holds secrets: no core, not dumpable, environ clean


@pytest.fixture
def shared_dir():
    """A directory that the unprivileged user can write (tmp_path is 0700)."""
    d = tempfile.mkdtemp(prefix="vaultrun-hygiene-")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def wait_for(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_protected_while_resolving_restored_for_the_command(run, spawn, vault, shared_dir):
    """vaultrun runs as nobody with a 1 MiB soft core limit.  While it waits
    on a slow answer, with another secret already in memory: its core limit
    is 0, it is not dumpable (its /proc/PID/environ belongs to root, and a process
    of its own uid cannot read its environ), and its environ holds no
    secret.  The command gets the 1 MiB limit back and is dumpable."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run vaultrun as another user")
    fast, slow = val("fast"), val("slow")
    vault.put("secret", "app/fast", {"value": fast})
    vault.put("secret", "app/slow", {"value": slow})
    vault.add_fault(path="secret/data/app/slow", action="delay", seconds=2)
    soft = 1 << 20
    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    out = os.path.join(shared_dir, "probe.json")
    probe = Probe(out)

    # a sanitizer build must not zero the core limit by itself
    s = spawn(["--"] + probe.cmd(), env=venv(vault, HOME=shared_dir, FAST="vault:secret/app/fast",
                                             SLOW="vault:secret/app/slow", ASAN_OPTIONS="disable_coredump=0"),
              cwd=shared_dir, user=65534, group=65534, extra_groups=[],
              preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (soft, hard)))
    proc = "/proc/%d" % s.pid

    def waiting():
        answered = any(r.path == "/v1/secret/data/app/fast" and r.status == 200 for r in vault.requests)
        return answered and vault.in_flight >= 1 and os.path.realpath(proc + "/exe") == os.path.realpath(conftest.BIN)

    assert wait_for(waiting), "vaultrun never got to wait on the slow read"
    time.sleep(0.1)  # the fast answer has been taken in
    with open(proc + "/status") as f:
        uids = [ln for ln in f if ln.startswith("Uid:")][0].split()[1:]
    assert uids[0] == "65534", uids
    assert os.stat(proc + "/environ").st_uid == 0, \
        "vaultrun is dumpable while it holds secrets"
    peek = subprocess.run(["/bin/cat", proc + "/environ"], user=65534, group=65534, extra_groups=[],
                          capture_output=True)
    assert peek.returncode != 0 and peek.stdout == b"", "a process of vaultrun's uid read its environ"
    with open(proc + "/limits") as f:
        core = [ln.split()[4:6] for ln in f if ln.startswith("Max core file size")][0]
    assert core[0] == "0", core
    with open(proc + "/environ", "rb") as f:
        environ = f.read()
    with open(proc + "/cmdline", "rb") as f:
        cmdline = f.read()
    for secret in (fast, slow, vault.root_token):
        assert secret.encode() not in cmdline
    for secret in (fast, slow):
        assert secret.encode() not in environ

    res = s.finish()
    assert res.rc == 0, res
    rep = probe.read()
    assert rep["env"]["FAST"] == fast and rep["env"]["SLOW"] == slow
    assert rep["uid"] == 65534
    assert rep["dumpable"] == 1
    assert rep["environ_readable"], "the command is not dumpable"
    want_hard = "unlimited" if hard == resource.RLIM_INFINITY else str(hard)
    assert rep["core"] == [str(soft), want_hard], rep["core"]


# --------------------------------------------------------------------------
# unsafe files are refused


def _manifest_file(ctx):
    return ctx.manifest(ctx.body, name="unsafe.ini"), {}


def _token_file_case(ctx):
    tf = ctx.secret_file("vault-token", ctx.vault.root_token + "\n")
    return ctx.manifest("[vault]\ntoken_file = %s\n%s" % (tf, ctx.body)), {"VAULT_TOKEN": None, "_file": tf}


def _secret_id_file(ctx):
    role, sid = "role-" + secrets.token_hex(4), "sid-" + secrets.token_hex(8)
    ctx.vault.add_approle(role, sid, policies=["*"])
    f = ctx.secret_file("secret-id", sid + "\n")
    return (ctx.manifest("[vault]\nrole_id = %s\nsecret_id_file = %s\n%s" % (role, f, ctx.body)),
            {"VAULT_TOKEN": None, "_file": f})


def _jwt_file(ctx):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrOHMifQ." + secrets.token_urlsafe(24)
    ctx.vault.add_kubernetes_role("app", [jwt], policies=["*"])
    f = ctx.secret_file("sa-token", jwt)
    return (ctx.manifest("[vault]\nauth = kubernetes\nrole = app\njwt_file = %s\n%s" % (f, ctx.body)),
            {"VAULT_TOKEN": None, "_file": f})


UNSAFE_FILES = {"manifest": _manifest_file, "token_file": _token_file_case,
                "secret_id_file": _secret_id_file, "jwt_file": _jwt_file}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to root and to nobody")
@pytest.mark.parametrize("what", list(UNSAFE_FILES))
def test_unsafe_file_is_78(run, vault, seeded, manifest, secret_file, envdump, what):
    ctx = Ctx()
    ctx.vault, ctx.manifest, ctx.secret_file = vault, manifest, secret_file
    ctx.body = "[env]\nPGPASSWORD = secret/app/db#password\n"
    m, extra = UNSAFE_FILES[what](ctx)
    target = extra.pop("_file", m)
    env = venv(vault, **extra)
    # as it is (0600, root's), the file is fine
    res = run(["-f", m, "--"] + envdump.cmd, env=env)
    assert res.rc == 0, res
    assert envdump.read()["PGPASSWORD"] == seeded["password"]
    os.unlink(envdump.path)
    for how in ("group-writable", "world-writable", "owned-by-nobody"):
        os.chown(target, 0, 0)
        os.chmod(target, {"group-writable": 0o620, "world-writable": 0o602}.get(how, 0o600))
        if how == "owned-by-nobody":
            os.chown(target, 65534, 65534)
        res = run(["-f", m, "--"] + envdump.cmd, env=env)
        assert res.rc == 78, (how, res)
        assert not envdump.ran()
        assert str(target) in res.err, (how, res)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run vaultrun as nobody")
def test_file_owned_by_the_caller_or_root_is_accepted(run, spawn, vault, seeded, shared_dir):
    """Run as nobody: a manifest of nobody's own or root's is read, one of
    another ordinary user is refused."""
    m = os.path.join(shared_dir, "m.ini")
    with open(m, "w") as f:
        f.write("[env]\nPGPASSWORD = secret/app/db#password\n")
    dump = conftest.EnvDump(os.path.join(shared_dir, "child.env"))
    for owner, mode, want in ((65534, 0o600, 0), (0, 0o644, 0), (65533, 0o644, 78)):
        os.chown(m, owner, owner)
        os.chmod(m, mode)
        if dump.ran():
            os.unlink(dump.path)
        s = spawn(["-f", m, "--"] + dump.cmd, env=venv(vault, HOME=shared_dir), cwd=shared_dir,
                  user=65534, group=65534, extra_groups=[])
        res = s.finish()
        assert res.rc == want, (owner, res)
        if want == 0:
            assert dump.read()["PGPASSWORD"] == seeded["password"]
        else:
            assert not dump.ran() and m in res.err, res


def test_unsafe_file_store_is_78(run, secret_file, envdump):
    v = val("store")
    run.forbid(v)
    store = secret_file("store.json", json.dumps({"secret/app/db": {"password": v}}), mode=0o660)
    res = run(["--"] + envdump.cmd, env={"VAULT_ADDR": "file://%s" % store, "X": "vault:secret/app/db#password"})
    assert res.rc == 78, res
    assert str(store) in res.err
    assert not envdump.ran()
