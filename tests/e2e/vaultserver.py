#!/usr/bin/python3
"""vaultserver - a HashiCorp Vault-compatible HTTP server for vaultrun's tests.

Python 3 standard library only.  It implements the slice of the Vault HTTP API
described in /work/shared/vault-api.md that a secrets launcher meets: KV v1 and
v2 (reads, metadata, lists, writes, deletes), KV version detection
(sys/internal/ui/mounts), sys/health, token lookup/renew/revoke-self, logins
(AppRole, Kubernetes, JWT, TLS certificate) on any auth mount path, Enterprise
namespaces, ACL policies made of path globs, and Vault's exact status codes,
envelopes and error strings.  On top of that it has the knobs a test needs.

In process (a fresh server per test; start and stop take a few milliseconds):

    srv = VaultServer(root_token="root-token-x").start()   # http://127.0.0.1:PORT
    srv.add_mount("secret", version=2)
    srv.put("secret", "app/db", {"password": "s3cr3t"})
    ... srv.url, srv.requests, srv.count("GET", "/v1/secret/data/app/db") ...
    srv.stop()                 # or: with VaultServer() as srv: ...

Constructor: VaultServer(root_token=None, host="127.0.0.1", port=0,
unix_path=None, ssl_context=None, latency=0.0).  unix_path serves on a unix
socket instead of TCP (url "unix:///path"); ssl_context (an ssl.SSLContext
with the server certificate loaded; verify_mode CERT_OPTIONAL or
CERT_REQUIRED for client certificates) wraps every connection in TLS (url
"https://...").  tls_server_context() builds one from files.  Also:
.address ((host, port) or the socket path), .port, .root_token.

Knobs (plain attributes, change them at any time):
    latency        seconds slept before answering each request (concurrently)
    sealed         every /v1 request except sys/health answers 503
    preflight_404  sys/internal/ui/mounts answers 404 {"errors":[]} (pre-0.10)
    no_token_preflight  how the preflight answers a request without a token:
                   403 (current Vault, the default), 400 or 500 (some older
                   releases: {"errors":["missing client token"]})
    version        the version sys/health reports

State (all thread-safe; namespace=None is the root namespace):
    add_mount(path, version=2, namespace=None, max_versions=10,
              options="version")
        options: "version" ({"version": "<v>"}, as `kv-v1`/`kv-v2` or
        `-version=N` set it), None ("options": null, as a KV v1 mount
        enabled as plain `kv` shows it), or a dict shown as it is.
        KV v2 keeps numbers as Vault's plugin does (float64, rendered in
        Go's shortest form: 5432.0 -> 5432, 1e-7 -> 1e-7, a 30-digit
        integer -> 1.2345678901234568e+29); KV v1 keeps them as written.
    put(mount, path, obj, namespace=None) -> version (v1: replace; v2: append)
    get(mount, path, version=None, namespace=None) -> a copy of the object
    delete_version(mount, path, version=None, namespace=None)   soft delete
    undelete_version(mount, path, version, namespace=None)
    destroy_version(mount, path, version=None, namespace=None)
    add_token(token=None, policies=(), type="service", namespace=None,
              ttl=2764800) -> token
    revoke_token(token)
    token_info(token) -> (type, policies, namespace, revoked) or None
    minted_tokens -> tokens created by logins, in order
    add_namespace(name)             (add_mount/add_token create them too)
    enable_auth(mount, method, namespace=None)     (the add_* below do it)
    add_approle(role_id, secret_id=None, policies=(), token_type="service",
                mount="approle", role_name=None, namespace=None, ttl=3600,
                token_num_uses=0)
        token_num_uses > 0: every authenticated request (denied or 404
        included; not the sys/internal/ui/mounts preflight, not the login)
        spends one use; lookup-self spends one and reports what is left;
        the token is revoked with its last use, so the next request is 403.
    add_token(..., num_uses=0) likewise.
    add_kubernetes_role(role, jwts, policies=(), token_type="service",
                        mount="kubernetes", namespace=None, ttl=3600)
    add_jwt_role(role, jwts, policies=(), token_type="service", mount="jwt",
                 namespace=None, ttl=3600, default=False)
    add_cert_role(name, policies=(), token_type="service", mount="cert",
                  common_names=None, namespace=None, ttl=3600)
    load_seed(dict)                               the CLI's --seed format
    sensitive() -> set of str    every seeded secret string leaf of >= 4 bytes,
                                 the compact JSON of every object and array,
                                 every token (given or minted), secret_id, JWT

Policies are lists of path globs granting read and list, matched against the
API path relative to the token's namespace (a KV v2 read needs
"secret/data/..."): a trailing "*" is a prefix match, a "+" segment matches
exactly one path segment.  Writes (POST/PUT/PATCH/DELETE) need the root
token.  The root token may do anything.

Faults (fire in registration order, each at most `times` times, before the
normal answer; a request matches the first armed fault whose method and path
match):
    add_fault(method=None, path=None, times=None, action=None, **params)
        -> Fault (its .fired counts how often it fired)
    path: None (any), "/v1/secret/data/x" (exact path; "secret/data/x" means
    the same, "/v1/" is prepended; with "?..." the query must match too),
    "secret/data/*" (prefix), or a compiled regex searched in path+query.
    times: an int, or None for forever.
    actions:
      "status"       status=N, body=dict|str|bytes (default a fitting
                     {"errors":[...]}), headers={}, retry_after=int|str
                     (Retry-After; see http_date()).  The default action when
                     status= is given.
      "drop"         close the connection without answering
      "reset"        close with a TCP RST (SO_LINGER 0)
      "truncate"     the normal answer's headers with a Content-Length larger
                     than the body sent, then close
      "invalid_json" 200, application/json, a body that is not JSON
      "wrong_type"   200, text/html
      "huge"         200 with a valid KV v2 JSON body of size= bytes (default
                     5 MiB), streamed
      "redirect"     307 (status=301/302 also) with Location: location= plus
                     the request's path and query (keep_path=False: as given)
      "delay"        sleep seconds= then answer normally
      "stall"        send the headers and half the normal body, then hang until
                     the client closes (or seconds=, default 120, or stop())
      "rst_stream"   HTTP/2: RST_STREAM (error_code=, default INTERNAL_ERROR)
                     instead of an answer; HTTP/1.1: as "reset"
    clear_faults()

Stats (snapshots; reset_stats() clears them, not the state; wait_idle() first
when the client may have exited with requests in flight):
    request_count, requests (list of Request: method, target (as sent),
    path (decoded), query (parse_qs dict), headers (lower-case names), body,
    token (X-Vault-Token or Bearer), namespace (X-Vault-Namespace as sent),
    conn, status (None: not answered), peer_cert (TLS client certificate)),
    count(method, target), count_prefix(prefix, method=None), max_in_flight,
    in_flight, connections (accepted; accepted_at: their times), revocations (token -> revoke-self
    calls, successful or not), logins (method -> count), errors (server-side
    tracebacks; should stay empty), uses_spent (token -> uses spent).

Transport: HTTP/1.1 keep-alive, a daemon thread per connection, TCP_NODELAY on
every accepted TCP socket, each response written with one sendall() so that
Nagle's algorithm and delayed ACKs never stall a reused connection.
Over TLS, ALPN offers "h2" and "http/1.1" as Vault's listener does
(tls_server_context(..., http2=False): "http/1.1" only); an h2 connection is
served by h2conn.py (python3-h2, Go's limits: 250 streams), each stream
through the same request handling.  Its switches: h2_max_streams (250),
h2_goaway_at, h2_drop_at, h2_idle_timeout (see h2conn.py); h2_events counts what they did.

CLI:
    python3 vaultserver.py [--listen 127.0.0.1:8200 | --unix PATH]
        [--latency S] [--seed FILE.json] [--root-token TOKEN]
        [--tls-cert F --tls-key F [--tls-client-ca F]]
prints the URL on stdout line 1 and the root token on line 2, then serves
until killed.  Seed file (JSON; every key optional; "namespaces" maps a
namespace name to an object of this same form, minus root_token):

    {"root_token": "root",
     "mounts":  {"secret": 2, "kv": 1},
     "secrets": {"secret": {"app/db": {"password": "x"},
                            "app/old": [{"v": "1"}, {"v": "2"}]},   # versions
                 "kv":     {"legacy/x": {"value": "y"}}},
     "tokens":  [{"token": "t1", "policies": ["secret/data/app/*"],
                  "type": "service"}],
     "approle": [{"role_id": "r", "secret_id": "s", "policies": ["*"]}],
     "kubernetes": [{"role": "app", "jwts": ["eyJ..."], "policies": ["*"]}],
     "jwt":     [{"role": "ci", "jwts": ["eyJ..."], "policies": ["*"]}],
     "cert":    [{"name": "web", "policies": ["*"]}],
     "namespaces": {"team-a": {"mounts": {"secret": 2}, "secrets": {...}}}}
"""

