"""Reliability: faults, retries, deadlines, redirects and partial failures.

Written from SPEC.md, "Vault client behaviour" and "Exit status":

- 412, 429, 500, 502, 503, 504 and connection failures (refused, reset,
  closed, cut off mid-answer) are retried with exponential backoff (base
  250 ms, cap 4 s, full jitter; VAULT_MAX_RETRIES, default 5), honouring
  Retry-After, never past the deadline; 400, 401, 403, 404, 405 are not.
- When retries stop, the exit code is that of the last failure (69 for a
  connection failure or a 5xx); 75 is for a deadline that passes while an
  answer is awaited, or a 429/412 that never lifted.
- A body over 4 MiB is 76; one 301/302/307 is followed, never https -> http,
  not at all with VAULT_DISABLE_REDIRECTS (a refused redirect is 69).
- Every failed reference gets its own stderr line; the exit code is that of
  the first failure in manifest order; on any failure nothing is exec'd.

Most tests declare `[mounts] secret = 2` so that the only traffic is the read
under test and request counts are exact.  Every run() also checks that no
secret or token reached vaultrun's output (conftest.py).
"""

import os
import secrets
import socket

import pytest

from vaultserver import http_date, tls_server_context
from helpers import MOUNTS, assert_reported, err_line, run_env, run_fails, val, venv

# The read every retry test is about: secret/r/x on the KV v2 mount "secret".
READ = "/v1/secret/data/r/x"

@pytest.fixture
def secret_x(vault):
    """secret/r/x = {"value": <fresh>} on the KV v2 mount."""
    v = val("x")
    vault.put("secret", "r/x", {"value": v})
    return v


@pytest.fixture
def one_read(manifest):
    """A manifest with X = secret/r/x and detection skipped."""
    return manifest(MOUNTS + "[env]\nX = secret/r/x\n")


def read_times(vault, target=READ):
    return [r.time for r in vault.requests if r.method == "GET" and r.target == target]


# --------------------------------------------------------------------------
# retried statuses


@pytest.mark.parametrize("status", [500, 502, 503, 504, 412])
def test_retried_status_then_success(run, vault, secret_x, one_read, envdump, status, time_limit):
    f = vault.add_fault("GET", READ, times=2, status=status)
    res, env = run_env(run, envdump, ["-f", one_read], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert f.fired == 2
    assert vault.count("GET", READ) == 3
    assert vault.request_count == 3
    # two backoffs: at most 250 + 500 ms of jitter
    assert res.elapsed < time_limit(2.0), res


@pytest.mark.timing
def test_429_retry_after_seconds(run, vault, secret_x, one_read, envdump):
    vault.add_fault("GET", READ, times=1, status=429, retry_after=1)
    res, env = run_env(run, envdump, ["-f", one_read], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert vault.count("GET", READ) == 2
    t = read_times(vault)
    assert t[1] - t[0] >= 0.9, t
    assert 0.9 <= res.elapsed < 3.0, res


@pytest.mark.timing
def test_503_retry_after_http_date(run, vault, secret_x, one_read, envdump):
    """Retry-After as an HTTP-date (whole seconds: 1 to 2 s from now)."""
    vault.add_fault("GET", READ, times=1, status=503, retry_after=http_date(2))
    res, env = run_env(run, envdump, ["-f", one_read], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert vault.count("GET", READ) == 2
    t = read_times(vault)
    assert t[1] - t[0] >= 0.9, t
    assert res.elapsed < 3.5, res


@pytest.mark.timing
def test_retry_after_beyond_deadline_is_not_awaited(run, vault, secret_x, one_read, envdump):
    """A Retry-After that ends after the deadline: give up now, with the
    answer's own code (429 that never lifted: 75), not sleep into it."""
    vault.add_fault("GET", READ, status=429, retry_after=30)
    res = run_fails(run, envdump, ["-f", one_read, "--timeout", "2"], env=venv(vault), rc=75)
    assert vault.count("GET", READ) == 1
    assert res.elapsed < 1.5, res
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.parametrize("first,then,code", [(429, 500, 69), (500, 429, 75), (503, 412, 75),
                                              ("drop", 502, 69), (412, "reset", 69)])
def test_code_is_that_of_the_last_failure(run, vault, secret_x, one_read, envdump, first, then, code):
    for status, times in ((first, 1), (then, None)):
        if isinstance(status, int):
            vault.add_fault("GET", READ, times=times, status=status)
        else:
            vault.add_fault("GET", READ, times=times, action=status)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=2), rc=code)
    # Three attempts.  A connection that dies right after being reused (the
    # 412 answer kept it alive) is reopened once by libcurl itself, as Go's
    # net/http does: the server may see that as one more request.
    n = vault.count("GET", READ)
    assert n == 3 or (then == "reset" and n == 4), n
    assert_reported(res, "X", "secret/r/x")


def test_max_retries_zero(run, vault, secret_x, one_read, envdump):
    vault.add_fault("GET", READ, times=1, status=500)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=0), rc=69)
    assert vault.count("GET", READ) == 1
    assert_reported(res, "X", "secret/r/x")


