"""End-to-end tests of vaultrun's login methods and token handling, written
from SPEC.md ("Vault client behaviour", "Secrets hygiene") against the test
server (vaultserver.py).

Covered: AppRole (environment, [vault] values, credential files, the default
method, a custom mount), Kubernetes, JWT (jwt_file and jwt_env), TLS
certificate login, namespaces on logins and reads, revoke-self (once for a
minted service token, after the reads, also on failure; never for batch or
handed-in tokens; --keep-vault-env), login failures (77 naming method and
mount, 5xx and 429 retried), configuration errors (78 saying what to set),
missing and unsafe credential files, and ~/.vault-token.

Every run() also checks that no secret, token, secret id or JWT appears in
vaultrun's output; credentials the server does not know (a wrong secret id,
a bad JWT) are added with run.forbid().
"""

import json
import os
import secrets

import pytest

from conftest import VALGRIND

from vaultserver import tls_server_context
from helpers import approle_env, home_token, run_env, run_fails, run_ok, val, write_manifest

# --------------------------------------------------------------------------
# helpers

POLICY = ["secret/data/app/*"]


def cred(tag):
    """A distinctive credential (role id, secret id, JWT)."""
    return "%s-%s" % (tag, secrets.token_hex(10))


def fake_jwt():
    return "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIlcyJ9.%s" % secrets.token_urlsafe(24)


@pytest.fixture
def app(vault):
    """secret/app/db (KV v2) with a fresh password."""
    pw = val("pw")
    vault.put("secret", "app/db", {"password": pw})
    return pw


def logins(vault, mount):
    """POSTs to auth/<mount>/login (including refused and faulted ones)."""
    return vault.count("POST", "/v1/auth/%s/login" % mount)


def login_requests(vault):
    return [r for r in vault.requests if r.method == "POST" and r.path.endswith("/login")]


def kv_reads(vault):
    return [r for r in vault.requests if r.method == "GET" and r.path.startswith("/v1/secret/")]


def revoke_requests(vault):
    return [r for r in vault.requests if r.path == "/v1/auth/token/revoke-self"]


def assert_no_vault_creds(env, *more):
    for name in ("VAULT_TOKEN", "VAULT_ROLE_ID", "VAULT_SECRET_ID") + more:
        assert name not in env, "%s reached the command" % name


def assert_minted_and_revoked(vault, after_reads=True):
    """Exactly one login minted exactly one token; it was revoked exactly
    once, after every read (and every read used it)."""
    minted = vault.minted_tokens
    assert len(minted) == 1, minted
    tok = minted[0]
    assert vault.revocations == {tok: 1}, vault.revocations
    assert vault.token_info(tok)[3] is True, "the minted token is still valid"
    reqs = vault.requests
    rev = [i for i, r in enumerate(reqs) if r.path == "/v1/auth/token/revoke-self"]
    assert len(rev) == 1 and reqs[rev[0]].token == tok
    reads = [i for i, r in enumerate(reqs) if r.method == "GET"]
    assert reads, "no reads"
    for i in reads:
        assert reqs[i].token == tok, "a read did not use the minted token: %r" % reqs[i]
    if after_reads:
        assert max(reads) < rev[0], "revoke-self went out before a read"
    return tok


def stderr_has(res, *needles):
    return any(all(n in ln for n in needles) for ln in res.err_lines)


@pytest.fixture
def approle(vault):
    """An AppRole role on auth/approle: (role_id, secret_id)."""
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY)
    return rid, sid


# --------------------------------------------------------------------------
# AppRole


def test_approle_from_environment(run, vault, app, approle, envdump):
    """VAULT_ROLE_ID/VAULT_SECRET_ID and no token: approle is the default;
    the command gets the secret and none of the credentials."""
    rid, sid = approle
    res, env = run_ok(run, envdump, [], env=approle_env(vault, rid, sid))
    assert env["DB_PASSWORD"] == app
    assert_no_vault_creds(env)
    assert vault.logins == {"approle": 1}
    (login,) = login_requests(vault)
    assert login.path == "/v1/auth/approle/login"
    assert json.loads(login.body) == {"role_id": rid, "secret_id": sid}
    assert login.token is None, "the login carried a token"
    assert_minted_and_revoked(vault)


def test_approle_from_manifest_values(run, vault, app, approle, manifest, envdump):
    rid, sid = approle
    m = write_manifest(manifest, """
        auth = approle
        role_id = %s
        secret_id = %s
    """ % (rid, sid))
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert env["DB_PASSWORD"] == app
    assert_no_vault_creds(env)
    assert logins(vault, "approle") == 1
    assert_minted_and_revoked(vault)


def test_approle_from_files_is_the_default_method(run, vault, app, approle, manifest,
                                                  secret_file, envdump):
    """role_id_file/secret_id_file (0600, trailing newline), no `auth` key:
    a role id and no token means approle."""
    rid, sid = approle
    rf = secret_file("role-id", rid + "\n")
    sf = secret_file("secret-id", sid + "\n")
    m = write_manifest(manifest, """
        role_id_file = %s
        secret_id_file = %s
    """ % (rf, sf))
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert env["DB_PASSWORD"] == app
    (login,) = login_requests(vault)
    assert json.loads(login.body) == {"role_id": rid, "secret_id": sid}
    assert_minted_and_revoked(vault)


