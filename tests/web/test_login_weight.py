"""The login page is light (issue 14): the page plus every file it loads (its <link>, <script> and
<img>) is at most 150 KB transferred, the static files are served compressed (brotli or gzip) and,
under the production storage (config/settings.py STORAGES: CompressedManifestStaticFilesStorage
when PRODUCTION), by hashed names cached for at least a year.

The production storage is exercised for real: `collectstatic` into a temporary STATIC_ROOT with
that storage, then whitenoise (WHITENOISE_USE_FINDERS off, as in production) serves from it to
Django's test client asking with `Accept-Encoding`. Compressing every app's files (admin,
viewflow, the API docs: ~180 MB with the .br/.gz copies, ~150 s) is too slow for this suite, so
the weight test collects only web/static, where every file the login page loads lives (asserted);
the whole collection is checked with the same storage, compression left out, by
test_collectstatic_with_the_production_storage_succeeds.
"""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIMIT = 150 * 1024
YEAR = 365 * 24 * 3600
PRODUCTION_STORAGE = "core.storage.StaticFilesStorage"  # config/settings.py under PRODUCTION
WEB_STATIC = Path(django_settings.BASE_DIR) / "web" / "static"
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


class _Assets(HTMLParser):
    """The URLs of what a browser fetches to show the page: stylesheets, icons, preloads,
    scripts, images (data: URLs are inside the page already)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = None
        if tag == "link" and attrs.get("rel") in {
            "stylesheet",
            "icon",
            "preload",
            "modulepreload",
            "manifest",
            "apple-touch-icon",
        }:
            url = attrs.get("href")
        elif tag in {"script", "img"}:
            url = attrs.get("src")
        if url and not url.startswith("data:"):
            self.urls.append(url)


def _assets(html: bytes) -> list[str]:
    parser = _Assets()
    parser.feed(html.decode())
    return parser.urls


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _decompress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return gzip.decompress(body)


def _max_age(cache_control: str) -> int:
    found = re.search(r"max-age=(\d+)", cache_control or "")
    return int(found.group(1)) if found else 0


@pytest.fixture
def production_static(settings, tmp_path):
    """The production storage and serving, with web/static collected into a temporary folder."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    settings.WHITENOISE_USE_FINDERS = False
    settings.STATICFILES_DIRS = [WEB_STATIC]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


def test_login_page_and_its_files_in_production(production_static):
    # A new client: its handler builds the middleware (whitenoise) under the settings above.
    browser = Client(HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    page = browser.get(reverse("login"))
    assert page.status_code == 200
    html = _body(page)
    urls = _assets(html)
    assert len(urls) >= 2, urls  # the stylesheet and the scripts
    transferred = {"page": len(html)}  # the page itself is not compressed by the app
    for url in urls:
        assert url.startswith("/static/tiaojie/"), url
        assert HASHED.search(url), f"{url}: not a hashed (versioned) name"
        answer = browser.get(url)
        assert answer.status_code == 200, url
        body = _body(answer)
        # brotli when the `brotli` module is installed at collectstatic (whitenoise writes .br
        # files then; here it comes with geventhttpclient, not a declared dependency), gzip always
        encoding = answer["Content-Encoding"]
        assert encoding in {"br", "gzip"}, url
        assert _max_age(answer["Cache-Control"]) >= YEAR, (url, answer["Cache-Control"])
        assert "immutable" in answer["Cache-Control"], url
        original = (production_static / url.removeprefix("/static/")).read_bytes()
        assert _decompress(body, encoding) == original, url
        assert len(body) < len(original), url
        transferred[url] = len(body)
    total = sum(transferred.values())
    print(f"login.transferred_bytes: {total} {transferred}")
    assert total <= LIMIT, transferred

    # a browser that only speaks gzip gets gzip; one that asks for nothing gets the file as is
    for encoding, expected in (("gzip", "gzip"), ("identity", None)):
        other = Client(HTTP_ACCEPT_ENCODING=encoding)
        answer = other.get(urls[0])
        assert answer.get("Content-Encoding") == expected, encoding
        body = gzip.decompress(_body(answer)) if expected == "gzip" else _body(answer)
        assert body == (production_static / urls[0].removeprefix("/static/")).read_bytes()

    # the unhashed name is still served, but not cached as if it could never change
    plain = HASHED.sub(lambda m: "." + m.group(0).rsplit(".", 1)[1], urls[0])
    assert plain != urls[0]
    answer = browser.get(plain)
    assert answer.status_code == 200
    assert "immutable" not in answer["Cache-Control"]
    assert _max_age(answer["Cache-Control"]) < YEAR


def test_login_page_and_its_files_in_development(client):
    """`make run` without PRODUCTION: whitenoise serves from the app folders (finders), neither
    compressed nor hashed, cached 60 s; even so the page and its files stay under the limit."""
    page = client.get(reverse("login"), HTTP_ACCEPT_ENCODING="gzip, br")
    html = _body(page)
    sizes = {"page": len(html)}
    for url in _assets(html):
        answer = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert answer.status_code == 200, url
        assert "Content-Encoding" not in answer, url
        assert _max_age(answer["Cache-Control"]) == 60, url
        sizes[url] = len(_body(answer))
    assert len(sizes) >= 3, sizes
    print(f"login.development_bytes: {sum(sizes.values())} {sizes}")
    assert sum(sizes.values()) <= LIMIT, sizes


def test_collectstatic_with_the_production_storage_succeeds(settings, tmp_path, monkeypatch):
    """`manage.py collectstatic` under PRODUCTION (docs/DEPLOY.md, `make run`) with every app's
    files: the manifest storage rewrites each CSS url() to a hashed name and refuses a CSS file
    that points at a file that does not exist. Compression is left out here (slow, and checked
    on the login page's files above)."""
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "compress_files", lambda s, p: [])
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", "--noinput", verbosity=0)
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert '"tiaojie/tiaojie.css"' in manifest
    # viewflow's font files it does not ship are tolerated; any other missing file is not
    from core.storage import StaticFilesStorage

    storage = StaticFilesStorage(location=tmp_path / "static")
    assert storage.hashed_name("viewflow/fonts/roboto/x/Roboto-Thin.woff2").endswith(".woff2")
    with pytest.raises(ValueError):
        storage.hashed_name("tiaojie/missing.css")
