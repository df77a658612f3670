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

import base64
import json
import http.client
import os
import pathlib
import re
import secrets
import select
import shutil
import socket
import socketserver
import subprocess
import threading

import pytest

from conftest import VALGRIND
from helpers import err_line, kv_reads, run_env, seed, val
from vaultserver import tls_server_context

INLINE = {"DB_PASSWORD": "vault:secret/app/db#password"}
MAKEFILE = pathlib.Path(__file__).resolve().parents[2] / "Makefile"
VERSION = re.search(r"^VERSION\s*=\s*(\S+)", MAKEFILE.read_text(), re.M).group(1)


def read_ok(run, envdump, srv, env, args=()):
    """Seed srv, run with env plus the inline reference, check that the
    command got the password; returns (result, child environment)."""
    pw = seed(srv)
    res, child = run_env(run, envdump, list(args), env={**INLINE, **env})
    assert res.rc == 0, res
    assert child["DB_PASSWORD"] == pw
    return res, child


# --------------------------------------------------------------------------
# OpenBao's names


def test_bao_addr_and_token_alone(run, vault, envdump):
    res, env = read_ok(run, envdump, vault, {"BAO_ADDR": vault.url,
                                               "BAO_TOKEN": vault.root_token}, [])
    assert all(r.token == vault.root_token for r in vault.requests)


@pytest.mark.parametrize("addr", ["BAO_ADDR", "BAO_AGENT_ADDR"])
def test_bao_names_win_over_vault_names(run, vault, closed_url, envdump, addr):
    res, env = read_ok(run, envdump, vault, {
        addr: vault.url, "VAULT_ADDR": closed_url,
        "BAO_TOKEN": vault.root_token, "VAULT_TOKEN": "hvs.not-the-token"}, [])
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
    rid, sid = "role-" + secrets.token_hex(6), "sid-" + secrets.token_hex(10)
    vault.add_approle(rid, sid, policies=["secret/data/app/*"])
    res, env = read_ok(run, envdump, vault, {
        "BAO_ADDR": vault.url, "BAO_ROLE_ID": rid, "BAO_SECRET_ID": sid,
        "VAULT_ROLE_ID": "not-the-role"}, [])
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
    (run.home / ".vault-token").write_text("hvs.stale-token\n")
    os.chmod(run.home / ".vault-token", 0o600)
    tok = secret_file("bao-token", vault.root_token + "\n")
    res, env = read_ok(run, envdump, vault, {"VAULT_ADDR": vault.url,
                                                   "BAO_TOKEN_PATH": tok}, ["-v"])
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


# --------------------------------------------------------------------------
# proxies


