"""Tests of the Vault-compatible test server itself (vaultserver.py)."""

import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from vaultserver import (DENIED, DENIED_POLICY, DENIED_TOKEN, INVALID_PATH_WARNING, ROOT_WARNING,
                         VaultServer, tls_server_context)

ENVELOPE_KEYS = ["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info",
                 "warnings", "auth", "mount_type"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z\Z")


class Answer:
    def __init__(self, resp, body):
        self.status = resp.status
        self.headers = resp.headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<Answer %d %r>" % (self.status, self.raw[:300])


def wait_for(cond, timeout=2.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def connect(srv, timeout=5, context=None):
    host, port = srv.address
    if context is not None:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def call(srv, method, path, token=None, headers=None, body=None, conn=None, context=None):
    own = conn is None
    conn = conn or connect(srv, context=context)
    h = dict(headers or {})
    if token:
        h["X-Vault-Token"] = token
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    try:
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        return Answer(resp, resp.read())
    finally:
        if own:
            conn.close()


def get(srv, path, token="root", **kw):
    return call(srv, "GET", path, token=srv.root_token if token == "root" else token, **kw)


@pytest.fixture
def srv(vault):
    vault.put("secret", "app/db", {"user": "app-user", "password": "pw-0001", "port": 5432})
    vault.put("kv", "legacy/db", {"password": "legacy-pw"})
    return vault


# --------------------------------------------------------------------------
# transport


@pytest.mark.timing
def test_keep_alive_is_fast(srv):
    """The server's own cost, best of three rounds (a round can be slowed by
    whatever else the machine runs; the server cannot make one faster)."""
    conn = connect(srv)
    get(srv, "/v1/secret/data/app/db", conn=conn)  # warm up
    rounds = []
    for _ in range(3):
        t0 = time.monotonic()
        for _ in range(100):
            a = get(srv, "/v1/secret/data/app/db", conn=conn)
            assert a.status == 200
        rounds.append(time.monotonic() - t0)
    conn.close()
    assert min(rounds) < 0.1, "100 keep-alive requests took %s s" % rounds
    assert srv.connections == 1


@pytest.mark.timing
def test_start_and_stop_are_cheap():
    """Start, one request, stop: a few milliseconds.  The bound measures that
    stop() wakes the accept loop at once rather than on a polling interval
    (socketserver's is 0.5 s); best of three rounds, since a loaded machine
    can slow any one round (one took 55 ms under stress-ng --cpu 2)."""
    rounds = []
    for _ in range(3):
        t0 = time.monotonic()
        s = VaultServer().start()
        get(s, "/v1/sys/health")
        s.stop()
        rounds.append(time.monotonic() - t0)
    assert min(rounds) < 0.25, rounds


def test_stop_closes_idle_keep_alive_connections():
    s = VaultServer().start()
    conn = connect(s)
    assert get(s, "/v1/sys/health", conn=conn).status == 200
    s.stop()
    with pytest.raises((http.client.HTTPException, OSError)):
        get(s, "/v1/sys/health", conn=conn)


def test_connection_close_header_is_honoured(srv):
    conn = connect(srv)
    a = get(srv, "/v1/sys/health", conn=conn, headers={"Connection": "close"})
    assert a.status == 200 and a.headers["Connection"] == "close"
    conn.close()


def test_connections_are_counted(srv):
    for _ in range(3):
        get(srv, "/v1/sys/health")
    conn = connect(srv)
    for _ in range(5):
        get(srv, "/v1/sys/health", conn=conn)
    conn.close()
    assert srv.connections == 4
    assert srv.request_count == 8


@pytest.mark.timing
def test_latency_is_concurrent_and_high_water_mark(srv):
    """32 clients at once: the latency is slept concurrently, and the
    high-water mark of requests in flight is exact.  The server holds every
    answer (after its latency) until all 32 requests are in, so the mark does
    not depend on scheduling; under load one request used to be answered
    before the last arrived (31 == 32)."""
    srv.latency = 0.25
    barrier = threading.Barrier(32)
    held = threading.Barrier(32, timeout=30)
    take_fault = srv._take_fault

    def hold_then_take_fault(req):
        held.wait()
        return take_fault(req)

    srv._take_fault = hold_then_take_fault
    statuses = []

    def client():
        conn = connect(srv)
        conn.connect()
        barrier.wait()
        statuses.append(get(srv, "/v1/secret/data/app/db", conn=conn).status)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(32)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    assert statuses == [200] * 32
    assert srv.max_in_flight == 32
    assert wait_for(lambda: srv.in_flight == 0)  # decremented just after the answer
    # Serialized, the latency alone would take 32 x 0.25 = 8 s; concurrent, it
    # is 0.25 s plus 32 connections' setup, which a loaded machine slows.
    assert elapsed < 2.0, "latency was serialized: %.3f s" % elapsed
    assert srv.connections == 32


def test_latency_applies_per_request(srv):
    srv.latency = 0.1
    t0 = time.monotonic()
    get(srv, "/v1/sys/health")
    assert time.monotonic() - t0 >= 0.1


def test_unix_socket(tmp_path):
    path = str(tmp_path / "vault.sock")
    with VaultServer(root_token="rt-unix-1", unix_path=path) as s:
        assert s.url == "unix://" + path
        s.add_mount("secret", 2)
        s.put("secret", "a", {"value": "unix-value"})
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(path)
        conn = http.client.HTTPConnection("localhost")
        conn.sock = sock
        a = get(s, "/v1/secret/data/a", token="rt-unix-1", conn=conn)
        assert a.status == 200 and a.json["data"]["data"] == {"value": "unix-value"}
        a = get(s, "/v1/secret/data/a", token="rt-unix-1", conn=conn)
        assert a.status == 200
        conn.close()
        assert s.connections == 1
    assert not os.path.exists(path)


def test_tls_and_cert_login(tls_certs):
    ctx = tls_server_context(tls_certs.server_crt, tls_certs.server_key, client_ca=tls_certs.ca)
    with VaultServer(ssl_context=ctx) as s:
        assert s.url.startswith("https://127.0.0.1:")
        s.add_mount("secret", 2)
        s.put("secret", "x", {"value": "tls-value"})
        s.add_cert_role("web", policies=["secret/data/*"], common_names=["vaultrun-client"])
        client = ssl.create_default_context(cafile=str(tls_certs.ca))
        # no client certificate: 400
        a = call(s, "POST", "/v1/auth/cert/login", body={}, context=client)
        assert a.status == 400
        assert a.json == {"errors": ["invalid certificate or no client certificate supplied"]}
        client.load_cert_chain(str(tls_certs.client_crt), str(tls_certs.client_key))
        a = call(s, "POST", "/v1/auth/cert/login", body={"name": "web"}, context=client)
        assert a.status == 200, a
        tok = a.json["auth"]["client_token"]
        assert tok.startswith("hvs.")
        assert a.json["auth"]["metadata"]["common_name"] == "vaultrun-client"
        a = call(s, "GET", "/v1/secret/data/x", token=tok, context=client)
        assert a.status == 200 and a.json["data"]["data"]["value"] == "tls-value"
        assert s.logins == {"cert": 2}
        # a role for another common name does not match
        s.add_cert_role("other", policies=["*"], mount="cert2", common_names=["someone-else"])
        a = call(s, "POST", "/v1/auth/cert2/login", body={}, context=client)
        assert a.status == 400


def test_cert_login_without_tls(srv):
    srv.add_cert_role("web", policies=["*"])
    a = call(srv, "POST", "/v1/auth/cert/login", body={})
    assert a.status == 400
    assert a.json == {"errors": ["invalid certificate or no client certificate supplied"]}


def test_cli(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({
        "root_token": "cli-root-1",
        "mounts": {"secret": 2, "kv": 1},
        "secrets": {"secret": {"app": [{"v": "one-1"}, {"v": "two-2"}]}, "kv": {"x": {"value": "kv-x-1"}}},
        "tokens": [{"token": "cli-tok-1", "policies": ["kv/*"]}],
        "namespaces": {"team-a": {"mounts": {"secret": 2}, "secrets": {"secret": {"s": {"value": "ns-1"}}}}},
    }))
    p = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "vaultserver.py"),
                          "--listen", "127.0.0.1:0", "--seed", str(seed), "--latency", "0.01"],
                         stdout=subprocess.PIPE, text=True)
    try:
        url = p.stdout.readline().strip()
        assert p.stdout.readline().strip() == "cli-root-1"
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", url)
        assert m, url
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=5)
        conn.request("GET", "/v1/secret/data/app?version=1", headers={"X-Vault-Token": "cli-root-1"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["data"]["data"] == {"v": "one-1"}
        conn.request("GET", "/v1/kv/x", headers={"X-Vault-Token": "cli-tok-1"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["data"] == {"value": "kv-x-1"}
        conn.request("GET", "/v1/secret/data/s", headers={"X-Vault-Token": "cli-root-1",
                                                          "X-Vault-Namespace": "team-a"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["data"]["data"] == {"value": "ns-1"}
        conn.close()
    finally:
        p.terminate()
        p.wait(5)
    assert p.returncode == 0


# --------------------------------------------------------------------------
# response shapes


def check_envelope(a, status=200, mount_type="kv"):
    assert a.status == status
    assert a.headers["Cache-Control"] == "no-store"
    assert a.headers["Content-Type"] == "application/json"
    assert a.raw.endswith(b"}\n") and b": " not in a.raw and b", " not in a.raw
    assert list(a.json) == ENVELOPE_KEYS
    assert UUID.match(a.json["request_id"])
    assert a.json["lease_id"] == "" and a.json["renewable"] is False
    assert a.json["wrap_info"] is None and a.json["warnings"] is None and a.json["auth"] is None
    assert a.json["mount_type"] == mount_type


def check_error(a, status, errors):
    assert a.status == status, a
    assert a.headers["Cache-Control"] == "no-store"
    assert a.headers["Content-Type"] == "application/json"
    assert a.raw == json.dumps({"errors": errors}, separators=(",", ":")).encode() + b"\n"


def test_kv1_read(srv):
    a = get(srv, "/v1/kv/legacy/db")
    check_envelope(a)
    assert a.json["lease_duration"] == 2764800
    assert a.json["data"] == {"password": "legacy-pw"}
    srv.put("kv", "ttl", {"value": "v", "ttl": "1h"})
    assert get(srv, "/v1/kv/ttl").json["lease_duration"] == 3600
    srv.put("kv", "legacy/db", {"password": "replaced"})
    assert get(srv, "/v1/kv/legacy/db").json["data"] == {"password": "replaced"}
    check_error(get(srv, "/v1/kv/missing"), 404, [])


def test_kv2_read(srv):
    a = get(srv, "/v1/secret/data/app/db")
    check_envelope(a)
    assert a.json["lease_duration"] == 0
    assert a.json["data"]["data"] == {"user": "app-user", "password": "pw-0001", "port": 5432}
    meta = a.json["data"]["metadata"]
    assert list(meta) == ["created_time", "custom_metadata", "deletion_time", "destroyed", "version"]
    assert RFC3339.match(meta["created_time"])
    assert meta["custom_metadata"] is None and meta["deletion_time"] == "" and meta["destroyed"] is False
    assert meta["version"] == 1


def test_kv2_versions(srv):
    assert srv.put("secret", "v", {"value": "first"}) == 1
    assert srv.put("secret", "v", {"value": "second"}) == 2
    assert srv.put("secret", "v", {"value": "third"}) == 3
    assert get(srv, "/v1/secret/data/v").json["data"]["data"] == {"value": "third"}
    a = get(srv, "/v1/secret/data/v?version=2")
    assert a.status == 200 and a.json["data"]["data"] == {"value": "second"}
    assert a.json["data"]["metadata"]["version"] == 2
    assert get(srv, "/v1/secret/data/v?version=0").json["data"]["metadata"]["version"] == 3
    check_error(get(srv, "/v1/secret/data/v?version=7"), 404, [])
    a = get(srv, "/v1/secret/data/v?version=abc")
    assert a.status == 400 and "version" in a.json["errors"][0]


def test_kv2_max_versions_prunes(srv):
    srv.add_mount("small", 2, max_versions=2)
    for i in range(3):
        srv.put("small", "p", {"value": "value-%d" % i})
    check_error(get(srv, "/v1/small/data/p?version=1"), 404, [])
    assert get(srv, "/v1/small/data/p?version=2").status == 200
    assert get(srv, "/v1/small/metadata/p").json["data"]["oldest_version"] == 2


def test_kv2_deleted_and_destroyed(srv):
    srv.put("secret", "d", {"value": "one"})
    srv.put("secret", "d", {"value": "two"})
    srv.put("secret", "d", {"value": "three"})
    srv.delete_version("secret", "d")
    a = get(srv, "/v1/secret/data/d")
    assert a.status == 404
    assert list(a.json) == ENVELOPE_KEYS[:-1]
    assert a.json["data"]["data"] is None
    meta = a.json["data"]["metadata"]
    assert RFC3339.match(meta["deletion_time"]) and meta["destroyed"] is False and meta["version"] == 3
    srv.destroy_version("secret", "d", 1)
    a = get(srv, "/v1/secret/data/d?version=1")
    assert a.status == 404 and a.json["data"]["data"] is None
    assert a.json["data"]["metadata"]["destroyed"] is True
    assert get(srv, "/v1/secret/data/d?version=2").json["data"]["data"] == {"value": "two"}
    srv.undelete_version("secret", "d", 3)
    assert get(srv, "/v1/secret/data/d").status == 200


def test_kv2_wrong_paths(srv):
    for path in ("/v1/secret/app/db", "/v1/secret/foo", "/v1/secret/"):
        a = get(srv, path)
        assert a.status == 404
        assert a.json == {"request_id": a.json["request_id"], "lease_id": "", "renewable": False,
                          "lease_duration": 0, "data": None, "wrap_info": None,
                          "warnings": [INVALID_PATH_WARNING], "auth": None}
    for path in ("/v1/secret/data", "/v1/secret/data/", "/v1/secret/metadata/"):
        a = get(srv, path)
        assert a.status == 404 and a.json["warnings"] == [ROOT_WARNING] and a.json["data"] is None


def test_kv2_metadata_and_lists(srv):
    srv.put("secret", "app/db", {"password": "pw-0002"})
    srv.put("secret", "app/sub/x", {"value": "xxxx"})
    a = get(srv, "/v1/secret/metadata/app/db")
    check_envelope(a)
    d = a.json["data"]
    assert d["current_version"] == 2 and d["oldest_version"] == 1
    assert sorted(d["versions"]) == ["1", "2"]
    check_error(get(srv, "/v1/secret/metadata/nope"), 404, [])
    a = call(srv, "LIST", "/v1/secret/metadata/app", token=srv.root_token)
    assert a.status == 200 and a.json["data"]["keys"] == ["db", "sub/"]
    assert get(srv, "/v1/secret/metadata/app/?list=true").json["data"]["keys"] == ["db", "sub/"]
    check_error(call(srv, "LIST", "/v1/secret/metadata/none", token=srv.root_token), 404, [])
    check_error(get(srv, "/v1/secret/metadata/app?list=maybe"), 400, [])
    a = call(srv, "LIST", "/v1/kv/legacy", token=srv.root_token)
    assert a.json["data"]["keys"] == ["db"]


def test_kv_writes_over_http(srv):
    a = call(srv, "POST", "/v1/secret/data/w", token=srv.root_token, body={"data": {"value": "written-1"}})
    assert a.status == 200 and a.json["data"]["version"] == 1
    a = call(srv, "POST", "/v1/secret/data/w", token=srv.root_token,
             body={"data": {"value": "written-2"}, "options": {"cas": 0}})
    check_error(a, 400, ["check-and-set parameter did not match the current version"])
    check_error(call(srv, "POST", "/v1/secret/data/w", token=srv.root_token, body={}), 400, ["no data provided"])
    assert call(srv, "POST", "/v1/kv/w", token=srv.root_token, body={"value": "written-3"}).status == 204
    check_error(call(srv, "POST", "/v1/kv/w", token=srv.root_token, body="{"), 400, ["error parsing JSON"])
    assert get(srv, "/v1/kv/w").json["data"] == {"value": "written-3"}
    assert {"written-1", "written-3"} <= srv.sensitive()
    assert call(srv, "DELETE", "/v1/secret/data/w", token=srv.root_token).status == 204
    assert get(srv, "/v1/secret/data/w").json["data"]["metadata"]["deletion_time"]
    assert call(srv, "POST", "/v1/secret/undelete/w", token=srv.root_token, body={"versions": [1]}).status == 204
    assert get(srv, "/v1/secret/data/w").status == 200
    assert call(srv, "POST", "/v1/secret/destroy/w", token=srv.root_token, body={"versions": [1]}).status == 204
    assert get(srv, "/v1/secret/data/w").json["data"]["metadata"]["destroyed"] is True


def test_outside_v1_and_methods(srv):
    check_error(get(srv, "/"), 404, [])
    check_error(get(srv, "/v2/secret/x"), 404, [])
    check_error(call(srv, "BREW", "/v1/secret/data/app/db", token=srv.root_token), 405, [])
    a = call(srv, "DELETE", "/v1/sys/health")
    assert a.status == 405
    a = get(srv, "/v1/secret/data/a%01b")
    assert a.status == 400


def test_no_mount(srv):
    check_error(get(srv, "/v1/nomount/x"), 404, ['no handler for route "nomount/x". route entry not found.'])


def test_json_is_go_style(srv):
    srv.put("kv", "html", {"value": "<a&b>", "uni": "caf\u00e9"})
    a = get(srv, "/v1/kv/html")
    assert b'"\\u003ca\\u0026b\\u003e"' in a.raw and "café".encode() in a.raw
    assert a.json["data"]["value"] == "<a&b>"


# --------------------------------------------------------------------------
# permissions


def test_permissions(srv):
    tok = srv.add_token(policies=["secret/data/app/*", "kv/+/db"])
    check_error(get(srv, "/v1/secret/data/app/db", token=None), 403, [DENIED])
    check_error(get(srv, "/v1/secret/data/app/db", token="nope-token"), 403, [DENIED_TOKEN])
    assert get(srv, "/v1/secret/data/app/db", token=tok).status == 200
    assert get(srv, "/v1/kv/legacy/db", token=tok).status == 200
    check_error(get(srv, "/v1/kv/legacy/other", token=tok), 403, [DENIED_POLICY])
    check_error(get(srv, "/v1/kv/a/b/db", token=tok), 403, [DENIED_POLICY])
    check_error(get(srv, "/v1/secret/data/other", token=tok), 403, [DENIED_POLICY])
    check_error(call(srv, "POST", "/v1/kv/legacy/db", token=tok, body={"a": "b"}), 403, [DENIED_POLICY])
    # policy allows but nothing is there
    check_error(get(srv, "/v1/secret/data/app/none", token=tok), 404, [])


def test_bearer_token(srv):
    tok = srv.add_token(policies=["secret/*"])
    assert get(srv, "/v1/secret/data/app/db", token=None,
               headers={"Authorization": "Bearer " + tok}).status == 200
    assert get(srv, "/v1/secret/data/app/db", token=None,
               headers={"Authorization": "bearer " + tok}).status == 403
    # X-Vault-Token wins over Authorization
    a = get(srv, "/v1/secret/data/app/db", token="bogus-1", headers={"Authorization": "Bearer " + tok})
    check_error(a, 403, [DENIED_TOKEN])


def test_revoke_self(srv):
    tok = srv.add_token(policies=["secret/*"])
    assert get(srv, "/v1/auth/token/lookup-self", token=tok).status == 200
    a = call(srv, "POST", "/v1/auth/token/revoke-self", token=tok)
    assert a.status == 204 and a.raw == b""
    assert a.headers["Cache-Control"] == "no-store"
    check_error(get(srv, "/v1/secret/data/app/db", token=tok), 403, [DENIED_TOKEN])
    check_error(call(srv, "POST", "/v1/auth/token/revoke-self", token=tok), 403, [DENIED_TOKEN])
    assert srv.revocations == {tok: 2}  # calls, successful or not
    batch = srv.add_token(policies=["secret/*"], type="batch")
    check_error(call(srv, "POST", "/v1/auth/token/revoke-self", token=batch), 400, ["batch tokens cannot be revoked"])
    assert srv.revocations == {tok: 2, batch: 1}
    assert get(srv, "/v1/secret/data/app/db", token=batch).status == 200


def test_lookup_self(srv):
    tok = srv.add_token(policies=["secret/*"], ttl=600)
    a = get(srv, "/v1/auth/token/lookup-self", token=tok)
    check_envelope(a, mount_type="token")
    d = a.json["data"]
    assert d["id"] == tok and d["type"] == "service" and d["policies"] == ["default", "secret/*"]
    assert 590 <= d["ttl"] <= 600 and d["renewable"] is True
    d = get(srv, "/v1/auth/token/lookup-self").json["data"]
    assert d["policies"] == ["root"] and d["ttl"] == 0 and d["expire_time"] is None
    check_error(get(srv, "/v1/auth/token/lookup-self", token=None), 403, [DENIED])
    a = call(srv, "POST", "/v1/auth/token/renew-self", token=tok, body={})
    assert a.status == 200 and a.json["auth"]["client_token"] == tok
    check_error(call(srv, "POST", "/v1/auth/token/renew-self", token=srv.root_token), 400, ["invalid lease ID"])


# --------------------------------------------------------------------------
# mount detection, health, seal


def test_ui_mounts(srv):
    srv.add_mount("team/kv", 1)
    a = get(srv, "/v1/sys/internal/ui/mounts/secret/app/db")
    check_envelope(a, mount_type="system")
    d = a.json["data"]
    assert d["path"] == "secret/" and d["options"] == {"version": "2"} and d["type"] == "kv"
    for k in ("accessor", "config", "description", "local", "seal_wrap", "uuid", "running_plugin_version"):
        assert k in d
    assert get(srv, "/v1/sys/internal/ui/mounts/kv/x").json["data"]["options"]["version"] == "1"
    d = get(srv, "/v1/sys/internal/ui/mounts/team/kv/a/b").json["data"]
    assert d["path"] == "team/kv/" and d["options"]["version"] == "1"
    assert get(srv, "/v1/sys/internal/ui/mounts/secret").json["data"]["path"] == "secret/"
    check_error(get(srv, "/v1/sys/internal/ui/mounts/nope/x"), 403, [
        'preflight capability check returned 403, please ensure client\'s policies grant access to path "nope/x/"'])
    check_error(get(srv, "/v1/sys/internal/ui/mounts/secret/x", token=None), 403, [DENIED])
    check_error(get(srv, "/v1/sys/internal/ui/mounts/secret/x", token="unknown-1"), 403, [DENIED])
    a = get(srv, "/v1/sys/internal/ui/mounts")
    assert sorted(a.json["data"]["secret"]) == ["kv/", "secret/", "team/kv/"]


def test_ui_mounts_mount_access(srv):
    tok = srv.add_token(policies=["secret/data/app/*"])
    assert get(srv, "/v1/sys/internal/ui/mounts/secret/other", token=tok).status == 200
    a = get(srv, "/v1/sys/internal/ui/mounts/kv/legacy/db", token=tok)
    check_error(a, 403, ['preflight capability check returned 403, please ensure client\'s policies '
                         'grant access to path "kv/legacy/db/"'])
    star = srv.add_token(policies=["*"])
    assert get(srv, "/v1/sys/internal/ui/mounts/kv/x", token=star).status == 200
    plus = srv.add_token(policies=["+/legacy/*"])
    assert get(srv, "/v1/sys/internal/ui/mounts/kv/x", token=plus).status == 200


def test_ui_mounts_old_vault(srv):
    srv.preflight_404 = True
    check_error(get(srv, "/v1/sys/internal/ui/mounts/secret/x"), 404, [])
    assert get(srv, "/v1/secret/data/app/db").status == 200


def test_health(srv):
    a = get(srv, "/v1/sys/health", token=None)
    assert a.status == 200 and a.headers["Content-Type"] == "application/json"
    assert a.headers["Cache-Control"] == "no-store"
    assert a.json["initialized"] is True and a.json["sealed"] is False and "cluster_id" in a.json
    a = call(srv, "HEAD", "/v1/sys/health")
    assert a.status == 200 and a.raw == b""
    assert get(srv, "/v1/sys/health?activecode=299").status == 299
    assert get(srv, "/v1/sys/health?activecode=x").status == 400


def test_sealed(srv):
    srv.sealed = True
    for path in ("/v1/secret/data/app/db", "/v1/sys/internal/ui/mounts/secret/x", "/v1/auth/token/lookup-self"):
        check_error(get(srv, path), 503, ["Vault is sealed"])
    check_error(call(srv, "POST", "/v1/auth/approle/login", body={}), 503, ["Vault is sealed"])
    a = get(srv, "/v1/sys/health", token=None)
    assert a.status == 503 and a.json["sealed"] is True and "cluster_id" not in a.json
    assert get(srv, "/v1/sys/health?sealedcode=200").status == 200
    srv.sealed = False
    assert get(srv, "/v1/secret/data/app/db").status == 200


# --------------------------------------------------------------------------
# logins


def login(srv, mount, body, **kw):
    return call(srv, "POST", "/v1/auth/%s/login" % mount, body=body, **kw)


def check_login(a, token_type="service", num_uses=0):
    assert a.status == 200, a
    assert a.headers["Cache-Control"] == "no-store"
    j = a.json
    assert list(j) == ENVELOPE_KEYS[:-1]
    assert j["lease_duration"] == 0 and j["data"] is None and j["renewable"] is False
    auth = j["auth"]
    assert list(auth) == ["client_token", "accessor", "policies", "token_policies", "metadata",
                          "lease_duration", "renewable", "entity_id", "token_type", "orphan",
                          "mfa_requirement", "num_uses"]
    assert auth["client_token"].startswith("hvs." if token_type == "service" else "hvb.")
    assert auth["token_type"] == token_type and auth["renewable"] == (token_type == "service")
    assert auth["mfa_requirement"] is None and auth["num_uses"] == num_uses and auth["orphan"] is True
    assert auth["lease_duration"] == 3600 and "default" in auth["policies"]
    return auth["client_token"]


def test_approle_login(srv):
    srv.add_approle("role-1", "secret-id-1", policies=["secret/data/app/*"])
    srv.add_approle("role-b", "secret-id-b", policies=["secret/*"], token_type="batch", mount="approle-batch")
    tok = check_login(login(srv, "approle", {"role_id": "role-1", "secret_id": "secret-id-1"}))
    assert tok in srv.sensitive() and srv.minted_tokens == [tok]
    assert get(srv, "/v1/secret/data/app/db", token=tok).status == 200
    check_error(get(srv, "/v1/kv/legacy/db", token=tok), 403, [DENIED_POLICY])
    check_login(login(srv, "approle-batch", {"role_id": "role-b", "secret_id": "secret-id-b"}), "batch")
    check_error(login(srv, "approle", {"secret_id": "x"}), 400, ["missing role_id"])
    check_error(login(srv, "approle", {"role_id": "role-1"}), 400, ["missing secret_id"])
    check_error(login(srv, "approle", {"role_id": "role-1", "secret_id": "bad"}), 400, ["invalid role or secret ID"])
    check_error(login(srv, "approle", {"role_id": "nope", "secret_id": "x"}), 400, ["invalid role or secret ID"])
    check_error(login(srv, "approle", "{not json"), 400, ["error parsing JSON"])
    assert srv.logins == {"approle": 7}
    assert "secret-id-1" in srv.sensitive()
    # a login path that is not mounted needs a token like any other path
    check_error(login(srv, "nothing", {}), 403, [DENIED])


def test_kubernetes_login(srv):
    srv.add_kubernetes_role("app", ["jwt-k8s-good"], policies=["secret/*"], mount="k8s-prod")
    check_login(login(srv, "k8s-prod", {"role": "app", "jwt": "jwt-k8s-good"}))
    check_error(login(srv, "k8s-prod", {"jwt": "jwt-k8s-good"}), 400, ["missing role"])
    check_error(login(srv, "k8s-prod", {"role": "app"}), 400, ["missing jwt"])
    check_error(login(srv, "k8s-prod", {"role": "x", "jwt": "j"}), 400, ['invalid role name "x"'])
    check_error(login(srv, "k8s-prod", {"role": "app", "jwt": "forged"}), 403, [DENIED])
    assert srv.logins == {"kubernetes": 5}
    assert "jwt-k8s-good" in srv.sensitive()


def test_jwt_login(srv):
    srv.add_jwt_role("ci", ["jwt-ci-good"], policies=["secret/*"], token_type="batch")
    check_login(login(srv, "jwt", {"role": "ci", "jwt": "jwt-ci-good"}), "batch")
    check_error(login(srv, "jwt", {"jwt": "jwt-ci-good"}), 400, ["missing role"])
    check_error(login(srv, "jwt", {"role": "x", "jwt": "j"}), 400, ['role "x" could not be found'])
    check_error(login(srv, "jwt", {"role": "ci"}), 400, ["missing token"])
    a = login(srv, "jwt", {"role": "ci", "jwt": "forged"})
    assert a.status == 400 and a.json["errors"][0].startswith("error validating token: ")
    srv.add_jwt_role("dflt", ["jwt-default-1"], policies=["*"], default=True)
    check_login(login(srv, "jwt", {"jwt": "jwt-default-1"}))


# --------------------------------------------------------------------------
# namespaces


def test_namespaces(srv):
    srv.add_mount("secret", 2, namespace="team-a")
    srv.put("secret", "app", {"value": "team-a-value"}, namespace="team-a")
    ns = {"X-Vault-Namespace": "team-a"}
    a = get(srv, "/v1/secret/data/app", headers=ns)
    assert a.status == 200 and a.json["data"]["data"] == {"value": "team-a-value"}
    check_error(get(srv, "/v1/secret/data/app"), 404, [])  # root namespace has no such secret
    assert get(srv, "/v1/secret/data/app", headers={"X-Vault-Namespace": "team-a/"}).status == 200
    # the namespace as a path prefix
    assert get(srv, "/v1/team-a/secret/data/app").status == 200
    assert get(srv, "/v1/sys/internal/ui/mounts/team-a/secret/app").json["data"]["path"] == "team-a/secret/"
    assert get(srv, "/v1/sys/internal/ui/mounts/secret/app", headers=ns).json["data"]["path"] == "secret/"
    # tokens are scoped to their namespace and its children
    tok = srv.add_token(policies=["secret/data/*"], namespace="team-a")
    assert get(srv, "/v1/secret/data/app", token=tok, headers=ns).status == 200
    check_error(get(srv, "/v1/secret/data/app", token=tok), 403, [DENIED_TOKEN])
    srv.add_approle("ns-role", "ns-secret", policies=["secret/data/*"], namespace="team-a")
    t = check_login(login(srv, "approle", {"role_id": "ns-role", "secret_id": "ns-secret"}, headers=ns))
    assert srv.token_info(t)[2] == "team-a"
    assert get(srv, "/v1/secret/data/app", token=t, headers=ns).status == 200
    check_error(login(srv, "approle", {"role_id": "ns-role", "secret_id": "ns-secret"}), 403, [DENIED])
    assert [r.namespace for r in srv.requests][:2] == ["team-a", None]


# --------------------------------------------------------------------------
# faults


def test_fault_status_times_then_normal(srv):
    f = srv.add_fault(path="secret/data/app/db", times=2, status=500)
    check_error(get(srv, "/v1/secret/data/app/db"), 500, ["internal error"])
    check_error(get(srv, "/v1/secret/data/app/db"), 500, ["internal error"])
    assert get(srv, "/v1/secret/data/app/db").status == 200
    assert f.fired == 2
    assert get(srv, "/v1/kv/legacy/db").status == 200


def test_fault_retry_after_and_custom_body(srv):
    srv.add_fault(path="/v1/secret/*", times=1, status=429, retry_after=2)
    a = get(srv, "/v1/secret/data/app/db")
    assert a.status == 429 and a.headers["Retry-After"] == "2"
    assert a.headers["Cache-Control"] == "no-store"
    srv.add_fault(method="GET", times=1, status=412, body={"errors": ["required index state not present"]},
                  headers={"X-Test": "1"})
    a = get(srv, "/v1/kv/legacy/db")
    assert a.status == 412 and a.headers["X-Test"] == "1"
    srv.add_fault(times=1, status=502, body="bad gateway", content_type="text/plain")
    a = get(srv, "/v1/kv/legacy/db")
    assert a.status == 502 and a.raw == b"bad gateway" and a.headers["Content-Type"] == "text/plain"


def test_fault_order_method_and_regex(srv):
    srv.add_fault(method="POST", status=400)
    srv.add_fault(path=re.compile(r"version=2"), times=1, status=504)
    srv.add_fault(path="secret/data/*", times=1, status=503)
    srv.add_fault(path="secret/data/*", times=1, status=502)
    assert get(srv, "/v1/secret/data/app/db?version=2").status == 504
    assert get(srv, "/v1/secret/data/app/db?version=2").status == 503
    assert get(srv, "/v1/secret/data/app/db").status == 502
    assert get(srv, "/v1/secret/data/app/db").status == 200
    assert call(srv, "POST", "/v1/auth/approle/login", body={}).status == 400
    srv.clear_faults()
    assert call(srv, "POST", "/v1/auth/token/lookup-self", token=srv.root_token).status == 200


def test_fault_exact_path_with_query(srv):
    srv.add_fault(path="/v1/secret/data/app/db?version=1", status=500)
    assert get(srv, "/v1/secret/data/app/db").status == 200
    assert get(srv, "/v1/secret/data/app/db?version=1").status == 500


def test_fault_drop_and_reset(srv):
    srv.add_fault(times=1, action="drop")
    with pytest.raises(http.client.RemoteDisconnected):
        get(srv, "/v1/secret/data/app/db")
    srv.add_fault(times=1, action="reset")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        get(srv, "/v1/secret/data/app/db")
    assert get(srv, "/v1/secret/data/app/db").status == 200
    assert [r.status for r in srv.requests] == [None, None, 200]


def test_fault_truncate(srv):
    srv.add_fault(times=1, action="truncate")
    with pytest.raises(http.client.IncompleteRead):
        get(srv, "/v1/secret/data/app/db")


def test_fault_invalid_json_and_wrong_type(srv):
    srv.add_fault(times=1, action="invalid_json")
    srv.add_fault(times=1, action="wrong_type")
    a = get(srv, "/v1/secret/data/app/db")
    assert a.status == 200 and a.headers["Content-Type"] == "application/json" and a.json is None
    with pytest.raises(ValueError):
        json.loads(a.raw)
    a = get(srv, "/v1/secret/data/app/db")
    assert a.status == 200 and a.headers["Content-Type"].startswith("text/html")


def test_fault_huge(srv):
    srv.add_fault(times=1, action="huge")
    a = get(srv, "/v1/secret/data/app/db")
    assert a.status == 200 and len(a.raw) > 4 << 20
    assert int(a.headers["Content-Length"]) == len(a.raw)
    assert a.json["data"]["data"]["value"].startswith("AAAA")
    # a client that gives up early does not upset the server
    srv.add_fault(times=1, action="huge", size=64 << 20)
    conn = connect(srv)
    conn.request("GET", "/v1/secret/data/app/db", headers={"X-Vault-Token": srv.root_token})
    r = conn.getresponse()
    assert r.status == 200
    r.read(1000)
    conn.close()


def test_fault_redirect(srv):
    srv.add_fault(times=1, action="redirect", location="http://127.0.0.1:1/")
    a = get(srv, "/v1/secret/data/app/db?version=1")
    assert a.status == 307 and a.headers["Location"] == "http://127.0.0.1:1/v1/secret/data/app/db?version=1"
    srv.add_fault(times=1, action="redirect", location="https://elsewhere/x", keep_path=False, status=302)
    a = get(srv, "/v1/secret/data/app/db")
    assert a.status == 302 and a.headers["Location"] == "https://elsewhere/x"


def test_fault_delay(srv):
    srv.add_fault(times=1, action="delay", seconds=0.2)
    t0 = time.monotonic()
    assert get(srv, "/v1/secret/data/app/db").status == 200
    assert time.monotonic() - t0 >= 0.2


def test_fault_stall(srv):
    srv.add_fault(times=1, action="stall")
    conn = connect(srv, timeout=0.3)
    conn.request("GET", "/v1/secret/data/app/db", headers={"X-Vault-Token": srv.root_token})
    r = conn.getresponse()
    assert r.status == 200
    t0 = time.monotonic()
    with pytest.raises(socket.timeout):
        r.read()
    assert time.monotonic() - t0 >= 0.25
    r.close()
    conn.close()
    assert wait_for(lambda: srv.in_flight == 0)  # the server noticed the client leaving


def test_bad_fault():
    s = VaultServer()
    with pytest.raises(ValueError):
        s.add_fault(action="explode")
    with pytest.raises(ValueError):
        s.add_fault(path="x")


# --------------------------------------------------------------------------
# stats and the sensitive registry


def test_stats(srv):
    get(srv, "/v1/secret/data/app/db", headers={"X-Vault-Request": "true", "X-Vault-Namespace": "ns1/"})
    get(srv, "/v1/secret/data/app/db")
    get(srv, "/v1/secret/data/app/db?version=1")
    call(srv, "POST", "/v1/auth/token/revoke-self", token="nope-1")
    assert srv.request_count == 4
    assert srv.count("GET", "/v1/secret/data/app/db") == 2
    assert srv.count("GET", "/v1/secret/data/app/db?version=1") == 1
    assert srv.count_prefix("secret/data/") == 3
    assert srv.count_prefix("/v1/auth/", method="POST") == 1
    first = srv.requests[0]
    assert first.method == "GET" and first.path == "/v1/secret/data/app/db"
    assert first.headers["x-vault-request"] == "true"
    assert first.namespace == "ns1/" and first.token == srv.root_token and first.status == 404
    assert srv.requests[2].query == {"version": ["1"]}
    assert srv.requests[3].token == "nope-1" and srv.requests[3].status == 403
    assert srv.revocations == {"nope-1": 1}
    assert srv.connections == 4 and srv.max_in_flight == 1
    srv.reset_stats()
    assert srv.request_count == 0 and srv.connections == 0 and srv.revocations == {}
    assert get(srv, "/v1/secret/data/app/db").status == 200  # state survives


def test_request_body_recorded(srv):
    srv.add_approle("r-1", "s-1", policies=["*"])
    login(srv, "approle", {"role_id": "r-1", "secret_id": "s-1"})
    assert json.loads(srv.requests[0].body) == {"role_id": "r-1", "secret_id": "s-1"}
    conn = connect(srv)
    conn.putrequest("POST", "/v1/auth/approle/login")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    body = json.dumps({"role_id": "r-1", "secret_id": "s-1"}).encode()
    conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert conn.getresponse().status == 200
    conn.close()


def test_sensitive(srv):
    srv.put("secret", "s", {"a": "abc", "b": "abcd", "n": 123456, "nested": {"k": "deep-value", "l": ["list-item"]}})
    s = srv.sensitive()
    assert srv.root_token in s and srv.root_token.startswith("root-token-")
    assert "abcd" in s and "abc" not in s and "123456" not in s
    assert "deep-value" in s and "list-item" in s
    assert '{"k":"deep-value","l":["list-item"]}' in s and '["list-item"]' in s
    assert '{"a":"abc","b":"abcd","n":123456,"nested":{"k":"deep-value","l":["list-item"]}}' in s
    assert "pw-0001" in s and "app-user" in s
    tok = srv.add_token(policies=[])
    assert tok in srv.sensitive()
    with pytest.raises(TypeError):
        srv.put("secret", "bad", ["not", "an", "object"])


def test_wait_idle(srv):
    """Requests a client sent before going away are recorded by wait_idle()."""
    socks = []
    for i in range(8):
        s = socket.create_connection(srv.address)
        s.sendall(b"GET /v1/sys/health?i=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        socks.append(s)
    for s in socks:
        s.close()
    # wait_idle() returns as soon as every connection is accounted for; the
    # generous timeout only bounds a broken server's wait on a busy machine.
    assert srv.wait_idle(timeout=30)
    assert srv.request_count == 8
    # A request being answered slowly is already recorded: wait_idle() does
    # not wait for its answer, which is held back far longer than it waits.
    srv.latency = 60
    s = socket.create_connection(srv.address)
    s.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert wait_for(lambda: srv.in_flight == 1, timeout=30)
    assert srv.wait_idle(timeout=10) and srv.in_flight == 1
    assert srv.request_count == 9
    s.close()


def test_wait_idle_sees_a_connection_being_accepted(srv):
    """A connection taken off the listen queue but not yet registered is not
    missed: the gap between accept() and the bookkeeping is made wide here
    (on a busy machine the scheduler makes it so by chance)."""
    on_accept = srv._on_accept

    def slow_accept(sock):
        time.sleep(0.3)
        on_accept(sock)

    srv._on_accept = slow_accept
    s = socket.create_connection(srv.address)
    s.sendall(b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n")
    s.close()
    assert srv.wait_idle(timeout=30)
    assert srv.request_count == 1


# --------------------------------------------------------------------------
# fidelity details of issue 10 (vault-api.md §5, §14)


def test_kv2_numbers_in_go_float64_form(srv):
    """KV v2 decodes into float64 and answers in Go's encoding/json form;
    KV v1 keeps the numbers as written."""
    cases = {"a": 5432.0, "b": 123456789012345678901234567890, "c": 1e-7, "d": 0.1, "e": 1e21,
             "f": 1e20, "g": 1.5e-6, "h": -0.0, "i": 2 ** 53 + 1, "j": 12, "k": 1e-10, "l": 3.25e-300}
    want = {"a": "5432", "b": "1.2345678901234568e+29", "c": "1e-7", "d": "0.1", "e": "1e+21",
            "f": "100000000000000000000", "g": "0.0000015", "h": "-0", "i": "9007199254740992",
            "j": "12", "k": "1e-10", "l": "3.25e-300"}
    srv.put("secret", "nums", dict(cases, s="text", t=True, n=None, nested=[{"x": 7.0}]))
    raw = get(srv, "/v1/secret/data/nums").raw.decode()
    for k, text in want.items():
        assert '"%s":%s,' % (k, text) in raw, (k, raw)
    assert '"t":true' in raw and '"n":null' in raw and '"nested":[{"x":7}]' in raw
    srv.put("kv", "nums", {"b": 123456789012345678901234567890, "a": 5432.0})
    raw = get(srv, "/v1/kv/nums").raw.decode()
    assert '"b":123456789012345678901234567890' in raw and '"a":5432.0' in raw
    # written over HTTP too
    assert call(srv, "POST", "/v1/secret/data/w", token=srv.root_token, body='{"data":{"n":5432.0}}').status == 200
    assert '"n":5432}' in get(srv, "/v1/secret/data/w").raw.decode()
    assert srv.get("secret", "nums")["a"] == 5432


def test_ui_mounts_null_options(srv):
    """A KV v1 mount enabled as plain `kv` answers "options": null; one with
    options but no version, {}."""
    srv.add_mount("plain", 1, options=None)
    srv.add_mount("noversion", 1, options={})
    assert get(srv, "/v1/sys/internal/ui/mounts/plain/x").json["data"]["options"] is None
    assert get(srv, "/v1/sys/internal/ui/mounts/noversion/x").json["data"]["options"] == {}
    with pytest.raises(ValueError):
        srv.add_mount("bad", 2, options=None)


def test_ui_mounts_without_a_token_in_older_forms(srv):
    for status in (400, 500):
        srv.no_token_preflight = status
        check_error(get(srv, "/v1/sys/internal/ui/mounts/secret/x", token=None), status,
                    ["missing client token"])
        assert get(srv, "/v1/sys/internal/ui/mounts/secret/x").status == 200  # with a token


def test_token_uses_are_spent_as_vault_spends_them(srv):
    """Every authenticated request spends a use, denied or 404 included;
    the preflight and the login spend none; lookup-self spends one and
    reports what is left; the last use revokes the token."""
    srv.add_approle("role-u", "sid-u", policies=["secret/data/app/*"], token_num_uses=5)
    a = login(srv, "approle", {"role_id": "role-u", "secret_id": "sid-u"})
    tok = check_login(a, num_uses=5)
    assert get(srv, "/v1/sys/internal/ui/mounts/secret/app/db", token=tok).status == 200
    assert get(srv, "/v1/secret/data/app/db", token=tok).status == 200          # 4 left
    assert get(srv, "/v1/kv/legacy/db", token=tok).status == 403                # 3 left
    assert get(srv, "/v1/secret/data/app/nothing", token=tok).status == 404     # 2 left
    assert get(srv, "/v1/auth/token/lookup-self", token=tok).json["data"]["num_uses"] == 1
    assert get(srv, "/v1/secret/data/app/db", token=tok).status == 200          # the last
    assert srv.token_info(tok)[3] is True
    check_error(get(srv, "/v1/secret/data/app/db", token=tok), 403, [DENIED_TOKEN])
    check_error(get(srv, "/v1/sys/internal/ui/mounts/secret/app/db", token=tok), 403, [DENIED])
    assert srv.uses_spent[tok] == 5
    plain = srv.add_token(policies=["secret/*"], num_uses=2)
    assert get(srv, "/v1/auth/token/lookup-self", token=plain).json["data"]["num_uses"] == 1
    unlimited = srv.add_token(policies=["secret/*"])
    for _ in range(3):
        assert get(srv, "/v1/auth/token/lookup-self", token=unlimited).json["data"]["num_uses"] == 0
