"""Uploads are refused while they stream (SPEC §12, core/uploads.py): a 50 MB file sent to the
import page or the verify page is cut off — unread when its Content-Length already says too much,
after at most its limit and a chunk or two when it does not — with a Chinese page (JSON under
/api/), before the view runs; never a 500.

The bodies are produced on demand by `Body`, which counts what the server reads: 50 MB are never
held in memory and "bytes read" is measured, not assumed."""

from __future__ import annotations

import socket
import time

import pytest
from django.urls import reverse

from core import uploads
from supervision.models import AccessRecord

MB = 1024 * 1024
BOUNDARY = "----tiaojie-test-boundary"


class Body:
    """A multipart/form-data body: `fields`, then one file of `size` bytes, generated as read."""

    BLOCK = b"0123456789abcdef" * 4096  # 64 KB

    def __init__(self, size: int, *, fields: dict[str, str], filename: str = "big.xlsx"):
        head = b"".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        head += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        self.head, self.size, self.tail = head, size, f"\r\n--{BOUNDARY}--\r\n".encode()
        self.total = len(head) + size + len(self.tail)
        self.position = 0

    @property
    def read_bytes(self) -> int:
        return self.position

    def _at(self, start: int, n: int) -> bytes:
        head_end, file_end = len(self.head), len(self.head) + self.size
        out = bytearray()
        while n > 0 and start < self.total:
            if start < head_end:
                piece = self.head[start : start + n]
            elif start < file_end:
                offset = (start - head_end) % len(self.BLOCK)
                piece = self.BLOCK[offset : offset + min(n, file_end - start)]
            else:
                piece = self.tail[start - file_end : start - file_end + n]
            out += piece
            start += len(piece)
            n -= len(piece)
        return bytes(out)

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.total - self.position
        data = self._at(self.position, n)
        self.position += len(data)
        return data

    def readline(self, n: int = -1) -> bytes:
        raise AssertionError("the multipart parser reads in chunks, never lines")


def post(client, path: str, body: Body, *, content_length: int | None = None):
    """POST `body` to `path` through the whole middleware stack (the test client's handler),
    with the session of whoever `client` is logged in as."""
    return client.generic(
        "POST",
        path,
        b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.total if content_length is None else content_length),
        **{"wsgi.input": body},
    )


@pytest.fixture
def import_path(world):
    return reverse("cases:import", args=[world["east"].pk])


def verify_path(token: str = "no-such-token") -> str:
    return reverse("verify", args=[token])


def test_the_limits(settings):
    assert settings.TIAOJIE_UPLOAD_MAX_BYTES == {
        "default": 10 * MB,
        "import": 10 * MB,
        "verify": 20 * MB,
    }
    assert uploads.limit_for("import") == 10 * MB and uploads.limit_for("verify") == 20 * MB
    assert uploads.limit_for("something else") == 10 * MB
    middleware = settings.MIDDLEWARE
    assert middleware.index("core.uploads.UploadLimitMiddleware") < middleware.index(
        "django.middleware.csrf.CsrfViewMiddleware"
    )


# --- Content-Length says too much: nothing is read -------------------------------------------
def test_50_mb_to_the_import_page_is_refused_unread(client, clerk, import_path):
    client.force_login(clerk)
    body = Body(50 * MB, fields={"step": "check"})
    response = post(client, import_path, body)
    assert response.status_code == 413
    page = response.content.decode()
    assert 'id="upload-refused"' in page and "导入的登记表文件超过 10 MB 的上限" in page
    assert "已停止接收" in page
    assert body.read_bytes == 0
    assert not AccessRecord.objects.exists()  # the view (which logs every upload) never ran


def test_50_mb_to_the_verify_page_is_refused_unread(client):
    body = Body(50 * MB, fields={}, filename="document.pdf")
    response = post(client, verify_path(), body)
    # 413, not the 404 of the unknown token: refused before the view.
    assert response.status_code == 413
    assert "核对的 PDF 文件超过 20 MB 的上限" in response.content.decode()
    assert body.read_bytes == 0


def test_the_api_answers_json(client, clerk):
    client.force_login(clerk)
    body = Body(50 * MB, fields={})
    response = post(client, "/api/v1/cases/", body)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and "超过 10 MB" in error["message"]
    assert body.read_bytes == 0


# --- Content-Length within reach: cut off while streaming ------------------------------------
@pytest.fixture
def no_length_check(settings):
    """Let the body past the Content-Length check so that the streaming limit is what stops it
    (as for a body whose declared length is within the form's allowance)."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200 * MB


@pytest.mark.parametrize("where", ["import", "verify"])
def test_50_mb_is_cut_off_while_streaming(client, clerk, import_path, no_length_check, where):
    client.force_login(clerk)
    path = import_path if where == "import" else verify_path()
    body = Body(50 * MB, fields={"step": "check"} if where == "import" else {})
    response = post(client, path, body)
    limit = uploads.limit_for(where)
    assert response.status_code == 413
    assert f"超过 {limit // MB} MB 的上限" in response.content.decode()
    over = body.read_bytes - len(body.head) - limit
    print(f"{where}: read {body.read_bytes} of {body.total} bytes; {over} past the limit")
    assert limit < body.read_bytes <= len(body.head) + limit + uploads.CHUNK
    assert not AccessRecord.objects.exists()


def test_a_file_at_the_limit_passes_one_byte_more_does_not(client, clerk, import_path):
    client.force_login(clerk)
    limit = uploads.limit_for("import")
    body = Body(limit, fields={"step": "check"})
    response = post(client, import_path, body)
    # Through to the page: the bytes are no spreadsheet, which the import says in Chinese.
    assert response.status_code == 200
    assert "不是有效的 .xlsx 文件" in response.content.decode()
    assert body.read_bytes == body.total

    body = Body(limit + 1, fields={"step": "check"})
    response = post(client, import_path, body)
    assert response.status_code == 413  # (its last chunk holds the extra byte: read whole)


def test_the_verify_page_still_checks_a_pdf(client, register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = register()
    doc = case.documents.get()
    stored = doc.file.read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    same = client.post(verify_path(doc.token), {"file": SimpleUploadedFile("a.pdf", stored)})
    assert same.status_code == 200 and 'id="match"' in same.content.decode()
    assert "完全一致" in same.content.decode()
    other = client.post(verify_path(doc.token), {"file": SimpleUploadedFile("b.pdf", b"x" * MB)})
    assert "不一致" in other.content.decode()


def test_a_form_that_is_not_multipart_data_is_a_400_not_a_500(client, clerk, import_path):
    client.force_login(clerk)
    response = client.generic(
        "POST",
        import_path,
        b"garbage",
        content_type="multipart/form-data",  # no boundary
    )
    assert response.status_code == 400
    assert "上传的内容格式有误" in response.content.decode()


# --- over a real socket: the answer arrives while the client is still sending -----------------
@pytest.mark.django_db(transaction=True)
def test_the_answer_arrives_before_the_body_is_sent(live_server):
    host, port = live_server.thread.host, live_server.thread.port
    declared = 50 * MB
    head = (
        f"POST {verify_path()} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(head + Body(64 * 1024, fields={}).read(64 * 1024))
        answer = b""
        while b"</html>" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    seconds = time.perf_counter() - started
    status_line = answer.split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, answer[:200]
    assert "核对的 PDF 文件超过 20 MB 的上限" in answer.decode("utf-8", "replace")
    assert seconds < 5  # 64 KB of 50 MB sent: the server did not wait for the rest
    print(f"413 after sending 64 KB of a declared {declared} bytes, in {seconds:.3f} s")
