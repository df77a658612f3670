"""HTTP/2: many references over one multiplexed TLS connection.

nginx (started here, on 127.0.0.1, with a configuration written to a
temporary directory) terminates TLS with the test certificates, speaks
HTTP/2 to vaultrun and proxies to the test server over HTTP/1.1 keep-alive.
Its access log records, for every request, nginx's connection serial number
($connection) and the protocol ($server_protocol): the number of distinct
serial numbers is the number of TCP connections vaultrun opened.

Skipped only when nginx is not installed.
"""

import os
import pathlib
import shutil
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "bench"))
from nginxfront import NginxFront  # noqa: E402  (the bench's nginx front)

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


@pytest.fixture
def nginx(vault, tls_certs):
    """nginx on 127.0.0.1, TLS + HTTP/2, in front of the `vault` server."""
    ng = NginxFront(vault.port, tls_certs.server_crt, tls_certs.server_key, nginx=NGINX)
    try:
        ng.start()
    except RuntimeError as e:
        pytest.fail(str(e))
    yield ng
    ng.stop()


def test_100_references_share_one_http2_connection(run, vault, nginx, tls_certs, manifest, envdump):
    n = 100
    values = {}
    for i in range(n):
        v = "h2-%03d-%s" % (i, os.urandom(6).hex())
        vault.put("secret", "h2/p%03d" % i, {"value": v})
        values["H2_%03d" % i] = v
    m = manifest("[env]\n" + "".join("H2_%03d = secret/h2/p%03d\n" % (i, i) for i in range(n)))
    vault.reset_stats()

    res = run(["-f", m, "--"] + envdump.cmd,
              env={"VAULT_ADDR": nginx.url, "VAULT_TOKEN": vault.root_token,
                   "VAULT_CACERT": tls_certs.ca})

    assert res.rc == 0, res
    child = envdump.read()
    for name, v in values.items():
        assert child.get(name) == v, name
    # Everything reached the test server through nginx ...
    lines = nginx.wait_log(vault.request_count)
    assert len(lines) == vault.request_count, (lines, vault.request_count)
    assert len(lines) >= n + 1  # the reads, and the mount preflight
    # ... over HTTP/2, on one TCP connection.
    assert {ln[2] for ln in lines} == {"HTTP/2.0"}, lines
    conns = {ln[0] for ln in lines}
    assert len(conns) == 1, "vaultrun opened %d connections to nginx: %s" % (len(conns), sorted(conns))
    assert all(ln[3] == "200" for ln in lines), lines


# --------------------------------------------------------------------------
# -vvv never shows a credential, in whatever form libcurl prints it


@pytest.mark.parametrize("proto", ["http2", "http1"])
@pytest.mark.parametrize("kind", ["short", "2KB"])
def test_vvv_shows_no_credential_in_any_form(run, vault, nginx, tls_certs, envdump, proto, kind):
    """libcurl 7.88 prints HTTP/2 request headers as `h2h3 [x-vault-token: ...]`
    text lines as well as header lines: neither shows a token of 2 bytes
    (under the value mask's 4-byte floor), nor any part of one of 2 KB (longer
    than any line buffer), nor the `Authorization: Basic` that user-info in
    VAULT_ADDR makes."""
    import base64
    import secrets as pysecrets
    import string

    alnum = string.ascii_letters + string.digits
    token = "Q~" if kind == "short" else "hvs." + "".join(pysecrets.choice(alnum) for _ in range(2044))
    vault.add_token(token, policies=["sys/internal/ui/mounts/*", "secret/data/h2/*"])
    vault.put("secret", "h2/cred", {"value": "cred-" + os.urandom(6).hex()})
    password = "pw-" + os.urandom(8).hex()
    basic = base64.b64encode(("vr-user:" + password).encode()).decode()
    run.forbid(password, basic, basic[:8], token[4:20], token[-16:])
    base = nginx.url if proto == "http2" else vault.url
    addr = base.replace("://", "://vr-user:%s@" % password, 1)

    res = run(["-vvv", "--"] + envdump.cmd,
              env={"VAULT_ADDR": addr, "VAULT_TOKEN": token, "VAULT_CACERT": tls_certs.ca,
                   "CRED": "vault:secret/h2/cred#value"})

    assert res.rc == 0, res
    assert envdump.read()["CRED"].startswith("cred-")
    lines = res.err_lines
    if proto == "http2":
        # the HTTP/2 text form was printed, and redacted
        assert any("h2h3 [x-vault-token: <redacted>" in ln for ln in lines), res
        assert any("h2h3 [authorization: <redacted>" in ln for ln in lines), res
    assert any(ln.lower().endswith("> x-vault-token: <redacted>") for ln in lines), res
    assert any(ln.lower().endswith("> authorization: <redacted>") for ln in lines), res
    for ln in lines:
        low = ln.lower()
        for name in ("x-vault-token", "authorization"):
            if name + ":" in low:
                assert low.endswith(name + ": <redacted>"), ln
