"""Fixtures for vaultrun's end-to-end tests.

    vault          a started VaultServer (vaultserver.py) with a root token
                   "root-token-<random>" and the mounts "secret" (KV v2) and
                   "kv" (KV v1); stopped at teardown, which also fails the test
                   if the server recorded an internal error.
    vault_factory  make(**VaultServer kwargs, mounts=True) -> another server
                   (for tests that need two: VAULT_AGENT_ADDR vs VAULT_ADDR).
    run            run(args, env=None, stdin=None, timeout=30, cwd=tmp_path)
                   runs $VAULTRUN_BIN (default <repo>/build/vaultrun; every
                   test using it is skipped when it is missing) with a clean
                   environment: PATH, HOME=<tmp>/home, LANG=C, plus env (a None
                   value unsets).  Returns a Result (.rc .out .err .elapsed).
                   Every call asserts that no string of any server's
                   sensitive() set, nor any run.forbid()-den string, appears
                   in vaultrun's stdout or stderr: the leak check.  The child
                   command must therefore never write to its stdout/stderr,
                   except under --supervise, where what it writes is masked
                   (and so checked too: helpers.shown and assert_masked).
                   run.check_output(*outputs) applies the same check to
                   output a test read itself (Popen, a terminal).
                   run.home is the HOME directory (for ~/.vault-token).
                   Before returning it waits until every server has recorded
                   every request it was sent (wait_idle), so counts are exact.
    envdump        an EnvDump: .cmd is a command that writes its environment
                   (exactly what execve received) to a file and prints nothing;
                   .read() parses it; .ran() tells whether the command ran.
    manifest       manifest(text, name="manifest.ini", mode=0o600) -> path of
                   a dedented file in tmp_path.
    secret_file    secret_file(name, content, mode=0o600) -> path.
    closed_url     "http://127.0.0.1:<port>" of a port nothing listens on.
    tls_certs      (session) a CA, a server certificate for 127.0.0.1 and
                   localhost, and a client certificate (CN "vaultrun-client"),
                   made with openssl(1); skips when openssl is missing.
    postgres       (session) a started dbservers.PostgresServer: one for
                   the whole run, stopped at its end (each module makes
                   roles and databases of its own names on it);
    mariadb        (module) a started dbservers.MariaDBServer: one for the
                   module that asks, stopped at its end.  Both skip when
                   the server is not installed.  A module that wants a
                   database seeded overrides the fixture with one that
                   takes it (on the shared PostgreSQL, seeding only what is
                   not there yet: a module that imports the override seeds
                   again).

VAULTRUN_VALGRIND=1 runs the binary under valgrind memcheck (exit code 99 on
an error or a definite leak) and multiplies timeouts by SLOW.  Wall-clock
assertions use the time_limit fixture (time_limit(seconds): scaled by SLOW
under valgrind) or the "timing" marker (the test is skipped under valgrind).
"""

import os
import pathlib
import secrets
import shutil
import subprocess
import textwrap
import time
import types

import pytest

from dbservers import MariaDBServer, PostgresServer, free_port
from vaultserver import VaultServer

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("VAULTRUN_BIN") or str(REPO / "build" / "vaultrun")
VALGRIND = os.environ.get("VAULTRUN_VALGRIND") == "1"
SLOW = 20 if VALGRIND else 1
VALGRIND_CMD = [
    "valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
    "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
]


def scaled(seconds):
    """A wall-clock bound, loosened under valgrind."""
    return seconds * SLOW


@pytest.fixture
def time_limit():
    """time_limit(seconds) -> the bound to assert, loosened under valgrind."""
    return scaled


def pytest_configure(config):
    config.addinivalue_line("markers", "timing: asserts wall-clock bounds; skipped under valgrind")


def pytest_collection_modifyitems(config, items):
    if not VALGRIND:
        return
    skip = pytest.mark.skip(reason="timing-sensitive: skipped under valgrind")
    for item in items:
        if "timing" in item.keywords:
            item.add_marker(skip)


# --------------------------------------------------------------------------
# servers


@pytest.fixture
def vault_factory():
    servers = []

    def make(mounts=True, **kw):
        kw.setdefault("root_token", "root-token-" + secrets.token_hex(8))
        srv = VaultServer(**kw).start()
        servers.append(srv)
        if mounts:
            srv.add_mount("secret", 2)
            srv.add_mount("kv", 1)
        return srv

    make.servers = servers
    yield make
    errors = []
    for srv in servers:
        srv.stop()
        errors += srv.errors
    assert not errors, "the test server failed internally:\n" + "\n".join(errors)


@pytest.fixture
def vault(vault_factory):
    return vault_factory()


@pytest.fixture
def closed_url():
    return "http://127.0.0.1:%d" % free_port()


def db_server(cls, name, packages):
    if not cls.available():
        pytest.skip("%s server not installed: apt-get install %s" % (name, packages))
    with cls() as srv:
        yield srv


@pytest.fixture(scope="session")
def postgres():
    yield from db_server(PostgresServer, "postgresql", "postgresql")


