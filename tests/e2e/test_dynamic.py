"""Dynamic secrets, [request PATH] writes and leases (SPEC.md "References":
engines other than KV, leases; "Manifest": [request PATH]; "Vault client
behaviour": tokens and leases).

The test server's database engine (engines.py) creates REAL users in a real
PostgreSQL and MariaDB (dbservers.py) for every read of database/creds/<role>
and drops them when the lease ends, so these tests look in the database
itself: the user exists while the command runs, and is gone after --check or
a failed run.  The commands write to files only (the leak check reads
vaultrun's stdout and stderr).
"""

import json
import re
import subprocess
import time

import pytest

from helpers import err_line, venv


@pytest.fixture(scope="module")
def postgres(postgres):
    """conftest.py's server (the session's), with the database app and a
    seeded table: made by the first module that takes this fixture
    (test_export and test_renewal import it too)."""
    if postgres.sql("SELECT count(*) FROM pg_database WHERE datname = 'app'").strip() == "0":
        postgres.sql("CREATE DATABASE app")
        postgres.sql("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);"
                     "INSERT INTO customers VALUES (1, 'customer-one'), (2, 'customer-two')", db="app")
    return postgres


@pytest.fixture(scope="module")
def mariadb(mariadb):
    """conftest.py's server, with the database shop and a seeded table."""
    mariadb.sql("CREATE DATABASE shop; CREATE TABLE shop.orders (id int PRIMARY KEY, item varchar(64));"
                "INSERT INTO shop.orders VALUES (1, 'order-one'), (2, 'order-two')")
    return mariadb


def pg_role_exists(pg, name):
    return pg.sql("SELECT count(*) FROM pg_roles WHERE rolname = %s" % pg.literal(name)).strip() == "1"


def my_user_exists(my, name):
    return my.sql("SELECT COUNT(*) FROM mysql.user WHERE User = %s" % my.literal(name)).strip() == "1"


def pg_env(pg):
    return {"PGHOST": "127.0.0.1", "PGPORT": pg.port, "PGDATABASE": "app"}


PG_MANIFEST = """
    [env]
    PGUSER     = database/creds/backup#username
    PGPASSWORD = database/creds/backup#password
"""

# pg_dump to a file, and the server's own record of who connected and until
# when that user is valid, all written by the child (it prints nothing).
PG_SCRIPT = ('"$1" --no-password -f "$2/dump.sql" 2>"$2/dump.err" && '
             '"$3" -X --no-password -tA -c "SELECT current_user, rolvaliduntil IS NOT NULL FROM pg_roles '
             'WHERE rolname = current_user" >"$2/who" 2>>"$2/dump.err"')


def pg_command(pg, d):
    return ["--", "/bin/sh", "-c", PG_SCRIPT, "sh", pg.bin("pg_dump"), str(d), pg.bin("psql")]


def creds_reads(vault, path="database/creds/backup"):
    return vault.count("GET", "/v1/" + path)


def lease_revokes(vault):
    return [json.loads(r.body) for r in vault.requests if r.path == "/v1/sys/leases/revoke"]


def the_lease(vault):
    """The one lease the run obtained (revoked or not)."""
    ids = [le.id for le in vault.engines.leases()] + vault.engines.revoked
    assert len(ids) == 1, ids
    return vault.engines.lease(ids[0])


# --------------------------------------------------------------------------
# PostgreSQL: the backup job


