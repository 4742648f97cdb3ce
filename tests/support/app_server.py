"""Start ``streamlit run`` in a subprocess for tests that need the real server."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    """Poll ``/_stcore/health`` until it answers 200; raise if the server exits first."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early: {proc.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not start")


@contextlib.contextmanager
def running(cmd: Sequence[str], *, port: int, cwd: Path | None, env: dict[str, str] | None
            ) -> Iterator[tuple[str, subprocess.Popen]]:
    """The server started with ``cmd`` (which must listen on ``port``); stopped on exit."""
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def streamlit_app(env: dict[str, str]) -> Iterator[str]:
    """The app (``app/streamlit_app.py``, its pages too) served on a free port; its URL."""
    import sys

    from tests.support.paths import ROOT

    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py"),
           "--server.port", str(port)]
    with running(cmd, port=port, cwd=ROOT, env=env) as (url, _):
        yield url