class LoggingProxy:
    """An HTTP proxy on 127.0.0.1 that forwards every request to upstream
    ((host, port)), whatever host it names: requests in absolute form are
    replayed with http.client, CONNECT opens a tunnel.  .seen lists
    (method, target, Proxy-Authorization or None) in arrival order."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.seen = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while self.one():
                    pass

            def one(self):
                line = self.rfile.readline(65537).decode("latin-1")
                if not line.strip():
                    return False
                method, target, _ = line.split(" ", 2)
                headers = []
                while True:
                    h = self.rfile.readline(65537).decode("latin-1")
                    if h in ("\r\n", "\n", ""):
                        break
                    k, _, v = h.partition(":")
                    headers.append((k.strip(), v.strip()))
                auth = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
                proxy.seen.append((method, target, auth))
                if method == "CONNECT":
                    self.tunnel()
                    return False
                return self.forward(method, target, headers)

            def tunnel(self):
                up = socket.create_connection(proxy.upstream, timeout=10)
                self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.wfile.flush()
                socks = [self.connection, up]
                try:
                    while True:
                        r, _, _ = select.select(socks, [], [], 10)
                        if not r:
                            return
                        for s in r:
                            data = s.recv(65536)
                            if not data:
                                return
                            (up if s is self.connection else self.connection).sendall(data)
                finally:
                    up.close()

            def forward(self, method, target, headers):
                path = "/" + target.split("://", 1)[-1].partition("/")[2]
                n = int(next((v for k, v in headers if k.lower() == "content-length"), 0))
                body = self.rfile.read(n) if n else None
                keep = {k: v for k, v in headers if k.lower() not in (
                    "host", "connection", "proxy-connection", "proxy-authorization",
                    "content-length")}
                c = http.client.HTTPConnection(*proxy.upstream, timeout=10)
                try:
                    c.request(method, path, body=body, headers=keep)
                    r = c.getresponse()
                    data = r.read()
                finally:
                    c.close()
                out = ["HTTP/1.1 %d %s" % (r.status, r.reason)]
                out += ["%s: %s" % (k, v) for k, v in r.getheaders()
                        if k.lower() not in ("connection", "content-length", "transfer-encoding")]
                out += ["Content-Length: %d" % len(data), "", ""]
                self.wfile.write("\r\n".join(out).encode("latin-1") + data)
                self.wfile.flush()
                return True

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy_for():
    made = []

    def make(srv):
        p = LoggingProxy(srv.address)
        made.append(p)
        return p
    yield make
    for p in made:
        p.stop()


@pytest.fixture
def tls_vault(vault_factory, tls_certs):
    return vault_factory(ssl_context=tls_server_context(str(tls_certs.server_crt),
                                                        str(tls_certs.server_key)))


def named(srv, host="vault.invalid"):
    """srv's URL with a host name that resolves nowhere: only a proxy that
    forwards it to srv can reach it."""
    return srv.url.replace("127.0.0.1", host)


def every_proxy(p):
    return {"HTTPS_PROXY": p.url, "HTTP_PROXY": p.url, "https_proxy": p.url,
            "http_proxy": p.url, "ALL_PROXY": p.url, "all_proxy": p.url}


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_env_proxies_never_apply_to_loopback(run, vault, proxy_for, envdump, host):
    """Before: a token for an agent on 127.0.0.1 went through HTTP_PROXY."""
    p = proxy_for(vault)
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": named(vault, host), "VAULT_TOKEN": vault.root_token,
        **every_proxy(p)}, ["-v"])
    assert p.seen == []
    assert "vaultrun: proxy: none (HTTP_PROXY does not apply to a loopback address)" \
        in res.err_lines, res


def test_https_proxy_never_applies_to_loopback_tls(run, tls_vault, tls_certs, proxy_for, envdump):
    p = proxy_for(tls_vault)
    res, env = read_ok(run, envdump, tls_vault, {
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token,
        "VAULT_CACERT": tls_certs.ca, **every_proxy(p)}, [])
    assert p.seen == []


@pytest.mark.parametrize("var", ["HTTP_PROXY", "http_proxy"])
def test_http_proxy_for_a_remote_http_address(run, vault, proxy_for, envdump, var):
    p = proxy_for(vault)
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": named(vault), "VAULT_TOKEN": vault.root_token,
        var: p.url, "HTTPS_PROXY": "http://127.0.0.1:9"}, ["-v"])
    assert len(p.seen) == vault.request_count > 0
    assert all(m == "GET" and t.startswith(named(vault) + "/v1/") for m, t, _ in p.seen), p.seen
    assert "vaultrun: proxy: %s (from %s)" % (p.url, var) in res.err_lines, res


def test_https_proxy_tunnels_a_remote_https_address(run, tls_vault, proxy_for, envdump):
    p = proxy_for(tls_vault)
    host = named(tls_vault).split("://")[1]
    res, env = read_ok(run, envdump, tls_vault, {
        "VAULT_ADDR": named(tls_vault), "VAULT_TOKEN": tls_vault.root_token,
        "VAULT_SKIP_VERIFY": "true", "HTTPS_PROXY": p.url,
        "HTTP_PROXY": "http://127.0.0.1:9"}, [])
    assert p.seen and all(s == ("CONNECT", host, None) for s in p.seen), p.seen
    assert len(kv_reads(tls_vault)) == 1


@pytest.mark.parametrize("no_proxy", ["vault.invalid", ".invalid", "*", "x, vault.invalid:%d"])
def test_no_proxy_names_the_host(run, vault, proxy_for, envdump, no_proxy):
    seed(vault)
    p = proxy_for(vault)
    res, env = run_env(run, envdump, ["-v"], env={
        "VAULT_ADDR": named(vault), "VAULT_TOKEN": vault.root_token,
        "HTTP_PROXY": p.url, "NO_PROXY": no_proxy.replace("%d", str(vault.port)),
        "VAULT_MAX_RETRIES": "0", **INLINE})
    assert res.rc == 69, res  # direct: vault.invalid does not resolve
    assert env is None
    assert p.seen == []
    assert "vaultrun: proxy: none (HTTP_PROXY does not apply to a host NO_PROXY names)" \
        in res.err_lines, res


def test_all_proxy_never_applies(run, vault, proxy_for, envdump):
    seed(vault)
    p = proxy_for(vault)
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": named(vault), "VAULT_TOKEN": vault.root_token,
        "ALL_PROXY": p.url, "all_proxy": p.url, "VAULT_MAX_RETRIES": "0", **INLINE})
    assert res.rc == 69, res
    assert p.seen == []


@pytest.mark.parametrize("var", ["VAULT_PROXY_ADDR", "VAULT_HTTP_PROXY", "BAO_PROXY_ADDR"])
def test_vault_proxy_applies_to_every_request(run, vault, proxy_for, envdump, var):
    """Loopback and NO_PROXY included, as in Vault's client."""
    p = proxy_for(vault)
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token, var: p.url,
        "NO_PROXY": "*", "HTTP_PROXY": "http://127.0.0.1:9"}, [])
    assert len(p.seen) == vault.request_count > 0


