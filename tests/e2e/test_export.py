"""--export (SPEC.md "Export"): the variables written for a consumer that
cannot be exec'd, each format read back by that consumer itself: sh and
bash eval the shell lines, python-dotenv reads the dotenv file, a parser
written from GitHub's documented rules reads the github blocks (and from
docker's env-file rules the docker lines), json.loads and `python3 -m
json.tool` the JSON.  Then every refusal and its exit status, -o's file
(mode 0600, replaced atomically, never through a symlink), and the leases
the exported credentials depend on, which outlive vaultrun.

The exported text holds secrets, so it goes to a file: vaultrun's own
stderr (and stdout where it is not the export) goes through the run
fixture's leak check.
"""

import http.server
import json
import os
import pty
import shutil
import stat
import subprocess
import sys
import threading

import pytest

from conftest import BIN, SLOW, VALGRIND, VALGRIND_CMD, Result
from helpers import MOUNTS, err_line, val, venv
from test_dynamic import PG_MANIFEST, pg_role_exists, postgres, the_lease  # noqa: F401 (a fixture)

FORMATS = ["shell", "dotenv", "docker", "github", "json"]

# Values no quoting scheme gets right by accident.  Each is made unique (the
# leak check finds only what is unique) by a suffix where that keeps its
# point; the first and last characters of some are the point themselves.
HOSTILE = {
    "QUOTE": "it's a 'quoted' value",
    "QUOTES": "''",
    "DQUOTE": 'say "hi" \\"there\\"',
    "NEWLINES": "\n\nline one\nline two\n\n",
    "CRLF": "a\r\nb\rc",
    "DOLLAR": "$HOME $1 $$ $ $(id) ${x",
    "BACKTICK": "`id` $(id)",
    "BACKSLASH": "back\\slash \\n \\t \\\\ \\",
    "LEADING_BACKSLASH": "\\start",
    "SPACES": "  padded  ",
    "HASH": "#not a comment",
    "EQUALS": "=a=b=",
    "GLOB": "*?[a-z] ~ !! ; & | < > ( ) { }",
    "UTF8": "caf\u00e9 \u00fc\u00df \u2603 \U0001F511 \u202e",
    "LATIN1": "".join(chr(i) for i in range(1, 256)),
    "TABS": "\ta\tb\t",
    "EMPTYISH": " ",
    "EOF_LIKE": "EOF\nVAULTRUN_EOF_\n<<EOF",
}


def hostile_values(extra=()):
    """HOSTILE plus extra names, each value with a unique suffix where the
    end of the value is not the point."""
    out = {}
    for name, v in HOSTILE.items():
        if name in ("QUOTES", "EMPTYISH", "LATIN1"):
            out[name] = v
        else:
            out[name] = v + "-" + val("u")
    for name in extra:
        out[name] = HOSTILE_EXTRA[name] + "-" + val("u")
    return out


# Values only some formats carry.
HOSTILE_EXTRA = {
    "TRAILING_BACKSLASH": "ends in a backslash\\",
    "BRACES": "${HOME} and ${X:-default}",
}


def seed_values(vault, values, path="app/export"):
    vault.put("secret", path, values)
    return "".join("%s = secret/%s#%s\n" % (k, path, k) for k in values)


def export_manifest(manifest, vault, values, path="app/export"):
    return manifest(MOUNTS + "[env]\n" + seed_values(vault, values, path))


def export_to(run, args, env, out):
    """vaultrun --export ... -o out; returns the result."""
    return run(list(args) + ["-o", str(out)], env=env)


