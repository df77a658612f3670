"""The examples, checked as written where their tools exist (SPEC: every
example runs).

- docker/Dockerfile: with a container engine, `docker build` of it; without
  one, its build stage's steps run on a copy of exactly its build context
  (the files its COPY lines name), so that a file the build needs but the
  Dockerfile does not copy fails the test.
- kubernetes/vaultrun.yaml: the pod can write its backup volume (fsGroup).
- s3-backup: the script as written, under vaultrun, with Debian's aws(1)
  against s3rver (npm), a local S3-compatible server.
- The backup scripts' directories are created by the scripts or by the
  install steps their crontab documents.
"""

import os
import pathlib
import re
import secrets
import shlex
import shutil
import subprocess
import time

import pytest

from dbservers import free_port

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def dockerfile_stages(path):
    """[(base image, [(instruction, argument)])] of a Dockerfile, with
    continuation lines joined and comments dropped."""
    stages, text = [], re.sub(r"\\\n", " ", path.read_text())
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, arg = line.partition(" ")
        if op.upper() == "FROM":
            stages.append((arg.split()[0], []))
        else:
            stages[-1][1].append((op.upper(), arg.strip()))
    return stages


def docker_daemon():
    docker = shutil.which("docker")
    if not docker:
        return None
    p = subprocess.run([docker, "info"], capture_output=True, timeout=30)
    return docker if p.returncode == 0 else None


def test_dockerfile_builds(tmp_path, time_limit):
    dockerfile = EXAMPLES / "docker" / "Dockerfile"
    docker = docker_daemon()
    if docker:
        p = subprocess.run([docker, "build", "-f", str(dockerfile), "-t", "vaultrun-example-test",
                            str(REPO)], capture_output=True, text=True, timeout=time_limit(1800))
        assert p.returncode == 0, p.stdout + p.stderr
        return
    (build, steps), (_, runtime) = dockerfile_stages(dockerfile)
    workdir, out = None, tmp_path / "out"
    for op, arg in steps:
        if op == "WORKDIR":
            workdir = tmp_path / "ctx" / arg.lstrip("/")
            workdir.mkdir(parents=True)
        elif op == "COPY":
            *srcs, dest = shlex.split(arg)
            for src in srcs:
                s = REPO / src
                d = workdir / dest if dest.endswith("/") or len(srcs) > 1 else workdir / dest
                if s.is_dir():
                    shutil.copytree(s, d, dirs_exist_ok=True)
                else:
                    if dest.endswith("/"):
                        d.mkdir(parents=True, exist_ok=True)
                        d = d / s.name
                    shutil.copy(s, d)
        elif op == "RUN" and "apt-get" not in arg:
            # The packages apt-get installs are those of tests/deps.sh; the
            # image's /out is a directory of the test's.
            cmd = arg.replace("DESTDIR=/out", "DESTDIR=%s" % out)
            p = subprocess.run(["/bin/sh", "-c", cmd], cwd=workdir, capture_output=True,
                               text=True, timeout=time_limit(900))
            assert p.returncode == 0, "RUN %s failed:\n%s%s" % (arg, p.stdout, p.stderr)
    vaultrun = out / "usr" / "local" / "bin" / "vaultrun"
    assert os.access(vaultrun, os.X_OK), sorted(str(f) for f in out.rglob("*"))
    assert subprocess.run([str(vaultrun), "--version"], capture_output=True).returncode == 0
    # The runtime stage copies the build stage's /out and files of the context.
    for op, arg in runtime:
        if op == "COPY" and not arg.startswith("--from"):
            assert (REPO / shlex.split(arg)[0]).exists(), arg
        if op == "COPY" and arg.startswith("--from"):
            assert (out / shlex.split(arg)[1].split("/out/", 1)[1]).exists(), arg


def test_kubernetes_pod_can_write_its_volume():
    yaml = pytest.importorskip("yaml")
    docs = [d for d in yaml.safe_load_all((EXAMPLES / "kubernetes" / "vaultrun.yaml").read_text())
            if d]
    (pod,) = [d for d in docs if d["kind"] == "Pod"]
    spec = pod["spec"]
    ctx = spec.get("securityContext", {})
    # A non-root user writes a PersistentVolumeClaim only if the volume is
    # given its group: fsGroup.
    assert ctx.get("runAsNonRoot") and ctx.get("fsGroup"), ctx
    claims = {v["name"] for v in spec["volumes"] if "persistentVolumeClaim" in v}
    for c in spec["containers"]:
        for m in c.get("volumeMounts", []):
            if m["name"] in claims:
                assert not m.get("readOnly"), m
                assert any(m["mountPath"] in a for a in c.get("args", [])), (m, c)


