"""The user's own S3-compatible bucket, where a local file waits a few minutes for HitPaw.

HitPaw only fetches public links, so a local file sent to it is put in the user's bucket
(AWS S3, Cloudflare R2, Backblaze B2, Wasabi, MinIO), shared by a presigned GET link that
lives 15 minutes, and deleted as soon as its job ends. Nothing else touches the bucket.

boto3 (about 300 ms of imports and a JSON service model) is imported inside the functions
that need it, on the worker thread that first needs it: the window's start-up is unchanged.
Every failure becomes a ``StorageError`` whose ``str()`` is one sentence a designer can act
on (``storage_errors``). The secret never appears in a repr, a sentence or the log, and a
presigned link (a credential while it lives) is logged only as its host and key prefix.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from desktop_app.storage_errors import StorageError, describe, describe_link_answer

if TYPE_CHECKING:
    from botocore.client import BaseClient

log = logging.getLogger(__name__)

BUCKET_ENV = "CUTOUT_UPLOAD_BUCKET"
UPLOAD_FOLDER = "cutout-uploads/"      # Cutout deletes only under <prefix>cutout-uploads/
LINK_LIFETIME = 15 * 60                # seconds a presigned link stays valid
LEFTOVER_AGE = 2 * LINK_LIFETIME       # an object this old is of no use to anyone's job
MULTIPART_THRESHOLD = 16 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024            # S3's minimum part is 5 MB
_TEST_BYTES = b"Cutout storage test: this object is deleted at once.\n"

__all__ = ["BUCKET_ENV", "LINK_LIFETIME", "Storage", "StorageConfig", "StorageError",
           "UploadStopped", "split_bucket", "storage_from_env"]


class UploadStopped(Exception):
    """The upload was abandoned because the job was cancelled, paused or Cutout closed."""


def split_bucket(value: str) -> tuple[str, str]:
    """``"bucket"`` or ``"bucket/some/prefix"`` -> (bucket, prefix ending in "/" or "")."""
    value = value.strip().strip("/")
    bucket, _, prefix = value.partition("/")
    return bucket.strip(), normal_prefix(prefix)


def normal_prefix(prefix: str) -> str:
    prefix = prefix.strip().strip("/")
    return f"{prefix}/" if prefix else ""


@dataclass(frozen=True)
class StorageConfig:
    """Where to put uploads and with which credentials.

    ``use_profile``: let boto3 find the credentials as the AWS tools do (environment
    variables, the named ``profile`` or the default one in ~/.aws, SSO); otherwise
    ``access_key_id`` and ``secret_access_key`` are used. ``endpoint_url`` is None for AWS
    itself, and the provider's S3 address for R2, B2, Wasabi or MinIO.
    """

    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    use_profile: bool = False
    profile: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefix", normal_prefix(self.prefix))
        object.__setattr__(self, "endpoint_url", (self.endpoint_url or "").strip() or None)
        object.__setattr__(self, "region", (self.region or "").strip() or None)

    def __repr__(self) -> str:  # never the secret
        where = self.endpoint_host or "AWS"
        return f"StorageConfig({self.bucket!r}, prefix={self.prefix!r}, at {where})"

    @property
    def upload_prefix(self) -> str:
        """The only part of the bucket Cutout writes to and sweeps."""
        return f"{self.prefix}{UPLOAD_FOLDER}"

    @property
    def endpoint_host(self) -> str:
        return urlsplit(self.endpoint_url).netloc if self.endpoint_url else ""

    @property
    def where(self) -> str:
        """The bucket as a designer would name it in a sentence."""
        return (f"\u201c{self.bucket}\u201d at {self.endpoint_host}" if self.endpoint_url
                else f"\u201c{self.bucket}\u201d")

    @property
    def complete(self) -> bool:
        """Enough to try an upload (whether the keys are right only the storage can say)."""
        return bool(self.bucket) and (self.use_profile or bool(
            self.access_key_id and self.secret_access_key))

    def with_secret(self, secret: str) -> StorageConfig:
        return replace(self, secret_access_key=secret)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> StorageConfig | None:
        """The CLI's storage: ``CUTOUT_UPLOAD_BUCKET`` plus AWS's own settings, or None.

        Credentials, profile and region are left to boto3's usual chain (AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY, AWS_PROFILE, AWS_DEFAULT_REGION, ~/.aws); the endpoint is read
        here (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL) so that sentences can name it.
        """
        env = os.environ if environ is None else environ
        bucket, prefix = split_bucket(env.get(BUCKET_ENV, ""))
        if not bucket:
            return None
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or None
        return cls(bucket, prefix, endpoint, region, use_profile=True,
                   profile=env.get("AWS_PROFILE", ""))


def storage_from_env(environ: dict[str, str] | None = None) -> Storage | None:
    """The storage the environment sets up (CLI and scripts), or None."""
    config = StorageConfig.from_env(environ)
    return Storage(config) if config is not None else None


class _Progress:
    """Adds up s3transfer's progress reports (from its threads) into a rising count, which
    the uploading thread passes on: the caller hears of progress on its own thread only.

    s3transfer reports a retried part by taking its bytes back (negative amounts); the
    designer sees the highest count reached, so the row's percentage never goes back.
    """

    def __init__(self, total: int, report: Callable[[int, int], None] | None) -> None:
        self.total, self.report = total, report
        self.done = self.highest = self.reported = 0
        self.lock = threading.Lock()

    def add(self, amount: int) -> None:   # on s3transfer's threads
        with self.lock:
            self.done += amount
            self.highest = max(self.highest, min(self.done, self.total))

    def pass_on(self) -> None:            # on the uploading thread
        with self.lock:
            highest = self.highest
        if highest > self.reported and self.report is not None:
            self.reported = highest
            self.report(highest, self.total)


class Storage:
    """Put, share, delete: the three things Cutout does with the user's bucket.

    One S3 client per Storage, made on first use on a worker thread (boto3 clients are
    thread-safe; its sessions are not, so the session lives only while the client is made).
    """

    def __init__(self, config: StorageConfig, *, max_attempts: int = 5,
                 connect_timeout: float = 10.0, read_timeout: float = 60.0,
                 multipart_threshold: int = MULTIPART_THRESHOLD,
                 part_size: int = PART_SIZE) -> None:
        self.config = config
        self.max_attempts = max_attempts
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.multipart_threshold, self.part_size = multipart_threshold, part_size
        self._client: BaseClient | None = None
        self._lock = threading.Lock()
        if config.secret_access_key:
            from desktop_app.logs import register_secret

            register_secret(config.secret_access_key)

    def __repr__(self) -> str:
        return f"Storage({self.config!r})"

    # -- the client ---------------------------------------------------------------------
    def client(self) -> BaseClient:
        with self._lock:
            if self._client is None:
                try:
                    self._client = self._make_client()
                except StorageError:
                    raise
                except Exception as err:  # noqa: BLE001 - profile, region... one sentence
                    raise describe(err, self.config) from None
            return self._client

    def _make_client(self) -> BaseClient:
        import boto3
        from botocore.config import Config

        cfg = self.config
        if not cfg.use_profile and not (cfg.access_key_id and cfg.secret_access_key):
            raise StorageError("credentials", "The storage's access key id or secret is "
                               "missing: enter both in Settings > Storage.")
        if cfg.use_profile:
            session = boto3.session.Session(profile_name=cfg.profile or None)
        else:
            session = boto3.session.Session(aws_access_key_id=cfg.access_key_id,
                                            aws_secret_access_key=cfg.secret_access_key)
        other = {}
        if cfg.endpoint_url:
            # R2, B2, MinIO and Wasabi all take path-style addresses, and some reject the
            # newer default checksums that only AWS itself requires.
            other = {"s3": {"addressing_style": "path"},
                     "request_checksum_calculation": "when_required",
                     "response_checksum_validation": "when_required"}
        config = Config(signature_version="s3v4",
                        retries={"mode": "standard", "max_attempts": self.max_attempts},
                        connect_timeout=self.connect_timeout, read_timeout=self.read_timeout,
                        # settings given in the window are not overridden by the environment
                        ignore_configured_endpoint_urls=not cfg.use_profile, **other)
        return session.client("s3", endpoint_url=cfg.endpoint_url,
                              region_name=cfg.region, config=config)

    # -- keys -------------------------------------------------------------------------
    def new_key(self, suffix: str) -> str:
        """An unguessable key under Cutout's folder; never the file's own name, which may
        say more than the designer means to share (a client, a place, a person)."""
        return f"{self.config.upload_prefix}{secrets.token_urlsafe(24)}{suffix.lower()}"

    def owns(self, key: str | None) -> bool:
        return bool(key) and key.startswith(self.config.upload_prefix)

    # -- put, share, delete ------------------------------------------------------------
    def put(self, path: Path | str, key: str, *, content_type: str = "application/octet-stream",
            on_progress: Callable[[int, int], None] | None = None,
            should_stop: Callable[[], bool] | None = None) -> None:
        """Upload a file, in parts above the threshold, each request retried on transient
        errors. ``on_progress(done, total)`` is called on this thread, ten times a second at
        most, and only rises; ``should_stop`` is asked as often, and a True abandons the
        upload (``UploadStopped``)."""
        from boto3.s3.transfer import TransferConfig, create_transfer_manager
        from s3transfer.subscribers import BaseSubscriber

        path = Path(path)
        progress = _Progress(path.stat().st_size, on_progress)

        class Subscriber(BaseSubscriber):
            def on_progress(self, future, bytes_transferred, **kwargs):  # noqa: ARG002
                progress.add(bytes_transferred)

        client = self.client()
        transfer = TransferConfig(multipart_threshold=self.multipart_threshold,
                                  multipart_chunksize=self.part_size, max_concurrency=4,
                                  use_threads=True, preferred_transfer_client="classic")
        log.info("uploading %s bytes to %s", progress.total, self._where(key))
        manager = create_transfer_manager(client, transfer)
        finished = False
        try:
            future = manager.upload(str(path), self.config.bucket, key,
                                    extra_args={"ContentType": content_type},
                                    subscribers=[Subscriber()])
            while not future.done():
                progress.pass_on()
                if should_stop is not None and should_stop():
                    future.cancel()
                    raise UploadStopped()
                time.sleep(0.1)
            future.result()
            progress.pass_on()
            finished = True
        except UploadStopped:
            raise
        except Exception as err:  # noqa: BLE001 - botocore's and s3transfer's many kinds
            raise describe(err, self.config, uploading=True) from None
        finally:
            manager.shutdown(cancel=True)
            if not finished:
                self._abort_parts(client, key)

    def _abort_parts(self, client, key: str) -> None:
        """Abort what a stopped or failed upload in parts left open: s3transfer aborts the
        upload it knows of, but one whose start answered after the cancel would stay, and a
        bucket bills parts until they are aborted."""
        try:
            listed = client.list_multipart_uploads(Bucket=self.config.bucket, Prefix=key)
            for upload in listed.get("Uploads", []):
                if upload.get("Key") == key:
                    client.abort_multipart_upload(Bucket=self.config.bucket, Key=key,
                                                  UploadId=upload["UploadId"])
        except Exception as err:  # noqa: BLE001 - best effort: the sweep at start-up remains
            log.info("could not abort the parts of an upload to %s: %s", self._where(key),
                     type(err).__name__)

    def presign_get(self, key: str, lifetime: int = LINK_LIFETIME) -> str:
        """A link anyone may GET for ``lifetime`` seconds: hand it to HitPaw, never log it."""
        try:
            return self.client().generate_presigned_url(
                "get_object", Params={"Bucket": self.config.bucket, "Key": key},
                ExpiresIn=int(lifetime))
        except StorageError:
            raise
        except Exception as err:  # noqa: BLE001
            raise describe(err, self.config) from None

    def check_link(self, url: str, timeout: float = 15.0) -> bytes:
        """GET the link's first byte as HitPaw will GET the file, without any key: proof
        that the object is there and the link answers (else the sentence why not)."""
        import requests

        try:
            with requests.get(url, headers={"Range": "bytes=0-0"}, timeout=(5.0, timeout),
                              stream=True) as answer:
                body = answer.raw.read(64 * 1024, decode_content=True)
                if answer.status_code in (200, 206):
                    return body
                raise describe_link_answer(answer.status_code, body, answer.headers,
                                           self.config)
        except requests.RequestException as err:
            raise describe(err, self.config) from None

    def delete(self, key: str) -> None:
        """Delete one object Cutout put there (deleting one that is gone is fine)."""
        if not self.owns(key):
            raise ValueError("Cutout deletes only what it uploaded")
        try:
            self.client().delete_object(Bucket=self.config.bucket, Key=key)
        except StorageError:
            raise
        except Exception as err:  # noqa: BLE001
            raise describe(err, self.config) from None
        log.info("deleted %s", self._where(key))

    def delete_leftovers(self, older_than: float = LEFTOVER_AGE) -> int:
        """Delete objects under Cutout's own folder older than ``older_than`` seconds (from
        a crash, here or on a teammate's computer sharing the prefix); younger ones may
        still be on their way to HitPaw. Returns how many were deleted; a key that may not
        list the bucket (no s3:ListBucket) deletes none, silently."""
        client = self.client()
        cutoff = time.time() - older_than
        old: list[str] = []
        try:
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=self.config.bucket, Prefix=self.config.upload_prefix)
            for page in pages:
                old += [item["Key"] for item in page.get("Contents", ())
                        if item["LastModified"].timestamp() < cutoff]
            for start in range(0, len(old), 1000):
                client.delete_objects(Bucket=self.config.bucket, Delete={
                    "Objects": [{"Key": k} for k in old[start:start + 1000]],
                    "Quiet": True})
        except Exception as err:  # noqa: BLE001
            problem = describe(err, self.config)
            if problem.kind == "denied":
                log.info("leftover sweep skipped: the key may not list %s", self.config.where)
                return 0
            raise problem from None
        if old:
            log.info("deleted %d leftover uploads under %s", len(old), self._where(""))
        return len(old)

    def test(self) -> str | None:
        """Put a tiny object, fetch it through a presigned link, delete it: None when all
        three work, else the one sentence saying what failed."""
        key = self.new_key(".txt")
        try:
            try:
                self.client().put_object(Bucket=self.config.bucket, Key=key,
                                         Body=_TEST_BYTES, ContentType="text/plain")
            except StorageError:
                raise
            except Exception as err:  # noqa: BLE001
                raise describe(err, self.config) from None
            try:
                first = self.check_link(self.presign_get(key, 60))
                if first != _TEST_BYTES[:1]:
                    return ("The storage answered the test link with something other than "
                            "the test file: check the endpoint address.")
            finally:
                self.delete(key)
        except StorageError as err:
            return str(err)
        return None

    def _where(self, key: str) -> str:
        """Host and the key's folder only: enough to find it, nothing that opens it."""
        host = self.config.endpoint_host or "s3.amazonaws.com"
        return f"{host}/{self.config.bucket}/{key.rsplit('/', 1)[0]}/"

