"""Connections opened while a login is in flight (launcher/preconnect.c).

Over plain http the reads that follow an AppRole login will want up to 32
connections: their TCP handshakes are made during the login instead of after
its answer.  The login's answer is held 0.5 s so that "during" is plain to
see in the test server's accept times; every read is still answered once,
and nothing changes with a token (no login: libcurl opens its own at once).
"""

from helpers import MOUNTS, run_env, val, venv


def seed(srv, n):
    values = {}
    for i in range(n):
        v = val("pc%02d" % i)
        srv.put("secret", "pc/p%02d" % i, {"value": v})
        values["V%02d" % i] = v
    return values


def manifest_of(manifest, n):
    return manifest(MOUNTS + "[env]\n" + "".join("V%02d = secret/pc/p%02d\n" % (i, i) for i in range(n)))


def run_reads(run, envdump, manifest, vault, n, env):
    values = seed(vault, n)
    vault.reset_stats()
    res, child = run_env(run, envdump, ["-f", manifest_of(manifest, n)], env=env)
    assert res.rc == 0, res
    assert child is not None
    for name, v in values.items():
        assert child.get(name) == v, name
    reads = [r for r in vault.requests if r.path.startswith("/v1/secret/data/pc/")]
    assert sorted(r.path for r in reads) == sorted("/v1/secret/data/pc/p%02d" % i for i in range(n))
    assert all(r.status == 200 for r in reads), reads
    return res


def test_reads_connections_open_during_the_login(run, vault, manifest, envdump):
    vault.add_approle("rid-pc", "sid-pc", policies=["secret/*"])
    vault.add_fault("POST", "/v1/auth/approle/login", action="delay", seconds=0.5)
    run.forbid("sid-pc")
    run_reads(run, envdump, manifest, vault, 40, venv(vault, VAULT_TOKEN=None, VAULT_ROLE_ID="rid-pc",
                                                       VAULT_SECRET_ID="sid-pc"))
    login = [r for r in vault.requests if r.path == "/v1/auth/approle/login"]
    assert len(login) == 1
    # the login's connection and the 31 others, all before its answer
    before = [t for t in vault.accepted_at if t < login[0].time + 0.4]
    assert len(before) == 32, str([round(t - login[0].time, 3) for t in vault.accepted_at]) + str(vault.connections)
    assert vault.connections == 32
    assert vault.count("POST", "/v1/auth/token/revoke-self") == 1


def test_fewer_reads_fewer_connections(run, vault, manifest, envdump):
    """3 reads after the login: 2 more connections, not 31."""
    vault.add_approle("rid-pc3", "sid-pc3", policies=["secret/*"])
    run.forbid("sid-pc3")
    run_reads(run, envdump, manifest, vault, 3, venv(vault, VAULT_TOKEN=None, VAULT_ROLE_ID="rid-pc3",
                                                      VAULT_SECRET_ID="sid-pc3"))
    assert vault.connections <= 3


def test_token_opens_no_extra_connections(run, vault, manifest, envdump):
    run_reads(run, envdump, manifest, vault, 40, venv(vault))
    assert vault.connections == 32