def test_pg_dump_runs_with_a_dynamic_user_that_outlives_vaultrun(run, vault, manifest, tmp_path, postgres):
    """AppRole login (a minted token), mount type found by the preflight.
    The token is NOT revoked before execve, since that would drop the user
    pg_dump is about to log in as; the user expires with its lease."""
    vault.engines.add_database_role("backup", postgres)
    vault.add_approle("rid-dyn", "sid-dyn", policies=["database/creds/backup"])
    # The preflight answers late: the credential read must wait for it.
    vault.add_fault("GET", "sys/internal/ui/mounts/*", action="delay", seconds=0.3)
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-dyn", "VAULT_SECRET_ID": "sid-dyn", **pg_env(postgres)}
    res = run(["-v", "-f", manifest(PG_MANIFEST)] + pg_command(postgres, tmp_path), env=env, timeout=60)
    assert res.rc == 0, (res, (tmp_path / "dump.err").read_text() if (tmp_path / "dump.err").exists() else "")
    dump = (tmp_path / "dump.sql").read_text()
    assert "CREATE TABLE public.customers" in dump and "customer-two" in dump
    lease = the_lease(vault)
    who, valid_until = (tmp_path / "who").read_text().strip().split("|")
    assert who == lease.username and valid_until == "t"  # the lease's user, with an expiry
    # one read for two variables, sent only after the preflight had answered
    assert creds_reads(vault) == 1
    pre = [r for r in vault.requests if r.path.startswith("/v1/sys/internal/ui/mounts/database")]
    rd = [r for r in vault.requests if r.path == "/v1/database/creds/backup"]
    assert len(pre) == 1 and rd[0].time >= pre[0].time + 0.25  # the 0.3 s delay, with slack
    assert vault.revocations == {}  # the token was kept: its lease is the command's
    assert lease.how is None and pg_role_exists(postgres, lease.username)
    assert err_line(res, "lease handed to the command", "not revoking the login token")
    # ...until the lease ends, which drops the user, as Vault's plugin does
    vault.engines.expire(lease.id)
    assert not pg_role_exists(postgres, lease.username)


def test_check_revokes_the_minted_token_and_the_user_is_dropped(run, vault, manifest, postgres):
    vault.engines.add_database_role("backup", postgres, ttl=3600)
    vault.add_approle("rid-chk", "sid-chk", policies=["database/creds/backup"])
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-chk", "VAULT_SECRET_ID": "sid-chk"}
    res = run(["--check", "-f", manifest(PG_MANIFEST)], env=env)
    assert res.rc == 0, res
    lines = [ln for ln in res.out_lines if ln.startswith(("PGUSER ", "PGPASSWORD "))]
    assert len(lines) == 2 and all(ln.endswith("bytes, lease 1h, renewable)") for ln in lines), res.out
    lease = the_lease(vault)
    assert lease.how == "token"  # revoke-self took the lease with it
    assert sum(vault.revocations.values()) == 1
    assert not pg_role_exists(postgres, lease.username)
    assert creds_reads(vault) == 1


def test_failed_run_revokes_a_handed_tokens_leases(run, vault, manifest, envdump, postgres):
    """A handed token is never revoked: each lease goes through
    sys/leases/revoke with sync, and the user is dropped before exit."""
    vault.engines.add_database_role("backup", postgres)
    m = manifest(PG_MANIFEST + "    MISSING = secret/not/there#x\n")
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 66, res
    assert not envdump.ran()
    lease = the_lease(vault)
    assert lease_revokes(vault) == [{"lease_id": lease.id, "sync": True}]
    assert lease.how == "revoked" and not pg_role_exists(postgres, lease.username)
    assert vault.revocations == {}


def test_exec_failure_revokes_the_leases(run, vault, manifest, tmp_path, postgres):
    vault.engines.add_database_role("backup", postgres)
    res = run(["-f", manifest(PG_MANIFEST), "--", str(tmp_path / "no-such-command")], env=venv(vault))
    assert res.rc == 127, res
    lease = the_lease(vault)
    assert lease.how == "revoked" and not pg_role_exists(postgres, lease.username)


def test_refused_revocation_warns_with_the_leases_life(run, vault, manifest, postgres):
    """The default policy grants sys/leases/renew and lookup, not revoke."""
    vault.engines.add_database_role("backup", postgres, ttl=1800)
    tok = vault.add_token(policies=["database/creds/backup"])
    m = manifest(PG_MANIFEST + "    MISSING = database/creds/nope#x\n")
    res = run(["-f", m, "--", "/bin/true"], env=venv(vault, token=tok))
    assert res.rc == 77, res  # the token may not read database/creds/nope
    lease = the_lease(vault)
    lines = err_line(res, "could not revoke lease " + lease.id, "permission denied")
    # 30 minutes less the run's duration (seconds; generous for valgrind)
    assert lines and re.search(r"lives (2[0-9]m([0-9]+s)?|30m) more", lines[0]), res
    assert lease.how is None and pg_role_exists(postgres, lease.username)
    vault.engines.expire(lease.id)
    assert not pg_role_exists(postgres, lease.username)


