"""End-to-end tests of the Vault CLI's conventions, written from SPEC.md
("Vault client behaviour", "Command line" --version): OpenBao's BAO_ names,
proxies as Vault's Go client chooses them, VAULT_CLIENT_TIMEOUT,
VAULT_RATE_LIMIT, VAULT_SRV_LOOKUP, the User-Agent, --version, and the
messages for the commonest remote mistakes (each checked by its exact text
and exit status).

Proxy tests use LoggingProxy below: a small HTTP proxy on loopback (plain
requests in absolute form, and CONNECT tunnels) that records what reaches it
and forwards everything to one upstream server, whatever host was asked for,
so that a target name that resolves nowhere (vault.invalid) can still be
served through it.
"""

import os
import secrets
import socket
import socketserver
import threading

import pytest

from helpers import err_line, kv_reads, run_env, seed, val

INLINE = {"DB_PASSWORD": "vault:secret/app/db#password"}



# --------------------------------------------------------------------------
# OpenBao's names


def test_bao_addr_and_token_alone(run, vault, envdump):
    pw = seed(vault)
    res, env = run_env(run, envdump, [], env={"BAO_ADDR": vault.url,
                                               "BAO_TOKEN": vault.root_token, **INLINE})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert all(r.token == vault.root_token for r in vault.requests)


@pytest.mark.parametrize("addr", ["BAO_ADDR", "BAO_AGENT_ADDR"])
def test_bao_names_win_over_vault_names(run, vault, closed_url, envdump, addr):
    pw = seed(vault)
    res, env = run_env(run, envdump, [], env={
        addr: vault.url, "VAULT_ADDR": closed_url,
        "BAO_TOKEN": vault.root_token, "VAULT_TOKEN": "hvs.not-the-token", **INLINE})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert all(r.token == vault.root_token for r in vault.requests)


def test_bao_token_is_stripped_from_the_command(run, vault, envdump):
    """Before: BAO_TOKEN passed into the command while VAULT_TOKEN was
    stripped (a credential leak)."""
    seed(vault)
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "BAO_TOKEN": vault.root_token,
        "VAULT_TOKEN": vault.root_token, **INLINE})
    assert res.rc == 0, res
    assert "BAO_TOKEN" not in env and "VAULT_TOKEN" not in env


def test_bao_token_kept_with_keep_vault_env(run, vault, envdump):
    seed(vault)
    res, env = run_env(run, envdump, ["--keep-vault-env"], env={
        "VAULT_ADDR": vault.url, "BAO_TOKEN": vault.root_token, **INLINE})
    assert res.rc == 0, res
    assert env["BAO_TOKEN"] == vault.root_token


def test_bao_approle_login_and_credentials_stripped(run, vault, envdump):
    pw = seed(vault)
    rid, sid = "role-" + secrets.token_hex(6), "sid-" + secrets.token_hex(10)
    vault.add_approle(rid, sid, policies=["secret/data/app/*"])
    res, env = run_env(run, envdump, [], env={
        "BAO_ADDR": vault.url, "BAO_ROLE_ID": rid, "BAO_SECRET_ID": sid,
        "VAULT_ROLE_ID": "not-the-role", **INLINE})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert vault.logins == {"approle": 1}
    for name in ("BAO_ROLE_ID", "BAO_SECRET_ID", "VAULT_ROLE_ID"):
        assert name not in env


def test_bao_namespace_is_sent(run, vault, envdump):
    vault.add_mount("secret", 2, namespace="team-b")
    pw = val("pw")
    vault.put("secret", "app/db", {"password": pw}, namespace="team-b")
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "BAO_NAMESPACE": "team-b", "VAULT_NAMESPACE": "team-a", **INLINE})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert {r.namespace for r in vault.requests} == {"team-b"}


def test_bao_max_retries_invalid_names_bao(run, vault, envdump):
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "BAO_MAX_RETRIES": "many", "VAULT_MAX_RETRIES": "2", **INLINE})
    assert res.rc == 78, res
    assert res.err_lines == ["vaultrun: BAO_MAX_RETRIES: expected an integer from 0 to 100"]
    assert vault.request_count == 0


def test_bao_token_path_beats_home_vault_token(run, vault, secret_file, envdump):
    pw = seed(vault)
    (run.home / ".vault-token").write_text("hvs.stale-token\n")
    os.chmod(run.home / ".vault-token", 0o600)
    tok = secret_file("bao-token", vault.root_token + "\n")
    res, env = run_env(run, envdump, ["-v"], env={"VAULT_ADDR": vault.url,
                                                   "BAO_TOKEN_PATH": tok, **INLINE})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert err_line(res, "auth: token from BAO_TOKEN_PATH"), res
    assert all(r.token == vault.root_token for r in vault.requests)


def test_bao_token_path_missing_is_66(run, vault, tmp_path, envdump):
    seed(vault)
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "BAO_TOKEN_PATH": tmp_path / "nope", **INLINE})
    assert res.rc == 66, res
    assert env is None
    assert "BAO_TOKEN_PATH" in res.err, res
    assert vault.request_count == 0
