"""Real database clients through profiles (SPEC.md: "a cron job that wraps
pg_dump or mysqldump").

A real PostgreSQL and a real MariaDB (conftest.py's postgres and mariadb
fixtures: dbservers.py; the PostgreSQL is the session's, the MariaDB the
module's) require a password on 127.0.0.1.  The connection secret lives in the Vault
test server; vaultrun exports it through a [profile] and execs a shell that
runs the real dump client, which writes the dump and its own messages to
files (nothing on vaultrun's stdout/stderr, which the leak check reads).
Passwords hold the characters that break naive quoting: quotes, backslash,
'#', ';', spaces.
"""

import secrets
import subprocess

import pytest

from helpers import venv


def tricky_password(tag):
    return '%s "q\'uo\\ted" #h;s %s' % (tag, secrets.token_hex(6))


def dump_command(script, *args):
    """A child that runs script with sh; it prints nothing itself."""
    return ["/bin/sh", "-c", script, "sh"] + [str(a) for a in args]


# --------------------------------------------------------------------------
# PostgreSQL


@pytest.fixture
def pg_db(postgres):
    """A role with a password, and a database with a seeded table it may read."""
    tag = secrets.token_hex(4)
    user, db, pw = "backup_" + tag, "app_" + tag, tricky_password("pg")
    rows = ["customer-%s-%d" % (tag, i) for i in range(3)]
    postgres.create_user(user, pw)
    postgres.sql("CREATE DATABASE %s" % db)
    postgres.sql("CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);"
                 "INSERT INTO customers VALUES %s;"
                 "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s" % (
                     ", ".join("(%d, %s)" % (i, postgres.literal(r)) for i, r in enumerate(rows)), user), db=db)
    return {"user": user, "db": db, "password": pw, "rows": rows}


def test_pg_dump_through_postgres_profile(run, vault, manifest, tmp_path, postgres, pg_db):
    vault.put("secret", "backups/env/pg", {"type": "postgres", "details": {
        "host": "127.0.0.1", "port": postgres.port, "username": pg_db["user"],
        "password": pg_db["password"], "database": pg_db["db"], "sslmode": "disable"}})
    m = manifest("""
        [profile backup_db]
        from = secret/backups/env/pg
    """)
    out, err = tmp_path / "dump.sql", tmp_path / "dump.err"
    res = run(["-f", m, "--"] + dump_command('exec "$1" --no-password -f "$2" 2>"$3"',
                                             postgres.bin("pg_dump"), out, err),
              env=venv(vault), timeout=60)
    assert res.rc == 0, (res, err.read_text() if err.exists() else "")
    dump = out.read_text()
    assert "CREATE TABLE public.customers" in dump
    for row in pg_db["rows"]:
        assert row in dump, row
    # the argument list carried no secret: everything came from PG* variables
    assert pg_db["password"] not in " ".join(map(str, res.args))