def raw_run(run, args, env, stdout, timeout=30):
    """vaultrun with stdout going where the caller says (a file, a pty, a
    closed pipe): the run fixture captures it, and the export is secret.
    stderr is captured and leak-checked as the run fixture does."""
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        pytest.skip("vaultrun binary not found at %s" % BIN)
    cmd = [BIN] + [str(a) for a in args]
    if VALGRIND:
        cmd = VALGRIND_CMD + cmd
    p = subprocess.run(cmd, env=run.env(env), stdin=subprocess.DEVNULL, stdout=stdout,
                       stderr=subprocess.PIPE, timeout=timeout * SLOW, cwd=str(run.tmp))
    res = Result(args, p.returncode, "", p.stderr.decode("utf-8", "replace"), 0)
    for srv in run.servers:
        srv.wait_idle()
    run.check_leaks(res)
    return res


# --------------------------------------------------------------------------
# the consumers


def sh_read(shell, path, names):
    """The values as `shell` sees them after eval'ing the file."""
    script = 'eval "$(cat "$0")" && printf "%s\\0"' + "".join(' "$%s"' % n for n in names)
    p = subprocess.run([shell, "-c", script, str(path)], capture_output=True, env={"PATH": os.environ["PATH"]})
    assert p.returncode == 0, p.stderr
    got = p.stdout.split(b"\0")[:-1]
    return dict(zip(names, got))


def github_parse(text):
    """$GITHUB_ENV as the Actions runner reads it (its documented rules,
    "Multiline strings": NAME=value lines, or a NAME<<DELIMITER line, the
    value's lines, and a line that is exactly DELIMITER; lines end in LF)."""
    env = {}
    lines = text.split("\n")
    assert lines[-1] == "", "the file must end in a newline"
    lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "":
            continue
        eq, hd = line.find("="), line.find("<<")
        if eq >= 0 and (hd < 0 or eq < hd):
            name, value = line.split("=", 1)
        else:
            assert hd > 0, "neither NAME=value nor NAME<<DELIMITER: %r" % line
            name, delim = line.split("<<", 1)
            assert delim, "an empty delimiter"
            body = []
            while True:
                assert i < len(lines), "delimiter %s never closed" % delim
                if lines[i] == delim:
                    i += 1
                    break
                body.append(lines[i])
                i += 1
            value = "\n".join(body)
        assert name, "an empty name"
        env[name] = value
    return env


def docker_parse(data):
    """An env-file as `docker run --env-file` reads it (docker/cli's
    kvfile): bufio lines (a final CR dropped), each valid UTF-8, leading
    whitespace trimmed, empty and '#' lines skipped, split at the first '=',
    the value passed through untouched, the name without whitespace."""
    env = {}
    chunks = data.split(b"\n")
    if chunks[-1] == b"":
        chunks.pop()
    for raw in chunks:
        assert len(raw) + 1 <= 65536, "a line over bufio's limit"
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        line = raw.decode("utf-8").lstrip()  # strict: invalid UTF-8 raises
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert name and not any(c.isspace() for c in name), line
        assert sep, "a name without a value takes the caller's: %r" % name
        env[name] = value
    return env


def dotenv_module():
    try:
        import dotenv  # Debian's python3-dotenv
    except ImportError:
        pytest.skip("python-dotenv is missing: apt-get install python3-dotenv")
    return dotenv


# --------------------------------------------------------------------------
# every format, read back by its consumer


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_shell_round_trips_every_byte_but_nul(run, vault, manifest, tmp_path, shell):
    if not shutil.which(shell):
        pytest.skip("%s is not installed" % shell)
    values = hostile_values(extra=HOSTILE_EXTRA)
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "vars.sh"
    res = export_to(run, ["-f", m, "--export", "shell"], venv(vault), out)
    assert res.rc == 0, res
    got = sh_read(shell, out, list(values))
    assert got == {k: v.encode() for k, v in values.items()}


