"""[defaults]: a variable's fallback when its secret does not exist (404) or
lacks the selected key (65); every other failure stays a failure (SPEC.md
"Manifest", vaultrun.ini(5) "DEFAULTS")."""

from textwrap import dedent

import pytest

from helpers import MOUNTS, err_line, run_env, run_fails, val, venv


def mf(manifest, text, **kw):
    return manifest(MOUNTS + dedent(text), **kw)


DEFAULTED = """
    [env]
    LEVEL = secret/app/config#level
    [defaults]
    LEVEL = info
    """


@pytest.mark.parametrize("stored", [None, {"other": "x"}], ids=["no-secret", "no-key"])
def test_default_used_for_404_and_missing_key(run, vault, manifest, envdump, stored):
    if stored:
        vault.put("secret", "app/config", stored)
    res, env = run_env(run, envdump, ["-f", mf(manifest, DEFAULTED)], env=venv(vault))
    assert res.rc == 0, res
    assert env["LEVEL"] == "info"
    assert res.err == ""  # not worth a warning: that is what a default is for


def test_existing_value_wins_over_default(run, vault, manifest, envdump):
    level = val("lvl")
    vault.put("secret", "app/config", {"level": level})
    res, env = run_env(run, envdump, ["-f", mf(manifest, DEFAULTED)], env=venv(vault))
    assert res.rc == 0, res
    assert env["LEVEL"] == level


def test_empty_default_and_files_default(run, vault, manifest, tmp_path):
    m = mf(manifest, """
        [env]
        EMPTY = secret/app/none#x
        [files]
        CONF = secret/app/none#conf
        [defaults]
        EMPTY =
        CONF = fallback-config
        """)
    out = tmp_path / "out"
    res = run(["-f", m, "--", "/bin/sh", "-c", 'printf "[%s]" "$EMPTY" >"$0"; cat "$CONF" >>"$0"', str(out)],
              env=venv(vault))
    assert res.rc == 0, res
    assert out.read_text() == "[]fallback-config"


def test_check_says_default(run, vault, manifest):
    vault.put("secret", "app/config", {"name": val()})
    m = mf(manifest, """
        [env]
        LEVEL = secret/app/config#level
        NAME  = secret/app/config#name
        GONE  = secret/app/gone
        [defaults]
        LEVEL = info
        GONE = none
        """)
    res = run(["--check", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    lines = {ln.split()[0]: ln for ln in res.out_lines}
    assert " default ******** (4 bytes; key 'level' not found)" in lines["LEVEL"], res
    assert " default ******** (4 bytes; not found (HTTP 404))" in lines["GONE"], res
    assert " ok ******** " in lines["NAME"], res


def test_without_default_a_404_and_missing_key_still_fail(run, vault, manifest, envdump):
    vault.put("secret", "app/config", {"other": "x"})
    m = mf(manifest, """
        [env]
        LEVEL = secret/app/config#level
        GONE  = secret/app/gone
        """)
    res = run_fails(run, envdump, ["-f", m], 65, env=venv(vault))
    assert err_line(res, "LEVEL", "key 'level' not found"), res
    assert err_line(res, "GONE", "not found (HTTP 404)"), res


@pytest.mark.parametrize("fault,rc", [
    (dict(status=403), 77),
    (dict(status=500), 69),
    (dict(action="invalid_json"), 76),
], ids=["403", "500", "bad-json"])
def test_other_failures_stay_failures(run, vault, manifest, envdump, fault, rc):
    vault.add_fault("GET", "secret/data/app/config", **fault)
    res = run_fails(run, envdump, ["-f", mf(manifest, DEFAULTED)], rc, env=venv(vault), timeout=60)
    assert err_line(res, "LEVEL", "secret/app/config#level"), res


def test_denied_by_policy_is_not_defaulted(run, vault, manifest, envdump):
    tok = vault.add_token(policies=["secret/data/other/*"])
    res = run_fails(run, envdump, ["-f", mf(manifest, DEFAULTED)], 77, env=venv(vault, token=tok))
    assert err_line(res, "LEVEL", "permission denied"), res


def test_deadline_is_not_defaulted(run, vault, manifest, envdump):
    vault.add_fault("GET", "secret/data/app/config", action="delay", seconds=10)
    res = run_fails(run, envdump, ["-t", "1", "-f", mf(manifest, DEFAULTED)], 75, env=venv(vault))
    assert err_line(res, "LEVEL"), res


def test_composed_variable_takes_default_when_a_piece_is_missing(run, vault, manifest, envdump):
    vault.put("secret", "app/db", {"user": val("u")})
    m = mf(manifest, """
        [env]
        URL  = pg://${secret/app/db#user}:${secret/app/db#password}@h
        URL2 = pg://${secret/app/db#user}:${secret/app/gone#pw}@h
        [defaults]
        URL  = pg://localhost
        URL2 = pg://other
        """)
    res, env = run_env(run, envdump, ["-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert env["URL"] == "pg://localhost" and env["URL2"] == "pg://other"


def test_composed_variable_with_a_denied_piece_fails_despite_default(run, vault, manifest, envdump):
    vault.put("secret", "app/db", {"user": val("u")})
    vault.put("secret", "locked", {"pw": val("p")})
    tok = vault.add_token(policies=["secret/data/app/*"])
    m = mf(manifest, """
        [env]
        URL = pg://${secret/app/gone#x}:${secret/locked#pw}@h
        [defaults]
        URL = pg://localhost
        """)
    res = run_fails(run, envdump, ["-f", m], 77, env=venv(vault, token=tok))
    assert err_line(res, "URL", "${secret/locked#pw}: permission denied"), res


def test_default_in_file_store(run, manifest, envdump, tmp_path):
    store = tmp_path / "store.json"
    store.write_text('{"app/x": {"a": "b"}}')
    store.chmod(0o600)
    m = manifest("[env]\nA = app/x#a\nB = app/x#b\nC = app/y\n[defaults]\nB = bee\nC = sea\n")
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": "file://%s" % store})
    assert res.rc == 0, res
    assert (env["A"], env["B"], env["C"]) == ("b", "bee", "sea")


@pytest.mark.parametrize("text,line,reason", [
    ("[env]\nA = secret/a\n[defaults]\nB = x\n", 4, "default for 'B', which no [env] or [files] variable defines"),
    ("[profile pg]\nfrom = secret/pg\n[defaults]\nPGHOST = localhost\n", 4,
     "default for 'PGHOST', which no [env] or [files] variable defines"),
    ("[defaults]\nA = x\nA = y\n[env]\nA = secret/a\n", 3, "default for 'A' already given at line 2"),
])
def test_bad_defaults_are_78(run, vault, manifest, envdump, text, line, reason):
    m = manifest(text)
    res = run_fails(run, envdump, ["-f", m], 78, env=venv(vault))
    assert err_line(res, "manifest.ini:%d:" % line, reason), res
    assert vault.request_count == 0
