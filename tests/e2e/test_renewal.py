"""Renewal and rotation under --supervise (SPEC.md "Renewal and rotation").

The test server's lease model (engines.py) renews a lease for its role's TTL,
capped at its max TTL, records each renewal (engines.renewals), moves a
PostgreSQL user's VALID UNTIL along and drops the user when the lease ends:
so a command that can still log in at its end proves the renewals worked.
Commands record what they see in files; each also prints the secrets it was
given (helpers.shown), which vaultrun must pass on masked (assert_masked; the
run fixture's leak check reads that output).  Timing bounds are loose and
each says what it measures.
"""

import json
import os
import subprocess
import time

import pytest

from conftest import BIN, Result, scaled
from helpers import assert_masked, err_line, shown, venv
from test_dynamic import PG_MANIFEST, pg_env, pg_role_exists, postgres, the_lease  # noqa: F401 (a fixture)

PG_VARS = ("PGUSER", "PGPASSWORD")


def login_at_end(pg, d, seconds):
    """Print the credentials (shown: masked by vaultrun), sleep, then log in
    as the lease's user: 'ok' in d/login when it could."""
    script = ('sleep "$1"; "$2" -X --no-password -tA -c "SELECT current_user" >"$3/who" 2>"$3/login.err"'
              ' && echo ok >"$3/login"; echo done >"$3/ran"')
    return ["--"] + shown(PG_VARS, ["/bin/sh", "-c", script, "sh", str(seconds), pg.bin("psql"), str(d)])


def renewals_of(vault, lid):
    return [t for t, i, _ in vault.engines.renewals if i == lid]


def renew_requests(vault):
    return [r for r in vault.requests if r.path == "/v1/sys/leases/renew"]


@pytest.mark.timing
def test_lease_outlives_its_ttl_through_renewals(run, vault, manifest, tmp_path, postgres):
    """A 4 s lease (30 s max) through a 12 s command: the user can still log
    in at the end, after the number of renewals the 2/3 rule predicts."""
    vault.engines.add_database_role("backup", postgres, ttl=4, max_ttl=30)
    env = {**venv(vault), **pg_env(postgres)}
    res = run(["-s", "-v", "-f", manifest(PG_MANIFEST)] + login_at_end(postgres, tmp_path, 12),
              env=env, timeout=60)
    assert res.rc == 0, res
    assert_masked(res, *PG_VARS)
    assert (tmp_path / "login").exists(), (tmp_path / "login.err").read_text()
    lease = the_lease(vault)
    assert (tmp_path / "who").read_text().strip() == lease.username
    times = renewals_of(vault, lease.id)
    # Each renewal comes 2/3 of the 4 s left less 10-20 % of them, 1.87..2.27 s
    # after the one before (plus a round trip): 12 s / 2.07 s on average -> 5
    # or 6 (the prediction, +-1)
    assert 4 <= len(times) <= 7, times
    gaps = [b - a for a, b in zip(times, times[1:])]
    # the gap measures the schedule: 1.87 s at the least, 2.27 s plus the
    # renewal's own round trip at the most (loose: a loaded machine)
    assert all(1.8 <= g <= 3.3 for g in gaps), gaps
    assert err_line(res, "renewals while the command ran")
    # the command is over: the lease is revoked (handed token: one by one)
    assert lease.how == "revoked"


@pytest.mark.timing
def test_refused_renewal_is_retried_with_backoff(run, vault, manifest, tmp_path, postgres):
    """The first renewal answered 503 (VAULT_MAX_RETRIES=0: no quick retry
    by the fetcher): vaultrun waits its 10 s backoff, renews then, and the
    command keeps running; its user can log in after the first TTL."""
    vault.engines.add_database_role("backup", postgres, ttl=26, max_ttl=300)
    vault.add_fault("PUT", "sys/leases/renew", times=1, status=503)
    env = {**venv(vault), **pg_env(postgres), "VAULT_MAX_RETRIES": "0"}
    res = run(["-s", "-f", manifest(PG_MANIFEST)] + login_at_end(postgres, tmp_path, 27),
              env=env, timeout=90)
    assert res.rc == 0, res
    assert_masked(res, *PG_VARS)
    assert (tmp_path / "ran").exists()
    assert len(err_line(res, "renewal failed", "retrying in 10s")) == 1, res.err
    reqs = [(r.time, r.status) for r in renew_requests(vault)]
    assert [st for _, st in reqs] == [503, 200], reqs
    # the gap measures the backoff: 10 s, plus the answer's round trip
    assert 9.9 <= reqs[1][0] - reqs[0][0] <= 12, reqs
    # the lease was renewed in time: the user could log in past its 26 s
    assert (tmp_path / "login").exists(), (tmp_path / "login.err").read_text()