def test_shell_raw_bytes_through_base64d(run, vault, manifest, tmp_path):
    """Every byte from 1 to 255 as a raw byte (not UTF-8): only a composed
    value's base64d filter yields such a value."""
    import base64
    raw = bytes(range(1, 256)) + os.urandom(4).hex().encode()
    vault.put("secret", "app/raw", {"b64": base64.b64encode(raw).decode()})
    m = manifest(MOUNTS + "[env]\nRAW = ${secret/app/raw#b64|base64d}\n")
    probe = run(["--check", "-f", m], env=venv(vault))
    if probe.rc != 0:
        pytest.skip("composed values (|base64d) are not in this build: %s" % probe.err_lines[-1:])
    out = tmp_path / "raw.sh"
    for shell in ("sh", "bash"):
        res = export_to(run, ["-f", m, "--export", "shell"], venv(vault), out)
        assert res.rc == 0, res
        assert sh_read(shell, out, ["RAW"])["RAW"] == raw
    for fmt in ("dotenv", "docker", "github", "json"):
        res = export_to(run, ["-f", m, "--export", fmt], venv(vault), out)
        assert res.rc == 65 and err_line(res, "RAW", "not UTF-8"), res


@pytest.mark.parametrize("interpolate", [True, False])
def test_dotenv_as_python_dotenv_reads_it(run, vault, manifest, tmp_path, interpolate):
    dotenv = dotenv_module()
    values = hostile_values()
    m = export_manifest(manifest, vault, values)
    out = tmp_path / ".env"
    res = export_to(run, ["-f", m, "--export", "dotenv"], venv(vault), out)
    assert res.rc == 0, res
    got = dotenv.dotenv_values(out, interpolate=interpolate)
    assert dict(got) == values
    assert all(ln.startswith(tuple(values)) for ln in out.read_text().splitlines() if "=\"" in ln)


@pytest.mark.parametrize("name", sorted(HOSTILE_EXTRA))
def test_dotenv_refuses_what_python_dotenv_would_change(run, vault, manifest, tmp_path, name):
    """A trailing backslash escapes python-dotenv's closing quote; ${X} is
    expanded and has no escape: 65 naming the variable, nothing written."""
    values = {"FINE": val(), name: HOSTILE_EXTRA[name] + ("" if name == "TRAILING_BACKSLASH" else val())}
    m = export_manifest(manifest, vault, values)
    out = tmp_path / ".env"
    res = export_to(run, ["-f", m, "--export", "dotenv"], venv(vault), out)
    assert res.rc == 65, res
    assert err_line(res, name, "cannot be exported as dotenv")
    assert not out.exists()


def test_github_blocks_as_the_runner_reads_them(run, vault, manifest, tmp_path):
    values = hostile_values(extra=HOSTILE_EXTRA)
    values["EMPTY"] = ""
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "github_env"
    res = export_to(run, ["-f", m, "--export", "github"], venv(vault), out)
    assert res.rc == 0, res
    text = out.read_bytes().decode("utf-8")
    assert github_parse(text) == values
    # a fresh random delimiter for each variable, none in any value
    delims = [ln.split("<<", 1)[1] for ln in text.split("\n") if "<<" in ln and ln.split("<<")[0] in values]
    assert len(delims) == len(values) and len(set(delims)) == len(delims)
    assert not any(d in v for d in delims for v in values.values())


def test_github_appends_to_github_env(run, vault, manifest, tmp_path):
    """The way a workflow step uses it: >> "$GITHUB_ENV", after what other
    steps wrote."""
    values = {"A": val(), "B": "two\nlines-" + val()}
    m = export_manifest(manifest, vault, values)
    ghenv = tmp_path / "github_env"
    ghenv.write_text("EARLIER=1\n")
    with open(ghenv, "ab") as f:
        res = raw_run(run, ["-f", m, "--export", "github"], venv(vault), f)
    assert res.rc == 0, res
    assert github_parse(ghenv.read_text()) == {"EARLIER": "1", **values}


