"""${NAME} in [vault] values, from vaultrun's environment (SPEC.md
"Manifest": environment in [vault]; vaultrun.ini(5) "THE [vault] SECTION"),
and the systemd example that uses it with LoadCredential=."""

import os
import shutil
import subprocess

import pytest

import conftest
from helpers import err_line, run_env, run_fails, val

EXAMPLE = conftest.REPO / "examples" / "systemd"


def approle(vault):
    rid, sid = "rid-" + val(), "sid-" + val()
    vault.add_approle(rid, sid, policies=["secret/data/app/*"])
    pw = val("pw")
    vault.put("secret", "app/db", {"password": pw})
    return rid, sid, pw


def test_secret_id_file_under_credentials_directory(run, vault, manifest, envdump, tmp_path):
    rid, sid, pw = approle(vault)
    creds = tmp_path / "credentials"
    creds.mkdir(mode=0o700)
    (creds / "secret-id").write_text(sid + "\n")
    (creds / "secret-id").chmod(0o600)
    m = manifest("""
        [vault]
        role_id = %s
        secret_id_file = ${CREDENTIALS_DIRECTORY}/secret-id
        [env]
        DB = secret/app/db#password
        """ % rid)
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url, "CREDENTIALS_DIRECTORY": creds})
    assert res.rc == 0, res
    assert env["DB"] == pw
    assert vault.logins.get("approle") == 1


def test_unset_variable_is_78_naming_it(run, vault, manifest, envdump):
    m = manifest("""
        [vault]
        role_id = r
        secret_id_file = ${CREDENTIALS_DIRECTORY}/secret-id
        [env]
        DB = secret/app/db#password
        """)
    res = run_fails(run, envdump, ["-f", m], 78, env={"VAULT_ADDR": vault.url})
    assert err_line(res, "manifest.ini:3:", "secret_id_file",
                    "environment variable CREDENTIALS_DIRECTORY is not set"), res
    assert vault.request_count == 0


@pytest.mark.parametrize("value,reason", [
    ("${secret/app/db#password}", "is not an environment variable name"),
    ("${HOME", "unterminated '${'"),
])
def test_bad_expansions_are_78(run, vault, manifest, envdump, value, reason):
    m = manifest("[vault]\ntoken_file = %s\n[env]\nDB = secret/app/db#password\n" % value)
    res = run_fails(run, envdump, ["-f", m], 78, env={"VAULT_ADDR": vault.url})
    assert err_line(res, "manifest.ini:2:", "token_file", reason), res


def test_address_from_environment_and_double_dollar(run, vault, manifest, envdump, tmp_path):
    """address = ${...} works like any value; $$ is one literal '$' (here
    in a token file's name)."""
    pw = val("pw")
    vault.put("secret", "app/db", {"password": pw})
    tok = tmp_path / "tok$en"
    tok.write_text(vault.root_token)
    tok.chmod(0o600)
    m = manifest("""
        [vault]
        address = ${MY_VAULT}
        token_file = %s
        [env]
        DB = secret/app/db#password
        """ % str(tok).replace("$", "$$"))
    res, env = run_env(run, envdump, ["-f", m], env={"MY_VAULT": vault.url})
    assert res.rc == 0, res
    assert env["DB"] == pw


# --------------------------------------------------------------------------
# the systemd example


def test_systemd_example_unit_verifies(tmp_path):
    exe = shutil.which("systemd-analyze")
    if not exe:
        pytest.skip("systemd-analyze not installed: apt-get install systemd")
    for f in EXAMPLE.glob("db-backup.*"):
        text = f.read_text()
        if f.suffix == ".service":
            assert "LoadCredential=secret-id:" in text
            # The paths the unit names must exist for verify: our build and a
            # stand-in for the backup script.
            text = text.replace("/usr/local/bin/vaultrun", conftest.BIN)
            text = text.replace("/usr/local/libexec/pg-backup.sh", "/bin/true")
        (tmp_path / f.name).write_text(text)
    p = subprocess.run([exe, "verify", "--man=no", str(tmp_path / "db-backup.service"),
                        str(tmp_path / "db-backup.timer")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stderr.strip() == "", p.stderr


def test_systemd_example_manifest_reads_the_credential(run, vault, envdump, tmp_path):
    """The example's manifest, as systemd would run it: the secret id read
    from $CREDENTIALS_DIRECTORY, the profile's variables exported."""
    rid = "3c9e1f27-8a4b-4d6e-b2f0-7a5c9d1e3b48"  # the example's role_id
    sid = "sid-" + val()
    vault.add_approle(rid, sid, policies=["secret/data/backups/*"])
    pg = {"type": "postgres", "host": "db.internal", "username": "backup-" + val("u"), "password": val("pgpw")}
    vault.put("secret", "backups/env/pg", pg)
    creds = tmp_path / "credentials"
    creds.mkdir(mode=0o700)
    (creds / "secret-id").write_text(sid)
    (creds / "secret-id").chmod(0o400)
    text = (EXAMPLE / "db-backup.ini").read_text()
    assert "secret_id_file = ${CREDENTIALS_DIRECTORY}/secret-id" in text
    # The example's address and CA are vault.example.com's: point it here.
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("address", "ca_cert")))
    m = tmp_path / "db-backup.ini"
    m.write_text(text)
    os.chmod(m, 0o600)
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url, "CREDENTIALS_DIRECTORY": creds})
    assert res.rc == 0, res
    assert env["PGPASSWORD"] == pg["password"] and env["PGHOST"] == "db.internal"
    # and without the credential directory: 78, naming it
    res = run(["-f", m, "--", "/bin/true"], env={"VAULT_ADDR": vault.url})
    assert res.rc == 78, res
    assert err_line(res, "db-backup.ini:", "secret_id_file", "CREDENTIALS_DIRECTORY is not set"), res
