"""[profile NAME] and the file:// store, end to end (SPEC.md "Manifest",
"References", vaultrun.ini(5) "Profiles").

Most tests run twice, against the Vault test server and against a file://
store (a 0600 JSON object mapping logical paths to secret objects) holding
the same secrets: the two backends must answer the same references alike.
For the file store the leak check is told every string the store holds
(run.forbid), as the Vault server's sensitive() does for its own.
"""

import json
import os
import re
import secrets

import pytest

import conftest
from helpers import err_line, val

# --------------------------------------------------------------------------
# helpers


def leaves(obj):
    """What VaultServer.sensitive() would hold for obj."""
    out = set()
    if isinstance(obj, str):
        if len(obj.encode()) >= 4:
            out.add(obj)
    elif isinstance(obj, (dict, list)):
        out.add(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))
        for v in obj.values() if isinstance(obj, dict) else obj:
            out |= leaves(v)
    return out


class VaultBackend:
    name = "vault"
    versions = True

    def __init__(self, vault):
        self.vault = vault

    def put(self, path, obj):
        mount, rest = path.split("/", 1)
        return self.vault.put(mount, rest, obj)

    def env(self, **extra):
        e = {"VAULT_ADDR": self.vault.url, "VAULT_TOKEN": self.vault.root_token}
        e.update(extra)
        return e


class FileBackend:
    name = "file"
    versions = False

    def __init__(self, path, run):
        self.path, self.run, self.data = path, run, {}

    def put(self, path, obj):
        self.data[path] = obj
        self.run.forbid(*leaves(obj))
        self.path.write_text(json.dumps(self.data, indent=1))
        os.chmod(self.path, 0o600)
        return 1

    def env(self, **extra):
        e = {"VAULT_ADDR": "file://%s" % self.path}
        e.update(extra)
        return e


@pytest.fixture(params=["vault", "file"])
def backend(request, run, tmp_path):
    if request.param == "vault":
        return VaultBackend(request.getfixturevalue("vault"))
    return FileBackend(tmp_path / "store.json", run)


class Child:
    """Records its environment (exactly what execve received) and, when it
    has one, the content of $MYSQL_DEFAULTS_FILE; prints nothing."""

    def __init__(self, tmp_path):
        self.dump = conftest.EnvDump(tmp_path / "child.env")
        self.defaults = tmp_path / "child.env.defaults"

    @property
    def cmd(self):
        return ["/bin/sh", "-c",
                '/bin/cat /proc/$$/environ > "$0"; '
                'if [ -n "$MYSQL_DEFAULTS_FILE" ]; then /bin/cat "$MYSQL_DEFAULTS_FILE" > "$0.defaults"; fi',
                str(self.dump.path)]

    def ran(self):
        return self.dump.ran()

    def read(self):
        return self.dump.read()

    def reset(self):
        for p in (self.dump.path, self.defaults):
            if p.exists():
                os.unlink(p)


@pytest.fixture
def child(tmp_path):
    return Child(tmp_path)


def go(run, child, backend, m, *args, env=None):
    """vaultrun -f m -- child; returns (result, child env or None)."""
    child.reset()
    res = run(list(args) + ["-f", m, "--"] + child.cmd, env=backend.env(**(env or {})))
    return res, (child.read() if child.ran() else None)


def parse_option_file(text):
    """A MySQL option file as vaultrun writes it: [client], then name="value"
    lines, \\" and \\\\ escaped."""
    lines = text.split("\n")
    assert lines[0] == "[client]", text
    assert lines[-1] == "", "no final newline: %r" % text
    opts = {}
    for line in lines[1:-1]:
        mt = re.fullmatch(r'([a-z_-]+)="((?:[^"\\]|\\["\\])*)"', line)
        assert mt, "not name=\"value\": %r" % line
        opts[mt.group(1)] = re.sub(r'\\(["\\])', r"\1", mt.group(2))
    return opts


PG_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE")


# --------------------------------------------------------------------------
# postgres


