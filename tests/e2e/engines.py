"""engines - secrets engines other than KV for the Vault test server, and the
lease model behind them (vault-api.md section 14).

vaultserver.VaultServer creates one Engines as .engines and hands it every
request below an engine mount and under sys/leases/.  Engines live in the
root namespace.  Policies are path globs as for KV; on an engine path a
matching glob grants what the path needs (read for creds/, update for
issue/ and sts/).

    srv.engines.add_database_role("backup", pg)            # a PostgresServer
    srv.engines.add_database_role("shop", my, kind="mysql", grants="SELECT ON shop.*")
    srv.engines.add_static_role("legacy", "app", "pw")     # static-creds/legacy
    srv.engines.add_aws_role("deploy")                     # aws/creds, aws/sts
    srv.engines.add_pki_role("backup")                     # pki/issue/backup
    srv.engines.leases() -> [Lease]  (live ones; .id .token .ttl .expire
                                      .renewable .username)
    srv.engines.revoked  -> ids of the leases revoked, in order (with the token,
                            by sys/leases/revoke, or expired: .how says which)
    srv.engines.expire(lease_id)     end a lease now, as its TTL would
    srv.engines.renewals -> [(time.monotonic(), lease_id, granted seconds)]
                            of every sys/leases/renew answered 200

Database roles create REAL users: a read of database/creds/<role> runs the
role's creation statements on the database server object given (anything
with .sql(text): dbservers.PostgresServer or MariaDBServer) with {{name}},
{{password}} and {{expiration}} filled in, as Vault's database plugin does; a
lease that ends (revoked, its token revoked, its TTL over) runs the
revocation statements.  PostgreSQL roles also get VALID UNTIL the lease's
expiry.

Leases: tied to the token that created them and revoked with it
(auth/token/revoke-self), expiring with their TTL (capped by the token's),
sys/leases/renew, sys/leases/lookup (granted by the default policy, so any
valid token) and sys/leases/revoke (not in the default policy: the root
token, or a token with the "sys/leases/revoke" glob).  PKI certificates are
real X.509, made with openssl(1).
"""

import json
import os
import secrets
import shutil
import string
import subprocess
import tempfile
import threading
import time
import uuid

PG_CREATE = ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\' VALID UNTIL \'{{expiration}}\'',
             'GRANT pg_read_all_data TO "{{name}}"']
PG_REVOKE = ['DROP ROLE IF EXISTS "{{name}}"']
MY_CREATE = ["CREATE USER '{{name}}'@'127.0.0.1' IDENTIFIED BY '{{password}}'",
             "GRANT {{grants}} TO '{{name}}'@'127.0.0.1'"]
MY_REVOKE = ["DROP USER IF EXISTS '{{name}}'@'127.0.0.1'"]

_ALNUM = string.ascii_letters + string.digits


def _rand(n, alphabet=_ALNUM):
    return "".join(secrets.choice(alphabet) for _ in range(n))


class Lease:
    def __init__(self, lid, token, ttl, max_ttl, renewable, on_end, username=None):
        self.id = lid
        self.token = token
        self.issued = time.time()
        self.issued_mono = time.monotonic()  # on the clock of engines.renewals
        self.max_expire = self.issued + max_ttl
        self.expire = self.issued + ttl
        self.renewable = renewable
        self.on_end = on_end
        self.username = username
        self.how = None  # "revoked", "token", "expired" once over
        self.base_ttl = ttl  # what a renewal without increment asks for
        self.on_renew = None  # called with the new expiry (database users)
        self.timer = None
        self.last_renewal = None

    @property
    def ttl(self):
        return max(0, int(round(self.expire - time.time())))


class EngineMount:
    def __init__(self, path, type_):
        self.path = path
        self.type = type_
        self.accessor = type_ + "_" + secrets.token_hex(4)
        self.uuid = str(uuid.uuid4())
        self.roles = {}
        self.ca = None  # pki: (cert pem, key path, dir)

    def info(self, shown_path):
        """The preflight's data: a type, and options null (vault-api.md 14)."""
        return {
            "accessor": self.accessor,
            "config": {"default_lease_ttl": 0, "force_no_cache": False, "max_lease_ttl": 0},
            "description": "",
            "external_entropy_access": False,
            "local": False,
            "options": None,
            "path": shown_path,
            "plugin_version": "",
            "running_plugin_version": "v1.15.6+builtin.vault",
            "running_sha256": "",
            "seal_wrap": False,
            "type": self.type,
            "uuid": self.uuid,
        }


