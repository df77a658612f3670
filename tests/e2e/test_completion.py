"""Shell completion (completions/vaultrun.bash, completions/_vaultrun): the
real shells asked to complete.

bash: `bash --norc` sources the file (with Debian's bash-completion first, and
without it: the file works both ways), sets COMP_WORDS, COMP_CWORD, COMP_LINE
and COMP_POINT as readline would, calls _vaultrun and prints COMPREPLY.

zsh: an interactive `zsh -f -i` under zsh/zpty with compinit and the file in
its fpath; compadd is wrapped to print every match it is given, a Tab is
typed after the words, and the matches are read back.  The markers are
written split ("<""M>") in what is typed, so that the terminal's echo of the
input never passes for the output.

The option tables are read from launcher/cli.c (and the signal names from
launcher/supervise.c), so that an option added there and not here fails.
vaultrun itself is not run: there is no secret in play.
"""

import os
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BASH_FILE = REPO / "completions" / "vaultrun.bash"
ZSH_FILE = REPO / "completions" / "_vaultrun"
BASH_COMPLETION = pathlib.Path("/usr/share/bash-completion/bash_completion")
CLI_C = (REPO / "launcher" / "cli.c").read_text()

def cli_options():
    """{option: takes a value} of cli.c's getopt_long table and optstring."""
    opts = {}
    for name, kind in re.findall(r'\{"([a-z-]+)",\s*(no|required|optional)_argument', CLI_C):
        opts["--" + name] = kind != "no"
    optstring = re.search(r'getopt_long\(argc, argv, "([^"]+)"', CLI_C).group(1)
    for m in re.finditer(r"([A-Za-z0-9])(:?)", optstring.lstrip("+:")):
        opts["-" + m.group(1)] = m.group(2) == ":"
    return opts


def expected_options():
    return cli_options()


# --------------------------------------------------------------------------
# the files cannot drift from cli.c


def bash_offered():
    """The options _vaultrun offers for "-", and those it knows take a value."""
    text = BASH_FILE.read_text()
    valued = re.search(r"_vaultrun_valued='([^']+)'", text).group(1).split("|")
    listed = re.search(r"compgen -W '(-f --file[^']+)'", text).group(1).split()
    return set(listed) - {"--"}, set(valued)


def zsh_offered():
    """{option: takes a value} from the _arguments specs of _vaultrun:
    {-f+,--file=} pairs, and '--keep=[...' alone (after an exclusion list)."""
    text = ZSH_FILE.read_text()
    opts = {}
    for short, plus, long_, eq in re.findall(r"\{(-\w)(\+?),(--[a-z-]+)(=?)\}", text):
        opts[short], opts[long_] = plus == "+", eq == "="
    for long_, eq in re.findall(r"'(?:\([^)]*\))?\*?(--[a-z-]+)(=?)\[", text):
        opts[long_] = eq == "="
    return opts


def test_every_cli_option_is_completed_by_bash():
    listed, valued = bash_offered()
    opts = expected_options()
    assert listed == set(opts), "bash: missing %s, unknown %s" % (
        sorted(set(opts) - listed), sorted(listed - set(opts)))
    assert valued == {o for o, v in opts.items() if v}


def test_every_cli_option_is_completed_by_zsh():
    offered = zsh_offered()
    opts = expected_options()
    assert set(offered) == set(opts), "zsh: missing %s, unknown %s" % (
        sorted(set(opts) - set(offered)), sorted(set(offered) - set(opts)))
    assert offered == opts  # the valued ones are written "--name=" / "-x+"