def test_approle_environment_beats_manifest(run, vault, app, approle, manifest, envdump):
    rid, sid = approle
    wrong = cred("wrong-sid")
    run.forbid(wrong)
    m = write_manifest(manifest, """
        role_id = %s
        secret_id = %s
    """ % (rid, wrong))
    res, env = run_ok(run, envdump, ["-f", m],
                      env={"VAULT_ADDR": vault.url, "VAULT_SECRET_ID": sid})
    assert env["DB_PASSWORD"] == app
    assert_no_vault_creds(env)


def test_approle_custom_mount(run, vault, app, manifest, envdump):
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY, mount="ci-approle")
    m = write_manifest(manifest, """
        auth = approle
        auth_mount = ci-approle
    """)
    res, env = run_ok(run, envdump, ["-f", m], env=approle_env(vault, rid, sid, DB_PASSWORD=None))
    assert env["DB_PASSWORD"] == app
    assert logins(vault, "ci-approle") == 1
    assert logins(vault, "approle") == 0
    assert_minted_and_revoked(vault)


def test_approle_not_at_default_mount_is_77(run, vault, app, manifest, envdump):
    """The role lives at auth/ci-approle but no auth_mount is given: the login
    goes to auth/approle, which Vault does not know (a 4xx): 77, naming it."""
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY, mount="ci-approle")
    res, env = run_env(run, envdump, [], env=approle_env(vault, rid, sid))
    assert env is None
    assert res.rc == 77, res
    assert "auth/approle" in res.err


def test_vault_token_and_role_id_without_auth_is_token_auth(run, vault, app, envdump):
    """`auth` defaults to approle only when no token is given; a token and a
    role id in the environment is token auth, and the role id stays unused."""
    res, env = run_ok(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_ROLE_ID": cred("role"), "DB_PASSWORD": "vault:secret/app/db#password"})
    assert env["DB_PASSWORD"] == app
    assert_no_vault_creds(env)
    assert login_requests(vault) == []
    assert vault.revocations == {}


def test_keep_vault_env_passes_login_credentials(run, vault, app, approle, envdump):
    rid, sid = approle
    res, env = run_ok(run, envdump, ["--keep-vault-env"], env=approle_env(vault, rid, sid))
    assert env["VAULT_ROLE_ID"] == rid and env["VAULT_SECRET_ID"] == sid
    assert env["VAULT_TOKEN"] == vault.minted_tokens[0]


# --------------------------------------------------------------------------
# Kubernetes and JWT


@pytest.mark.parametrize("mount", [None, "k8s-prod"])
def test_kubernetes_login(run, vault, app, manifest, secret_file, envdump, mount):
    jwt = fake_jwt()
    vault.add_kubernetes_role("app", [jwt], policies=POLICY, mount=mount or "kubernetes")
    jf = secret_file("sa-token", jwt + "\n")
    m = write_manifest(manifest, """
        auth = kubernetes
        role = app
        jwt_file = %s
    """ % jf + ("auth_mount = %s\n" % mount if mount else ""))
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert env["DB_PASSWORD"] == app
    assert_no_vault_creds(env)
    (login,) = login_requests(vault)
    assert login.path == "/v1/auth/%s/login" % (mount or "kubernetes")
    assert json.loads(login.body) == {"jwt": jwt, "role": "app"}
    assert vault.logins == {"kubernetes": 1}
    assert_minted_and_revoked(vault)


def test_jwt_login_from_file(run, vault, app, manifest, secret_file, envdump):
    jwt = fake_jwt()
    vault.add_jwt_role("ci", [jwt], policies=POLICY)
    jf = secret_file("ci.jwt", jwt)
    m = write_manifest(manifest, """
        auth = jwt
        role = ci
        jwt_file = %s
    """ % jf)
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert env["DB_PASSWORD"] == app
    (login,) = login_requests(vault)
    assert login.path == "/v1/auth/jwt/login"
    assert json.loads(login.body) == {"jwt": jwt, "role": "ci"}
    assert_minted_and_revoked(vault)


def test_jwt_login_from_env_variable_is_removed(run, vault, app, manifest, envdump):
    """jwt_env = NAME: the JWT comes from $NAME, which the command does not see."""
    jwt = fake_jwt()
    vault.add_jwt_role("ci", [jwt], policies=POLICY, mount="gitlab")
    m = write_manifest(manifest, """
        auth = jwt
        auth_mount = gitlab
        role = ci
        jwt_env = CI_JOB_JWT
    """)
    res, env = run_ok(run, envdump, ["-f", m], env={
        "VAULT_ADDR": vault.url, "CI_JOB_JWT": jwt, "OTHER": "kept"})
    assert env["DB_PASSWORD"] == app
    assert "CI_JOB_JWT" not in env
    assert env["OTHER"] == "kept"
    (login,) = login_requests(vault)
    assert login.path == "/v1/auth/gitlab/login"
    assert json.loads(login.body)["jwt"] == jwt
    assert_minted_and_revoked(vault)


def test_jwt_env_beats_jwt_file(run, vault, app, manifest, secret_file, envdump):
    jwt, stale = fake_jwt(), fake_jwt()
    run.forbid(stale)
    vault.add_jwt_role("ci", [jwt], policies=POLICY)
    jf = secret_file("stale.jwt", stale)
    m = write_manifest(manifest, """
        auth = jwt
        role = ci
        jwt_file = %s
        jwt_env = CI_JWT
    """ % jf)
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url, "CI_JWT": jwt})
    assert json.loads(login_requests(vault)[0].body)["jwt"] == jwt