def test_json_is_one_object_of_strings(run, vault, manifest, tmp_path):
    values = hostile_values(extra=HOSTILE_EXTRA)
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "vars.json"
    res = export_to(run, ["-f", m, "--export", "json"], venv(vault), out)
    assert res.rc == 0, res
    tool = subprocess.run([sys.executable, "-m", "json.tool", str(out)], capture_output=True)
    assert tool.returncode == 0, tool.stderr
    got = json.loads(out.read_bytes())
    assert got == values and list(got) == list(values)  # manifest order


def docker_values():
    """The hostile values docker's env-file can carry (one line each), and
    every character from 1 to 255 but the newline."""
    values = {k: v for k, v in hostile_values(extra=HOSTILE_EXTRA).items()
              if "\n" not in v and not v.endswith("\r")}
    values["LATIN1_ONE_LINE"] = "".join(chr(i) for i in range(1, 256) if i != 10)
    return values


def test_docker_env_file_as_docker_reads_it(run, vault, manifest, tmp_path):
    values = docker_values()
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "docker.env"
    res = export_to(run, ["-f", m, "--export", "docker"], venv(vault), out)
    assert res.rc == 0, res
    assert docker_parse(out.read_bytes()) == values


class FakeDockerd(http.server.BaseHTTPRequestHandler):
    """Just enough of the Engine API for `docker container create`: the
    ping, then the create, whose body (the Env list the CLI parsed from
    --env-file) is recorded."""
    protocol_version = "HTTP/1.1"
    created = []

    def _answer(self, code, body):
        self.send_response(code)
        self.send_header("API-Version", "1.41")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self._answer(200, b"OK")

    do_GET = do_HEAD

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "/containers/create" in self.path:
            self.created.append(json.loads(body))
        self._answer(201, b'{"Id": "0123456789ab", "Warnings": []}')

    def log_message(self, *args):
        pass


def test_docker_cli_reads_the_env_file(run, vault, manifest, tmp_path):
    """The real docker CLI parses the file (against a stand-in daemon that
    records what it was sent): every value arrives as it was in Vault."""
    docker = shutil.which("docker")
    if not docker:
        pytest.skip("no docker CLI: the env-file rules are checked by docker_parse")
    values = docker_values()
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "docker.env"
    assert export_to(run, ["-f", m, "--export", "docker"], venv(vault), out).rc == 0
    FakeDockerd.created = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeDockerd)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
               "DOCKER_HOST": "tcp://127.0.0.1:%d" % srv.server_address[1]}
        p = subprocess.run([docker, "container", "create", "--env-file", str(out), "busybox"],
                           capture_output=True, env=env, timeout=60)
    finally:
        srv.shutdown()
        srv.server_close()
    assert p.returncode == 0, p.stderr
    assert len(FakeDockerd.created) == 1
    got = dict(e.split("=", 1) for e in FakeDockerd.created[0]["Env"])
    assert got == values


@pytest.mark.parametrize("value,why", [
    ("two\nlines", "newline"),
    ("ends in CR\r", "carriage return"),
])
def test_docker_refuses_what_it_cannot_carry(run, vault, manifest, tmp_path, value, why):
    values = {"FINE": val(), "BAD": value + ("" if value.endswith("\r") else val())}
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "docker.env"
    out.write_text("OLD=1\n")
    res = export_to(run, ["-f", m, "--export", "docker"], venv(vault), out)
    assert res.rc == 65, res
    assert err_line(res, "BAD", "cannot be exported as docker", why)
    assert out.read_text() == "OLD=1\n"  # nothing written, nothing replaced
    assert [p.name for p in tmp_path.iterdir() if "vaultrun-" in p.name] == []


# --------------------------------------------------------------------------
# what is exported, and where


def test_only_manifest_and_inline_variables_are_exported(run, vault, manifest, tmp_path):
    a, b = val(), val()
    vault.put("secret", "app/one", {"a": a, "b": b})
    m = manifest(MOUNTS + "[env]\nA = secret/app/one#a\n")
    out = tmp_path / "vars.json"
    env = venv(vault, INHERITED="plain-" + val(), INLINE="vault:secret/app/one#b")
    res = export_to(run, ["-f", m, "--export", "json"], env, out)
    assert res.rc == 0, res
    assert json.loads(out.read_text()) == {"A": a, "INLINE": b}