def test_vault_proxy_addr_beats_vault_http_proxy(run, vault, proxy_for, closed_url, envdump):
    p = proxy_for(vault)
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_PROXY_ADDR": p.url, "VAULT_HTTP_PROXY": closed_url}, [])
    assert p.seen


def test_vault_proxy_tunnels_https_and_verifies(run, tls_vault, tls_certs, proxy_for, envdump):
    p = proxy_for(tls_vault)
    res, env = read_ok(run, envdump, tls_vault, {
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token,
        "VAULT_CACERT": tls_certs.ca, "VAULT_PROXY_ADDR": p.url}, [])
    assert p.seen and all(m == "CONNECT" for m, _, _ in p.seen), p.seen


def test_proxy_credentials_are_used_and_masked(run, vault, proxy_for, envdump):
    p = proxy_for(vault)
    secret = "proxy-pw-" + secrets.token_hex(6)
    run.forbid(secret)
    url = p.url.replace("http://", "http://svc:%s@" % secret)
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_PROXY_ADDR": url}, ["-v"])
    want = "Basic " + base64.b64encode(("svc:" + secret).encode()).decode()
    assert p.seen and all(a == want for _, _, a in p.seen), p.seen
    assert "vaultrun: proxy: %s (from VAULT_PROXY_ADDR)" % url.replace(secret, "****") \
        in res.err_lines, res


def test_unix_socket_is_never_proxied(run, vault_factory, tmp_path, proxy_for, envdump):
    srv = vault_factory(unix_path=str(tmp_path / "agent.sock"))
    tcp = vault_factory()
    p = proxy_for(tcp)
    res, env = read_ok(run, envdump, srv, {
        "VAULT_AGENT_ADDR": srv.url, "VAULT_TOKEN": srv.root_token,
        "VAULT_PROXY_ADDR": p.url, **every_proxy(p)}, [])
    assert p.seen == []


# --------------------------------------------------------------------------
# VAULT_CLIENT_TIMEOUT, VAULT_RATE_LIMIT, VAULT_SRV_LOOKUP


@pytest.mark.timing
@pytest.mark.parametrize("value", ["1", "1s", "1000ms"])
def test_client_timeout_retries_a_slow_attempt(run, vault, envdump, value):
    """The first read takes 20 s; with a 1 s client timeout the attempt is
    cut off and retried, and the retry is answered at once."""
    vault.add_fault("GET", "secret/data/app/db", times=1, action="delay", seconds=20)
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_CLIENT_TIMEOUT": value}, ["-vv"])
    assert len(kv_reads(vault)) == 2
    assert err_line(res, "GET /v1/secret/data/app/db: retrying in"), res
    # the bound: one 1 s timeout plus a short backoff, far below the 20 s delay
    assert res.elapsed < 10, res


