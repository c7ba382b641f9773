"""The shipped reverse-proxy configurations (deploy/) run as real processes on loopback, for
tests/test_deploy.py and bench/slow_clients.py. Values go in through each file's documented
template mechanism: nginx's ${NAMES} filled as `envsubst` with a list of names does, Caddy's
{$NAMES} from the environment.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from receiver_kit import LOOPBACK, _death_signal, free_port

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
NGINX_NAMES = ("MENTORSITE_LISTEN", "MENTORSITE_SERVER_NAME", "MENTORSITE_RECEIVER")
#: The Host the proxies serve in tests and the bench.
SERVER_NAME = "receiver.test"


def fill_nginx_template(text: str, values: dict[str, str]) -> str:
    """What `envsubst '${A} ${B}'` does: replace the listed ${NAMES}, leave nginx's $variables."""
    assert set(values) == set(NGINX_NAMES)
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    assert not [line for line in text.splitlines() if "${" in line and not line.lstrip().startswith("#")]
    return text


class ProxyProcess:
    """nginx or Caddy with the shipped configuration, in front of a receiver on `upstream_port`."""

    def __init__(self, kind: str, work: Path, upstream_port: int):
        self.kind = kind
        self.work = work
        self.upstream = f"{LOOPBACK}:{upstream_port}"
        self.port = free_port()
        self.log = work / f"{kind}.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> tuple[list[str], dict[str, str]]:
        if self.kind == "caddy":
            env = {
                "MENTORSITE_SITE_ADDRESS": f"http://{SERVER_NAME}:{self.port}, http://{LOOPBACK}:{self.port}",
                "MENTORSITE_RECEIVER": self.upstream,
                "MENTORSITE_BIND": LOOPBACK,
                "CADDY_ADMIN": f"{LOOPBACK}:{free_port()}",
                "XDG_DATA_HOME": str(self.work / "data"),
                "XDG_CONFIG_HOME": str(self.work / "config"),
            }
            return ["caddy", "run", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"], env
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        site = fill_nginx_template(
            (DEPLOY / "nginx.conf").read_text(),
            {
                "MENTORSITE_LISTEN": f"{LOOPBACK}:{self.port}",
                "MENTORSITE_SERVER_NAME": SERVER_NAME,
                "MENTORSITE_RECEIVER": self.upstream,
            },
        )
        (self.work / "mentorsite-receiver.conf").write_text(site)
        # The main file a distribution ships, reduced to what a process of our own needs.
        temp = "\n".join(
            f"  {kind}_temp_path {self.work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main = self.work / "nginx.conf"
        main.write_text(
            f"pid {self.work / 'nginx.pid'};\nerror_log {self.work / 'error.log'} info;\n"
            f"worker_rlimit_nofile 4096;\nevents {{ worker_connections 2048; }}\n"
            f"http {{\n  access_log off;\n{temp}\n  include {self.work / 'mentorsite-receiver.conf'};\n}}\n"
        )
        check = subprocess.run([binary, "-t", "-p", str(self.work), "-c", str(main)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(check.stderr)
        return [binary, "-p", str(self.work), "-c", str(main), "-g", "daemon off;"], {}

    def start(self) -> ProxyProcess:
        self.work.mkdir(parents=True, exist_ok=True)
        command, env = self.command()
        with self.log.open("wb") as handle:
            self.proc = subprocess.Popen(
                command,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **env},
                preexec_fn=_death_signal(),
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{self.log.read_text()}")
            try:
                socket.create_connection((LOOPBACK, self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(self.log.read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
