"""Links to roadmaps: which are taken, the raw file a forge's page maps to, the refusals, and
which addresses a learner's link may reach. Pure functions; no network."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from core.importing.links import (
    MAX_LINK_LENGTH,
    content_problem,
    download_link,
    filename_of,
    is_public_address,
    looks_like_link,
    refused,
    status_problem,
)
from core.importing.ports import DownloadProblem, DownloadRefused

RAW = "https://raw.githubusercontent.com"


def kind_of(result: str | DownloadRefused) -> DownloadProblem:
    assert isinstance(result, DownloadRefused), f"taken as {result!r}"
    return result.kind


@pytest.mark.parametrize(
    "text",
    [
        "https://example.org/roadmap.md",
        "http://example.org",
        "  <https://example.org/roadmap.md>  ",
        "HTTPS://EXAMPLE.ORG/R.MD",
        "ftp://example.org/roadmap.md",  # a link, refused with advice rather than read as a path
        "github.com/ada/roadmaps/blob/main/python.md",
        "www.example.org/roadmap.md",
    ],
)
def test_links_look_like_links(text: str) -> None:
    assert looks_like_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "roadmap.md",
        "/home/ada/roadmaps/python.md",
        "C:\\roadmaps\\python.md",
        "my python roadmap",
        "mailto:ada@example.org",
        "see https://example.org/roadmap.md",  # words first: not a link on its own
    ],
)
def test_paths_and_words_do_not(text: str) -> None:
    assert not looks_like_link(text)


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        # GitHub: a file's page, with the line anchor and ?plain=1 it is often shared with
        (
            "https://github.com/ada/roadmaps/blob/main/backend/python.md",
            f"{RAW}/ada/roadmaps/main/backend/python.md",
        ),
        (
            "https://github.com/ada/roadmaps/blob/main/python.md?plain=1#L12",
            f"{RAW}/ada/roadmaps/main/python.md",
        ),
        (
            "https://www.github.com/ada/roadmaps/blob/v2.0/python.md",
            f"{RAW}/ada/roadmaps/v2.0/python.md",
        ),
        (
            "https://github.com/ada/roadmaps/raw/main/python.md",
            f"{RAW}/ada/roadmaps/main/python.md",
        ),
        # a branch with a slash: the path is carried over, so no need to tell where it ends
        (
            "https://github.com/ada/roadmaps/blob/feature/new/python.md",
            f"{RAW}/ada/roadmaps/feature/new/python.md",
        ),
        (
            "https://github.com/ada/roadmaps/blob/main/my%20plan.md",
            f"{RAW}/ada/roadmaps/main/my%20plan.md",
        ),
        # a repository's front page shows its README; HEAD is the default branch
        ("https://github.com/ada/roadmaps", f"{RAW}/ada/roadmaps/HEAD/README.md"),
        ("https://github.com/ada/roadmaps/", f"{RAW}/ada/roadmaps/HEAD/README.md"),
        ("https://github.com/ada/roadmaps.git", f"{RAW}/ada/roadmaps/HEAD/README.md"),
        ("github.com/ada/roadmaps/blob/main/a.md", f"{RAW}/ada/roadmaps/main/a.md"),
        ("https://github.com/ada/roadmaps/tree/dev", f"{RAW}/ada/roadmaps/dev/README.md"),
        # gists
        (
            "https://gist.github.com/ada/0123abcd",
            "https://gist.githubusercontent.com/ada/0123abcd/raw",
        ),
        (
            "https://gist.github.com/ada/0123abcd#file-roadmap-md",
            "https://gist.githubusercontent.com/ada/0123abcd/raw",
        ),
        (
            "https://gist.github.com/ada/0123abcd/9f8e7d",
            "https://gist.githubusercontent.com/ada/0123abcd/raw/9f8e7d",
        ),
        (
            "https://gist.github.com/ada/0123abcd/raw/9f8e7d/roadmap.md",
            "https://gist.githubusercontent.com/ada/0123abcd/raw/9f8e7d/roadmap.md",
        ),
        # GitLab, on gitlab.com and on anyone's own server
        (
            "https://gitlab.com/group/sub/roadmaps/-/blob/main/python.md",
            "https://gitlab.com/group/sub/roadmaps/-/raw/main/python.md",
        ),
        (
            "https://git.example.org/team/plans/-/blob/main/python.md?ref_type=heads",
            "https://git.example.org/team/plans/-/raw/main/python.md?ref_type=heads",
        ),
        # raw links and other sites stay as they are, but for the fragment
        (f"{RAW}/ada/roadmaps/main/python.md", f"{RAW}/ada/roadmaps/main/python.md"),
        (
            "https://gist.githubusercontent.com/ada/0123abcd/raw/roadmap.md",
            "https://gist.githubusercontent.com/ada/0123abcd/raw/roadmap.md",
        ),
        (
            "https://gitlab.com/g/r/-/raw/main/python.md",
            "https://gitlab.com/g/r/-/raw/main/python.md",
        ),
        (
            "https://example.org/files/roadmap.md?version=3#week-2",
            "https://example.org/files/roadmap.md?version=3",
        ),
        ("HTTP://Example.org:8080/Roadmap.md", "http://Example.org:8080/Roadmap.md"),
        ("<https://example.org/roadmap.md>", "https://example.org/roadmap.md"),
        ("https://xn--80ak6aa92e.com/roadmap.md", "https://xn--80ak6aa92e.com/roadmap.md"),
    ],
)
def test_links_become_the_raw_file_to_download(typed: str, url: str) -> None:
    assert download_link(typed) == url
    # The downloader applies the rules again on every hop: a mapped link stays as it is.
    assert download_link(url) == url


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("", DownloadProblem.NOT_A_LINK),
        ("   ", DownloadProblem.NOT_A_LINK),
        ("roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://", DownloadProblem.NOT_A_LINK),
        ("https:///roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://exa mple.org/roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://example.org/my roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://example.org\\@127.0.0.1/roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://example.org/\x00roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://example.org:99999/roadmap.md", DownloadProblem.NOT_A_LINK),
        ("https://example.org:port/roadmap.md", DownloadProblem.NOT_A_LINK),
        ("http://[::1/roadmap.md", DownloadProblem.NOT_A_LINK),
        ("ftp://example.org/roadmap.md", DownloadProblem.SCHEME),
        ("file:///etc/passwd", DownloadProblem.SCHEME),
        ("gopher://example.org/", DownloadProblem.SCHEME),
        ("https://ada:secret@example.org/roadmap.md", DownloadProblem.CREDENTIALS),
        ("https://ada@example.org/roadmap.md", DownloadProblem.CREDENTIALS),
        ("https://:secret@example.org/roadmap.md", DownloadProblem.CREDENTIALS),
        ("https://@example.org/roadmap.md", DownloadProblem.CREDENTIALS),
        (f"https://example.org/{'a' * MAX_LINK_LENGTH}.md", DownloadProblem.TOO_LONG),
        ("https://github.com", DownloadProblem.NOT_A_FILE),
        ("https://github.com/ada", DownloadProblem.NOT_A_FILE),
        ("https://github.com/ada/roadmaps/issues/3", DownloadProblem.NOT_A_FILE),
        ("https://github.com/ada/roadmaps/tree/main/backend", DownloadProblem.NOT_A_FILE),
        ("https://github.com/ada/roadmaps/blob/main", DownloadProblem.NOT_A_FILE),
        ("https://github.com/ada/roadmaps/wiki", DownloadProblem.NOT_A_FILE),
        ("https://gist.github.com/0123abcd", DownloadProblem.NOT_A_FILE),
        ("https://gist.github.com/", DownloadProblem.NOT_A_FILE),
        ("https://gitlab.com/g/r/-/tree/main/docs", DownloadProblem.NOT_A_FILE),
    ],
)
def test_links_refused_say_why(typed: str, kind: DownloadProblem) -> None:
    assert kind_of(download_link(typed)) == kind


def test_a_link_at_the_length_limit_is_taken() -> None:
    link = "https://example.org/" + "a" * (MAX_LINK_LENGTH - len("https://example.org/.md")) + ".md"
    assert len(link) == MAX_LINK_LENGTH
    assert download_link(link) == link
    assert kind_of(download_link(link + "x")) == DownloadProblem.TOO_LONG


@pytest.mark.parametrize("kind", list(DownloadProblem))
def test_every_refusal_is_short_and_says_nothing_was_saved(kind: DownloadProblem) -> None:
    said = refused(kind, host="example.org", status=500, what="a picture")
    assert said.kind == kind
    assert said.reason.endswith("Nothing was saved.")
    assert 40 < len(said.reason) < 300
    assert "\n" not in said.reason
    assert said.reason[0].isupper()


def test_refusals_name_the_site_and_the_status_they_are_about() -> None:
    assert "example.org" in refused(DownloadProblem.TIMEOUT, host="example.org").reason
    assert "example.org" in refused(DownloadProblem.NO_SUCH_HOST, host="example.org").reason
    assert "503" in status_problem(503, host="example.org").reason
    assert "404" in status_problem(404, host="example.org").reason
    assert "Raw" in refused(DownloadProblem.WEB_PAGE).reason  # GitHub's button
    # Without a host, the sentence still reads as one.
    assert refused(DownloadProblem.TIMEOUT).reason.startswith("That site took too long")


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, DownloadProblem.NOT_FOUND),
        (410, DownloadProblem.NOT_FOUND),
        (401, DownloadProblem.PRIVATE_FILE),
        (403, DownloadProblem.PRIVATE_FILE),
        (400, DownloadProblem.HTTP_ERROR),
        (429, DownloadProblem.HTTP_ERROR),
        (500, DownloadProblem.HTTP_ERROR),
        (503, DownloadProblem.HTTP_ERROR),
        (302, DownloadProblem.HTTP_ERROR),  # a redirect without a Location
    ],
)
def test_error_statuses(status: int, kind: DownloadProblem) -> None:
    assert status_problem(status, host="example.org").kind == kind


@pytest.mark.parametrize(
    ("content_type", "path"),
    [
        ("text/markdown", "/roadmap"),
        ("text/markdown; charset=UTF-8", "/roadmap.md"),
        ("text/x-markdown", "/roadmap"),
        ("text/plain; charset=utf-8", "/ada/0123abcd/raw"),  # as GitHub serves raw files
        ("TEXT/PLAIN", "/notes"),
        ("application/octet-stream", "/roadmap.md"),
        ("application/octet-stream", "/roadmap.MARKDOWN"),
        ("application/octet-stream", "/notes.txt"),
        (None, "/roadmap.md"),
        ("", "/roadmap.md"),
        (None, "/my%20roadmap.md"),
    ],
)
def test_text_and_markdown_are_taken(content_type: str | None, path: str) -> None:
    assert content_problem(content_type, path) is None


@pytest.mark.parametrize(
    ("content_type", "path", "kind"),
    [
        ("text/html; charset=utf-8", "/ada/roadmaps/blob/main/python.md", DownloadProblem.WEB_PAGE),
        ("application/xhtml+xml", "/roadmap.md", DownloadProblem.WEB_PAGE),
        ("image/png", "/roadmap.md", DownloadProblem.NOT_TEXT),
        ("application/pdf", "/roadmap.pdf", DownloadProblem.NOT_TEXT),
        ("application/json", "/roadmap.md", DownloadProblem.NOT_TEXT),
        ("text/csv", "/roadmap.csv", DownloadProblem.NOT_TEXT),
        ("application/octet-stream", "/roadmap.pdf", DownloadProblem.NOT_TEXT),
        ("application/octet-stream", "/download", DownloadProblem.NOT_TEXT),
        (None, "/download", DownloadProblem.NOT_TEXT),
        (None, "/roadmap.md.exe", DownloadProblem.NOT_TEXT),
    ],
)
def test_pages_pictures_and_other_files_are_refused(
    content_type: str | None, path: str, kind: DownloadProblem
) -> None:
    problem = content_problem(content_type, path)
    assert problem is not None
    assert problem.kind == kind


def test_a_refused_type_is_named_for_the_learner() -> None:
    assert "picture" in str(content_problem("image/jpeg", "/a.md"))
    assert "PDF" in str(content_problem("application/pdf", "/a.pdf"))
    assert "application/zip" in str(content_problem("application/zip", "/a.zip"))


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (f"{RAW}/ada/roadmaps/main/backend/python.md", "python.md"),
        ("https://example.org/my%20roadmap.md?version=3", "my roadmap.md"),
        ("https://gist.githubusercontent.com/ada/0123abcd/raw", "0123abcd"),
        ("https://gist.githubusercontent.com/ada/0123abcd/raw/9f8e/plan.md", "plan.md"),
        ("https://example.org/", "example.org"),
        ("https://example.org", "example.org"),
        ("https://example.org/a%2Fb.md", "ab.md"),  # never a path
        ("https://example.org/%0Aevil.md", "evil.md"),
    ],
)
def test_the_filename_is_the_last_segment(url: str, name: str) -> None:
    assert filename_of(url) == name


PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "140.82.112.3",
    "185.199.108.133",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",  # IPv4-mapped public
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
]
NOT_PUBLIC = [
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata service
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "0.1.2.3",
    "224.0.0.1",
    "239.255.255.250",
    "233.252.0.1",  # globally scoped multicast is still multicast
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fe80::1%2",
    "fc00::1",
    "fd12:3456:789a::1",
    "fec0::1",  # site-local, deprecated but routed by some
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::808:808",  # local-use NAT64
    "2001::1",  # Teredo
]


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_may_be_reached(address: str) -> None:
    assert is_public_address(ip_address(address))


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_and_local_addresses_may_not(address: str) -> None:
    assert not is_public_address(ip_address(address))