@pytest.mark.parametrize("dash", [[], ["-o", "-"]])
def test_stdout_when_not_a_terminal(run, vault, manifest, tmp_path, dash):
    values = {"A": val(), "B": "it's-" + val()}
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "stdout"
    with open(out, "wb") as f:
        res = raw_run(run, ["-f", m, "--export", "shell"] + dash, venv(vault), f)
    assert res.rc == 0, res
    assert sh_read("sh", out, ["A", "B"]) == {k: v.encode() for k, v in values.items()}


@pytest.mark.parametrize("dash", [[], ["-o", "-"]])
def test_a_terminal_is_64_before_anything_is_read(run, vault, manifest, tmp_path, dash):
    m = export_manifest(manifest, vault, {"A": val()})
    master, slave = pty.openpty()
    try:
        res = raw_run(run, ["-f", m, "--export", "shell"] + dash, venv(vault), slave)
    finally:
        os.close(slave)
        os.set_blocking(master, False)
        try:
            shown = os.read(master, 65536)
        except (BlockingIOError, OSError):
            shown = b""
        os.close(master)
    assert res.rc == 64, res
    assert err_line(res, "standard output is a terminal", "-o FILE")
    assert shown == b""
    assert vault.requests == []  # refused before any login or read
    assert not (tmp_path / "-").exists()


def test_an_empty_export(run, manifest, tmp_path):
    """No variables at all: an empty file (json: {})."""
    m = manifest("[env]\n")
    for fmt, want in (("shell", ""), ("json", "{}\n")):
        out = tmp_path / ("empty." + fmt)
        res = export_to(run, ["-f", m, "--export", fmt], {}, out)
        assert res.rc == 0, res
        assert out.read_text() == want


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_output_file_is_0600_and_replaced_atomically(run, vault, manifest, tmp_path, umask):
    values = {"A": val()}
    m = export_manifest(manifest, vault, values)
    out = tmp_path / "vars.env"
    out.write_text("OLD=stale\n")
    os.chmod(out, 0o644)
    link = tmp_path / "hardlink"
    os.link(out, link)  # the old file, as a reader that opened it sees it
    before = os.stat(out).st_ino
    old = os.umask(umask)
    try:
        res = export_to(run, ["-f", m, "--export", "docker"], venv(vault), out)
    finally:
        os.umask(old)
    assert res.rc == 0, res
    st = os.stat(out)
    assert stat.S_IMODE(st.st_mode) == 0o600 and stat.S_ISREG(st.st_mode)
    assert st.st_ino != before  # a new file renamed over it, not rewritten
    assert link.read_text() == "OLD=stale\n"
    assert out.read_text() == "A=%s\n" % values["A"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".vars.env")) == []


def test_output_file_is_created_0600(run, vault, manifest, tmp_path):
    m = export_manifest(manifest, vault, {"A": val()})
    out = tmp_path / "sub" / "new.json"
    out.parent.mkdir()
    res = export_to(run, ["-f", m, "--export", "json"], venv(vault), out)
    assert res.rc == 0, res
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert os.listdir(out.parent) == ["new.json"]


@pytest.mark.parametrize("kind", ["to a file", "dangling", "to a directory"])
def test_output_symlink_is_refused_and_never_followed(run, vault, manifest, tmp_path, kind):
    m = export_manifest(manifest, vault, {"A": val()})
    target = tmp_path / "target"
    if kind == "to a file":
        target.write_text("precious\n")
    elif kind == "to a directory":
        target.mkdir()
    link = tmp_path / "link.env"
    os.symlink(target, link)
    res = export_to(run, ["-f", m, "--export", "docker"], venv(vault), link)
    assert res.rc == 78, res
    assert err_line(res, str(link), "symbolic link")
    assert os.path.islink(link) and os.readlink(link) == str(target)
    if kind == "to a file":
        assert target.read_text() == "precious\n"
    elif kind == "dangling":
        assert not target.exists()
    else:
        assert os.listdir(target) == []
    assert vault.requests == []  # refused before anything was obtained


