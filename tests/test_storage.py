"""storage.py against a real S3 API on loopback (moto's server), never a patched boto3.

Each bad storage case is made for real where moto or the network can make it (wrong keys
with moto's IAM signature check on, a missing bucket, a closed port, a proxy that cuts the
upload); where moto cannot (clock skew, a region mismatch, a full bucket), a loopback server
answers with AWS's own status, headers and XML body, and botocore parses it as it would
AWS's: those are tests of the mapping, not of S3's enforcement.
"""

from __future__ import annotations

import os
import time

import pytest
from storage_support import (  # noqa: F401 - fixtures
    ACCESS_KEY,
    REGION,
    SECRET,
    CannedS3,
    CuttingProxy,
    bucket,
    closed_port,
    objects,
    s3_env,
    s3_server,
)

from desktop_app.storage import (
    LINK_LIFETIME,
    Storage,
    StorageConfig,
    StorageError,
    split_bucket,
    storage_from_env,
)


def config(endpoint: str, bucket_name: str, **kw) -> StorageConfig:
    values = dict(bucket=bucket_name, prefix="team/photos", endpoint_url=endpoint,
                  region=REGION, access_key_id=ACCESS_KEY, secret_access_key=SECRET)
    values.update(kw)
    return StorageConfig(**values)


def quick(cfg: StorageConfig, **kw) -> Storage:
    """Few retries and short timeouts: the bad cases fail in seconds, not minutes."""
    return Storage(cfg, max_attempts=kw.pop("max_attempts", 2), connect_timeout=2,
                   read_timeout=5, **kw)


def assert_sentence(sentence: str, *needles: str) -> None:
    assert sentence and sentence.endswith("."), sentence
    assert "\n" not in sentence and "Traceback" not in sentence, sentence
    assert SECRET not in sentence and "X-Amz-Signature" not in sentence, sentence
    for jargon in ("botocore", "Exception", "errno", "urllib3"):
        assert jargon not in sentence, sentence
    for needle in needles:
        assert needle.lower() in sentence.lower(), f"{needle!r} not in {sentence!r}"


# -- configuration -----------------------------------------------------------------------
def test_bucket_and_prefix_from_the_environment_variable():
    assert split_bucket("photos") == ("photos", "")
    assert split_bucket(" photos/team/cutout/ ") == ("photos", "team/cutout/")
    env = {"CUTOUT_UPLOAD_BUCKET": "photos/team", "AWS_ENDPOINT_URL_S3": "https://r2.example",
           "AWS_DEFAULT_REGION": "auto", "AWS_PROFILE": "work"}
    cfg = StorageConfig.from_env(env)
    assert (cfg.bucket, cfg.prefix, cfg.endpoint_url, cfg.region) == (
        "photos", "team/", "https://r2.example", "auto")
    assert cfg.use_profile and cfg.profile == "work"
    assert cfg.upload_prefix == "team/cutout-uploads/"
    assert StorageConfig.from_env({}) is None
    assert storage_from_env({"CUTOUT_UPLOAD_BUCKET": " "}) is None


def test_the_secret_never_shows_in_a_repr():
    cfg = config("http://127.0.0.1:1", "b", secret_access_key=SECRET)
    for text in (repr(cfg), str(cfg), repr(Storage(cfg))):
        assert SECRET not in text
    assert cfg.complete
    assert not StorageConfig("b", access_key_id="id").complete  # no secret yet
    assert StorageConfig("b", use_profile=True).complete