def test_jwt_without_role_uses_default_role(run, vault, app, manifest, secret_file, envdump):
    """role is optional for jwt: the mount's default_role applies, and no
    "role" goes into the body."""
    jwt = fake_jwt()
    vault.add_jwt_role("ci", [jwt], policies=POLICY, default=True)
    jf = secret_file("ci.jwt", jwt)
    m = write_manifest(manifest, """
        auth = jwt
        jwt_file = %s
    """ % jf)
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert env["DB_PASSWORD"] == app
    assert json.loads(login_requests(vault)[0].body) == {"jwt": jwt}


def test_jwt_env_kept_with_keep_vault_env(run, vault, app, manifest, envdump):
    jwt = fake_jwt()
    vault.add_jwt_role("ci", [jwt], policies=POLICY)
    m = write_manifest(manifest, """
        auth = jwt
        role = ci
        jwt_env = CI_JOB_JWT
    """)
    res, env = run_ok(run, envdump, ["-f", m, "--keep-vault-env"],
                      env={"VAULT_ADDR": vault.url, "CI_JOB_JWT": jwt})
    assert env["CI_JOB_JWT"] == jwt


# --------------------------------------------------------------------------
# TLS certificate login


@pytest.fixture
def tls_vault(vault_factory, tls_certs):
    """A TLS server that asks for (but does not require) a client certificate."""
    ctx = tls_server_context(str(tls_certs.server_crt), str(tls_certs.server_key),
                             client_ca=str(tls_certs.ca))
    srv = vault_factory(ssl_context=ctx)
    return srv


@pytest.mark.parametrize("how", ["manifest", "environment"])
def test_cert_login(run, tls_vault, tls_certs, manifest, envdump, how):
    pw = val("pw")
    tls_vault.put("secret", "app/db", {"password": pw})
    tls_vault.add_cert_role("web", policies=POLICY, common_names=["vaultrun-client"])
    env = {"VAULT_ADDR": tls_vault.url, "VAULT_CACERT": tls_certs.ca}
    lines = "auth = cert\n"
    if how == "manifest":
        lines += "client_cert = %s\nclient_key = %s\n" % (tls_certs.client_crt, tls_certs.client_key)
    else:
        env.update(VAULT_CLIENT_CERT=tls_certs.client_crt, VAULT_CLIENT_KEY=tls_certs.client_key)
    m = write_manifest(manifest, lines)
    res, child = run_ok(run, envdump, ["-f", m], env=env)
    assert child["DB_PASSWORD"] == pw
    (login,) = login_requests(tls_vault)
    assert login.path == "/v1/auth/cert/login"
    assert login.peer_cert is not None, "no client certificate on the login"
    assert json.loads(login.body or b"{}") == {}, "no role given: no name expected"
    assert tls_vault.logins == {"cert": 1}
    assert_minted_and_revoked(tls_vault)


def test_cert_login_with_role_name_and_mount(run, vault_factory, tls_certs, manifest, envdump):
    ctx = tls_server_context(str(tls_certs.server_crt), str(tls_certs.server_key),
                             client_ca=str(tls_certs.ca), require_client_cert=True)
    srv = vault_factory(ssl_context=ctx)
    pw = val("pw")
    srv.put("secret", "app/db", {"password": pw})
    srv.add_cert_role("other", policies=["nothing/*"], mount="tls")
    srv.add_cert_role("web", policies=POLICY, mount="tls")
    m = write_manifest(manifest, """
        auth = cert
        auth_mount = tls
        role = web
        ca_cert = %s
        client_cert = %s
        client_key = %s
    """ % (tls_certs.ca, tls_certs.client_crt, tls_certs.client_key))
    res, env = run_ok(run, envdump, ["-f", m], env={"VAULT_ADDR": srv.url})
    assert env["DB_PASSWORD"] == pw
    (login,) = login_requests(srv)
    assert login.path == "/v1/auth/tls/login"
    assert json.loads(login.body) == {"name": "web"}
    assert_minted_and_revoked(srv)


