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
import shutil
import signal
import socket
import subprocess
import time

import pytest

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")

CONF = """\
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format conns '$connection $connection_requests $server_protocol $status $request_method $request_uri';
    access_log {d}/access.log conns;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    upstream vault {{
        server 127.0.0.1:{up};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://vault;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    def __init__(self, d, proc, port):
        self.dir, self.proc, self.port = d, proc, port
        self.url = "https://127.0.0.1:%d" % port

    def log(self, want=0, timeout=2.0):
        """Access-log lines split into fields; waits for at least `want`
        lines (nginx writes a line once it has finished the request)."""
        path = self.dir / "access.log"
        deadline = time.monotonic() + timeout
        while True:
            lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()] if path.exists() else []
            if len(lines) >= want or time.monotonic() > deadline:
                return lines
            time.sleep(0.01)


@pytest.fixture
def nginx(vault, tls_certs, tmp_path):
    """nginx on 127.0.0.1, TLS + HTTP/2, in front of the `vault` server."""
    d = tmp_path / "nginx"
    (d / "tmp").mkdir(parents=True)
    proc = None
    for _ in range(3):  # the port may be taken between free_port() and bind
        port = free_port()
        (d / "nginx.conf").write_text(CONF.format(d=d, up=vault.port, port=port,
                                                  cert=tls_certs.server_crt, key=tls_certs.server_key))
        errf = open(d / "stderr.log", "w")
        proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf"), "-g", "daemon off;"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errf)
        errf.close()
        deadline = time.monotonic() + 5
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                up = True
                break
            except OSError:
                time.sleep(0.02)
        if up:
            break
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc = None
    if proc is None:
        errors = ""
        for name in ("stderr.log", "error.log"):
            if (d / name).exists():
                errors += (d / name).read_text()
        pytest.fail("nginx did not start:\n" + errors)
    yield Nginx(d, proc, port)
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
    lines = nginx.log(want=vault.request_count)
    assert len(lines) == vault.request_count, (lines, vault.request_count)
    assert len(lines) >= n + 1  # the reads, and the mount preflight
    # ... over HTTP/2, on one TCP connection.
    assert {ln[2] for ln in lines} == {"HTTP/2.0"}, lines
    conns = {ln[0] for ln in lines}
    assert len(conns) == 1, "vaultrun opened %d connections to nginx: %s" % (len(conns), sorted(conns))
    assert all(ln[3] == "200" for ln in lines), lines