class Engines:
    def __init__(self, server, resp, errors):
        self.srv = server
        self._resp, self._errors = resp, errors
        self._lock = threading.RLock()
        self.mounts = {}
        self._leases = {}
        self.revoked = []
        self.renewals = []  # (monotonic time, lease id, seconds granted)
        self._tmp = []

    # ---- setup

    def add_mount(self, path, type_):
        path = path.strip("/")
        with self._lock:
            m = self.mounts.get(path)
            if m is None:
                m = self.mounts[path] = EngineMount(path, type_)
            elif m.type != type_:
                raise ValueError("mount %r is a %s mount" % (path, m.type))
            return m

    def add_database_role(self, role, db, kind="postgres", mount="database", creation=None, revocation=None,
                          grants="SELECT ON *.*", ttl=3600, max_ttl=86400):
        if kind not in ("postgres", "mysql"):
            raise ValueError("kind is postgres or mysql")
        m = self.add_mount(mount, "database")
        m.roles[role] = {"static": False, "db": db, "kind": kind, "ttl": ttl, "max_ttl": max_ttl,
                         "creation": creation or (PG_CREATE if kind == "postgres" else MY_CREATE),
                         "revocation": revocation or (PG_REVOKE if kind == "postgres" else MY_REVOKE),
                         "grants": grants}

    def add_static_role(self, role, username, password, mount="database", rotation_period=86400):
        m = self.add_mount(mount, "database")
        m.roles[role] = {"static": True, "username": username, "password": password,
                         "rotation_period": rotation_period}
        self._sensitive(password)

    def add_aws_role(self, role, mount="aws", ttl=3600, max_ttl=86400):
        m = self.add_mount(mount, "aws")
        m.roles[role] = {"ttl": ttl, "max_ttl": max_ttl}

    def add_pki_role(self, role, mount="pki", ttl=3600, max_ttl=86400, generate_lease=False):
        m = self.add_mount(mount, "pki")
        if m.ca is None:
            d = tempfile.mkdtemp(prefix="vaultserver-pki-")
            self._tmp.append(d)
            self._openssl(d, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                          "-subj", "/CN=vaultserver test PKI " + mount)
            with open(os.path.join(d, "ca.crt")) as f:
                m.ca = (f.read().strip(), os.path.join(d, "ca.key"), d)
        m.roles[role] = {"ttl": ttl, "max_ttl": max_ttl, "generate_lease": generate_lease}

    # ---- state

    def leases(self):
        with self._lock:
            return [le for le in self._leases.values() if le.how is None]

    def lease(self, lid):
        with self._lock:
            return self._leases.get(lid)

    def expire(self, lid):
        self._end(lid, "expired")

    def stop(self):
        with self._lock:
            for le in self._leases.values():
                if le.timer:
                    le.timer.cancel()
        for d in self._tmp:
            shutil.rmtree(d, ignore_errors=True)
        self._tmp = []

    # ---- hooks from vaultserver

    def find_mount(self, ns, path):
        """The engine mount holding path (longest prefix), or None."""
        if ns:
            return None
        best = None
        with self._lock:
            for mp, m in self.mounts.items():
                if (path == mp or path.startswith(mp + "/")) and (best is None or len(mp) > len(best.path)):
                    best = m
        return best

    def revoke_token(self, token):
        """A token was revoked: so are the leases it created."""
        with self._lock:
            ids = [le.id for le in self._leases.values() if le.token == token and le.how is None]
        for lid in ids:
            self._end(lid, "token")

    def route(self, req, t, ns, path, op):
        """The answer for an engine or sys/leases request, or None."""
        if ns == "" and path.startswith("sys/leases/"):
            return self._sys_leases(req, t, path[len("sys/leases/"):], op)
        m = self.find_mount(ns, path)
        if m is None:
            return None
        if not (t.root or t.allows(path)):
            return self._errors(403, "1 error occurred:\n\t* permission denied\n\n")
        rest = path[len(m.path) + 1:]
        parts = rest.split("/")
        handler = {"database": self._database, "aws": self._aws, "pki": self._pki}.get(m.type)
        if handler is None or len(parts) != 2 or not parts[1]:
            return self._errors(404, "unsupported path")
        return handler(req, t, m, parts[0], parts[1], op)

    # ---- helpers

    def _sensitive(self, *values):
        with self.srv._lock:
            for v in values:
                if isinstance(v, str) and len(v.encode()) >= 4:
                    self.srv._sensitive.add(v)

    @staticmethod
    def _openssl(cwd, *args, stdin=None):
        p = subprocess.run(["openssl"] + list(args), cwd=cwd, input=stdin, capture_output=True, text=True,
                           timeout=30)
        if p.returncode != 0:
            raise RuntimeError("openssl %s: %s" % (args[0], p.stderr))
        return p.stdout

    def _body(self, req):
        try:
            v = json.loads(req.body) if req.body.strip() else {}
        except ValueError:
            return None
        return v if isinstance(v, dict) else None

    def _answer(self, data, lease=None, mount_type=None):
        body = {"request_id": str(uuid.uuid4()), "lease_id": lease.id if lease else "",
                "renewable": bool(lease and lease.renewable), "lease_duration": lease.ttl if lease else 0,
                "data": data, "wrap_info": None, "warnings": None, "auth": None}
        if mount_type:
            body["mount_type"] = mount_type
        return self._resp(200, body)

    def _new_lease(self, t, prefix, ttl, max_ttl, renewable, on_end, username=None):
        if t.ttl and not t.root:  # a lease does not outlive its token
            left = t.created + t.ttl - time.time()
            ttl, max_ttl = min(ttl, left), min(max_ttl, left)
        le = Lease(prefix + "/" + _rand(24), t.id, ttl, max_ttl, renewable, on_end, username)
        with self._lock:
            self._leases[le.id] = le
            self._arm(le)
        return le

    def _arm(self, le):
        if le.timer:
            le.timer.cancel()
        le.timer = threading.Timer(max(0.0, le.expire - time.time()), self._end, (le.id, "expired"))
        le.timer.daemon = True
        le.timer.start()

    def _end(self, lid, how):
        with self._lock:
            le = self._leases.get(lid)
            if le is None or le.how is not None:
                return
            le.how = how
            if le.timer:
                le.timer.cancel()
            self.revoked.append(lid)
        if le.on_end:
            try:
                le.on_end()
            except Exception:  # a user that could not be dropped fails the test
                self.srv._record_error()

    # ---- database

    @staticmethod
    def _fill(stmt, values):
        for k, v in values.items():
            stmt = stmt.replace("{{%s}}" % k, v)
        return stmt

    def _database(self, req, t, m, what, role_name, op):
        role = m.roles.get(role_name)
        if what not in ("creds", "static-creds"):
            return self._errors(404, "unsupported path")
        if op != "read":
            return self._errors(405, "unsupported operation")
        if role is None or role["static"] != (what == "static-creds"):
            return self._errors(400, "unknown role: %s" % role_name)
        if role["static"]:
            return self._answer({"username": role["username"], "password": role["password"],
                                 "last_vault_rotation": "2026-01-01T00:00:00Z",
                                 "rotation_period": role["rotation_period"], "ttl": role["rotation_period"]},
                                mount_type="database")
        display = (t.path.split("/")[1] if t.path.startswith("auth/") and "/" in t.path[5:] else "token")
        if role["kind"] == "postgres":
            name = ("v-%s-%s-%s-%d" % (display, role_name, _rand(20), int(time.time())))[:63]
        else:
            name = "v-%s-%s" % (role_name[:10], _rand(16))
        password = "A1a-" + _rand(16)
        self._sensitive(password)
        expire = time.time() + role["ttl"]
        values = {"name": name, "password": password, "grants": role["grants"],
                  "expiration": time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(expire))}
        db = role["db"]
        try:
            db.sql(";\n".join(self._fill(s, values) for s in role["creation"]))
        except Exception as e:  # as Vault: the plugin's error, 500
            return self._errors(500, "1 error occurred:\n\t* %s\n\n" % str(e).splitlines()[0])
        revoke = ";\n".join(self._fill(s, values) for s in role["revocation"])
        le = self._new_lease(t, "%s/creds/%s" % (m.path, role_name), role["ttl"], role["max_ttl"], True,
                             lambda: db.sql(revoke), username=name)
        if role["kind"] == "postgres":  # as Vault's plugin: RenewUser moves VALID UNTIL
            le.on_renew = lambda exp: db.sql('ALTER ROLE "%s" VALID UNTIL \'%s\'' % (
                name, time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(exp))))
        return self._answer({"username": name, "password": password}, le, "database")

    # ---- aws

    def _aws(self, req, t, m, what, role_name, op):
        role = m.roles.get(role_name)
        if what not in ("creds", "sts"):
            return self._errors(404, "unsupported path")
        if op not in ("read", "update"):
            return self._errors(405, "unsupported operation")
        if role is None:
            return self._errors(400, 'Role "%s" not found' % role_name)
        body = self._body(req) if op == "update" else {}
        if body is None:
            return self._errors(400, "error parsing JSON")
        sts = what == "sts"
        ttl = role["ttl"]
        if sts and body.get("ttl"):
            try:
                ttl = _seconds(body["ttl"])
            except ValueError:
                return self._errors(400, "invalid ttl")
        data = {"access_key": ("ASIA" if sts else "AKIA") + _rand(16, string.ascii_uppercase + string.digits),
                "secret_key": _rand(40), "security_token": _rand(64) if sts else None}
        self._sensitive(data["access_key"], data["secret_key"], data["security_token"])
        le = self._new_lease(t, "%s/%s/%s" % (m.path, what, role_name), ttl, role["max_ttl"], not sts, None)
        return self._answer(data, le, "aws")

    # ---- pki

    def _pki(self, req, t, m, what, role_name, op):
        role = m.roles.get(role_name)
        if what != "issue":
            return self._errors(404, "unsupported path")
        if op != "update":
            return self._errors(405, "unsupported operation")
        if role is None:
            return self._errors(400, "unknown role: %s" % role_name)
        body = self._body(req)
        if body is None:
            return self._errors(400, "error parsing JSON")
        cn = body.get("common_name")
        if not cn:
            return self._errors(400, 'the common_name field is required, or must be provided in a CSR with '
                                     '"use_csr_common_name" set to true, unless "require_cn" is set to false')
        ttl = role["ttl"]
        if body.get("ttl"):
            try:
                ttl = min(_seconds(body["ttl"]), role["max_ttl"])
            except ValueError:
                return self._errors(400, "invalid ttl")
        alt = [a.strip() for a in str(body.get("alt_names", "")).split(",") if a.strip()]
        ca_pem, ca_key, d = m.ca
        work = tempfile.mkdtemp(dir=d)
        try:
            with open(os.path.join(work, "ext"), "w") as f:
                f.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n" %
                        ",".join("DNS:" + n for n in [cn] + alt))
            self._openssl(work, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                          "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=" + cn)
            serial = secrets.randbits(63) | 1
            self._openssl(work, "x509", "-req", "-in", "leaf.csr", "-CA", os.path.join(d, "ca.crt"),
                          "-CAkey", ca_key, "-set_serial", str(serial), "-days", str(max(1, -(-ttl // 86400))),
                          "-extfile", "ext", "-out", "leaf.crt")
            key = self._openssl(work, "ec", "-in", "leaf.key")
            with open(os.path.join(work, "leaf.crt")) as f:
                cert = f.read().strip()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        key = key.strip()
        self._sensitive(key)
        hexs = "%016x" % serial
        data = {"certificate": cert, "issuing_ca": ca_pem, "ca_chain": [ca_pem], "private_key": key,
                "private_key_type": "ec", "serial_number": ":".join(hexs[i:i + 2] for i in range(0, 16, 2)),
                "expiration": int(time.time()) + ttl}
        le = None
        if role["generate_lease"]:
            le = self._new_lease(t, "%s/issue/%s" % (m.path, role_name), ttl, role["max_ttl"], False, None)
        return self._answer(data, le, "pki")

    # ---- sys/leases

    def _sys_leases(self, req, t, what, op):
        if op != "update":
            return self._errors(405, "unsupported operation")
        body = self._body(req)
        if body is None:
            return self._errors(400, "error parsing JSON")
        verb, _, in_path = what.partition("/")
        lid = in_path or body.get("lease_id") or ""
        if verb not in ("renew", "revoke", "lookup"):
            return self._errors(404, "unsupported path")
        if verb == "revoke" and not (t.root or t.allows("sys/leases/revoke")):
            return self._errors(403, "1 error occurred:\n\t* permission denied\n\n")
        if not lid:
            return self._errors(400, "lease_id must be specified")
        le = self.lease(lid)
        if verb == "revoke":
            if le is not None:
                self._end(lid, "revoked")
            return self._resp(204)
        if le is None or le.how is not None:
            return self._errors(400, "invalid lease")
        if verb == "lookup":
            return self._answer({"id": le.id, "issue_time": _rfc3339(le.issued), "expire_time": _rfc3339(le.expire),
                                 "last_renewal": le.last_renewal and _rfc3339(le.last_renewal),
                                 "renewable": le.renewable, "ttl": le.ttl})
        if not le.renewable:
            return self._errors(400, "lease is not renewable")
        inc = body.get("increment")
        try:
            inc = _seconds(inc) if inc not in (None, "", 0) else None
        except ValueError:
            return self._errors(400, "invalid increment")
        with self._lock:
            now = time.time()
            le.expire = min(now + (inc or le.base_ttl), le.max_expire)
            le.last_renewal = now
            self._arm(le)
            self.renewals.append((time.monotonic(), le.id, le.expire - now))
        if le.on_renew:
            le.on_renew(le.expire)
        body = {"request_id": str(uuid.uuid4()), "lease_id": le.id, "renewable": True,
                "lease_duration": le.ttl, "data": None, "wrap_info": None, "warnings": None, "auth": None}
        return self._resp(200, body)


def _seconds(v):
    """Vault's durations: an integer of seconds, or "90s", "15m", "1h"."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    s = str(v).strip()
    if s.isdigit():
        return int(s)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if len(s) > 1 and s[-1] in units and s[:-1].isdigit():
        return int(s[:-1]) * units[s[-1]]
    raise ValueError(v)


def _rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