def test_keys_are_unguessable_and_do_not_carry_the_file_name():
    storage = Storage(config("http://127.0.0.1:1", "b"))
    keys = {storage.new_key(".JPG") for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert key.startswith("team/photos/cutout-uploads/") and key.endswith(".jpg")
        assert len(key.rsplit("/", 1)[1]) >= 32 + 4   # 24 random bytes, base64url
    assert not storage.owns("team/photos/other.jpg")
    with pytest.raises(ValueError):
        storage.delete("team/photos/someone-elses.jpg")


# -- the good path -----------------------------------------------------------------------
def test_put_presign_fetch_delete(s3_env, bucket, tmp_path):
    import requests

    storage = quick(config(s3_env.endpoint, bucket))
    assert storage.test() is None
    assert objects(s3_env, bucket) == []          # the test object is gone

    source = tmp_path / "pic.bin"
    source.write_bytes(os.urandom(100_000))
    key = storage.new_key(".png")
    storage.put(source, key, content_type="image/png")
    url = storage.presign_get(key)
    assert f"X-Amz-Expires={LINK_LIFETIME}" in url
    assert storage.check_link(url) == source.read_bytes()[:1]
    assert requests.get(url, timeout=5).content == source.read_bytes()  # no key needed
    storage.delete(key)
    assert objects(s3_env, bucket) == []
    assert requests.get(url, timeout=5).status_code == 404


def test_the_environment_alone_sets_storage_up(s3_env, bucket, monkeypatch):
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", f"{bucket}/cli")
    storage = storage_from_env()
    assert storage.config.endpoint_url == s3_env.endpoint
    assert storage.test() is None


def test_a_big_file_goes_in_parts_with_rising_progress(s3_env, bucket, tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        for _ in range(50):
            fh.write(os.urandom(1024 * 1024))
    storage = Storage(config(s3_env.endpoint, bucket))
    seen: list[tuple[int, int]] = []
    key = storage.new_key(".jpg")
    storage.put(big, key, on_progress=lambda done, total: seen.append((done, total)))
    head = s3_env.client().head_object(Bucket=bucket, Key=key, PartNumber=1)
    assert head["PartsCount"] == 7                 # 50 MB in 8 MB parts
    assert head["ContentLength"] == 8 * 1024 * 1024
    done = [d for d, _ in seen]
    # reported on the uploading thread, ten times a second at most (4-5 here)
    assert len(done) >= 2 and done == sorted(done) and len(set(done)) == len(done)
    assert seen[-1] == (big.stat().st_size, big.stat().st_size)
    storage.delete(key)


def test_an_upload_cut_once_is_retried_and_completes(s3_env, bucket, tmp_path):
    source = tmp_path / "pic.bin"
    source.write_bytes(os.urandom(600_000))
    proxy = CuttingProxy(s3_env.endpoint, cut_after=200_000, cuts=1)
    try:
        storage = quick(config(proxy.endpoint, bucket), max_attempts=3)
        key = storage.new_key(".jpg")
        storage.put(source, key)
    finally:
        proxy.close()
    assert proxy.cut_count == 1
    assert s3_env.client().get_object(Bucket=bucket, Key=key)["Body"].read() == \
        source.read_bytes()


def test_old_leftovers_under_cutouts_folder_only_are_swept(s3_env, bucket):
    storage = quick(config(s3_env.endpoint, bucket))
    client = s3_env.client()
    mine = storage.new_key(".jpg")
    client.put_object(Bucket=bucket, Key=mine, Body=b"x")
    client.put_object(Bucket=bucket, Key="team/photos/keep-me.jpg", Body=b"x")
    client.put_object(Bucket=bucket, Key="cutout-uploads/other-prefix.jpg", Body=b"x")
    assert storage.delete_leftovers() == 0        # young: may still be on its way to HitPaw
    time.sleep(1.1)
    assert storage.delete_leftovers(older_than=1) == 1
    assert sorted(objects(s3_env, bucket)) == ["cutout-uploads/other-prefix.jpg",
                                               "team/photos/keep-me.jpg"]


# -- bad storage: one sentence each ----------------------------------------------------
def iam_user(s3_env) -> tuple[str, str]:
    """A real IAM user of moto's with an S3 policy, for the signature checks."""
    import boto3

    iam = boto3.client("iam", endpoint_url=s3_env.endpoint, region_name=REGION)
    name = "cutout-" + os.urandom(4).hex()
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",'
        '"Resource":"*"}]}'))
    made = iam.create_access_key(UserName=name)["AccessKey"]
    return made["AccessKeyId"], made["SecretAccessKey"]


def test_wrong_secret_and_unknown_key_id(s3_env, bucket):
    key_id, secret = iam_user(s3_env)
    s3_env.set_auth(True)
    try:
        good = quick(config(s3_env.endpoint, bucket, access_key_id=key_id,
                            secret_access_key=secret))
        put_ok = good.client().put_object(Bucket=bucket, Key=good.new_key(".txt"), Body=b"x")
        assert put_ok["ResponseMetadata"]["HTTPStatusCode"] == 200
        wrong_secret = quick(config(s3_env.endpoint, bucket, access_key_id=key_id,
                                    secret_access_key=SECRET))
        unknown_id = quick(config(s3_env.endpoint, bucket, access_key_id="AKIDNOSUCHKEY000",
                                  secret_access_key=SECRET))
        for storage in (wrong_secret, unknown_id):
            sentence = storage.test()
            assert_sentence(sentence, "refused the keys", "Settings > Storage")
    finally:
        s3_env.set_auth(False)


def test_missing_bucket(s3_env):
    sentence = quick(config(s3_env.endpoint, "no-such-bucket-here")).test()
    assert_sentence(sentence, "no bucket", "no-such-bucket-here")


