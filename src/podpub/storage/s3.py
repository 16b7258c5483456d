"""S3-compatible storage (AWS, R2, B2, MinIO, Spaces…) through boto3 — the only boto3 user.

Credentials come from boto3's own chain only; no message here ever contains one. Every botocore
exception becomes a StorageError a host can act on.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig

from podpub.callbacks import Progress
from podpub.errors import StorageConflict, StorageError
from podpub.files import temp_name
from podpub.show.config import StorageSettings, parse_s3_url, storage_url_problem
from podpub.storage.base import STALE_AFTER_S, ObjectInfo, Stored, content_type_for

# Multipart above 16 MiB (a two-hour episode at 128 kb/s is ~115 MB), four parts in flight.
TRANSFER = TransferConfig(
    multipart_threshold=16 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4
)
NO_CREDENTIALS = (
    "no credentials found — set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
    "(or run where an instance/role provides them)"
)


class S3Storage:
    def __init__(self, url: str, settings: StorageSettings) -> None:
        if problem := storage_url_problem(url):
            raise StorageError.at(url, problem)
        self.bucket, self.prefix = parse_s3_url(url)
        self.client = _client(settings, url)
        self.acl = settings.acl

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def preflight(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise self._error(exc, f"s3://{self.bucket}") from exc

    def head(self, key: str) -> ObjectInfo | None:
        try:
            found = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except botocore.exceptions.ClientError as exc:
            if _status(exc) == 404:
                return None
            raise self._error(exc, self.describe(key)) from exc
        except Exception as exc:
            raise self._error(exc, self.describe(key)) from exc
        return ObjectInfo(
            size=found["ContentLength"],
            sha256=found.get("Metadata", {}).get("sha256"),
            content_type=found.get("ContentType"),
        )

    def put_file(
        self, key: str, path: Path, sha256: str, cache_control: str, progress: Progress | None
    ) -> None:
        total = path.stat().st_size

        def sent(count: int) -> None:
            if progress:
                progress(count, total)

        try:
            self.client.upload_file(
                str(path),
                self.bucket,
                self._key(key),
                ExtraArgs=self._object_args(key, cache_control, sha256),
                Config=TRANSFER,
                Callback=sent,
            )
        except Exception as exc:
            raise self._error(exc, self.describe(key)) from exc

    def read(self, key: str) -> Stored | None:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            return Stored(found["Body"].read(), found["ETag"])
        except botocore.exceptions.ClientError as exc:
            if _code(exc) in {"NoSuchKey", "404"}:
                return None
            raise self._error(exc, self.describe(key)) from exc
        except Exception as exc:
            raise self._error(exc, self.describe(key)) from exc

    def get_file(self, key: str, path: Path) -> None:
        tmp = temp_name(path)
        try:
            self.client.download_file(self.bucket, self._key(key), str(tmp), Config=TRANSFER)
            os.replace(tmp, path)
        except Exception as exc:
            raise self._error(exc, self.describe(key)) from exc
        finally:
            tmp.unlink(missing_ok=True)

    def listing(self, prefix: str = "") -> dict[str, int]:
        found = {}
        start = len(self._key(""))
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key(prefix)
            )
            for page in pages:
                for item in page.get("Contents", []):
                    found[item["Key"][start:]] = int(item["Size"])
        except Exception as exc:
            raise self._error(exc, self.describe(prefix)) from exc
        return found

    def clean_up(self) -> list[str]:
        """Abort multipart uploads under this prefix that a killed run left unfinished: they
        are invisible, but the bucket bills their parts until they are aborted."""
        removed = []
        cutoff = datetime.now(UTC) - timedelta(seconds=STALE_AFTER_S)
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self._key("")
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < cutoff:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed.append(f"s3://{self.bucket}/{upload['Key']} (unfinished upload)")
        except Exception as exc:
            raise self._error(exc, f"s3://{self.bucket}/{self._key('')}") from exc
        return removed

    def write_if(self, key: str, data: bytes, cache_control: str, etag: str | None) -> None:
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                **self._object_args(key, cache_control),
                **condition,
            )
        except Exception as exc:
            raise self._error(exc, self.describe(key)) from exc

    def _object_args(
        self, key: str, cache_control: str, sha256: str | None = None
    ) -> dict[str, Any]:
        """boto3 never guesses a Content-Type: set it, the caching policy and our checksum."""
        args: dict[str, Any] = {"ContentType": content_type_for(key), "CacheControl": cache_control}
        if sha256:
            args["Metadata"] = {"sha256": sha256}
        if self.acl:
            args["ACL"] = self.acl
        return args

    def _error(self, exc: Exception, where: str) -> StorageError:
        return storage_error(exc, where, self.bucket, self.client.meta.endpoint_url)


def _client(settings: StorageSettings, url: str) -> Any:
    config = botocore.config.Config(
        retries={"mode": "standard"},  # attempts: AWS_MAX_ATTEMPTS or the profile, else 3
        s3={"addressing_style": settings.addressing_style},
        request_checksum_calculation=settings.checksum,
        response_checksum_validation=settings.checksum,
        connect_timeout=10,
        read_timeout=60,
    )
    try:
        session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region)
        return session.client("s3", endpoint_url=settings.endpoint_url, config=config)
    except botocore.exceptions.ProfileNotFound as exc:
        profile = exc.kwargs.get("profile")  # from podcast.toml or AWS_PROFILE
        raise StorageError.at(url, f"AWS profile {profile!r} is not configured") from exc
    except (botocore.exceptions.BotoCoreError, ValueError) as exc:
        raise StorageError.at(url, f"cannot set up the S3 client: {exc}") from exc


def storage_error(exc: Exception, where: str, bucket: str, endpoint: str) -> StorageError:
    """One message a host can act on, for every way boto3 can fail."""
    if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, Exception):
        exc = exc.__context__  # upload_file re-raises the ClientError as a plain message
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        return StorageError.at(where, NO_CREDENTIALS)
    if isinstance(
        exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectionError
    ):
        return StorageError.at(where, f"cannot reach endpoint {endpoint} ({type(exc).__name__})")
    if not isinstance(exc, botocore.exceptions.ClientError):
        return StorageError.at(where, f"{type(exc).__name__}: {exc}")
    code, status = _code(exc), _status(exc)
    if code in {"PreconditionFailed", "ConditionalRequestConflict"} or status in {409, 412}:
        return StorageConflict.at(where, "changed by another publisher since it was read")
    if code == "NoSuchBucket" or (status == 404 and where == f"s3://{bucket}"):
        return StorageError.at(where, f"bucket {bucket!r} does not exist at {endpoint}")
    if code in {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"}:
        return StorageError.at(
            where, f"the credentials were refused ({code}); check the AWS_* settings"
        )
    if code in {"AccessDenied", "AllAccessDisabled", "403"} or status == 403:
        return StorageError.at(where, f"access denied to {where}")
    message = exc.response.get("Error", {}).get("Message", "")
    attempts = int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
    return StorageError.at(where, f"S3 error {code} (HTTP {status}, {attempts} attempts) {message}")


def _code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: botocore.exceptions.ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