def test_client_timeout_when_retries_run_out(run, vault, envdump):
    seed(vault)
    vault.add_fault("GET", "secret/data/app/db", action="delay", seconds=20)
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_CLIENT_TIMEOUT": "0.5s", "VAULT_MAX_RETRIES": "1", **INLINE})
    assert res.rc == 69, res
    assert env is None
    assert len(kv_reads(vault)) == 2
    assert res.err_lines == [
        "vaultrun: environment: DB_PASSWORD: secret/app/db#password: no answer within "
        "0.5 s (VAULT_CLIENT_TIMEOUT) after 2 attempts"], res


def test_deadline_beats_client_timeout(run, vault, envdump):
    """-t with the default 60 s client timeout: the deadline, 75."""
    seed(vault)
    # The deadline must leave the run time to send its read: 1 s is plenty
    # natively; valgrind's start-up on a loaded machine took more than 1 s
    # (no read was made), so 10 s there.  The answer is held 20 deadlines.
    deadline = 10 if VALGRIND else 1
    vault.add_fault("GET", "secret/data/app/db", action="delay", seconds=20 * deadline)
    res, env = run_env(run, envdump, ["-t", str(deadline)], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token, **INLINE})
    assert res.rc == 75, res
    assert len(kv_reads(vault)) == 1


@pytest.mark.parametrize("value", ["soon", "-1", "1.5"])
def test_client_timeout_invalid_is_78(run, vault, envdump, value):
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_CLIENT_TIMEOUT": value, **INLINE})
    assert res.rc == 78, res
    assert res.err_lines == ["vaultrun: VAULT_CLIENT_TIMEOUT: expected seconds or a "
                             "duration such as 30s or 1m30s"]
    assert vault.request_count == 0