def test_pg_password_is_really_checked(run, vault, manifest, tmp_path, postgres, pg_db):
    """Without the password pg_dump is refused, and with a wrong one from
    Vault the command fails and vaultrun returns its status."""
    p = subprocess.run([postgres.bin("pg_dump"), "--no-password", "-h", "127.0.0.1", "-p", str(postgres.port),
                        "-U", pg_db["user"], pg_db["db"]], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C"}, timeout=30)
    assert p.returncode != 0 and "password" in p.stderr, p.stderr
    vault.put("secret", "backups/env/pg", {"type": "postgres", "host": "127.0.0.1", "port": str(postgres.port),
                                           "username": pg_db["user"], "password": "wrong-" + secrets.token_hex(6),
                                           "database": pg_db["db"]})
    out, err = tmp_path / "dump.sql", tmp_path / "dump.err"
    res = run(["-f", manifest("[profile db]\nfrom = secret/backups/env/pg\n"), "--"] +
              dump_command('exec "$1" --no-password -f "$2" 2>"$3"', postgres.bin("pg_dump"), out, err),
              env=venv(vault), timeout=60)
    assert res.rc == 1, res  # pg_dump's own status
    assert "password authentication failed" in err.read_text()


# --------------------------------------------------------------------------
# MariaDB


@pytest.fixture
def my_db(mariadb):
    tag = secrets.token_hex(4)
    user, db, pw = "backup_" + tag, "shop_" + tag, tricky_password("my")
    rows = ["order-%s-%d" % (tag, i) for i in range(3)]
    mariadb.sql("CREATE DATABASE %s; CREATE TABLE %s.orders (id int PRIMARY KEY, item varchar(64) NOT NULL);"
                "INSERT INTO %s.orders VALUES %s" % (
                    db, db, db, ", ".join("(%d, %s)" % (i, mariadb.literal(r)) for i, r in enumerate(rows))))
    mariadb.create_user(user, pw, "SELECT, LOCK TABLES, SHOW VIEW, TRIGGER ON %s.*" % db)
    return {"user": user, "db": db, "password": pw, "rows": rows}


@pytest.mark.parametrize("kind", ["mysql", "mariadb"])
def test_mysqldump_through_mysql_profile(run, vault, manifest, tmp_path, mariadb, my_db, kind):
    vault.put("secret", "backups/env/my", {"type": kind, "details": {
        "host": "127.0.0.1", "port": mariadb.port, "username": my_db["user"],
        "password": my_db["password"], "database": my_db["db"]}})
    m = manifest("""
        [profile shop]
        from = secret/backups/env/my
    """)
    out, err = tmp_path / "dump.sql", tmp_path / "dump.err"
    script = 'exec "$1" --defaults-extra-file="$MYSQL_DEFAULTS_FILE" --no-tablespaces --result-file="$2" "$4" 2>"$3"'
    res = run(["-f", m, "--"] + dump_command(script, mariadb.bin("mysqldump"), out, err, my_db["db"]),
              env=venv(vault), timeout=60)
    assert res.rc == 0, (res, err.read_text() if err.exists() else "")
    dump = out.read_text()
    assert "CREATE TABLE `orders`" in dump
    for row in my_db["rows"]:
        assert row in dump, row


def test_mysql_client_reads_env_and_option_file(run, vault, manifest, tmp_path, mariadb, my_db):
    """The mysql client with only the option file's user: host, port and
    password from MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_PWD... and then the
    option file alone.  Both reach the server."""
    vault.put("secret", "backups/env/my", {"type": "mysql", "host": "127.0.0.1", "port": mariadb.port,
                                           "username": my_db["user"], "password": my_db["password"]})
    m = manifest("[profile shop]\nfrom = secret/backups/env/my\n")
    out, err = tmp_path / "rows.txt", tmp_path / "rows.err"
    script = ('"$1" --defaults-extra-file="$MYSQL_DEFAULTS_FILE" -N -B -e "SELECT item FROM $4.orders ORDER BY id" '
              '>"$2" 2>"$3" && "$1" --no-defaults -u "$5" -N -B -e "SELECT COUNT(*) FROM $4.orders" >>"$2" 2>>"$3"')
    res = run(["-f", m, "--"] + dump_command(script, mariadb.bin("mysql"), out, err, my_db["db"], my_db["user"]),
              env=venv(vault), timeout=60)
    assert res.rc == 0, (res, err.read_text() if err.exists() else "")
    assert out.read_text().split("\n") == my_db["rows"] + ["3", ""]


def test_mysql_password_is_really_checked(run, vault, manifest, tmp_path, mariadb, my_db):
    p = subprocess.run([mariadb.bin("mysqldump"), "--no-defaults", "-h", "127.0.0.1", "-P", str(mariadb.port),
                        "-u", my_db["user"], "--no-tablespaces", my_db["db"]], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C"}, timeout=30)
    assert p.returncode != 0 and "Access denied" in p.stderr, p.stderr
    vault.put("secret", "backups/env/my", {"type": "mysql", "host": "127.0.0.1", "port": mariadb.port,
                                           "username": my_db["user"], "password": "wrong-" + secrets.token_hex(6)})
    out, err = tmp_path / "dump.sql", tmp_path / "dump.err"
    script = 'exec "$1" --defaults-extra-file="$MYSQL_DEFAULTS_FILE" --no-tablespaces --result-file="$2" "$4" 2>"$3"'
    res = run(["-f", manifest("[profile shop]\nfrom = secret/backups/env/my\n"), "--"] +
              dump_command(script, mariadb.bin("mysqldump"), out, err, my_db["db"]), env=venv(vault), timeout=60)
    assert res.rc == 2, res  # mysqldump's own status for a failed connection
    assert "Access denied" in err.read_text()
