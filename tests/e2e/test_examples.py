"""The examples under examples/, run as written where their tools exist.

- docker/: the Dockerfile's instructions, parsed from the file, are carried
  out without a container engine: each stage is an overlay of this machine's
  root (a Debian like the image's base) in a private mount namespace, its
  COPY lines copy from a copy of exactly the build context (the files that
  the Dockerfile's .dockerignore lets through), its RUN lines run in a chroot
  of the stage.  apt-get is the one thing replaced: "update" does nothing and
  "install" checks that the package is installed here (the test downloads
  nothing).  The image must then run `vaultrun --version`, and the README's
  `docker run` against the test Vault server; the runtime stage must install
  every package vaultrun's libraries come from.
- s3-backup/: the script, under vaultrun and the example's manifest, with
  Debian's aws CLI against s3rver (npm; installed on demand into a cache
  outside the repository), which checks each request's SigV4 signature with
  the keys vaultrun read from the test Vault server.
- kubernetes/: the pod's YAML gives the volume it writes to an fsGroup.
- pg_dump-cron/, mysqldump/: the crontab's command, as the crontab's user,
  with the real pg_dump and mysqldump: refused in a root-owned
  /var/backups, done once the directory the crontab documents is created
  with the crontab's own `install -d` line.
"""

import grp
import gzip
import json
import os
import pathlib
import pwd
import re
import secrets
import shlex
import shutil
import subprocess
import tempfile
import time
import types

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DOCKER = EXAMPLES / "docker"

# What a Dockerfile's RUN sees in a debian image.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# --------------------------------------------------------------------------
# the Dockerfile, read as a container engine reads it