def test_cert_login_refused_is_77(run, tls_vault, tls_certs, manifest, envdump):
    """The certificate's CN is not allowed by the role: 400 → 77."""
    tls_vault.put("secret", "app/db", {"password": val("pw")})
    tls_vault.add_cert_role("web", policies=POLICY, common_names=["someone-else"])
    m = write_manifest(manifest, "auth = cert\n")
    res = run_fails(run, envdump, ["-f", m], env={
        "VAULT_ADDR": tls_vault.url, "VAULT_CACERT": tls_certs.ca,
        "VAULT_CLIENT_CERT": tls_certs.client_crt, "VAULT_CLIENT_KEY": tls_certs.client_key}, rc=77)
    assert "cert" in res.err and "auth/cert" in res.err
    assert kv_reads(tls_vault) == []


# --------------------------------------------------------------------------
# namespaces


@pytest.mark.parametrize("where", ["environment", "manifest"])
def test_namespace_on_login_reads_and_revoke(run, vault, manifest, envdump, where):
    vault.add_mount("secret", 2, namespace="team-a")
    pw = val("pw")
    vault.put("secret", "app/db", {"password": pw}, namespace="team-a")
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY, namespace="team-a")
    env = approle_env(vault, rid, sid, DB_PASSWORD=None)
    lines = ""
    if where == "environment":
        env["VAULT_NAMESPACE"] = "team-a"
    else:
        lines = "namespace = team-a\n"
    m = write_manifest(manifest, lines)
    res, child = run_ok(run, envdump, ["-f", m], env=env)
    assert child["DB_PASSWORD"] == pw
    reqs = vault.requests
    assert reqs, "no requests"
    for r in reqs:
        assert r.namespace == "team-a", "no X-Vault-Namespace on %r" % r
    assert login_requests(vault)[0].path == "/v1/auth/approle/login"
    assert vault.token_info(vault.minted_tokens[0])[2] == "team-a"
    assert_minted_and_revoked(vault)


def test_namespace_login_in_root_namespace_fails(run, vault, manifest, envdump):
    """The role exists only in team-a; without the namespace the login fails."""
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY, namespace="team-a")
    vault.enable_auth("approle", "approle")
    run_fails(run, envdump, [], env=approle_env(vault, rid, sid), rc=77)
    assert all(r.namespace is None for r in vault.requests)


# --------------------------------------------------------------------------
# revoke-self


def test_revoked_even_when_the_run_fails(run, vault, app, approle, manifest, envdump):
    """A missing key is 65, the command does not run, the token is revoked."""
    rid, sid = approle
    m = write_manifest(manifest, env_lines="""
        DB_PASSWORD = secret/app/db#password
        NOPE = secret/app/db#no-such-key
    """)
    res = run_fails(run, envdump, ["-f", m, "-v"], env=approle_env(vault, rid, sid, DB_PASSWORD=None), rc=65)
    assert_minted_and_revoked(vault)
    assert "revok" in res.err


def test_revoked_when_a_path_is_missing(run, vault, app, approle, envdump):
    rid, sid = approle
    run_fails(run, envdump, [],
        env=approle_env(vault, rid, sid, NOPE="vault:secret/app/none#x", DB_PASSWORD=None), rc=66)
    assert_minted_and_revoked(vault)


def test_verbose_says_revoked(run, vault, app, approle, envdump):
    rid, sid = approle
    res, env = run_ok(run, envdump, ["-v"], env=approle_env(vault, rid, sid))
    assert_minted_and_revoked(vault)
    assert stderr_has(res, "revok"), res
    assert not stderr_has(res, "not revok"), res


def test_batch_token_never_revoked(run, vault, app, envdump):
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY, token_type="batch")
    res, env = run_ok(run, envdump, ["-v"], env=approle_env(vault, rid, sid))
    assert env["DB_PASSWORD"] == app
    assert len(vault.minted_tokens) == 1
    assert vault.token_info(vault.minted_tokens[0])[0] == "batch"
    assert revoke_requests(vault) == []
    assert stderr_has(res, "batch"), res


def test_batch_token_not_revoked_on_failure(run, vault, app, envdump):
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=POLICY, token_type="batch")
    res, env = run_env(run, envdump, [],
        env=approle_env(vault, rid, sid, NOPE="vault:secret/app/db#missing", DB_PASSWORD=None))
    assert res.rc == 65, res
    assert revoke_requests(vault) == []


@pytest.mark.parametrize("source", ["VAULT_TOKEN", "token_file", "home"])
@pytest.mark.parametrize("outcome", ["ok", "fail"])
def test_handed_in_token_never_revoked(run, vault, app, manifest, secret_file, envdump,
                                       source, outcome):
    tok = vault.add_token(policies=POLICY)
    env = {"VAULT_ADDR": vault.url}
    lines = ""
    if source == "VAULT_TOKEN":
        env["VAULT_TOKEN"] = tok
    elif source == "token_file":
        lines = "token_file = %s\n" % secret_file("tok", tok + "\n")
    else:
        home_token(run, tok)
    key = "password" if outcome == "ok" else "missing"
    m = write_manifest(manifest, lines, "DB_PASSWORD = secret/app/db#%s" % key)
    res, child = run_env(run, envdump, ["-f", m, "-v", "--keep-vault-env"], env=env)
    assert res.rc == (0 if outcome == "ok" else 65), res
    assert revoke_requests(vault) == []
    assert vault.token_info(tok)[3] is False
    assert login_requests(vault) == []
    assert all(r.token == tok for r in vault.requests)
    assert stderr_has(res, "not revok"), res
    if outcome == "ok":
        assert child["DB_PASSWORD"] == app


