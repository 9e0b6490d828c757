"""What went wrong with the user's storage, in one sentence a designer can act on.

botocore reports S3's refusals as error codes (``InvalidAccessKeyId``, ``NoSuchBucket``,
``RequestTimeTooSkewed``...) and network trouble as exception classes; a presigned link's
refusal is an XML body. All of them are mapped here, by kind, onto the same few sentences.
A sentence never quotes the server's message, an exception's text or a URL (a presigned
link is a credential), and never the secret: only the bucket, the endpoint's host, the
region and the error code.
"""

from __future__ import annotations

import errno
import re
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    from desktop_app.storage import StorageConfig

KEYS_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
              "TokenRefreshRequired", "InvalidSecurity", "InvalidClientTokenId",
              "UnrecognizedClientException", "XAmzContentSHA256Mismatch"}
DENIED_CODES = {"AccessDenied", "AllAccessDisabled", "AccountProblem", "Forbidden"}
BUCKET_CODES = {"NoSuchBucket", "InvalidBucketName"}
REGION_CODES = {"PermanentRedirect", "AuthorizationHeaderMalformed", "TemporaryRedirect",
                "IllegalLocationConstraintException", "AuthorizationQueryParametersError", "301"}
CLOCK_CODES = {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"}
FULL_CODES = {"QuotaExceeded", "InsufficientStorage", "StorageFull", "XMinioStorageFull",
              "ServiceQuotaExceeded", "StorageQuotaExceeded", "TooManyBuckets",
              "EntityTooLarge", "CapExceeded", "507", "413"}
BUSY_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "503", "500", "502", "504",
              "RequestTimeout", "Throttling", "ThrottlingException"}
NETWORK_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED, errno.ETIMEDOUT}


class StorageError(Exception):
    """A storage problem; ``str()`` is the sentence, ``kind`` what sort of problem it is:
    keys, denied, bucket, region, clock, unreachable, full, dropped, busy, tls,
    credentials, file or other."""

    def __init__(self, kind: str, sentence: str, code: str = "") -> None:
        super().__init__(sentence)
        self.kind, self.sentence, self.code = kind, sentence, code


def describe(err: BaseException, config: StorageConfig, *,
             uploading: bool = False) -> StorageError:
    """The sentence for an exception from boto3, botocore, s3transfer or requests."""
    if isinstance(err, StorageError):
        return err
    for cause in _chain(err):
        found = _describe_one(cause, config, uploading)
        if found is not None:
            return found
    return StorageError("other", f"The storage at {_host(config)} failed in a way Cutout "
                        f"does not know ({type(err).__name__}): check Settings > Storage "
                        "and try its Test button.", type(err).__name__)


def describe_link_answer(status: int, body: bytes, headers: Mapping[str, str],
                         config: StorageConfig) -> StorageError:
    """The sentence for a presigned link that did not answer with the file."""
    code, fields = _xml_error(body)
    code = code or str(status)
    region = fields.get("Region") or headers.get("x-amz-bucket-region", "")
    if code == "AccessDenied" and "expired" in fields.get("Message", "").lower():
        code = "RequestExpired"  # a fresh link that is "expired": this computer's clock
    if code in ("NoSuchKey", "404"):
        return StorageError("other", f"The bucket {config.where} does not serve the file "
                            "Cutout just put there: check the endpoint address (it must be "
                            "the bucket's S3 address, not a website or CDN).", code)
    return _by_code(code, fields.get("Message", ""), region, config) or StorageError(
        "other", f"The storage refused the link to the uploaded file (HTTP {status}, "
        f"{code}): check Settings > Storage and try its Test button.", code)


# -- the mapping -------------------------------------------------------------------------
def _describe_one(err: BaseException, config: StorageConfig,
                  uploading: bool) -> StorageError | None:
    from botocore import exceptions as bex

    if isinstance(err, bex.ClientError):
        error = err.response.get("Error", {}) or {}
        meta = err.response.get("ResponseMetadata", {}) or {}
        headers = meta.get("HTTPHeaders", {}) or {}
        status = str(meta.get("HTTPStatusCode", ""))
        code = str(error.get("Code") or status)
        region = str(error.get("Region") or headers.get("x-amz-bucket-region", ""))
        return (_by_code(code, str(error.get("Message", "")), region, config)
                or _by_code(status, "", region, config)
                or StorageError("other", f"The storage refused the request ({code}): check "
                                "Settings > Storage and try its Test button.", code))
    if isinstance(err, bex.ProfileNotFound):
        return StorageError("credentials", f"The AWS profile \u201c{config.profile}\u201d "
                            "does not exist on this computer: check its name (in ~/.aws or "
                            "AWS_PROFILE).")
    if isinstance(err, (bex.NoCredentialsError, bex.PartialCredentialsError,
                        bex.CredentialRetrievalError)):
        return StorageError("credentials", "No storage keys were found: " + _fix_keys(config))
    if isinstance(err, bex.SSLError) or _named(err, "SSLError"):
        return StorageError("tls", f"The secure connection to the storage at {_host(config)} "
                            "failed (its certificate is not trusted): check the endpoint "
                            "address.")
    if isinstance(err, (bex.ConnectionClosedError, bex.ReadTimeoutError)) or (
            uploading and _dropped(err)):
        return _dropped_sentence(config, uploading)
    if isinstance(err, (bex.EndpointConnectionError, bex.ConnectTimeoutError,
                        bex.ProxyConnectionError)) or _named(err, "ConnectionError",
                                                              "ConnectTimeout"):
        return StorageError("unreachable", f"Cutout cannot reach the storage at "
                            f"{_host(config)}: check the endpoint address and this "
                            "computer's internet connection.")
    if _dropped(err):
        return _dropped_sentence(config, uploading)
    if isinstance(err, OSError) and err.errno is not None:
        return StorageError("file", "The file could not be read for the upload "
                            f"({(err.strerror or str(err)).lower()}).")
    return None


