"""Finding image links in what a designer pastes: everything refused gets its sentence."""

from __future__ import annotations

import pytest

from desktop_app.jobs.links import extract_links


def assert_sentence(text: str) -> None:
    assert text and text.rstrip().endswith("."), text
    assert "Traceback" not in text


def test_one_link_per_line():
    found = extract_links("https://a.example.com/1.jpg\r\n"
                          "https://a.example.com/2.png\n"
                          "   http://b.example.org/photos/3.webp   \n\n"
                          "https://a.example.com/4.JPEG\n")
    assert found.urls == ["https://a.example.com/1.jpg", "https://a.example.com/2.png",
                          "http://b.example.org/photos/3.webp", "https://a.example.com/4.JPEG"]
    assert found.problems == []
    assert found.summary == "Added 4 image links."


def test_links_inside_text_and_trailing_punctuation():
    text = ("Hi! The shots: https://a.example.com/1.jpg, and (see https://a.example.com/2.png). "
            "Also <https://a.example.com/3.jpeg>; 'https://a.example.com/4.png' and "
            "\"https://a.example.com/5.webp\"? Last one: https://a.example.com/6.jpg!\n"
            "[https://a.example.com/7.png] {https://a.example.com/8.png}:")
    found = extract_links(text)
    assert found.urls == [f"https://a.example.com/{n}.{ext}" for n, ext in
                          [(1, "jpg"), (2, "png"), (3, "jpeg"), (4, "png"), (5, "webp"),
                           (6, "jpg"), (7, "png"), (8, "png")]]
    assert found.problems == []


def test_query_strings_and_links_without_an_extension_are_kept():
    found = extract_links("https://cdn.example.com/img?id=42&w=800\n"
                          "https://cdn.example.com/x.jpg?w=100#top")
    assert found.urls == ["https://cdn.example.com/img?id=42&w=800",
                          "https://cdn.example.com/x.jpg?w=100#top"]


def test_two_links_on_one_line_stay_two_links():
    found = extract_links("https://a.example.com/1.jpg https://a.example.com/2.jpg")
    assert found.urls == ["https://a.example.com/1.jpg", "https://a.example.com/2.jpg"]


def test_duplicates_are_added_once():
    found = extract_links("https://a.example.com/1.jpg\nhttps://a.example.com/1.jpg "
                          "https://a.example.com/2.jpg, https://a.example.com/1.jpg.")
    assert found.urls == ["https://a.example.com/1.jpg", "https://a.example.com/2.jpg"]
    assert found.summary == "Added 2 image links."


@pytest.mark.parametrize("text, words", [
    ("file:///home/ana/Pictures/cat.jpg", "file on this computer"),
    ("javascript:alert(document.cookie)", "not a web link"),
    ("ftp://files.example.com/cat.jpg", "not a web link"),
    ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
     "not a web link"),
])
def test_links_that_are_not_web_links_are_refused_with_a_sentence(text, words):
    found = extract_links(f"Look: {text}\nhttps://ok.example.com/fine.png")
    assert found.urls == ["https://ok.example.com/fine.png"]
    assert len(found.problems) == 1
    assert words in found.problems[0]
    assert_sentence(found.problems[0])
    assert_sentence(found.summary)
    assert found.summary.startswith("Added 1 image link.")


def test_a_link_with_spaces_on_its_own_line_is_one_link():
    found = extract_links("https://a.example.com/summer shoot/my holiday photo.jpg\n"
                          "https://a.example.com/2.png")
    assert found.urls == ["https://a.example.com/summer%20shoot/my%20holiday%20photo.jpg",
                          "https://a.example.com/2.png"]


def test_unicode_paths_are_percent_encoded_and_hosts_spelled_in_idna():
    found = extract_links("Voilà l'image : https://exemple.fr/été/photo.jpg\n"
                          "https://例え.jp/画像.png — merci\n"
                          "https://Bücher.example/Äpfel.webp")
    assert found.urls == ["https://exemple.fr/%C3%A9t%C3%A9/photo.jpg",
                          "https://xn--r8jz45g.jp/%E7%94%BB%E5%83%8F.png",
                          "https://xn--bcher-kva.example/%C3%84pfel.webp"]


def test_escapes_are_kept_and_a_stray_percent_is_encoded():
    found = extract_links("https://cdn.example.com/a%20b/photo.jpg?sig=x%2By&v=1\n"
                          "https://cdn.example.com/sale-50%.png")
    assert found.urls == ["https://cdn.example.com/a%20b/photo.jpg?sig=x%2By&v=1",
                          "https://cdn.example.com/sale-50%25.png"]


def test_a_file_name_with_spaces_on_its_own_line_in_unicode():
    found = extract_links("https://exemple.fr/été/photo café.jpg")
    assert found.urls == ["https://exemple.fr/%C3%A9t%C3%A9/photo%20caf%C3%A9.jpg"]


@pytest.mark.parametrize("ext, label", [("gif", "GIF"), ("tiff", "TIFF"), ("tif", "TIF"),
                                        ("heic", "HEIC")])
def test_formats_hitpaw_refuses_are_explained(ext, label):
    found = extract_links(f"https://a.example.com/scan.{ext}\nhttps://a.example.com/ok.jpg")
    assert found.urls == ["https://a.example.com/ok.jpg"]
    (problem,) = found.problems
    assert f"is a {label} image" in problem
    assert "JPG, PNG and WebP" in problem
    assert_sentence(problem)


def test_several_refusals_are_counted_in_the_summary():
    found = extract_links("https://a.example.com/1.gif\nhttps://a.example.com/2.tiff")
    assert found.urls == []
    assert len(found.problems) == 2
    assert found.summary.startswith("2 items were not added")
    assert_sentence(found.summary)


@pytest.mark.parametrize("text", ["", "   \n\n", "hello there, nothing to see here",
                                  "www.example.com/cat.jpg is not a full link"])
def test_text_without_links_says_none_were_found(text):
    found = extract_links(text)
    assert found.urls == []
    assert found.problems == []
    assert found.summary.startswith("No image links found")
    assert_sentence(found.summary)


def test_an_incomplete_link_is_refused():
    found = extract_links("https://")
    assert found.urls == []
    assert "not a complete web link" in found.problems[0]


def test_two_thousand_pasted_lines():
    lines = [f"{i}. https://cdn{i % 7}.example.com/batch/photo-{i:04d}.jpg, fine" for i in
             range(2000)]
    found = extract_links("\n".join(lines))
    assert len(found.urls) == 2000
    assert found.urls[1999] == "https://cdn4.example.com/batch/photo-1999.jpg"
    assert found.summary == "Added 2000 image links."
