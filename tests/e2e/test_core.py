"""End-to-end tests of vaultrun against the test server, written from SPEC.md.

The child command is an EnvDump (conftest.py): it writes the environment it
was started with to a file and prints nothing, so its environment is the
observable result and vaultrun's own output can be checked for leaks (every
run() does that).  Messages are checked only for essentials: the variable
name, the reference, "not found"; never the exact wording.
"""

import json
import os
import re
import secrets

import pytest
from helpers import assert_reported as reported, err_line, home_token, run_env, run_fails, run_ok, val, venv

# --------------------------------------------------------------------------
# helpers


def vault_put(vault, mount, path, key="value"):
    """Store a fresh value under key at path; returns the value."""
    v = val(path.replace("/", "-"))
    vault.put(mount, path, {key: v})
    return v


def reads(vault, path):
    """Number of GETs of the API path (any query)."""
    return sum(1 for r in vault.requests
               if r.method == "GET" and r.target.partition("?")[0] == "/v1/" + path)


def preflights(vault):
    return vault.count_prefix("sys/internal/ui/mounts")


def assert_reported(res, name, ref, *more):
    """helpers.assert_reported, and each such line is vaultrun's."""
    lines = reported(res, name, ref, *more)
    assert all(ln.startswith("vaultrun:") for ln in lines), res


@pytest.fixture
def app(vault):
    """secret/app/db (v2) and kv/legacy/db (v1) with fresh values."""
    s = {"user": val("user"), "password": val("pw"), "legacy": val("legacy")}
    vault.put("secret", "app/db", {"user": s["user"], "password": s["password"]})
    vault.put("kv", "legacy/db", {"password": s["legacy"]})
    return s


# --------------------------------------------------------------------------
# KV reads and version detection


def test_kv2_and_kv1_reads(run, vault, app, manifest, envdump):
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
        PGPASSWORD = secret/app/db#password
        LEGACY = kv/legacy/db#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["PGUSER"] == app["user"]
    assert env["PGPASSWORD"] == app["password"]
    assert env["LEGACY"] == app["legacy"]
    assert reads(vault, "secret/data/app/db") == 1
    assert reads(vault, "kv/legacy/db") == 1