def test_keep_vault_env_hands_over_minted_token(run, vault, app, approle, envdump):
    rid, sid = approle
    res, env = run_ok(run, envdump, ["-v", "--keep-vault-env"], env=approle_env(vault, rid, sid))
    (tok,) = vault.minted_tokens
    assert env["VAULT_TOKEN"] == tok
    assert env["DB_PASSWORD"] == app
    assert revoke_requests(vault) == []
    info = vault.token_info(tok)
    assert info is not None and info[3] is False, "the handed-over token is not valid"
    assert stderr_has(res, "not revok"), res


def test_keep_vault_env_failing_run_revokes(run, vault, app, approle, envdump):
    rid, sid = approle
    res = run_fails(run, envdump, ["-v", "--keep-vault-env"],
        env=approle_env(vault, rid, sid, NOPE="vault:secret/app/db#missing"), rc=65)
    assert_minted_and_revoked(vault)
    assert stderr_has(res, "revok") and not stderr_has(res, "not revok"), res


def test_keep_vault_env_with_check_revokes(run, vault, app, approle):
    """--check runs no command, so there is nobody to hand the token to."""
    rid, sid = approle
    res = run(["--check", "--keep-vault-env"], env=approle_env(vault, rid, sid))
    assert res.rc == 0, res
    assert_minted_and_revoked(vault)


def test_keep_vault_env_value_too_large_revokes(run, vault, approle, envdump):
    """A value over 128 KiB fails the run (65) before execve: the command never
    gets the token, so it must be revoked like on any other failure."""
    rid, sid = approle
    vault.put("secret", "app/big", {"value": "x" * (130 * 1024)})
    run_fails(run, envdump, ["--keep-vault-env"],
        env=approle_env(vault, rid, sid, BIG="vault:secret/app/big", DB_PASSWORD=None), rc=65)
    assert_minted_and_revoked(vault)


def test_keep_vault_env_missing_command_revokes(run, vault, app, approle):
    """The command does not exist (127): the token was never handed to anyone
    and must not outlive the run."""
    rid, sid = approle
    res = run(["--keep-vault-env", "--", "/nonexistent/command-%s" % secrets.token_hex(3)],
        env=approle_env(vault, rid, sid))
    assert res.rc == 127, res
    assert_minted_and_revoked(vault)


def test_keep_vault_env_not_executable_revokes(run, vault, app, approle, tmp_path):
    """The command exists but cannot be executed (126): revoked."""
    rid, sid = approle
    f = tmp_path / "not-executable"
    f.write_text("#!/bin/sh\nexit 0\n")
    os.chmod(f, 0o644)
    res = run(["--keep-vault-env", "--", f], env=approle_env(vault, rid, sid))
    assert res.rc == 126, res
    assert_minted_and_revoked(vault)


@pytest.mark.skipif(VALGRIND, reason="valgrind cannot survive an execve that fails "
                    "after it has committed to it (it dies with 101)")
def test_keep_vault_env_missing_interpreter_revokes(run, vault, app, approle, tmp_path):
    """An executable script whose #! interpreter does not exist: the file is
    found, but execve fails (ENOENT, 127) and the command never runs, so the
    kept token must not outlive the run either."""
    rid, sid = approle
    f = tmp_path / "script"
    f.write_text("#!/nonexistent/interpreter-%s\nexit 0\n" % secrets.token_hex(3))
    os.chmod(f, 0o755)
    res = run(["--keep-vault-env", "--", f], env=approle_env(vault, rid, sid))
    assert res.rc in (126, 127), res
    assert_minted_and_revoked(vault)


def test_revoke_failure_warns_and_goes_on(run, vault, app, approle, envdump):
    rid, sid = approle
    vault.add_fault("POST", "auth/token/revoke-self", status=500)
    res, env = run_ok(run, envdump, [], env=approle_env(vault, rid, sid, VAULT_MAX_RETRIES="1"))
    assert env["DB_PASSWORD"] == app
    assert stderr_has(res, "revok"), res


def test_revoke_has_its_own_budget(run, vault, app, approle, envdump, time_limit):
    """A revoke that never answers costs at most ~2 s beyond the deadline."""
    rid, sid = approle
    vault.add_fault("POST", "auth/token/revoke-self", action="delay", seconds=8)
    res, env = run_ok(run, envdump, ["-t", "5"], env=approle_env(vault, rid, sid))
    assert env["DB_PASSWORD"] == app
    assert res.elapsed < time_limit(3.5), res
    assert stderr_has(res, "revok"), res
    assert len(revoke_requests(vault)) == 1


# --------------------------------------------------------------------------
# login failures