def test_postgres_flat(run, backend, manifest, child):
    s = {"type": "postgres", "host": "pg-%s.internal" % secrets.token_hex(3), "port": 6543,
         "username": val("user"), "password": val("pw"), "database": "app_" + secrets.token_hex(3)}
    backend.put("secret/db/pg", s)
    res, env = go(run, child, backend, manifest("[profile pg]\nfrom = secret/db/pg\n"))
    assert res.rc == 0, res
    assert env["PGHOST"] == s["host"] and env["PGPORT"] == "6543"
    assert env["PGUSER"] == s["username"] and env["PGPASSWORD"] == s["password"]
    assert env["PGDATABASE"] == s["database"]
    assert "PGSSLMODE" not in env
    assert not [k for k in env if k.startswith("PG_") or k == "TYPE"]


def test_postgres_details_defaults_and_aliases(run, backend, manifest, child):
    """Fields under details, the user and dbname aliases, port 5432 by
    default, PGSSLMODE when given."""
    s = {"type": "postgres", "details": {"host": "10.1.2.3", "user": val("user"), "password": val("pw"),
                                         "dbname": "db_" + secrets.token_hex(3), "sslmode": "verify-full"}}
    backend.put("secret/db/pg", s)
    res, env = go(run, child, backend, manifest("[profile db]\nfrom = secret/db/pg\n"))
    assert res.rc == 0, res
    d = s["details"]
    assert env["PGHOST"] == d["host"] and env["PGPORT"] == "5432"
    assert env["PGUSER"] == d["user"] and env["PGPASSWORD"] == d["password"]
    assert env["PGDATABASE"] == d["dbname"] and env["PGSSLMODE"] == "verify-full"


def test_details_beat_top_level_and_empty_means_absent(run, backend, manifest, child):
    s = {"type": "postgres", "host": "top-%s" % secrets.token_hex(3), "port": "", "username": val("top"),
         "password": val("toppw"),
         "details": {"host": "inner-%s" % secrets.token_hex(3), "username": val("inner"), "port": None}}
    backend.put("secret/db/pg", s)
    res, env = go(run, child, backend, manifest("[profile db]\nfrom = secret/db/pg\n"))
    assert res.rc == 0, res
    assert env["PGHOST"] == s["details"]["host"] and env["PGUSER"] == s["details"]["username"]
    assert env["PGPASSWORD"] == s["password"]  # only at the top level
    assert env["PGPORT"] == "5432"  # "" and null count as absent


def test_postgres_values_rendered(run, backend, manifest, child):
    """A number is its JSON text; a password with shell and INI characters
    arrives intact."""
    pw = "p;w #x=y \"q\" \\ $HOME `id` " + secrets.token_hex(4)
    s = {"type": "postgres", "host": "h-" + secrets.token_hex(3), "port": 5433, "username": val("u"), "password": pw}
    backend.put("secret/db/pg", s)
    res, env = go(run, child, backend, manifest("[profile db]\nfrom = secret/db/pg\n"))
    assert res.rc == 0, res
    assert env["PGPORT"] == "5433" and env["PGPASSWORD"] == pw


# --------------------------------------------------------------------------
# mysql / mariadb


@pytest.mark.parametrize("kind", ["mysql", "mariadb"])
def test_mysql(run, backend, manifest, child, kind):
    pw = 'pw "quoted" back\\slash #hash ;semi ' + secrets.token_hex(4)
    s = {"type": kind, "details": {"host": "my-%s.internal" % secrets.token_hex(3), "username": val("myuser"),
                                   "password": pw, "database": "shop_" + secrets.token_hex(3)}}
    backend.put("secret/db/my", s)
    res, env = go(run, child, backend, manifest("[profile shop]\nfrom = secret/db/my\n"))
    assert res.rc == 0, res
    d = s["details"]
    assert env["MYSQL_HOST"] == d["host"] and env["MYSQL_TCP_PORT"] == "3306"
    assert env["MYSQL_PWD"] == pw and env["MYSQL_DATABASE"] == d["database"]
    assert re.fullmatch(r"/dev/fd/\d+", env["MYSQL_DEFAULTS_FILE"]), env["MYSQL_DEFAULTS_FILE"]
    opts = parse_option_file(child.defaults.read_text())
    assert opts == {"user": d["username"], "password": pw, "host": d["host"], "port": "3306"}


