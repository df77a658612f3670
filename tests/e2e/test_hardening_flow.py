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
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(run.tmp),
                            preexec_fn=default_stop_signals)


def default_stop_signals():
    """vaultrun starts as from a terminal: a suite run as a background job of
    a non-interactive shell (or under nohup) inherits SIGINT and SIGQUIT
    (SIGHUP) ignored, and vaultrun rightly keeps an ignored signal ignored."""
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


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


# valgrind's launcher drops environment variables whose names are not shell
# identifiers before the tool starts vaultrun, so these cannot run under it.
odd_names = pytest.mark.skipif(VALGRIND, reason="valgrind drops variables named DB-PASS and the like")


@odd_names
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


@odd_names
def test_inline_reference_failure_names_the_odd_variable(run, vault, envdump):
    env = venv(vault)
    env["my.app-secret"] = "vault:secret/nope#x"
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 66, res
    assert child is None
    assert any("my.app-secret" in ln and "secret/nope" in ln for ln in res.err_lines), res


# --------------------------------------------------------------------------
# 9. tokens with limited uses


def v1_secrets(vault, n, mount="kv"):
    vals = {}
    for i in range(n):
        vals["V%d" % i] = val("v1-%d" % i)
        vault.put(mount, "app/s%d" % i, {"value": vals["V%d" % i]})
    return vals


def inline(vals, mount="kv"):
    return {name: "vault:%s/app/s%s" % (mount, name[1:]) for name in vals}


def test_use_limited_approle_token_reads_kv1_without_speculation(run, vault, envdump):
    """token_num_uses = reads + 1 (the revoke): enough only if no request
    is spent on a guess.  Speculative KV v2-form reads on this KV v1 mount
    would spend three more uses and the last reads would get 403 (77)."""
    vals = v1_secrets(vault, 3)
    env = approle_env(vault, token_num_uses=len(vals) + 1)
    env.update(inline(vals))
    res, child = run_env(run, envdump, ["-v"], env=env)
    assert res.rc == 0, res
    for name, v in vals.items():
        assert child[name] == v
    assert vault.count_prefix("kv/data/") == 0, vault.requests
    assert vault.count("GET", "/v1/auth/token/lookup-self") == 0  # the login said
    tok = vault.minted_tokens[0]
    assert vault.uses_spent[tok] == len(vals) + 1
    assert vault.revocations == {tok: 1} and vault.token_info(tok)[3] is True
    assert "limited uses: no speculative reads" in res.err


def test_unlimited_approle_token_still_speculates(run, vault, envdump):
    """The other side of the decision: with no limit the reads go out
    alongside the preflight (here, wrongly guessed KV v2 forms that are
    dropped), as before."""
    vals = v1_secrets(vault, 3)
    env = approle_env(vault)
    env.update(inline(vals))
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 0, res
    assert child["V0"] == vals["V0"]
    assert vault.count_prefix("kv/data/") == 3


def test_use_limited_handed_token_is_looked_up_once(run, vault, envdump):
    """A handed token's uses are unknown: lookup-self (one use) says they
    are limited, so no speculative reads; reads + 1 uses suffice."""
    vals = v1_secrets(vault, 3)
    tok = vault.add_token(policies=POLICY, num_uses=len(vals) + 1)
    env = venv(vault, token=tok)
    env.update(inline(vals))
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 0, res
    for name, v in vals.items():
        assert child[name] == v
    assert vault.count("GET", "/v1/auth/token/lookup-self") == 1
    assert vault.count_prefix("kv/data/") == 0
    assert vault.uses_spent[tok] == len(vals) + 1
    assert vault.revocations == {}