def test_wrong_secret_id_is_77(run, vault, app, approle, envdump):
    rid, _ = approle
    wrong = cred("wrong-sid")
    run.forbid(wrong)
    res = run_fails(run, envdump, ["-vv"], env=approle_env(vault, rid, wrong), rc=77)
    assert "approle" in res.err and "auth/approle" in res.err
    assert logins(vault, "approle") == 1, "a refused login is not retried"
    assert kv_reads(vault) == []
    assert vault.minted_tokens == [] and revoke_requests(vault) == []


def test_kubernetes_bad_jwt_is_77(run, vault, app, manifest, secret_file, envdump):
    good, bad = fake_jwt(), fake_jwt()
    run.forbid(bad)
    vault.add_kubernetes_role("app", [good], policies=POLICY, mount="k8s-prod")
    m = write_manifest(manifest, """
        auth = kubernetes
        auth_mount = k8s-prod
        role = app
        jwt_file = %s
    """ % secret_file("sa", bad))
    res = run_fails(run, envdump, ["-f", m, "-v"], env={"VAULT_ADDR": vault.url}, rc=77)
    assert "kubernetes" in res.err and "auth/k8s-prod" in res.err
    assert logins(vault, "k8s-prod") == 1
    assert kv_reads(vault) == []


def test_jwt_role_not_found_is_77(run, vault, app, manifest, envdump):
    jwt = fake_jwt()
    vault.add_jwt_role("ci", [jwt], policies=POLICY)
    m = write_manifest(manifest, """
        auth = jwt
        role = nosuchrole
        jwt_env = CI_JWT
    """)
    res = run_fails(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url, "CI_JWT": jwt}, rc=77)
    assert "jwt" in res.err and "auth/jwt" in res.err
    assert logins(vault, "jwt") == 1


def test_login_5xx_is_retried_then_69(run, vault, app, approle, envdump):
    rid, sid = approle
    f = vault.add_fault("POST", "auth/approle/login", status=500)
    res = run_fails(run, envdump, [], env=approle_env(vault, rid, sid, VAULT_MAX_RETRIES="2"), rc=69)
    assert f.fired == 3
    assert "approle" in res.err and "auth/approle" in res.err
    assert kv_reads(vault) == []


def test_login_5xx_then_success(run, vault, app, approle, envdump):
    rid, sid = approle
    f = vault.add_fault("POST", "auth/approle/login", status=503, times=2)
    res, env = run_ok(run, envdump, [], env=approle_env(vault, rid, sid))
    assert env["DB_PASSWORD"] == app
    assert f.fired == 2 and logins(vault, "approle") == 3
    assert_minted_and_revoked(vault)


def test_login_429_is_75(run, vault, app, approle, envdump):
    rid, sid = approle
    f = vault.add_fault("POST", "auth/approle/login", status=429, retry_after=0)
    res = run_fails(run, envdump, [], env=approle_env(vault, rid, sid, VAULT_MAX_RETRIES="2"), rc=75)
    assert f.fired == 3
    assert "auth/approle" in res.err


def test_login_connection_refused_is_69(run, closed_url, approle, envdump):
    rid, sid = approle
    run_fails(run, envdump, [], env={
        "VAULT_ADDR": closed_url, "VAULT_ROLE_ID": rid, "VAULT_SECRET_ID": sid,
        "VAULT_MAX_RETRIES": "0", "DB_PASSWORD": "vault:secret/app/db#password"}, rc=69)


def test_login_answer_not_json_is_76(run, vault, app, approle, envdump):
    rid, sid = approle
    vault.add_fault("POST", "auth/approle/login", action="wrong_type")
    run_fails(run, envdump, [], env=approle_env(vault, rid, sid), rc=76)


def test_login_without_client_token_is_76(run, vault, app, approle, envdump):
    rid, sid = approle
    vault.add_fault("POST", "auth/approle/login", status=200,
                    body={"request_id": "x", "data": None, "auth": None, "warnings": None})
    run_fails(run, envdump, [], env=approle_env(vault, rid, sid), rc=76)
    assert kv_reads(vault) == []


def test_minted_token_denied_is_77_and_revoked(run, vault, app, envdump):
    """The login works but the role's policies do not cover the secret."""
    rid, sid = cred("role"), cred("sid")
    vault.add_approle(rid, sid, policies=["secret/data/other/*"])
    run_fails(run, envdump, [], env=approle_env(vault, rid, sid), rc=77)
    (tok,) = vault.minted_tokens
    assert vault.revocations == {tok: 1}


# --------------------------------------------------------------------------
# configuration errors


