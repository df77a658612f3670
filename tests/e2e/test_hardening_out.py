"""Hardening (issue 10): what reaches the output, what vaultrun reads, how
long it may wait.  SPEC.md "Secrets hygiene" and "Vault client behaviour".

Every run goes through the run fixture, whose leak check also covers the
run.forbid()-den strings: the prefixes and parts of values that a cut or a
fold would have let through.
"""

import json
import os
import secrets

import pytest

from helpers import err_line, val, venv

POLICY = ["secret/data/app/*", "sys/internal/ui/mounts/*"]


# --------------------------------------------------------------------------
# 1. server error text is masked before it is folded or cut


def test_echoed_token_is_masked_before_the_summary_is_cut(run, vault, envdump):
    """A server that quotes the token back in its error: a 300-byte token
    outlasts the 200-byte summary of the error, and no part of it may show."""
    token = "hvs." + secrets.token_hex(150)
    vault.add_token(token, policies=POLICY)
    vault.put("secret", "app/db", {"password": val("pw")})
    fault = vault.add_fault(path="secret/data/app/db", status=400, body={"errors": [
        "bad request: token %s is not valid here" % token]})
    run.forbid(token[:24], token[100:124], token[-24:])
    res = run(["-v", "--"] + envdump.cmd,
              env=venv(vault, token, DB_PASS="vault:secret/app/db#password"))
    assert res.rc == 76, res
    assert fault.fired == 1
    assert err_line(res, "DB_PASS", "bad request: token ********"), res


def test_echoed_secret_id_is_masked_before_it_is_folded(run, vault, envdump):
    """A secret id with a tab and a run of blanks, quoted back by a failing
    login: folding them to one space must not unmask it."""
    rid = "role-" + secrets.token_hex(6)
    halves = ["sid%s" % secrets.token_hex(8), "%s" % secrets.token_hex(8)]
    sid = halves[0] + "\t  " + halves[1]
    vault.add_approle(rid, sid, policies=POLICY)
    fault = vault.add_fault(path="auth/approle/login", status=400, body={"errors": [
        "invalid secret id %s" % sid]})
    run.forbid(*halves)
    res = run(["--"] + envdump.cmd,
              env={"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": rid, "VAULT_SECRET_ID": sid,
                   "DB_PASS": "vault:secret/app/db#password"})
    assert res.rc == 77, res  # a refused login
    assert fault.fired == 1
    assert any("invalid secret id ********" in ln for ln in res.err_lines), res


# --------------------------------------------------------------------------
# 2. no string is ever taken for a number

FORGED = "\x00vaultrun-number:1,\"injected\":true"  # json.c's old in-band marker


@pytest.mark.parametrize("mount", ["secret", "kv"])
def test_forged_number_marker_stays_a_string(run, vault, manifest, envdump, mount):
    """A secret string that begins with the marker json.c once used to carry
    number text: in `#*` output it stays one string (no injected key), and
    selected alone its NUL byte is refused in [env] (65)."""
    other = val("o")
    vault.put(mount, "app/forged", {"a": FORGED, "b": other, "n": 1.50})
    m = manifest("[env]\nALL = %s/app/forged#*\n" % mount)
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 0, res
    whole = json.loads(envdump.read()["ALL"])
    assert whole == {"a": FORGED, "b": other, "n": 1.5}, whole

    m = manifest("[env]\nA = %s/app/forged#a\n" % mount, name="one.ini")
    envdump.path.unlink()
    res = run(["-f", m, "--"] + envdump.cmd, env=venv(vault))
    assert res.rc == 65, res
    assert err_line(res, "A", "%s/app/forged#a" % mount), res
    assert not envdump.ran()