def _by_code(code: str, message: str, region: str,
             config: StorageConfig) -> StorageError | None:
    if code in KEYS_CODES:
        return StorageError("keys", "The storage refused the keys (a wrong or revoked access "
                            "key id or secret): " + _fix_keys(config), code)
    if code in REGION_CODES or (code == "400" and region):
        return _region_sentence(code, message, region, config)
    if code in CLOCK_CODES:
        return StorageError("clock", "The storage refused the request because this "
                            "computer's clock is wrong by more than 15 minutes: set the date "
                            "and time automatically, then retry.", code)
    if code in DENIED_CODES or code == "403":
        return StorageError("denied", f"The storage keys may not use the bucket "
                            f"{config.where} (access denied): allow s3:PutObject, "
                            f"s3:GetObject and s3:DeleteObject on "
                            f"\u201c{config.prefix}*\u201d in the key's policy.", code)
    if code in BUCKET_CODES or code == "404":
        return StorageError("bucket", f"There is no bucket {config.where}: check the "
                            "bucket's name" + ("" if config.endpoint_url else
                                               " (and that it is in this AWS account)")
                            + ".", code)
    if code in ("EntityTooLarge", "413"):
        return StorageError("full", "The storage refused the file as too large for this "
                            "bucket: raise its size limit, or send a smaller file.", code)
    if code in FULL_CODES:
        return StorageError("full", f"The bucket {config.where} is full or its quota is "
                            "used up: free some space or raise the quota, then retry.", code)
    if code in BUSY_CODES:
        return StorageError("busy", f"The storage at {_host(config)} kept answering that it "
                            f"is busy or failing ({code}), even after retries: try again in "
                            "a few minutes.", code)
    return None


def _region_sentence(code: str, message: str, region: str,
                     config: StorageConfig) -> StorageError:
    if not region:
        found = re.search(r"expecting '([a-z0-9-]+)'", message)
        region = found.group(1) if found else ""
    mine = config.region or "the default region (us-east-1)"
    if region:
        return StorageError("region", f"The bucket {config.where} is in region {region}, "
                            f"not {mine}: set the storage region to {region}.", code)
    return StorageError("region", f"The bucket {config.where} is in another region than "
                        f"{mine}: set the bucket's own region in the storage settings.", code)


def _dropped_sentence(config: StorageConfig, uploading: bool) -> StorageError:
    what = "The upload was cut off midway" if uploading else "The storage connection dropped"
    return StorageError("dropped", f"{what} (the connection to {_host(config)} broke, even "
                        "after retries): check this computer's connection, then retry.")


def _fix_keys(config: StorageConfig) -> str:
    if config.use_profile:
        return ("check your AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                "the AWS profile).")
    return "check the access key id and the secret in Settings > Storage."


# -- small readers -----------------------------------------------------------------------
def _chain(err: BaseException):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def _named(err: BaseException, *names: str) -> bool:
    return any(cls.__name__ in names for cls in type(err).__mro__)


def _dropped(err: BaseException) -> bool:
    if isinstance(err, OSError) and err.errno in NETWORK_ERRNOS:
        return True
    return _named(err, "ProtocolError", "ChunkedEncodingError", "RemoteDisconnected",
                  "IncompleteRead", "ConnectionResetError", "BrokenPipeError",
                  "ReadTimeout", "ReadTimeoutError")


def _xml_error(body: bytes) -> tuple[str, dict[str, str]]:
    """S3's ``<Error><Code>..</Code>..</Error>`` body as (code, fields); ("", {}) if not."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(body[:64 * 1024])
    except ET.ParseError:
        return "", {}
    fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in root}
    return fields.get("Code", ""), fields


def _host(config: StorageConfig) -> str:
    return config.endpoint_host or "AWS S3"