def dockerfile_instructions(text):
    """[(INSTRUCTION, arguments)] with continuation lines joined and comment
    lines (also those inside a continuation) dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        if cur.strip():
            op, _, args = cur.strip().partition(" ")
            out.append((op.upper(), args.strip()))
        cur = ""
    assert not cur.strip(), "the Dockerfile ends inside a continuation line"
    return out


def copy_args(args):
    """COPY [--from=STAGE] SRC... DST -> (stage or None, [src], dst)."""
    words = json.loads(args) if args.startswith("[") else shlex.split(args)
    stage = None
    while words[0].startswith("--"):
        flag, _, value = words.pop(0).partition("=")
        assert flag == "--from", "COPY flag %s is not handled by this test" % flag
        stage = value
    assert len(words) >= 2, args
    return stage, words[:-1], words[-1]


def ignore_regex(pattern):
    """A .dockerignore pattern as a regular expression over a relative path
    (Go's filepath.Match, and ** for any number of directories)."""
    rx, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            rx, i = rx + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            rx, i = rx + ".*", i + 2
        elif pattern[i] == "*":
            rx, i = rx + "[^/]*", i + 1
        elif pattern[i] == "?":
            rx, i = rx + "[^/]", i + 1
        else:
            rx, i = rx + re.escape(pattern[i]), i + 1
    return re.compile(rx + r"\Z")


def context_files(context, dockerfile):
    """The files a build of dockerfile with this context sends: all of them
    less what <Dockerfile>.dockerignore (else .dockerignore at the context's
    top) excludes, the last matching pattern deciding, a pattern matching a
    file or any directory above it."""
    ignore = pathlib.Path(str(dockerfile) + ".dockerignore")
    if not ignore.exists():
        ignore = context / ".dockerignore"
    rules = []
    if ignore.exists():
        for line in ignore.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            pat = os.path.normpath(line.lstrip("!").strip().lstrip("/"))
            rules.append((keep, ignore_regex(pat)))
    files = []
    for top, dirs, names in os.walk(context):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            rel = os.path.relpath(os.path.join(top, name), context)
            parts = rel.split(os.sep)
            prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
            sent = True
            for keep, rx in rules:
                if any(rx.match(p) for p in prefixes):
                    sent = keep
            if sent:
                files.append(rel)
    return files


def build_command():
    """The README's `docker build` line: (Dockerfile, context), relative to
    the repository's top, where the README says to run it."""
    readme = (DOCKER / "README.md").read_text()
    m = re.search(r"^docker build (.*)$", readme, re.M)
    assert m, "examples/docker/README.md has no `docker build` line"
    words = shlex.split(m.group(1))
    dockerfile = REPO / words[words.index("-f") + 1]
    assert dockerfile.resolve() == (DOCKER / "Dockerfile").resolve(), words
    return dockerfile, (REPO / words[-1]).resolve()


def readme_docker_run():
    """The README's `docker run`: ({NAME: value or None}, image, command)."""
    readme = (DOCKER / "README.md").read_text()
    m = re.search(r"^docker run ((?:.*\\\n)*.*)$", readme, re.M)
    assert m, "examples/docker/README.md has no `docker run` command"
    words = shlex.split(m.group(1).replace("\\\n", " "))
    env, i = {}, 0
    while words[i].startswith("-"):
        if words[i] == "-e":
            name, eq, value = words[i + 1].partition("=")
            env[name] = value if eq else None
            i += 2
        else:
            assert words[i] == "--rm", "docker run option %s is not handled here" % words[i]
            i += 1
    return env, words[i], words[i + 1:]


# Stands in for apt-get in the stages: the packages come from this machine.
APT_SHIM = r"""#!/bin/sh
case $1 in
update|clean|autoremove) exit 0 ;;
install) shift ;;
*) echo "apt-get shim: $1 is not handled" >&2; exit 100 ;;
esac
for p; do
	case $p in -*) continue ;; esac
	echo "$p" >> /.apt-installed
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		{ echo "apt-get shim: $p is not installed on this machine" >&2; exit 100; }
done
"""


class Stage:
    def __init__(self, base, name, root):
        self.base, self.name, self.root = base, name, root
        self.upper, self.work, self.merged = root / "upper", root / "work", root / "merged"
        for d in (self.upper, self.work, self.merged):
            d.mkdir(parents=True)
        self.workdir, self.user, self.env = "/", "root", {}
        self.entrypoint, self.cmd = [], []


class OverlayBuild:
    """Stages as overlays of / in a mount namespace that a sleeping process
    holds; every step runs in it with nsenter."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.stages = []
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sleep", "3600"])
        # nsenter must not run before unshare(2) has: it would mount here
        deadline = time.monotonic() + 30
        while os.readlink("/proc/%d/ns/mnt" % self.holder.pid) == os.readlink("/proc/self/ns/mnt"):
            assert time.monotonic() < deadline and self.holder.poll() is None, "unshare did not start"
            time.sleep(0.02)
        self.ns = ["nsenter", "--target", str(self.holder.pid), "--mount", "--"]

    def close(self):
        self.holder.kill()
        self.holder.wait()

    def sh(self, script, *args, check=True, **kw):
        p = subprocess.run(self.ns + ["/bin/sh", "-ec", script, "sh"] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=600, **kw)
        if check:
            assert p.returncode == 0, "%s %r failed (%d):\n%s%s" % (script, args, p.returncode, p.stdout, p.stderr)
        return p

    def stage(self, name):
        for s in self.stages:
            if s.name == name:
                return s
        raise AssertionError("no stage %r before this COPY --from" % name)

    def add_stage(self, base, name):
        s = Stage(base, name, self.tmp / ("stage%d" % len(self.stages)))
        shim = s.upper / "usr/local/sbin/apt-get"
        shim.parent.mkdir(parents=True)
        shim.write_text(APT_SHIM)
        shim.chmod(0o755)
        self.sh('mount -t overlay overlay -o "lowerdir=/,upperdir=$1,workdir=$2" "$3"\n'
                'mount --rbind /dev "$3/dev"; mount -t proc proc "$3/proc"', s.upper, s.work, s.merged)
        self.stages.append(s)
        return s

    def in_stage(self, s, argv, env=None, user="root", **kw):
        """argv in the stage's chroot, as user, in its WORKDIR, with the
        image's environment (plus env)."""
        e = {"PATH": IMAGE_PATH, "HOME": "/root" if user == "root" else "/"}
        e.update(s.env)
        e.update(env or {})
        ids = []
        if user != "root":
            pw = self.sh('getent -s files passwd "$2" 2>/dev/null || chroot "$1" getent passwd "$2"',
                         s.merged, user).stdout.split(":")
            ids = ["setpriv", "--reuid=" + pw[2], "--regid=" + pw[3], "--clear-groups", "--"]
        return self.ns + ["chroot", str(s.merged), "/bin/sh", "-c", 'cd "$1" && shift && exec "$@"', "sh",
                          s.workdir, "/usr/bin/env", "-i"] + ["%s=%s" % kv for kv in e.items()] + ids + argv

    def copy(self, s, sources, dst, src_root):
        dst = os.path.join(s.workdir, dst)
        if len(sources) > 1:
            assert dst.endswith("/"), "COPY of several sources needs a directory as destination"
        for src in sources:
            src = os.path.normpath(os.path.join(src_root, src.lstrip("/")))
            target = s.merged / dst.lstrip("/")
            self.sh('if [ -d "$1" ]; then mkdir -p "$2" && cp -a "$1/." "$2/"\n'
                    'elif [ "${3%/}" != "$3" ]; then mkdir -p "$2" && cp -a "$1" "$2/"\n'
                    'else mkdir -p "$(dirname "$2")" && cp -a "$1" "$2"; fi', src, target, dst)


def build_image(tmp):
    """Carry out the Dockerfile with the README's context; returns
    (OverlayBuild, final Stage).  Skips when this machine cannot."""
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("unshare", "nsenter", "chroot", "setpriv")):
        pytest.skip("running the Dockerfile's steps without a container engine needs root, unshare and nsenter")
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no mount namespace here: %s" % probe.stderr.decode().strip())
    dockerfile, context = build_command()
    # a copy of exactly the build context
    ctx = tmp / "context"
    for rel in context_files(context, dockerfile):
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(context / rel, ctx / rel, follow_symlinks=False)
    b = OverlayBuild(tmp)
    s = None
    try:
        for op, args in dockerfile_instructions(dockerfile.read_text()):
            if op == "FROM":
                words = args.split()
                assert words[0].startswith("debian:"), "this test stands in only for a Debian base"
                s = b.add_stage(words[0], words[2] if len(words) == 3 and words[1].upper() == "AS" else None)
            elif op == "WORKDIR":
                s.workdir = os.path.join(s.workdir, args)
                b.sh('mkdir -p "$1"', s.merged / s.workdir.lstrip("/"))
            elif op == "COPY":
                stage, sources, dst = copy_args(args)
                root = b.stage(stage).merged if stage else ctx
                b.copy(s, sources, dst, root)
            elif op == "RUN":
                argv = json.loads(args) if args.startswith("[") else ["/bin/sh", "-c", args]
                p = subprocess.run(b.in_stage(s, argv), capture_output=True, text=True, timeout=600)
                if p.returncode and "apt-get shim:" in p.stderr and "is not installed" in p.stderr:
                    pytest.skip(p.stderr.strip().splitlines()[-1])
                assert p.returncode == 0, "RUN %s failed (%d):\n%s\n%s" % (args, p.returncode, p.stdout[-3000:],
                                                                          p.stderr[-3000:])
            elif op == "USER":
                s.user = args
            elif op == "ENV":
                name, _, value = args.partition("=")
                s.env[name] = value
            elif op in ("ENTRYPOINT", "CMD"):
                setattr(s, op.lower(), json.loads(args))
            else:
                raise AssertionError("Dockerfile instruction %s is not handled by this test" % op)
    except BaseException:
        b.close()
        raise
    return b, s


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    b, final = build_image(tmp_path_factory.mktemp("docker"))
    yield b, final
    b.close()


