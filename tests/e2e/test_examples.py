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
- every example's directories are created by its script or documented.
"""

import json
import os
import pathlib
import re
import secrets
import shlex
import shutil
import subprocess
import time

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
