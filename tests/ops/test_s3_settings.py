"""The private storage's alias from the environment (config/env.py::env_s3_storage, core/s3.py):
unset is the local disk; TIAOJIE_S3_* make it a private bucket, and a half or wrong setting stops
start-up naming the variable, never its value. The S3 round trips themselves: tests/services/."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_s3_storage
from core.s3 import PrivateS3Storage
from core.storage import PrivateFileSystemStorage, private_storage

FULL = {
    "TIAOJIE_S3_BUCKET": "tiaojie-private",
    "TIAOJIE_S3_ENDPOINT_URL": "http://127.0.0.1:8333",
    "TIAOJIE_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
    "TIAOJIE_S3_SECRET_ACCESS_KEY": "s3cr3t-value",
}


@pytest.fixture
def env(monkeypatch):
    for name in [*FULL, "TIAOJIE_S3_REGION", "TIAOJIE_S3_LOCATION", "TIAOJIE_S3_ADDRESSING_STYLE"]:
        monkeypatch.delenv(name, raising=False)

    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_


def test_unset_is_the_local_disk(env, settings):
    assert env_s3_storage() is None
    assert settings.STORAGES["private"] == {"BACKEND": "core.storage.PrivateFileSystemStorage"}
    assert isinstance(private_storage(), PrivateFileSystemStorage)


def test_a_bucket_makes_a_private_s3_storage_with_no_address(env):
    env(**FULL, TIAOJIE_S3_LOCATION="/tiaojie/", TIAOJIE_S3_REGION="cn-north-1")
    found = env_s3_storage()
    assert found is not None and found["BACKEND"] == "core.s3.PrivateS3Storage"
    options = found["OPTIONS"]
    assert options["bucket_name"] == "tiaojie-private" and options["location"] == "tiaojie"
    assert options["region_name"] == "cn-north-1" and options["addressing_style"] == "path"
    store = PrivateS3Storage(**options)  # no request is made until a file is touched
    assert store.file_overwrite is False and store.default_acl is None
    assert store.client_config.connect_timeout == 2
    assert store.client_config.retries == {"max_attempts": 3, "mode": "standard"}
    with pytest.raises(ValueError, match="no address"):
        store.url("documents/2026/1-APP.pdf")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"TIAOJIE_S3_SECRET_ACCESS_KEY": ""}, "set both TIAOJIE_S3_ACCESS_KEY_ID"),
        ({"TIAOJIE_S3_ENDPOINT_URL": "ftp://s3cr3t-value@host"}, "ENDPOINT_URL has the scheme"),
        ({"TIAOJIE_S3_ENDPOINT_URL": "http://"}, "or no host"),
        ({"TIAOJIE_S3_ADDRESSING_STYLE": "sideways"}, "TIAOJIE_S3_ADDRESSING_STYLE"),
        ({"TIAOJIE_S3_CONNECT_TIMEOUT": "soon"}, "TIAOJIE_S3_CONNECT_TIMEOUT"),
    ],
)
def test_a_wrong_or_half_setting_stops_start_up(env, values, message):
    env(**(FULL | values))
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        env_s3_storage()
    assert "s3cr3t" not in str(error.value)