def test_the_option_values_are_cli_cs():
    """--mask's words and --on-change's are those cli.c accepts, --export's
    export.c's; the signals those supervise_signal() takes (1 to 31 but KILL
    and STOP)."""
    mask = re.search(r'words\[\] = \{([^}]+)\}', CLI_C).group(1)
    assert re.findall(r'"(\w+)"', mask) == ["all", "stderr", "none"]
    assert re.findall(r'strcmp\(optarg, "(\w+)"\)', CLI_C) == ["restart", "exit"]
    sup = (REPO / "launcher" / "supervise.c").read_text()
    table = re.search(r"signames\[32\] = \{(.*?)\};", sup, re.S).group(1)
    sigs = [s for s in re.findall(r'"(\w+)"', table) if s not in ("KILL", "STOP")]
    bash = BASH_FILE.read_text()
    zsh = ZSH_FILE.read_text()
    bash_sigs = re.search(r"local sigs='([^']+)'", bash).group(1).split()
    zsh_sigs = re.search(r"signals=\(([^)]+)\)", zsh).group(1).split()
    assert bash_sigs == sigs and zsh_sigs == sigs
    export = (REPO / "launcher" / "export.c").read_text()
    formats = re.findall(r'"(\w+)"', re.search(r"names\[\] = \{([^}]+)\}", export).group(1))
    assert formats == ["shell", "dotenv", "docker", "github", "json"]
    for words in ("all stderr none", "restart exit", "shell dotenv docker github json"):
        assert "compgen -W '%s'" % words in bash
    for word in "all stderr none restart exit shell dotenv docker github json".split():
        assert re.search(r"\b%s\\:" % word, zsh), word


# --------------------------------------------------------------------------
# bash


