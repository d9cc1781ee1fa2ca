"""The server the bench measures: gunicorn on a free local port, and its workers' memory."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Server:
    """A gunicorn process serving ``app`` on a free local port."""

    def __init__(self, app: str, workers: int, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn and arguments
            [
                gunicorn,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                app,
            ],  # fmt: skip
            cwd=ROOT,
            env={**os.environ, **env},
        )

    def wait(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped while starting")
            try:
                urllib.request.urlopen(self.url + path, timeout=5).read()  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer in time")

    def drain(self, workers: int) -> None:
        """Wait until the requests wrk left queued are served, so the next page starts on idle workers.

        wrk stops after its duration, but the connections it opened are still in gunicorn's
        backlog and each is still served; a request sent now is answered only after them.
        """
        for _ in range(workers):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=300).read()  # noqa: S310
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def workers_rss_mb(master: int) -> float:
    """The largest resident memory of the gunicorn workers (Linux /proc), in MB."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        sizes = []
        for child in children:
            status = Path(f"/proc/{child}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return max(sizes, default=0.0)
    except (OSError, AttributeError):
        return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