def read_many(run, vault, manifest, envdump, n, limit):
    """Read n secrets (no mount detection) under VAULT_RATE_LIMIT=limit."""
    lines = []
    for i in range(n):
        vault.put("secret", "app/s%d" % i, {"value": val()})
        lines.append("S%d = secret/app/s%d" % (i, i))
    m = manifest("[mounts]\nsecret = 2\n[env]\n" + "\n".join(lines) + "\n")
    res, env = run_env(run, envdump, ["-f", m], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_RATE_LIMIT": limit})
    assert res.rc == 0, res
    return res


def test_rate_limit_spaces_requests(run, vault, manifest, envdump):
    """8 reads at 10 a second with a burst of 1 take at least 0.7 s.

    The run's own wall time is the bound that load cannot break: the eighth
    request is sent 0.7 s after the first at the earliest, and a busy machine
    only delays it.  The server's arrival times are not: a server thread held
    off the CPU reads two requests back to back (a loaded valgrind run saw a
    gap under 0.05 s), so they are only checked for a span well over a burst's
    (the first arrival may be late by the server's scheduling; the spacing
    itself is unit-tested in tests/unit/test_ratelimit.c)."""
    res = read_many(run, vault, manifest, envdump, 8, "10:1")
    assert res.elapsed >= 0.7, res
    times = sorted(r.time for r in vault.requests)
    assert len(times) == 8
    assert times[-1] - times[0] >= 0.4, times


def test_rate_limit_burst_goes_at_once(run, vault, manifest, envdump, time_limit):
    res = read_many(run, vault, manifest, envdump, 4, "0.1:4")
    # at 0.1 a second a fifth request would wait 10 s; four fit the burst
    assert res.elapsed < time_limit(5), res


@pytest.mark.parametrize("value", ["0", "x", "10:0", "10:many"])
def test_rate_limit_invalid_is_78(run, vault, envdump, value):
    res, env = run_env(run, envdump, [], env={
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
        "VAULT_RATE_LIMIT": value, **INLINE})
    assert res.rc == 78, res
    assert res.err_lines == ["vaultrun: VAULT_RATE_LIMIT: expected requests per second and "
                             "an optional burst, such as 10 or 10:20"]


@pytest.mark.parametrize("var", ["VAULT_SRV_LOOKUP", "BAO_SRV_LOOKUP"])
def test_srv_lookup_is_warned_about(run, vault, envdump, var):
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token, var: "true"})
    assert res.err_lines == ["vaultrun: %s is not supported: ignoring it (the address is "
                             "used as given)" % var]
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token, var: "true"}, ["-q"])
    assert res.err_lines == []
    res, env = read_ok(run, envdump, vault, {
        "VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token, var: "false"})
    assert res.err_lines == []


# --------------------------------------------------------------------------
# identification


def test_user_agent_on_every_request(run, vault, envdump):
    """Preflight, read, login and revoke-self: every request says who sends it."""
    rid, sid = "role-" + secrets.token_hex(6), "sid-" + secrets.token_hex(10)
    vault.add_approle(rid, sid, policies=["secret/data/app/*", "sys/internal/ui/mounts/*"])
    read_ok(run, envdump, vault, {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": rid,
                                  "VAULT_SECRET_ID": sid})
    paths = {r.path for r in vault.requests}
    assert {"/v1/auth/approle/login", "/v1/auth/token/revoke-self",
            "/v1/secret/data/app/db"} <= paths, paths
    assert {r.headers.get("user-agent") for r in vault.requests} == {"vaultrun/" + VERSION}


def test_user_agent_through_a_proxy(run, vault, proxy_for, envdump):
    p = proxy_for(vault)
    read_ok(run, envdump, vault, {"VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token,
                                  "VAULT_PROXY_ADDR": p.url})
    assert p.seen
    assert {r.headers.get("user-agent") for r in vault.requests} == {"vaultrun/" + VERSION}


def test_version_names_libcurl_tls_and_http2(run):
    res = run(["--version"])
    assert res.rc == 0, res
    assert res.err == ""
    lines = res.out_lines
    assert len(lines) == 4, res
    assert lines[0] == "vaultrun " + VERSION
    assert re.fullmatch(r"libcurl \d+\.\d+\.\d+\S*", lines[1]), lines
    assert re.fullmatch(r"TLS: \S+/\S+|TLS: none", lines[2]), lines
    assert re.fullmatch(r"HTTP/2: (yes \(nghttp2/\d+\.\d+\.\d+\)|yes|no)", lines[3]), lines
    # the library this binary runs with, as curl(1) reports the same one
    curl = shutil.which("curl")
    if curl:
        first = subprocess.run([curl, "--version"], capture_output=True, text=True).stdout
        libcurl = re.search(r"libcurl/(\S+)", first).group(1)
        if libcurl == lines[1].split()[1]:
            assert lines[2].split()[1] in first, (lines, first)
            assert ("nghttp2/" in first) == lines[3].startswith("HTTP/2: yes"), (lines, first)


# --------------------------------------------------------------------------
# messages that say what to do


def test_verbose_names_the_address_and_its_source(run, vault, manifest, closed_url, envdump):
    token = {"VAULT_TOKEN": vault.root_token}
    for env, source in (({"VAULT_ADDR": vault.url}, "VAULT_ADDR"),
                        ({"BAO_ADDR": vault.url, "VAULT_ADDR": closed_url}, "BAO_ADDR"),
                        ({"VAULT_AGENT_ADDR": vault.url, "VAULT_ADDR": closed_url},
                         "VAULT_AGENT_ADDR")):
        res, _ = read_ok(run, envdump, vault, {**env, **token}, ["-v"])
        assert "vaultrun: address: %s (from %s)" % (vault.url, source) in res.err_lines, res
        envdump.path.unlink()
    m = manifest("[vault]\naddress = %s\n[env]\nDB_PASSWORD = secret/app/db#password\n" % vault.url)
    res, _ = read_ok(run, envdump, vault, token, ["-v", "-f", m])
    assert "vaultrun: address: %s (from the manifest, %s:2)" % (vault.url, m) in res.err_lines, res


def test_verbose_names_http_and_tls_versions(run, vault, tls_vault, tls_certs, envdump):
    res, _ = read_ok(run, envdump, vault, {"VAULT_ADDR": vault.url,
                                           "VAULT_TOKEN": vault.root_token}, ["-v"])
    assert "vaultrun: connection: HTTP/1.1, no TLS" in res.err_lines, res
    envdump.path.unlink()
    res, _ = read_ok(run, envdump, tls_vault, {
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token,
        "VAULT_CACERT": tls_certs.ca}, ["-v"])
    lines = [ln for ln in res.err_lines if ln.startswith("vaultrun: connection: ")]
    assert len(lines) == 1 and re.fullmatch(r"vaultrun: connection: HTTP/(1\.1|2), TLSv1\.[23]",
                                            lines[0]), res


def test_verbose_names_http2(run, vault, tls_certs, envdump):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        pytest.skip("nginx is not installed")
    front = nginx_front(vault, tls_certs, nginx)
    try:
        res, _ = read_ok(run, envdump, vault, {
            "VAULT_ADDR": front.url, "VAULT_TOKEN": vault.root_token,
            "VAULT_CACERT": tls_certs.ca}, ["-v"])
    finally:
        front.stop()
    lines = [ln for ln in res.err_lines if ln.startswith("vaultrun: connection: ")]
    assert len(lines) == 1 and re.fullmatch(r"vaultrun: connection: HTTP/2, TLSv1\.[23]",
                                            lines[0]), res


def nginx_front(vault, tls_certs, nginx):
    """nginx with TLS and HTTP/2 in front of vault (the bench's front)."""
    import sys
    sys.path.insert(0, str(MAKEFILE.parent / "tests" / "bench"))
    from nginxfront import NginxFront
    front = NginxFront(vault.port, tls_certs.server_crt, tls_certs.server_key, nginx=nginx)
    front.start()
    return front


def mounts_manifest(manifest):
    return manifest("[mounts]\nsecret = 2\n[env]\nDB_PASSWORD = secret/app/db#password\n")


def wrong_scheme(run, envdump, manifest, url, token, problem, other):
    """Run against url (the address with the wrong scheme): 78, one line
    naming the problem and the address with the other scheme."""
    m = mounts_manifest(manifest)
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": url, "VAULT_TOKEN": token})
    assert res.rc == 78, res
    assert res.err_lines == ["vaultrun: %s:4: DB_PASSWORD: secret/app/db#password: %s %s: "
                             "the address is %s" % (m, url, problem, other)], res
    return res


def test_https_answered_in_plain_http(run, vault, manifest, envdump, time_limit):
    """Before: "SSL connect error ... wrong version number" (69)."""
    seed(vault)
    res = wrong_scheme(run, envdump, manifest, vault.url.replace("http://", "https://"),
                       vault.root_token, "answered in plain HTTP, not TLS", vault.url)
    assert res.elapsed < time_limit(5), res  # not retried: no backoff


TLS_PORT = "is a TLS port (the server asked for https)"


def test_http_to_a_tls_port(run, tls_vault, manifest, envdump):
    """Vault's TLS listener answers plain HTTP with Go's 400 (the test server
    does the same).  Before: 76 "unexpected answer (HTTP 400)"; against a
    server that only closes, "Empty reply from server" after 6 attempts."""
    seed(tls_vault)
    wrong_scheme(run, envdump, manifest, tls_vault.url.replace("https://", "http://"),
                 tls_vault.root_token, TLS_PORT, tls_vault.url)


def test_http_to_nginx_tls_port(run, vault, tls_certs, manifest, envdump):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        pytest.skip("nginx is not installed")
    seed(vault)
    front = nginx_front(vault, tls_certs, nginx)
    try:
        wrong_scheme(run, envdump, manifest, front.url.replace("https://", "http://"),
                     vault.root_token, TLS_PORT, front.url)
    finally:
        front.stop()
    assert vault.request_count == 0


# --------------------------------------------------------------------------
# an address that cannot be reached: said once, then the variables it failed

UNREACHABLE_MANIFEST = ("[mounts]\nsecret = 2\ndatabase = dynamic\n[env]\n"
                        "A = secret/app/a#x\nB = secret/app/b#x\nC = database/creds/app#username\n")


def unreachable(run, envdump, manifest, env, cause, attempts=""):
    """Three variables (two KV reads, one dynamic credential), one cause:
    69, the cause once naming the address, then each variable."""
    m = manifest(UNREACHABLE_MANIFEST)
    res, child = run_env(run, envdump, ["-f", m], env=env)
    assert res.rc == 69, res
    assert child is None
    why = "not read: no connection to Vault" + attempts
    assert res.err_lines == [
        "vaultrun: " + cause,
        "vaultrun: %s:5: A: secret/app/a#x: %s" % (m, why),
        "vaultrun: %s:6: B: secret/app/b#x: %s" % (m, why),
        "vaultrun: %s:7: C: database/creds/app#username: %s" % (m, why),
    ], res


def test_connection_refused_is_said_once(run, closed_url, manifest, envdump):
    """Before: "Failed to connect to ... after 0 ms: Couldn't connect to
    server after 2 attempts" once per variable, its time different in each."""
    port = closed_url.rsplit(":", 1)[1]
    unreachable(run, envdump, manifest, {
        "VAULT_ADDR": "http://svc:pw-%s@127.0.0.1:%s" % (port, port), "VAULT_TOKEN": "t-unused",
        "VAULT_MAX_RETRIES": "1"},
        "cannot reach Vault at http://****@127.0.0.1:%s: Failed to connect to 127.0.0.1 port "
        "%s: Couldn't connect to server" % (port, port), " after 2 attempts")


def test_unresolvable_host_is_said_once(run, manifest, envdump):
    unreachable(run, envdump, manifest, {
        "VAULT_ADDR": "http://vault.invalid:8200", "VAULT_TOKEN": "t-unused"},
        "cannot reach Vault at http://vault.invalid:8200: Could not resolve host: vault.invalid")


def test_tls_failure_is_said_once(run, tls_vault, manifest, envdump):
    """The test server's certificate, without its CA: the handshake fails
    for every request alike (not retried)."""
    m = manifest(UNREACHABLE_MANIFEST)
    res, child = run_env(run, envdump, ["-f", m], env={
        "VAULT_ADDR": tls_vault.url, "VAULT_TOKEN": tls_vault.root_token})
    assert res.rc == 69, res
    assert child is None
    lines = res.err_lines
    assert len(lines) == 4, res
    assert lines[0].startswith("vaultrun: cannot reach Vault at %s: SSL certificate problem: "
                               % tls_vault.url), res
    assert lines[1:] == ["vaultrun: %s:%d: %s: not read: no connection to Vault" % (m, n, ref)
                         for n, ref in ((5, "A: secret/app/a#x"), (6, "B: secret/app/b#x"),
                                        (7, "C: database/creds/app#username"))], res


@pytest.mark.parametrize("body,ctype", [
    ("<html><body><h1>404 Not Found</h1></body></html>", "text/html"),
    ('{"message": "Not Found"}', "application/json"),
    ("", "text/plain"),
])
def test_404_that_is_not_vaults(run, vault, manifest, envdump, body, ctype):
    """A web server, or the UI's URL, at the address.  Before: 66 "not found"."""
    seed(vault)
    vault.add_fault(None, None, status=404, body=body, content_type=ctype)
    m = mounts_manifest(manifest)
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url,
                                                     "VAULT_TOKEN": vault.root_token})
    assert res.rc == 76, res
    assert res.err_lines == [
        "vaultrun: %s:4: DB_PASSWORD: secret/app/db#password: HTTP 404 without Vault's JSON "
        "error: %s may not be the address of Vault's API (a web server, or the UI's URL?)"
        % (m, vault.url)], res


