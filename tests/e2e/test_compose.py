"""Composed values: ${REFERENCE|FILTER} templates in [env] and [files]
(SPEC.md "Manifest", vaultrun.ini(5) "COMPOSED VALUES").

The values are checked as the command sees them (its environment, the
memfd of a [files] variable, and a real psql that connects with the URL);
each failure's exit status and one-line report; and masking: neither a
piece nor the finished value appears in vaultrun's stderr at -vvv (the run
fixture's leak check, told the composed strings with run.forbid), and under
-s the command's output shows the composed value masked.
"""

import base64
import json
import urllib.parse
from textwrap import dedent

import pytest

from helpers import MOUNTS, err_line, kv_reads, run_env, run_fails, val, venv

URL_CHARS = "@:/?#%"


def seed_db(vault, user="app-user", password=None):
    pw = password or "p" + URL_CHARS + val("w") + " é+&="
    vault.put("secret", "app/db", {"user": user, "password": pw,
                                   "blob": base64.b64encode(("blob-" + val("b")).encode()).decode()})
    return user, pw


def forbid_composed(run, *strings):
    """The composed forms are secrets too: none may reach vaultrun's output."""
    run.forbid(*strings)
    for s in strings:
        run.forbid(urllib.parse.quote(s, safe=""), json.dumps(s)[1:-1])


