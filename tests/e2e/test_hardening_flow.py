"""End-to-end tests of issue 10's flow items, written from SPEC.md ("Vault
client behaviour", "Secrets hygiene") and vault-api.md §5, §14:

- a stop signal (TERM, INT, HUP) during the resolution: the minted login
  token is revoked, nothing runs, the exit status is 128+N;
- inline references in variables whose names are not shell identifiers;
- tokens with limited uses: no speculative reads, and the server counts
  uses as Vault does;
- no token at all: 77, reported once, with a hint, for each form of
  answer Vault gives (403, 400 and 500 "missing client token");
- KV v2 numbers in Go's float64 form, KV v1 numbers as written;
- mounts whose preflight answers "options": null (or no version).
"""

import os
import signal
import subprocess
import time

import pytest

from conftest import BIN, SLOW, VALGRIND, VALGRIND_CMD, Result
from helpers import run_env, val, venv

POLICY = ["secret/*", "kv/*", "plain/*"]


def start(run, args, env):
    """Start vaultrun without waiting for it (the run fixture waits)."""
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        pytest.skip("vaultrun binary not found at %s" % BIN)
    cmd = [BIN] + [str(a) for a in args]
    if VALGRIND:
        cmd = VALGRIND_CMD + cmd
    return subprocess.Popen(cmd, env=run.env(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(run.tmp))


def wait_for(pred, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return False


def approle_env(vault, **kw):
    rid, sid = "role-" + val("r"), "sid-" + val("s")
    vault.add_approle(rid, sid, policies=POLICY, **kw)
    return {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": rid, "VAULT_SECRET_ID": sid}


# --------------------------------------------------------------------------
# 6. stop signals during the resolution


@pytest.mark.timing
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_stop_signal_revokes_the_login_token_and_runs_nothing(run, vault, envdump, sig):
    """The read is held by the server; the signal comes while vaultrun
    waits for it.  vaultrun revokes the token it minted, runs nothing and
    exits 128+N.  The bound: signal to exit well inside the 2 s revoke
    budget plus process teardown (the read would take 30 s)."""
    vault.put("secret", "app/db", {"password": val("pw")})
    vault.add_fault("GET", "secret/data/app/db", action="delay", seconds=30)
    env = approle_env(vault)
    env["DB"] = "vault:secret/app/db#password"
    p = start(run, ["-t", "60", "--"] + envdump.cmd, env)
    try:
        assert wait_for(lambda: any(r.path == "/v1/secret/data/app/db" for r in vault.requests),
                        10 * SLOW), "the read never reached the server"
        assert len(vault.minted_tokens) == 1
        t0 = time.monotonic()
        p.send_signal(sig)
        out, err = p.communicate(timeout=10 * SLOW)
        elapsed = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    res = Result([], p.returncode, out.decode(), err.decode(), elapsed)
    run.check_leaks(res)
    assert res.rc == 128 + sig, res
    assert not envdump.ran(), "the command ran after a stop signal"
    tok = vault.minted_tokens[0]
    assert vault.revocations == {tok: 1}, res
    assert vault.token_info(tok)[3] is True, "the minted token is still valid"
    assert "stopped by signal %d" % sig in res.err, res
    assert elapsed < 2.5 * SLOW, res


def test_ignored_hangup_stays_ignored(run, vault, envdump):
    """A signal the caller ignores (nohup) is not caught: vaultrun goes on
    and the command still has it ignored."""
    pw = val("pw")
    vault.put("secret", "app/db", {"password": pw})
    vault.add_fault("GET", "secret/data/app/db", action="delay", seconds=1)
    env = venv(vault, DB="vault:secret/app/db#password")
    out = run.tmp / "sigign"
    cmd = ["/bin/sh", "-c", 'grep SigIgn /proc/$$/status > "$0"', str(out)]
    p = subprocess.Popen(["/bin/sh", "-c", 'trap "" HUP; exec "$@"', "sh", BIN, "--"] + cmd,
                         env=run.env(env), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert wait_for(lambda: vault.count("GET", "/v1/secret/data/app/db") > 0, 10 * SLOW)
    p.send_signal(signal.SIGHUP)
    o, e = p.communicate(timeout=20 * SLOW)
    run.check_leaks(Result([], p.returncode, o.decode(), e.decode(), 0))
    assert p.returncode == 0, e
    mask = int(out.read_text().split()[1], 16)
    assert mask & (1 << (signal.SIGHUP - 1)), "SIGHUP is no longer ignored in the command"


# --------------------------------------------------------------------------
# 7. inline references whatever the variable's name


def test_inline_references_in_names_that_are_not_identifiers(run, vault, envdump):
    a, b, c = val("dash"), val("dots"), val("plain")
    vault.put("secret", "app/db", {"a": a, "b": b, "c": c})
    env = venv(vault)
    env.update({"DB-PASS": "vault:secret/app/db#a",
                "spring.datasource.password": "vault:secret/app/db#b",
                "PLAIN": "vault:secret/app/db#c"})
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 0, res
    assert child["DB-PASS"] == a
    assert child["spring.datasource.password"] == b
    assert child["PLAIN"] == c


def test_inline_reference_failure_names_the_odd_variable(run, vault, envdump):
    env = venv(vault)
    env["my.app-secret"] = "vault:secret/nope#x"
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 66, res
    assert child is None
    assert any("my.app-secret" in ln and "secret/nope" in ln for ln in res.err_lines), res
