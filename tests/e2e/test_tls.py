"""End-to-end tests of vaultrun's transport: TLS verification (CA file, CA
directory, server name, expiry, client certificates, skip_verify) and unix://
addresses (a Vault Agent or Proxy listener), written from SPEC.md ("Vault
client behaviour") against the test server (vaultserver.py).

Certificates come from conftest's tls_certs (a CA, a server certificate for
127.0.0.1 and localhost, a client certificate) plus the ones made here with
openssl(1): a server certificate for another name, an expired one (signed
with `openssl ca -startdate/-enddate`, which OpenSSL 3.0 has; `x509
-not_after` arrived only in 3.4), and a second, unrelated CA.

The Vault-Agent-like case needs a listener that adds its own token to
requests that carry none (use_auto_auth_token); the test server always
answers 403 to a request without a token, so AgentProxy below is a small
unix-socket HTTP proxy that does what the Agent does and forwards to it.
"""

import http.client
import http.server
import os
import secrets
import shutil
import socketserver
import subprocess
import threading
import types

import pytest

from vaultserver import tls_server_context
from helpers import run_env, run_fails, val, write_manifest

POLICY = ["secret/data/app/*"]
WRONG_NAME = "wrong.example"


def stderr_has(res, *needles):
    return any(all(n in ln for n in needles) for ln in res.err_lines)


def seed(srv):
    """A fresh password at secret/app/db; returns it."""
    pw = val("pw")
    srv.put("secret", "app/db", {"password": pw})
    return pw


def kv_reads(srv):
    return [r for r in srv.requests if r.method == "GET" and r.path.startswith("/v1/secret/")]


INLINE = {"DB_PASSWORD": "vault:secret/app/db#password"}


# --------------------------------------------------------------------------
# certificates


