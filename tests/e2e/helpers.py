"""Small helpers shared by the end-to-end tests (fixtures are in conftest.py)."""

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
    """Run vaultrun with the EnvDump child; returns (result, child env or None)."""
    res = run(list(args) + ["--"] + envdump.cmd, **kw)
    return res, (envdump.read() if envdump.ran() else None)


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