@pytest.mark.timing
def test_max_ttl_reached_one_warning_no_kill(run, vault, manifest, tmp_path, postgres):
    """Max TTL 6 s under a 10 s command: renewals until the grant is capped,
    one warning with the time left, no further renewal, the command runs to
    its end (its user is gone by then, as Vault would have it)."""
    vault.engines.add_database_role("backup", postgres, ttl=3, max_ttl=6)
    env = {**venv(vault), **pg_env(postgres)}
    res = run(["-s", "-f", manifest(PG_MANIFEST)] + login_at_end(postgres, tmp_path, 10),
              env=env, timeout=60)
    assert res.rc == 0, res
    assert_masked(res, *PG_VARS)
    assert (tmp_path / "ran").exists()  # never killed
    warnings = [ln for ln in res.err_lines if "cannot be renewed past its maximum TTL" in ln]
    assert len(warnings) == 1, res.err
    lease = the_lease(vault)
    times = renewals_of(vault, lease.id)
    # 3 s TTL: renewals every 1.4-1.7 s until the 6 s cap: 3, or 2-4;
    # none after the capped one (no storm: the count is bounded)
    assert 2 <= len(times) <= 4, times
    assert len(renew_requests(vault)) == len(times)
    assert not (tmp_path / "login").exists()  # the user ended with the lease


def test_supervise_revokes_leases_after_the_command(run, vault, manifest, tmp_path, postgres):
    """Without --watch: after the command the handed token's leases go
    through sys/leases/revoke, and the database user is dropped."""
    vault.engines.add_database_role("backup", postgres, ttl=3600)
    env = {**venv(vault), **pg_env(postgres)}
    res = run(["-s", "-f", manifest(PG_MANIFEST)] + login_at_end(postgres, tmp_path, 0), env=env)
    assert res.rc == 0, res
    assert_masked(res, *PG_VARS)
    assert (tmp_path / "login").exists()
    lease = the_lease(vault)
    assert lease.how == "revoked"
    assert vault.count("PUT", "/v1/sys/leases/revoke") == 1
    assert not pg_role_exists(postgres, lease.username)


def test_supervise_revokes_the_minted_token_after_the_command(run, vault, manifest, tmp_path, postgres):
    """A minted token (AppRole) is revoked after the command, its lease
    and database user with it."""
    vault.engines.add_database_role("backup", postgres, ttl=3600)
    vault.add_approle("rid-rn", "sid-rn", policies=["database/creds/backup"])
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-rn", "VAULT_SECRET_ID": "sid-rn", **pg_env(postgres)}
    res = run(["-s", "-f", manifest(PG_MANIFEST)] + login_at_end(postgres, tmp_path, 0), env=env)
    assert res.rc == 0, res
    assert_masked(res, *PG_VARS)
    assert (tmp_path / "login").exists()
    lease = the_lease(vault)
    assert lease.how == "token"
    assert sum(vault.revocations.values()) == 1
    assert not pg_role_exists(postgres, lease.username)


LOOKUP = """
import json, os, sys, time, urllib.request
time.sleep(float(sys.argv[2]))
req = urllib.request.Request(os.environ["VAULT_ADDR"] + "/v1/auth/token/lookup-self",
                             headers={"X-Vault-Token": os.environ["VAULT_TOKEN"]})
try:
    with urllib.request.urlopen(req) as r:
        out = str(r.status)
except Exception as e:
    out = str(getattr(e, "code", e))
open(sys.argv[1] + "/lookup", "w").write(out)
"""


@pytest.mark.timing
def test_minted_token_is_renewed(run, vault, manifest, tmp_path):
    """A 3 s AppRole token under a 5 s command: renew-self keeps it alive
    (the command looks it up at the end, --keep-vault-env)."""
    vault.put("secret", "app/db", {"password": "pw-token-renewal"})
    vault.add_approle("rid-tk", "sid-tk", policies=["secret/*"], ttl=3)
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-tk", "VAULT_SECRET_ID": "sid-tk",
           "DB_PASSWORD": "vault:secret/app/db#password"}
    res = run(["-s", "--keep-vault-env", "--"]
              + shown(["DB_PASSWORD", "VAULT_TOKEN"], ["/usr/bin/python3", "-c", LOOKUP, str(tmp_path), "5"]),
              env=env, timeout=60)
    assert res.rc == 0, res
    assert_masked(res, "DB_PASSWORD", "VAULT_TOKEN")  # the minted token too
    assert (tmp_path / "lookup").read_text() == "200"
    n = vault.count("POST", "/v1/auth/token/renew-self")
    # 3 s: a renewal every 1.4-1.7 s, so 3 in 5 s (loose: 1..5)
    assert 1 <= n <= 5, n