def test_max_retries_two_permanent_500(run, vault, secret_x, one_read, envdump, time_limit):
    vault.add_fault("GET", READ, status=500)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=2), rc=69)
    assert vault.count("GET", READ) == 3
    assert vault.request_count == 3
    assert res.elapsed < time_limit(2.0), res
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.parametrize("status", [429, 412])
def test_persistent_429_412_exhausting_retries_is_75(run, vault, secret_x, one_read, envdump, status):
    vault.add_fault("GET", READ, status=status)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=2), rc=75)
    assert vault.count("GET", READ) == 3
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.timing
@pytest.mark.parametrize("status", [429, 412])
def test_persistent_429_412_with_short_timeout_is_75(run, vault, secret_x, one_read, envdump, status):
    vault.add_fault("GET", READ, status=status)
    res = run_fails(run, envdump, ["-f", one_read, "--timeout", "1"], env=venv(vault), rc=75)
    assert vault.count("GET", READ) >= 2  # retried while time allowed
    assert res.elapsed < 1.6, res


@pytest.mark.parametrize("status,code", [(400, 76), (401, 77), (403, 77), (404, 66), (405, 76),
                                         # other 4xx: 76; other 5xx: 69; neither is in the retry list
                                         (409, 76), (418, 76), (501, 69), (505, 69)])
def test_not_retried(run, vault, secret_x, one_read, envdump, status, code):
    vault.add_fault("GET", READ, status=status)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault), rc=code)
    assert vault.count("GET", READ) == 1
    assert vault.request_count == 1
    assert_reported(res, "X", "secret/r/x")


# --------------------------------------------------------------------------
# connection failures


@pytest.mark.parametrize("action", ["drop", "reset", "truncate"])
def test_connection_failure_retried(run, vault, secret_x, one_read, envdump, action):
    f = vault.add_fault("GET", READ, times=1, action=action)
    res, env = run_env(run, envdump, ["-f", one_read], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert f.fired == 1
    assert vault.count("GET", READ) == 2


@pytest.mark.parametrize("action", ["drop", "reset", "truncate"])
def test_connection_failure_persisting_is_69(run, vault, secret_x, one_read, envdump, action):
    vault.add_fault("GET", READ, action=action)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=2), rc=69)
    assert vault.count("GET", READ) == 3
    assert_reported(res, "X", "secret/r/x")


def test_connection_refused_is_69(run, closed_url, envdump, time_limit):
    """Default retries: backoff adds up to 7.75 s at most, well inside 12 s."""
    res = run_fails(run, envdump, ["--timeout", "12"],
                    env={"VAULT_ADDR": closed_url, "VAULT_TOKEN": "t-" + secrets.token_hex(6),
                         "X": "vault:secret/r/x#k"}, rc=69)
    assert res.elapsed < time_limit(10), res
    assert_reported(res, "X", "secret/r/x#k")


def test_dns_failure_is_69(run, envdump, time_limit):
    res = run_fails(run, envdump, ["--timeout", "10"],
                    env={"VAULT_ADDR": "http://nonexistent.invalid:8200",
                         "VAULT_TOKEN": "t-" + secrets.token_hex(6), "X": "vault:secret/r/x#k"}, rc=69)
    assert res.elapsed < time_limit(9), res
    assert_reported(res, "X", "secret/r/x#k")


@pytest.mark.parametrize("detect", [False, True])
def test_sealed_is_69_retried_within_deadline(run, vault, secret_x, manifest, envdump, time_limit, detect):
    vault.sealed = True
    m = manifest(("" if detect else MOUNTS) + "[env]\nX = secret/r/x\n")
    res = run_fails(run, envdump, ["-f", m, "--timeout", "2"], env=venv(vault), rc=69)
    if detect:
        assert vault.count_prefix("sys/internal/ui/mounts/") > 1
    else:
        assert vault.count("GET", READ) > 1
    assert res.elapsed < time_limit(2.5), res
    lines = assert_reported(res, "X", "secret/r/x")
    assert "sealed" in " ".join(lines).lower(), res


