"""The deployment of deploy/ on loopback ports, as processes a test or a benchmark starts: a
subprocess with its log (`Process`), a wait that fails as soon as one of them dies, and Debian's
nginx with deploy/nginx/tiaojie.conf turned into a loopback configuration. Used by the two-node
walk (tests/services/test_two_nodes.py) and the load test (bench/bench_load.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_NGINX = ROOT / "deploy" / "nginx" / "tiaojie.conf"


class NginxMissing(RuntimeError):
    pass


class Process:
    """A subprocess with its output in a log file."""

    def __init__(self, name: str, command: list[str], *, env: dict[str, str], folder: Path):
        self.name, self.log = name, folder / f"{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def alive(self) -> None:
        assert self.proc.poll() is None, f"{self.name} exited:\n{self.tail()}"

    def tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def wait_until(check, processes: list[Process], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for p in processes:
            p.alive()
        try:
            if check():
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or its first request still loading Django
        assert time.monotonic() < deadline, f"{what} did not happen in {timeout} s"
        time.sleep(0.3)


def start_node(name: str, port: int, *, env: dict[str, str], folder: Path) -> Process:
    """One web node as deploy/systemd runs it: gunicorn with deploy/gunicorn.conf.py on `port`."""
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    return Process(name, command, env=env | {"TIAOJIE_BIND": f"127.0.0.1:{port}"}, folder=folder)


def start_worker(name: str, *, env: dict[str, str], folder: Path) -> Process:
    """One Celery worker named `name@host`, one process, no gossip or mingle (quick to start)."""
    # `Nice=10` in deploy/systemd/tiaojie-worker.service: rendering yields to the web nodes
    command = ["nice", "-n", "10", sys.executable, "-m", "celery", "-A", "config", "worker"]
    command += ["--hostname", f"{name}@%h", "--concurrency", "1", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle"]
    return Process(name, command, env=env, folder=folder)


def wait_ready(ports: list[int], processes: list[Process]) -> None:
    """Every node on `ports` answers /readyz/ (database, cache, broker, storage all up)."""
    for port in ports:
        wait_until(
            lambda port=port: requests.get(f"http://127.0.0.1:{port}/readyz/", timeout=10).ok,
            processes,
            f"node on {port} ready",
        )


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if found is None:
        raise NginxMissing("nginx is missing: apt-get install -y nginx (.ci/run installs it)")
    return found


def nginx_config(prefix: Path, port: int, nodes: list[int]) -> str:
    """deploy/nginx/tiaojie.conf on loopback: its upstream with our nodes, its HTTPS server as
    plain HTTP on `port` (no certificate here), the port-80 redirect server left out, every path
    in `prefix`; and one header more, X-Upstream (the node that answered), for this test only."""
    site = DEPLOY_NGINX.read_text()
    site = re.sub(r"#.*", "", site)
    upstream = "\n".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;" for p in nodes)
    site, n = re.subn(  # its server lines replaced by ours, its other directives kept
        r"(upstream tiaojie_web \{)([^}]*?)(keepalive)",
        lambda m: (
            m[1] + re.sub(r"\s*server [^;]*;", "", m[2]).rstrip() + f"\n{upstream}\n    {m[3]}"
        ),
        site,
    )
    assert n == 1, "deploy/nginx/tiaojie.conf: no upstream tiaojie_web block"
    servers = [m.start() for m in re.finditer(r"^server \{", site, flags=re.M)]
    assert len(servers) == 2, "deploy/nginx/tiaojie.conf: expected the HTTP and HTTPS servers"
    site = site[: servers[0]] + site[servers[1] :]  # the HTTPS server only
    site = re.sub(r"^\s*listen .*;$", "", site, flags=re.M)
    site = re.sub(r"^\s*ssl_\w+ .*;$", "", site, flags=re.M)
    site = site.replace("server_name tiaojie.example.gov.cn;", f"listen 127.0.0.1:{port};")
    site = site.replace("/srv/tiaojie/var/static/", f"{prefix}/static/")
    site, n = re.subn(
        r"(location / \{)", r"\1\n        add_header X-Upstream $upstream_addr always;", site
    )
    assert n == 1, "deploy/nginx/tiaojie.conf: no `location /`"
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix}/access.log;
{temp}
{site}
}}
"""


def start_nginx(folder: Path, port: int, nodes: list[int]) -> Process:
    """nginx as an unprivileged process: when the tests run as root (CI), as `nobody`, in a
    prefix folder of its own with its pid file there."""
    prefix = Path(tempfile.mkdtemp(prefix="tiaojie-nginx-"))
    (prefix / "static").mkdir()
    (prefix / "nginx.conf").write_text(nginx_config(prefix, port, nodes))
    command = [nginx_binary(), "-p", str(prefix), "-e", str(prefix / "error.log")]
    command += ["-c", str(prefix / "nginx.conf")]
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        for path in [prefix, *prefix.rglob("*")]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        command = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}"] + [
            "--clear-groups",
            *command,
        ]
    check = subprocess.run(command + ["-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, (
        f"nginx -t:\n{check.stderr}\n{(prefix / 'nginx.conf').read_text()}"
    )
    process = Process("nginx", command, env=dict(os.environ), folder=folder)
    process.prefix = prefix  # type: ignore[attr-defined]
    return process
