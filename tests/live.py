"""The application served by gunicorn in real server processes, and a small browser for it.

Used by the tests that need what the test client cannot show: several processes sharing one
database, requests at the same moment, a connection that drops before the answer arrives.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def browser(self) -> Browser:
        return Browser(self.port)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def live_server(app: Flask, tmp_path: Path, workers: int = 2, **env: str) -> Iterator[LiveServer]:
    """gunicorn serving ``wsgi:app`` on the test database, with ``env`` added to its settings."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    settings = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "live-test-secret",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    settings.pop("REDIS_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=settings,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = LiveServer(port, process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{server.log_text()}")
        try:
            if server.browser().get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start:\n{server.log_text()}")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("location", "")).path


@dataclass
class Browser:
    """Keeps its cookies like a browser; does not follow redirects."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def _headers(self) -> dict[str, str]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def request(self, method: str, path: str, data: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        headers = self._headers()
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            self._keep_cookies(response)
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, text)
        finally:
            conn.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Answer:
        return self.request("POST", path, data)

    def send_and_hang_up(self, path: str, data: dict) -> None:
        """Send a form and close the connection without reading the answer, as a browser does
        when the network drops while the server is still working."""
        body = urllib.parse.urlencode(data, doseq=True).encode()
        headers = self._headers()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Content-Length"] = str(len(body))
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body)
            sock.shutdown(socket.SHUT_WR)

    def form_fields(self, path: str) -> dict[str, str]:
        """The hidden fields of the first POST form on ``path`` (CSRF token, submission key)."""
        page = self.get(path)
        assert page.status == 200, (page.status, page.text[:500])
        form = re.search(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page.text, re.S | re.I)
        assert form, f"no form on {path}"
        fields = {}
        for tag in re.findall(r"<input[^>]*>", form.group(1)):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if 'type="hidden"' in tag and name:
                fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
        return fields

    def sign_in(self, email: str, password: str) -> None:
        fields = self.form_fields("/login")
        answer = self.post("/login", {**fields, "email": email, "password": password})
        assert answer.status == 302, (answer.status, answer.text[:500])
