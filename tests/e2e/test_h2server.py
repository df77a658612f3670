"""HTTP/2 straight to the test server, as to Vault's TLS listener.

The test server offers ALPN "h2, http/1.1" (h2conn.py, Debian's python3-h2
for the framing, Go's limits).  First it is checked against clients nobody
here wrote, Debian's curl(1) and nghttp(1): the same statuses, content types
and bodies over HTTP/2 as over HTTP/1.1.  Then vaultrun meets it: every read
of a run in flight at once on one connection, -j honoured, and each
HTTP/2-level fault (a stream reset, a GOAWAY with streams in flight, the
connection dropped under them, a low SETTINGS_MAX_CONCURRENT_STREAMS): what
is retried, the exit status, and from the server's request log that no
variable is lost or read twice.  The run fixture checks that no secret or
token reaches vaultrun's output.

Skipped only when python3-h2 is not importable (make test runs
/usr/bin/python3, which has it).
"""

import json
import re
import shutil
import subprocess

import pytest

from helpers import MOUNTS, err_line, run_env, val, venv
from vaultserver import tls_server_context

try:
    import h2conn  # noqa: F401
except ImportError:  # pragma: no cover
    h2conn = None

pytestmark = pytest.mark.skipif(h2conn is None, reason="python3-h2 is not importable")

CURL = shutil.which("curl")
NGHTTP = shutil.which("nghttp")


@pytest.fixture
def h2vault(vault_factory, tls_certs):
    """A TLS test server offering h2 and http/1.1."""
    return vault_factory(ssl_context=tls_server_context(str(tls_certs.server_crt), str(tls_certs.server_key)))


def h2env(srv, tls_certs, **extra):
    return venv(srv, VAULT_CACERT=tls_certs.ca, **extra)


def seed(srv, n, tag="h2"):
    """n paths secret/h2/pNN = {"value": ...}; returns {VAR: value}."""
    values = {}
    for i in range(n):
        v = val("%s%02d" % (tag, i))
        srv.put("secret", "h2/p%02d" % i, {"value": v})
        values["V%02d" % i] = v
    return values


def refs_manifest(manifest, n):
    return manifest(MOUNTS + "[env]\n" + "".join("V%02d = secret/h2/p%02d\n" % (i, i) for i in range(n)))


def reads(srv):
    return [r for r in srv.requests if r.path.startswith("/v1/secret/data/h2/")]


def by_path(srv):
    out = {}
    for r in reads(srv):
        out.setdefault(r.path, []).append(r)
    return out


def run_refs(run, envdump, manifest, srv, tls_certs, n, latency=0.0, args=(), rc=0, **env):
    """Seed n paths, resolve them all through srv with the answers held for
    `latency` seconds each; assert the exit status, and every value in the
    child when it is 0."""
    values = seed(srv, n)
    m = refs_manifest(manifest, n)
    srv.latency = latency
    srv.reset_stats()
    res, child = run_env(run, envdump, list(args) + ["-f", m], env=h2env(srv, tls_certs, **env))
    assert res.rc == rc, res
    if rc == 0:
        assert child is not None, "the command did not run"
        for name, v in values.items():
            assert child.get(name) == v, name
    else:
        assert child is None
    return res


# --------------------------------------------------------------------------
# the server against curl(1) and nghttp(1)


def normalized(body):
    """A body with what differs per request (request_id) taken out."""
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    if isinstance(doc, dict):
        doc.pop("request_id", None)
    return doc


def curl_get(url, version, token, ca):
    p = subprocess.run([CURL, "-s", "--cacert", str(ca), version, "-H", "X-Vault-Token: " + token,
                        "-D", "-", "-o", "-", "-w", "\n%{http_version}", url],
                       capture_output=True, timeout=20)
    out = p.stdout.decode()
    head, _, rest = out.partition("\r\n\r\n")
    body, _, proto = rest.rpartition("\n")
    status = int(head.split()[1])
    ctype = re.search(r"(?im)^content-type:\s*(\S.*?)\s*$", head)
    return proto, status, ctype.group(1) if ctype else None, body


def nghttp_get(url, token):
    hdrs = ["-H", "x-vault-token: " + token]
    v = subprocess.run([NGHTTP, "-v", "-n"] + hdrs + [url], capture_output=True, timeout=20).stdout.decode()
    body = subprocess.run([NGHTTP] + hdrs + [url], capture_output=True, timeout=20).stdout.decode()
    status = int(re.search(r":status: (\d+)", v).group(1))
    ctype = re.search(r"\bcontent-type: (.*)", v)
    return "2", status, ctype.group(1).strip() if ctype else None, body