def test_url_composed_from_two_keys_one_read(run, vault, manifest, envdump):
    user, pw = seed_db(vault)
    m = manifest(MOUNTS + dedent("""
        [env]
        DATABASE_URL = postgresql://${secret/app/db#user|url}:${secret/app/db#password|url}@db:5432/app
        PGPASSWORD   = secret/app/db#password
        """))
    forbid_composed(run, pw)
    res, env = run_env(run, envdump, ["-vvv", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    want = "postgresql://%s:%s@db:5432/app" % (urllib.parse.quote(user, safe=""), urllib.parse.quote(pw, safe=""))
    assert env["DATABASE_URL"] == want
    assert urllib.parse.unquote(urllib.parse.urlsplit(want).password) == pw
    assert env["PGPASSWORD"] == pw
    run.forbid(want)
    run.check_leaks(res)
    assert len(kv_reads(vault)) == 1  # three references, one secret: one read


@pytest.mark.parametrize("template,expect", [
    ("${secret/app/db#password|json}", lambda pw, blob: json.dumps(pw, ensure_ascii=False)[1:-1]),
    ("${secret/app/db#password|base64}", lambda pw, blob: base64.b64encode(pw.encode()).decode()),
    ("${secret/app/db#blob|base64d}", lambda pw, blob: base64.b64decode(blob).decode()),
    ("${secret/app/db#password|base64|base64d}", lambda pw, blob: pw),
    ("cost: $$5 and $HOME ${secret/app/db#blob|base64d}$", lambda pw, blob:
        "cost: $5 and $HOME %s$" % base64.b64decode(blob).decode()),
    ("$${not/a#reference}", lambda pw, blob: "${not/a#reference}"),
])
def test_filters_and_dollars(run, vault, manifest, envdump, template, expect):
    _, pw = seed_db(vault, password='q"uo\\te\n' + val("j"))
    blob = vault.get("secret", "app/db")["blob"]
    want = expect(pw, blob)
    forbid_composed(run, pw, base64.b64decode(blob).decode())
    if "$${" not in template:
        run.forbid(want)
    m = manifest(MOUNTS + "[env]\nV = %s\n" % template)
    res, env = run_env(run, envdump, ["-vvv", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert env["V"] == want


def test_files_template_holds_the_composed_bytes(run, vault, manifest, tmp_path):
    _, pw = seed_db(vault)
    m = manifest(MOUNTS + dedent("""
        [files]
        PGPASS_FILE = 127.0.0.1:5432:*:app:${secret/app/db#password}
        """))
    out = tmp_path / "pgpass"
    res = run(["-f", m, "--", "/bin/sh", "-c", 'cat "$PGPASS_FILE" > "$0"', str(out)], env=venv(vault))
    assert res.rc == 0, res
    assert out.read_text() == "127.0.0.1:5432:*:app:" + pw


@pytest.mark.parametrize("value,reason", [
    ("x${secret/app/db#password|nope}", "unknown filter 'nope' (url, base64, base64d or json)"),
    ("x${secret/app/db#password", "unterminated '${' (no '}' after it)"),
    ("x${}y", "empty reference '${}'"),
    ("${secret/app/db#password|}", "empty filter"),
    ("${ secret/app/db}", "blank around the reference"),
    ("${secret/../db}", "${secret/../db}:"),
])
def test_bad_templates_are_78_naming_file_line_variable(run, vault, manifest, envdump, value, reason):
    seed_db(vault)
    m = manifest("[env]\nOK = secret/app/db#user\nBAD = %s\n" % value)
    res = run_fails(run, envdump, ["-f", m], 78, env=venv(vault))
    assert err_line(res, "manifest.ini:3:", "BAD", reason), res
    assert vault.request_count == 0  # refused before any request


@pytest.mark.parametrize("text,reason", [
    ("[profile db]\nfrom = ${secret/app/db}\n", "'from' holds a template"),
    ("[mounts]\npki = dynamic\n[request pki/issue/web]\ncommon_name = ${secret/app/db#user}.internal\n"
     "[env]\nCERT = pki/issue/web#certificate\n", "a request body is sent as written"),
])
def test_template_in_profile_or_request_is_78(run, vault, manifest, envdump, text, reason):
    m = manifest(text)
    res = run_fails(run, envdump, ["-f", m], 78, env=venv(vault))
    assert err_line(res, "%s:" % m, reason), res
    assert vault.request_count == 0


def test_invalid_base64_is_65_naming_the_variable(run, vault, manifest, envdump):
    vault.put("secret", "app/b", {"v": "not*base64" + val()})
    m = manifest(MOUNTS + "[env]\nDECODED = x${secret/app/b#v|base64d}\n")
    res = run_fails(run, envdump, ["-f", m], 65, env=venv(vault))
    assert err_line(res, "DECODED", "${secret/app/b#v}: the value is not valid base64"), res


def test_base64d_to_nul_byte_is_65_in_env_but_fine_in_files(run, vault, manifest, envdump, tmp_path):
    raw = b"\x00bin-" + val().encode()
    vault.put("secret", "app/b", {"v": base64.b64encode(raw).decode()})
    m = manifest(MOUNTS + "[env]\nE = ${secret/app/b#v|base64d}\n")
    res = run_fails(run, envdump, ["-f", m], 65, env=venv(vault))
    assert err_line(res, "E", "NUL byte"), res
    m = manifest(MOUNTS + "[files]\nF = ${secret/app/b#v|base64d}\n", name="f.ini")
    out = tmp_path / "f.bin"
    res = run(["-f", m, "--", "/bin/sh", "-c", 'cat "$F" > "$0"', str(out)], env=venv(vault))
    assert res.rc == 0, res
    assert out.read_bytes() == raw


@pytest.mark.parametrize("piece,rc,reason", [
    ("secret/app/nope#x", 66, "${secret/app/nope#x}: not found"),
    ("secret/app/db#nokey", 65, "${secret/app/db#nokey}: key 'nokey' not found"),
    ("secret/denied#x", 77, "${secret/denied#x}: permission denied"),
])
def test_a_failed_piece_fails_the_variable(run, vault, manifest, envdump, piece, rc, reason):
    seed_db(vault)
    vault.put("secret", "denied", {"x": val()})
    tok = vault.add_token(policies=["secret/data/app/*"])
    m = manifest(MOUNTS + "[env]\nURL = a://${secret/app/db#user}:${%s}@h\n" % piece)
    res = run_fails(run, envdump, ["-f", m], rc, env=venv(vault, token=tok))
    assert err_line(res, "manifest.ini:4:", "URL", reason), res


def test_check_shows_composed_line_masked(run, vault, manifest):
    user, pw = seed_db(vault)
    m = manifest(MOUNTS + "[env]\nURL = a://${secret/app/db#user|url}:${secret/app/db#password|url}@h\n")
    forbid_composed(run, pw)
    res = run(["--check", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    whole = "a://%s:%s@h" % (urllib.parse.quote(user, safe=""), urllib.parse.quote(pw, safe=""))
    run.forbid(whole)
    run.check_leaks(res)
    line = [ln for ln in res.out_lines if ln.startswith("URL ")]
    assert line and " ok ******** (%d bytes)" % len(whole.encode()) in line[0], res


def test_supervised_output_masks_pieces_and_whole(run, vault, manifest):
    """The command prints the composed value, its raw password and its
    url-encoded password: all three come out masked."""
    user, pw = seed_db(vault, password="pw" + URL_CHARS + val("s"))
    m = manifest(MOUNTS + "[env]\nURL = a://${secret/app/db#user}:${secret/app/db#password|url}@h\n")
    enc = urllib.parse.quote(pw, safe="")
    whole = "a://%s:%s@h" % (user, enc)
    forbid_composed(run, pw, whole)
    script = 'printf "whole=%s\\n" "$URL"; printf "enc=%s\\n" "$1"; printf "raw=%s\\n" "$2"'
    res = run(["-s", "-vvv", "-f", m, "--", "/bin/sh", "-c", script, "sh", enc, pw], env=venv(vault))
    assert res.rc == 0, res
    out = res.out + res.err
    assert "whole=" in out and "enc=" in out and "raw=" in out, res
    for s in (pw, enc, whole):
        assert s not in out


# --------------------------------------------------------------------------
# a real client: psql with the composed URL (conftest.py's postgres)


def test_psql_connects_with_a_url_whose_password_needs_escaping(run, vault, manifest, tmp_path, postgres):
    user = "app_" + val("u").replace("-", "_")
    pw = "x" + URL_CHARS + val("p") + "&=+ "
    postgres.create_user(user, pw)
    vault.put("secret", "pg/app", {"username": user, "password": pw})
    m = manifest(MOUNTS + dedent("""
        [env]
        DATABASE_URL = postgresql://${secret/pg/app#username|url}:${secret/pg/app#password|url}@127.0.0.1:%d/postgres
        """) % postgres.port)
    forbid_composed(run, pw)
    out = tmp_path / "psql.out"
    script = '"$1" "$DATABASE_URL" -X -tA -c "select 1, current_user" >"$2" 2>&1'
    res = run(["-f", m, "--", "/bin/sh", "-c", script, "sh", postgres.bin("psql"), str(out)],
              env=venv(vault, PGCONNECT_TIMEOUT=10), timeout=60)
    assert res.rc == 0, (res, out.read_text() if out.exists() else "")
    assert out.read_text().strip() == "1|" + user


def test_dynamic_credentials_composed_and_plain_share_one_read(run, vault, manifest, tmp_path, postgres):
    """A URL built from database/creds/backup and PGUSER from the same path:
    one credential minted, and psql logs in with the URL."""
    vault.engines.add_database_role("backup", postgres)
    m = manifest("""
        [env]
        PGUSER       = database/creds/backup#username
        DATABASE_URL = postgresql://${database/creds/backup#username|url}:${database/creds/backup#password|url}@127.0.0.1:%d/postgres
        """ % postgres.port)
    out = tmp_path / "who"
    script = '"$1" "$DATABASE_URL" -X -tA -c "select current_user = \'$PGUSER\'" >"$2" 2>&1'
    res = run(["-f", m, "--", "/bin/sh", "-c", script, "sh", postgres.bin("psql"), str(out)],
              env=venv(vault, PGCONNECT_TIMEOUT=10), timeout=60)
    assert res.rc == 0, (res, out.read_text() if out.exists() else "")
    assert out.read_text().strip() == "t"
    assert vault.count("GET", "/v1/database/creds/backup") == 1


def test_check_shows_the_lease_of_a_composed_dynamic_value(run, vault, manifest, postgres):
    vault.engines.add_database_role("backup", postgres, ttl=3600)
    m = manifest("""
        [env]
        DATABASE_URL = postgresql://${database/creds/backup#username|url}:${database/creds/backup#password|url}@db/x
        """)
    res = run(["--check", "-f", m], env=venv(vault), timeout=60)
    assert res.rc == 0, res
    assert "ok ******** (" in res.out and ", lease 1h, renewable)" in res.out, res
    assert vault.count("GET", "/v1/database/creds/backup") == 1


def test_export_writes_the_composed_value_and_the_default(run, vault, manifest, tmp_path):
    user, pw = seed_db(vault)
    m = manifest(MOUNTS + dedent("""
        [env]
        URL   = a://${secret/app/db#user|url}:${secret/app/db#password|url}@h
        LEVEL = secret/app/db#level
        [defaults]
        LEVEL = info
        """))
    forbid_composed(run, pw)
    out = tmp_path / "vars.json"
    res = run(["--export", "json", "-o", out, "-f", m], env=venv(vault))
    assert res.rc == 0, res
    got = json.loads(out.read_text())
    assert got == {"URL": "a://%s:%s@h" % (urllib.parse.quote(user, safe=""), urllib.parse.quote(pw, safe="")),
                   "LEVEL": "info"}
