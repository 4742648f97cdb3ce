"""Nothing leaves this computer: the app listens on 127.0.0.1 only, and neither the app nor an
analysis asks the network for anything (no DNS lookup, no connection beyond loopback).

Two independent checks: a Python audit hook that records every name lookup and socket
connection the process makes, and a network namespace with no network at all
(``unshare -rn``), where the app must still start and an analysis must still finish.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

from tests.support.app_server import free_port, running
from tests.support.paths import ROOT

APP = ROOT / "app" / "streamlit_app.py"
SAMPLE = ROOT / "sample_videos" / "fresh_side.mp4"

#: A ``sitecustomize`` that logs name lookups and non-loopback connections to $NET_LOG.
AUDIT_HOOK = textwrap.dedent("""
    import os, sys
    _log = os.environ["NET_LOG"]
    _LOCAL = ("127.", "::1", "localhost", "0.0.0.0", "::")
    def _hook(event, args):
        if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
            host = str(args[0])
        elif event in ("socket.connect", "socket.sendto"):
            addr = args[1] if event == "socket.connect" else args[-1]
            if not isinstance(addr, tuple):
                return  # a unix socket
            host = str(addr[0])
        else:
            return
        if host.startswith(_LOCAL):
            return
        with open(_log, "a") as fh:
            fh.write(f"{event} {host}\\n")
    sys.addaudithook(_hook)
""")


def make_run_command() -> list[str]:
    """The command ``make run`` (README: 'Two commands') runs, with this test's interpreter."""
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n\t(.+)$", text, re.M)
    assert recipe, "Makefile has no run target"
    words = recipe.group(1).split()
    assert words[0] == "$(BIN)/streamlit", words
    return [sys.executable, "-m", "streamlit", *words[1:]]


def _audited_env(tmp: Path) -> dict[str, str]:
    site = tmp / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(AUDIT_HOOK)
    log = tmp / "net.log"
    log.touch()
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
            "NET_LOG": str(log), "HOME": str(tmp / "home"),
            "POSTURE_CACHE_DIR": str(tmp / "cache"), "POSTURE_DB": str(tmp / "h.sqlite"),
            "POSTURE_UPLOADS": str(tmp / "uploads")}


def _listening(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp*)."""
    out = set()
    for name, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            host, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port and len(host) == width:
                out.add(_proc_addr(host))
    return out


def _proc_addr(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    words = [raw[i:i + 4][::-1] for i in range(0, len(raw), 4)]  # little-endian words
    b = b"".join(words)
    if len(b) == 4:
        return ".".join(str(x) for x in b)
    import ipaddress

    return str(ipaddress.IPv6Address(b))


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
def test_make_run_listens_on_localhost_only_and_looks_nothing_up(tmp_path: Path) -> None:
    port = free_port()
    env = _audited_env(tmp_path)
    cmd = [*make_run_command(), "--server.port", str(port)]
    with running(cmd, port=port, cwd=ROOT, env=env) as (url, _proc):
        with urllib.request.urlopen(url, timeout=10) as r:
            assert r.status == 200
        assert _listening(port) == {"127.0.0.1"}
    out = _proc.stdout.read()
    assert "Network URL" not in out and "External URL" not in out, out
    assert (tmp_path / "net.log").read_text() == ""


def test_settings_travel_with_the_app_not_the_current_folder(tmp_path: Path) -> None:
    """Started from a folder whose .streamlit/config.toml opens everything up, the app's own
    settings still win: localhost only, no usage statistics, the 500 MB upload limit."""
    here = tmp_path / "elsewhere"
    (here / ".streamlit").mkdir(parents=True)
    (here / ".streamlit" / "config.toml").write_text(
        '[server]\naddress = "0.0.0.0"\nmaxUploadSize = 200\n'
        "[browser]\ngatherUsageStats = true\n")
    code = textwrap.dedent(f"""
        import os
        os.chdir({str(here)!r})
        from streamlit import config
        config._main_script_path = {str(APP)!r}
        config.get_config_options(force_reparse=True)
        print(config.get_option("server.address"), config.get_option("server.maxUploadSize"),
              config.get_option("browser.gatherUsageStats"),
              config.get_option("server.headless"))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "HOME": str(tmp_path)}, check=True).stdout
    assert out.split() == ["127.0.0.1", "500", "False", "True"]


def _ui_core():
    sys.path.insert(0, str(ROOT / "app"))
    import ui_core

    return ui_core


def test_upload_limit_on_the_page_matches_the_server() -> None:
    import tomllib

    conf = tomllib.loads((ROOT / "app" / ".streamlit" / "config.toml").read_text())
    assert conf["server"]["maxUploadSize"] == _ui_core().MAX_UPLOAD_MB


def _can_unshare() -> str | None:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip not installed"
    r = subprocess.run(["unshare", "-rn", "ip", "link", "set", "lo", "up"],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else f"unshare -rn not permitted: {r.stderr.strip()}"


NO_NET = _can_unshare()

#: Inside the namespace: bring up loopback, start the app as make run does, fetch the page.
NAMESPACE_APP = textwrap.dedent("""
    import subprocess, sys, urllib.request
    sys.path.insert(0, sys.argv[1])
    from tests.support.app_server import running
    port, cmd = int(sys.argv[2]), sys.argv[3:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with running(cmd, port=port, cwd=None, env=None) as (url, _):
        with urllib.request.urlopen(url, timeout=10) as r:
            print("status", r.status)
""")


@pytest.mark.skipif(NO_NET is not None, reason=str(NO_NET))
def test_app_starts_without_any_network(tmp_path: Path) -> None:
    port = free_port()
    env = _audited_env(tmp_path)
    script = tmp_path / "ns_app.py"
    script.write_text(NAMESPACE_APP)
    cmd = [*make_run_command(), "--server.port", str(port)]
    r = subprocess.run(["unshare", "-rn", sys.executable, str(script),
                        str(ROOT), str(port), *cmd],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "status 200" in r.stdout
    assert (tmp_path / "net.log").read_text() == ""


@pytest.mark.skipif(NO_NET is not None, reason=str(NO_NET))
@pytest.mark.skipif(not SAMPLE.exists(), reason="no bundled sample clip (run `make samples`)")
def test_analysis_runs_without_any_network(tmp_path: Path) -> None:
    env = _audited_env(tmp_path)
    out = tmp_path / "out"
    r = subprocess.run(["unshare", "-rn", sys.executable, "-m", "posture.cli", "analyze",
                        str(SAMPLE), "--quiet", "--no-cache", "--end", "6", "--out", str(out)],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "strides.csv").stat().st_size > 0
    assert (tmp_path / "net.log").read_text() == ""


@pytest.mark.parametrize(("address", "shared"), [("127.0.0.1", False), ("localhost", False),
                                                 ("0.0.0.0", True), ("192.168.1.20", True)])
def test_the_page_says_when_it_is_shared(address: str, shared: bool) -> None:
    from streamlit import config

    ui_core = _ui_core()
    old = config.get_option("server.address")
    config.set_option("server.address", address)
    try:
        assert ui_core.served_beyond_this_computer() is shared
    finally:
        config.set_option("server.address", old)


def test_make_run_shared_is_the_only_way_onto_the_network() -> None:
    text = (ROOT / "Makefile").read_text()
    shared = re.search(r"^run-shared:.*\n\t(.+)$", text, re.M)
    assert shared and "--server.address 0.0.0.0" in shared.group(1)
    assert "--browser.serverAddress" in shared.group(1)  # so nothing is looked up either
    assert "server.address" not in " ".join(make_run_command())