CONFIG_ERRORS = {
    # name: (vault lines, extra environment, words one stderr line must hold)
    "token_and_approle": ("auth = approle\nrole_id = r\nsecret_id = s\n",
                          {"VAULT_TOKEN": "TOKEN"}, ["VAULT_TOKEN", "approle"]),
    "token_file_and_kubernetes": ("auth = kubernetes\nrole = app\njwt_file = JWTFILE\n"
                                  "token_file = TOKFILE\n", {}, ["token_file", "kubernetes"]),
    "token_and_role_id_in_manifest": ("auth = approle\nrole_id = r\nsecret_id = s\n"
                                      "token_file = TOKFILE\n", {}, ["token_file", "approle"]),
    "approle_without_secret_id": ("auth = approle\nrole_id = r\n", {}, ["secret"]),
    "approle_without_role_id": ("auth = approle\nsecret_id_file = SIDFILE\n", {}, ["role"]),
    "role_id_without_secret_id": ("role_id = r\n", {}, ["secret"]),
    "kubernetes_without_role": ("auth = kubernetes\njwt_file = JWTFILE\n", {}, ["role"]),
    "jwt_without_jwt": ("auth = jwt\nrole = ci\n", {}, ["jwt_file"]),
    "unknown_method": ("auth = userpass\n", {}, ["userpass"]),
    "cert_without_client_cert": ("auth = cert\n", {}, ["cert"]),
    "jwt_env_unset": ("auth = jwt\nrole = ci\njwt_env = CI_JOB_JWT_NOT_SET\n", {},
                      ["CI_JOB_JWT_NOT_SET"]),
    "jwt_env_empty": ("auth = jwt\nrole = ci\njwt_env = CI_EMPTY\n", {"CI_EMPTY": ""},
                      ["CI_EMPTY"]),
    "jwt_env_bad_name": ("auth = jwt\nrole = ci\njwt_env = 1-BAD\n", {}, ["1-BAD"]),
    "empty_jwt_file": ("auth = jwt\nrole = ci\njwt_file = EMPTYFILE\n", {}, ["JWT"]),
    "client_cert_without_key": ("client_cert = JWTFILE\n", {}, ["key"]),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_auth_configuration_errors_are_78(run, vault, app, manifest, secret_file, envdump, case):
    lines, extra, words = CONFIG_ERRORS[case]
    tok = vault.add_token(policies=POLICY)
    jwt = fake_jwt()
    run.forbid(jwt)
    lines = (lines.replace("JWTFILE", str(secret_file("jwt", jwt)))
             .replace("TOKFILE", str(secret_file("tok", tok)))
             .replace("SIDFILE", str(secret_file("sid", cred("sid"))))
             .replace("EMPTYFILE", str(secret_file("empty", "\n"))))
    env = {"VAULT_ADDR": vault.url}
    env.update({k: (tok if v == "TOKEN" else v) for k, v in extra.items()})
    m = write_manifest(manifest, lines)
    res, child = run_env(run, envdump, ["-f", m], env=env)
    assert res.rc == 78, res
    assert child is None
    assert stderr_has(res, *words), "stderr does not say %r\n%r" % (words, res)
    assert vault.request_count == 0, "a configuration error sent requests"


def test_cert_over_plain_http_is_78(run, vault, app, tls_certs, manifest, envdump):
    m = write_manifest(manifest, "auth = cert\nclient_cert = %s\nclient_key = %s\n"
                       % (tls_certs.client_crt, tls_certs.client_key))
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert res.rc == 78, res
    assert "https" in res.err
    assert vault.request_count == 0


def test_missing_secret_id_file_is_66(run, vault, app, tmp_path, manifest, envdump):
    missing = tmp_path / "no-such-secret-id"
    m = write_manifest(manifest, "role_id = r\nsecret_id_file = %s\n" % missing)
    res = run_fails(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url}, rc=66)
    assert str(missing) in res.err
    assert vault.request_count == 0


@pytest.mark.parametrize("key", ["role_id_file", "token_file", "jwt_file"])
def test_missing_credential_file_is_66(run, vault, app, tmp_path, manifest, envdump, key):
    missing = tmp_path / ("missing-" + key)
    lines = {"role_id_file": "secret_id = s\n", "token_file": "",
             "jwt_file": "auth = kubernetes\nrole = app\n"}[key]
    m = write_manifest(manifest, lines + "%s = %s\n" % (key, missing))
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url})
    assert res.rc == 66, res
    assert str(missing) in res.err


@pytest.mark.parametrize("key,mode", [
    ("secret_id_file", 0o620), ("secret_id_file", 0o602), ("token_file", 0o660),
    ("jwt_file", 0o660), ("role_id_file", 0o620)])
def test_unsafe_credential_file_is_78(run, vault, app, manifest, secret_file, envdump, key, mode):
    tok = vault.add_token(policies=POLICY)
    content = {"token_file": tok, "jwt_file": fake_jwt()}.get(key, cred("c"))
    run.forbid(content)
    f = secret_file("cred", content, mode=mode)
    lines = {"secret_id_file": "role_id = r\n", "role_id_file": "secret_id = s\n",
             "token_file": "", "jwt_file": "auth = jwt\nrole = ci\n"}[key]
    m = write_manifest(manifest, lines + "%s = %s\n" % (key, f))
    res = run_fails(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url}, rc=78)
    assert str(f) in res.err
    assert vault.request_count == 0


def test_unsafe_home_token_is_78(run, vault, app, envdump):
    tok = vault.add_token(policies=POLICY)
    home_token(run, tok, mode=0o622)
    run_fails(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "DB_PASSWORD": "vault:secret/app/db#password"}, rc=78)


# --------------------------------------------------------------------------
# ~/.vault-token