def test_bash_file_passes_shellcheck():
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck not installed: apt-get install shellcheck")
    p = subprocess.run(["shellcheck", "-s", "bash", str(BASH_FILE)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout


def readline_words(line):
    """COMP_WORDS as readline splits the line: at blanks, and "=" (in the
    default COMP_WORDBREAKS) a word of its own."""
    words = []
    for w in line.split(" "):
        first, *rest = w.split("=")
        words.append(first)
        for part in rest:
            words.append("=")
            if part:
                words.append(part)
    return words


@pytest.fixture(params=["bash-completion", "plain"])
def bash_complete(request, tmp_path):
    """complete(line) -> COMPREPLY for the line, the cursor at its end, in a
    directory holding a.ini, b.ini, notes.txt and sub/."""
    if shutil.which("bash") is None:
        pytest.skip("bash not installed")
    with_bc = request.param == "bash-completion"
    if with_bc and not BASH_COMPLETION.exists():
        pytest.skip("bash-completion not installed: apt-get install bash-completion")
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    for f in ("a.ini", "b.ini", "notes.txt"):
        (work / f).write_text("")

    def complete(line):
        words = readline_words(line)
        script = "\n".join([
            "source %s" % shlex.quote(str(BASH_COMPLETION)) if with_bc else ":",
            "source %s" % shlex.quote(str(BASH_FILE)),
            "complete -p vaultrun",
            "COMP_WORDS=(%s)" % " ".join(shlex.quote(w) for w in words),
            "COMP_CWORD=%d" % (len(words) - 1),
            "COMP_LINE=%s" % shlex.quote(line),
            "COMP_POINT=%d" % len(line),
            "COMPREPLY=()",
            '_vaultrun vaultrun "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
            "echo '<reply>'",
            "printf '%s\\n' \"${COMPREPLY[@]}\"",
        ])
        p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=work,
                           capture_output=True, text=True, timeout=30,
                           env={"PATH": os.environ["PATH"], "HOME": str(tmp_path),
                                "LANG": "C", "VAULTRUN_TEST_VAR": "1"})
        assert p.returncode == 0, p.stderr
        head, reply = p.stdout.split("<reply>\n", 1)
        assert head.strip() == "complete -F _vaultrun vaultrun"
        return [w for w in reply.split("\n") if w]

    return complete


def test_readline_words():
    assert readline_words("vaultrun --mask=st") == ["vaultrun", "--mask", "=", "st"]
    assert readline_words("vaultrun --mask=") == ["vaultrun", "--mask", "="]
    assert readline_words("vaultrun -f ") == ["vaultrun", "-f", ""]


def test_bash_options(bash_complete):
    got = bash_complete("vaultrun -")
    assert set(got) == set(expected_options()) | {"--"}
    assert bash_complete("vaultrun --ke") == ["--keep", "--keep-vault-env"]
    assert bash_complete("vaultrun -v -s --su") == ["--supervise"]


@pytest.mark.parametrize("line,want", [
    ("vaultrun -s --mask ", ["all", "stderr", "none"]),
    ("vaultrun -s --mask st", ["stderr"]),
    ("vaultrun -s --mask=", ["all", "stderr", "none"]),
    ("vaultrun -s --mask=n", ["none"]),
    ("vaultrun -s --watch 5 --on-change ", ["restart", "exit"]),
    ("vaultrun -s --watch 5 --on-change=e", ["exit"]),
    ("vaultrun --export ", ["shell", "dotenv", "docker", "github", "json"]),
    ("vaultrun --export d", ["dotenv", "docker"]),
    ("vaultrun --export=j", ["json"]),
    ("vaultrun -s --stop-signal TE", ["TERM"]),
    ("vaultrun -s --stop-signal sigu", ["SIGURG", "SIGUSR1", "SIGUSR2"]),
    ("vaultrun -i --keep VAULTRUN_TEST_", ["VAULTRUN_TEST_VAR"]),
    ("vaultrun -t ", []),
    ("vaultrun -j ", []),
])
def test_bash_option_values(bash_complete, line, want):
    assert sorted(bash_complete(line)) == sorted(want)


@pytest.mark.parametrize("line,want", [
    # *.ini preferred, directories, and "-" for standard input
    ("vaultrun -f ", ["a.ini", "b.ini", "sub", "-"]),
    ("vaultrun --file ", ["a.ini", "b.ini", "sub", "-"]),
    ("vaultrun --file=", ["a.ini", "b.ini", "sub", "-"]),
    ("vaultrun -vf ", ["a.ini", "b.ini", "sub", "-"]),
    ("vaultrun -f a", ["a.ini"]),
    ("vaultrun -f -", ["-"]),
    ("vaultrun -fb", ["-fb.ini"]),
    # no manifest matches: any file
    ("vaultrun -f n", ["notes.txt"]),
    ("vaultrun --export json -o ", ["a.ini", "b.ini", "notes.txt", "sub"]),
    ("vaultrun --export json --output n", ["notes.txt"]),
])
def test_bash_files(bash_complete, line, want):
    got = [w.rstrip("/") for w in bash_complete(line)]
    assert sorted(got) == sorted(want)


def test_bash_command_then_its_own_completion(bash_complete):
    # the first operand, and after "--": a command
    assert "bash" in bash_complete("vaultrun -f a.ini bas")
    assert "bash" in bash_complete("vaultrun -s --mask none -- bas")
    assert "bash" in bash_complete("vaultrun -fa.ini -t 5 --file=a.ini -- bas")
    # then the command's words are the command's: vaultrun's values no more
    for line in ("vaultrun -- cat --mask ", "vaultrun -f a.ini ls --export ",
                 "vaultrun -vf a.ini cat --mask=", "vaultrun -s -- ls -f "):
        got = bash_complete(line)
        assert not {"all", "stderr", "shell", "-"} & set(got), (line, got)
        assert line.endswith("=") or "notes.txt" in got, (line, got)


# --------------------------------------------------------------------------
# zsh

ZSH_DRIVER = r"""
zmodload zsh/zpty
compdir=$1 dir=$2 line=$3
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=(${(q)compdir} \$fpath); autoload -U compinit; compinit -u -D; cd ${(q)dir}"
zpty -w z 'unsetopt autolist; zstyle ":completion:*" insert-tab false'
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; local m; for m in $__h; do print -r -- "<""M>$m</M>"; done; builtin compadd "$@" }'
zpty -w z '_done() { print -r -- "<E""ND>" }; zle -N _done; bindkey "^I" complete-word; bindkey "^X" _done'
zpty -w z "print '<RE''ADY>'"
zpty -r -m z out '*<READY>*'
zpty -w -n z "$line"$'\t\x18'
zpty -r -m z out '*<END>*'
print -r -- "${out//$'\r'/}"
zpty -d z
"""


@pytest.fixture
def zsh_complete(tmp_path):
    if shutil.which("zsh") is None:
        pytest.skip("zsh not installed: apt-get install zsh")
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    for f in ("a.ini", "b.ini", "notes.txt"):
        (work / f).write_text("")
    driver = tmp_path / "driver.zsh"
    driver.write_text(ZSH_DRIVER)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "ZDOTDIR": str(tmp_path),
           "LANG": "C", "TERM": "dumb", "VAULTRUN_TEST_VAR": "1"}

    def complete(line):
        p = subprocess.run(["zsh", "-f", str(driver), str(ZSH_FILE.parent), str(work), line],
                           capture_output=True, text=True, timeout=60, env=env)
        assert p.returncode == 0, p.stderr
        return sorted(set(re.findall(r"<M>(.*?)</M>", p.stdout)))

    return complete