def test_output_that_is_not_a_file(run, vault, manifest, tmp_path):
    m = export_manifest(manifest, vault, {"A": val()})
    d = tmp_path / "adir"
    d.mkdir()
    res = export_to(run, ["-f", m, "--export", "shell"], venv(vault), d)
    assert res.rc == 78 and err_line(res, "not a regular file"), res
    res = export_to(run, ["-f", m, "--export", "shell"], venv(vault), "/dev/null")
    assert res.rc == 78 and err_line(res, "/dev/null", "not a regular file"), res
    res = export_to(run, ["-f", m, "--export", "shell"], venv(vault), tmp_path / "none" / "f")
    assert res.rc == 66 and err_line(res, "No such file or directory"), res
    assert vault.requests == []


# --------------------------------------------------------------------------
# refusals


@pytest.mark.parametrize("args,needle", [
    (["--export", "xml"], "--export: unknown format 'xml' (expected shell, dotenv, docker, github or json)"),
    (["--export", "shell", "--", "env"], "--export: takes no command"),
    (["--export", "shell", "env"], "--export: takes no command"),
    (["-o", "out.env", "--", "env"], "--output: only makes sense with --export"),
    (["--export", "json", "-s"], "--supervise: cannot be combined with --export"),
    (["--export", "json", "--check"], "--check: cannot be combined with --export"),
])
def test_usage_errors_are_64(run, vault, manifest, tmp_path, args, needle):
    m = export_manifest(manifest, vault, {"A": val()})
    res = run(["-f", m] + args, env=venv(vault))
    assert res.rc == 64, res
    assert len(res.err_lines) == 1 and needle in res.err_lines[0], res
    assert vault.requests == []
    assert not (tmp_path / "out.env").exists()


def test_files_variables_are_78(run, vault, manifest, tmp_path):
    a, cert = val(), val()
    vault.put("secret", "app/tls", {"a": a, "cert": cert})
    m = manifest(MOUNTS + "[env]\nA = secret/app/tls#a\n[files]\nTLS_CERT = secret/app/tls#cert\n")
    for fmt in FORMATS:
        out = tmp_path / ("out." + fmt)
        res = export_to(run, ["-f", m, "--export", fmt], venv(vault), out)
        assert res.rc == 78, res
        assert err_line(res, "TLS_CERT", "[files] variable cannot be exported")
        assert not out.exists()


def test_a_failed_read_writes_nothing(run, vault, manifest, tmp_path):
    vault.put("secret", "app/one", {"a": val()})
    m = manifest(MOUNTS + "[env]\nA = secret/app/one#a\nB = secret/app/missing#b\n")
    out = tmp_path / "out.sh"
    res = export_to(run, ["-f", m, "--export", "shell"], venv(vault), out)
    assert res.rc == 66, res
    assert not out.exists()
    assert os.listdir(tmp_path) == [p for p in os.listdir(tmp_path) if "vaultrun-" not in p]


def test_non_identifier_inline_names(run, vault, tmp_path):
    """An inline variable may have any name; only json can carry one that is
    not a shell identifier."""
    b = val()
    vault.put("secret", "app/one", {"b": b})
    env = venv(vault, **{"my.var": "vault:secret/app/one#b"})
    out = tmp_path / "out"
    res = export_to(run, ["--export", "json"], env, out)
    if res.rc == 0 and json.loads(out.read_text()) == {}:
        pytest.skip("this launcher drops such variables (valgrind's does)")
    assert res.rc == 0 and json.loads(out.read_text()) == {"my.var": b}, res
    res = export_to(run, ["--export", "shell"], env, tmp_path / "out.sh")
    assert res.rc == 65 and err_line(res, "my.var", "not a shell identifier"), res