def test_stale_home_token_ignored_with_login(run, vault, app, approle, envdump):
    """A leftover ~/.vault-token is no conflict for a login method, and is
    not used for anything."""
    rid, sid = approle
    stale = "hvs.stale" + secrets.token_hex(8)
    run.forbid(stale)
    home_token(run, stale + "\n")
    res, env = run_ok(run, envdump, [], env=approle_env(vault, rid, sid))
    assert env["DB_PASSWORD"] == app
    assert all(r.token != stale for r in vault.requests)
    assert_minted_and_revoked(vault)


def test_stale_unsafe_home_token_ignored_with_login(run, vault, app, approle, envdump):
    """With a login configured ~/.vault-token is not read at all, so not even
    its permissions matter."""
    rid, sid = approle
    home_token(run, "hvs.stale\n", mode=0o666)
    res, env = run_ok(run, envdump, [], env=approle_env(vault, rid, sid))


def test_home_token_used_when_nothing_else_is_set(run, vault, app, envdump):
    tok = vault.add_token(policies=POLICY)
    home_token(run, tok + "\n")
    res, env = run_ok(run, envdump, ["-v"], env={
        "VAULT_ADDR": vault.url, "DB_PASSWORD": "vault:secret/app/db#password"})
    assert env["DB_PASSWORD"] == app
    assert vault.requests and all(r.token == tok for r in vault.requests)
    assert login_requests(vault) == [] and revoke_requests(vault) == []
    assert "vault-token" in res.err


def test_vault_token_beats_home_token(run, vault, app, envdump):
    tok = vault.add_token(policies=POLICY)
    stale = "hvs.stale" + secrets.token_hex(8)
    run.forbid(stale)
    home_token(run, stale)
    res, env = run_ok(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": tok,
        "DB_PASSWORD": "vault:secret/app/db#password"})
    assert all(r.token == tok for r in vault.requests)


# --------------------------------------------------------------------------
# deadlines and verbosity


def test_revoke_after_every_read_answered(run, vault, approle, envdump):
    """With several slow reads in flight, revoke-self goes out only once
    every read has been answered, and only once."""
    rid, sid = approle
    env = approle_env(vault, rid, sid, DB_PASSWORD=None)
    vals = {}
    for i in range(6):
        vals["S%d" % i] = val("s%d" % i)
        vault.put("secret", "app/s%d" % i, {"value": vals["S%d" % i]})
        env["S%d" % i] = "vault:secret/app/s%d" % i
    vault.latency = 0.15
    res, child = run_ok(run, envdump, [], env=env)
    for k, v in vals.items():
        assert child[k] == v
    tok = assert_minted_and_revoked(vault)
    reqs = vault.requests
    (rev,) = [r for r in reqs if r.path == "/v1/auth/token/revoke-self"]
    last_read = max(r.time for r in reqs if r.method == "GET")
    assert rev.time >= last_read + 0.15 - 0.02, "revoke-self overlapped a read"
    assert rev.token == tok


@pytest.mark.timing
def test_login_past_deadline_is_75(run, vault, app, approle, envdump, time_limit):
    rid, sid = approle
    vault.add_fault("POST", "auth/approle/login", action="delay", seconds=5)
    res = run_fails(run, envdump, ["-t", "1"], env=approle_env(vault, rid, sid), rc=75)
    assert res.elapsed < time_limit(3), res
    assert kv_reads(vault) == []


@pytest.mark.timing
def test_reads_past_deadline_still_revoke(run, vault, app, approle, envdump, time_limit):
    """The login works, the reads outlast the deadline (75): the minted token
    is still revoked, within the revoke's own budget."""
    rid, sid = approle
    vault.add_fault("GET", "secret/data/*", action="delay", seconds=6)
    vault.add_fault("GET", "sys/internal/ui/mounts/*", action="delay", seconds=6)
    res = run_fails(run, envdump, ["-t", "1"], env=approle_env(vault, rid, sid), rc=75)
    assert res.elapsed < time_limit(3.5), res
    (tok,) = vault.minted_tokens
    assert vault.revocations == {tok: 1}
    assert vault.token_info(tok)[3] is True


def test_trace_verbosity_leaks_no_credentials(run, vault, app, approle, envdump):
    """-vvv shows curl's protocol trace: the login body (secret id) and the
    X-Vault-Token header (minted token) must not appear (the leak check
    covers secret ids, minted tokens and values)."""
    rid, sid = approle
    res, env = run_ok(run, envdump, ["-vvv"], env=approle_env(vault, rid, sid))
    assert env["DB_PASSWORD"] == app
    assert "auth/approle/login" in res.err
    assert_minted_and_revoked(vault)


def test_trace_verbosity_jwt_login(run, vault, app, manifest, envdump):
    jwt = fake_jwt()
    vault.add_jwt_role("ci", [jwt], policies=POLICY)
    m = write_manifest(manifest, "auth = jwt\nrole = ci\njwt_env = CI_JWT\n")
    res, env = run_ok(run, envdump, ["-f", m, "-vvv"], env={"VAULT_ADDR": vault.url, "CI_JWT": jwt})