def test_404_that_is_not_vaults_with_mount_detection(run, vault, envdump):
    seed(vault)
    vault.add_fault(None, None, status=404, body="<h1>Not Found</h1>", content_type="text/html")
    res, env = run_env(run, envdump, [], env={"VAULT_ADDR": vault.url,
                                              "VAULT_TOKEN": vault.root_token, **INLINE})
    assert res.rc == 76, res
    assert res.err_lines == [
        "vaultrun: environment: DB_PASSWORD: secret/app/db#password: HTTP 404 without Vault's "
        "JSON error: %s may not be the address of Vault's API (a web server, or the UI's URL?)"
        % vault.url], res


def test_preflight_hidden_by_a_front_is_still_a_guess(run, vault, envdump):
    """A front that serves only the secrets' paths answers the mount
    preflight with its own 404: treated as a 403 (SPEC), the reads go on."""
    vault.add_fault(None, "sys/internal/ui/mounts/*", status=404, body="<h1>Not Found</h1>",
                    content_type="text/html")
    read_ok(run, envdump, vault, {"VAULT_ADDR": vault.url, "VAULT_TOKEN": vault.root_token})


def test_vaults_own_404_is_still_66(run, vault, manifest, envdump):
    m = mounts_manifest(manifest)
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url,
                                                     "VAULT_TOKEN": vault.root_token})
    assert res.rc == 66, res
    assert res.err_lines == ["vaultrun: %s:4: DB_PASSWORD: secret/app/db#password: "
                             "not found (HTTP 404)" % m], res