def test_mysql_port_and_user_alias(run, backend, manifest, child):
    s = {"type": "mysql", "host": "127.0.0.1", "port": 3307, "user": val("u"), "password": val("p")}
    backend.put("secret/db/my", s)
    res, env = go(run, child, backend, manifest("[profile my]\nfrom = secret/db/my\n"))
    assert res.rc == 0, res
    assert env["MYSQL_TCP_PORT"] == "3307" and "MYSQL_DATABASE" not in env
    opts = parse_option_file(child.defaults.read_text())
    assert opts == {"user": s["user"], "password": s["password"], "host": "127.0.0.1", "port": "3307"}


def test_option_file_line_break_is_65(run, backend, manifest, child):
    backend.put("secret/db/my", {"type": "mysql", "host": "127.0.0.1", "username": val("u"),
                                 "password": "line1\nline2-" + secrets.token_hex(4)})
    res, env = go(run, child, backend, manifest("[profile my]\nfrom = secret/db/my\n"))
    assert res.rc == 65, res
    assert env is None
    assert err_line(res, "my", "password"), res


# --------------------------------------------------------------------------
# s3


def test_s3_defaults(run, backend, manifest, child):
    s = {"type": "s3", "access_key_id": "AKIA" + secrets.token_hex(8).upper(),
         "secret_access_key": secrets.token_urlsafe(30), "hostname": "minio-%s.internal:9000" % secrets.token_hex(2)}
    backend.put("secret/store/s3", s)
    res, env = go(run, child, backend, manifest("[profile s3]\nfrom = secret/store/s3\n"))
    assert res.rc == 0, res
    assert env["AWS_ACCESS_KEY_ID"] == s["access_key_id"]
    assert env["AWS_SECRET_ACCESS_KEY"] == s["secret_access_key"]
    assert env["AWS_REGION"] == "us-east-1" and env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ENDPOINT_URL"] == "https://" + s["hostname"]


def test_s3_region_and_scheme_kept(run, backend, manifest, child):
    s = {"type": "s3", "details": {"access_key_id": "AKIA" + secrets.token_hex(8).upper(),
                                   "secret_access_key": secrets.token_urlsafe(30), "region": "eu-west-3",
                                   "hostname": "http://127.0.0.1:%d" % (9000 + secrets.randbelow(999))}}
    backend.put("secret/store/s3", s)
    res, env = go(run, child, backend, manifest("[profile s3]\nfrom = secret/store/s3\n"))
    assert res.rc == 0, res
    d = s["details"]
    assert env["AWS_REGION"] == "eu-west-3" and env["AWS_DEFAULT_REGION"] == "eu-west-3"
    assert env["AWS_ENDPOINT_URL"] == d["hostname"]
    # without a hostname there is no endpoint to set
    backend.put("secret/store/aws", {"type": "s3", "access_key_id": "AKIA" + secrets.token_hex(8).upper(),
                                     "secret_access_key": secrets.token_urlsafe(30)})
    res, env = go(run, child, backend, manifest("[profile aws]\nfrom = secret/store/aws\n", name="aws.ini"))
    assert res.rc == 0, res
    assert "AWS_ENDPOINT_URL" not in env and env["AWS_REGION"] == "us-east-1"


# --------------------------------------------------------------------------
# ftp, http, generic: PREFIX_FIELD


def test_ftp_defaults_and_prefix_from_name(run, backend, manifest, child):
    s = {"type": "ftp", "hostname": "ftp-%s.example" % secrets.token_hex(3), "username": val("fu"),
         "password": val("fp")}
    backend.put("secret/xfer/ftp", s)
    res, env = go(run, child, backend, manifest("[profile backup-ftp]\nfrom = secret/xfer/ftp\n"))
    assert res.rc == 0, res
    assert env["BACKUP_FTP_HOSTNAME"] == s["hostname"]
    assert env["BACKUP_FTP_USERNAME"] == s["username"] and env["BACKUP_FTP_PASSWORD"] == s["password"]
    assert env["BACKUP_FTP_PORT"] == "21" and env["BACKUP_FTP_SECURE"] == "false"
    assert "BACKUP_FTP_TYPE" not in env
    assert sorted(k for k in env if k.startswith("BACKUP_FTP_")) == [
        "BACKUP_FTP_HOSTNAME", "BACKUP_FTP_PASSWORD", "BACKUP_FTP_PORT", "BACKUP_FTP_SECURE", "BACKUP_FTP_USERNAME"]


