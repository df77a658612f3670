"""The Debian package (debian/): built with `dpkg-buildpackage -us -uc -b` in a
copy of the tree (the worktree stays clean), checked with lintian (no error),
then installed with `dpkg -i` into this machine, run (`vaultrun --version`,
examples/demo.sh against its file:// store), its man pages and completion
files looked for where Debian's man, bash-completion and zsh find them, and
removed with `dpkg -r`.

Skipped, with the reason, without dpkg-buildpackage or debhelper; the
install half also when not root or when a vaultrun package or
/usr/bin/vaultrun is there already (it would be replaced).  Concurrent runs
on one machine take turns through a lock file around install and removal,
and wait while another dpkg or apt-get holds dpkg's lock.
Under valgrind (make check's last pass) it is skipped: it builds and tests
its own binary, which the plain pass has done.

Takes about 15 s on the project's 2-core machine (build with the unit tests,
5 s; lintian, 3 s; install, run, remove, 5 s).
"""

import fcntl
import json
import os
import pathlib
import re
import shutil
import subprocess
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
VERSION = re.search(r"^VERSION\s*=\s*(\S+)", (REPO / "Makefile").read_text(), re.M).group(1)
LOCK = "/tmp/vaultrun-debian-package-test.lock"

pytestmark = pytest.mark.skipif(os.environ.get("VAULTRUN_VALGRIND") == "1",
                                reason="builds its own binary: tested in the plain pass")

INSTALLED = {
    "/usr/bin/vaultrun": 0o755,
    "/usr/share/man/man1/vaultrun.1.gz": 0o644,
    "/usr/share/man/man5/vaultrun.ini.5.gz": 0o644,
    "/usr/share/bash-completion/completions/vaultrun": 0o644,
    "/usr/share/zsh/vendor-completions/_vaultrun": 0o644,
    "/usr/share/doc/vaultrun/copyright": 0o644,
    "/usr/share/doc/vaultrun/README.md.gz": 0o644,
}


def sh(args, **kw):
    kw.setdefault("timeout", 300)
    return subprocess.run(args, capture_output=True, text=True, **kw)


def dpkg(args, env):
    """dpkg, waiting (up to 5 minutes) while another dpkg or apt-get on the
    machine holds its lock."""
    deadline = time.monotonic() + 300
    while True:
        p = sh(["dpkg"] + args, env=env)
        if p.returncode == 0 or "lock" not in p.stderr or time.monotonic() > deadline:
            return p
        time.sleep(2)


