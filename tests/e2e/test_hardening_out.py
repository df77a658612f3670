"""Hardening (issue 10): what reaches the output, what vaultrun reads, how
long it may wait.  SPEC.md "Secrets hygiene" and "Vault client behaviour".

Every run goes through the run fixture, whose leak check also covers the
run.forbid()-den strings: the prefixes and parts of values that a cut or a
fold would have let through.
"""

import json
import os
import secrets
import shutil
import subprocess
import time

import pytest

from conftest import BIN, VALGRIND, VALGRIND_CMD, Result
from helpers import err_line, val, venv

PYTHON = "/usr/bin/python3"

POLICY = ["secret/data/app/*", "sys/internal/ui/mounts/*"]


def wrap(cmd):
    """cmd under valgrind when the suite runs so."""
    return (VALGRIND_CMD if VALGRIND else []) + cmd


def run_direct(run, cmd, env, stdin=subprocess.DEVNULL, timeout=30, valgrind=True):
    """Run cmd (vaultrun, or something that runs it) where the run fixture
    cannot: another standard input, a wrapper.  Applies the same leak check."""
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        pytest.skip("vaultrun binary not found at %s" % BIN)
    t0 = time.monotonic()
    p = subprocess.run(wrap(cmd) if valgrind else cmd, stdin=stdin, env=run.env(env),
                       capture_output=True, timeout=timeout)
    res = Result(cmd, p.returncode, p.stdout.decode("utf-8", "replace"),
                 p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
    run.check_leaks(res)
    return res


# --------------------------------------------------------------------------
# 1. server error text is masked before it is folded or cut


def test_echoed_token_is_masked_before_the_summary_is_cut(run, vault, envdump):
    """A server that quotes the token back in its error: a 300-byte token
    outlasts the 200-byte summary of the error, and no part of it may show."""
    token = "hvs." + secrets.token_hex(150)
    vault.add_token(token, policies=POLICY)
    vault.put("secret", "app/db", {"password": val("pw")})
    fault = vault.add_fault(path="secret/data/app/db", status=400, body={"errors": [
        "bad request: token %s is not valid here" % token]})
    run.forbid(token[:24], token[100:124], token[-24:])
    res = run(["-v", "--"] + envdump.cmd,
              env=venv(vault, token, DB_PASS="vault:secret/app/db#password"))
    assert res.rc == 76, res
    assert fault.fired == 1
    assert err_line(res, "DB_PASS", "bad request: token ********"), res


def test_echoed_secret_id_is_masked_before_it_is_folded(run, vault, envdump):
    """A secret id with a tab and a run of blanks, quoted back by a failing
    login: folding them to one space must not unmask it."""
    rid = "role-" + secrets.token_hex(6)
    halves = ["sid%s" % secrets.token_hex(8), "%s" % secrets.token_hex(8)]
    sid = halves[0] + "\t  " + halves[1]
    vault.add_approle(rid, sid, policies=POLICY)
    fault = vault.add_fault(path="auth/approle/login", status=400, body={"errors": [
        "invalid secret id %s" % sid]})
    run.forbid(*halves)
    res = run(["--"] + envdump.cmd,
              env={"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": rid, "VAULT_SECRET_ID": sid,
                   "DB_PASS": "vault:secret/app/db#password"})
    assert res.rc == 77, res  # a refused login
    assert fault.fired == 1
    assert any("invalid secret id ********" in ln for ln in res.err_lines), res


def test_address_credentials_are_not_shown_in_errors(run, envdump):
    """A configuration error quotes the address, never its user-info."""
    password = "pw-" + secrets.token_hex(6)
    run.forbid(password, "vr-user:" + password)
    res = run(["--"] + envdump.cmd, env={"VAULT_ADDR": "ftp://vr-user:%s@vault.example" % password,
                                         "VAULT_TOKEN": "t-x", "DB_PASS": "vault:secret/app/db#password"})
    assert res.rc == 78, res
    assert err_line(res, "VAULT_ADDR", "ftp://****@vault.example"), res


# --------------------------------------------------------------------------
# 2. no string is ever taken for a number

FORGED = "\x00vaultrun-number:1,\"injected\":true"  # json.c's old in-band marker


@pytest.mark.parametrize("mount", ["secret", "kv"])
def test_forged_number_marker_stays_a_string(run, vault, manifest, envdump, mount):
    """A secret string that begins with the marker json.c once used to carry
    number text: in `#*` output it stays one string (no injected key), and
    selected alone its NUL byte is refused in [env] (65)."""
    other = val("o")
    vault.put(mount, "app/forged", {"a": FORGED, "b": other, "n": 1.50})
    m = manifest("[env]\nALL = %s/app/forged#*\n" % mount)
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 0, res
    whole = json.loads(envdump.read()["ALL"])
    assert whole == {"a": FORGED, "b": other, "n": 1.5}, whole

    m = manifest("[env]\nA = %s/app/forged#a\n" % mount, name="one.ini")
    envdump.path.unlink()
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 65, res
    assert err_line(res, "A", "%s/app/forged#a" % mount), res
    assert not envdump.ran()


# --------------------------------------------------------------------------
# 3. SSLKEYLOGFILE is ignored


@pytest.fixture
def tls_vault(vault_factory, tls_certs):
    from vaultserver import tls_server_context
    return vault_factory(ssl_context=tls_server_context(str(tls_certs.server_crt),
                                                        str(tls_certs.server_key)))


@pytest.mark.parametrize("exists", [False, True])
def test_sslkeylogfile_is_ignored_but_passed_on(run, tls_vault, tls_certs, envdump, tmp_path, exists):
    """libcurl would append every TLS session's keys to $SSLKEYLOGFILE: over
    TLS the file is neither created nor written, and the command still gets
    the variable, unchanged."""
    keylog = tmp_path / "keys.log"
    if exists:
        keylog.write_text("")
    tls_vault.put("secret", "app/db", {"password": val("pw")})
    res = run(["--"] + envdump.cmd,
              env=venv(tls_vault, VAULT_CACERT=tls_certs.ca, SSLKEYLOGFILE=keylog,
                       DB_PASS="vault:secret/app/db#password"))
    assert res.rc == 0, res
    assert keylog.exists() == exists
    assert not exists or keylog.stat().st_size == 0
    assert envdump.read()["SSLKEYLOGFILE"] == str(keylog)


# --------------------------------------------------------------------------
# 4. manifests and credential files are regular files; reading is bounded

CRED_FILES = {
    "token_file": ("token file", ""),
    "role_id_file": ("role id file", "secret_id = sid-x\n"),
    "secret_id_file": ("secret id file", "role_id = rid-x\n"),
    "jwt_file": ("JWT file", "auth = jwt\nrole = app\n"),
}


@pytest.fixture
def fifo(tmp_path):
    p = tmp_path / "fifo"
    os.mkfifo(p, 0o600)
    return p


def test_fifo_as_manifest_is_refused_without_waiting(run, vault, fifo, envdump, time_limit):
    """Opening a FIFO with no writer would block before any check."""
    res = run(["-t", "2", "-f", fifo, "--"] + envdump.cmd, env=venv(vault), timeout=time_limit(10))
    assert res.rc == 78, res
    assert err_line(res, str(fifo), "manifest", "not a regular file"), res
    assert not envdump.ran()
    res = run(["-t", "2", "--"] + envdump.cmd, env=venv(vault, VAULTRUN_FILE=fifo), timeout=time_limit(10))
    assert res.rc == 78, res


@pytest.mark.parametrize("key", sorted(CRED_FILES))
@pytest.mark.parametrize("kind", ["fifo", "/dev/null", "/dev/zero"])
def test_credential_file_must_be_regular(run, vault, manifest, fifo, envdump, time_limit, key, kind):
    what, more = CRED_FILES[key]
    path = fifo if kind == "fifo" else kind
    m = manifest("[vault]\n%s = %s\n%s[env]\nA = secret/app/db#password\n" % (key, path, more))
    res = run(["-t", "2", "-f", m, "--"] + envdump.cmd, env={"VAULT_ADDR": vault.url},
              timeout=time_limit(10))
    assert res.rc == 78, res
    assert err_line(res, str(path), what, "not a regular file"), res
    assert not envdump.ran()
    assert vault.request_count == 0


def test_manifest_from_a_stdin_that_never_ends_is_bounded(run, vault, envdump, time_limit):
    """-f - is exempt from the regular-file rule, not from the deadline: a
    pipe whose writer never closes ends the run with 75 when -t passes."""
    r, w = os.pipe()
    try:
        res = run_direct(run, [BIN, "-t", "1", "-f", "-", "--"] + envdump.cmd, venv(vault),
                         stdin=r, timeout=time_limit(15))
    finally:
        os.close(r)
        os.close(w)
    assert res.rc == 75, res
    assert err_line(res, "(stdin)", "deadline"), res
    # the bound measured: -t 1 plus start-up, far below the 15 s limit
    assert res.elapsed < time_limit(5), res
    assert not envdump.ran()


# --------------------------------------------------------------------------
# 5. the deadline bounds name resolution

# Run inside fresh mount and network namespaces: loopback up, resolv.conf
# replaced by one naming 127.0.0.1, where a UDP socket takes every query and
# answers none, then the command.
BLACKHOLE = r"""
import fcntl, socket, struct, subprocess, sys
resolv, argv = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0))[:18])[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))  # SIOCSIFFLAGS: IFF_UP
subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True)
s.bind(("127.0.0.1", 53))
sys.exit(subprocess.run(argv).returncode)
"""


def namespace_prefix():
    """The unshare(1) command for private mount and network namespaces (in a
    user namespace of its own when not root), or None when not allowed."""
    cmd = ["unshare", "-mn"] if os.geteuid() == 0 else ["unshare", "-rmn"]
    if not shutil.which("unshare") or subprocess.run(cmd + ["true"], capture_output=True).returncode:
        return None
    return cmd


@pytest.mark.timing
def test_unanswered_name_resolution_ends_at_the_deadline(run, envdump, tmp_path, time_limit):
    """With a DNS server that never answers (resolv.conf: 2 attempts of 10 s),
    libcurl's resolver thread blocks in getaddrinfo for 20 s; -t 2 must end
    the run at about 2 s with 75, not wait for the thread."""
    prefix = namespace_prefix()
    if prefix is None:
        pytest.skip("needs unshare(1) with mount and network namespaces (root, or user namespaces)")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:10 attempts:2\n")
    hole = tmp_path / "blackhole.py"
    hole.write_text(BLACKHOLE)
    cmd = prefix + [PYTHON, str(hole), str(resolv)] + wrap([BIN, "-t", "2", "--"] + envdump.cmd)
    res = run_direct(run, cmd, {"VAULT_ADDR": "http://vault.hardening.test:8200", "VAULT_TOKEN": "t-x",
                                "DB_PASS": "vault:secret/app/db#password"}, timeout=60, valgrind=False)
    assert res.rc == 75, res
    assert err_line(res, "DB_PASS", "deadline passed"), res
    # the bound measured: the whole run, -t 2 plus start-up (20 s without
    # the fix: the resolver thread's wait)
    assert res.elapsed < time_limit(8), res
    assert not envdump.ran()


# --------------------------------------------------------------------------
# 8. settings that go into request headers cannot carry a line break


@pytest.mark.parametrize("source", ["VAULT_NAMESPACE", "manifest-tab", "manifest-cr", "VAULT_ADDR"])
def test_header_setting_with_a_line_break_is_78(run, vault, manifest, envdump, source):
    inject = "ns\r\nX-Injected: 1"
    env = venv(vault, DB_PASS="vault:secret/app/db#password")
    text = "[vault]\nnamespace = %s\n"
    if source == "VAULT_NAMESPACE":
        env["VAULT_NAMESPACE"], text, want = inject, "", "VAULT_NAMESPACE"
    elif source == "manifest-tab":
        text, want = text % "ns\tX-Injected: 1", "manifest.ini:2: namespace"
    elif source == "manifest-cr":
        text, want = text % "ns\rX-Injected: 1", "manifest.ini:2"
    else:
        env["VAULT_ADDR"], text, want = vault.url + "\r\nX-Injected: 1", "", "VAULT_ADDR"
    m = manifest(text or "[env]\n")
    res = run(["-f", m, "--"] + envdump.cmd, env=env)
    assert res.rc == 78, res
    assert err_line(res, want, "control character"), res
    assert vault.request_count == 0
    assert not envdump.ran()


@pytest.mark.parametrize("source,bad", [
    (src, bad) for src in ("VAULT_TOKEN", "token_file", "~/.vault-token") for bad in ("\n", "\r", "\x00")
    if not (src == "VAULT_TOKEN" and bad == "\x00")])  # an environment string ends at its NUL
def test_token_with_a_line_break_or_nul_is_78(run, vault, manifest, secret_file, envdump, source, bad):
    """After trimming (a token file's final newline goes), a CR, LF or NUL
    left in the token would end the X-Vault-Token header early."""
    token = vault.add_token("t%sX-Injected: 1" % bad if bad != "\x00" else "t-nul", policies=POLICY)
    raw = "t%sX-Injected: 1\n" % bad
    env = {"VAULT_ADDR": vault.url, "DB_PASS": "vault:secret/app/db#password"}
    text = "[env]\n"
    if source == "VAULT_TOKEN":
        env["VAULT_TOKEN"] = raw.rstrip("\n")
    elif source == "token_file":
        text = "[vault]\ntoken_file = %s\n" % secret_file("tok", raw)
    else:
        (run.home / ".vault-token").write_text(raw)
        os.chmod(run.home / ".vault-token", 0o600)
    run.forbid(token)
    res = run(["-f", manifest(text), "--"] + envdump.cmd, env=env)
    assert res.rc == 78, res
    assert err_line(res, "token from " + source), res
    assert vault.request_count == 0
    assert not envdump.ran()