def test_zsh_loads_it(tmp_path):
    if shutil.which("zsh") is None:
        pytest.skip("zsh not installed: apt-get install zsh")
    p = subprocess.run(["zsh", "-n", str(ZSH_FILE)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    script = ("fpath=(%s $fpath); autoload -U compinit; compinit -u -D; "
              "print -r -- $_comps[vaultrun]" % shlex.quote(str(ZSH_FILE.parent)))
    p = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)}, timeout=60)
    assert (p.returncode, p.stdout.strip(), p.stderr) == (0, "_vaultrun", "")


def test_zsh_options(zsh_complete):
    longs = {o for o in expected_options() if o.startswith("--")}
    assert set(zsh_complete("vaultrun --")) == longs
    assert zsh_complete("vaultrun --ke") == ["--keep", "--keep-vault-env"]


@pytest.mark.parametrize("line,want", [
    ("vaultrun -s --mask ", ["all", "none", "stderr"]),
    ("vaultrun -s --mask=", ["all", "none", "stderr"]),
    ("vaultrun -s --watch 5 --on-change ", ["exit", "restart"]),
    ("vaultrun --export ", ["docker", "dotenv", "github", "json", "shell"]),
    ("vaultrun --export=d", ["docker", "dotenv"]),
    ("vaultrun -s --stop-signal TE", ["TERM"]),
    ("vaultrun -i --keep VAULTRUN_TEST_", ["VAULTRUN_TEST_VAR"]),
    ("vaultrun -f ", ["-", "a.ini", "b.ini", "sub"]),
    ("vaultrun --export json -o n", ["notes.txt"]),
])
def test_zsh_option_values(zsh_complete, line, want):
    assert zsh_complete(line) == want


def test_zsh_command_then_its_own_completion(zsh_complete):
    assert "bash" in zsh_complete("vaultrun -f a.ini bas")
    assert "bash" in zsh_complete("vaultrun -s -- bas")
    got = zsh_complete("vaultrun -- cat --mask ")
    assert "notes.txt" in got and "stderr" not in got


# --------------------------------------------------------------------------
# make install / uninstall


def test_make_install_places_completions_and_uninstall_removes_them(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    dest = tmp_path / "dest"
    # -o all: install what is built, without building (the files are copied
    # from the tree; the binary need not be up to date)
    build = tmp_path / "build"
    build.mkdir()
    (build / "vaultrun").write_text("#!/bin/sh\n")
    args = ["make", "-s", "-C", str(REPO), "-o", "all", "BUILD=%s" % build,
            "PREFIX=/usr", "DESTDIR=%s" % dest]
    p = subprocess.run(args + ["install"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    bash = dest / "usr/share/bash-completion/completions/vaultrun"
    zsh = dest / "usr/share/zsh/vendor-completions/_vaultrun"
    assert bash.read_bytes() == BASH_FILE.read_bytes()
    assert zsh.read_bytes() == ZSH_FILE.read_bytes()
    assert oct(bash.stat().st_mode & 0o777) == oct(0o644)
    p = subprocess.run(args + ["uninstall"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    left = [str(f.relative_to(dest)) for f in dest.rglob("*") if f.is_file()]
    assert left == []