def test_refused_token_revocation_names_the_leases_left(run, vault, manifest, postgres):
    vault.engines.add_database_role("backup", postgres)
    vault.add_approle("rid-rf", "sid-rf", policies=["database/creds/backup"])
    vault.add_fault("POST", "auth/token/revoke-self", status=403)
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-rf", "VAULT_SECRET_ID": "sid-rf"}
    res = run(["--check", "-f", manifest(PG_MANIFEST)], env=env)
    assert res.rc == 0, res  # a failed revocation warns, it changes no status
    lease = the_lease(vault)
    assert err_line(res, "could not revoke the login token")
    assert err_line(res, "the leases obtained live on until their TTLs end: " + lease.id, "left)")
    assert lease.how is None and pg_role_exists(postgres, lease.username)
    vault.engines.expire(lease.id)


def test_batch_token_leases_are_revoked_one_by_one(run, vault, manifest, postgres):
    """A batch token cannot be revoked: its leases go through sys/leases/revoke."""
    vault.engines.add_database_role("backup", postgres)
    vault.add_approle("rid-b", "sid-b", policies=["database/creds/backup", "sys/leases/revoke"],
                      token_type="batch")
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-b", "VAULT_SECRET_ID": "sid-b"}
    res = run(["--check", "-f", manifest(PG_MANIFEST)], env=env)
    assert res.rc == 0, res
    lease = the_lease(vault)
    assert vault.revocations == {} and lease_revokes(vault) == [{"lease_id": lease.id, "sync": True}]
    assert lease.how == "revoked" and not pg_role_exists(postgres, lease.username)