@pytest.mark.parametrize("written,hint", [
    ('"secret/app/db#password"', "without quotes"),
    ("'secret/app/db#password'", "without quotes"),
    ("vault:secret/app/db#password",
     "without 'vault:' (that prefix marks a reference in the environment)"),
    ('"vault:secret/app/db#password"',
     "without quotes and 'vault:' (that prefix marks a reference in the environment)"),
])
def test_manifest_reference_in_quotes_or_with_prefix(run, vault, manifest, envdump, written, hint):
    """Before: the text was read as a path, and Vault answered 403 (77)."""
    seed(vault)
    m = manifest("[env]\nUSER = secret/app/db#user\nDB_PASSWORD = %s\n" % written)
    res, env = run_env(run, envdump, ["-f", m], env={"VAULT_ADDR": vault.url,
                                                     "VAULT_TOKEN": vault.root_token})
    assert res.rc == 78, res
    assert res.err_lines == ["vaultrun: %s:3: DB_PASSWORD: write the reference %s: "
                             "DB_PASSWORD = secret/app/db#password" % (m, hint)], res
    assert vault.request_count == 0


NO_SECRETS = ("vaultrun: no manifest (no -f, VAULTRUN_FILE or ./vaultrun.ini) and no vault: "
              "reference in the environment: ")