@pytest.fixture(scope="session")
def more_certs(tls_certs, tmp_path_factory):
    """Certificates the conftest does not make: a server certificate for
    another name, an expired one (both signed by the test CA), a second CA
    and a server certificate signed by it, and a hashed CA directory."""
    d = tmp_path_factory.mktemp("tls-more")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_crt, ca_key = str(tls_certs.ca), str(tls_certs.dir / "ca.key")

    def sh(*args):
        p = subprocess.run(["openssl", *args], cwd=d, capture_output=True, text=True)
        assert p.returncode == 0, "openssl %s failed:\n%s" % (" ".join(args), p.stderr)

    # another name, signed by the test CA
    (d / "wrong.ext").write_text("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n"
                                 "extendedKeyUsage=serverAuth\n" % WRONG_NAME)
    sh("req", *key, "-keyout", "wrong.key", "-out", "wrong.csr", "-subj", "/CN=" + WRONG_NAME)
    sh("x509", "-req", "-in", "wrong.csr", "-CA", ca_crt, "-CAkey", ca_key, "-set_serial", "101",
       "-out", "wrong.crt", "-days", "2", "-extfile", "wrong.ext")

    # expired: valid on 1 and 2 January 2020 only, signed by the test CA
    (d / "index.txt").write_text("")
    (d / "serial").write_text("1001\n")
    (d / "ca.cnf").write_text(
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
        "default_md = sha256\npolicy = p\nunique_subject = no\ncopy_extensions = none\n"
        "[p]\ncommonName = supplied\n"
        "[ext]\nsubjectAltName = IP:127.0.0.1,DNS:localhost\nbasicConstraints = CA:FALSE\n"
        "extendedKeyUsage = serverAuth\n")
    sh("req", *key, "-keyout", "expired.key", "-out", "expired.csr", "-subj", "/CN=localhost")
    sh("ca", "-batch", "-config", "ca.cnf", "-cert", ca_crt, "-keyfile", ca_key,
       "-in", "expired.csr", "-out", "expired.crt", "-notext", "-extensions", "ext",
       "-startdate", "20200101000000Z", "-enddate", "20200102000000Z")

    # an unrelated CA and a server certificate (right name) signed by it
    sh("req", "-x509", *key, "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2",
       "-subj", "/CN=some other CA")
    (d / "other.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                 "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    sh("req", *key, "-keyout", "other.key", "-out", "other.csr", "-subj", "/CN=localhost")
    sh("x509", "-req", "-in", "other.csr", "-CA", "other-ca.crt", "-CAkey", "other-ca.key",
       "-set_serial", "202", "-out", "other.crt", "-days", "2", "-extfile", "other.ext")

    # a CA directory as VAULT_CAPATH wants it: <hash>.0 links
    capath = None
    cadir = d / "capath"
    cadir.mkdir()
    shutil.copy(ca_crt, cadir / "vaultrun-test-ca.pem")
    for cmd in (["openssl", "rehash", str(cadir)], ["c_rehash", str(cadir)]):
        if shutil.which(cmd[0]):
            subprocess.run(cmd, capture_output=True)
            if any(p.name.endswith(".0") for p in cadir.iterdir()):
                capath = cadir
                break
    for f in d.iterdir():
        if f.is_file():
            os.chmod(f, 0o600)
    return types.SimpleNamespace(
        dir=d, wrong_crt=d / "wrong.crt", wrong_key=d / "wrong.key",
        expired_crt=d / "expired.crt", expired_key=d / "expired.key",
        other_ca=d / "other-ca.crt", other_crt=d / "other.crt", other_key=d / "other.key",
        capath=capath)


@pytest.fixture
def tls_vault(vault_factory, tls_certs):
    """A TLS server with the test CA's certificate for 127.0.0.1/localhost."""
    return vault_factory(ssl_context=tls_server_context(str(tls_certs.server_crt),
                                                        str(tls_certs.server_key)))


def tls_env(srv, **extra):
    env = {"VAULT_ADDR": srv.url, "VAULT_TOKEN": srv.root_token}
    env.update(INLINE)
    env.update(extra)
    return env


# --------------------------------------------------------------------------
# trusting the server


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_vault_cacert(run, tls_vault, tls_certs, envdump, host):
    pw = seed(tls_vault)
    url = tls_vault.url.replace("127.0.0.1", host)
    assert url.startswith("https://")
    res, env = run_env(run, envdump, [], env=tls_env(tls_vault, VAULT_ADDR=url,
                                                      VAULT_CACERT=tls_certs.ca))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert len(kv_reads(tls_vault)) == 1


def test_ca_cert_in_manifest(run, tls_vault, tls_certs, manifest, envdump):
    pw = seed(tls_vault)
    m = write_manifest(manifest, "address = %s\nca_cert = %s\n" % (tls_vault.url, tls_certs.ca))
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_TOKEN": tls_vault.root_token})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw


@pytest.mark.parametrize("where", ["environment", "manifest"])
def test_ca_path(run, tls_vault, more_certs, manifest, envdump, where):
    if more_certs.capath is None:
        pytest.skip("neither `openssl rehash` nor c_rehash could hash the CA directory")
    pw = seed(tls_vault)
    env = {"VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token}
    if where == "environment":
        env["VAULT_CAPATH"] = more_certs.capath
        m = write_manifest(manifest)
    else:
        m = write_manifest(manifest, "ca_path = %s\n" % more_certs.capath)
    res, child = run_env(run, envdump, ["-f", m], env=env)
    assert res.rc == 0, res
    assert child["DB_PASSWORD"] == pw


def test_no_ca_is_69(run, tls_vault, envdump, time_limit):
    seed(tls_vault)
    res = run_fails(run, envdump, [], env=tls_env(tls_vault), rc=69)
    assert "certificate" in res.err.lower(), res
    assert kv_reads(tls_vault) == [] and tls_vault.request_count == 0
    # a verification failure is not a connection failure: no retries
    assert res.elapsed < time_limit(2), res


def test_wrong_ca_is_69(run, tls_vault, more_certs, envdump):
    seed(tls_vault)
    res = run_fails(run, envdump, [], env=tls_env(tls_vault, VAULT_CACERT=more_certs.other_ca), rc=69)
    assert "certificate" in res.err.lower(), res
    assert tls_vault.request_count == 0


def test_server_signed_by_other_ca_is_69(run, vault_factory, tls_certs, more_certs, envdump):
    srv = vault_factory(ssl_context=tls_server_context(str(more_certs.other_crt),
                                                       str(more_certs.other_key)))
    seed(srv)
    res, env = run_env(run, envdump, [], env=tls_env(srv, VAULT_CACERT=tls_certs.ca))
    assert res.rc == 69, res
    assert srv.request_count == 0


def test_cacert_env_beats_manifest(run, tls_vault, tls_certs, more_certs, manifest, envdump):
    pw = seed(tls_vault)
    m = write_manifest(manifest, "ca_cert = %s\n" % more_certs.other_ca)
    res, env = run_env(run, envdump, ["-f", m], env={
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token,
        "VAULT_CACERT": tls_certs.ca})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw


def test_missing_ca_file_fails(run, tls_vault, tmp_path, envdump):
    """A CA file that does not exist cannot verify anything: not a success."""
    seed(tls_vault)
    res, env = run_env(run, envdump, [], env=tls_env(tls_vault,
                                                      VAULT_CACERT=tmp_path / "no-such-ca.pem"))
    assert res.rc in (66, 69, 78), res
    assert env is None


# --------------------------------------------------------------------------
# names and dates


@pytest.fixture
def wrong_name_vault(vault_factory, more_certs):
    return vault_factory(ssl_context=tls_server_context(str(more_certs.wrong_crt),
                                                        str(more_certs.wrong_key)))


def test_wrong_name_is_69(run, wrong_name_vault, tls_certs, envdump):
    seed(wrong_name_vault)
    run_fails(run, envdump, [], env=tls_env(wrong_name_vault, VAULT_CACERT=tls_certs.ca), rc=69)
    assert wrong_name_vault.request_count == 0


def test_tls_server_name_env(run, wrong_name_vault, tls_certs, envdump):
    pw = seed(wrong_name_vault)
    res, env = run_env(run, envdump, [], env=tls_env(
        wrong_name_vault, VAULT_CACERT=tls_certs.ca, VAULT_TLS_SERVER_NAME=WRONG_NAME))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert len(kv_reads(wrong_name_vault)) == 1


def test_tls_server_name_in_manifest(run, wrong_name_vault, tls_certs, manifest, envdump):
    pw = seed(wrong_name_vault)
    m = write_manifest(manifest, "tls_server_name = %s\nca_cert = %s\n" % (WRONG_NAME, tls_certs.ca))
    res, env = run_env(run, envdump, ["-f", m], env={
        "VAULT_ADDR": wrong_name_vault.url, "VAULT_TOKEN": wrong_name_vault.root_token})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw


def test_tls_server_name_with_login_and_revoke(run, wrong_name_vault, tls_certs, envdump):
    """The server name applies to every request: login, preflight, read, revoke."""
    pw = seed(wrong_name_vault)
    rid, sid = "role-" + secrets.token_hex(6), "sid-" + secrets.token_hex(10)
    wrong_name_vault.add_approle(rid, sid, policies=POLICY)
    env = {"VAULT_ADDR": wrong_name_vault.url, "VAULT_CACERT": tls_certs.ca,
           "VAULT_TLS_SERVER_NAME": WRONG_NAME, "VAULT_ROLE_ID": rid, "VAULT_SECRET_ID": sid}
    env.update(INLINE)
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 0, res
    assert child["DB_PASSWORD"] == pw
    (tok,) = wrong_name_vault.minted_tokens
    assert wrong_name_vault.revocations == {tok: 1}


def test_tls_server_name_that_does_not_match_is_69(run, tls_vault, tls_certs, envdump):
    """The server's certificate is for 127.0.0.1/localhost; asking for
    wrong.example must fail verification even though the address matches."""
    seed(tls_vault)
    res, env = run_env(run, envdump, [], env=tls_env(
        tls_vault, VAULT_CACERT=tls_certs.ca, VAULT_TLS_SERVER_NAME=WRONG_NAME))
    assert res.rc == 69, res
    assert tls_vault.request_count == 0


def test_expired_certificate_is_69(run, vault_factory, tls_certs, more_certs, envdump):
    srv = vault_factory(ssl_context=tls_server_context(str(more_certs.expired_crt),
                                                       str(more_certs.expired_key)))
    seed(srv)
    res = run_fails(run, envdump, [], env=tls_env(srv, VAULT_CACERT=tls_certs.ca), rc=69)
    assert "expired" in res.err.lower(), res
    assert srv.request_count == 0


# --------------------------------------------------------------------------
# skip_verify


def test_skip_verify_env_works_and_warns_every_run(run, tls_vault, envdump):
    pw = seed(tls_vault)
    for _ in range(2):
        res, env = run_env(run, envdump, [], env=tls_env(tls_vault, VAULT_SKIP_VERIFY="true"))
        assert res.rc == 0, res
        assert env["DB_PASSWORD"] == pw
        assert res.err.strip(), "no warning that verification is off"
        assert "verif" in res.err.lower(), res
        envdump.path.unlink()


@pytest.mark.parametrize("value", ["1", "TRUE", "t"])
def test_skip_verify_env_spellings(run, tls_vault, envdump, value):
    """Vault's CLI parses VAULT_SKIP_VERIFY with strconv.ParseBool."""
    pw = seed(tls_vault)
    res, env = run_env(run, envdump, [], env=tls_env(tls_vault, VAULT_SKIP_VERIFY=value))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert "verif" in res.err.lower(), res


def test_skip_verify_expired_and_wrong_name(run, vault_factory, more_certs, envdump):
    for crt, key in ((more_certs.expired_crt, more_certs.expired_key),
                     (more_certs.wrong_crt, more_certs.wrong_key)):
        srv = vault_factory(ssl_context=tls_server_context(str(crt), str(key)))
        pw = seed(srv)
        res, env = run_env(run, envdump, [], env=tls_env(srv, VAULT_SKIP_VERIFY="true"))
        assert res.rc == 0, res
        assert env["DB_PASSWORD"] == pw
        envdump.path.unlink()


def test_skip_verify_in_manifest_works_and_warns(run, tls_vault, manifest, envdump):
    pw = seed(tls_vault)
    m = write_manifest(manifest, "skip_verify = true\n")
    for _ in range(2):
        res, env = run_env(run, envdump, ["-f", m], env={
            "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token})
        assert res.rc == 0, res
        assert env["DB_PASSWORD"] == pw
        assert "verif" in res.err.lower(), res
        envdump.path.unlink()


def test_skip_verify_env_false_beats_manifest(run, tls_vault, manifest, envdump):
    seed(tls_vault)
    m = write_manifest(manifest, "skip_verify = true\n")
    run_fails(run, envdump, ["-f", m], env={
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token,
        "VAULT_SKIP_VERIFY": "false"}, rc=69)


def test_skip_verify_false_verifies(run, tls_vault, tls_certs, envdump):
    pw = seed(tls_vault)
    res, env = run_env(run, envdump, [], env=tls_env(tls_vault, VAULT_SKIP_VERIFY="false",
                                                      VAULT_CACERT=tls_certs.ca))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert "verif" not in res.err.lower(), res


def test_skip_verify_invalid_env_is_78(run, tls_vault, envdump):
    res = run_fails(run, envdump, [], env=tls_env(tls_vault, VAULT_SKIP_VERIFY="maybe"), rc=78)
    assert "VAULT_SKIP_VERIFY" in res.err
    assert tls_vault.request_count == 0


def test_skip_verify_invalid_manifest_is_78(run, tls_vault, manifest, envdump):
    m = write_manifest(manifest, "skip_verify = maybe\n")
    res, env = run_env(run, envdump, ["-f", m], env={
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token})
    assert res.rc == 78, res
    assert "skip_verify" in res.err
    assert tls_vault.request_count == 0


# --------------------------------------------------------------------------
# client certificates (mutual TLS) for plain token reads


@pytest.fixture
def mtls_vault(vault_factory, tls_certs):
    return vault_factory(ssl_context=tls_server_context(
        str(tls_certs.server_crt), str(tls_certs.server_key),
        client_ca=str(tls_certs.ca), require_client_cert=True))


def test_client_certificate_env(run, mtls_vault, tls_certs, envdump):
    pw = seed(mtls_vault)
    res, env = run_env(run, envdump, [], env=tls_env(
        mtls_vault, VAULT_CACERT=tls_certs.ca, VAULT_CLIENT_CERT=tls_certs.client_crt,
        VAULT_CLIENT_KEY=tls_certs.client_key))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    reads = kv_reads(mtls_vault)
    assert reads and all(r.peer_cert for r in reads)


def test_client_certificate_required_but_missing_is_69(run, mtls_vault, tls_certs, envdump):
    seed(mtls_vault)
    run_fails(run, envdump, [], env=tls_env(mtls_vault, VAULT_CACERT=tls_certs.ca,
                                             VAULT_MAX_RETRIES="1"), rc=69)
    assert mtls_vault.request_count == 0


def test_client_key_file_missing_fails(run, mtls_vault, tls_certs, tmp_path, envdump):
    seed(mtls_vault)
    res, env = run_env(run, envdump, [], env=tls_env(
        mtls_vault, VAULT_CACERT=tls_certs.ca, VAULT_CLIENT_CERT=tls_certs.client_crt,
        VAULT_CLIENT_KEY=tmp_path / "no-such.key", VAULT_MAX_RETRIES="0"))
    assert res.rc in (66, 69, 78), res
    assert env is None


# --------------------------------------------------------------------------
# unix:// addresses and a Vault-Agent-like listener


@pytest.fixture
def sock_dir(tmp_path):
    return tmp_path


def test_vault_addr_unix_socket(run, vault_factory, sock_dir, envdump):
    srv = vault_factory(unix_path=str(sock_dir / "vault.sock"))
    pw = seed(srv)
    assert srv.url.startswith("unix:///")
    res, env = run_env(run, envdump, [], env=tls_env(srv))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw
    assert len(kv_reads(srv)) == 1


def test_agent_addr_unix_beats_closed_vault_addr(run, vault_factory, sock_dir, closed_url, envdump):
    srv = vault_factory(unix_path=str(sock_dir / "agent.sock"))
    pw = seed(srv)
    res, env = run_env(run, envdump, [], env=tls_env(srv, VAULT_ADDR=closed_url,
                                                      VAULT_AGENT_ADDR=srv.url))
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw


def test_agent_addr_beats_manifest_address(run, vault_factory, sock_dir, closed_url,
                                           manifest, envdump):
    srv = vault_factory(unix_path=str(sock_dir / "agent.sock"))
    pw = seed(srv)
    m = write_manifest(manifest, "address = %s\n" % closed_url)
    res, env = run_env(run, envdump, ["-f", m], env={
        "VAULT_AGENT_ADDR": srv.url, "VAULT_TOKEN": srv.root_token})
    assert res.rc == 0, res
    assert env["DB_PASSWORD"] == pw


def test_unix_socket_approle_login_and_revoke(run, vault_factory, sock_dir, envdump):
    srv = vault_factory(unix_path=str(sock_dir / "agent.sock"))
    pw = seed(srv)
    rid, sid = "role-" + secrets.token_hex(6), "sid-" + secrets.token_hex(10)
    srv.add_approle(rid, sid, policies=POLICY)
    env = {"VAULT_AGENT_ADDR": srv.url, "VAULT_ROLE_ID": rid, "VAULT_SECRET_ID": sid}
    env.update(INLINE)
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 0, res
    assert child["DB_PASSWORD"] == pw
    (tok,) = srv.minted_tokens
    assert srv.revocations == {tok: 1}


def test_unix_socket_missing_is_69(run, sock_dir, envdump):
    run_fails(run, envdump, [], env=tls_env(
        types.SimpleNamespace(url="unix://%s" % (sock_dir / "nobody.sock"), root_token="t-x"),
        VAULT_MAX_RETRIES="0"), rc=69)


@pytest.mark.parametrize("addr", ["unix://relative.sock", "unix:relative.sock"])
def test_unix_relative_path_is_78(run, envdump, addr):
    res, env = run_env(run, envdump, [], env={"VAULT_ADDR": addr, "VAULT_TOKEN": "t-x",
                                              **INLINE})
    assert res.rc == 78, res


def test_unix_socket_no_token_real_vault_is_77(run, vault_factory, sock_dir, envdump):
    """No token configured and a listener that does not add one: 403, 77."""
    srv = vault_factory(unix_path=str(sock_dir / "vault.sock"))
    seed(srv)
    env = {"VAULT_AGENT_ADDR": srv.url}
    env.update(INLINE)
    res, child = run_env(run, envdump, [], env=env)
    assert res.rc == 77, res
    assert child is None
    assert all(r.token is None for r in srv.requests)


class AgentProxy:
    """A unix-socket listener like Vault Agent's with use_auto_auth_token:
    requests without X-Vault-Token get the agent's token and are forwarded
    to the (TCP) upstream server; requests with a token pass unchanged.
    .seen lists (method, path, had_token) as the client sent them."""

    def __init__(self, path, upstream, token):
        self.path, self.token = str(path), token
        host, port = upstream.address
        self.seen = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def address_string(self):
                return "unix"

            def _forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length",
                                                "transfer-encoding", "expect")}
                had = any(k.lower() == "x-vault-token" for k in headers)
                proxy.seen.append((self.command, self.path, had))
                if not had:
                    headers["X-Vault-Token"] = proxy.token
                c = http.client.HTTPConnection(host, port, timeout=10)
                try:
                    c.request(self.command, self.path, body=body, headers=headers)
                    r = c.getresponse()
                    data = r.read()
                    self.send_response(r.status)
                    for k, v in r.getheaders():
                        if k.lower() not in ("connection", "content-length",
                                             "transfer-encoding", "date", "server"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    c.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _forward

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        if os.path.exists(self.path):
            os.unlink(self.path)
        self.server = Server(self.path, Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "unix://" + self.path

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def agent(vault, sock_dir):
    """(upstream server, AgentProxy) with an agent token that may read secret/app/*."""
    tok = vault.add_token(policies=POLICY)
    a = AgentProxy(sock_dir / "agent.sock", vault, tok)
    yield vault, a
    a.stop()


def test_agent_auto_auth_no_token_configured(run, agent, envdump):
    """Token auth with no token anywhere: vaultrun sends none, the agent adds
    its own, the reads succeed, nothing is logged in or revoked."""
    upstream, a = agent
    pw = seed(upstream)
    env = {"VAULT_AGENT_ADDR": a.url}
    env.update(INLINE)
    res, child = run_env(run, envdump, ["-v"], env=env)
    assert res.rc == 0, res
    assert child["DB_PASSWORD"] == pw
    assert a.seen, "nothing went through the agent"
    assert not any(had for _, _, had in a.seen), "vaultrun sent a token of its own"
    assert any(p.startswith("/v1/secret/data/app/db") for _, p, _ in a.seen)
    assert upstream.revocations == {} and upstream.minted_tokens == []
    assert all(r.token == a.token for r in upstream.requests)
    assert "VAULT_TOKEN" not in child


def test_agent_auto_auth_with_manifest_and_closed_vault_addr(run, agent, closed_url,
                                                             manifest, envdump):
    upstream, a = agent
    pw = seed(upstream)
    m = write_manifest(manifest, "address = %s\n" % closed_url)
    res, child = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": closed_url,
                                                      "VAULT_AGENT_ADDR": a.url})
    assert res.rc == 0, res
    assert child["DB_PASSWORD"] == pw
