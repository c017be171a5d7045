"""Uploaded and generated files on an S3-compatible store (issue 14): STORAGE_BACKEND=s3
selects django-storages from the environment. The storage is constructed, never called: no
network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage, storages
from django.utils import timezone
from storages.backends.s3 import S3Storage

from hubportal.imports import IMPORT_FILES, sweep_import_files
from hubportal.settings import file_storage, file_storage_origins

ROOT = Path(__file__).resolve().parents[2]
S3_ENV = {
    "STORAGE_BACKEND": "s3",
    "S3_BUCKET": "hub-files",
    "S3_ENDPOINT_URL": "http://minio.internal:9000",
    "S3_REGION": "cn-south-1",
    "S3_ACCESS_KEY_ID": "key-id",
    "S3_SECRET_ACCESS_KEY": "secret",
    "S3_PREFIX": "/portal/",
    "S3_ADDRESSING_STYLE": "path",
}


def test_the_local_folder_by_default():
    assert file_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert file_storage({"STORAGE_BACKEND": "local"})["BACKEND"].endswith("FileSystemStorage")
    assert isinstance(storages["default"], FileSystemStorage)


def test_s3_is_built_from_the_environment_without_a_request():
    storage = storages.create_storage(file_storage(S3_ENV))
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "hub-files"
    assert storage.endpoint_url == "http://minio.internal:9000"
    assert storage.region_name == "cn-south-1"
    assert storage.access_key == "key-id" and storage.secret_key == "secret"
    assert storage.location == "portal"
    assert storage.addressing_style == "path"
    # private files, and a taken name is kept as on disk instead of overwritten
    assert storage.default_acl is None and storage.querystring_auth is True
    assert storage.file_overwrite is False
    # a signed link is computed locally (no request): it names the bucket and the prefix
    url = storage.url("private/imports/2026/12/a.xlsx")
    assert url.startswith("http://minio.internal:9000/hub-files/portal/private/imports/2026/12/a.xlsx?")
    assert "Signature=" in url or "X-Amz-Signature=" in url


def test_photos_on_the_store_are_allowed_by_the_content_security_policy():
    """Pages show photos through the storage's links: on S3 those leave this server, and the
    policy's img-src must name the store or every photo is blocked."""
    assert file_storage_origins(file_storage({})) == []
    assert file_storage_origins(file_storage(S3_ENV)) == ["http://minio.internal:9000"]
    virtual = {**S3_ENV, "S3_ADDRESSING_STYLE": ""}
    assert file_storage_origins(file_storage(virtual)) == [
        "http://minio.internal:9000",
        "http://hub-files.minio.internal:9000",
    ]
    # the link a page writes (computed by boto3, no request) is on one of those origins
    keys = {"S3_ACCESS_KEY_ID": "key-id", "S3_SECRET_ACCESS_KEY": "secret"}
    for environ in (
        S3_ENV,
        virtual,
        {"STORAGE_BACKEND": "s3", "S3_BUCKET": "hub-files", **keys},
        {"STORAGE_BACKEND": "s3", "S3_BUCKET": "hub-files", "S3_REGION": "eu-west-1", **keys},
        {"STORAGE_BACKEND": "s3", "S3_BUCKET": "hub-files", "S3_REGION": "cn-north-1", **keys},
        {"STORAGE_BACKEND": "s3", "S3_BUCKET": "hub-files", "S3_REGION": "cn-north-1",
         "S3_ADDRESSING_STYLE": "path", **keys},
    ):  # fmt: skip
        link = storages.create_storage(file_storage(environ)).url("incubation/photos/a.jpg")
        origins = file_storage_origins(file_storage(environ))
        assert any(link.startswith(origin + "/") for origin in origins), (link, origins)


def test_s3_leaves_credentials_to_boto3_when_none_are_given():
    options = file_storage({"STORAGE_BACKEND": "S3", "S3_BUCKET": "hub-files"})["OPTIONS"]
    assert options["bucket_name"] == "hub-files"
    assert "access_key" not in options and "endpoint_url" not in options


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"STORAGE_BACKEND": "s3"}, "needs S3_BUCKET"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "  "}, "needs S3_BUCKET"),
        ({"STORAGE_BACKEND": "ftp"}, "must be local or s3, not 'ftp'"),
    ],
)
def test_a_storage_setting_that_cannot_work_is_refused_with_a_message(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        file_storage(environ)


def test_the_settings_switch_selects_s3_in_a_fresh_process():
    """The environment variable as a deployment sets it, through settings and Django's storage
    handler (a process of its own: settings are read once)."""
    code = (
        "import json, django; django.setup();"
        "from django.core.files.storage import default_storage, storages;"
        "from django.conf import settings;"
        "s = storages['default']; default_storage.exists;"
        "print(json.dumps([type(s).__name__, type(default_storage._wrapped).__name__,"
        " s.bucket_name, s.endpoint_url, settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1]]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "STORAGE_"))}
    env.update(S3_ENV, DJANGO_SETTINGS_MODULE="hubportal.settings", SECRET_KEY="x" * 50)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        "S3Storage",
        "S3Storage",  # default_storage, which every app uses, is that storage
        "hub-files",
        "http://minio.internal:9000",
        "http://minio.internal:9000",  # the page's photos allowed by the policy
    ]


def test_import_files_are_swept_on_a_storage_that_is_not_a_folder(settings):
    """sweep_import_files walks the store through the storage API (listdir, modified time,
    delete), so it works on a bucket as on MEDIA_ROOT: here Django's in-memory storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    assert isinstance(storages["default"], InMemoryStorage) and not isinstance(
        storages["default"], FileSystemStorage
    )
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        old = default_storage.save(f"{IMPORT_FILES}/2026/01/old.xlsx", ContentFile(b"old"))
    new = default_storage.save(f"{IMPORT_FILES}/2026/12/new.xlsx", ContentFile(b"new"))
    assert sweep_import_files(hours=48) == 1
    assert not default_storage.exists(old) and default_storage.exists(new)