def test_no_manifest_no_references_warns(run, envdump):
    """A cron job started in the wrong directory."""
    res, env = run_env(run, envdump, [], env={"VAULT_ADDR": "http://127.0.0.1:9"})
    assert res.rc == 0, res
    assert env is not None
    assert res.err_lines == [NO_SECRETS + "running the command without secrets"], res
    envdump.path.unlink()
    res, env = run_env(run, envdump, ["-q"])
    assert res.rc == 0 and env is not None, res
    assert res.err == "", res
    res = run(["--check"])
    assert res.rc == 0, res
    assert res.err_lines == [NO_SECRETS + "nothing to check, without secrets"], res


def test_no_warning_with_a_manifest_or_a_reference(run, vault, manifest, envdump):
    m = manifest("[env]\n")
    res, env = run_env(run, envdump, ["-f", m])
    assert res.rc == 0 and res.err == "", res
    envdump.path.unlink()
    res, env = read_ok(run, envdump, vault, {"VAULT_ADDR": vault.url,
                                             "VAULT_TOKEN": vault.root_token})
    assert res.err == "", res


def test_check_shows_references_unmasked(run, secret_file, manifest):
    """A value that occurs in a path (here "prod") no longer garbles the
    report, nor reveals itself as the stars in the path would.  The file://
    store keeps the values out of the servers' leak check, which would flag
    "prod" in the path; the value line itself stays masked."""
    store = secret_file("store.json", json.dumps({
        "secret/prod/db": {"password": "prod", "user": "u-" + secrets.token_hex(4)}}))
    m = manifest("[env]\nDB_PASSWORD = secret/prod/db#password\n"
                 "DB_USER = secret/prod/db#user\nNOPE = secret/prod/db#nope\n")
    res = run(["--check", "-f", m], env={"VAULT_ADDR": "file://%s" % store})
    assert res.rc == 65, res
    assert res.out_lines == [
        "DB_PASSWORD secret/prod/db#password ok ******** (4 bytes)",
        "DB_USER secret/prod/db#user ok ******** (10 bytes)",
        "NOPE secret/prod/db#nope error: key 'nope' not found",
    ], res


def test_messages_never_show_an_addresss_password(run, vault, manifest, envdump):
    seed(vault)
    pw = "addr-pw-" + secrets.token_hex(6)
    run.forbid(pw)
    host = vault.url.split("://")[1]
    m = mounts_manifest(manifest)
    res, env = run_env(run, envdump, ["-v", "-f", m], env={
        "VAULT_ADDR": "https://svc:%s@%s" % (pw, host), "VAULT_TOKEN": vault.root_token})
    assert res.rc == 78, res
    assert "vaultrun: address: https://****@%s (from VAULT_ADDR)" % host in res.err_lines, res
    assert err_line(res, "https://%s answered in plain HTTP, not TLS: the address is http://%s"
                    % (host, host)), res
