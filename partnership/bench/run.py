"""Serve the built programme with gunicorn as production does and load each page with wrk.

Each round loads the bare hello app, the login page and every page once, in turn (alternating
rounds), so a busy machine slows all of them alike; the table reports medians of the rounds and
ratios to the hello route and the login page of the same run.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from partnership.bench.pages import (
    BASELINE,
    EXPORT,
    EXPORT_FIRST_BYTE_S,
    MAX_PAGE_BYTES,
    ROLES,
    TARGETS,
    Page,
)
from partnership.bench.server import Server, workers_rss_mb

PASSWORD = "partnership-demo"  # noqa: S105 - the documented demo password


@dataclass
class Result:
    page: Page
    status: int = 0
    size: int = 0
    sql: int | None = None
    first_byte_s: float = 0.0
    single_s: float = 0.0
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: int = 0
    explain: str = ""
    plan: dict = field(default_factory=dict)
    workers_rss_mb: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def cold_ms(self) -> float:
        """The first request of the page on a fresh server, before anything is kept."""
        return self.single_s * 1000

    @property
    def median_rps(self) -> float:
        return statistics.median(self.rps) if self.rps else 0.0

    @property
    def median_p50(self) -> float:
        return statistics.median(self.p50) if self.p50 else 0.0

    @property
    def median_p99(self) -> float:
        return statistics.median(self.p99) if self.p99 else 0.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        return None


def sign_in(base: str, email: str) -> str:
    """Sign in with a real POST (CSRF token from the form) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    # The redirect after signing in is not followed: the dashboard is measured on its own.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    html = opener.open(base + "/login", timeout=60).read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    data = {"email": email, "password": PASSWORD}
    if match:
        data["csrf_token"] = match.group(1)
    try:
        response = opener.open(base + "/login", urllib.parse.urlencode(data).encode(), timeout=60)
        response.read()
        signed_in = False
    except urllib.error.HTTPError as answer:
        signed_in = answer.code == 302 and "/login" not in answer.headers.get("Location", "")
    if not signed_in:
        raise RuntimeError(f"could not sign in as {email}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def probe(base: str, page: Page, cookie: str | None, instance: Path) -> Result:
    """One request: status, size, SQL statements, time to first byte; the main query's plan."""
    result = Result(page)
    token = uuid.uuid4().hex
    request = urllib.request.Request(base + page.path)  # noqa: S310
    if cookie:
        request.add_header("Cookie", cookie)
    request.add_header("X-Bench-Explain", token)
    began = time.perf_counter()
    try:
        response = urllib.request.urlopen(request, timeout=300)  # noqa: S310
    except urllib.error.HTTPError as error:
        response = error
    result.first_byte_s = time.perf_counter() - began
    try:
        body = response.read()
    except (http.client.IncompleteRead, ConnectionError) as cut:
        # The worker was stopped mid-download (gunicorn's timeout): report it, keep going.
        body = getattr(cut, "partial", b"")
        result.failures.append(f"download cut off after {len(body) // 1024} KB")
    result.single_s = time.perf_counter() - began
    result.status = response.status
    result.size = len(body)
    count = response.headers.get("X-SQL-Statements")
    result.sql = int(count) if count is not None else None
    plan = instance / "bench-explain" / f"{token}.txt"
    if plan.exists():
        result.explain = plan.read_text(encoding="utf-8")
        plan.unlink()
    summary = plan.with_suffix(".json")
    if summary.exists():
        result.plan = json.loads(summary.read_text(encoding="utf-8"))
        summary.unlink()
    return result


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip()).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, cookie: str | None, seconds: float, connections: int, threads: int) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
               "--latency", "--timeout", "60s"]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603 - wrk with our arguments
        [*command, url], capture_output=True, text=True, check=False
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"timeout (\d+)", output)
    done = re.search(r"(\d+) requests in", output)
    if not done or int(done.group(1)) == 0:
        return {"rps": 0.0, "p50": float("inf"), "p99": float("inf"), "errors": 0}
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": _ms(p50.group(1)) if p50 else float("inf"),
        "p99": _ms(p99.group(1)) if p99 else float("inf"),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (int(timeouts.group(1)) if timeouts else 0),
    }


def judge(result: Result, login_rps: float) -> None:
    page = result.page
    if result.status != 200:
        result.failures.append(f"status {result.status}")
    if result.errors:
        result.failures.append(f"{result.errors} failed requests")
    if page.kind == EXPORT:
        if result.first_byte_s > EXPORT_FIRST_BYTE_S:
            result.failures.append(f"first byte after {result.first_byte_s:.1f} s")
        return
    if page.kind == BASELINE:
        return
    if result.size > MAX_PAGE_BYTES:
        result.failures.append(f"{result.size // 1024} KB > {MAX_PAGE_BYTES // 1024} KB")
    target = TARGETS[page.kind]
    ratio = result.median_rps / login_rps if login_rps else 0.0
    if ratio < target["ratio"]:
        result.failures.append(f"{ratio:.2f}× login < {target['ratio']}×")
    if not result.median_p99 or result.median_p99 >= target["p99_ms"]:
        result.failures.append(f"p99 {result.median_p99:.0f} ms ≥ {target['p99_ms']:.0f} ms")


@dataclass
class Options:
    pages: list[Page]
    instance: Path
    env: dict[str, str]
    seconds: float = 5.0
    rounds: int = 3
    connections: int = 8
    threads: int = 2
    workers: int = 2
    slow_cutoff_s: float = 1.0
    echo: object = print