# --------------------------------------------------------------------------
# the deadline


@pytest.mark.timing
def test_latency_beyond_deadline_is_75(run, vault, secret_x, one_read, envdump):
    vault.latency = 5
    res = run_fails(run, envdump, ["-f", one_read, "--timeout", "1"], env=venv(vault), rc=75)
    assert res.elapsed < 1.6, res
    assert vault.count("GET", READ) == 1
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.timing
def test_server_that_never_accepts_is_75(run, envdump):
    """A listener whose backlog holds the connection but nobody answers:
    the deadline passes while an answer is awaited."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        res, env = run_env(run, envdump, ["--timeout", "1"],
                           env={"VAULT_ADDR": "http://127.0.0.1:%d" % s.getsockname()[1],
                                "VAULT_TOKEN": "t-" + secrets.token_hex(6), "X": "vault:secret/r/x"})
    finally:
        s.close()
    assert res.rc == 75, res
    assert env is None
    assert res.elapsed < 1.6, res
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.timing
def test_stalled_body_is_75(run, vault, secret_x, one_read, envdump):
    vault.add_fault("GET", READ, action="stall", seconds=20)
    res = run_fails(run, envdump, ["-f", one_read, "--timeout", "1"], env=venv(vault), rc=75)
    assert res.elapsed < 1.6, res
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.timing
@pytest.mark.parametrize("action", ["delay", "stall"])
def test_deadline_includes_mount_detection(run, vault, secret_x, manifest, envdump, action):
    vault.add_fault("GET", "sys/internal/ui/mounts/*", action=action, seconds=5)
    m = manifest("[env]\nX = secret/r/x\n")
    res = run_fails(run, envdump, ["-f", m, "--timeout", "1"], env=venv(vault), rc=75)
    assert res.elapsed < 1.6, res
    assert vault.count_prefix("sys/internal/ui/mounts/") == 1
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.timing
def test_backoff_never_sleeps_past_deadline(run, vault, secret_x, one_read, envdump):
    """Permanent 503 with --timeout 1.5: backoff stops before the deadline.
    No answer was awaited when it passed, so the code is the last failure's:
    69 for a 5xx (SPEC: "75 is for a deadline that passes while an answer is
    still awaited")."""
    vault.add_fault("GET", READ, status=503)
    res = run_fails(run, envdump, ["-f", one_read, "--timeout", "1.5"], env=venv(vault), rc=69)
    assert res.elapsed < 2.0, res
    assert vault.count("GET", READ) >= 2
    # no request goes out after the deadline
    t = read_times(vault)
    assert t[-1] - t[0] < 1.5, t


# --------------------------------------------------------------------------
# answers that are not the Vault API


@pytest.mark.parametrize("kind", ["invalid_json", "wrong_type", "json_labelled_html", "data_is_string",
                                  "not_an_object", "data_data_is_list"])
def test_protocol_errors_are_76(run, vault, secret_x, one_read, envdump, kind):
    if kind == "invalid_json":
        vault.add_fault("GET", READ, action="invalid_json")
    elif kind == "wrong_type":
        vault.add_fault("GET", READ, action="wrong_type")
    elif kind == "json_labelled_html":
        # a well-formed KV v2 body, but served as text/html: not the API
        vault.add_fault("GET", READ, status=200, content_type="text/html; charset=utf-8",
                        body='{"request_id":"r","data":{"data":{"value":"x"},"metadata":{"version":1}}}')
    elif kind == "data_is_string":
        vault.add_fault("GET", READ, status=200, body={"request_id": "r", "data": "surprise"})
    elif kind == "not_an_object":
        vault.add_fault("GET", READ, status=200, body=["data", {"data": {"value": "x"}}])
    else:
        vault.add_fault("GET", READ, status=200, body={"data": {"data": ["value"], "metadata": {}}})
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault), rc=76)
    assert vault.count("GET", READ) == 1
    assert_reported(res, "X", "secret/r/x")