def copy_tree(dst):
    """The tree's files (tracked and new, not ignored ones: no build/) into dst."""
    dst.mkdir()
    p = sh(["git", "-C", str(REPO), "ls-files", "-z", "-co", "--exclude-standard"])
    if p.returncode == 0:
        for name in p.stdout.split("\0"):
            src = REPO / name
            if name and src.is_file():
                (dst / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst / name)
    else:  # not a git checkout (a tarball)
        shutil.rmtree(dst)
        shutil.copytree(REPO, dst, ignore=shutil.ignore_patterns(
            "build*", "__pycache__", ".pytest_cache"))


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """(the copied tree, the .deb, the .changes, the build's output)."""
    for tool, pkg in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper")):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed: apt-get install %s" % (tool, pkg))
    p = sh(["dpkg-checkbuilddeps"], cwd=REPO)
    if p.returncode != 0:
        pytest.skip("build dependencies missing: " + p.stderr.strip())
    top = tmp_path_factory.mktemp("deb")
    src = top / "vaultrun"
    copy_tree(src)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEB_", "VAULT"))}
    p = sh(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    arch = sh(["dpkg", "--print-architecture"]).stdout.strip()
    deb = top / ("vaultrun_%s_%s.deb" % (VERSION, arch))
    changes = top / ("vaultrun_%s_%s.changes" % (VERSION, arch))
    assert deb.exists() and changes.exists(), sorted(os.listdir(top))
    return src, deb, changes, p.stdout + p.stderr


def test_changelog_version_is_the_makefiles():
    first = (REPO / "debian" / "changelog").read_text().split("\n", 1)[0]
    assert first.startswith("vaultrun (%s) " % VERSION), first


@pytest.mark.parametrize("options,runs", [("", True), ("nocheck", False),
                                           ("parallel=2 nocheck", False)])
def test_build_runs_the_unit_tests_unless_nocheck(options, runs):
    """debian/rules' test step, as make would carry it out (-n: printed only)."""
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    env = dict(os.environ, DEB_BUILD_OPTIONS=options)
    p = sh(["make", "-s", "-n", "-f", "debian/rules", "override_dh_auto_test"], cwd=REPO, env=env)
    assert p.returncode == 0, p.stderr
    assert ("./build/unit-tests" in p.stdout) == runs, p.stdout


def test_package_builds_with_debians_libraries(package):
    src, deb, _, log = package
    assert re.search(r"unit: \d+ passed, 0 failed", log), "the unit tests ran in the build"
    # the worktree is not touched: the build went to the copy
    assert not (REPO / "debian" / "vaultrun").exists()
    fields = sh(["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"]).stdout
    assert "Version: %s\n" % VERSION in fields
    depends = re.search(r"Depends: (.*)", fields).group(1)
    for lib in ("libcurl4", "libinih1", "libjansson4", "libc6"):
        assert re.search(r"\b%s\b" % lib, depends), depends
    listing = sh(["dpkg-deb", "-c", str(deb)]).stdout
    for path, mode in INSTALLED.items():
        line = next((x for x in listing.splitlines() if x.endswith(" ." + path)), None)
        assert line, path
        want = ("-rwxr-xr-x" if mode == 0o755 else "-rw-r--r--") + " root/root"
        assert line.startswith(want), line


def test_lintian_finds_no_error(package):
    if shutil.which("lintian") is None:
        pytest.skip("lintian not installed: apt-get install lintian")
    _, _, changes, _ = package
    p = sh(["lintian", "--fail-on", "error", str(changes)], timeout=300)
    errors = [x for x in p.stdout.splitlines() if x.startswith("E:")]
    assert p.returncode == 0 and not errors, p.stdout + p.stderr


@pytest.fixture
def installed(package):
    """The package installed with dpkg -i, removed with dpkg -r at the end."""
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    _, deb, _, _ = package
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        status = sh(["dpkg-query", "-W", "-f=${Status}", "vaultrun"]).stdout
        if "installed" in status.split() or os.path.lexists("/usr/bin/vaultrun"):
            pytest.skip("vaultrun is installed on this machine already: not replacing it")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        p = dpkg(["-i", str(deb)], env)
        try:
            assert p.returncode == 0, p.stdout + p.stderr
            yield
        finally:
            p = dpkg(["-r", "vaultrun"], env)
            assert p.returncode == 0, p.stdout + p.stderr
            left = [f for f in INSTALLED if os.path.lexists(f)]
            assert left == [], "dpkg -r left %s" % left


def store_values(store):
    """Every value of 4 bytes or more in a file:// store (not profile types)."""
    def leaves(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k != "type":
                    yield from leaves(x)
        elif isinstance(v, list):
            for x in v:
                yield from leaves(x)
        elif isinstance(v, str) and len(v.encode()) >= 4:
            yield v
    return {x for s in json.loads(store.read_text()).values() for x in leaves(s)}


def test_installed_package_runs_the_demo(package, installed):
    src, _, _, _ = package
    for path, mode in INSTALLED.items():
        assert os.stat(path).st_mode & 0o7777 == mode, path
    clean = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C"}
    p = sh(["/usr/bin/vaultrun", "--version"], env=clean)
    assert p.returncode == 0 and p.stdout.startswith("vaultrun %s" % VERSION), p
    assert "libcurl" in p.stdout

    # the file:// example, as make demo runs it, with the installed binary
    p = sh(["sh", str(src / "examples" / "demo.sh"), "/usr/bin/vaultrun"], env=clean)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.rstrip().endswith("demo: ok"), p.stdout
    assert "API_TOKEN" in p.stdout and "PEM certificate: yes" in p.stdout
    leaked = [v for v in store_values(src / "examples" / "demo" / "store.json")
              if v in p.stdout or v in p.stderr]
    assert leaked == []

    # where man, bash-completion and zsh look
    p = sh(["man", "-w", "vaultrun"]) if shutil.which("man") else None
    if p is not None:
        assert p.stdout.strip() == "/usr/share/man/man1/vaultrun.1.gz", p
        p = sh(["man", "-w", "5", "vaultrun.ini"])
        assert p.stdout.strip() == "/usr/share/man/man5/vaultrun.ini.5.gz", p
    if os.path.exists("/usr/share/bash-completion/bash_completion"):
        p = sh(["bash", "--norc", "--noprofile", "-c",
                "source /usr/share/bash-completion/bash_completion; "
                "_completion_loader vaultrun; complete -p vaultrun"])
        assert p.stdout.strip() == "complete -F _vaultrun vaultrun", p
    if shutil.which("zsh"):
        p = sh(["zsh", "-f", "-c", "autoload -U compinit; compinit -u -D; "
                "print -r -- $_comps[vaultrun]"], env=dict(clean, HOME=str(src)))
        assert (p.stdout.strip(), p.stderr) == ("_vaultrun", ""), p