import argparse
import collections
import decimal
import email.utils
import http
import http.server
import json
import os
import re
import secrets
import select
import selectors
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
import uuid

from engines import Engines

__all__ = ["VaultServer", "Fault", "Request", "tls_server_context", "http_date"]

DEFAULT_LEASE = 2764800  # 768h, Vault's default lease TTL for KV v1 reads
MAX_BODY = 32 << 20  # Vault's DefaultMaxRequestSize

INVALID_PATH_WARNING = (
    "Invalid path for a versioned K/V secrets engine. See the API docs for the "
    "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv "
    "get' for this operation."
)
ROOT_WARNING = "Non-listing operations on the root of a K/V v2 mount are not supported."
DENIED = "permission denied"
DENIED_POLICY = "1 error occurred:\n\t* permission denied\n\n"
DENIED_TOKEN = "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"
PREFLIGHT = (
    "preflight capability check returned 403, please ensure client's "
    "policies grant access to path %s"
)

LOGICAL_METHODS = {
    "GET": "read",
    "HEAD": "header",
    "LIST": "list",
    "POST": "update",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# --------------------------------------------------------------------------
# small helpers


class _GoNumber:
    """A number with fixed JSON text (KV v2: Go's float64 rendering)."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


_NUM_MARK = "vaultserver-number-%s:" % secrets.token_hex(8)  # ASCII: any ensure_ascii
_NUM_RX = re.compile('"%s(\\d+)"' % re.escape(_NUM_MARK))


def _dumps(obj, **kw):
    """json.dumps that writes each _GoNumber as its text."""
    texts = []

    def default(o):
        if isinstance(o, _GoNumber):
            texts.append(o.text)
            return "%s%d" % (_NUM_MARK, len(texts) - 1)
        raise TypeError("not JSON serializable: %r" % (o,))

    s = json.dumps(obj, default=default, **kw)
    return _NUM_RX.sub(lambda m: texts[int(m.group(1))], s) if texts else s


def go_float(x):
    """Go's encoding/json text for float64(x): the shortest digits that
    round-trip, as 'f' format for 1e-6 <= |x| < 1e21 (and 0), else 'e'
    format with a one-digit negative exponent written without its 0."""
    f = float(x)  # OverflowError for what float64 cannot hold, as Go refuses it
    if f != f or f in (float("inf"), float("-inf")):
        raise ValueError("not a JSON number")
    a = abs(f)
    if a != 0 and (a < 1e-6 or a >= 1e21):
        s = repr(f)  # Python's repr is 'e' form here, shortest digits
        mant, _, exp = s.partition("e")
        sign, digits = exp[0], exp[1:].lstrip("0") or "0"
        if len(digits) < 2 and sign == "+":
            digits = "0" + digits
        return "%se%s%s" % (mant, sign, digits)
    return format(decimal.Decimal(repr(f)).normalize(), "f")


def _go_numbers(obj):
    """obj with every number as Go's float64 rendering (KV v2 storage)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (int, float)):
        return _GoNumber(go_float(obj))
    if isinstance(obj, dict):
        return {k: _go_numbers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_go_numbers(v) for v in obj]
    return obj


def _json(obj):
    """Encode like Go's json.Encoder: compact, UTF-8, <>& escaped, plus "\\n"."""
    s = _dumps(obj, separators=(",", ":"), ensure_ascii=False)
    s = (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return (s + "\n").encode("utf-8")


def rfc3339(ns=None):
    """Go's time.RFC3339Nano in UTC: nanoseconds, trailing zeros trimmed."""
    ns = time.time_ns() if ns is None else ns
    sec, frac = divmod(ns, 10**9)
    s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
    if frac:
        s += "." + ("%09d" % frac).rstrip("0")
    return s + "Z"


def http_date(seconds_from_now=0.0):
    """An HTTP-date (for Retry-After) seconds_from_now in the future."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


def _new_token(batch=False):
    rand = "".join(secrets.choice(_B62) for _ in range(24))
    return ("hvb." if batch else "hvs.") + rand


def _norm(path):
    """Strip leading/trailing slashes and collapse empty segments."""
    return "/".join(s for s in (path or "").split("/") if s)


def _parse_duration(v):
    """Vault's ParseDurationSecond: an integer (seconds) or a Go duration."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return int(v)
    if not isinstance(v, str) or not v:
        return None
    if re.fullmatch(r"\d+", v):
        return int(v)
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", v)
    if not parts or "".join(a + b for a, b in parts) != v:
        return None
    return int(sum(float(a) * units[b] for a, b in parts))


def _ns_within(ns, parent):
    """Is namespace ns parent itself or one of its descendants?"""
    return parent == "" or ns == parent or ns.startswith(parent + "/")


def _glob_regex(glob):
    """A Vault policy path: trailing '*' = prefix, '+' segment = one segment."""
    prefix = glob.endswith("*")
    body = glob[:-1] if prefix else glob
    rx = "/".join("[^/]+" if seg == "+" else re.escape(seg) for seg in body.split("/"))
    return re.compile(rx + (".*" if prefix else "") + r"\Z", re.S)


def _glob_reaches(glob, mount):
    """hasMountAccess approximation: can glob match some path under mount/?"""
    if glob.startswith(mount):
        return True
    cut = len(glob)
    for ch in "*+":
        i = glob.find(ch)
        if i >= 0:
            cut = min(cut, i)
    if cut == len(glob):
        return False  # no wildcard and not under the mount
    return mount.startswith(glob[:cut])


def _parse_bool(v):
    """Go's strconv.ParseBool; None when unparsable."""
    if v in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if v in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def _have_h2():
    try:
        import h2conn  # noqa: F401  (needs Debian's python3-h2)
        return True
    except ImportError:
        return False


def tls_server_context(cert, key, client_ca=None, require_client_cert=False, http2=True):
    """An SSLContext for VaultServer(ssl_context=...): server cert and key,
    optionally verifying client certificates against client_ca (optional
    unless require_client_cert, so that cert login can answer 400 itself).
    ALPN offers "h2" and "http/1.1", as Vault's listener (h2conn.py); with
    http2=False, or without python3-h2, only "http/1.1"."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["h2", "http/1.1"] if http2 and _have_h2() else ["http/1.1"])
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return ctx


# --------------------------------------------------------------------------
# state


class _Version:
    __slots__ = ("data", "created_time", "deletion_time", "destroyed")

    def __init__(self, data):
        self.data = data
        self.created_time = rfc3339()
        self.deletion_time = ""
        self.destroyed = False

    def metadata(self, number):
        return {
            "created_time": self.created_time,
            "custom_metadata": None,
            "deletion_time": self.deletion_time,
            "destroyed": self.destroyed,
            "version": number,
        }


class _Key:
    """A KV v2 key: its versions and metadata."""

    def __init__(self):
        self.versions = {}
        self.current = 0
        self.oldest = 0
        self.created_time = rfc3339()
        self.updated_time = self.created_time


class _Mount:
    def __init__(self, path, version, max_versions=10, options="version"):
        self.path = path  # no slashes around
        self.version = version
        self.type = "kv"
        # what the preflight shows: {"version": "2"}, null, {} ...
        self.options = {"version": str(version)} if options == "version" else options
        self.max_versions = max_versions
        self.accessor = "kv_" + secrets.token_hex(4)
        self.uuid = str(uuid.uuid4())
        self.store = {}  # v1: path -> object; v2: path -> _Key

    def info(self, shown_path):
        return {
            "accessor": self.accessor,
            "config": {"default_lease_ttl": 0, "force_no_cache": False, "max_lease_ttl": 0},
            "description": "key/value secret storage",
            "external_entropy_access": False,
            "local": False,
            "options": self.options,
            "path": shown_path,
            "plugin_version": "",
            "running_plugin_version": "v0.20.0+builtin",
            "running_sha256": "",
            "seal_wrap": False,
            "type": self.type,
            "uuid": self.uuid,
        }


class _Token:
    def __init__(self, tid, policies, ttype, namespace, ttl, root=False, path="auth/token/create", meta=None,
                 num_uses=0):
        self.id = tid
        self.num_uses = num_uses  # uses left; 0: unlimited
        self.accessor = secrets.token_hex(12)
        self.policies = list(policies)
        self.rx = [_glob_regex(p) for p in self.policies]
        self.type = ttype
        self.namespace = namespace
        self.root = root
        self.revoked = False
        self.ttl = 0 if root else ttl
        self.created = time.time()
        self.path = path
        self.meta = meta
        self.entity_id = "" if root else str(uuid.uuid4())

    def policy_names(self):
        return ["root"] if self.root else sorted(set(self.policies) | {"default"})

    def allows(self, path):
        return self.root or any(rx.match(path) for rx in self.rx)

    def reaches(self, mount_path):
        return self.root or any(_glob_reaches(p, mount_path) for p in self.policies)


class _Namespace:
    def __init__(self, name):
        self.name = name
        self.mounts = {}  # path -> _Mount
        self.auth = {}  # auth mount path -> {"method": str, "roles": dict}


class Request:
    """One request as the server saw it (entries of VaultServer.requests)."""

    def __init__(self, method, target, headers, conn):
        self.method = method
        self.target = target  # raw path + query as sent
        raw_path, _, self.raw_query = target.partition("?")
        self.path = urllib.parse.unquote(raw_path)
        self.query = urllib.parse.parse_qs(self.raw_query, keep_blank_values=True)
        self.headers = {}
        for name, value in headers.items():
            self.headers.setdefault(name.lower(), value)
        self.body = b""
        self.conn = conn
        self.status = None  # filled in when answered (None: no answer)
        self.time = time.monotonic()
        self.peer_cert = None
        self._done = False
        self.token = _token_from_headers(self.headers)
        self.namespace = self.headers.get("x-vault-namespace")

    def __repr__(self):
        return "<Request %s %s -> %s>" % (self.method, self.target, self.status)

    def q(self, name):
        v = self.query.get(name)
        return v[0] if v else None


def _token_from_headers(h):
    """§2: X-Vault-Token first, else 'Authorization: Bearer <token>'."""
    tok = h.get("x-vault-token")
    if tok:
        return tok
    auth = h.get("authorization", "")
    if auth.startswith("Bearer "):
        return auth[len("Bearer "):].strip()
    return None


class _Resp:
    """An answer: status, body bytes, content type, extra headers."""

    def __init__(self, status, payload=None, body=None, ctype="application/json", headers=None):
        self.status = status
        if payload is not None:
            body = _json(payload)
        self.body = body
        self.ctype = ctype if body is not None else None
        self.headers = dict(headers or {})


def _errors(status, *msgs):
    return _Resp(status, {"errors": list(msgs)})


class Fault:
    """One armed fault; see VaultServer.add_fault."""

    ACTIONS = {"status", "drop", "reset", "truncate", "invalid_json", "wrong_type",
               "huge", "redirect", "delay", "stall", "rst_stream"}

    def __init__(self, method, path, times, action, params):
        if action not in self.ACTIONS:
            raise ValueError("unknown fault action %r" % (action,))
        self.method = method.upper() if method else None
        if isinstance(path, str) and not path.startswith("/"):
            path = "/v1/" + path
        self.path = path
        self.times = times
        self.action = action
        self.params = params
        self.fired = 0

    def armed(self):
        return self.times is None or self.fired < self.times

    def matches(self, req):
        if self.method and req.method != self.method:
            return False
        p = self.path
        if p is None:
            return True
        if isinstance(p, re.Pattern):
            return p.search(req.target) is not None
        if "?" in p:
            return req.target == p
        raw_path = req.target.partition("?")[0]
        if p.endswith("*"):
            return raw_path.startswith(p[:-1]) or req.path.startswith(p[:-1])
        return raw_path == p or req.path == p

    def __repr__(self):
        return "<Fault %s %s %s fired=%d>" % (self.action, self.method, self.path, self.fired)


_DEFAULT_FAULT_ERRORS = {
    400: "invalid request",
    403: DENIED,
    404: None,
    405: None,
    412: "required index state not present",
    429: "rate limit quota exceeded",
    500: "internal error",
    502: "upstream rate limited",
    503: "Vault is sealed",
    504: "context deadline exceeded",
}


# --------------------------------------------------------------------------
# transport


class _HTTPServerMixin(socketserver.ThreadingMixIn):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def get_request(self):
        sock, addr = self.socket.accept()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.vault._ssl_context is not None:
            sock = self.vault._ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        self.vault._on_accept(sock)
        return sock, addr

    def shutdown_request(self, request):
        if self.vault._on_close(request):
            request.close()  # "reset" fault: SO_LINGER 0, no FIN first
        else:
            super().shutdown_request(request)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            return  # a client went away: not our problem
        self.vault._record_error()


class _TCPServer(_HTTPServerMixin, socketserver.TCPServer):
    pass


class _UnixServer(_HTTPServerMixin, socketserver.UnixStreamServer):
    pass


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vaultserver"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            # As Go's net/http TLS listener (Vault's): a client that speaks
            # plain HTTP gets this answer and the connection is closed.
            head = socket.socket.recv(self.request, 5, socket.MSG_PEEK)
            if head in (b"GET /", b"HEAD ", b"POST ", b"PUT /", b"OPTIO"):
                socket.socket.sendall(self.request, b"HTTP/1.0 400 Bad Request\r\n\r\n"
                                      b"Client sent an HTTP request to an HTTPS server.\n")
                raise ConnectionAbortedError("plain HTTP on the TLS listener")
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, fmt, *args):  # quiet
        pass

    def handle(self):
        if isinstance(self.request, ssl.SSLSocket) and self.request.selected_alpn_protocol() == "h2":
            import h2conn  # HTTP/2: the same _serve_request, per stream
            h2conn.serve(self.server.vault, self.request)
            return
        super().handle()

    def handle_one_request(self):
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (OSError, ValueError):
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        self.server.vault._serve_request(self)

    def handle_expect_100(self):
        self.connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def send_error(self, code, message=None, explain=None):
        """Malformed requests (from parse_request): a JSON error, one write."""
        self.close_connection = True
        try:
            self.write(_errors(code, message or http.HTTPStatus(code).phrase))
        except OSError:
            pass

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(1024)
                if len(out) > MAX_BODY:
                    raise ValueError("request body too large")
        n = self.headers.get("Content-Length")
        if not n:
            return b""
        n = int(n)
        if n < 0 or n > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(n)

    def head(self, status, ctype, length, extra=None):
        """Status line and headers as bytes (length None: no Content-Length)."""
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "status code %d" % status
        lines = ["HTTP/1.1 %d %s" % (status, reason), "Cache-Control: no-store"]
        if ctype:
            lines.append("Content-Type: " + ctype)
        lines.append("Date: " + email.utils.formatdate(usegmt=True))
        for k, v in (extra or {}).items():
            lines.append("%s: %s" % (k, v))
        if length is not None:
            lines.append("Content-Length: %d" % length)
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def write(self, resp, head_only=False):
        """The whole answer in one sendall (no Nagle/delayed-ACK stalls)."""
        body = resp.body or b""
        if resp.status == 204 or resp.status < 200:
            data = self.head(resp.status, None, None, resp.headers)
        else:
            data = self.head(resp.status, resp.ctype, len(body), resp.headers)
            if not head_only:
                data += body
        self.connection.sendall(data)


# --------------------------------------------------------------------------
# the server


class VaultServer:
    """A Vault-compatible test server; see the module docstring."""

    def __init__(self, root_token=None, host="127.0.0.1", port=0, unix_path=None,
                 ssl_context=None, latency=0.0):
        self.latency = latency
        self.sealed = False
        self.preflight_404 = False
        self.no_token_preflight = 403
        self.version = "1.15.6"
        self.h2_max_streams = 250  # HTTP/2 switches: see h2conn.py
        self.h2_goaway_at = None
        self.h2_idle_timeout = None
        self.h2_drop_at = None
        self.cluster_id = str(uuid.uuid4())
        self._host, self._port, self._unix = host, port, unix_path
        self._ssl_context = ssl_context
        self._lock = threading.RLock()
        self._ns = {"": _Namespace("")}
        self._tokens = {}
        self._faults = []
        self._sensitive = set()
        self._conns = set()
        self._accepting = 0
        self._reset = set()
        self._httpd = None
        self._thread = None
        self.root_token = root_token or "root-" + secrets.token_hex(8)
        self._tokens[self.root_token] = _Token(self.root_token, [], "service", "", 0, root=True,
                                               path="auth/token/root")
        self._sensitive.add(self.root_token)
        self.engines = Engines(self, _Resp, _errors)  # database, aws, pki; leases
        self.reset_stats()

    # ---- lifecycle

    def start(self):
        if self._unix:
            if os.path.exists(self._unix):
                os.unlink(self._unix)
            self._httpd = _UnixServer(self._unix, _Handler, bind_and_activate=False)
        else:
            self._httpd = _TCPServer((self._host, self._port), _Handler, bind_and_activate=False)
        self._httpd.vault = self
        try:
            self._httpd.server_bind()
            self._httpd.server_activate()
        except OSError:
            self._httpd.server_close()
            raise
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = False
        self._thread = threading.Thread(target=self._accept_loop, name="vaultserver", daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self):
        sel = selectors.DefaultSelector()
        sel.register(self._httpd.socket, selectors.EVENT_READ, "listen")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stopping:
                for key, _ in sel.select():
                    if key.data == "wake":
                        return
                    # Counted from before accept() takes the connection off
                    # the listen queue until _on_accept() has put it in
                    # _conns, so that wait_idle() sees it at every moment.
                    with self._lock:
                        self._accepting += 1
                    try:
                        sock, addr = self._httpd.get_request()
                    except OSError:
                        continue
                    finally:
                        with self._lock:
                            self._accepting -= 1
                    self._httpd.process_request(sock, addr)
        finally:
            sel.close()

    def stop(self):
        if self._httpd is None:
            return
        self._stopping = True
        os.write(self._wake_w, b"x")
        self._thread.join(5)
        self._httpd.server_close()
        os.close(self._wake_r)
        os.close(self._wake_w)
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._unix and os.path.exists(self._unix):
            os.unlink(self._unix)
        self._httpd = None
        self.engines.stop()

    def wait_idle(self, timeout=2.0):
        """Wait until every request that clients have sent is recorded: each
        open connection is busy with a recorded request (or gone) and none
        waits to be accepted or is being accepted.  Call it once the client process has exited,
        before counting requests: a client that exits with requests still
        unanswered must not make the counts racy.  True if settled in time."""
        deadline = time.monotonic() + timeout
        while self._httpd is not None:
            # The listen queue first, then the accepted connections: one that
            # leaves the queue is counted in _accepting, then in _conns, so
            # in this order no connection is missed between the two looks.
            queued = select.select([self._httpd.socket], [], [], 0)[0]
            with self._lock:
                settled = not queued and not self._accepting and len(self._conns) <= self._in_flight
            if settled:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def __enter__(self):
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return None if self._unix else self._httpd.server_address[1]

    @property
    def address(self):
        """(host, port) for TCP, the socket path for unix."""
        return self._unix or self._httpd.server_address[:2]

    @property
    def url(self):
        if self._unix:
            return "unix://" + os.path.abspath(self._unix)
        scheme = "https" if self._ssl_context else "http"
        return "%s://%s:%d" % (scheme, self._host, self.port)

    # ---- state API

    def _namespace(self, name, create=True):
        name = _norm(name)
        with self._lock:
            ns = self._ns.get(name)
            if ns is None and create:
                # parents exist implicitly
                parts = name.split("/")
                for i in range(1, len(parts) + 1):
                    n = "/".join(parts[:i])
                    self._ns.setdefault(n, _Namespace(n))
                ns = self._ns[name]
            return ns

    def add_namespace(self, name):
        self._namespace(name)

    def add_mount(self, path, version=2, namespace=None, max_versions=10, options="version"):
        if version not in (1, 2):
            raise ValueError("KV version must be 1 or 2")
        if version == 2 and not (options == "version" or (options or {}).get("version") == "2"):
            raise ValueError("a KV v2 mount has options.version \"2\"")
        path = _norm(path)
        with self._lock:
            self._namespace(namespace).mounts[path] = _Mount(path, version, max_versions, options)

    def _mount(self, mount, namespace):
        ns = self._namespace(namespace, create=False)
        m = ns.mounts.get(_norm(mount)) if ns else None
        if m is None:
            raise KeyError("no mount %r in namespace %r" % (mount, namespace or ""))
        return m

    def _register(self, obj):
        """Remember every string leaf (>= 4 bytes) and object rendering."""
        if isinstance(obj, str):
            if len(obj.encode("utf-8")) >= 4:
                self._sensitive.add(obj)
        elif isinstance(obj, (dict, list)):
            for sort in (False, True):
                for ascii_ in (False, True):
                    self._sensitive.add(_dumps(obj, separators=(",", ":"), sort_keys=sort,
                                               ensure_ascii=ascii_))
            for v in obj.values() if isinstance(obj, dict) else obj:
                self._register(v)

    def put(self, mount, path, obj, namespace=None):
        """Store obj at path: replaces (v1) or appends a version (v2).
        Returns the new version number (1 for v1)."""
        if not isinstance(obj, dict):
            raise TypeError("a secret is a JSON object")
        path = _norm(path)
        obj = json.loads(json.dumps(obj))  # a private deep copy
        with self._lock:
            return self._store(self._mount(mount, namespace), path, obj)

    def get(self, mount, path, version=None, namespace=None):
        """A copy of the stored object (v2: the given or current version;
        None if deleted or destroyed).  Raises KeyError if there is none."""
        with self._lock:
            m = self._mount(mount, namespace)
            if m.version == 1:
                obj = m.store[_norm(path)]
            else:
                v = self._version(mount, path, version, namespace)
                obj = None if v.destroyed or v.deletion_time else v.data
            return json.loads(_dumps(obj))

    def _version(self, mount, path, version, namespace):
        m = self._mount(mount, namespace)
        if m.version != 2:
            raise ValueError("versions exist only on KV v2 mounts")
        key = m.store[_norm(path)]
        return key.versions[version or key.current]

    def delete_version(self, mount, path, version=None, namespace=None):
        """Soft-delete a version (default: the current one)."""
        with self._lock:
            self._version(mount, path, version, namespace).deletion_time = rfc3339()

    def undelete_version(self, mount, path, version, namespace=None):
        with self._lock:
            self._version(mount, path, version, namespace).deletion_time = ""

    def destroy_version(self, mount, path, version=None, namespace=None):
        """Destroy a version (default: the current one): its data is gone."""
        with self._lock:
            v = self._version(mount, path, version, namespace)
            v.destroyed = True
            v.data = None

    def add_token(self, token=None, policies=(), type="service", namespace=None, ttl=DEFAULT_LEASE, num_uses=0):
        """Register a token with read access to the path globs `policies`."""
        if type not in ("service", "batch"):
            raise ValueError("token type is service or batch")
        if isinstance(policies, str):
            policies = [policies]
        token = token or _new_token(type == "batch")
        ns = _norm(namespace)
        with self._lock:
            self._namespace(ns)
            self._tokens[token] = _Token(token, policies, type, ns, ttl, num_uses=num_uses)
            self._sensitive.add(token)
        return token

    def revoke_token(self, token):
        with self._lock:
            self._tokens[token].revoked = True
        self.engines.revoke_token(token)

    def token_info(self, token):
        """(type, policies, namespace, revoked) of a known token, else None."""
        with self._lock:
            t = self._tokens.get(token)
            return None if t is None else (t.type, list(t.policies), t.namespace, t.revoked)

    @property
    def minted_tokens(self):
        """Tokens created by logins, in order."""
        with self._lock:
            return list(self._minted)

    def _auth_mount(self, mount, method, namespace):
        ns = self._namespace(namespace)
        am = ns.auth.setdefault(_norm(mount), {"method": method, "roles": {}, "default": None})
        if am["method"] != method:
            raise ValueError("auth mount %r is a %s mount" % (mount, am["method"]))
        return am

    def enable_auth(self, mount, method, namespace=None):
        """Enable an auth method at auth/<mount> (the add_* helpers do this)."""
        if method not in ("approle", "kubernetes", "jwt", "cert"):
            raise ValueError("unsupported auth method %r" % (method,))
        with self._lock:
            self._auth_mount(mount, method, namespace)

    def _role(self, policies, token_type, ttl, **extra):
        if token_type not in ("service", "batch"):
            raise ValueError("token type is service or batch")
        if isinstance(policies, str):
            policies = [policies]
        return dict(policies=list(policies), token_type=token_type, ttl=ttl, **extra)

    def add_approle(self, role_id, secret_id=None, policies=(), token_type="service", mount="approle",
                    role_name=None, namespace=None, ttl=3600, token_num_uses=0):
        """An AppRole role; secret_id None means bind_secret_id=false.  Calling
        again with the same role_id adds another secret_id."""
        with self._lock:
            am = self._auth_mount(mount, "approle", namespace)
            role = am["roles"].get(role_id)
            if role is None:
                role = am["roles"][role_id] = self._role(
                    policies, token_type, ttl, name=role_name or "role-%d" % len(am["roles"]),
                    secret_ids=set(), bind=secret_id is not None)
                role["num_uses"] = token_num_uses
            if secret_id is not None:
                role["secret_ids"].add(secret_id)
                role["bind"] = True
                self._sensitive.add(secret_id)

    def add_kubernetes_role(self, role, jwts, policies=(), token_type="service", mount="kubernetes",
                            namespace=None, ttl=3600):
        """A Kubernetes auth role accepting exactly the given JWT strings."""
        self._add_jwtish("kubernetes", role, jwts, policies, token_type, mount, namespace, ttl, False)

    def add_jwt_role(self, role, jwts, policies=(), token_type="service", mount="jwt", namespace=None,
                     ttl=3600, default=False):
        """A JWT auth role accepting exactly the given JWT strings; default=True
        makes it the mount's default_role."""
        self._add_jwtish("jwt", role, jwts, policies, token_type, mount, namespace, ttl, default)

    def _add_jwtish(self, method, role, jwts, policies, token_type, mount, namespace, ttl, default):
        if isinstance(jwts, str):
            jwts = [jwts]
        with self._lock:
            am = self._auth_mount(mount, method, namespace)
            am["roles"][role] = self._role(policies, token_type, ttl, jwts=set(jwts))
            if default:
                am["default"] = role
            self._sensitive.update(jwts)

    def add_cert_role(self, name, policies=(), token_type="service", mount="cert", common_names=None,
                      namespace=None, ttl=3600):
        """A cert auth role: any client certificate the TLS context verified,
        optionally restricted to the given subject common names."""
        with self._lock:
            am = self._auth_mount(mount, "cert", namespace)
            am["roles"][name] = self._role(policies, token_type, ttl,
                                           common_names=set(common_names) if common_names else None)

    def sensitive(self):
        """Every string that must never appear in vaultrun's output."""
        with self._lock:
            return set(self._sensitive)

    def load_seed(self, seed, _namespace=None):
        """Load the JSON seed format described in the module docstring."""
        for path, version in seed.get("mounts", {}).items():
            self.add_mount(path, int(version), namespace=_namespace)
        for mount, entries in seed.get("secrets", {}).items():
            for path, obj in entries.items():
                for o in obj if isinstance(obj, list) else [obj]:
                    self.put(mount, path, o, namespace=_namespace)
        for t in seed.get("tokens", []):
            self.add_token(t.get("token"), t.get("policies", ()), t.get("type", "service"), _namespace)
        for r in seed.get("approle", []):
            self.add_approle(r["role_id"], r.get("secret_id"), r.get("policies", ()),
                             r.get("token_type", "service"), r.get("mount", "approle"),
                             r.get("role_name"), _namespace)
        for r in seed.get("kubernetes", []):
            self.add_kubernetes_role(r["role"], r["jwts"], r.get("policies", ()),
                                     r.get("token_type", "service"), r.get("mount", "kubernetes"), _namespace)
        for r in seed.get("jwt", []):
            self.add_jwt_role(r["role"], r["jwts"], r.get("policies", ()), r.get("token_type", "service"),
                              r.get("mount", "jwt"), _namespace, default=r.get("default", False))
        for r in seed.get("cert", []):
            self.add_cert_role(r["name"], r.get("policies", ()), r.get("token_type", "service"),
                               r.get("mount", "cert"), r.get("common_names"), _namespace)
        for name, sub in seed.get("namespaces", {}).items():
            full = _norm((_namespace or "") + "/" + name)
            self.add_namespace(full)
            self.load_seed(sub, _namespace=full)

    # ---- faults

    def add_fault(self, method=None, path=None, times=None, action=None, **params):
        """Arm a fault; see the module docstring.  Returns the Fault."""
        if action is None:
            action = "status" if "status" in params else None
        if action is None:
            raise ValueError("add_fault needs action= or status=")
        f = Fault(method, path, times, action, params)
        with self._lock:
            self._faults.append(f)
        return f

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    def _take_fault(self, req):
        with self._lock:
            for f in self._faults:
                if f.armed() and f.matches(req):
                    f.fired += 1
                    return f
        return None

    # ---- stats

    def reset_stats(self):
        with self._lock:
            self._requests = []
            self._counts = collections.Counter()
            self._in_flight = 0
            self._max_in_flight = 0
            self._connections = 0
            self.accepted_at = []  # time.monotonic() of each accept
            self._revocations = collections.Counter()
            self._logins = collections.Counter()
            self._minted = []
            self._errors = []
            self._uses_spent = collections.Counter()
            self.h2_events = collections.Counter()

    @property
    def request_count(self):
        with self._lock:
            return len(self._requests)

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    def count(self, method, target):
        """Requests with this method and exact target (path + query as sent)."""
        with self._lock:
            return self._counts[(method, target)]

    def count_prefix(self, prefix, method=None):
        """Requests whose target starts with prefix ("/v1/" prepended if missing)."""
        if not prefix.startswith("/"):
            prefix = "/v1/" + prefix
        with self._lock:
            return sum(1 for r in self._requests
                       if r.target.startswith(prefix) and (method is None or r.method == method))

    @property
    def counts(self):
        with self._lock:
            return collections.Counter(self._counts)

    @property
    def max_in_flight(self):
        with self._lock:
            return self._max_in_flight

    @property
    def in_flight(self):
        with self._lock:
            return self._in_flight

    @property
    def connections(self):
        with self._lock:
            return self._connections

    @property
    def revocations(self):
        with self._lock:
            return dict(self._revocations)

    @property
    def uses_spent(self):
        """token -> authenticated requests made with it (uses spent)."""
        with self._lock:
            return dict(self._uses_spent)

    @property
    def logins(self):
        with self._lock:
            return dict(self._logins)

    @property
    def errors(self):
        with self._lock:
            return list(self._errors)

    def h2_count(self, event):
        with self._lock:
            self.h2_events[event] += 1

    def _record_error(self):
        with self._lock:
            self._errors.append(traceback.format_exc())

    def _on_accept(self, sock):
        with self._lock:
            self._connections += 1
            self._conns.add(sock)
            self.accepted_at.append(time.monotonic())

    def _on_close(self, sock):
        """Forget a connection; True if it is to be closed with a reset."""
        with self._lock:
            self._conns.discard(sock)
            if sock in self._reset:
                self._reset.discard(sock)
                return True
            return False

    # ---- request handling (runs on the connection's thread)

    def _serve_request(self, h):
        req = Request(h.command, h.path, h.headers, id(h.connection))
        if isinstance(h.connection, ssl.SSLSocket):
            req.peer_cert = h.connection.getpeercert()
        with self._lock:
            self._requests.append(req)
            self._counts[(req.method, req.target)] += 1
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
        try:
            try:
                req.body = h.read_body()
            except (ValueError, OSError):
                h.close_connection = True
                self._answer(h, req, _errors(413, "http: request body too large"))
                return
            if self.latency:
                time.sleep(self.latency)
            fault = self._take_fault(req)
            if fault is not None and fault.action != "delay":
                self._fault(h, req, fault)
                return
            if fault is not None:
                time.sleep(fault.params.get("seconds", 1.0))
            self._answer(h, req, self._handle(req))
        finally:
            self._done(req)

    def _done(self, req):
        """The request is no longer in flight (idempotent)."""
        with self._lock:
            if not req._done:
                req._done = True
                self._in_flight -= 1

    def _answer(self, h, req, resp):
        """Send a complete answer.  The request stops counting as in flight
        just before: the client cannot start another request that waits for
        this answer before it has it, so the high-water mark is exact."""
        req.status = resp.status
        self._done(req)
        try:
            h.write(resp, head_only=req.method == "HEAD")
        except OSError:
            req.status = None  # the client or the connection went away first
            raise

    def _handle(self, req):
        try:
            return self._route(req)
        except Exception:
            self._record_error()
            return _errors(500, "internal error")

    def _fault(self, h, req, f):
        if getattr(h, "h2", False) and h.stream_fault(self, req, f):
            return  # HTTP/2: the faults that act on the transport (h2conn.py)
        p = f.params
        sock = h.connection
        if f.action == "status":
            status = p["status"]
            body = p.get("body")
            if body is None:
                msg = _DEFAULT_FAULT_ERRORS.get(status, "fault injected")
                body = {"errors": [msg] if msg else []}
            headers = dict(p.get("headers") or {})
            if "retry_after" in p:
                headers["Retry-After"] = str(p["retry_after"])
            ctype = p.get("content_type", "application/json")
            if isinstance(body, (dict, list)):
                resp = _Resp(status, body, headers=headers)
            else:
                if isinstance(body, str):
                    body = body.encode("utf-8")
                resp = _Resp(status, body=body, ctype=ctype, headers=headers)
            self._answer(h, req, resp)
        elif f.action in ("drop", "reset", "rst_stream"):
            h.close_connection = True
            if f.action != "drop":  # rst_stream: HTTP/1.1 has no streams
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                with self._lock:
                    self._reset.add(sock)
            else:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        elif f.action == "invalid_json":
            self._answer(h, req, _Resp(200, body=b'{"request_id":"x","data":{"data":{"value":\n'))
        elif f.action == "wrong_type":
            self._answer(h, req, _Resp(200, body=b"<html><body><h1>Sign in</h1></body></html>\n",
                                       ctype="text/html; charset=utf-8"))
        elif f.action == "redirect":
            loc = p["location"].rstrip("/") if p.get("keep_path", True) else p["location"]
            if p.get("keep_path", True):
                loc += req.target
            self._answer(h, req, _Resp(p.get("status", 307), body=b"",
                                       headers={"Location": loc}))
        elif f.action == "huge":
            self._huge(h, req, p.get("size", 5 << 20))
        elif f.action in ("truncate", "stall"):
            resp = self._handle(req)
            body = resp.body or b""
            h.close_connection = True
            req.status = resp.status
            head = h.head(resp.status, resp.ctype or "application/json", len(body) + 1024, resp.headers)
            try:
                sock.sendall(head + body[: len(body) // 2])
            except OSError:
                return
            if f.action == "stall":
                self._hang(sock, p.get("seconds", 120))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _hang(self, sock, seconds):
        """Wait until the peer closes, the time is up or the server stops."""
        end = time.monotonic() + seconds
        sock.settimeout(0.05)
        while not self._stopping and time.monotonic() < end:
            try:
                if not sock.recv(65536):
                    return
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except OSError:
                return

    def _huge(self, h, req, size):
        h.close_connection = True
        req.status = 200
        pre, fill, post = self._huge_parts(size)
        chunk = b"A" * 65536
        try:
            h.connection.sendall(h.head(200, "application/json", len(pre) + fill + len(post)) + pre)
            while fill > 0:
                n = min(fill, len(chunk))
                h.connection.sendall(chunk[:n])
                fill -= n
            h.connection.sendall(post)
        except OSError:
            pass

    @staticmethod
    def _huge_parts(size):
        """A KV v2 answer of about size bytes: (head, filler length, tail)."""
        pre = ('{"request_id":"%s","lease_id":"","renewable":false,"lease_duration":0,'
               '"data":{"data":{"value":"' % uuid.uuid4()).encode()
        post = ('"},"metadata":{"created_time":"%s","custom_metadata":null,"deletion_time":"",'
                '"destroyed":false,"version":1}},"wrap_info":null,"warnings":null,"auth":null,'
                '"mount_type":"kv"}\n' % rfc3339()).encode()
        return pre, max(0, size - len(pre) - len(post)), post

    # ---- routing

    def _envelope(self, status, data=None, mount_type="kv", lease=0, warnings=None, auth=None):
        body = {
            "request_id": str(uuid.uuid4()),
            "lease_id": "",
            "renewable": False,
            "lease_duration": lease,
            "data": data,
            "wrap_info": None,
            "warnings": warnings,
            "auth": auth,
        }
        if mount_type is not None:
            body["mount_type"] = mount_type
        return _Resp(status, body)

    def _resolve_ns(self, header, vpath):
        """(namespace, path relative to it, namespace prefix taken from the
        path) for the X-Vault-Namespace header and the /v1/ path."""
        ns = _norm(header)
        prefix = ""
        with self._lock:
            while True:
                first, _, rest = vpath.partition("/")
                child = _norm(ns + "/" + first)
                if rest and first and child in self._ns and child != ns:
                    ns, vpath, prefix = child, rest, prefix + first + "/"
                else:
                    break
        return ns, vpath, prefix

    def _find_mount(self, ns, path):
        """Longest mount whose path is a prefix of path: (mount, rest)."""
        nsobj = self._ns.get(ns)
        if nsobj is None:
            return None, path
        best = None
        for mp, m in nsobj.mounts.items():
            if path == mp or path.startswith(mp + "/"):
                if best is None or len(mp) > len(best.path):
                    best = m
        if best is None:
            return None, path
        return best, path[len(best.path) + 1:]

    def _check_token(self, req, ns):
        """(token, None) or (None, 403 answer)."""
        tok = req.token
        if not tok:
            return None, _errors(403, DENIED)
        with self._lock:
            t = self._tokens.get(tok)
        if t is None or t.revoked or not _ns_within(ns, t.namespace):
            return None, _errors(403, DENIED_TOKEN)
        if t.ttl and not t.root and time.time() > t.created + t.ttl:
            return None, _errors(403, DENIED_TOKEN)
        return t, None

    def _use(self, t):
        """Spend one use of a use-limited token (vault-api.md §14): every
        authenticated request does, whatever its answer; with the last one
        the token is revoked, so the next request is denied."""
        with self._lock:
            self._uses_spent[t.id] += 1
            if t.num_uses > 0:
                t.num_uses -= 1
                if t.num_uses == 0:
                    t.revoked = True

    @staticmethod
    def _acl_path(t, ns, path):
        """The path as the token's policies see it (relative to its namespace)."""
        rel = ns[len(t.namespace):].strip("/") if t.namespace else ns
        return (rel + "/" + path) if rel else path

    def _route(self, req):
        if not req.path.startswith("/v1/"):
            return _errors(404)
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in req.path):
            return _errors(400, "Path contains non-printable characters")
        op = LOGICAL_METHODS.get(req.method)
        if op is None:
            return _errors(405)
        if req.method == "GET" and "list" in req.query:
            b = _parse_bool(req.q("list"))
            if b is None:
                return _errors(400)
            if b:
                op = "list"
        vpath = req.path[len("/v1/"):]
        if vpath.endswith("auth/token/revoke-self") and req.token:
            with self._lock:
                self._revocations[req.token] += 1  # every call, even a refused one
        if vpath.rstrip("/") == "sys/health":
            return self._health(req)
        if self.sealed:
            return _errors(503, "Vault is sealed")
        ns, path, prefix = self._resolve_ns(req.namespace, vpath)
        if path == "sys/internal/ui/mounts" or path.startswith("sys/internal/ui/mounts/"):
            return self._ui_mounts(req, ns, path[len("sys/internal/ui/mounts/"):])
        if path.startswith("auth/") and path.endswith("/login") and op == "update":
            with self._lock:
                nsobj = self._ns.get(ns)
                am = nsobj.auth.get(path[len("auth/"):-len("/login")]) if nsobj else None
            if am is not None:
                return self._login(req, ns, am)
        t, denied = self._check_token(req, ns)
        if denied:
            return denied
        self._use(t)
        if path in ("auth/token/lookup-self", "auth/token/revoke-self", "auth/token/renew-self"):
            return self._token_self(req, t, path.rsplit("/", 1)[1], op)
        resp = self.engines.route(req, t, ns, path, op)  # engines.py
        if resp is not None:
            return resp
        acl = self._acl_path(t, ns, path)
        if op in ("read", "list", "header"):
            allowed = t.allows(acl) or (op == "list" and t.allows(acl.rstrip("/") + "/"))
        else:
            allowed = t.root
        if not allowed:
            return _errors(403, DENIED_POLICY)
        with self._lock:
            m, rest = self._find_mount(ns, path)
            if m is None:
                return _errors(404, 'no handler for route "%s". route entry not found.' % path)
            if m.version == 1:
                return self._kv1(req, op, m, rest)
            return self._kv2(req, op, m, rest)

    # ---- sys

    def _health(self, req):
        if req.method not in ("GET", "HEAD"):
            return _errors(405)
        codes = {"activecode": 200, "sealedcode": 503, "uninitcode": 501}
        for k in codes:
            v = req.q(k)
            if v is not None:
                if not re.fullmatch(r"\d+", v):
                    return _errors(400, "bad code value %s" % v)
                codes[k] = int(v)
        body = {
            "initialized": True,
            "sealed": bool(self.sealed),
            "standby": False,
            "performance_standby": False,
            "replication_performance_mode": "disabled",
            "replication_dr_mode": "disabled",
            "server_time_utc": int(time.time()),
            "version": self.version,
        }
        if not self.sealed:
            body["cluster_name"] = "vault-cluster-" + self.cluster_id[:8]
            body["cluster_id"] = self.cluster_id
        return _Resp(codes["sealedcode"] if self.sealed else codes["activecode"], body)

    def _ui_mounts(self, req, ns, path):
        if self.preflight_404:
            return _errors(404)
        if req.method not in ("GET", "HEAD"):
            return _errors(405, "unsupported operation")
        if not req.token and self.no_token_preflight != 403:
            return _errors(self.no_token_preflight, "missing client token")
        t, denied = self._check_token(req, ns)
        if denied:
            return _errors(403, DENIED)  # empty and unknown tokens alike
        if path == "":
            return self._ui_mount_list(t, ns)
        if not path.strip("/"):
            return _errors(400, "path not set")
        sanitized = path.lstrip("/")
        if not sanitized.endswith("/"):
            sanitized += "/"
        denial = _errors(403, PREFLIGHT % json.dumps(sanitized))
        # a mount in a child namespace is named with the namespace prefix
        mns, rel, prefix = self._resolve_ns(ns, sanitized)
        with self._lock:
            m, _ = self._find_mount(mns, rel.rstrip("/"))
        if m is None:
            m = self.engines.find_mount(mns, rel.rstrip("/"))
        if m is None:
            return denial
        if not t.reaches(self._acl_path(t, mns, m.path + "/")):
            return denial
        return self._envelope(200, m.info(prefix + m.path + "/"), mount_type="system")

    def _ui_mount_list(self, t, ns):
        secret = {}
        with self._lock:
            for m in self._ns[ns].mounts.values() if ns in self._ns else []:
                if t.reaches(self._acl_path(t, ns, m.path + "/")):
                    info = m.info(m.path + "/")
                    del info["path"]
                    secret[m.path + "/"] = info
        return self._envelope(200, {"auth": {}, "secret": secret}, mount_type="system")

    # ---- tokens and logins

    def _token_self(self, req, t, what, op):
        if what == "lookup-self":
            if op not in ("read", "update"):
                return _errors(405, "unsupported operation")
            return self._envelope(200, self._lookup_data(t), mount_type="token")
        if op != "update":
            return _errors(405, "unsupported operation")
        if what == "revoke-self":
            with self._lock:
                if t.type == "batch":
                    return _errors(400, "batch tokens cannot be revoked")
                t.revoked = True
            self.engines.revoke_token(t.id)  # its leases go with it
            return _Resp(204)
        # renew-self
        if t.type == "batch":
            return _errors(400, "batch tokens cannot be renewed")
        if t.root or not t.ttl:
            return _errors(400, "invalid lease ID")
        t.created = time.time()
        return self._envelope(200, None, mount_type="token", auth=self._auth_block(t, t.meta))

    def _lookup_data(self, t):
        expire = None
        if t.ttl:
            expire = rfc3339(int((t.created + t.ttl) * 1e9))
        return {
            "accessor": t.accessor,
            "creation_time": int(t.created),
            "creation_ttl": t.ttl,
            "display_name": "root" if t.root else "token",
            "entity_id": t.entity_id,
            "expire_time": expire,
            "explicit_max_ttl": 0,
            "id": t.id,
            "issue_time": rfc3339(int(t.created * 1e9)),
            "meta": t.meta,
            "num_uses": t.num_uses,
            "orphan": True,
            "path": t.path,
            "policies": t.policy_names(),
            "renewable": t.type == "service" and not t.root,
            "ttl": max(0, int(t.created + t.ttl - time.time())) if t.ttl else 0,
            "type": t.type,
        }

    def _auth_block(self, t, meta):
        names = t.policy_names()
        return {
            "client_token": t.id,
            "accessor": t.accessor,
            "policies": names,
            "token_policies": names,
            "metadata": meta,
            "lease_duration": t.ttl,
            "renewable": t.type == "service",
            "entity_id": t.entity_id,
            "token_type": t.type,
            "orphan": True,
            "mfa_requirement": None,
            "num_uses": t.num_uses,
        }

    def _login(self, req, ns, am):
        method = am["method"]
        with self._lock:
            self._logins[method] += 1
        try:
            body = json.loads(req.body) if req.body.strip() else {}
        except ValueError:
            return _errors(400, "error parsing JSON")
        if not isinstance(body, dict):
            return _errors(400, "error parsing JSON")
        role, meta, err = self._authenticate(req, am, body)
        if err is not None:
            return err
        tok = _new_token(role["token_type"] == "batch")
        with self._lock:
            t = _Token(tok, role["policies"], role["token_type"], ns, role["ttl"],
                       path=req.path[len("/v1/"):], meta=meta, num_uses=role.get("num_uses", 0))
            self._tokens[tok] = t
            self._sensitive.add(tok)
            self._minted.append(tok)
        return self._envelope(200, None, mount_type=None, auth=self._auth_block(t, meta))

    def _authenticate(self, req, am, body):
        """(role, metadata, None) or (None, None, error answer)."""
        method, roles = am["method"], am["roles"]
        if method == "approle":
            rid, sid = body.get("role_id"), body.get("secret_id")
            if not rid:
                return None, None, _errors(400, "missing role_id")
            role = roles.get(rid)
            if role is None:
                return None, None, _errors(400, "invalid role or secret ID")
            if role["bind"]:
                if not sid:
                    return None, None, _errors(400, "missing secret_id")
                if sid not in role["secret_ids"]:
                    return None, None, _errors(400, "invalid role or secret ID")
            return role, {"role_name": role["name"]}, None
        if method in ("kubernetes", "jwt"):
            name = body.get("role") or (am["default"] if method == "jwt" else None)
            jwt = body.get("jwt")
            if not name:
                return None, None, _errors(400, "missing role")
            if method == "kubernetes" and not jwt:
                return None, None, _errors(400, "missing jwt")
            role = roles.get(name)
            if role is None:
                if method == "kubernetes":
                    return None, None, _errors(400, 'invalid role name "%s"' % name)
                return None, None, _errors(400, 'role "%s" could not be found' % name)
            if not jwt:
                return None, None, _errors(400, "missing token")
            if jwt not in role["jwts"]:
                if method == "kubernetes":
                    return None, None, _errors(403, DENIED)
                return None, None, _errors(400, "error validating token: failed to verify id token signature")
            if method == "kubernetes":
                return role, {"role": name, "service_account_name": "default",
                              "service_account_namespace": "default"}, None
            return role, {"role": name}, None
        # cert
        bad = _errors(400, "invalid certificate or no client certificate supplied")
        cert = req.peer_cert
        if not cert:
            return None, None, bad
        cn = None
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    cn = v
        wanted = body.get("name")
        for name, role in roles.items():
            if wanted and name != wanted:
                continue
            if role["common_names"] is None or cn in role["common_names"]:
                return role, {"cert_name": name, "common_name": cn or ""}, None
        return None, None, bad

    # ---- KV

    def _body_json(self, req):
        try:
            v = json.loads(req.body) if req.body.strip() else None
        except ValueError:
            return None, _errors(400, "error parsing JSON")
        return v, None

    @staticmethod
    def _list(keys, prefix):
        out = set()
        for k in keys:
            if prefix and not k.startswith(prefix):
                continue
            rest = k[len(prefix):]
            if not rest:
                continue
            head, sep, _ = rest.partition("/")
            out.add(head + sep)
        return sorted(out)

    def _kv1(self, req, op, m, rest):
        if op == "list":
            d = rest.rstrip("/")
            keys = self._list(m.store, d + "/" if d else "")
            if not keys:
                return _errors(404)
            return self._envelope(200, {"keys": keys})
        path = _norm(rest)
        if op in ("read", "header"):
            obj = m.store.get(path) if path else None
            if obj is None:
                return _errors(404)
            lease = DEFAULT_LEASE
            for k in ("ttl", "lease"):
                if k in obj:
                    d = _parse_duration(obj[k])
                    if d is not None:
                        lease = d
                        break
            return self._envelope(200, obj, lease=lease)
        if op == "update":
            if rest.endswith("/"):
                return _errors(400, "cannot write to a path ending in '/'")
            obj, err = self._body_json(req)
            if err:
                return err
            if not obj or not isinstance(obj, dict):
                return _errors(400, "missing data fields")
            self._store(m, path, obj)
            return _Resp(204)
        if op == "delete":
            m.store.pop(path, None)
            return _Resp(204)
        return _errors(405, "unsupported operation")

    def _store(self, m, path, obj):
        """Store obj at path in mount m (lock held); returns the version."""
        self._register(obj)
        if m.version == 1:
            m.store[path] = obj
            return 1
        obj = _go_numbers(obj)  # the plugin decodes into float64
        self._register(obj)
        key = m.store.setdefault(path, _Key())
        key.current += 1
        key.versions[key.current] = _Version(obj)
        key.updated_time = key.versions[key.current].created_time
        while m.max_versions and len(key.versions) > m.max_versions:
            del key.versions[min(key.versions)]
        key.oldest = min(key.versions)
        return key.current

    def _invalid_path(self, warning=INVALID_PATH_WARNING):
        return self._envelope(404, None, mount_type=None, warnings=[warning])

    def _kv2(self, req, op, m, rest):
        seg, _, sub = rest.partition("/")
        if seg == "data":
            if not sub.strip("/") or op == "list":
                return self._invalid_path(ROOT_WARNING if op != "list" and not sub.strip("/")
                                          else INVALID_PATH_WARNING)
            return self._kv2_data(req, op, m, _norm(sub))
        if seg == "metadata":
            return self._kv2_metadata(req, op, m, sub)
        if seg in ("delete", "undelete", "destroy"):
            if not sub.strip("/"):
                return self._invalid_path(ROOT_WARNING)
            if op != "update":
                return _errors(405, "unsupported operation")
            body, err = self._body_json(req)
            if err:
                return err
            versions = (body or {}).get("versions") if isinstance(body, dict) else None
            if not versions:
                return _errors(400, "no version number provided")
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in versions):
                return _errors(400, "error parsing versions")
            key = m.store.get(_norm(sub))
            for n in versions:
                v = key.versions.get(n) if key else None
                if v is None:
                    continue
                if seg == "delete":
                    v.deletion_time = v.deletion_time or rfc3339()
                elif seg == "undelete":
                    if not v.destroyed:
                        v.deletion_time = ""
                else:
                    v.destroyed, v.data = True, None
            return _Resp(204)
        if seg == "config" and not sub:
            if op not in ("read", "header"):
                return _errors(405, "unsupported operation")
            return self._envelope(200, {"cas_required": False, "delete_version_after": "0s",
                                        "max_versions": m.max_versions})
        return self._invalid_path()

    def _kv2_data(self, req, op, m, path):
        key = m.store.get(path)
        if op in ("read", "header"):
            raw = req.q("version")
            n = 0
            if raw is not None and raw != "":
                if not re.fullmatch(r"-?\d+", raw):
                    return _errors(400, 'error converting input %s for field "version": cannot parse '
                                        "'' as int: strconv.ParseInt: parsing %s: invalid syntax"
                                   % (raw, json.dumps(raw)))
                n = int(raw)
            if key is None:
                return _errors(404)
            n = n or key.current
            v = key.versions.get(n)
            if v is None:
                return _errors(404)
            meta = v.metadata(n)
            if v.destroyed or v.deletion_time:
                return self._envelope(404, {"data": None, "metadata": meta}, mount_type=None)
            return self._envelope(200, {"data": v.data, "metadata": meta})
        if op == "update":
            body, err = self._body_json(req)
            if err:
                return err
            if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
                return _errors(400, "no data provided")
            cas = (body.get("options") or {}).get("cas")
            if cas is not None and int(cas) != (key.current if key else 0):
                return _errors(400, "check-and-set parameter did not match the current version")
            n = self._store(m, path, body["data"])
            return self._envelope(200, m.store[path].versions[n].metadata(n))
        if op == "delete":
            if key is not None and key.current in key.versions:
                v = key.versions[key.current]
                v.deletion_time = v.deletion_time or rfc3339()
            return _Resp(204)
        return _errors(405, "unsupported operation")

    def _kv2_metadata(self, req, op, m, sub):
        if op == "list":
            d = sub.rstrip("/")
            keys = self._list(m.store, d + "/" if d else "")
            if req.q("exclude_deleted") == "true":
                keys = [k for k in keys if k.endswith("/") or not self._deleted(m.store[(d + "/" if d else "") + k])]
            if not keys:
                return _errors(404)
            return self._envelope(200, {"keys": keys})
        path = _norm(sub)
        if not path:
            return self._invalid_path(ROOT_WARNING)
        key = m.store.get(path)
        if op in ("read", "header"):
            if key is None:
                return _errors(404)
            return self._envelope(200, {
                "cas_required": False,
                "created_time": key.created_time,
                "current_version": key.current,
                "custom_metadata": None,
                "delete_version_after": "0s",
                "max_versions": 0,
                "oldest_version": key.oldest,
                "updated_time": key.updated_time,
                "versions": {str(n): {"created_time": v.created_time, "deletion_time": v.deletion_time,
                                      "destroyed": v.destroyed} for n, v in sorted(key.versions.items())},
            })
        if op == "delete":
            m.store.pop(path, None)
            return _Resp(204)
        return _errors(405, "unsupported operation")

    @staticmethod
    def _deleted(key):
        v = key.versions.get(key.current)
        return v is None or v.destroyed or bool(v.deletion_time)


# --------------------------------------------------------------------------
# CLI


def main(argv=None):
    ap = argparse.ArgumentParser(description="A Vault-compatible test server.")
    ap.add_argument("--listen", default="127.0.0.1:8200", help="HOST:PORT (port 0: any)")
    ap.add_argument("--unix", help="serve on this unix socket instead")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    ap.add_argument("--seed", help="JSON seed file (format: see the module docstring)")
    ap.add_argument("--root-token", help="the root token (default: random)")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-client-ca", help="verify client certificates (cert auth)")
    a = ap.parse_args(argv)

    ctx = None
    if a.tls_cert or a.tls_key:
        if not (a.tls_cert and a.tls_key):
            ap.error("--tls-cert and --tls-key go together")
        ctx = tls_server_context(a.tls_cert, a.tls_key, a.tls_client_ca)
    seed = {}
    if a.seed:
        with open(a.seed, encoding="utf-8") as f:
            seed = json.load(f)
    host, _, port = a.listen.rpartition(":")
    srv = VaultServer(root_token=a.root_token or seed.get("root_token"), host=host or "127.0.0.1",
                      port=int(port), unix_path=a.unix, ssl_context=ctx, latency=a.latency)
    srv.load_seed(seed)
    srv.start()
    print(srv.url, flush=True)
    print(srv.root_token, flush=True)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(3600):
        pass
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