def run(options: Options) -> tuple[list[Result], dict]:
    """Load every page; return the results and the run's context (baselines, load average)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: `apt-get install wrk` (make bench does it as root)")
    echo = options.echo
    env = {**options.env, "BENCH_COUNT_SQL": "1", "INSTANCE_PATH": str(options.instance)}
    app = Server("wsgi:app", options.workers, env)
    hello = Server("partnership.bench.hello:app", options.workers, {})
    load_before = os.getloadavg()
    try:
        app.wait("/healthz")
        hello.wait("/")
        roles = {p.role for p in options.pages if p.role}
        cookies = {role: sign_in(app.url, ROLES[role]) for role in sorted(roles)}
        hello_page = Page("bare hello route", None, "/", BASELINE)
        results = {hello_page: probe(hello.url, hello_page, None, options.instance)}
        for page in options.pages:
            results[page] = probe(app.url, page, cookies.get(page.role), options.instance)
            results[page].workers_rss_mb = workers_rss_mb(app.process.pid)
            echo(f"  probe {page.name} ({page.role or '-'}): {results[page].status}, "
                 f"{results[page].single_s * 1000:.0f} ms, {results[page].sql} SQL")  # fmt: skip
        for round_number in range(1, options.rounds + 1):
            echo(f"Round {round_number} of {options.rounds}...")
            for page, result in results.items():
                base = hello.url if page is hello_page else app.url
                seconds = options.seconds
                if page.kind == EXPORT:
                    continue  # downloads: first byte, time and the workers' memory, not req/s
                slow = result.single_s > options.slow_cutoff_s
                if slow and round_number > 1:
                    continue  # one long round is enough to show a page takes seconds
                if slow:
                    per_request = result.single_s * options.connections / options.workers
                    seconds = min(max(seconds, 2 * per_request), 40)
                measured = wrk(base + page.path, cookies.get(page.role), seconds,
                               options.connections, options.threads)  # fmt: skip
                result.rps.append(measured["rps"])
                result.p50.append(measured["p50"])
                result.p99.append(measured["p99"])
                result.errors += measured["errors"]
                if page is not hello_page:
                    app.drain(options.workers)
    finally:
        load_after = os.getloadavg()
        app.stop()
        hello.stop()
    ordered = list(results.values())
    hello_rps = ordered[0].median_rps
    login = next((r for r in ordered if r.page.path == "/login"), None)
    login_rps = login.median_rps if login else 0.0
    for result in ordered:
        judge(result, login_rps)
    context = {
        "hello_rps": hello_rps,
        "login_rps": login_rps,
        "load_average_before": load_before,
        "load_average_after": load_after,
        "cpus": os.cpu_count(),
        "connections": options.connections,
        "workers": options.workers,
        "rounds": options.rounds,
        "seconds": options.seconds,
    }
    return ordered, context


def table(results: list[Result], context: dict) -> str:
    hello_rps, login_rps = context["hello_rps"] or 1, context["login_rps"] or 1
    head = ("page", "role", "req/s", "×login", "×hello", "p50 ms", "p99 ms", "cold ms", "SQL",
            "KB", "result")  # fmt: skip
    rows = [head]
    for r in results:
        if r.page.kind == EXPORT:
            rows.append((
                r.page.name, r.page.role or "-", "-", "-", "-",
                f"first byte {r.first_byte_s * 1000:.0f}", f"all {r.single_s * 1000:.0f}", "-",
                "-" if r.sql is None else str(r.sql), f"{r.size / 1024:.0f}",
                ("pass" if not r.failures else "FAIL: " + "; ".join(r.failures))
                + f" (workers {r.workers_rss_mb:.0f} MB)",
            ))  # fmt: skip
            continue
        rows.append((
            r.page.name, r.page.role or "-", f"{r.median_rps:.1f}",
            f"{r.median_rps / login_rps:.2f}", f"{r.median_rps / hello_rps:.3f}",
            f"{r.median_p50:.1f}", f"{r.median_p99:.1f}", f"{r.cold_ms:.0f}",
            "-" if r.sql is None else str(r.sql), f"{r.size / 1024:.1f}",
            "pass" if not r.failures else "FAIL: " + "; ".join(r.failures),
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) if i < 2 else row[i].rjust(widths[i])
                 for i in range(len(widths))]  # fmt: skip
        lines.append("  ".join(cells) + "  " + row[-1])
    before, after = context["load_average_before"], context["load_average_after"]
    lines.append(
        f"load average {before[0]:.2f} before, {after[0]:.2f} after ({context['cpus']} CPUs); "
        f"{context['connections']} connections, gunicorn -w {context['workers']}, "
        f"median of {context['rounds']} rounds of {context['seconds']:g} s; "
        "cold ms: each page's first request on the fresh server, before anything is kept"
    )
    return "\n".join(lines)


def to_json(results: list[Result], context: dict, meta: dict) -> str:
    login_rps = context["login_rps"] or 1
    return json.dumps(
        {
            **meta,
            **context,
            "pages": [
                {
                    "page": r.page.name,
                    "role": r.page.role,
                    "path": r.page.path,
                    "kind": r.page.kind,
                    "status": r.status,
                    "rps": r.median_rps,
                    "rps_rounds": r.rps,
                    "ratio_login": r.median_rps / login_rps,
                    "ratio_hello": r.median_rps / (context["hello_rps"] or 1),
                    "p50_ms": r.median_p50,
                    "p99_ms": r.median_p99,
                    "sql_statements": r.sql,
                    "bytes": r.size,
                    "first_byte_s": r.first_byte_s,
                    "single_request_s": r.single_s,
                    "cold_ms": r.cold_ms,
                    "workers_max_rss_mb_after": r.workers_rss_mb,
                    "explain": r.explain,
                    "main_query": r.plan,
                    "pass": not r.failures,
                    "failures": r.failures,
                }
                for r in results
            ],
        },
        indent=2,
        default=str,
    )