def test_ftp_given_values(run, backend, manifest, child):
    s = {"type": "ftp", "details": {"hostname": "ftp-%s.example" % secrets.token_hex(3), "port": 2121,
                                    "secure": True, "username": val("fu")}}
    backend.put("secret/xfer/ftp", s)
    res, env = go(run, child, backend, manifest("[profile ftp]\nfrom = secret/xfer/ftp\n"))
    assert res.rc == 0, res
    assert env["FTP_PORT"] == "2121" and env["FTP_SECURE"] == "true"
    assert env["FTP_HOSTNAME"] == s["details"]["hostname"] and env["FTP_USERNAME"] == s["details"]["username"]


def test_http_defaults_and_headers(run, backend, manifest, child):
    backend.put("secret/hooks/a", {"type": "http", "endpoint": "https://hook-%s.example/x" % secrets.token_hex(3)})
    headers = {"Authorization": "Bearer " + secrets.token_urlsafe(16), "X-Trace": "on"}
    backend.put("secret/hooks/b", {"type": "http", "endpoint": "https://api.example/%s" % secrets.token_hex(3),
                                   "method": "POST", "headers": headers})
    m = manifest("""
        [profile hook]
        from = secret/hooks/a
        [profile api]
        from = secret/hooks/b
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 0, res
    assert env["HOOK_ENDPOINT"].startswith("https://hook-")
    assert env["HOOK_METHOD"] == "GET" and env["HOOK_HEADERS"] == "{}"
    assert env["API_METHOD"] == "POST"
    assert json.loads(env["API_HEADERS"]) == headers and " " not in env["API_HEADERS"].replace("Bearer ", "")


def test_generic(run, backend, manifest, child):
    s = {"type": "generic", "api-key": val("key"), "Client.ID": "cid-" + secrets.token_hex(4), "count": 3,
         "ratio": 0.5, "flag": False, "nested": {"a": [1, "two-" + secrets.token_hex(2)]}}
    backend.put("secret/app/cfg", s)
    res, env = go(run, child, backend, manifest("[profile my-app]\nfrom = secret/app/cfg\n"))
    assert res.rc == 0, res
    assert env["MY_APP_API_KEY"] == s["api-key"] and env["MY_APP_CLIENT_ID"] == s["Client.ID"]
    assert env["MY_APP_COUNT"] == "3" and float(env["MY_APP_RATIO"]) == 0.5 and env["MY_APP_FLAG"] == "false"
    assert json.loads(env["MY_APP_NESTED"]) == s["nested"] and " " not in env["MY_APP_NESTED"]
    assert "MY_APP_TYPE" not in env


def test_prefix_fields_colliding_is_65(run, backend, manifest, child):
    backend.put("secret/app/cfg", {"type": "generic", "a-b": val("x"), "a_b": val("y")})
    res, env = go(run, child, backend, manifest("[profile g]\nfrom = secret/app/cfg\n"))
    assert res.rc == 65, res
    assert env is None


# --------------------------------------------------------------------------
# the section's keys: type, prefix, from with version and pointer


def test_type_key_overrides_the_secret(run, backend, manifest, child):
    backend.put("secret/db/a", {"type": "generic", "host": "h-" + secrets.token_hex(3), "username": val("u")})
    backend.put("secret/db/b", {"access_key_id": "AKIA" + secrets.token_hex(8).upper(),
                                "secret_access_key": secrets.token_urlsafe(30)})  # no type at all
    m = manifest("""
        [profile a]
        from = secret/db/a
        type = postgres
        [profile b]
        from = secret/db/b
        type = s3
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 0, res
    assert env["PGHOST"].startswith("h-") and env["PGPORT"] == "5432" and env["PGUSER"].startswith("u-")
    assert not [k for k in env if k.startswith("A_")]
    assert env["AWS_ACCESS_KEY_ID"].startswith("AKIA") and env["AWS_REGION"] == "us-east-1"


def test_prefix_key(run, backend, manifest, child):
    backend.put("secret/app/cfg", {"type": "generic", "token": val("tok")})
    backend.put("secret/xfer/ftp", {"type": "ftp", "hostname": "ftp-" + secrets.token_hex(3)})
    m = manifest("""
        [profile cfg]
        from = secret/app/cfg
        prefix = MY_SERVICE
        [profile ftp]
        from = secret/xfer/ftp
        prefix = Upload
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 0, res
    assert env["MY_SERVICE_TOKEN"].startswith("tok-") and not [k for k in env if k.startswith("CFG_")]
    assert env["Upload_HOSTNAME"].startswith("ftp-") and env["Upload_PORT"] == "21"


def test_from_pointer(run, backend, manifest, child):
    s = {"primary": {"type": "postgres", "host": "primary-" + secrets.token_hex(3), "username": val("pu")},
         "replicas": [{"type": "postgres", "details": {"host": "replica-" + secrets.token_hex(3),
                                                       "username": val("ru"), "port": 5444}}]}
    backend.put("secret/db/cluster", s)
    m = manifest("""
        [profile ro]
        from = secret/db/cluster#/replicas/0
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 0, res
    r = s["replicas"][0]["details"]
    assert env["PGHOST"] == r["host"] and env["PGUSER"] == r["username"] and env["PGPORT"] == "5444"
    # a pointer to nothing is a missing key, 65
    res, env = go(run, child, backend, manifest("[profile x]\nfrom = secret/db/cluster#/standby\n", name="x.ini"))
    assert res.rc == 65, res
    assert env is None


def test_from_version(run, vault, manifest, child):
    backend = VaultBackend(vault)
    old = {"type": "postgres", "host": "old-" + secrets.token_hex(3), "username": val("old")}
    new = {"type": "postgres", "host": "new-" + secrets.token_hex(3), "username": val("new")}
    backend.put("secret/db/pg", {"conn": old})
    backend.put("secret/db/pg", {"conn": new})
    m = manifest("""
        [profile db]
        from = secret/db/pg?version=1#/conn
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 0, res
    assert env["PGHOST"] == old["host"] and env["PGUSER"] == old["username"]
    assert vault.count("GET", "/v1/secret/data/db/pg?version=1") == 1
    res, env = go(run, child, backend, manifest("[profile db]\nfrom = secret/db/pg#/conn\n", name="cur.ini"))
    assert res.rc == 0, res
    assert env["PGHOST"] == new["host"]


def test_profile_and_env_share_one_read(run, vault, manifest, child):
    backend = VaultBackend(vault)
    s = {"type": "postgres", "host": "h-" + secrets.token_hex(3), "username": val("u"), "password": val("p")}
    backend.put("secret/db/pg", s)
    m = manifest("""
        [mounts]
        secret = 2
        [env]
        DB_PASSWORD_COPY = secret/db/pg#password
        [profile db]
        from = secret/db/pg
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 0, res
    assert env["DB_PASSWORD_COPY"] == env["PGPASSWORD"] == s["password"]
    assert vault.count("GET", "/v1/secret/data/db/pg") == 1 and vault.request_count == 1


# --------------------------------------------------------------------------
# errors


MISSING = [
    ("postgres", {"username": "someone"}, "host"),
    ("postgres", {"host": "db.internal"}, "username"),
    ("postgres", {"host": "", "username": "someone"}, "host"),
    ("postgres", {"host": "db.internal", "username": None}, "username"),
    ("mysql", {"username": "someone"}, "host"),
    ("mariadb", {"details": {"host": "db.internal"}}, "username"),
    ("s3", {"access_key_id": "AKIAEXAMPLE"}, "secret_access_key"),
    ("s3", {"secret_access_key": "wJalrXUtnFEMI"}, "access_key_id"),
    ("ftp", {"username": "someone"}, "hostname"),
    ("http", {"method": "POST"}, "endpoint"),
]


@pytest.mark.parametrize("kind,fields,missing", MISSING, ids=["%s-%s-%d" % (k, f, i) for i, (k, _, f) in
                                                               enumerate(MISSING)])
def test_missing_required_field_is_65(run, backend, manifest, child, kind, fields, missing):
    backend.put("secret/conn/x", dict(fields, type=kind))
    backend.put("secret/conn/ok", {"value": val("ok")})
    m = manifest("""
        [env]
        FINE = secret/conn/ok
        [profile conn_src]
        from = secret/conn/x
    """)
    res, env = go(run, child, backend, m)
    assert res.rc == 65, res
    assert env is None
    lines = err_line(res, "conn_src", missing)
    assert lines and all(ln.startswith("vaultrun:") for ln in lines), res
    assert not err_line(res, "FINE")


def test_unknown_type_is_65(run, backend, manifest, child):
    backend.put("secret/conn/x", {"type": "zzz", "host": "db.internal", "username": "someone"})
    res, env = go(run, child, backend, manifest("[profile weird]\nfrom = secret/conn/x\n"))
    assert res.rc == 65, res
    assert env is None
    assert err_line(res, "weird", "type"), res


def test_unknown_type_from_the_secret_is_not_echoed(run, backend, manifest, child):
    """The type field is a value of the secret like any other: the error
    names the profile, not the value (the leak check sees every string of
    the secret)."""
    backend.put("secret/conn/x", {"type": "cassandra", "host": "db.internal", "username": "someone"})
    res, env = go(run, child, backend, manifest("[profile weird]\nfrom = secret/conn/x\n"))
    assert res.rc == 65, res
    assert env is None


def test_no_type_is_65(run, backend, manifest, child):
    backend.put("secret/conn/x", {"host": "db.internal", "username": "someone"})
    res, env = go(run, child, backend, manifest("[profile notype]\nfrom = secret/conn/x\n"))
    assert res.rc == 65, res
    assert env is None
    assert err_line(res, "notype", "type"), res


def test_unknown_type_key_is_78(run, backend, manifest, child):
    """type = in the manifest is configuration: an unknown one is refused
    before anything is read, naming the line."""
    backend.put("secret/conn/x", {"host": "db.internal", "username": "someone"})
    res, env = go(run, child, backend, manifest("[profile p]\nfrom = secret/conn/x\ntype = oracle\n"))
    assert res.rc == 78, res
    assert env is None
    assert re.search(r"manifest\.ini(:| line )3\b", res.err), res


@pytest.mark.parametrize("case", ["env", "files", "two-profiles", "prefixed"])
def test_variable_defined_twice_is_78(run, backend, manifest, child, case):
    backend.put("secret/db/pg", {"type": "postgres", "host": "h-" + secrets.token_hex(3), "username": val("u"),
                                 "password": val("p")})
    backend.put("secret/db/pg2", {"type": "postgres", "host": "h2-" + secrets.token_hex(3), "username": val("u2")})
    backend.put("secret/xfer/ftp", {"type": "ftp", "hostname": "ftp-" + secrets.token_hex(3)})
    backend.put("secret/other", {"value": val("other")})
    text, clash = {
        "env": ("[env]\nPGPASSWORD = secret/other\n[profile db]\nfrom = secret/db/pg\n", "PGPASSWORD"),
        "files": ("[profile db]\nfrom = secret/db/pg\n[files]\nPGHOST = secret/other\n", "PGHOST"),
        "two-profiles": ("[profile db]\nfrom = secret/db/pg\n[profile db2]\nfrom = secret/db/pg2\n", "PGHOST"),
        "prefixed": ("[env]\nFTP_PORT = secret/other\n[profile ftp]\nfrom = secret/xfer/ftp\n", "FTP_PORT"),
    }[case]
    res, env = go(run, child, backend, manifest(text))
    assert res.rc == 78, res
    assert env is None
    assert err_line(res, clash), res


def test_check_lists_profile_exports_masked(run, backend, manifest, child):
    s = {"type": "mysql", "host": "127.0.0.1", "username": val("u"), "password": val("p")}
    backend.put("secret/db/my", s)
    res = run(["--check", "-f", manifest("[profile my]\nfrom = secret/db/my\n")], env=backend.env())
    assert res.rc == 0, res
    for name in ("MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_PWD", "MYSQL_DEFAULTS_FILE"):
        lines = [ln for ln in res.out_lines if ln.startswith(name + " ")]
        assert len(lines) == 1 and "ok" in lines[0] and "********" in lines[0], res
    pwd = [ln for ln in res.out_lines if ln.startswith("MYSQL_PWD ")][0]
    assert re.search(r"\b%d\b" % len(s["password"]), pwd), pwd
    assert not child.ran()


# --------------------------------------------------------------------------
# the same references on both backends


def test_references_on_both_backends(run, backend, manifest, child):
    s = {"value": val("plain"), "user": val("user"), "tls.crt": val("dotted"),
         "details": {"host": val("host"), "port": 5432, "a/b": val("slash")},
         "list": ["one-" + secrets.token_hex(2), val("second")], "yes": True, "nil": None}
    backend.put("secret/app/db", s)
    backend.put("kv/legacy/db", {"value": val("legacy")})
    m = manifest("""
        [env]
        PLAIN = secret/app/db
        USER_ = secret/app/db#user
        DOTTED = secret/app/db#tls.crt
        HOST = secret/app/db#/details/host
        PORT = secret/app/db#/details/port
        SLASH = secret/app/db#/details/a~1b
        SECOND = secret/app/db#/list/1
        YES = secret/app/db#yes
        NIL = secret/app/db#nil
        WHOLE = secret/app/db#*
        DETAILS = secret/app/db#details
        LEGACY = kv/legacy/db
        [files]
        AS_FILE = secret/app/db#user
    """)
    res, env = go(run, child, backend, m, env={"INLINE": "vault:secret/app/db#/details/host"})
    assert res.rc == 0, res
    assert env["PLAIN"] == s["value"] and env["USER_"] == s["user"] and env["DOTTED"] == s["tls.crt"]
    assert env["HOST"] == env["INLINE"] == s["details"]["host"] and env["PORT"] == "5432"
    assert env["SLASH"] == s["details"]["a/b"] and env["SECOND"] == s["list"][1]
    assert env["YES"] == "true" and env["NIL"] == ""
    assert json.loads(env["WHOLE"]) == s and json.loads(env["DETAILS"]) == s["details"]
    assert " " not in env["WHOLE"]
    assert env["LEGACY"].startswith("legacy-")
    assert re.fullmatch(r"/dev/fd/\d+", env["AS_FILE"])


@pytest.mark.parametrize("ref,code", [("secret/app/db#nokey", 65), ("secret/app/none#user", 66),
                                      ("secret/app/db#/details/none", 65), ("secret/app//db#user", 78)])
def test_reference_errors_on_both_backends(run, backend, manifest, child, ref, code):
    backend.put("secret/app/db", {"user": val("user"), "details": {"host": val("host")}})
    res, env = go(run, child, backend, manifest("[env]\nGOOD = secret/app/db#user\nBAD = %s\n" % ref))
    assert res.rc == code, res
    assert env is None
    assert err_line(res, "BAD"), res
    assert not err_line(res, "GOOD")


def test_missing_path_named_on_both_backends(run, backend, manifest, child):
    backend.put("secret/app/db", {"user": val("user")})
    res, env = go(run, child, backend, manifest("[env]\nA = secret/app/db#user\nB = secret/app/gone#user\n"))
    assert res.rc == 66, res
    assert env is None
    lines = err_line(res, "B", "secret/app/gone#user")
    assert lines and "not found" in " ".join(lines).lower(), res


# --------------------------------------------------------------------------
# the file:// store's own errors


@pytest.fixture
def store(run, tmp_path):
    return FileBackend(tmp_path / "store.json", run)


def test_file_store_version_is_78(run, store, manifest, child):
    store.put("secret/app/db", {"user": val("user"), "type": "postgres", "host": "h", "username": "uuuu"})
    for n, text in enumerate(("[env]\nX = secret/app/db?version=1#user\n",
                              "[profile db]\nfrom = secret/app/db?version=2\n")):
        res, env = go(run, child, store, manifest(text, name="m%d.ini" % n))
        assert res.rc == 78, res
        assert env is None
        assert "version" in res.err, res


@pytest.mark.parametrize("content", ["{not json", "[]", '"a string"', ""])
def test_file_store_invalid_is_78(run, store, manifest, child, content):
    store.put("secret/app/db", {"user": val("user")})
    store.path.write_text(content)
    res, env = go(run, child, store, manifest("[env]\nX = secret/app/db#user\n"))
    assert res.rc == 78, res
    assert env is None
    assert "store" in res.err, res


def test_file_store_missing_is_78(run, store, manifest, child):
    store.put("secret/app/db", {"user": val("user")})
    os.unlink(store.path)
    res, env = go(run, child, store, manifest("[env]\nX = secret/app/db#user\n"))
    assert res.rc == 78, res
    assert env is None
    assert str(store.path) in res.err, res


def test_file_store_profile_missing_path_is_66(run, store, manifest, child):
    store.put("secret/app/db", {"user": val("user")})
    res, env = go(run, child, store, manifest("[profile db]\nfrom = secret/db/none\n"))
    assert res.rc == 66, res
    assert env is None
    assert err_line(res, "db", "secret/db/none"), res
