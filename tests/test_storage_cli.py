"""The CLI's driver with the storage the environment sets up (CUTOUT_UPLOAD_BUCKET and the
AWS variables), against moto's server and the sandbox. The CLI's own parsing of local
paths belongs to the local-files work; here ``Batch`` is given a local file directly."""

from __future__ import annotations

import argparse

from PIL import Image, ImageDraw
from storage_support import bucket, objects, s3_env, s3_server  # noqa: F401 - fixtures

from desktop_app.api.connection import Connection
from desktop_app.cli import Batch, _storage
from desktop_app.sandbox import SandboxServer
from desktop_app.storage import storage_from_env


def test_a_local_file_is_sent_through_the_environments_bucket(s3_env, bucket, monkeypatch,
                                                              tmp_path, capsys):
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", f"{bucket}/cli")
    source = tmp_path / "product shot.png"
    img = Image.new("RGB", (300, 200), (20, 90, 160))
    ImageDraw.Draw(img).ellipse((90, 40, 210, 160), fill=(240, 210, 30))
    img.save(source)
    with SandboxServer(processing_time=0.05) as srv:
        args = argparse.Namespace(poll_interval=2.0, timeout=30.0, output=tmp_path / "out",
                                  concurrency=2)
        (tmp_path / "out").mkdir()
        storage = _storage([str(source), srv.sample_url("cat.png", 240, 180)])
        assert storage is not None and storage.config.prefix == "cli/"
        results = Batch(Connection(srv.base_url, "sandbox-key"), args,
                        storage=storage).run([str(source)])
        assert results == [True]
        assert srv.stats.submits == 1
    assert Image.open(tmp_path / "out" / "product-shot-cutout.png").mode == "RGBA"
    assert objects(s3_env, bucket) == []
    assert "saved" in capsys.readouterr().out


def test_links_alone_never_touch_the_bucket(monkeypatch, capsys):
    monkeypatch.delenv("CUTOUT_UPLOAD_BUCKET", raising=False)
    assert _storage(["https://example.com/a.jpg"]) is None
    assert storage_from_env({}) is None
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", "some-bucket")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")   # closed: never asked
    assert _storage(["https://example.com/a.jpg"]) is not None
    assert capsys.readouterr().err == ""          # no clean-up was tried
    assert _storage(["/photos/a.jpg"]) is not None
    assert "could not clean up earlier uploads: " in capsys.readouterr().err
