"""The CLI with the storage the environment sets up (CUTOUT_UPLOAD_BUCKET and the AWS
variables), against moto's server and the sandbox."""

from __future__ import annotations

from PIL import Image, ImageDraw
from storage_support import bucket, objects, s3_env, s3_server  # noqa: F401 - fixtures

from desktop_app.cli import _swept, main
from desktop_app.jobs.model import Engine
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
        monkeypatch.setenv("HITPAW_API_BASE", srv.base_url)
        monkeypatch.setenv("HITPAW_API_KEY", "sandbox-key")
        # auto: with storage set up, a file goes to HitPaw through the bucket
        assert main([str(source), "--output", str(tmp_path / "out"),
                     "--poll-interval", "2"]) == 0
        assert srv.stats.submits == 1
    assert Image.open(tmp_path / "out" / "product-shot-cutout.png").mode == "RGBA"
    assert objects(s3_env, bucket) == []
    assert "1 saved, 0 failed, 20 coins" in capsys.readouterr().out


def test_links_alone_never_touch_the_bucket(monkeypatch, capsys):
    monkeypatch.delenv("CUTOUT_UPLOAD_BUCKET", raising=False)
    assert storage_from_env() is None
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", "some-bucket")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")   # closed: never asked
    storage = storage_from_env()
    assert storage is not None
    assert _swept(storage, ["https://example.com/a.jpg"], [Engine.HITPAW]) is storage
    assert _swept(storage, ["/photos/a.jpg"], [Engine.LOCAL]) is storage
    assert capsys.readouterr().err == ""          # no clean-up was tried
    assert _swept(storage, ["/photos/a.jpg"], [Engine.HITPAW]) is storage
    assert "could not clean up earlier uploads: " in capsys.readouterr().err