def test_huge_body_is_76(run, vault, secret_x, one_read, envdump):
    vault.add_fault("GET", READ, action="huge")  # 5 MiB
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault), rc=76)
    lines = assert_reported(res, "X", "secret/r/x")
    text = " ".join(lines).lower()
    assert "mib" in text or "large" in text or "size" in text, res
    assert vault.count("GET", READ) == 1


@pytest.mark.parametrize("size,code", [(4 << 20, 0), ((4 << 20) + 1, 76)])
def test_body_limit_is_exactly_4_mib(run, vault, manifest, size, code):
    """Over 4 MiB is refused; exactly 4 MiB is not over.  ([files]: a value
    that size could not go into an environment variable, and --check says
    so for [env].)"""
    vault.add_fault("GET", READ, action="huge", size=size)
    m = manifest(MOUNTS + "[files]\nX = secret/r/x\n")
    res = run(["-f", m, "--check"], env=venv(vault))
    assert res.rc == code, res
    if code:
        assert_reported(res, "X", "secret/r/x")
    else:
        assert "X secret/r/x ok" in res.out, res


def test_check_reports_a_value_too_large_for_the_environment(run, vault, one_read):
    vault.add_fault("GET", READ, action="huge", size=200 << 10)
    res = run(["-f", one_read, "--check"], env=venv(vault))
    assert res.rc == 65, res
    lines = assert_reported(res, "X", "secret/r/x")
    assert "[files]" in " ".join(lines), res


# --------------------------------------------------------------------------
# redirects


@pytest.fixture
def standby(vault, vault_factory, secret_x):
    """vault is a standby pointing at active, which holds the secret."""
    active = vault_factory(root_token=vault.root_token)
    active.put("secret", "r/x", {"value": secret_x})
    return active


@pytest.mark.parametrize("status", [307, 301, 302])
def test_redirect_followed_once(run, vault, standby, secret_x, one_read, envdump, status):
    vault.add_fault("GET", READ, action="redirect", status=status, location=standby.url)
    res, env = run_env(run, envdump, ["-f", one_read], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert vault.count("GET", READ) == 1
    assert standby.count("GET", READ) == 1
    r = standby.requests[-1]
    assert r.token == vault.root_token and r.headers.get("x-vault-request") == "true"


def test_redirect_chain_is_69(run, vault, standby, vault_factory, secret_x, one_read, envdump):
    third = vault_factory(root_token=vault.root_token)
    third.put("secret", "r/x", {"value": secret_x})
    vault.add_fault("GET", READ, action="redirect", location=standby.url)
    standby.add_fault("GET", READ, action="redirect", location=third.url)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault), rc=69)
    assert vault.count("GET", READ) == 1
    assert standby.count("GET", READ) == 1
    assert third.request_count == 0
    assert_reported(res, "X", "secret/r/x")


def test_redirects_disabled_is_69(run, vault, standby, one_read, envdump):
    vault.add_fault("GET", READ, action="redirect", location=standby.url)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_DISABLE_REDIRECTS="true"), rc=69)
    assert vault.count("GET", READ) == 1
    assert standby.request_count == 0
    assert_reported(res, "X", "secret/r/x")


def test_redirect_https_to_http_is_69(run, vault_factory, tls_certs, one_read, envdump):
    tls = vault_factory(ssl_context=tls_server_context(tls_certs.server_crt, tls_certs.server_key))
    plain = vault_factory(root_token=tls.root_token)
    v = val("x")
    tls.put("secret", "r/x", {"value": v})
    plain.put("secret", "r/x", {"value": v})
    env = venv(tls, VAULT_CACERT=tls_certs.ca)
    # the TLS set-up itself works
    res, child = run_env(run, envdump, ["-f", one_read], env=env)
    assert res.rc == 0, res
    assert child["X"] == v
    os.unlink(envdump.path)
    tls.add_fault("GET", READ, action="redirect", location=plain.url)
    res, child = run_env(run, envdump, ["-f", one_read], env=env)
    assert res.rc == 69, res
    assert child is None
    assert plain.request_count == 0
    assert_reported(res, "X", "secret/r/x")