def test_mounts_section_skips_detection(run, vault, app, manifest, envdump):
    m = manifest("""
        [mounts]
        secret = 2
        kv = 1
        [env]
        PGPASSWORD = secret/app/db#password
        LEGACY = kv/legacy/db#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["PGPASSWORD"] == app["password"] and env["LEGACY"] == app["legacy"]
    assert preflights(vault) == 0
    assert vault.request_count == 2


def test_detection_once_per_mount(run, vault, manifest, envdump):
    vals = {}
    for i in range(4):
        vals["S%d" % i] = vault_put(vault, "secret", "app/s%d" % i)
        vals["K%d" % i] = vault_put(vault, "kv", "legacy/k%d" % i)
    m = manifest("[env]\n" + "".join(
        "%s = %s%s\n" % (name, "secret/app/s" if name[0] == "S" else "kv/legacy/k", name[1:])
        for name in vals))
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    for name, v in vals.items():
        assert env[name] == v
    assert preflights(vault) == 2
    assert vault.count_prefix("sys/internal/ui/mounts/secret") == 1
    assert vault.count_prefix("sys/internal/ui/mounts/kv") == 1
    # KV v2 (the common case): one preflight, one read each, nothing more.
    assert vault.count_prefix("secret/") == 4
    # KV v1: the speculative v2-form reads that overlapped the preflight are
    # dropped and each secret is read once in the v1 form.
    for i in range(4):
        assert vault.count("GET", "/v1/kv/legacy/k%d" % i) == 1
    # A handed token's uses are looked up once (speculative reads spend
    # uses); they go out when lookup-self answers before the preflight of
    # their mount, which is a race: none, or all four of the group.
    assert vault.count("GET", "/v1/auth/token/lookup-self") == 1
    assert vault.count_prefix("kv/data/") in (0, 4)
    assert vault.request_count == 1 + 2 + 8 + vault.count_prefix("kv/data/")


@pytest.mark.parametrize("how", ["403", "404"])
def test_preflight_denied_falls_back(run, vault, app, manifest, envdump, how):
    if how == "403":
        vault.add_fault(path="sys/internal/ui/mounts/*", status=403)
    else:
        vault.preflight_404 = True  # an old Vault
    m = manifest("""
        [env]
        PGPASSWORD = secret/app/db#password
        LEGACY = kv/legacy/db#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["PGPASSWORD"] == app["password"] and env["LEGACY"] == app["legacy"]
    # v2 form first; on the v1 mount it answers a bare 404, then the v1 form
    assert reads(vault, "secret/data/app/db") == 1
    assert reads(vault, "secret/app/db") == 0
    assert reads(vault, "kv/data/legacy/db") == 1
    assert reads(vault, "kv/legacy/db") == 1
    assert preflights(vault) >= 1


def test_preflight_denied_restricted_token(run, vault, app, manifest, envdump):
    """The v2 form answers 403 on a v1 mount for a token that may only read
    the v1 paths: the v1 form is tried and succeeds."""
    tok = vault.add_token(policies=["kv/legacy/*", "secret/data/app/*"])
    vault.add_fault(path="sys/internal/ui/mounts/*", status=403)
    m = manifest("""
        [env]
        PGPASSWORD = secret/app/db#password
        LEGACY = kv/legacy/db#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault, token=tok))
    assert env["PGPASSWORD"] == app["password"] and env["LEGACY"] == app["legacy"]
    assert reads(vault, "kv/legacy/db") == 1


def test_preflight_denied_missing_secret_is_66(run, vault, manifest, envdump):
    vault.add_fault(path="sys/internal/ui/mounts/*", status=403)
    m = manifest("""
        [env]
        NOPE = secret/app/none#password
    """)
    res = run_fails(run, envdump, ["-f", m], env=venv(vault), rc=66)
    assert_reported(res, "NOPE", "secret/app/none")


def test_preflight_failure_fails_every_reference_under_it(run, vault, app, manifest, envdump):
    vault.add_fault(path="sys/internal/ui/mounts/*", action="invalid_json")
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
        PGPASSWORD = secret/app/db#password
    """)
    res = run_fails(run, envdump, ["-f", m], env=venv(vault), rc=76)
    assert_reported(res, "PGUSER", "secret/app/db#user")
    assert_reported(res, "PGPASSWORD", "secret/app/db#password")


def test_multi_segment_mount_via_mounts_section(run, vault, manifest, envdump):
    vault.add_mount("team/kv", 2)
    v = vault_put(vault, "team/kv", "app/x", key="password")
    m = manifest("""
        [mounts]
        team/kv = 2
        [env]
        TEAM = team/kv/app/x#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["TEAM"] == v
    assert reads(vault, "team/kv/data/app/x") == 1
    assert preflights(vault) == 0


def test_multi_segment_mount_via_detection(run, vault, manifest, envdump):
    vault.add_mount("team/legacy", 1)
    vault.add_mount("team/kv", 2)
    v1 = vault_put(vault, "team/legacy", "x")
    v2 = vault_put(vault, "team/kv", "y")
    m = manifest("""
        [env]
        ONE = team/legacy/x
        TWO = team/kv/y
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["ONE"] == v1 and env["TWO"] == v2
    assert reads(vault, "team/legacy/x") == 1
    assert reads(vault, "team/kv/data/y") == 1


# --------------------------------------------------------------------------
# selectors and value rendering


def test_selectors(run, vault, manifest, envdump):
    s = {
        "value": val("plain"),
        "tls.crt": val("dotted"),
        "details": {"host": val("host"), "port": 5432, "a~b": val("tilde"), "c/d": val("slash")},
        "list": [val("first"), val("second")],
    }
    vault.put("secret", "sel", s)
    m = manifest("""
        [env]
        PLAIN = secret/sel
        DOTTED = secret/sel#tls.crt
        HOST = secret/sel#/details/host
        PORT = secret/sel#/details/port
        TILDE = secret/sel#/details/a~0b
        SLASH = secret/sel#/details/c~1d
        SECOND = secret/sel#/list/1
        WHOLE = secret/sel#*
        DETAILS = secret/sel#details
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["PLAIN"] == s["value"]
    assert env["DOTTED"] == s["tls.crt"]
    assert env["HOST"] == s["details"]["host"]
    assert env["PORT"] == "5432"
    assert env["TILDE"] == s["details"]["a~b"]
    assert env["SLASH"] == s["details"]["c/d"]
    assert env["SECOND"] == s["list"][1]
    for name, want in (("WHOLE", s), ("DETAILS", s["details"])):
        assert json.loads(env[name]) == want
        assert "\n" not in env[name] and ": " not in env[name] and ", " not in env[name]
    assert reads(vault, "secret/data/sel") == 1


def test_value_rendering(run, vault, manifest, envdump):
    vault.put("secret", "types", {"num": 42, "neg": -7, "real": 1.5, "yes": True, "no": False,
                                  "nil": None, "obj": {"k": val("obj")}, "arr": [1, "two-2", None],
                                  "empty": "", "uni": "caf\u00e9-" + secrets.token_hex(3)})
    m = manifest("""
        [env]
        NUM = secret/types#num
        NEG = secret/types#neg
        REAL = secret/types#real
        YES = secret/types#yes
        NO = secret/types#no
        NIL = secret/types#nil
        OBJ = secret/types#obj
        ARR = secret/types#arr
        EMPTY = secret/types#empty
        UNI = secret/types#uni
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["NUM"] == "42" and env["NEG"] == "-7" and float(env["REAL"]) == 1.5
    assert env["YES"] == "true" and env["NO"] == "false"
    assert env["NIL"] == "" and "NIL" in env
    assert env["EMPTY"] == ""
    assert json.loads(env["OBJ"]) == vault.get("secret", "types")["obj"] and " " not in env["OBJ"]
    assert json.loads(env["ARR"]) == [1, "two-2", None] and " " not in env["ARR"]
    assert env["UNI"].startswith("caf\u00e9-")


def test_missing_key_is_65(run, vault, app, manifest, envdump):
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
        NOKEY = secret/app/db#nokey
    """)
    res = run_fails(run, envdump, ["-f", m], env=venv(vault), rc=65)
    assert_reported(res, "NOKEY", "secret/app/db#nokey")
    assert not err_line(res, "PGUSER")


def test_nul_byte_in_env_value_is_65(run, vault, manifest, envdump):
    vault.put("secret", "nul", {"value": "a\u0000b-" + secrets.token_hex(4)})
    m = manifest("""
        [env]
        NUL = secret/nul
    """)
    run_fails(run, envdump, ["-f", m], env=venv(vault), rc=65)


# --------------------------------------------------------------------------
# versions


def test_pinned_version(run, vault, manifest, envdump):
    olds = [vault_put(vault, "secret", "ver") for _ in range(3)]
    m = manifest("""
        [env]
        CURRENT = secret/ver
        PINNED = secret/ver?version=2
        FIRST = secret/ver?version=1#value
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["CURRENT"] == olds[2] and env["PINNED"] == olds[1] and env["FIRST"] == olds[0]
    assert vault.count("GET", "/v1/secret/data/ver?version=2") == 1
    assert vault.count("GET", "/v1/secret/data/ver?version=1") == 1


@pytest.mark.parametrize("how", ["deleted", "destroyed", "absent"])
def test_unavailable_version_is_66(run, vault, manifest, envdump, how):
    vault_put(vault, "secret", "gone")
    vault_put(vault, "secret", "gone")
    ref = "secret/gone"
    if how == "deleted":
        vault.delete_version("secret", "gone")
    elif how == "destroyed":
        vault.destroy_version("secret", "gone", 1)
        ref = "secret/gone?version=1"
    else:
        ref = "secret/gone?version=9"
    m = manifest("[env]\nGONE = %s\n" % ref)
    res = run_fails(run, envdump, ["-f", m], env=venv(vault), rc=66)
    assert_reported(res, "GONE", ref)


@pytest.mark.parametrize("ref", ["kv/legacy/db?version=1#password", "secret/app/db?version=0#user",
                                 "secret/app/db?version=x#user", "secret/app/db?version=-1#user"])
def test_bad_version_is_78(run, vault, app, manifest, envdump, ref):
    m = manifest("""
        [mounts]
        secret = 2
        kv = 1
        [env]
        BAD = %s
    """ % ref)
    run_fails(run, envdump, ["-f", m], env=venv(vault), rc=78)


# --------------------------------------------------------------------------
# deduplication


def test_api_form_is_deduplicated(run, vault, app, manifest, envdump):
    m = manifest("""
        [env]
        PGUSER = secret/data/app/db#user
        PGPASSWORD = secret/app/db#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["PGUSER"] == app["user"] and env["PGPASSWORD"] == app["password"]
    assert reads(vault, "secret/data/app/db") == 1
    assert reads(vault, "secret/data/data/app/db") == 0


def test_forty_variables_one_read(run, vault, manifest, envdump):
    obj = {"k%02d" % i: val("k%02d" % i) for i in range(40)}
    vault.put("secret", "many", obj)
    m = manifest("[env]\n" + "".join("VAR_%02d = secret/many#k%02d\n" % (i, i) for i in range(40)))
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    for i in range(40):
        assert env["VAR_%02d" % i] == obj["k%02d" % i]
    assert reads(vault, "secret/data/many") == 1
    assert preflights(vault) <= 1


# --------------------------------------------------------------------------
# inline references, manifest lookup


def test_inline_without_manifest(run, vault, app, envdump):
    res, env = run_ok(run, envdump, [], env=venv(
        vault, PGPASSWORD="vault:secret/app/db#password", LEGACY="vault:kv/legacy/db#password",
        PLAIN="not-a-reference"))
    assert env["PGPASSWORD"] == app["password"] and env["LEGACY"] == app["legacy"]
    assert env["PLAIN"] == "not-a-reference"


def test_inline_with_manifest(run, vault, app, manifest, envdump):
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault, PGPASSWORD="vault:secret/app/db#password"))
    assert env["PGUSER"] == app["user"] and env["PGPASSWORD"] == app["password"]
    assert reads(vault, "secret/data/app/db") == 1


def test_inline_failure(run, vault, envdump):
    res = run_fails(run, envdump, [], env=venv(vault, MISSING="vault:secret/app/none#password"), rc=66)
    assert_reported(res, "MISSING", "secret/app/none")


def test_default_manifest_in_cwd(run, vault, app, manifest, envdump):
    manifest("""
        [env]
        PGUSER = secret/app/db#user
    """, name="vaultrun.ini")
    res, env = run_ok(run, envdump, [], env=venv(vault))
    assert env["PGUSER"] == app["user"]


def test_vaultrun_file_and_f_precedence(run, vault, app, manifest, envdump):
    a = manifest("[env]\nFROM_ENV = secret/app/db#user\n", name="a.ini")
    b = manifest("[env]\nFROM_OPT = secret/app/db#password\n", name="b.ini")
    res, env = run_ok(run, envdump, [], env=venv(vault, VAULTRUN_FILE=a))
    assert env["FROM_ENV"] == app["user"] and "FROM_OPT" not in env
    res, env = run_ok(run, envdump, ["-f", b], env=venv(vault, VAULTRUN_FILE=a))
    assert env["FROM_OPT"] == app["password"] and "FROM_ENV" not in env


def test_manifest_from_stdin(run, vault, app, envdump):
    res, env = run_ok(run, envdump, ["-f", "-"], env=venv(vault), stdin="[env]\nPGUSER = secret/app/db#user\n")
    assert env["PGUSER"] == app["user"]


def test_missing_manifest_is_66(run, vault, tmp_path, envdump):
    res = run_fails(run, envdump, ["-f", tmp_path / "nope.ini"], env=venv(vault), rc=66)
    assert "nope.ini" in res.err


# --------------------------------------------------------------------------
# address and token precedence


@pytest.fixture
def two_vaults(vault_factory):
    """Two servers sharing a token, each with its own value at secret/which."""
    a, b = vault_factory(), vault_factory()
    tok = "shared-token-" + secrets.token_hex(6)
    for s in (a, b):
        s.add_token(tok, policies=["*"])
        s.put("secret", "which", {"value": val("at-%d" % s.port)})
    return a, b, tok


def test_vault_addr_beats_manifest(run, two_vaults, manifest, envdump):
    a, b, tok = two_vaults
    m = manifest("""
        [vault]
        address = %s
        [env]
        WHICH = secret/which
    """ % b.url)
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": a.url, "VAULT_TOKEN": tok})
    assert env["WHICH"] == a.get("secret", "which")["value"]
    assert b.request_count == 0
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_TOKEN": tok})
    assert env["WHICH"] == b.get("secret", "which")["value"]


def test_agent_addr_beats_vault_addr(run, two_vaults, envdump):
    a, b, tok = two_vaults
    res, env = run_ok(run, envdump, [], env={"VAULT_ADDR": a.url, "VAULT_AGENT_ADDR": b.url,
                                             "VAULT_TOKEN": tok, "WHICH": "vault:secret/which"})
    assert env["WHICH"] == b.get("secret", "which")["value"]
    assert a.request_count == 0


def test_no_address_is_78(run, envdump):
    run_fails(run, envdump, [], env={"VAULT_TOKEN": "t-" + secrets.token_hex(4),
                                     "X": "vault:secret/app/db#user"}, rc=78)


def test_unix_socket_address(run, vault_factory, tmp_path, envdump):
    s = vault_factory(unix_path=str(tmp_path / "agent.sock"))
    v = vault_put(s, "secret", "sock")
    res, env = run_ok(run, envdump, [], env=venv(s, X="vault:secret/sock"))
    assert env["X"] == v


def tokens_sent(vault):
    return {r.token for r in vault.requests}


def test_token_from_vault_token(run, vault, app, manifest, envdump):
    tok = vault.add_token(policies=["*"])
    run.home.joinpath(".vault-token").write_text(vault.add_token(policies=["*"]) + "\n")
    m = manifest("[env]\nPGUSER = secret/app/db#user\n")
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault, token=tok))
    assert tokens_sent(vault) == {tok}
    assert vault.revocations == {}  # a token handed to vaultrun is never revoked


def test_vault_token_beats_token_file(run, vault, app, manifest, secret_file, envdump):
    tok, file_tok = vault.add_token(policies=["*"]), vault.add_token(policies=["*"])
    tf = secret_file("token", file_tok + "\n")
    m = manifest("""
        [vault]
        token_file = %s
        [env]
        PGUSER = secret/app/db#user
    """ % tf)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault, token=tok))
    assert tokens_sent(vault) == {tok}
    vault.reset_stats()
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault, VAULT_TOKEN=None))
    assert env["PGUSER"] == app["user"]
    assert tokens_sent(vault) == {file_tok}
    assert vault.revocations == {}


def test_token_from_home_vault_token(run, vault, app, envdump):
    tok = vault.add_token(policies=["*"])
    home_token(run, tok + "\n")
    res, env = run_ok(run, envdump, [], env=venv(vault, VAULT_TOKEN=None, PGUSER="vault:secret/app/db#user"))
    assert env["PGUSER"] == app["user"]
    assert tokens_sent(vault) == {tok}


def test_no_token_sends_none_and_403_is_77(run, vault, app, envdump):
    run_fails(run, envdump, [], env=venv(vault, VAULT_TOKEN=None, PGUSER="vault:secret/app/db#user"), rc=77)
    assert tokens_sent(vault) == {None}


def test_unsafe_token_file_is_78(run, vault, app, manifest, secret_file, envdump):
    tf = secret_file("token", vault.add_token(policies=["*"]) + "\n", mode=0o666)
    m = manifest("""
        [vault]
        token_file = %s
        [env]
        PGUSER = secret/app/db#user
    """ % tf)
    run_fails(run, envdump, ["-f", m], env=venv(vault, VAULT_TOKEN=None), rc=78)


def test_request_headers(run, vault, app, envdump):
    res, env = run_ok(run, envdump, [], env=venv(vault, PGUSER="vault:secret/app/db#user"))
    assert vault.requests
    for r in vault.requests:
        assert r.headers.get("x-vault-request") == "true", r
        assert r.headers.get("x-vault-token") == vault.root_token, r
        assert "x-vault-namespace" not in r.headers, r


def test_namespace(run, vault, manifest, envdump):
    vault.add_mount("secret", 2, namespace="team-a")
    v = val("team-a")
    vault.put("secret", "ns/app", {"password": v}, namespace="team-a")
    vault.put("secret", "ns/app", {"password": val("root-ns")})  # the wrong one
    res, env = run_ok(run, envdump, [], env=venv(vault, VAULT_NAMESPACE="team-a",
                                                 X="vault:secret/ns/app#password"))
    assert env["X"] == v
    for r in vault.requests:
        assert (r.namespace or "").strip("/") == "team-a", r
    vault.reset_stats()
    m = manifest("""
        [vault]
        namespace = team-a
        [env]
        X = secret/ns/app#password
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
    assert env["X"] == v
    assert all((r.namespace or "").strip("/") == "team-a" for r in vault.requests)


# --------------------------------------------------------------------------
# the child's environment


def test_ignore_environment(run, vault, app, envdump):
    res, env = run_ok(run, envdump, ["-i"], env=venv(vault, FOO="foo-1", PGUSER="vault:secret/app/db#user"))
    assert env["PGUSER"] == app["user"]
    assert "FOO" not in env and "VAULT_TOKEN" not in env and "VAULT_ADDR" not in env
    assert {"PATH", "HOME", "LANG"} <= set(env)
    assert set(env) <= {"PGUSER", "PATH", "HOME", "USER", "LANG", "TZ", "TERM"}


def test_ignore_environment_with_keep(run, vault, app, envdump):
    res, env = run_ok(run, envdump, ["-i", "--keep", "FOO", "--keep", "BAR"],
                      env=venv(vault, FOO="foo-1", BAR="bar-1", BAZ="baz-1",
                               PGUSER="vault:secret/app/db#user"))
    assert env == {"PGUSER": app["user"], "FOO": "foo-1", "BAR": "bar-1"}


def test_vault_credentials_removed(run, vault, app, envdump):
    res, env = run_ok(run, envdump, [], env=venv(vault, FOO="foo-1", PGUSER="vault:secret/app/db#user"))
    assert "VAULT_TOKEN" not in env
    assert env["FOO"] == "foo-1" and env["PGUSER"] == app["user"]


def test_keep_vault_env(run, vault, app, envdump):
    res, env = run_ok(run, envdump, ["--keep-vault-env"], env=venv(vault, PGUSER="vault:secret/app/db#user"))
    assert env["VAULT_TOKEN"] == vault.root_token


def test_secret_overrides_inherited(run, vault, app, manifest, envdump):
    m = manifest("[env]\nPGPASSWORD = secret/app/db#password\n")
    res, env = run_ok(run, envdump, ["-f", m], env=venv(vault, PGPASSWORD="inherited-1"))
    assert env["PGPASSWORD"] == app["password"]


def test_arguments_passed_verbatim(run, vault, app, tmp_path):
    out = tmp_path / "args"
    res = run(["--", "/bin/sh", "-c", 'printf "%s\\n" "$@" > "$0"', str(out), "a b", "-v", "--", "$X"],
              env=venv(vault))
    assert res.rc == 0, res
    assert out.read_text() == "a b\n-v\n--\n$X\n"


def test_child_exit_status(run, vault):
    res = run(["--", "/bin/sh", "-c", "exit 42"], env=venv(vault))
    assert res.rc == 42, res


# --------------------------------------------------------------------------
# exit codes


@pytest.mark.parametrize("args", [["--no-such-option", "true"], [], ["--check", "--", "true"],
                                  ["-t", "abc", "--", "true"]])
def test_usage_errors_are_64(run, vault, args):
    res = run(args, env=venv(vault))
    assert res.rc == 64, res
    assert res.err.strip()
    assert vault.request_count == 0


def test_help_and_version(run):
    res = run(["--help"])
    assert res.rc == 0 and res.out.strip(), res
    res = run(["--version"])
    assert res.rc == 0 and re.search(r"\d+\.\d+", res.out + res.err), res


def test_missing_path_is_66(run, vault, app, manifest, envdump):
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
        NOPE = secret/app/none#password
    """)
    res = run_fails(run, envdump, ["-f", m], env=venv(vault), rc=66)
    assert_reported(res, "NOPE", "secret/app/none")
    assert "not found" in " ".join(err_line(res, "NOPE")).lower()


def test_connection_refused_is_69(run, closed_url, envdump):
    res = run_fails(run, envdump, [], env={"VAULT_ADDR": closed_url, "VAULT_TOKEN": "t-" + secrets.token_hex(4),
                                           "VAULT_MAX_RETRIES": "1", "X": "vault:secret/app/db#user"}, rc=69)
    assert_reported(res, "X", "secret/app/db#user")


def test_sealed_is_69(run, vault, app, manifest, envdump):
    vault.sealed = True
    m = manifest("""
        [mounts]
        secret = 2
        [env]
        PGUSER = secret/app/db#user
    """)
    run_fails(run, envdump, ["-f", m], env=venv(vault, VAULT_MAX_RETRIES="1"), rc=69)
    assert reads(vault, "secret/data/app/db") == 2  # 503 is retried


def test_deadline_is_75(run, vault, app, envdump, time_limit):
    vault.latency = 2
    res = run_fails(run, envdump, ["--timeout", "0.5"], env=venv(vault, PGUSER="vault:secret/app/db#user"), rc=75)
    assert res.elapsed < time_limit(1.5)


def test_invalid_json_is_76(run, vault, app, manifest, envdump):
    vault.add_fault(path="secret/data/app/db", action="invalid_json")
    m = manifest("""
        [mounts]
        secret = 2
        [env]
        PGUSER = secret/app/db#user
    """)
    run_fails(run, envdump, ["-f", m], env=venv(vault), rc=76)


def test_forbidden_is_77(run, vault, app, envdump):
    tok = vault.add_token(policies=["secret/data/other/*"])
    res = run_fails(run, envdump, [], env=venv(vault, token=tok, PGUSER="vault:secret/app/db#user"), rc=77)
    assert_reported(res, "PGUSER", "secret/app/db#user")


def test_invalid_token_is_77(run, vault, app, envdump):
    run_fails(run, envdump, [], env=venv(vault, token="bogus-" + secrets.token_hex(6),
                                         PGUSER="vault:secret/app/db#user"), rc=77)


BAD_MANIFESTS = {
    "syntax": "[env\nX = secret/app/db#user\n",
    "unknown-vault-key": "[vault]\ncolour = blue\n[env]\nX = secret/app/db#user\n",
    "unknown-section": "[bogus]\nX = secret/app/db#user\n",
    "duplicate": "[env]\nX = secret/app/db#user\nX = secret/app/db#password\n",
    "bad-name": "[env]\n1X = secret/app/db#user\n",
    "empty-segment": "[env]\nX = secret//app/db#user\n",
    "dotdot": "[env]\nX = secret/app/../db#user\n",
    "dot": "[env]\nX = secret/./app/db#user\n",
    "long-line": "[env]\nX = secret/app/%s#user\n" % ("a" * 200),
    "continuation": "[env]\nX = secret/app/db#user\n   Y = secret/app/db#password\n",
}


@pytest.mark.parametrize("case", sorted(BAD_MANIFESTS))
def test_bad_manifest_is_78(run, vault, app, manifest, envdump, case):
    m = manifest(BAD_MANIFESTS[case])
    res = run_fails(run, envdump, ["-f", m], env=venv(vault), rc=78)
    assert "manifest.ini" in res.err


def test_bad_manifest_names_the_line(run, vault, manifest, envdump):
    m = manifest("""
        ; a comment
        [env]
        GOOD = secret/app/db#user
        bad name = secret/app/db#user
    """)
    res, env = run_env(run, envdump, ["-f", m], env=venv(vault))
    assert res.rc == 78, res
    assert re.search(r"(:|line )4\b", res.err), res


def test_unsafe_manifest_is_78(run, vault, app, manifest, envdump):
    m = manifest("[env]\nX = secret/app/db#user\n", mode=0o666)
    run_fails(run, envdump, ["-f", m], env=venv(vault), rc=78)


def test_not_executable_is_126(run, vault, tmp_path):
    p = tmp_path / "script"
    p.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(p, 0o644)
    res = run(["--", str(p)], env=venv(vault))
    assert res.rc == 126, res


@pytest.mark.parametrize("cmd", ["no-such-command-vaultrun", "/nonexistent/command"])
def test_missing_command_is_127(run, vault, cmd):
    res = run(["--", cmd], env=venv(vault))
    assert res.rc == 127, res


# --------------------------------------------------------------------------
# failures: all reported, first in manifest order wins, nothing runs


def test_every_failure_reported_first_in_order_wins(run, vault, app, manifest, envdump):
    tok = vault.add_token(policies=["secret/data/app/*"])
    # the first reference is answered last
    vault.add_fault(path="secret/data/app/none", action="delay", seconds=0.3)
    refs = [("MISSING", "secret/app/none#password", 66),
            ("NOKEY", "secret/app/db#nokey", 65),
            ("DENIED", "secret/denied/x#password", 77)]
    body = "[mounts]\nsecret = 2\n[env]\nPGUSER = secret/app/db#user\n"
    m = manifest(body + "".join("%s = %s\n" % (n, r) for n, r, _ in refs))
    res = run_fails(run, envdump, ["-f", m], env=venv(vault, token=tok), rc=66)
    lines = set()
    for name, ref, _ in refs:
        assert_reported(res, name, ref)
        lines.update(err_line(res, name, ref))
    assert len(lines) == 3
    assert not err_line(res, "PGUSER")
    # reversed order: the code follows the manifest
    os.unlink(m)
    m = manifest(body + "".join("%s = %s\n" % (n, r) for n, r, _ in reversed(refs)))
    run_fails(run, envdump, ["-f", m], env=venv(vault, token=tok), rc=77)


# --------------------------------------------------------------------------
# concurrency


def many(vault, manifest, n):
    values = {}
    for i in range(n):
        values["V%03d" % i] = vault_put(vault, "secret", "many/p%03d" % i)
    m = manifest("[env]\n" + "".join("V%03d = secret/many/p%03d\n" % (i, i) for i in range(n)))
    return m, values


def test_two_hundred_paths_concurrently(run, vault, manifest, envdump, time_limit):
    m, values = many(vault, manifest, 200)
    vault.latency = 0.05
    elapsed = []
    for _ in range(2):  # the better of two runs: a busy machine slows one
        vault.reset_stats()
        res, env = run_ok(run, envdump, ["-f", m], env=venv(vault))
        for k, v in values.items():
            assert env[k] == v
        assert vault.count_prefix("secret/data/many/") == 200
        assert vault.max_in_flight >= 32
        assert vault.connections <= 32
        elapsed.append(res.elapsed)
        if res.elapsed < time_limit(1.0):
            break
    assert min(elapsed) < time_limit(1.0), elapsed


def test_concurrency_option_caps_connections(run, vault, manifest, envdump):
    m, values = many(vault, manifest, 40)
    vault.latency = 0.02
    res, env = run_ok(run, envdump, ["-j", "4", "-f", m], env=venv(vault))
    assert len([k for k in env if k in values]) == 40
    assert vault.max_in_flight <= 4
    assert vault.connections <= 4


# --------------------------------------------------------------------------
# output: -v and --check


def test_verbose_shows_requests_without_secrets(run, vault, app, envdump):
    res, env = run_ok(run, envdump, ["-v"], env=venv(vault, PGUSER="vault:secret/app/db#user"))
    lines = [ln for ln in res.err_lines if "secret/data/app/db" in ln]
    assert lines, res
    assert any(re.search(r"\b200\b", ln) and re.search(r"\d\s*ms\b", ln) for ln in lines), res
    # the leak check (run) already proved that no value and no token appear


def test_quiet(run, vault, app, envdump):
    res, env = run_ok(run, envdump, ["-q"], env=venv(vault, PGUSER="vault:secret/app/db#user"))
    assert res.err == ""


def test_check(run, vault, app, manifest, envdump):
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
        PGPASSWORD = secret/app/db#password
    """)
    res = run(["--check", "-f", m], env=venv(vault))
    assert res.rc == 0, res
    for name, ref, value in (("PGUSER", "secret/app/db#user", app["user"]),
                             ("PGPASSWORD", "secret/app/db#password", app["password"])):
        lines = [ln for ln in res.out_lines if name in ln and ref in ln]
        assert len(lines) == 1, res
        assert "ok" in lines[0] and "********" in lines[0], res
        assert re.search(r"\b%d\b" % len(value), lines[0]), res
    assert not envdump.ran()


def test_check_with_failure(run, vault, app, manifest):
    m = manifest("""
        [env]
        PGUSER = secret/app/db#user
        NOPE = secret/app/none#password
    """)
    res = run(["--check", "-f", m], env=venv(vault))
    assert res.rc == 66, res
    ok = [ln for ln in res.out_lines if "PGUSER" in ln]
    bad = [ln for ln in res.out_lines if "NOPE" in ln and "secret/app/none" in ln]
    assert len(ok) == 1 and "ok" in ok[0] and "********" in ok[0], res
    assert len(bad) == 1 and "not found" in bad[0].lower(), res


# --------------------------------------------------------------------------
# the file:// store


def test_file_store(run, tmp_path, secret_file, envdump):
    pw = val("file-pw")
    run.forbid(pw)
    store = secret_file("secrets.json", json.dumps({"secret/app/db": {"password": pw, "port": 5432}}))
    res, env = run_ok(run, envdump, [], env={"VAULT_ADDR": "file://" + str(store),
                                             "X": "vault:secret/app/db#password",
                                             "P": "vault:secret/app/db#port"})
    assert env["X"] == pw and env["P"] == "5432"
    res, env = run_env(run, envdump, [], env={"VAULT_ADDR": "file://" + str(store),
                                              "X": "vault:secret/app/none#password"})
    assert res.rc == 66, res
    bad = secret_file("bad.json", "{not json")
    run_fails(run, envdump, [], env={"VAULT_ADDR": "file://" + str(bad),
                                     "X": "vault:secret/app/db#password"}, rc=78)


# --------------------------------------------------------------------------
# the harness itself


def test_leak_check_catches_a_leak(run, vault, app):
    """A child that prints a secret on vaultrun's stdout fails the run."""
    with pytest.raises(AssertionError, match="leaked"):
        run(["--", "/bin/sh", "-c", 'printf "%s\\n" "$PGUSER"'],
            env=venv(vault, PGUSER="vault:secret/app/db#user"))
    run.forbid("forbidden-" + secrets.token_hex(4))
    assert run(["--", "true"], env=venv(vault)).rc == 0