@pytest.mark.skipif(CURL is None or NGHTTP is None, reason="curl or nghttp (nghttp2-client) missing")
def test_curl_and_nghttp_get_over_http2_what_http11_gets(h2vault, tls_certs):
    h2vault.put("secret", "app/db", {"password": val("pw"), "user": "app"})
    h2vault.put("kv", "legacy/x", {"value": val("kv1")})
    limited = h2vault.add_token(policies=["secret/data/app/*"])
    base = h2vault.url
    cases = [  # (path, token)
        ("/v1/secret/data/app/db", h2vault.root_token),
        ("/v1/secret/data/app/db?version=1", h2vault.root_token),
        ("/v1/secret/data/app/missing", h2vault.root_token),
        ("/v1/secret/metadata/app?list=true", h2vault.root_token),
        ("/v1/kv/legacy/x", limited),            # 403
        ("/v1/secret/data/app/db", "not-a-token"),  # 403
        ("/v1/sys/internal/ui/mounts/secret", h2vault.root_token),
        ("/v1/kv/legacy/x", h2vault.root_token),
        ("/v1/sys/health", h2vault.root_token),
    ]
    statuses = set()
    for path, token in cases:
        ref = curl_get(base + path, "--http1.1", token, tls_certs.ca)
        assert ref[0] == "1.1", ref
        for got in (curl_get(base + path, "--http2", token, tls_certs.ca), nghttp_get(base + path, token)):
            assert got[0] == "2", (path, got)
            assert got[1:3] == ref[1:3], (path, got, ref)
            if path == "/v1/sys/health":  # its server_time_utc moves
                continue
            assert normalized(got[3]) == normalized(ref[3]), (path, got, ref)
        statuses.add(ref[1])
    assert statuses >= {200, 403, 404}
    assert h2vault.errors == []


# --------------------------------------------------------------------------
# vaultrun over HTTP/2


def test_all_reads_in_flight_at_once_on_one_connection(run, h2vault, tls_certs, manifest, envdump, time_limit):
    n = 40  # more than the 32 connections of HTTP/1.1
    # Each answer waits 0.5 s: only reads sent together are in flight together.
    run_refs(run, envdump, manifest, h2vault, tls_certs, n, latency=time_limit(0.5))
    assert len(reads(h2vault)) == n
    assert h2vault.connections == 1
    assert len({r.conn for r in h2vault.requests}) == 1
    assert h2vault.max_in_flight == n


def test_j_caps_requests_in_flight_over_http2(run, h2vault, tls_certs, manifest, envdump, time_limit):
    # 30 reads 5 at a time are 6 rounds of the held answer (4 s each under
    # valgrind): the default 30 s deadline ran out in a loaded valgrind run,
    # so the deadline is twice the rounds' time plus the default's 30 s.
    latency = time_limit(0.2)
    deadline = int(2 * 6 * latency) + 30
    run_refs(run, envdump, manifest, h2vault, tls_certs, 30, latency=latency,
             args=["-j", "5", "-t", str(deadline)])
    assert h2vault.max_in_flight == 5
    assert h2vault.connections == 1


def test_one_stream_reset_is_retried_alone(run, h2vault, tls_certs, manifest, envdump):
    f = h2vault.add_fault("GET", "secret/data/h2/p07", times=1, action="rst_stream")
    run_refs(run, envdump, manifest, h2vault, tls_certs, 30)
    assert f.fired == 1
    paths = by_path(h2vault)
    assert [r.status for r in paths["/v1/secret/data/h2/p07"]] == [None, 200]
    assert all([r.status for r in rs] == [200] for p, rs in paths.items() if not p.endswith("p07")), paths
    assert h2vault.h2_events["rst_stream"] == 1


def test_a_stream_reset_every_time_is_69_after_the_retries(run, h2vault, tls_certs, manifest, envdump):
    h2vault.add_fault("GET", "secret/data/h2/p03", action="rst_stream")
    res = run_refs(run, envdump, manifest, h2vault, tls_certs, 5, rc=69, VAULT_MAX_RETRIES=2)
    assert len(by_path(h2vault)["/v1/secret/data/h2/p03"]) == 3  # 1 + VAULT_MAX_RETRIES
    assert err_line(res, "V03", "secret/h2/p03"), res
    assert "3 attempts" in res.err, res


def test_goaway_with_streams_in_flight_loses_and_repeats_nothing(run, h2vault, tls_certs, manifest, envdump, time_limit):
    n, at = 30, 10
    h2vault.h2_goaway_at = at
    # GOAWAY goes out when stream at+1 arrives, naming the at-th as the
    # last: at least that one stream is refused, whatever the timing.
    run_refs(run, envdump, manifest, h2vault, tls_certs, n, latency=time_limit(0.3))
    assert h2vault.h2_events["goaway"] == 1
    # Streams above GOAWAY's last stream id were refused unprocessed and sent
    # again on a new connection; the others were answered on the first.
    assert h2vault.h2_events["refused"] >= 1
    # libcurl sends each refused stream again on a fresh connection
    assert h2vault.connections >= 2
    paths = by_path(h2vault)
    assert len(paths) == n
    assert all([r.status for r in rs] == [200] for rs in paths.values()), paths