# --------------------------------------------------------------------------
# leases: the exported credentials outlive vaultrun


def approle_env(vault, name, *policies):
    vault.add_approle("rid-" + name, "sid-" + name, policies=["database/creds/backup", *policies])
    return {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-" + name, "VAULT_SECRET_ID": "sid-" + name}


def test_exported_database_user_outlives_vaultrun(run, vault, manifest, tmp_path, postgres):
    """Exec mode's rule: the minted token stays, since revoking it would
    revoke the lease; the user logs in after vaultrun has exited."""
    vault.engines.add_database_role("backup", postgres)
    out = tmp_path / "pg.sh"
    res = export_to(run, ["-v", "-f", manifest(PG_MANIFEST), "--export", "shell"],
                    approle_env(vault, "exp"), out)
    assert res.rc == 0, res
    lease = the_lease(vault)
    assert lease.how is None and vault.revocations == {}
    assert err_line(res, "1 lease exported", "not revoking the login token")
    script = ('eval "$(cat "$0")" && PGHOST=127.0.0.1 PGPORT=%s "$1" -X --no-password -tA -d app '
              '-c "SELECT current_user" > "$2"' % postgres.port)
    who = tmp_path / "who"
    p = subprocess.run(["/bin/sh", "-c", script, str(out), postgres.bin("psql"), str(who)],
                       capture_output=True, env={"PATH": os.environ["PATH"]})
    assert p.returncode == 0, p.stderr
    assert who.read_text().strip() == lease.username
    assert pg_role_exists(postgres, lease.username)
    vault.engines.expire(lease.id)
    assert not pg_role_exists(postgres, lease.username)


def test_export_without_leases_revokes_the_minted_token(run, vault, manifest, tmp_path):
    vault.put("secret", "app/one", {"a": val()})
    vault.add_approle("rid-nl", "sid-nl", policies=["secret/*"])
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": "rid-nl", "VAULT_SECRET_ID": "sid-nl"}
    res = export_to(run, ["-f", manifest(MOUNTS + "[env]\nA = secret/app/one#a\n"), "--export", "json"],
                    env, tmp_path / "out.json")
    assert res.rc == 0, res
    assert sum(vault.revocations.values()) == 1


def test_failed_export_revokes_the_database_user(run, vault, manifest, tmp_path, postgres):
    """The docker format cannot carry a newline: 65, and the lease obtained
    for the export goes with the minted token."""
    vault.engines.add_database_role("backup", postgres)
    vault.put("secret", "app/ml", {"v": "two\nlines-" + val()})
    m = manifest("[mounts]\nsecret = 2\n" + PG_MANIFEST.replace("    ", "") + "ML = secret/app/ml#v\n")
    env = approle_env(vault, "fail", "secret/*")
    out = tmp_path / "out.env"
    res = export_to(run, ["-f", m, "--export", "docker"], env, out)
    assert res.rc == 65, res
    lease = the_lease(vault)
    assert lease.how == "token" and not pg_role_exists(postgres, lease.username)
    assert not out.exists()


def test_write_error_revokes_the_database_user(run, vault, manifest, postgres):
    """Standard output a pipe whose reader is gone: 71, not a death by
    SIGPIPE, and the lease is revoked (here one by one: a handed token)."""
    vault.engines.add_database_role("backup", postgres)
    r, w = os.pipe()
    os.close(r)
    try:
        res = raw_run(run, ["-f", manifest(PG_MANIFEST), "--export", "shell"], venv(vault), w)
    finally:
        os.close(w)
    assert res.rc == 71, res
    assert err_line(res, "writing standard output", "Broken pipe")
    lease = the_lease(vault)
    assert lease.how == "revoked" and not pg_role_exists(postgres, lease.username)