def test_standby_redirects_everything(run, vault, standby, secret_x, manifest, envdump):
    """A standby that redirects every request (detection included) to the
    active node, as Vault does without request forwarding."""
    vault.add_fault(action="redirect", location=standby.url)
    m = manifest("[env]\nX = secret/r/x\n")
    res, env = run_env(run, envdump, ["-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert standby.count_prefix("sys/internal/ui/mounts/secret") == 1
    assert standby.count("GET", READ) == 1
    assert all(r.status == 307 for r in vault.requests)


def test_redirect_http_to_https_is_followed(run, vault, vault_factory, tls_certs, one_read, envdump):
    tls = vault_factory(root_token=vault.root_token,
                        ssl_context=tls_server_context(tls_certs.server_crt, tls_certs.server_key))
    v = val("x")
    tls.put("secret", "r/x", {"value": v})
    vault.add_fault("GET", READ, action="redirect", location=tls.url)
    res, env = run_env(run, envdump, ["-f", one_read], env=venv(vault, VAULT_CACERT=tls_certs.ca))
    assert res.rc == 0, res
    assert env["X"] == v
    assert tls.count("GET", READ) == 1


@pytest.mark.parametrize("status", [303, 308])
def test_other_redirects_not_followed(run, vault, standby, one_read, envdump, status):
    """Only 301, 302 and 307 are followed; anything else 3xx is refused."""
    vault.add_fault("GET", READ, action="redirect", status=status, location=standby.url)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault), rc=69)
    assert vault.count("GET", READ) == 1
    assert standby.request_count == 0
    assert_reported(res, "X", "secret/r/x")


def test_redirect_without_location_is_69(run, vault, secret_x, one_read, envdump):
    vault.add_fault("GET", READ, status=307, body="")
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault), rc=69)
    assert vault.count("GET", READ) == 1
    assert_reported(res, "X", "secret/r/x")


def test_redirect_to_a_node_that_is_down_is_69(run, vault, secret_x, one_read, envdump, closed_url):
    vault.add_fault("GET", READ, action="redirect", location=closed_url)
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=1), rc=69)
    assert_reported(res, "X", "secret/r/x")


# --------------------------------------------------------------------------
# partial failure: all reported, the first in manifest order decides


@pytest.mark.parametrize("first", ["DENIED", "MISSING"])
def test_partial_failure_follows_manifest_order(run, vault, manifest, envdump, first):
    tok = vault.add_token(policies=["secret/data/app/*"])
    good = {n: val(n) for n in ("A", "B", "C")}
    for n, v in good.items():
        vault.put("secret", "app/" + n.lower(), {"value": v})
    vault.put("secret", "private/p", {"value": val("private")})
    failing = {"DENIED": ("secret/private/p", "/v1/secret/data/private/p", 77),
               "MISSING": ("secret/app/none", "/v1/secret/data/app/none", 66)}
    second = "MISSING" if first == "DENIED" else "DENIED"
    # the first-listed failure is answered last
    vault.add_fault("GET", failing[first][1], action="delay", seconds=0.4)
    m = manifest(MOUNTS + "[env]\n"
                 "A = secret/app/a\n"
                 "%s = %s\n" % (first, failing[first][0]) +
                 "B = secret/app/b\n"
                 "%s = %s\n" % (second, failing[second][0]) +
                 "C = secret/app/c\n")
    res = run_fails(run, envdump, ["-f", m], env=venv(vault, token=tok), rc=failing[first][2])
    fd = assert_reported(res, first, failing[first][0])
    sd = assert_reported(res, second, failing[second][0])
    assert len(fd) == 1 and len(sd) == 1 and fd != sd
    for n in good:
        assert not err_line(res, "%s: secret/app/%s" % (n, n.lower())), res
    # every path read exactly once; the delayed one really finished last
    for ref, target, _ in failing.values():
        assert vault.count("GET", target) == 1
    assert vault.request_count == 5


# --------------------------------------------------------------------------
# backoff, retries under load, detection retried


@pytest.mark.timing
def test_backoff_bounds(run, vault, secret_x, one_read, envdump):
    """Full jitter over 250 ms doubling: the n-th wait is at most 250 * 2^n ms
    (plus scheduling slack), and the waits are not all at their ceiling."""
    vault.add_fault("GET", READ, status=500)
    run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=4), rc=69)
    t = read_times(vault)
    assert len(t) == 5
    gaps = [b - a for a, b in zip(t, t[1:])]
    ceilings = [0.25, 0.5, 1.0, 2.0]
    for gap, ceil in zip(gaps, ceilings):
        assert gap <= ceil + 0.15, (gaps, ceilings)
    assert any(gap < 0.95 * ceil for gap, ceil in zip(gaps, ceilings)), gaps


