"""dbservers - throwaway PostgreSQL and MariaDB servers for vaultrun's tests.

Each server lives in a directory of its own under the system's temporary
directory, listens on 127.0.0.1 on a free port (and on a unix socket in that
directory, used only for setting it up) and requires a password for every
TCP connection.  stop() kills it and removes the directory; use them as
context managers or stop them in a fixture's finaliser.

    with PostgresServer() as pg:             # initdb + pg_ctl start: ~1-2 s
        pg.create_user("backup", "pw")
        pg.sql("CREATE TABLE t (x int)", db="postgres")
        pg.port, pg.bin("pg_dump")

    with MariaDBServer() as my:              # mariadb-install-db + mariadbd
        my.sql("CREATE DATABASE shop")
        my.create_user("backup", "pw", grants="SELECT, LOCK TABLES ON shop.*")
        my.port, my.bin("mysqldump")

PostgresServer.available() / MariaDBServer.available() say whether the
server binaries are installed (Debian: postgresql; mariadb-server and
mariadb-client).  As root the servers run as the postgres and mysql users
(runuser), as the databases refuse to run as root; otherwise as the caller.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

__all__ = ["PostgresServer", "MariaDBServer", "free_port"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _is_root():
    return os.geteuid() == 0


def _owned_dir(prefix, user):
    """A fresh directory under the temporary directory, owned by user when
    we are root (tempfile makes it 0700)."""
    d = tempfile.mkdtemp(prefix=prefix)
    if _is_root():
        pw = pwd.getpwnam(user)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    return d


RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"


def _run(cmd, as_user=None, check=True, timeout=60, **kw):
    if as_user and _is_root():
        cmd = [RUNUSER, "-u", as_user, "--"] + list(cmd)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class _Server:
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class PostgresServer(_Server):
    """A PostgreSQL cluster: superuser "postgres" (trust over the unix
    socket), scram-sha-256 for every TCP connection."""

    USER = "postgres"

    def __init__(self):
        self.dir = None
        self.port = None
        self.started = False

    @staticmethod
    def bindir():
        """The newest /usr/lib/postgresql/*/bin with initdb, or None."""
        found = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.access(os.path.join(d, "initdb"), os.X_OK)]
        if not found:
            return None
        return max(found, key=lambda d: [int(x) if x.isdigit() else 0 for x in d.split("/")[-2].split(".")])

    @classmethod
    def available(cls):
        return cls.bindir() is not None and (not _is_root() or
                                             (_user_exists(cls.USER) and os.access(RUNUSER, os.X_OK)))

    def bin(self, name):
        return os.path.join(self.bindir(), name)

    def start(self):
        self.dir = _owned_dir("vaultrun-pg-", self.USER)
        try:
            self.data = os.path.join(self.dir, "data")
            self.sock = self.dir
            self.log = os.path.join(self.dir, "server.log")
            _run([self.bin("initdb"), "-D", self.data, "-U", "postgres", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions"],
                 as_user=self.USER, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
            # a free port can be taken between the probe and the bind: retry
            for _ in range(5):
                self.port = free_port()
                p = _run([self.bin("pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-t", "30", "-o",
                          "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                          "-c full_page_writes=off" % (self.port, self.sock), "start"],
                         as_user=self.USER, check=False, env={"PATH": "/usr/bin:/bin", "LANG": "C"})
                if p.returncode == 0:
                    self.started = True
                    break
            if not self.started:
                with open(self.log) as f:
                    raise RuntimeError("postgres did not start:\n" + f.read()[-3000:])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.started:
            _run([self.bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"],
                 as_user=self.USER, check=False)
            self.started = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def sql(self, text, db="postgres"):
        """Run SQL as the superuser over the unix socket; returns stdout."""
        return _run([self.bin("psql"), "-X", "-q", "-h", self.sock, "-p", str(self.port), "-U", "postgres",
                     "-d", db, "-v", "ON_ERROR_STOP=1", "-tA", "-c", text],
                    env={"PATH": "/usr/bin:/bin", "LANG": "C", "PGCONNECT_TIMEOUT": "10"}).stdout

    @staticmethod
    def literal(s):
        return "'" + s.replace("'", "''") + "'"

    @staticmethod
    def ident(s):
        return '"' + s.replace('"', '""') + '"'

    def create_user(self, name, password):
        self.sql("CREATE ROLE %s LOGIN PASSWORD %s" % (self.ident(name), self.literal(password)))


class MariaDBServer(_Server):
    """A MariaDB server: its administrator (root, or the user running the
    tests when that is not root) by unix_socket authentication over its
    socket, users with passwords over TCP."""

    USER = "mysql"

    def __init__(self):
        self.dir = None
        self.port = None
        self.proc = None
        # mariadb-install-db run by another user than root makes that user
        # the socket-authenticated administrator (root@localhost is root's).
        self.admin = "root" if _is_root() else pwd.getpwuid(os.getuid()).pw_name

    @staticmethod
    def _find(*names):
        for n in names:
            p = shutil.which(n) or (os.path.exists("/usr/sbin/" + n) and "/usr/sbin/" + n)
            if p:
                return p
        return None

    @classmethod
    def server(cls):
        return cls._find("mariadbd", "mysqld")

    @classmethod
    def available(cls):
        return bool(cls.server() and cls._find("mariadb-install-db", "mysql_install_db") and
                    cls._find("mariadb", "mysql") and cls._find("mariadb-dump", "mysqldump") and
                    (not _is_root() or _user_exists(cls.USER)))

    def bin(self, name):
        alias = {"mysqldump": ("mysqldump", "mariadb-dump"), "mysql": ("mariadb", "mysql"),
                 "mariadb-admin": ("mariadb-admin", "mysqladmin")}
        return self._find(*alias.get(name, (name,)))

    def start(self):
        self.dir = _owned_dir("vaultrun-my-", self.USER)
        try:
            self.data = os.path.join(self.dir, "data")
            self.sock = os.path.join(self.dir, "mysqld.sock")
            self.log = os.path.join(self.dir, "error.log")
            user = ["--user=" + self.USER] if _is_root() else []
            admin = [] if _is_root() else ["--auth-root-socket-user=" + self.admin]
            _run([self._find("mariadb-install-db", "mysql_install_db"), "--no-defaults", "--datadir=" + self.data,
                  "--auth-root-authentication-method=socket", "--skip-test-db", "--skip-name-resolve"]
                 + user + admin)
            for _ in range(5):
                self.port = free_port()
                self.proc = subprocess.Popen(
                    [self.server(), "--no-defaults", "--datadir=" + self.data, "--socket=" + self.sock,
                     "--port=%d" % self.port, "--bind-address=127.0.0.1", "--skip-name-resolve",
                     "--pid-file=" + os.path.join(self.dir, "mysqld.pid"), "--log-error=" + self.log,
                     "--innodb-buffer-pool-size=16M", "--innodb-flush-log-at-trx-commit=0",
                     "--skip-log-bin"] + user,
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if self._wait_ready():
                    return self
                self._kill()
            with open(self.log) as f:
                raise RuntimeError("mariadbd did not start:\n" + f.read()[-3000:])
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False
            p = _run([self.bin("mariadb-admin"), "--no-defaults", "-S", self.sock, "-u", self.admin, "ping"],
                     check=False, timeout=10)
            if p.returncode == 0:
                return True
            time.sleep(0.05)
        return False

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self._kill()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def sql(self, text, db=None):
        """Run SQL as the administrator over the unix socket; returns stdout."""
        return _run([self.bin("mysql"), "--no-defaults", "-S", self.sock, "-u", self.admin, "-N", "-B"] +
                    ([db] if db else []) + ["-e", text]).stdout

    @staticmethod
    def literal(s):
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def create_user(self, name, password, grants, host="127.0.0.1"):
        who = "%s@%s" % (self.literal(name), self.literal(host))
        self.sql("CREATE USER %s IDENTIFIED BY %s; GRANT %s TO %s" % (who, self.literal(password), grants, who))