def test_dockerfile_context_is_what_it_copies():
    """The .dockerignore lets through the files the COPY lines name and no
    build output, git data or test."""
    dockerfile, context = build_command()
    sent = context_files(context, dockerfile)
    assert "Makefile" in sent and "examples/docker/app.sh" in sent
    assert any(f.startswith("launcher/") for f in sent) and any(f.startswith("man/") for f in sent)
    assert not [f for f in sent if f.startswith(("build", "tests/", ".git"))], sent


def test_dockerfile_builds_and_runs_version(image):
    b, final = image
    assert final.entrypoint[0] == "vaultrun", final.entrypoint
    p = subprocess.run(b.in_stage(final, [final.entrypoint[0], "--version"], user=final.user),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p
    assert p.stdout.startswith("vaultrun "), p.stdout


def installed_closure(packages):
    """The packages installed with `packages`, their dependencies, and a
    minimal Debian's (Essential or Priority required)."""
    p = subprocess.run(["apt-cache", "depends", "--recurse", "--installed", "--no-recommends", "--no-suggests",
                        "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] + packages,
                       capture_output=True, text=True, check=True)
    have = {ln.strip().split(":")[0] for ln in p.stdout.splitlines() if ln and not ln[0].isspace()}
    q = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Essential} ${Priority}\\n"],
                       capture_output=True, text=True, check=True)
    for ln in q.stdout.splitlines():
        name, essential, priority = (ln.split() + ["", ""])[:3]
        if essential == "yes" or priority == "required":
            have.add(name)
    return have


def test_dockerfile_runtime_stage_installs_vaultruns_libraries(image):
    """The overlay's lower layer is this machine, which has every library:
    the runtime stage's apt-get list must still bring each one vaultrun
    links, as debian:*-slim has only the required packages."""
    b, final = image
    installed = (final.upper / ".apt-installed").read_text().split()
    p = subprocess.run(b.in_stage(final, ["ldd", "/usr/local/bin/vaultrun"]), capture_output=True, text=True,
                       check=True)
    libs = re.findall(r"=> (/\S+)", p.stdout)
    assert libs, p.stdout
    have = installed_closure(installed)
    for lib in libs:
        real = os.path.realpath(lib)
        forms = {real, real[4:] if real.startswith("/usr/") else "/usr" + real, lib}
        owner = None
        for f in forms:
            q = subprocess.run(["dpkg", "-S", f], capture_output=True, text=True)
            if q.returncode == 0:
                owner = q.stdout.split(":")[0]
                break
        assert owner, "no package owns %s" % lib
        assert owner in have, "%s (from %s) is not installed by the runtime stage %r" % (lib, owner, installed)