def test_handed_token_is_never_renewed(run, vault, manifest, tmp_path):
    vault.put("secret", "app/db", {"password": "pw-handed"})
    # 6 s: room for valgrind's slow first read, which must come before the
    # token expires; the command outlives the time a renewer would renew at
    tok = vault.add_token(policies=["secret/*"], ttl=6)
    res = run(["-s", "--"] + shown(["DB_PASSWORD"], ["/bin/sh", "-c", "sleep 5"]),
              env=venv(vault, token=tok, DB_PASSWORD="vault:secret/app/db#password"), timeout=60)
    assert res.rc == 0, res
    assert_masked(res, "DB_PASSWORD")
    assert vault.count("POST", "/v1/auth/token/renew-self") == 0


def test_restarted_child_sees_no_stray_descriptors(run, vault, manifest, tmp_path, postgres):
    """With renewals running the fetcher lives on beside the child: none of
    its sockets (nor any other descriptor of vaultrun's) reaches the child."""
    vault.engines.add_database_role("backup", postgres, ttl=3600)
    env = {**venv(vault), **pg_env(postgres)}
    # --mask none: the command writes on vaultrun's own descriptors, unmasked
    # by design, so it prints nothing (the leak check still reads them)
    res = run(["-s", "--mask", "none", "-f", manifest(PG_MANIFEST), "--", "/bin/sh", "-c",
               'ls /proc/self/fd >"$1/fds"', "sh", str(tmp_path)], env=env)
    assert res.rc == 0, res
    # (under valgrind, its own descriptors sit at 1024 and above)
    fds = sorted(int(x) for x in (tmp_path / "fds").read_text().split() if int(x) < 1000)
    # 0, 1, 2 and the directory ls reads: nothing of vaultrun's
    assert fds == [0, 1, 2, 3], fds


@pytest.mark.timing
def test_fleet_spreads_its_renewals(run, vault, tmp_path):
    """50 supervised `sleep 4` started at once, each with a 5 s AWS lease:
    each renews once, at 47-57 % of the 5 s (2.33-2.83 s after its read).
    The server's log shows the fleet's renewals spread over at least a tenth
    of the TTL, and each one's offset from its own lease spread too (so the
    jitter, not the start-up order, does it)."""
    vault.engines.add_aws_role("deploy", ttl=5, max_ttl=60)
    (tmp_path / "m.ini").write_text("[env]\nAWS_ACCESS_KEY_ID = aws/creds/deploy#access_key\n")
    os.chmod(tmp_path / "m.ini", 0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VAULT")}
    env.update(venv(vault))
    cmd = shown(["AWS_ACCESS_KEY_ID"], ["sleep", "4"])
    procs = [subprocess.Popen([BIN, "-s", "-q", "-f", str(tmp_path / "m.ini"), "--"] + cmd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(50)]
    outs = [p.communicate(timeout=scaled(60)) for p in procs]
    assert [p.returncode for p in procs] == [0] * 50, [e for _, e in outs[:3]]
    for out, err in outs:  # each command's output, as vaultrun passed it on
        run.check_output(out, err)
        assert_masked(Result(None, 0, out.decode(), err.decode(), 0), "AWS_ACCESS_KEY_ID")
    vault.wait_idle()
    leases = {le.id: le for le in vault.engines.leases()}
    leases.update({lid: vault.engines.lease(lid) for lid in vault.engines.revoked})
    assert len(leases) == 50
    first = {}
    for t, lid, _ in vault.engines.renewals:
        first.setdefault(lid, t)
    assert len(first) == 50, len(first)
    times = sorted(first.values())
    # The fleet's spread, in the request log.  The jitter's window is 10 % of
    # the 5 s TTL (0.5 s), and 50 draws never cover all of it: a bound of the
    # whole 0.5 s held only when the start-up spread made up the difference,
    # which on a loaded machine it did not (0.49985 s seen).  Like the offsets
    # below: at least 80 % of the window (50 draws fall short with odds ~2e-4).
    assert times[-1] - times[0] >= 0.4, times
    # each renewal's offset from its own read: the jitter's window is 0.5 s;
    # 50 draws cover at least 80 % of it but with odds under 1 in 1000
    offsets = sorted(first[lid] - leases[lid].issued_mono for lid in first)
    assert offsets[-1] - offsets[0] >= 0.4, offsets
    # and none before 47 % of the TTL (the rule's earliest)
    assert offsets[0] >= 2.3, offsets
