"""What a plain HTTP client sees from the real application server (gunicorn, as deployed): a
body over the limit is answered 413 in JSON, not with a reset connection (urllib sends the whole
body before reading the answer)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    port = _free_port()
    env = os.environ | {
        "DATA_UPLOAD_MAX_MEMORY_SIZE": "4096",
        "TIAOJIE_VAR_DIR": str(tmp_path_factory.mktemp("var")),
    }
    env.pop("DATABASE_URL", None)  # the refusal comes before any query but the cache's:
    env.pop("CACHE_URL", None)  # the token throttles read the (database) cache first
    subprocess.run(
        [sys.executable, "manage.py", "createcachetable"],
        cwd=ROOT, env=env, capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/api/schema/", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.mark.parametrize("size", [10_000, 10_000_000])
def test_oversized_body_gets_its_413_on_a_plain_client(gunicorn, size):
    body = json.dumps({"username": "clerk", "password": "x" * size}).encode()
    request = urllib.request.Request(
        f"{gunicorn}/api/v1/auth/token/", data=body, headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)
    assert answer.value.code == 413
    assert json.loads(answer.value.read())["error"]["code"] == "too_large"