def test_unreachable_endpoint():
    port = closed_port()
    started = time.monotonic()
    sentence = quick(config(f"http://127.0.0.1:{port}", "b")).test()
    assert_sentence(sentence, "cannot reach", f"127.0.0.1:{port}")
    assert time.monotonic() - started < 30


def test_an_upload_dropped_midway_every_time(s3_env, bucket, tmp_path):
    source = tmp_path / "pic.bin"
    source.write_bytes(os.urandom(600_000))
    proxy = CuttingProxy(s3_env.endpoint, cut_after=200_000)
    try:
        storage = quick(config(proxy.endpoint, bucket), max_attempts=2)
        with pytest.raises(StorageError) as caught:
            storage.put(source, storage.new_key(".jpg"))
    finally:
        proxy.close()
    assert caught.value.kind == "dropped"
    assert proxy.cut_count >= 2                   # it was retried before giving up
    assert_sentence(str(caught.value), "cut off midway")
    assert objects(s3_env, bucket) == []


AWS_ANSWERS = {
    # kind: (status, code, message, extra XML, headers), as AWS S3 words them
    "clock": (403, "RequestTimeTooSkewed", "The difference between the request time and the "
              "current time is too large.", "<RequestTime>20261203T040000Z</RequestTime>"
              "<ServerTime>2026-12-03T06:00:00Z</ServerTime><MaxAllowedSkewMilliseconds>"
              "900000</MaxAllowedSkewMilliseconds>", {}),
    "region": (400, "AuthorizationHeaderMalformed", "The authorization header is malformed; "
               "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
               "<Region>eu-west-1</Region>", {"x-amz-bucket-region": "eu-west-1"}),
    "redirect": (301, "PermanentRedirect", "The bucket you are attempting to access must be "
                 "addressed using the specified endpoint.", "<Endpoint>b.s3.eu-west-1."
                 "amazonaws.com</Endpoint><Bucket>b</Bucket>",
                 {"x-amz-bucket-region": "eu-west-1"}),
    "quota": (403, "QuotaExceeded", "The storage quota of this account is exceeded.", "", {}),
    "full": (507, "InsufficientStorage", "Storage backend has reached its minimum free drive "
             "threshold.", "", {}),
}


@pytest.mark.parametrize("case, kind, needles", [
    ("clock", "clock", ["clock", "date and time"]),
    ("region", "region", ["eu-west-1", "region"]),
    ("redirect", "region", ["eu-west-1", "region"]),
    ("quota", "full", ["quota"]),
    ("full", "full", ["full"]),
])
def test_refusals_moto_does_not_make_are_mapped_as_aws_words_them(case, kind, needles,
                                                                     tmp_path):
    status, code, message, extra, headers = AWS_ANSWERS[case]
    server = CannedS3(status, code, message, extra, headers)
    try:
        cfg = config(server.endpoint, "b", region="us-east-1")
        source = tmp_path / "pic.bin"
        source.write_bytes(b"x" * 1000)
        storage = quick(cfg)
        with pytest.raises(StorageError) as caught:
            storage.put(source, storage.new_key(".jpg"))
        assert caught.value.kind == kind
        assert_sentence(str(caught.value), *needles)
        assert storage.test() == str(caught.value)
    finally:
        server.close()


def test_a_link_refused_for_its_region_or_an_expired_clock(tmp_path):
    """The presigned GET is checked without boto3 (as HitPaw fetches it): its XML refusal
    gets the same sentences."""
    for status, code, message, extra, kind in (
            (400, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential "
             "parameter; the region 'us-east-1' is wrong; expecting 'ap-south-1'", "",
             "region"),
            (403, "AccessDenied", "Request has expired", "<X-Amz-Expires>900</X-Amz-Expires>",
             "clock")):
        server = CannedS3(status, code, message, extra)
        try:
            storage = quick(config(server.endpoint, "b"))
            with pytest.raises(StorageError) as caught:
                storage.check_link(f"{server.endpoint}/b/k.jpg?X-Amz-Signature=abc")
            assert caught.value.kind == kind, str(caught.value)
            assert_sentence(str(caught.value))
        finally:
            server.close()


def test_no_credentials_at_all(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                 "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    sentence = quick(StorageConfig("b", endpoint_url=f"http://127.0.0.1:{closed_port()}",
                                   use_profile=True)).test()
    assert_sentence(sentence, "no storage keys")
    sentence = quick(StorageConfig("b", use_profile=True, profile="nope")).test()
    assert_sentence(sentence, "profile", "nope")
