"""The headless batch as a script uses it: a real ``python -m desktop_app.cli`` process.

The sandbox runs in the test process and the CLI reaches it over loopback through
``HITPAW_API_BASE``, so these tests see exactly what a user's shell would: the exit code,
the lines printed, the files written, and what the server was asked (no double charges).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.sandbox import Fault, SandboxServer

ROOT = Path(__file__).resolve().parents[1]
KEY = "marker-key-12345"          # a key string easy to spot if it ever leaks
NO_KEYRING = "keyring.backends.fail.Keyring"


@pytest.fixture
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(api_keys=(KEY,), processing_time=0.2) as server:
        yield server


@pytest.fixture
def env(srv: SandboxServer, isolated_home: Path) -> dict[str, str]:
    """The environment of a script: the XDG folders of this test, the sandbox, the key.

    The in-memory keyring of the test process is invisible to the child, so the child gets
    keyring's failing backend rather than the machine's real keyring.
    """
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HITPAW_")}
    environ.update(HITPAW_API_BASE=srv.base_url, HITPAW_API_KEY=KEY,
                   PYTHON_KEYRING_BACKEND=NO_KEYRING, PYTHONUNBUFFERED="1")
    assert environ["XDG_CONFIG_HOME"].startswith(str(isolated_home))
    return environ


def cli(env: dict[str, str], *args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app.cli", *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def job_lines(result: subprocess.CompletedProcess) -> dict[str, str]:
    """One printed line per job, by its link; fails if a job has none or two."""
    lines = [line for line in result.stdout.splitlines() if line.startswith(("saved", "failed"))]
    by_url: dict[str, str] = {}
    for line in lines:
        url = line.split()[1].rstrip(":")
        assert url not in by_url, f"two lines for {url}:\n{result.stdout}"
        by_url[url] = line
    return by_url


def assert_clean(result: subprocess.CompletedProcess) -> None:
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream
        assert KEY not in stream
        assert "Apikey" not in stream


def assert_cutout(path: Path, size: tuple[int, int]) -> None:
    with Image.open(path) as img:
        assert img.format == "PNG" and img.mode == "RGBA" and img.size == size
        w, h = size
        for corner in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
            assert img.getpixel(corner)[3] == 0, f"{path.name}: corner {corner} not transparent"
        assert img.getpixel((w // 2, h // 2))[3] == 255


def assert_mask(path: Path, size: tuple[int, int]) -> None:
    with Image.open(path) as img:
        assert img.format == "PNG" and img.mode == "L" and img.size == size
        assert img.getpixel((0, 0)) == 0 and img.getpixel((size[0] // 2, size[1] // 2)) == 255


# --- saving -------------------------------------------------------------------------------------


def test_good_links_are_saved_as_cutout_and_mask_pairs(srv, env, tmp_path):
    out = tmp_path / "out"
    first = srv.sample_url("cat.png", 640, 480)
    second = srv.sample_url("cat.png")  # the same file name: its files get "-2"
    third = srv.sample_url("x.jpg", 320, 240)
    # The first link finishes last; names still follow the order the links were given.
    srv.add_fault(Fault("submit", "slow", delay=1.0, match="w=640"))

    result = cli(env, first, second, third, "--output", out, "--poll-interval", "2")

    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean(result)
    assert result.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "cat-2-cutout.png", "cat-2-mask.png", "cat-cutout.png", "cat-mask.png",
        "x-cutout.png", "x-mask.png"]
    assert_cutout(out / "cat-cutout.png", (640, 480))
    assert_mask(out / "cat-mask.png", (640, 480))
    assert_cutout(out / "cat-2-cutout.png", (800, 600))
    assert_mask(out / "cat-2-mask.png", (800, 600))
    assert_cutout(out / "x-cutout.png", (320, 240))
    assert_mask(out / "x-mask.png", (320, 240))

    lines = job_lines(result)
    assert set(lines) == {first, second, third}
    assert lines[first].startswith("saved") and str(out / "cat-cutout.png") in lines[first]
    assert str(out / "cat-2-cutout.png") in lines[second] and "20 coins" in lines[second]
    assert result.stdout.splitlines()[-1].startswith("3 saved, 0 failed, 60 coins")
    assert (srv.stats.submits, srv.stats.jobs_created) == (3, 3)


def test_a_bad_link_fails_alone_and_the_good_ones_are_saved(srv, env, tmp_path):
    out = tmp_path / "out"
    good, bad, other = (srv.sample_url("a.png", 320, 240), srv.sample_url("not-an-image.png"),
                        srv.sample_url("b.webp", 320, 240))

    result = cli(env, good, bad, other, "-o", out, "--poll-interval", "2")

    assert result.returncode == 1
    assert_clean(result)
    assert sorted(p.name for p in out.iterdir()) == [
        "a-cutout.png", "a-mask.png", "b-cutout.png", "b-mask.png"]
    assert_cutout(out / "b-cutout.png", (320, 240))
    lines = job_lines(result)
    assert lines[good].startswith("saved") and lines[other].startswith("saved")
    assert lines[bad].startswith("failed")
    assert "HitPaw could not fetch this link" in lines[bad]
    assert lines[bad].endswith(".")
    assert result.stdout.splitlines()[-1].startswith("2 saved, 1 failed, 40 coins")


# --- refusing to start ----------------------------------------------------------------------


def test_without_a_key_it_exits_2_and_says_how_to_give_one(srv, env, tmp_path):
    del env["HITPAW_API_KEY"]
    out = tmp_path / "out"
    result = cli(env, srv.sample_url("a.png"), "--output", out)
    assert result.returncode == 2
    assert_clean(result)
    assert "no HitPaw API key" in result.stderr and "HITPAW_API_KEY" in result.stderr
    assert result.stdout == ""
    assert srv.stats.submits == 0
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("args,words", [
    ([], "--output"),
    (["-o", "{out}", "--poll-interval", "1"], "--poll-interval must be between 2 and 5"),
    (["-o", "{out}", "--poll-interval", "soon"], "--poll-interval"),
    (["-o", "{out}", "--concurrency", "0"], "--concurrency must be between 1 and 16"),
    (["-o", "{out}", "--concurrency", "17"], "--concurrency must be between 1 and 16"),
    (["-o", "{out}", "--timeout", "0"], "--timeout must be more than 0"),
], ids=["no-output", "poll-1", "poll-word", "concurrency-0", "concurrency-17", "timeout-0"])
def test_bad_usage_exits_2_with_a_sentence(srv, env, tmp_path, args, words):
    args = [a.format(out=tmp_path / "out") for a in args]
    result = cli(env, srv.sample_url("a.png"), *args)
    assert result.returncode == 2
    assert_clean(result)
    assert words in result.stderr
    assert srv.stats.submits == 0


def test_a_list_without_web_links_exits_2(srv, env, tmp_path):
    result = cli(env, "ftp://x/y.png", "--output", tmp_path / "out")
    assert result.returncode == 2
    assert_clean(result)
    assert "not a web link" in result.stderr and "no image links" in result.stderr
    assert srv.stats.submits == 0


# --- failing during the batch ---------------------------------------------------------------


def test_a_job_still_processing_after_the_timeout_fails(srv, env, tmp_path):
    srv.add_fault(Fault("status", "stuck", times=None))
    url = srv.sample_url("a.png", 320, 240)
    result = cli(env, url, "--output", tmp_path / "out", "--timeout", "1",
                 "--poll-interval", "2")
    assert result.returncode == 1
    assert_clean(result)
    line = job_lines(result)[url]
    assert line.startswith("failed") and "still processing after 1 s" in line
    assert "Retry" not in line  # the command line has no Retry button; a rerun costs coins
    assert not any((tmp_path / "out").iterdir())
    assert srv.stats.submits == 1


@pytest.mark.parametrize("concurrency", ["1", "4"])
def test_running_out_of_coins_stops_the_batch_without_a_charge(srv, env, tmp_path, concurrency):
    srv.add_fault(Fault("submit", "code", code=110402000, times=None))
    urls = [srv.sample_url(f"p{i}.png", 320, 240) for i in range(3)]
    result = cli(env, *urls, "--output", tmp_path / "out", "--poll-interval", "2",
                 "--concurrency", concurrency)
    assert result.returncode == 1
    assert_clean(result)
    lines = job_lines(result)
    assert set(lines) == set(urls)
    for line in lines.values():
        assert line.startswith("failed") and "out of coins" in line, line
        assert "Resume" not in line and "queue is kept" not in line, line  # no GUI here
        assert "run the command again" in line, line
    if concurrency == "1":  # after the first refusal, the rest are not even sent
        assert srv.stats.submits == 1
        assert all("not sent" in lines[url] for url in urls[1:])
    assert srv.stats.jobs_created == 0
    assert result.stdout.splitlines()[-1].startswith("0 saved, 3 failed, 0 coins")


def test_a_wrong_key_fails_the_batch_and_is_never_printed(srv, env, tmp_path):
    env["HITPAW_API_KEY"] = "wrong-key-67890"
    url = srv.sample_url("a.png", 320, 240)
    result = cli(env, url, "--output", tmp_path / "out", "--concurrency", "1")
    assert result.returncode == 1
    assert_clean(result)
    assert "wrong-key-67890" not in result.stdout + result.stderr
    line = job_lines(result)[url]
    assert "does not accept this API key" in line and "HITPAW_API_KEY" in line
    assert srv.stats.jobs_created == 0


def test_the_key_never_appears_in_the_output(srv, env, tmp_path):
    srv.add_fault(Fault("status", "http500_html"))
    srv.add_fault(Fault("file", "drop"))
    urls = [srv.sample_url("a.png", 320, 240), srv.sample_url("not-an-image.png"),
            srv.sample_url("b.jpg", 320, 240)]
    result = cli(env, *urls, "--output", tmp_path / "out", "--poll-interval", "2")
    assert result.returncode == 1
    assert_clean(result)
    assert len(job_lines(result)) == 3


# --- cutting out on this computer ---------------------------------------------------------------


def _photo(folder: Path, name: str, size: tuple[int, int] = (320, 240)) -> Path:
    from desktop_app.sandbox.samples import render_sample

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    render_sample(name, *size).save(path, "JPEG", quality=90)
    return path


def assert_local_pair(folder: Path, stem: str, size: tuple[int, int]) -> None:
    """The model's own pair: full size, clear corners, an opaque middle (to within a few
    levels: the sandbox's pairs are exactly 0 and 255, the model's need not be)."""
    w, h = size
    with Image.open(folder / f"{stem}-cutout.png") as img:
        assert img.format == "PNG" and img.mode == "RGBA" and img.size == size
        assert img.getpixel((0, 0))[3] < 16 and img.getpixel((w // 2, h // 2))[3] > 224
    with Image.open(folder / f"{stem}-mask.png") as img:
        assert img.format == "PNG" and img.mode == "L" and img.size == size
        assert img.getpixel((w - 1, h - 1)) < 16 and img.getpixel((w // 2, h // 2)) > 224


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _offline_env(env: dict[str, str]) -> dict[str, str]:
    """No key anywhere, and an API address where nothing listens."""
    offline = dict(env, HITPAW_API_BASE=f"http://127.0.0.1:{_closed_port()}")
    del offline["HITPAW_API_KEY"]
    return offline


def test_engine_local_needs_no_key_and_no_network(srv, env, tmp_path):
    photos, out = tmp_path / "photos", tmp_path / "out"
    first, second = _photo(photos, "bust.jpg"), _photo(photos, "pot.jpg", (240, 320))

    result = cli(_offline_env(env), first, second, "--engine", "local", "-o", out)

    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean(result)
    assert result.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == [
        "bust-cutout.png", "bust-mask.png", "pot-cutout.png", "pot-mask.png"]
    assert_local_pair(out, "bust", (320, 240))
    assert_local_pair(out, "pot", (240, 320))
    lines = job_lines(result)
    assert lines[str(first)].startswith("saved") and "0 coins" in lines[str(first)]
    assert result.stdout.splitlines()[-1].startswith("2 saved, 0 failed, 0 coins")
    assert srv.stats.submits == 0


def test_files_are_cut_out_here_by_default_and_bad_ones_each_get_their_sentence(srv, env,
                                                                                  tmp_path):
    photos, out = tmp_path / "photos", tmp_path / "out"
    good = _photo(photos, "good.jpg")
    empty = photos / "empty.png"
    empty.write_bytes(b"")
    text = photos / "notes.jpg"
    text.write_text("not a picture")

    result = cli(_offline_env(env), good, photos / "missing.jpg", empty, text, "-o", out)

    assert result.returncode == 1
    assert_clean(result)
    assert sorted(p.name for p in out.iterdir()) == ["good-cutout.png", "good-mask.png"]
    for words in ("\u201cmissing.jpg\u201d was not found", "\u201cempty.png\u201d is empty",
                  "\u201cnotes.jpg\u201d is not an image"):
        assert words in result.stderr, result.stderr
    assert job_lines(result)[str(good)].startswith("saved")
    assert result.stdout.splitlines()[-1].startswith("1 saved, 3 failed, 0 coins")


def test_a_link_may_be_cut_out_here_too_without_hitpaw(srv, env, tmp_path):
    link = srv.sample_url("shoe.png", 300, 200)
    result = cli(env, link, "--engine", "local", "-o", tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert_local_pair(tmp_path / "out", "shoe", (300, 200))
    assert srv.stats.submits == 0 and "0 coins" in job_lines(result)[link]


def test_engine_hitpaw_with_a_file_and_no_storage_exits_2_naming_the_setting(srv, env,
                                                                          tmp_path):
    photo = _photo(tmp_path / "photos", "bust.jpg")
    result = cli(env, photo, "--engine", "hitpaw", "-o", tmp_path / "out")
    assert result.returncode == 2
    assert_clean(result)
    assert "storage" in result.stderr and "CUTOUT_UPLOAD_BUCKET" in result.stderr
    assert "--engine local" in result.stderr
    assert result.stdout == "" and srv.stats.submits == 0
    assert not (tmp_path / "out").exists()


def test_concurrency_also_bounds_jobs_cut_out_here_and_help_says_so(srv, env, tmp_path,
                                                                     monkeypatch):
    """Local jobs run at most N (--concurrency) and at most half the cores at once. Cores
    are given here (eight, so four places), so that both bounds can be seen on any machine."""
    from desktop_app import cli as cli_module
    from desktop_app.jobs.model import Engine

    monkeypatch.setattr(cli_module, "default_local_places", lambda: 4)
    out = tmp_path / "out"
    out.mkdir()                                       # main() checks and makes it
    photo = _photo(tmp_path / "photos", "bust.jpg")
    for asked, places in (("1", 1), ("2", 2), ("16", 4)):
        args = cli_module.parse_args([str(photo), "-o", str(out), "--concurrency", asked])
        batch = cli_module.Batch(None, args)
        assert batch.local_concurrency == places
    assert batch.run([str(photo)], [Engine.LOCAL]) == [True]
    assert batch.queue.local_concurrency == 4 and batch.queue.concurrency == 16
    assert_local_pair(out, "bust", (320, 240))

    usage = cli(env, "--help")
    assert usage.returncode == 0
    assert "on this computer" in " ".join(usage.stdout.split())
