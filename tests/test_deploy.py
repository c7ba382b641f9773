"""The deployment files in deploy/, as shipped: nginx and Caddy run as real processes on loopback
ports in front of a real receiver (a submit and a slow-body attack through each), the systemd
unit checked by `systemd-analyze`, the container file read for what can be checked without a
container engine (none runs in CI): base image, user, and the README's commands.

The proxies are started by tests/proxy_kit.py (the bench uses it too).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytest.importorskip("aiosmtpd")

from proxy_kit import DEPLOY, SERVER_NAME, ProxyProcess  # noqa: E402
from receiver_kit import LOOPBACK, ReceiverProcess, SmtpSink, free_port, write_site  # noqa: E402
from test_receiver_framing import FORM_TYPE, exchange, post_head, statuses  # noqa: E402
from test_receiver_http import SECRET, SITE, form  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    root = tmp_path_factory.mktemp("deploy")
    sink = SmtpSink().start()
    port = free_port()
    site = write_site(
        root / "site",
        base_url=f"{SITE}/",
        action=f"http://127.0.0.1:{port}/requests",
        contact={"rate_limit": 1000, "min_fill_seconds": 1.0, "from_email": "m@example.org"},
    )
    process = ReceiverProcess(
        site,
        root / "requests.sqlite3",
        smtp_port=sink.port,
        port=port,
        args=("--trusted-proxy", "127.0.0.1"),
        env={"MENTORSITE_RECEIVER_SECRET": SECRET},
    )
    try:
        yield process.start()
    finally:
        code = process.stop()
        sink.stop()
    assert code == 0
    assert "Traceback" not in process.output(), process.output()


@pytest.fixture(scope="module")
def nginx(receiver, tmp_path_factory):
    proxy = ProxyProcess("nginx", tmp_path_factory.mktemp("nginx"), receiver.port).start()
    yield proxy.port
    proxy.stop()


@pytest.fixture(scope="module")
def caddy(receiver, tmp_path_factory):
    proxy = ProxyProcess("caddy", tmp_path_factory.mktemp("caddy"), receiver.port).start()
    yield proxy.port
    proxy.stop()


@pytest.fixture(params=["nginx", "caddy"])
def proxy(request) -> int:
    return request.getfixturevalue(request.param)


def submit(port: int, name: str) -> list[int]:
    token = exchange(
        port, b"GET /requests/token HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % SERVER_NAME.encode()
    )
    body = urlencode(form(mentor="ana-example", name=name)).encode()
    head = post_head(FORM_TYPE, f"Content-Length: {len(body)}", "Connection: close").replace(
        b"Host: receiver", b"Host: " + SERVER_NAME.encode()
    )
    return statuses(token) + statuses(exchange(port, head + body))


def test_a_request_goes_through_the_proxy(receiver, proxy):
    """Token and post through the shipped configuration: 200 then 201, and the receiver sees
    the client (the proxy's X-Forwarded-For), so no request is refused as from an untrusted proxy."""
    assert submit(proxy, "Through The Proxy") == [200, 201]


def test_slow_bodies_through_the_proxy_do_not_reach_the_receiver(receiver, proxy):
    """Forty bodies trickling in through the proxy (five times the receiver's workers, from four
    addresses: the proxies cap connections per client too) are buffered by the proxy; a person's
    request meanwhile is answered within a second."""
    held = []
    try:
        for i in range(40):
            sock = socket.create_connection((LOOPBACK, proxy), timeout=10, source_address=(f"127.0.7.{i % 4 + 1}", 0))
            sock.sendall(
                post_head(FORM_TYPE, "Content-Length: 3000").replace(
                    b"Host: receiver", b"Host: " + SERVER_NAME.encode()
                )
                + b"a="
            )
            held.append(sock)
        time.sleep(0.5)
        start = time.monotonic()
        assert submit(proxy, "Person Under Attack") == [200, 201]
        assert time.monotonic() - start < 1.0
    finally:
        for sock in held:
            sock.close()


def _systemd_root(tmp_path: Path) -> Path:
    """A root directory for `systemd-analyze --root`: the distribution's units, the shipped unit,
    and a stand-in for the executables it names (they live on the server, not here)."""
    root = tmp_path / "root"
    shutil.copytree("/lib/systemd/system", root / "lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(DEPLOY / "mentorsite-receiver.service", root / "etc/systemd/system")
    unit = (DEPLOY / "mentorsite-receiver.service").read_text()
    for line in unit.splitlines():
        if line.startswith(("ExecStart=", "ExecReload=")):
            executable = root / line.split("=", 1)[1].split()[0].lstrip("/")
            executable.parent.mkdir(parents=True, exist_ok=True)
            executable.write_text("#!/bin/sh\n")
            executable.chmod(0o755)
    return root


def test_systemd_unit_verifies_and_is_sandboxed(tmp_path):
    """`systemd-analyze verify` finds nothing to say (unknown keys would be reported), and the
    offline security review rates the unit's exposure OK (below 2 of 10)."""
    root = _systemd_root(tmp_path)
    verify = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "mentorsite-receiver.service"], capture_output=True, text=True
    )
    assert (verify.returncode, verify.stdout, verify.stderr) == (0, "", "")
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", f"--root={root}", "mentorsite-receiver.service"],
        capture_output=True,
        text=True,
    )
    level = re.search(r"Overall exposure level for mentorsite-receiver\.service: ([0-9.]+) (\w+)", security.stdout)
    assert level and float(level.group(1)) < 2.0 and level.group(2) == "OK", security.stdout
    unit = (DEPLOY / "mentorsite-receiver.service").read_text()
    for setting in (
        "DynamicUser=yes",
        "StateDirectory=mentorsite-receiver",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
    ):
        assert f"\n{setting}\n" in unit


def _instructions(path: Path) -> list[tuple[str, str]]:
    """A container file's instructions (continuation lines joined, comments left out)."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines() if line.strip()]


def test_containerfile_runs_the_readme_command_as_a_user(tmp_path):
    """No container engine runs in CI, so what can be checked is checked: the base image, a
    non-root user, and that its build and run commands are the ones the README gives."""
    steps = _instructions(DEPLOY / "Containerfile")
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [value for kind, value in steps if kind == "USER"]
    assert users == ["mentorsite"]
    assert [i for i, (kind, _) in enumerate(steps) if kind == "USER"][0] > max(
        i for i, (kind, _) in enumerate(steps) if kind == "RUN"
    )
    readme = (ROOT / "README.md").read_text()
    assert shlex.join(json.loads(dict(steps)["CMD"])) in readme
    install = [value for kind, value in steps if kind == "RUN"][-1].split(" && ")[0]
    assert install == "python -m pip install -c constraints/locked.txt ." and install in readme
    assert "podman build -f deploy/Containerfile -t mentorsite-receiver ." in readme