@pytest.mark.parametrize("example,script", [
    ("pg_dump-cron", "pg-backup.sh"),
    ("mysqldump", "mysql-backup.sh"),
])
def test_backup_directories_are_created_or_documented(example, script):
    """A cron job run as "backup" cannot create /var/backups/<x> itself
    (Debian's /var/backups is root's, mode 0755): the example says how to
    create it once."""
    text = (EXAMPLES / example / script).read_text()
    (default,) = re.findall(r"BACKUP_DIR:-([^}]+)\}", text)
    docs = "".join(p.read_text() for p in (EXAMPLES / example).iterdir() if p.name != script)
    docs += (EXAMPLES / "README.md").read_text()
    assert re.search(r"install -d -o backup -g backup -m 0?7[05]0 %s" % re.escape(default), docs), \
        "%s writes to %s; nothing in examples/%s says how to create it" % (script, default, example)


def test_systemd_writable_path_is_documented():
    unit = (EXAMPLES / "systemd" / "db-backup.service").read_text()
    (path,) = re.findall(r"^ReadWritePaths=(\S+)", unit, re.M)
    assert re.search(r"install -d -o backup -g backup -m 0?7[05]0 %s" % re.escape(path), unit)


@pytest.fixture
def s3rver(tmp_path):
    """s3rver (npm) on 127.0.0.1 with the bucket "offsite"; (url, data dir)."""
    exe = shutil.which("s3rver")
    if not exe:
        pytest.skip("s3rver is not installed (npm install -g s3rver)")
    data, port = tmp_path / "s3", free_port()
    data.mkdir()
    p = subprocess.Popen([exe, "-d", str(data), "-a", "127.0.0.1", "-p", str(port),
                          "--configure-bucket", "offsite"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # it prints its address once the bucket is made and it listens
        seen = []
        while not any("listening" in ln for ln in seen) and len(seen) < 20:
            seen.append(p.stdout.readline())
            assert seen[-1], "s3rver exited: %r" % seen
        yield "http://127.0.0.1:%d" % port, data
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_s3_backup_with_debian_aws(run, vault, s3rver, tmp_path, envdump):
    """s3-backup.sh as written, under vaultrun with s3-backup.ini (its
    credential file paths pointed at the test's), uploads with Debian's
    aws(1) to a local S3 server."""
    aws = "/usr/bin/aws"
    if not os.access(aws, os.X_OK):
        pytest.skip("Debian's awscli is not installed")
    url, data = s3rver
    vault.put("secret", "backups/providers/s3", {
        "type": "s3", "details": {"access_key_id": "S3RVER", "secret_access_key": "S3RVER",
                                  "region": "eu-central-1", "hostname": url,
                                  "bucket": "offsite"}})
    rid, sid = "role-" + secrets.token_hex(6), "sid-" + secrets.token_hex(10)
    vault.add_approle(rid, sid, policies=["secret/data/backups/*", "sys/internal/ui/mounts/*"])
    for name, value in (("role-id", rid), ("secret-id", sid)):
        (tmp_path / name).write_text(value + "\n")
        os.chmod(tmp_path / name, 0o600)
    ini = (EXAMPLES / "s3-backup" / "s3-backup.ini").read_text()
    ini = ini.replace("/etc/vaultrun/s3-backup.role-id", str(tmp_path / "role-id"))
    ini = ini.replace("/etc/vaultrun/s3-backup.secret-id", str(tmp_path / "secret-id"))
    (tmp_path / "s3-backup.ini").write_text(ini)
    os.chmod(tmp_path / "s3-backup.ini", 0o600)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    day = time.strftime("%Y-%m-%d", time.gmtime())
    dump = dumps / ("app-%s.dump" % day)
    dump.write_bytes(os.urandom(4096))
    res = run(["-q", "-f", tmp_path / "s3-backup.ini", "--", "/bin/sh",
               EXAMPLES / "s3-backup" / "s3-backup.sh"],
              env={"VAULT_ADDR": vault.url, "BACKUP_DIR": dumps,
                   "PATH": "/usr/bin:/bin", "HOME": tmp_path}, timeout=120)
    assert res.rc == 0, res
    (obj,) = data.glob("offsite/postgres/%s/app-%s.dump._S3rver_object" % (day, day))
    assert obj.read_bytes() == dump.read_bytes()
    assert vault.logins == {"approle": 1}