def test_retries_under_a_concurrency_cap(run, vault, manifest, envdump):
    """Twenty paths that each fail once, two requests in flight at most: a
    request backing off holds no slot, and every path ends up read."""
    vals = {}
    for i in range(20):
        vals["V%02d" % i] = val("v%02d" % i)
        vault.put("secret", "many/p%02d" % i, {"value": vals["V%02d" % i]})
        vault.add_fault("GET", "/v1/secret/data/many/p%02d" % i, times=1,
                        status=(500, 503, 429, 412)[i % 4])
    m = manifest(MOUNTS + "[env]\n" + "".join("V%02d = secret/many/p%02d\n" % (i, i) for i in range(20)))
    res, env = run_env(run, envdump, ["-f", m, "-j", "2"], env=venv(vault))
    assert res.rc == 0, res
    for name, v in vals.items():
        assert env[name] == v
    for i in range(20):
        assert vault.count("GET", "/v1/secret/data/many/p%02d" % i) == 2
    assert vault.max_in_flight <= 2


@pytest.mark.timing
def test_deadline_with_queued_requests_reports_every_variable(run, vault, manifest, envdump):
    """-j 1 and slow answers: at the deadline some reads are in flight and
    some never left the queue; every variable is reported, the code is 75."""
    for i in range(6):
        vault.put("secret", "slow/p%d" % i, {"value": val("slow")})
    vault.latency = 0.4
    m = manifest(MOUNTS + "[env]\n" + "".join("S%d = secret/slow/p%d\n" % (i, i) for i in range(6)))
    res = run_fails(run, envdump, ["-f", m, "-j", "1", "--timeout", "1"], env=venv(vault), rc=75)
    assert res.elapsed < 1.6, res
    failed = [len(err_line(res, "S%d:" % i, "secret/slow/p%d" % i)) for i in range(6)]
    # S0 is answered at 0.4 s; the reads after the first one the deadline
    # catches all fail, each reported once, in flight or still queued
    assert failed[0] == 0 and failed[5] == 1, res
    assert all(n <= 1 for n in failed), res
    k = failed.index(1)
    assert failed[k:] == [1] * (6 - k), res
    assert "before the request could be sent" in res.err or "waiting for an answer" in res.err, res
    assert vault.request_count <= 3


def test_preflight_retried(run, vault, secret_x, manifest, envdump):
    f = vault.add_fault("GET", "sys/internal/ui/mounts/*", times=2, status=503)
    m = manifest("[env]\nX = secret/r/x\n")
    res, env = run_env(run, envdump, ["-f", m], env=venv(vault))
    assert res.rc == 0, res
    assert env["X"] == secret_x
    assert f.fired == 2
    assert vault.count_prefix("sys/internal/ui/mounts/") == 3
    assert vault.count("GET", READ) == 1


def test_preflight_failing_for_good_is_69(run, vault, secret_x, manifest, envdump):
    vault.add_fault("GET", "sys/internal/ui/mounts/*", status=500)
    m = manifest("[env]\nX = secret/r/x\nY = secret/r/y\n")
    res = run_fails(run, envdump, ["-f", m], env=venv(vault, VAULT_MAX_RETRIES=1), rc=69)
    assert vault.count_prefix("sys/internal/ui/mounts/") == 2
    assert_reported(res, "X", "secret/r/x")
    assert_reported(res, "Y", "secret/r/y")


def test_5xx_with_html_body_is_69(run, vault, secret_x, one_read, envdump):
    """A load balancer's HTML error page: retried like any 502, then 69."""
    vault.add_fault("GET", READ, status=502, body="<html><body>Bad Gateway</body></html>",
                    content_type="text/html")
    res = run_fails(run, envdump, ["-f", one_read], env=venv(vault, VAULT_MAX_RETRIES=1), rc=69)
    assert vault.count("GET", READ) == 2
    assert "<html" not in res.err.lower(), res  # the page is not dumped
    assert_reported(res, "X", "secret/r/x")


@pytest.mark.timing
def test_connection_refused_respects_short_timeout(run, closed_url, envdump):
    res = run_fails(run, envdump, ["--timeout", "0.8"],
                    env={"VAULT_ADDR": closed_url, "VAULT_TOKEN": "t-" + secrets.token_hex(6),
                         "VAULT_MAX_RETRIES": "50", "X": "vault:secret/r/x#k"}, rc=69)
    assert res.elapsed < 1.3, res
