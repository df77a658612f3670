"""nginxfront - nginx as a TLS + HTTP/2 front for the test server (bench use).

    with NginxFront(upstream_port, cert, key) as ng:   # https://127.0.0.1:ng.port
        ...
        ng.log_lines()  -> [(connection, requests, protocol, status, method, uri)]

nginx runs in the foreground (`nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'`)
with everything (config, pid, logs, temp files) in a fresh directory, one
worker, `listen PORT ssl http2`, and an HTTP/1.1 keep-alive upstream.  The
access log records nginx's connection serial number ($connection), so the
number of client connections is the number of distinct values in it.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

CONF = """\
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format bench '$connection $connection_requests $server_protocol $status $request_method $request_uri';
    access_log {d}/access.log bench;
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
        http2_max_concurrent_streams 256;
        keepalive_requests 100000;
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


class NginxFront:
    def __init__(self, upstream_port, cert, key, nginx=None):
        self.nginx = nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        self.upstream_port, self.cert, self.key = upstream_port, cert, key
        self.dir = None
        self.proc = None
        self.port = None

    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port

    def start(self, timeout=5.0):
        self.dir = tempfile.mkdtemp(prefix="vaultrun-nginx-")
        os.chmod(self.dir, 0o755)  # the worker runs as nobody when we are root
        os.mkdir(os.path.join(self.dir, "tmp"))
        for attempt in range(3):
            self.port = free_port()
            with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
                f.write(CONF.format(d=self.dir, up=self.upstream_port, port=self.port,
                                    cert=self.cert, key=self.key))
            self.proc = subprocess.Popen(
                [self.nginx, "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf"),
                 "-g", "daemon off;"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=open(os.path.join(self.dir, "stderr.log"), "w"))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                    return self
                except OSError:
                    time.sleep(0.02)
            self.stop(keep_dir=True)
        raise RuntimeError("nginx did not start:\n" + self.errors())

    def errors(self):
        out = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name)) as f:
                    out += f.read()
            except OSError:
                pass
        return out

    def log_lines(self):
        """The access log, parsed: one tuple per request nginx finished."""
        try:
            with open(os.path.join(self.dir, "access.log")) as f:
                return [tuple(line.split()) for line in f if line.strip()]
        except OSError:
            return []

    def wait_log(self, n, timeout=2.0):
        """Wait until the access log has at least n lines (nginx writes each
        line when it finalises the request, just after answering)."""
        deadline = time.monotonic() + timeout
        while len(self.log_lines()) < n and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.log_lines()

    def truncate_log(self):
        open(os.path.join(self.dir, "access.log"), "w").close()

    def stop(self, keep_dir=False):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.dir and not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()