def test_no_lookup_when_nothing_would_be_speculative(run, vault, manifest, envdump):
    """[mounts] names every mount: nothing to guess, nothing to look up."""
    vals = v1_secrets(vault, 2)
    m = manifest("[mounts]\nkv = 1\n[env]\n" + "".join("%s = kv/app/s%s\n" % (n, n[1:]) for n in vals))
    res, child = run_env(run, envdump, ["-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert vault.count("GET", "/v1/auth/token/lookup-self") == 0
    assert vault.request_count == 2


# --------------------------------------------------------------------------
# 10. no token at all


@pytest.mark.parametrize("form", [403, 400, 500])
def test_no_token_is_77_reported_once_with_a_hint(run, vault, manifest, envdump, form):
    """Current Vault answers a token-less preflight 403, older releases 400
    or 500 "missing client token" (not retried: it cannot change).  Each
    variable says it was not read; the cause and what to do, once."""
    vault.no_token_preflight = form
    vault.put("secret", "app/a", {"value": val("a")})
    vault.put("kv", "app/b", {"value": val("b")})
    m = manifest("[env]\nA = secret/app/a\nB = kv/app/b\n")
    res, child = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert res.rc == 77, res
    assert child is None
    hint = ("vaultrun: no Vault token: set VAULT_TOKEN (or token_file, or write ~/.vault-token) "
            "or a login method ([vault] auth = approle, kubernetes, jwt or cert)")
    assert res.err_lines == [
        hint,
        "vaultrun: %s:2: A: secret/app/a: not read: no Vault token (HTTP %d)" % (m, form),
        "vaultrun: %s:3: B: kv/app/b: not read: no Vault token (HTTP %d)" % (m, form),
    ], res
    assert vault.count_prefix("sys/internal/ui/mounts/") == 2  # once each, no retry


@odd_names
def test_no_token_inline_reference(run, vault, envdump):
    vault.put("secret", "app/a", {"value": val("a")})
    res, child = run_env(run, envdump, [], env={"VAULT_ADDR": vault.url, "DB-PASS": "vault:secret/app/a"})
    assert res.rc == 77, res
    assert res.err_lines[0].startswith("vaultrun: no Vault token: set VAULT_TOKEN")
    assert res.err_lines[1] == "vaultrun: environment: DB-PASS: secret/app/a: not read: no Vault token (HTTP 403)"
    assert len(res.err_lines) == 2, res


def test_a_denial_with_a_token_is_not_the_no_token_hint(run, vault, manifest, envdump):
    vault.put("secret", "app/a", {"value": val("a")})
    tok = vault.add_token(policies=["kv/*"])
    m = manifest("[mounts]\nsecret = 2\n[env]\nA = secret/app/a\n")
    res, child = run_env(run, envdump, ["-f", m], env=venv(vault, token=tok))
    assert res.rc == 77, res
    assert "no Vault token" not in res.err and "permission denied" in res.err


# --------------------------------------------------------------------------
# 11. KV v2 numbers as Vault sends them, KV v1 numbers as written


def test_numbers_as_each_kv_version_sends_them(run, vault, manifest, envdump):
    obj = {"port": 5432.0, "big": 123456789012345678901234567890, "tiny": 1e-7, "n": 42}
    vault.put("secret", "app/nums", obj)
    vault.put("kv", "app/nums", obj)
    m = manifest("[mounts]\nsecret = 2\nkv = 1\n[env]\n"
                 "P2 = secret/app/nums#port\nB2 = secret/app/nums#big\nT2 = secret/app/nums#tiny\n"
                 "P1 = kv/app/nums#port\nB1 = kv/app/nums#big\nN1 = kv/app/nums#n\n")
    res, child = run_env(run, envdump, ["-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert (child["P2"], child["B2"], child["T2"]) == ("5432", "1.2345678901234568e+29", "1e-7")
    assert (child["P1"], child["B1"], child["N1"]) == ("5432.0", "123456789012345678901234567890", "42")


# --------------------------------------------------------------------------
# 12. mounts whose preflight has no options.version


@pytest.mark.parametrize("options", [None, {}, {"version": ""}])
def test_mount_without_options_version_is_kv1(run, vault, envdump, options):
    """A KV v1 mount enabled as plain `kv` answers "options": null; missing
    or empty version means v1 as well (vault-api.md §5, §14)."""
    vault.add_mount("plain", 1, options=options)
    v = val("plain")
    vault.put("plain", "app/x", {"value": v})
    res, child = run_env(run, envdump, [], env=venv(vault, X="vault:plain/app/x"))
    assert res.rc == 0, res
    assert child["X"] == v
    assert vault.count("GET", "/v1/plain/app/x") == 1



def test_refused_login_is_reported_once(run, vault, manifest, envdump):
    """A failure that every variable shares is said once, then the
    variables it failed (SPEC, "Vault client behaviour")."""
    env = approle_env(vault)
    env["VAULT_SECRET_ID"] = "wrong-" + val("sid")
    run.forbid(env["VAULT_SECRET_ID"])
    m = manifest("[env]\nA = secret/app/a\nB = kv/app/b\n")
    res, child = run_env(run, envdump, ["-f", m], env=env)
    assert res.rc == 77, res
    assert res.err_lines == [
        "vaultrun: approle login at auth/approle login failed: refused "
        "(HTTP 400: invalid role or secret ID)",
        "vaultrun: %s:2: A: secret/app/a: not read: the login failed" % m,
        "vaultrun: %s:3: B: kv/app/b: not read: the login failed" % m,
    ], res