def test_handed_token_exec_keeps_the_leases(run, vault, manifest, envdump, postgres):
    vault.engines.add_database_role("backup", postgres)
    res = run(["-v", "-f", manifest("[mounts]\ndatabase = dynamic\n" + PG_MANIFEST.replace("    ", "")),
               "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 0, res
    lease = the_lease(vault)
    env = envdump.read()
    assert env["PGUSER"] == lease.username
    assert lease.how is None and pg_role_exists(postgres, lease.username) and lease_revokes(vault) == []
    assert err_line(res, "1 lease handed to the command", "expire with their TTLs")
    # [mounts] said dynamic: no preflight, no speculative read
    assert [r.path for r in vault.requests] == ["/v1/database/creds/backup"]
    vault.engines.expire(lease.id)


def test_retried_read_says_a_first_credential_may_exist(run, vault, manifest, postgres):
    vault.engines.add_database_role("backup", postgres)
    vault.add_fault("GET", "database/creds/backup", times=1, status=500)
    res = run(["-v", "--check", "-f", manifest(PG_MANIFEST)], env=venv(vault))
    assert res.rc == 0, res
    assert creds_reads(vault) == 2
    assert err_line(res, "database/creds/backup: read after 2 attempts",
                    "may have created a credential too", "expires with its TTL")


def test_retried_write_says_so_too(run, vault, manifest):
    vault.engines.add_pki_role("backup")
    vault.add_fault("POST", "pki/issue/backup", times=1, status=502)
    m = manifest("[request pki/issue/backup]\ncommon_name = a.example\n[env]\nS = pki/issue/backup#serial_number\n")
    res = run(["-v", "--check", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert vault.count("POST", "/v1/pki/issue/backup") == 2
    assert err_line(res, "pki/issue/backup: written after 2 attempts", "may have created a credential too")


# --------------------------------------------------------------------------
# MariaDB


def test_mysqldump_with_a_dynamic_mariadb_user(run, vault, manifest, tmp_path, mariadb):
    vault.engines.add_database_role("shop", mariadb, kind="mysql",
                                    grants="SELECT, LOCK TABLES, SHOW VIEW, TRIGGER ON shop.*")
    m = manifest("""
        [env]
        MY_USER   = database/creds/shop#username
        MYSQL_PWD = database/creds/shop#password
    """)
    script = ('"$1" --no-defaults -h 127.0.0.1 -P "$2" -u "$MY_USER" --no-tablespaces '
              '--result-file="$3/dump.sql" shop 2>"$3/dump.err"')
    res = run(["-f", m, "--", "/bin/sh", "-c", script, "sh", mariadb.bin("mysqldump"), mariadb.port, tmp_path],
              env=venv(vault), timeout=60)
    assert res.rc == 0, (res, (tmp_path / "dump.err").read_text())
    assert "order-two" in (tmp_path / "dump.sql").read_text()
    lease = the_lease(vault)
    assert my_user_exists(mariadb, lease.username)  # still the command's
    vault.engines.expire(lease.id)
    assert not my_user_exists(mariadb, lease.username)
    # --check: the user is created, then gone before vaultrun exits
    vault.engines.revoked.clear()
    res = run(["--check", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    lease = the_lease(vault)
    assert lease.how == "revoked" and not my_user_exists(mariadb, lease.username)


# --------------------------------------------------------------------------
# PKI and AWS through [request]


def test_pki_certificate_through_request_and_files(run, vault, manifest, tmp_path):
    vault.engines.add_pki_role("backup")
    m = manifest("""
        [request pki/issue/backup]
        common_name = backup.internal
        alt_names   = db.internal
        ttl         = 1h

        [files]
        TLS_CERT = pki/issue/backup#certificate
        TLS_KEY  = pki/issue/backup#private_key
        TLS_CA   = pki/issue/backup#issuing_ca
    """)
    script = 'cat "$TLS_CERT" >"$1/cert.pem" && cat "$TLS_KEY" >"$1/key.pem" && cat "$TLS_CA" >"$1/ca.pem"'
    res = run(["-f", m, "--", "/bin/sh", "-c", script, "sh", tmp_path], env=venv(vault))
    assert res.rc == 0, res
    x509 = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "cert.pem"), "-noout", "-subject", "-ext",
                           "subjectAltName"], capture_output=True, text=True, check=True).stdout
    assert "CN = backup.internal" in x509 and "DNS:db.internal" in x509
    subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.pem"), str(tmp_path / "cert.pem")],
                   capture_output=True, check=True)
    pub = [subprocess.run(["openssl", kind, "-in", str(tmp_path / f)] + opts,
                          capture_output=True, text=True, check=True).stdout
           for kind, f, opts in (("x509", "cert.pem", ["-pubkey", "-noout"]), ("pkey", "key.pem", ["-pubout"]))]
    assert pub[0] == pub[1]  # the key is the certificate's
    writes = [r for r in vault.requests if r.path == "/v1/pki/issue/backup"]
    assert [r.method for r in writes] == ["POST"]
    assert json.loads(writes[0].body) == {"common_name": "backup.internal", "alt_names": "db.internal",
                                          "ttl": "1h"}
    assert not [r for r in vault.requests if r.path.startswith("/v1/pki/") and r.method == "GET"]


def test_pki_issue_read_without_request_is_405(run, vault, manifest, envdump):
    vault.engines.add_pki_role("backup")
    m = manifest("[env]\nCERT = pki/issue/backup#certificate\n")
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 76, res
    assert err_line(res, "manifest.ini:2", "CERT", "HTTP 405",
                    "declare it as [request pki/issue/backup]")


def test_aws_creds_and_sts_leases_in_check(run, vault, manifest):
    vault.engines.add_aws_role("deploy")
    m = manifest("""
        [request aws/sts/deploy]
        ttl = 15m
        [env]
        STS_KEY    = aws/sts/deploy#access_key
        STS_TOKEN  = aws/sts/deploy#security_token
        IAM_KEY    = aws/creds/deploy#access_key
        IAM_SECRET = aws/creds/deploy#secret_key
    """)
    res = run(["--check", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    out = {ln.split()[0]: ln for ln in res.out_lines}
    assert out["STS_KEY"].endswith("lease 15m, not renewable)") and out["STS_TOKEN"].endswith("not renewable)")
    assert out["IAM_KEY"].endswith("lease 1h, renewable)")
    assert vault.count("POST", "/v1/aws/sts/deploy") == 1 and vault.count("GET", "/v1/aws/creds/deploy") == 1
    assert json.loads([r for r in vault.requests if r.path == "/v1/aws/sts/deploy"][0].body) == {"ttl": "15m"}
    assert len(lease_revokes(vault)) == 2 and vault.engines.leases() == []


def test_static_creds_have_no_lease(run, vault, manifest):
    vault.engines.add_static_role("legacy", "app_legacy", "static-pw-" + "x" * 8)
    res = run(["--check", "-f", manifest("[env]\nPW = database/static-creds/legacy#password\n")], env=venv(vault))
    assert res.rc == 0, res
    assert res.out_lines[0].endswith("bytes)") and "lease" not in res.out
    assert lease_revokes(vault) == []


# --------------------------------------------------------------------------
# bad input


BAD = {
    "request-on-declared-kv": ("""
        [mounts]
        secret = 2
        [request secret/app/x]
        ttl = 1h
        [env]
        X = secret/app/x#value
    """, 78, ["manifest.ini:6", "[request secret/app/x] (line 3)", "KV v2 mount"]),
    "request-on-detected-kv": ("""
        [request secret/app/x]
        ttl = 1h
        [env]
        X = secret/app/x#value
    """, 78, ["manifest.ini:4", "[request secret/app/x] (line 1)", "KV v2 mount"]),
    "version-on-declared-engine": ("""
        [mounts]
        database = dynamic
        [env]
        X = database/creds/backup?version=2#username
    """, 78, ["manifest.ini:4", "?version= needs a KV v2 mount", "not KV"]),
    "version-on-detected-engine": ("""
        [env]
        X = database/creds/backup?version=2#username
    """, 78, ["manifest.ini:2", "?version= needs a KV v2 mount", "not KV (database)"]),
    "version-on-request": ("""
        [request pki/issue/backup]
        common_name = a.example
        [env]
        X = pki/issue/backup?version=1#certificate
    """, 78, ["manifest.ini:4", "does not apply to a [request] path"]),
    "body-list": ("""
        [request pki/issue/backup]
        common_name = a.example
        alt_names = [b.example, c.example]
        [env]
        X = pki/issue/backup#certificate
    """, 78, ["manifest.ini:3:", "'alt_names' is not a string"]),
    "body-empty": ("""
        [request pki/issue/backup]
        common_name =
        [env]
        X = pki/issue/backup#certificate
    """, 78, ["manifest.ini:2:", "'common_name' has no value"]),
    "body-file": ("""
        [request pki/issue/backup]
        common_name = @/etc/hostname
        [env]
        X = pki/issue/backup#certificate
    """, 78, ["manifest.ini:2:", "@file"]),
    "unused-request": ("""
        [request pki/issue/backup]
        common_name = a.example
        [env]
        X = secret/app/x
    """, 78, ["manifest.ini:1:", "[request pki/issue/backup] is not used"]),
    "request-with-selector": ("""
        [request pki/issue/backup#certificate]
        common_name = a.example
    """, 78, ["manifest.ini:1:", "a request takes a path only"]),
    "bad-mount-kind": ("""
        [mounts]
        database = 3
    """, 78, ["manifest.ini:2:", "or dynamic"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input(run, vault, manifest, envdump, case):
    vault.engines.add_database_role("backup", object())  # never read: no database
    vault.engines.add_pki_role("backup")
    text, rc, needles = BAD[case]
    res = run(["-f", manifest(text), "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == rc, res
    assert err_line(res, *needles), res
    assert not envdump.ran()
    # nothing was minted or written
    assert not [r for r in vault.requests if r.method in ("POST", "PUT")], vault.requests
    assert creds_reads(vault) == 0 and vault.engines.leases() == []


def test_engine_answer_without_data_is_76(run, vault, manifest, envdump):
    vault.engines.add_aws_role("deploy")
    vault.add_fault("GET", "aws/creds/deploy", status=200, body={"lease_id": "", "data": None})
    res = run(["-f", manifest("[env]\nK = aws/creds/deploy#access_key\n"), "--"] + envdump.cmd,
              env=venv(vault))
    assert res.rc == 76, res
    assert err_line(res, "manifest.ini:2", "K", "no 'data' object")


def test_request_refused_preflight_is_not_written_blind(run, vault, manifest, envdump):
    """A token the preflight refuses: a write goes to a mount that nobody
    named, so it is not sent; [mounts] NAME = dynamic is the way."""
    vault.engines.add_pki_role("backup")
    tok = vault.add_token(policies=["secret/data/*"])
    m = manifest("[request pki/issue/backup]\ncommon_name = a.example\n[env]\nX = pki/issue/backup#certificate\n")
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault, token=tok))
    assert res.rc == 77, res
    assert err_line(res, "manifest.ini:4", "name it in [mounts] as dynamic")
    assert vault.count_prefix("pki/") == 0


def test_the_example_manifest_runs_pg_dump(run, vault, tmp_path, postgres, tls_certs):
    """examples/pg_dump-dynamic as shipped, its address and credentials
    overridden by the environment (which beats the manifest)."""
    import pathlib
    src = pathlib.Path(__file__).resolve().parents[2] / "examples/pg_dump-dynamic/pg-dynamic.ini"
    m = tmp_path / "pg-dynamic.ini"
    m.write_text(src.read_text())
    m.chmod(0o600)
    vault.engines.add_database_role("backup", postgres)
    # The login's token lives 2 h: a lease is capped at what is left of its
    # token's life, as Vault's are, so under a 1 h token the 1 h lease showed
    # as 59m59s once a loaded valgrind run took a second from login to read.
    vault.add_approle("rid-ex", "sid-ex", policies=["database/creds/backup"], ttl=7200)
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-ex", "VAULT_SECRET_ID": "sid-ex",
           "VAULT_CACERT": tls_certs.ca, **pg_env(postgres)}
    res = run(["--check", "-f", m], env=env)
    assert res.rc == 0, res
    assert all(ln.endswith("lease 1h, renewable)") for ln in res.out_lines) and len(res.out_lines) == 2
    res = run(["-f", m] + pg_command(postgres, tmp_path), env=env, timeout=60)
    assert res.rc == 0, res
    assert "customer-one" in (tmp_path / "dump.sql").read_text()
    assert [r.path for r in vault.requests if r.path.startswith("/v1/database/")] == \
        ["/v1/database/creds/backup"] * 2  # one per run, no preflight ([mounts])


# --------------------------------------------------------------------------
# the test server's engines and lease model, as vault-api.md section 14 has them


def call(vault, method, path, token, body=None):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(vault.url + "/v1/" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"X-Vault-Token": token})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read()
            return r.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def test_server_lease_model(vault, postgres, time_limit):
    vault.engines.add_database_role("backup", postgres, ttl=600, max_ttl=900)
    vault.engines.add_static_role("legacy", "app_legacy", "static-pw-123456")
    tok = vault.add_token(policies=["database/*"])
    st, pre = call(vault, "GET", "sys/internal/ui/mounts/database/creds/backup", tok)
    assert st == 200 and pre["data"]["type"] == "database" and pre["data"]["options"] is None
    st, a = call(vault, "GET", "database/creds/backup", tok)
    assert st == 200 and a["lease_id"].startswith("database/creds/backup/") and a["renewable"]
    assert a["lease_duration"] == 600 and pg_role_exists(postgres, a["data"]["username"])
    assert call(vault, "POST", "database/creds/backup", tok)[0] == 405
    assert call(vault, "GET", "database/creds/nope", tok)[0] == 400
    st, s = call(vault, "GET", "database/static-creds/legacy", tok)
    assert st == 200 and s["lease_id"] == "" and s["data"]["password"] == "static-pw-123456"
    # the default policy: renew and lookup, not revoke
    st, r = call(vault, "PUT", "sys/leases/renew", tok, {"lease_id": a["lease_id"], "increment": 3600})
    assert st == 200 and r["lease_id"] == a["lease_id"] and 890 <= r["lease_duration"] <= 900  # max_ttl caps it
    st, lk = call(vault, "PUT", "sys/leases/lookup", tok, {"lease_id": a["lease_id"]})
    assert st == 200 and lk["data"]["id"] == a["lease_id"] and lk["data"]["renewable"] is True
    assert call(vault, "PUT", "sys/leases/revoke", tok, {"lease_id": a["lease_id"], "sync": True})[0] == 403
    # revoked with its token
    assert call(vault, "POST", "auth/token/revoke-self", tok)[0] == 204
    assert vault.engines.lease(a["lease_id"]).how == "token"
    assert not pg_role_exists(postgres, a["data"]["username"])
    # expiring with its TTL (1 s; the bound is generous)
    vault.engines.add_database_role("short", postgres, ttl=1)
    st, b = call(vault, "GET", "database/creds/short", vault.root_token)
    assert st == 200 and pg_role_exists(postgres, b["data"]["username"])
    end = time.monotonic() + time_limit(15)
    while pg_role_exists(postgres, b["data"]["username"]) and time.monotonic() < end:
        time.sleep(0.1)
    assert vault.engines.lease(b["lease_id"]).how == "expired"
    assert not pg_role_exists(postgres, b["data"]["username"])
    assert call(vault, "PUT", "sys/leases/renew", vault.root_token, {"lease_id": b["lease_id"]})[0] == 400


def test_server_pki_and_aws(vault, tmp_path):
    vault.engines.add_pki_role("web", generate_lease=True)
    vault.engines.add_aws_role("deploy")
    root = vault.root_token
    assert call(vault, "GET", "pki/issue/web", root)[0] == 405
    st, e = call(vault, "POST", "pki/issue/web", root, {"ttl": "1h"})
    assert st == 400 and "common_name" in e["errors"][0]
    st, c = call(vault, "PUT", "pki/issue/web", root, {"common_name": "web.internal"})
    assert st == 200 and c["lease_id"].startswith("pki/issue/web/")  # generate_lease
    (tmp_path / "c.pem").write_text(c["data"]["certificate"])
    out = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "c.pem"), "-noout", "-subject", "-serial"],
                         capture_output=True, text=True, check=True).stdout
    assert "CN = web.internal" in out
    assert c["data"]["serial_number"].replace(":", "").upper() in out.upper()
    st, sts = call(vault, "POST", "aws/sts/deploy", root, {"ttl": "15m"})
    assert st == 200 and sts["lease_duration"] == 900 and not sts["renewable"]
    assert sts["data"]["access_key"].startswith("ASIA") and sts["data"]["security_token"]
    st, iam = call(vault, "GET", "aws/creds/deploy", root)
    assert st == 200 and iam["renewable"] and iam["data"]["security_token"] is None


def test_request_without_common_name_is_76(run, vault, manifest, envdump):
    vault.engines.add_pki_role("backup")
    m = manifest("[request pki/issue/backup]\nttl = 1h\n[env]\nC = pki/issue/backup#certificate\n")
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 76, res
    assert err_line(res, "manifest.ini:4", "HTTP 400", "common_name field is required")
    assert vault.count("POST", "/v1/pki/issue/backup") == 1  # a 400 is not retried


def test_file_store_stands_in_for_a_request(run, manifest, secret_file, envdump):
    store = secret_file("store.json", json.dumps({"pki/issue/backup": {"certificate": "CERT-file-0123"}}))
    m = manifest("[request pki/issue/backup]\ncommon_name = a.example\n[env]\nC = pki/issue/backup#certificate\n")
    run.forbid("CERT-file-0123")
    res = run(["-f", m, "--"] + envdump.cmd, env={"VAULT_ADDR": "file://%s" % store})
    assert res.rc == 0, res
    assert envdump.read()["C"] == "CERT-file-0123"


def test_no_token_is_77_said_once_for_engine_paths(run, vault, manifest, envdump):
    vault.engines.add_aws_role("deploy")
    m = manifest("""
        [mounts]
        aws = dynamic
        [request aws/sts/deploy]
        ttl = 15m
        [env]
        A = aws/creds/deploy#access_key
        B = aws/sts/deploy#access_key
    """)
    res = run(["-f", m, "--"] + envdump.cmd, env={"VAULT_ADDR": vault.url})
    assert res.rc == 77, res
    assert len(err_line(res, "no Vault token: set VAULT_TOKEN")) == 1, res
    assert err_line(res, "manifest.ini:6", "A", "not read: no Vault token (HTTP 403)")
    assert err_line(res, "manifest.ini:7", "B", "not written: no Vault token (HTTP 403)")
    assert not envdump.ran() and vault.engines.leases() == []