@pytest.fixture(scope="module")
def mariadb():
    yield from db_server(MariaDBServer, "mariadb", "mariadb-server mariadb-client")


# --------------------------------------------------------------------------
# running the launcher


class Result:
    def __init__(self, args, rc, out, err, elapsed):
        self.args, self.rc, self.out, self.err, self.elapsed = args, rc, out, err, elapsed

    @property
    def err_lines(self):
        return [line for line in self.err.splitlines() if line.strip()]

    @property
    def out_lines(self):
        return [line for line in self.out.splitlines() if line.strip()]

    def __repr__(self):
        return "Result(rc=%r, elapsed=%.3f)\n--- stdout:\n%s--- stderr:\n%s" % (
            self.rc, self.elapsed, self.out, self.err)


class Runner:
    def __init__(self, tmp_path, servers):
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir(exist_ok=True)
        self.servers = servers
        self.forbidden = set()

    def forbid(self, *strings):
        """Strings that must not appear in vaultrun's output either."""
        self.forbidden.update(s for s in strings if s)

    def env(self, env=None):
        e = {"PATH": os.environ.get("PATH") or "/usr/bin:/bin", "HOME": str(self.home), "LANG": "C"}
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = str(v)
        return e

    def __call__(self, args, env=None, stdin=None, timeout=30, cwd=None):
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            pytest.skip("vaultrun binary not found at %s: run `make` or set VAULTRUN_BIN" % BIN)
        cmd = [BIN] + [str(a) for a in args]
        if VALGRIND:
            cmd = VALGRIND_CMD + cmd
            timeout *= SLOW
        if isinstance(stdin, str):
            stdin = stdin.encode()
        t0 = time.monotonic()
        p = subprocess.run(
            cmd, env=self.env(env), input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True, timeout=timeout, cwd=str(cwd or self.tmp))
        res = Result(args, p.returncode, p.stdout.decode("utf-8", "replace"),
                     p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        for srv in self.servers:
            srv.wait_idle()  # requests sent just before exec'ing are counted too
        self.check_leaks(res)
        return res

    def leaked(self, *outputs):
        """The sensitive strings (every server's, and run.forbid()-den ones)
        that appear in any of outputs (str or bytes)."""
        sensitive = set(self.forbidden)
        for srv in self.servers:
            sensitive |= srv.sensitive()
        raw = [o if isinstance(o, bytes) else o.encode("utf-8", "surrogateescape") for o in outputs]
        return sorted(s for s in sensitive if any(s.encode() in r for r in raw))

    def check_leaks(self, res):
        leaked = self.leaked(res.out, res.err)
        assert not leaked, "secret(s) leaked into vaultrun's output: %r\n%r" % (leaked, res)

    def check_output(self, *outputs):
        """The same leak check for output the test read itself (a vaultrun it
        started with Popen or on a terminal): str or bytes."""
        leaked = self.leaked(*outputs)
        assert not leaked, "secret(s) leaked into vaultrun's output: %r\n%r" % (leaked, outputs)


@pytest.fixture
def run(tmp_path, vault_factory):
    return Runner(tmp_path, vault_factory.servers)


# --------------------------------------------------------------------------
# observing the child, writing files


class EnvDump:
    """A command that records its environment in a file and prints nothing.

    /proc/$$/environ is the shell's initial environment, i.e. exactly what
    vaultrun passed to execve (the shell adds nothing to it)."""

    def __init__(self, path):
        self.path = pathlib.Path(path)

    @property
    def cmd(self):
        return ["/bin/sh", "-c", '/bin/cat /proc/$$/environ > "$0"', str(self.path)]

    def ran(self):
        return self.path.exists()

    def read(self):
        assert self.ran(), "the command was not run"
        env = {}
        for item in self.path.read_bytes().split(b"\0"):
            if item:
                k, _, v = item.partition(b"=")
                env[k.decode()] = v.decode("utf-8", "surrogateescape")
        return env


@pytest.fixture
def envdump(tmp_path):
    return EnvDump(tmp_path / "child.env")


@pytest.fixture
def manifest(tmp_path):
    def write(text, name="manifest.ini", mode=0o600):
        p = tmp_path / name
        p.write_text(textwrap.dedent(text).lstrip("\n"))
        os.chmod(p, mode)
        return p
    return write


@pytest.fixture
def secret_file(tmp_path):
    def write(name, content, mode=0o600):
        p = tmp_path / name
        p.write_bytes(content.encode() if isinstance(content, str) else content)
        os.chmod(p, mode)
        return p
    return write


@pytest.fixture(scope="session")
def tls_certs(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("openssl(1) is needed to make test certificates")
    d = tmp_path_factory.mktemp("tls")
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def sh(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    sh("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=vaultrun test CA")
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                                  "extendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
    for name, cn in (("server", "localhost"), ("client", "vaultrun-client")):
        sh("req", *key, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn)
        sh("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
           "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext")
    for f in d.iterdir():
        os.chmod(f, 0o600)
    return types.SimpleNamespace(
        dir=d, ca=d / "ca.crt", server_crt=d / "server.crt", server_key=d / "server.key",
        client_crt=d / "client.crt", client_key=d / "client.key")
