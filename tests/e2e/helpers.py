"""Small helpers shared by the end-to-end tests (fixtures are in conftest.py)."""

import os
import re
import secrets

# Skip KV version detection for the "secret" mount.
MOUNTS = "[mounts]\nsecret = 2\n"


def val(tag="v"):
    """A distinctive secret value (the leak check finds only what is unique)."""
    return "%s-%s" % (tag, secrets.token_hex(6))


def venv(vault, token=None, **extra):
    """The environment for a run against vault (root token unless given);
    an extra variable given as None is unset."""
    env = {"VAULT_ADDR": vault.url, "VAULT_TOKEN": token or vault.root_token}
    env.update({k: None if v is None else str(v) for k, v in extra.items()})
    return env


DB_REF = "vault:secret/app/db#password"


def approle_env(vault, role_id, secret_id, **extra):
    """The environment of an AppRole login to vault (no token), with
    DB_PASSWORD = DB_REF unless given; an extra variable given as None is
    left out."""
    env = {"VAULT_ADDR": vault.url, "VAULT_ROLE_ID": role_id, "VAULT_SECRET_ID": secret_id,
           "DB_PASSWORD": DB_REF}
    env.update(extra)
    return {k: str(v) for k, v in env.items() if v is not None}


def home_token(run, text, mode=0o600):
    """Write ~/.vault-token (run.home) with text and mode; returns its path."""
    p = run.home / ".vault-token"
    p.write_text(text)
    os.chmod(p, mode)
    return p


def write_manifest(manifest, vault_lines="", env_lines="DB_PASSWORD = secret/app/db#password"):
    """A manifest of a [vault] section (when vault_lines) and an [env] one,
    each from a block of lines (stripped, blank ones dropped)."""
    def lines(block):
        return "".join(ln.strip() + "\n" for ln in block.splitlines() if ln.strip())
    text = ""
    if vault_lines:
        text += "[vault]\n" + lines(vault_lines)
    text += "[env]\n" + lines(env_lines)
    return manifest(text)


def run_env(run, envdump, args, **kw):
    """Run vaultrun with the EnvDump child; returns (result, child env or None).
    A dump left by an earlier run is removed first."""
    if envdump.ran():
        os.unlink(envdump.path)
    res = run(list(args) + ["--"] + envdump.cmd, **kw)
    return res, (envdump.read() if envdump.ran() else None)


def run_ok(run, envdump, args, **kw):
    """run_env that must succeed (exit 0, the command ran): (result, child env)."""
    res, env = run_env(run, envdump, args, **kw)
    assert res.rc == 0, res
    assert env is not None, res
    return res, env


def run_fails(run, envdump, args, rc, **kw):
    """Run vaultrun with the EnvDump child; it must exit rc without having
    run the command (nothing was exec'd).  Returns the result."""
    res, env = run_env(run, envdump, args, **kw)
    assert res.rc == rc, res
    assert env is None, res
    return res


def err_line(res, *needles):
    """The stderr lines that contain every needle."""
    return [ln for ln in res.err_lines if all(n in ln for n in needles)]


def assert_reported(res, name, ref, *more):
    """Some stderr line names the variable and its reference."""
    lines = err_line(res, name, ref, *more)
    assert lines, "no stderr line names %s and %s %s\n%r" % (name, ref, more, res)
    return lines


def seed(srv):
    """A fresh password at secret/app/db (the test servers' "secret" mount); returns it."""
    pw = val("pw")
    srv.put("secret", "app/db", {"password": pw})
    return pw


def kv_reads(srv):
    """The reads of the "secret" mount srv answered."""
    return [r for r in srv.requests if r.method == "GET" and r.path.startswith("/v1/secret/")]


# --------------------------------------------------------------------------
# --supervise: the command's output, masked


def shown(names, cmd):
    """cmd behind a shell that first prints each named variable as
    NAME=value on its stdout and again on its stderr, then execs cmd (the
    same process: its pid, descriptors and exit status are cmd's).  Under
    --supervise vaultrun passes both lines on masked: check them with
    assert_masked (the run fixture's leak check then covers the command's
    output as vaultrun passes it on).  Not for --mask none, where nothing is
    masked by design."""
    show = "".join('printf "%s=%%s\\n" "$%s"; printf "%s=%%s\\n" "$%s" >&2; ' % (n, n, n, n) for n in names)
    return ["/bin/sh", "-c", show + 'exec "$@"', "sh"] + [str(c) for c in cmd]


def assert_masked(res, *names):
    """Every variable shown (see shown) arrived as NAME=******** (four to
    eight stars) on each of res's streams (res: a Result, or the text of a
    terminal, where both streams meet)."""
    texts = (res.out, res.err) if hasattr(res, "out") else (res,)
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        for n in names:
            assert re.search(r"^%s=\*{4,8}\r?$" % re.escape(n), text, re.M), \
                "%s did not arrive masked:\n%r" % (n, res)