def test_connection_dropped_mid_flight_retries_the_unanswered(run, h2vault, tls_certs, manifest, envdump, time_limit):
    n, at = 30, 10
    h2vault.h2_drop_at = at
    run_refs(run, envdump, manifest, h2vault, tls_certs, n, latency=time_limit(0.3))
    assert h2vault.h2_events["dropped"] == 1
    paths = by_path(h2vault)
    assert len(paths) == n
    # Each path answered exactly once; what the dropped connection had taken
    # (`at` streams, never answered) was sent again, nothing else twice.
    assert all([r.status for r in rs].count(200) == 1 for rs in paths.values()), paths
    lost = [r for r in reads(h2vault) if r.status is None]
    assert len(lost) == at, lost
    assert len(reads(h2vault)) == n + at


def test_low_stream_limit_is_respected(run, h2vault, tls_certs, manifest, envdump, time_limit):
    n, limit = 30, 4
    h2vault.h2_max_streams = limit
    # Held 0.3 s: long enough for the further connections' handshakes, so
    # that their streams overlap the first connection's.
    run_refs(run, envdump, manifest, h2vault, tls_certs, n, latency=time_limit(0.3))
    # Once the client had the server's SETTINGS, no connection carried more
    # than `limit` (the server would have refused it with PROTOCOL_ERROR):
    # libcurl opens more connections, as Go's client does.  Streams sent
    # before the SETTINGS arrived may be refused unprocessed (REFUSED_STREAM)
    # and are sent again: the request log has each path once.
    assert h2vault.h2_events["over_limit"] == 0
    assert h2vault.max_in_flight > limit
    paths = by_path(h2vault)
    assert len(paths) == n
    assert all([r.status for r in rs] == [200] for rs in paths.values()), paths


def test_http11_only_tls_keeps_32_connections(run, vault_factory, tls_certs, manifest, envdump, time_limit):
    srv = vault_factory(ssl_context=tls_server_context(str(tls_certs.server_crt), str(tls_certs.server_key),
                                                       http2=False))
    run_refs(run, envdump, manifest, srv, tls_certs, 40, latency=time_limit(0.3))
    # 40 reads, answers held 0.3 s: as many connections as the cap allows,
    # and never more requests at once than connections.
    assert srv.connections == 32
    assert srv.max_in_flight <= 32


# --------------------------------------------------------------------------
# Go's IdleTimeout: GOAWAY on a kept connection with nothing in flight


def test_idle_goaway_between_login_and_reads(run, h2vault, tls_certs, manifest, envdump):
    """VAULT_RATE_LIMIT spaces the requests 0.25 s apart and the server
    GOAWAYs a connection idle for 0.1 s: the login, each read and the
    revoke find their kept connection gone (or going: a stream sent as the
    GOAWAY left is refused unprocessed and sent again).  Every value
    arrives and every request is served once."""
    n = 4
    h2vault.add_approle("rid-idle", "sid-idle", policies=["secret/*"])
    h2vault.h2_idle_timeout = 0.1
    run.forbid("sid-idle")
    run_refs(run, envdump, manifest, h2vault, tls_certs, n, VAULT_TOKEN=None, VAULT_RATE_LIMIT="4:1",
             VAULT_ROLE_ID="rid-idle", VAULT_SECRET_ID="sid-idle")
    assert h2vault.h2_events["idle_goaway"] >= 2
    assert h2vault.connections >= 3
    paths = by_path(h2vault)
    assert len(paths) == n
    assert all([r.status for r in rs] == [200] for rs in paths.values()), paths
    assert h2vault.count("POST", "/v1/auth/approle/login") == 1
    assert h2vault.count("POST", "/v1/auth/token/revoke-self") == 1


@pytest.mark.timing
def test_idle_goaway_between_supervised_renewals(run, h2vault, tls_certs, tmp_path):
    """--supervise with a 3 s AppRole token renewed every ~1.5 s, the server
    closing each connection idle for 0.3 s: every renewal goes out on a new
    connection and succeeds, and the token is revoked at the end."""
    h2vault.put("secret", "app/db", {"password": "pw-idle-renewal"})
    h2vault.add_approle("rid-ir", "sid-ir", policies=["secret/*"], ttl=3)
    h2vault.h2_idle_timeout = 0.3
    run.forbid("sid-ir")
    env = h2env(h2vault, tls_certs, VAULT_TOKEN=None, VAULT_ROLE_ID="rid-ir", VAULT_SECRET_ID="sid-ir",
                DB_PASSWORD="vault:secret/app/db#password")
    res = run(["-s", "--", "/bin/sh", "-c", "sleep 4"], env=env, timeout=60)
    assert res.rc == 0, res
    renewals = [r for r in h2vault.requests if r.path == "/v1/auth/token/renew-self"]
    assert len(renewals) >= 1, res
    assert all(r.status == 200 for r in renewals), renewals
    assert not err_line(res, "renew"), res
    assert h2vault.h2_events["idle_goaway"] >= 2
    assert h2vault.connections >= 3
    assert h2vault.count("POST", "/v1/auth/token/revoke-self") == 1