def test_dockerfile_readme_docker_run(image, vault):
    """The README's docker run, its environment pointed at the test server:
    vaultrun resolves the inline references, removes VAULT_TOKEN, and execs
    the image's CMD, which reports the secrets' lengths."""
    b, final = image
    env, _image, command = readme_docker_run()
    values = {}
    for name, value in env.items():
        if value and value.startswith("vault:secret/"):
            path, _, key = value[len("vault:secret/"):].partition("#")
            values[name] = "%s-%s" % (name.lower(), secrets.token_hex(8))
            vault.put("secret", path, {key: values[name]})
    assert values, env
    env.update(VAULT_ADDR=vault.url, VAULT_TOKEN=vault.root_token)
    assert None not in env.values(), env
    argv = final.entrypoint + (command or final.cmd)
    p = subprocess.Popen(b.in_stage(final, argv, env=env, user=final.user), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()  # app.sh prints one line, then sleeps
    finally:
        p.kill()
    out, err = p.communicate(timeout=30)
    out = line + out
    assert out == "app: DATABASE_PASSWORD has %d bytes, API_KEY %d\n" % (
        len(values["DATABASE_PASSWORD"]), len(values["API_KEY"])), (out, err)
    for secret in list(values.values()) + [vault.root_token]:
        assert secret not in out and secret not in err


# --------------------------------------------------------------------------
# cron examples: the crontab line and the manifest as written, the paths
# under /etc/vaultrun and /usr/local/libexec moved into the test's directory


def crontab_entry(example):
    """(PATH, user, command words) of the example's one crontab line."""
    text = (EXAMPLES / example / "crontab").read_text()
    path = re.search(r"^PATH=(.*)$", text, re.M).group(1)
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#") and "=" not in ln.split()[0]]
    assert len(lines) == 1, lines
    words = shlex.split(lines[0])  # minute hour day month weekday user command
    return path, words[5], words[6:]


def installed_example(example, tmp, manifest_name):
    """The crontab's vaultrun arguments with its manifest copied (mode 600)
    to tmp and the paths it names there; returns (PATH, arguments)."""
    path, _user, words = crontab_entry(example)
    assert words[0] == "vaultrun", words
    text = (EXAMPLES / example / manifest_name).read_text().replace("/etc/vaultrun/", "%s/" % tmp)
    m = tmp / manifest_name
    m.write_text(text)
    m.chmod(0o600)
    args = []
    for w in words[1:]:
        w = w.replace("/etc/vaultrun/", "%s/" % tmp)
        if w.startswith("/usr/local/libexec/"):
            w = str(EXAMPLES / example / os.path.basename(w))
        args.append(w)
    return path, args


def approle_files(vault, tmp, name, policies):
    """An AppRole whose role id and secret id are in tmp/<name>.role-id and
    .secret-id (mode 600), as the example manifests name them."""
    rid, sid = "role-" + secrets.token_hex(8), "sid-" + secrets.token_hex(12)
    vault.add_approle(rid, sid, policies=policies)
    for ext, value in (("role-id", rid), ("secret-id", sid)):
        f = tmp / ("%s.%s" % (name, ext))
        f.write_text(value + "\n")
        f.chmod(0o600)
    return sid


NPM_DIR = pathlib.Path(os.environ.get("VAULTRUN_NPM_DIR") or
                       pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") /
                       "vaultrun" / "npm")


def npm_package(name):
    """The directory of an npm package of tests/packages.txt's [npm] group,
    installed on demand (tests/deps.sh npm); skips when it cannot be."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed for %s" % name)
    where = NPM_DIR / "node_modules" / name
    if not where.is_dir():
        p = subprocess.run(["sh", str(REPO / "tests" / "deps.sh"), "npm"], capture_output=True, text=True,
                           timeout=600, env=dict(os.environ, VAULTRUN_NPM_DIR=str(NPM_DIR)))
        if not where.is_dir():
            pytest.skip("npm could not install %s into %s: %s" % (name, NPM_DIR, (p.stdout + p.stderr).strip()))
    return where


class S3Server:
    """tests/e2e/s3server.js: s3rver with one bucket and key pair."""

    def __init__(self, tmp, bucket, key_id, secret_key):
        npm_package("s3rver")
        self.data, self.log = tmp / "s3data", tmp / "s3.log"
        self.bucket = bucket
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(["node", str(pathlib.Path(__file__).with_name("s3server.js")), str(NPM_DIR),
                                          str(self.data), bucket, key_id, secret_key],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # node's start, not a measured bound
        while not self.log.read_text().startswith("listening "):
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%d" % int(self.log.read_text().split()[1])

    def requests(self):
        return [json.loads(ln) for ln in self.log.read_text().splitlines()[1:] if ln.startswith("{")]

    def object(self, key):
        """The content of an uploaded object (s3rver's store on disk)."""
        f = self.data / self.bucket / (key + "._S3rver_object")
        return f.read_bytes() if f.exists() else None

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def aws_env(path, tmp, closed_url, **extra):
    """The crontab's PATH, and the AWS CLI kept on this machine whatever the
    example says: no instance metadata lookup, no retries, and anything not
    for 127.0.0.1 sent to a closed loopback port."""
    env = {"PATH": path, "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1",
           "HTTPS_PROXY": closed_url, "HTTP_PROXY": closed_url, "NO_PROXY": "127.0.0.1",
           "AWS_CONFIG_FILE": str(tmp / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-creds")}
    env.update(extra)
    return env


@pytest.fixture
def s3_example(vault, tmp_path, closed_url):
    """The S3 example set up: its secret in Vault (an s3 connection to a
    local s3rver, region eu-central-1), its AppRole files, two dumps of
    today in BACKUP_DIR.  Returns a namespace to run it."""
    path, args = installed_example("s3-backup", tmp_path, "s3-backup.ini")
    aws = shutil.which("aws", path=path)
    if not aws:
        pytest.skip("no aws in the crontab's PATH %s: apt-get install awscli" % path)
    key_id, secret_key = "AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
    bucket = "backups-" + secrets.token_hex(4)
    s3 = S3Server(tmp_path, bucket, key_id, secret_key)
    ref = re.search(r"^from\s*=\s*(\S+)", (EXAMPLES / "s3-backup" / "s3-backup.ini").read_text(), re.M).group(1)
    mount, _, spath = ref.partition("/")

    def put_secret(secret=secret_key):
        vault.put(mount, spath, {"type": "s3", "details": {
            "access_key_id": key_id, "secret_access_key": secret, "region": "eu-central-1",
            "hostname": s3.url, "bucket": bucket}})

    put_secret()
    approle_files(vault, tmp_path, "s3-backup", ["%s/data/%s" % (mount, spath)])
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    days = {time.strftime("%Y-%m-%d", time.gmtime(time.time() + d)) for d in (0, 120)}  # past midnight
    files = {}
    for day in days:
        for db in ("app", "shop"):
            files[(day, db)] = (dumps / ("%s-%s.dump" % (db, day)), secrets.token_bytes(2048))
            files[(day, db)][0].write_bytes(files[(day, db)][1])
    env = aws_env(path, tmp_path, closed_url, VAULT_ADDR=vault.url, BACKUP_DIR=dumps)
    yield types.SimpleNamespace(s3=s3, args=args, env=env, files=files, put_secret=put_secret, days=days)
    s3.stop()


def test_s3_backup_uploads_with_real_aws_cli(run, s3_example):
    """The crontab's command: vaultrun logs in with AppRole, the profile
    gives the aws CLI the keys, region and endpoint; every request to the
    server is signed with the keys from Vault, for eu-central-1, and each
    dump of the day is stored under postgres/DAY/."""
    x = s3_example
    res = run(x.args, env=x.env, timeout=120)
    assert res.rc == 0, res
    reqs = x.s3.requests()
    assert reqs and all(r["verdict"] == "ok" and r["region"] == "eu-central-1" for r in reqs), reqs
    uploaded = {k for k, (f, data) in x.files.items() if x.s3.object("postgres/%s/%s" % (k[0], f.name)) == data}
    assert uploaded in ({(d, db) for db in ("app", "shop")} for d in x.days), (uploaded, reqs)
    assert [r["method"] for r in reqs].count("PUT") == 2, reqs


def test_s3_backup_wrong_secret_key_fails(run, s3_example, tmp_path):
    """A secret access key in Vault that is not the server's: the server
    refuses the signature and the job fails (the check above can fail)."""
    x = s3_example
    x.put_secret("wrong-" + secrets.token_urlsafe(20))
    err = tmp_path / "job.err"
    args = x.args[:-1] + ["/bin/sh", "-c", 'exec "$0" 2>"$1"', x.args[-1], err]  # aws names the bucket
    res = run(args, env=x.env, timeout=120)
    assert res.rc == 1, res
    assert "SignatureDoesNotMatch" in err.read_text()
    assert [r["verdict"] for r in x.s3.requests()] == ["signature does not match"]


# --------------------------------------------------------------------------
# kubernetes/


def kube_objects():
    yaml = pytest.importorskip("yaml", reason="python3-yaml is needed to read the Kubernetes example")
    docs = [d for d in yaml.safe_load_all((EXAMPLES / "kubernetes" / "vaultrun.yaml").read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_kubernetes_pod_can_write_its_volume():
    """A pod that is not root writes its dump to a volume: fsGroup gives it
    the volume, and every file it writes is under a writable mount of a
    volume whose claim the file defines."""
    objs = kube_objects()
    (pod,) = [d for (kind, _), d in objs.items() if kind == "Pod"]
    spec, ns = pod["spec"], pod["metadata"]["namespace"]
    ctx = spec.get("securityContext") or {}
    assert ctx.get("runAsNonRoot") or ctx.get("runAsUser", 0) != 0, ctx
    assert isinstance(ctx.get("fsGroup"), int), "a non-root pod needs securityContext.fsGroup to write a volume"
    volumes = {v["name"]: v for v in spec["volumes"]}
    for c in spec["containers"]:
        writable = {m["mountPath"]: volumes[m["name"]] for m in c["volumeMounts"] if not m.get("readOnly")}
        written = [a.split("=", 1)[1] for a in c["args"] if a.startswith("--file=")]
        assert written, c["args"]
        for f in written:
            mounts = [p for p in writable if f.startswith(p.rstrip("/") + "/")]
            assert mounts, "%s is on no writable volume of %s" % (f, c["name"])
            claim = writable[mounts[0]]["persistentVolumeClaim"]["claimName"]
            assert objs[("PersistentVolumeClaim", claim)]["metadata"]["namespace"] == ns
    assert ("Namespace", ns) in objs and ("ServiceAccount", spec["serviceAccountName"]) in objs


# --------------------------------------------------------------------------
# pg_dump-cron/ and mysqldump/: the job as the crontab's user, in a copy of
# Debian's root-owned /var/backups, with the directory the crontab says to
# create


def script_dir(example, script):
    """The directory the script writes to by default (BACKUP_DIR's)."""
    m = re.search(r"\$\{BACKUP_DIR:-([^}]+)\}", (EXAMPLES / example / script).read_text())
    assert m, "%s/%s has no default BACKUP_DIR" % (example, script)
    return m.group(1)


def documented_install(example, directory):
    """The `install -d` command the example's crontab gives for directory."""
    for line in (EXAMPLES / example / "crontab").read_text().splitlines():
        if not re.match(r"#\s*install -d ", line):
            continue
        words = shlex.split(line.lstrip("#"))
        if words[:2] == ["install", "-d"] and words[-1] == directory:
            return words
    raise AssertionError("examples/%s/crontab does not say how to create %s" % (example, directory))


@pytest.mark.parametrize("example, script", [("pg_dump-cron", "pg-backup.sh"), ("mysqldump", "mysql-backup.sh"),
                                             ("s3-backup", "s3-backup.sh")])
def test_cron_example_directories_documented(example, script):
    """Each job's directory: the crontab says how to create it, for the
    crontab's user (s3-backup reads what pg-backup writes)."""
    directory = script_dir(example, script)
    owner = "pg_dump-cron" if example == "s3-backup" else example
    words = documented_install(owner, directory)
    user = crontab_entry(example)[1]
    assert words[words.index("-o") + 1] == user and words[words.index("-g") + 1] == user, words


@pytest.fixture
def as_cron_user(tmp_path, vault):
    """job(example, manifest, script) -> (before, after): the crontab's
    command run as its user (setpriv), with the crontab's PATH, the
    manifest and AppRole files under a directory that user may enter
    (root:USER, 0640), BACKUP_DIR under a root-owned var/backups; before
    the crontab's `install -d`, then after it.  Each is (rc, out+err,
    the backup directory)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("running a job as its crontab's user needs root and setpriv")
    from conftest import BIN
    base = pathlib.Path(tempfile.mkdtemp(prefix="vaultrun-cron-"))
    base.chmod(0o711)

    def job(example, manifest_name, script, policies, password):
        user = crontab_entry(example)[1]
        try:
            pw = pwd.getpwnam(user)
        except KeyError:
            pytest.skip("no user %r here" % user)
        etc = base / "etc"
        etc.mkdir()
        path, args = installed_example(example, etc, manifest_name)
        forbid = [password, approle_files(vault, etc, os.path.splitext(manifest_name)[0], policies)]
        for f in list(etc.iterdir()) + [etc]:
            os.chown(f, 0, pw.pw_gid)
            f.chmod(0o750 if f.is_dir() else 0o640)
        backups = base / "var" / "backups"
        backups.mkdir(parents=True)
        backups.chmod(0o755)
        directory = script_dir(example, script)
        target = base / directory.lstrip("/")
        # The manifest's ca_cert names the site's CA, absent here; a CA file
        # that cannot be used is 78 whatever the scheme (Vault's CLI loads it
        # too), so the environment names one that exists, as it may.
        env = ["PATH=" + path, "HOME=" + str(backups), "LANG=C", "VAULT_ADDR=" + vault.url,
               "VAULT_CACERT=/etc/ssl/certs/ca-certificates.crt", "BACKUP_DIR=" + str(target)]
        cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid, "--init-groups", "--",
               "/usr/bin/env", "-i"] + env + [BIN] + args

        def once():
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=str(backups),
                               stdin=subprocess.DEVNULL)
            vault.wait_idle()
            for s in forbid:
                assert s not in p.stdout + p.stderr, "a secret leaked into the job's output"
            return p.returncode, p.stdout + p.stderr, target

        before = once()
        install = documented_install(example, directory)
        subprocess.run(install[:-1] + [str(target)], check=True)
        assert grp.getgrgid(target.stat().st_gid).gr_name == user
        return before, once()

    yield job
    shutil.rmtree(base, ignore_errors=True)


def profile_ref(example, manifest_name):
    text = (EXAMPLES / example / manifest_name).read_text()
    mount, _, path = re.search(r"^from\s*=\s*(\S+)", text, re.M).group(1).partition("/")
    return mount, path


def test_pg_backup_as_written(as_cron_user, vault, postgres):
    """pg-backup.sh from its crontab line, as "backup": refused before the
    crontab's `install -d`, a custom-format dump, mode 600, after it."""
    tag = secrets.token_hex(4)
    user, db, pw = "backup_" + tag, "app_" + tag, "pg-" + secrets.token_urlsafe(12)
    postgres.create_user(user, pw)
    postgres.sql("CREATE DATABASE %s" % db)
    postgres.sql("CREATE TABLE customers (id int PRIMARY KEY); GRANT SELECT ON customers TO %s" % user, db=db)
    mount, path = profile_ref("pg_dump-cron", "pg-backup.ini")
    vault.put(mount, path, {"type": "postgres", "details": {
        "host": "127.0.0.1", "port": postgres.port, "username": user, "password": pw, "database": db,
        "sslmode": "disable"}})
    before, after = as_cron_user("pg_dump-cron", "pg-backup.ini", "pg-backup.sh", ["%s/data/%s" % (mount, path)],
                                 pw)
    assert before[0] != 0 and "Permission denied" in before[1], before
    rc, out, target = after
    assert rc == 0, out
    (dump,) = target.iterdir()
    assert re.fullmatch(r"%s-\d{4}-\d\d-\d\d\.dump" % db, dump.name), dump
    assert dump.stat().st_mode & 0o777 == 0o600
    listing = subprocess.run([postgres.bin("pg_restore"), "--list", str(dump)], capture_output=True, text=True)
    assert "TABLE public customers" in listing.stdout, listing


def test_mysql_backup_as_written(as_cron_user, vault, mariadb):
    """mysql-backup.sh from its crontab line, as "backup": a gzipped dump
    of the database after the crontab's `install -d`."""
    tag = secrets.token_hex(4)
    user, db, pw = "backup_" + tag, "shop_" + tag, "my-" + secrets.token_urlsafe(12)
    mariadb.sql("CREATE DATABASE %s; CREATE TABLE %s.orders (id int PRIMARY KEY)" % (db, db))
    mariadb.create_user(user, pw, "SELECT, LOCK TABLES, SHOW VIEW, TRIGGER, EVENT ON %s.*" % db)
    mount, path = profile_ref("mysqldump", "mysql-backup.ini")
    vault.put(mount, path, {"type": "mysql", "details": {
        "host": "127.0.0.1", "port": mariadb.port, "username": user, "password": pw, "database": db}})
    before, after = as_cron_user("mysqldump", "mysql-backup.ini", "mysql-backup.sh",
                                 ["%s/data/%s" % (mount, path)], pw)
    assert before[0] != 0 and "Permission denied" in before[1], before
    rc, out, target = after
    assert rc == 0, out
    (dump,) = target.iterdir()
    assert re.fullmatch(r"%s-\d{4}-\d\d-\d\d\.sql\.gz" % db, dump.name), dump
    assert b"CREATE TABLE `orders`" in gzip.decompress(dump.read_bytes())


# --------------------------------------------------------------------------
# every example's vaultrun command against the current CLI


def help_options():
    """{option: takes an argument} from `vaultrun --help`."""
    from conftest import BIN
    if not os.access(BIN, os.X_OK):
        pytest.skip("vaultrun binary not found at %s" % BIN)
    out = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=30).stdout
    opts = {}
    for short, long_, arg in re.findall(r"^\s+(?:(-\w), )?(--[a-z-]+)(?: ([A-Z]+))?", out, re.M):
        for o in (short, long_):
            if o:
                opts[o] = bool(arg)
    assert "--file" in opts and opts["-f"], out
    return opts


def example_commands():
    """(file:line, vaultrun's arguments) of every vaultrun command line in
    examples/: shell lines, and ["vaultrun", ...] arrays (YAML, Dockerfile)."""
    for f in sorted(EXAMPLES.rglob("*")):
        if not f.is_file():
            continue
        for n, line in enumerate(f.read_text().splitlines(), 1):
            where = "%s:%d" % (f.relative_to(REPO), n)
            for arr in re.findall(r'\[\s*"vaultrun"[^\]]*\]', line):
                yield where, json.loads(arr)[1:]
            for m in re.finditer(r'(?:^|[\s`=/])vaultrun((?: +-\S+)+(?: +\S+)*)', line):
                yield where, m.group(1).split("`")[0].split()


def test_example_commands_use_current_options():
    """Each option an example passes to vaultrun is one `vaultrun --help`
    lists, with its argument where it takes one."""
    opts = help_options()
    seen = 0
    for where, words in example_commands():
        seen += 1
        while words and words[0].startswith("-") and words[0] != "--":
            w = words.pop(0)
            name = w.split("=", 1)[0]
            assert name in opts, "%s: vaultrun has no option %s (vaultrun --help)" % (where, name)
            if opts[name] and "=" not in w:
                assert words and not words[0].startswith("-"), "%s: %s needs an argument" % (where, name)
                words.pop(0)
    assert seen >= 8, seen


def test_kubernetes_pod_command_as_written(run, vault_factory, tls_certs, tmp_path, postgres):
    """The pod's command with its ConfigMap's manifest, each volume a
    directory here (its mount path replaced by that directory in the
    manifest and the arguments), the service account token at its default
    path (a tmpfs on /run in a mount namespace of the run), the Vault test
    server on TLS with the CA the ConfigMap carries: vaultrun logs in with
    auth = kubernetes and pg_dump writes its dump to the volume."""
    from conftest import BIN, Result
    from vaultserver import tls_server_context
    if os.geteuid() != 0:
        pytest.skip("the service account token's default path needs a mount namespace (root)")
    objs = kube_objects()
    (pod,) = [d for (kind, _), d in objs.items() if kind == "Pod"]
    (c,) = pod["spec"]["containers"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    dirs = {}
    for m in c["volumeMounts"]:
        d = dirs[m["mountPath"]] = tmp_path / ("vol-" + m["name"])
        d.mkdir()
    vault = vault_factory(ssl_context=tls_server_context(str(tls_certs.server_crt), str(tls_certs.server_key)))

    def local(text):
        for mount_path, d in dirs.items():
            text = text.replace(mount_path + "/", "%s/" % d)
        return text

    for m in c["volumeMounts"]:
        cm = volumes[m["name"]].get("configMap")
        for name, content in (objs[("ConfigMap", cm["name"])]["data"].items() if cm else ()):
            if "BEGIN CERTIFICATE" in content:
                content = tls_certs.ca.read_text()
            f = dirs[m["mountPath"]] / name
            f.write_text(local(content))
            f.chmod(cm["defaultMode"])
    ini = (dirs["/etc/vaultrun"] / "vaultrun.ini").read_text()
    role = re.search(r"^role\s*=\s*(\S+)", ini, re.M).group(1)
    mount, _, spath = re.search(r"^from\s*=\s*(\S+)", ini, re.M).group(1).partition("/")
    jwt = "eyJhbGciOiJSUzI1NiJ9.%s.sig" % secrets.token_urlsafe(24)
    vault.add_kubernetes_role(role, [jwt], policies=["%s/data/%s" % (mount, spath)])
    tag = secrets.token_hex(4)
    user, db, pw = "k8s_" + tag, "app_" + tag, "pg-" + secrets.token_urlsafe(12)
    postgres.create_user(user, pw)
    postgres.sql("CREATE DATABASE %s" % db)
    postgres.sql("CREATE TABLE invoices (id int PRIMARY KEY); GRANT SELECT ON invoices TO %s" % user, db=db)
    vault.put(mount, spath, {"type": "postgres", "details": {
        "host": "127.0.0.1", "port": postgres.port, "username": user, "password": pw, "database": db,
        "sslmode": "disable"}})
    token = tmp_path / "sa-token"
    token.write_text(jwt)
    token.chmod(0o644)
    argv = [local(a) for a in c["command"] + c["args"]]
    assert argv[0] == "vaultrun", argv
    script = ('mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && '
              'cp -p "$0" /run/secrets/kubernetes.io/serviceaccount/token && exec "$@"')
    env = run.env({"VAULT_ADDR": vault.url.replace("127.0.0.1", "localhost")})
    t0 = time.monotonic()
    p = subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script, str(token),
                        BIN] + argv[1:], env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    vault.wait_idle()
    res = Result(argv, p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
    run.check_leaks(res)
    assert res.rc == 0, res
    dump = pathlib.Path(argv[argv.index("--") + 1:][-1].split("=", 1)[1])
    listing = subprocess.run([postgres.bin("pg_restore"), "--list", str(dump)], capture_output=True, text=True)
    assert "TABLE public invoices" in listing.stdout, listing
    assert vault.count_prefix("auth/kubernetes/login", "POST") == 1, vault.requests
