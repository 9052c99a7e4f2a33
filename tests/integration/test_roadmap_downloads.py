"""Downloading a roadmap from a link, against a web server of our own on 127.0.0.1: the
files, pages, errors, redirects and slow answers a link can lead to; the addresses a
learner's link may not reach; and `coach import URL`.

Nothing here leaves 127.0.0.1: names are resolved by a stand-in resolver, except
"localhost", which the machine resolves itself. Slow servers wait on an event that is set
only at teardown, against a download timeout of a fraction of a second.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.web.downloads import USER_AGENT, WebDownloads
from core.importing.markdown import ImportedTrack, import_markdown
from core.importing.ports import (
    MAX_ROADMAP_BYTES,
    Downloaded,
    DownloadProblem,
    DownloadRefused,
    RoadmapDownloads,
)
from tests.conftest import setting_names

ROADMAP = """# Python in two weeks

## Week 1: Basics

- Read about variables and types
- Write a script that greets you

## Week 2: Functions

- Read about functions
- Refactor the script into functions
"""
HTML = "<!DOCTYPE html><html><head><title>roadmap.md</title></head><body>…</body></html>"
ENDLESS = 64 * 1024 * 1024  # what the chunked "endless" file would send if it were read whole
CHUNK = 64 * 1024
LOOPBACK_ONLY = [ip_network("127.0.0.1/32")]  # what tests let a learner's link reach


@dataclass
class Site:
    """The server's side of the story: what was asked, and how the big files ended."""

    port: int = 0
    raw_port: int = 0  # a bare server that answers without a Content-Type
    paths: list[str] = field(default_factory=list)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    written: int = 0  # bytes of the endless file sent before the client went away
    cut_off: asyncio.Event = field(default_factory=asyncio.Event)  # the client went away
    release: asyncio.Event = field(default_factory=asyncio.Event)  # set only at teardown

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def text(body: str | bytes, content_type: str = "text/markdown") -> web.Response:
    data = body.encode() if isinstance(body, str) else body
    return web.Response(body=data, headers={"Content-Type": content_type})


def app_for(site: Site) -> web.Application:
    async def record(request: web.Request) -> None:
        site.paths.append(request.path)
        site.headers[request.path] = dict(request.headers)

    @web.middleware
    async def recording(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        await record(request)
        return await handler(request)

    async def roadmap(_: web.Request) -> web.Response:
        return text(ROADMAP)

    async def typed(request: web.Request) -> web.Response:
        content_type = request.match_info["type"].replace("~", "/")
        return text(ROADMAP if "html" not in content_type else HTML, content_type)

    async def sized(request: web.Request) -> web.StreamResponse:
        """`size` bytes of Markdown, sent in chunks without a Content-Length."""
        size = int(request.match_info["size"])
        response = web.StreamResponse(headers={"Content-Type": "text/markdown"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        body = ROADMAP.encode() + b"x" * (size - len(ROADMAP.encode()))
        for start in range(0, size, CHUNK):
            await response.write(body[start : start + CHUNK])
        await response.write_eof()
        return response

    async def declared(request: web.Request) -> web.StreamResponse:
        """A Content-Length of `size`, then nothing until teardown: a client that waits
        for the body instead of believing the header times out."""
        response = web.StreamResponse(headers={"Content-Type": "text/markdown"})
        response.content_length = int(request.match_info["size"])
        await response.prepare(request)
        await site.release.wait()
        return response

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"- one more topic to learn\n" * (CHUNK // 26)
        try:
            while site.written < ENDLESS:
                await response.write(chunk)
                site.written += len(chunk)
        except (ConnectionError, RuntimeError):  # the client closed the connection
            site.cut_off.set()
        return response

    async def gzipped(_: web.Request) -> web.Response:
        """Small on the wire, five megabytes once inflated."""
        body = gzip.compress(ROADMAP.encode() + b"x" * 5_000_000)
        return web.Response(
            body=body, headers={"Content-Type": "text/markdown", "Content-Encoding": "gzip"}
        )

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="no")

    async def hop(request: web.Request) -> web.Response:
        """/hop/N redirects N times on its way to the roadmap."""
        left = int(request.match_info["n"])
        if left == 0:
            return text(ROADMAP)
        raise web.HTTPFound(f"/hop/{left - 1}")

    async def to(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["url"])

    async def relative(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("../files/roadmap.md")

    async def cookie(_: web.Request) -> web.Response:
        response = web.HTTPFound("/files/roadmap.md")
        response.set_cookie("session", "ada")
        raise response

    async def slow(_: web.Request) -> web.Response:
        await site.release.wait()
        return text(ROADMAP)

    async def stalls(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/markdown"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(ROADMAP.encode()[:20])
        await site.release.wait()
        return response

    app = web.Application(middlewares=[recording])
    app.router.add_get("/roadmap.md", roadmap)
    app.router.add_get("/files/roadmap.md", roadmap)
    app.router.add_get("/typed/{type}/{name}", typed)
    app.router.add_get("/sized/{size}/roadmap.md", sized)
    app.router.add_get("/declared/{size}/roadmap.md", declared)
    app.router.add_get("/endless.md", endless)
    app.router.add_get("/gzipped.md", gzipped)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/hop/{n}", hop)
    app.router.add_get("/to", to)
    app.router.add_get("/nested/relative", relative)
    app.router.add_get("/cookie", cookie)
    app.router.add_get("/slow.md", slow)
    app.router.add_get("/stalls.md", stalls)
    return app


async def bare_server(site: Site) -> asyncio.Server:
    """Answers 200 with a body and no Content-Type, which aiohttp's server never does."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        site.paths.append(request.split(b" ", 2)[1].decode())
        body = ROADMAP.encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    site.raw_port = server.sockets[0].getsockname()[1]
    return server


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    site = Site()
    runner = web.AppRunner(app_for(site), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listener).start()
    site.port = listener.getsockname()[1]
    bare = await bare_server(site)
    try:
        yield site
    finally:
        site.release.set()
        bare.close()
        await bare.wait_closed()
        await runner.cleanup()


class Names(AbstractResolver):
    """A stand-in for DNS: names it knows resolve to the addresses given, on the port asked
    for; any other name does not exist."""

    def __init__(self, **names: list[str]) -> None:
        self.names = {name.replace("_", "."): addresses for name, addresses in names.items()}
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.names[host]
        ]

    async def close(self) -> None:
        pass


def refusal(result: Downloaded | DownloadRefused) -> DownloadProblem:
    assert isinstance(result, DownloadRefused), f"downloaded {result.url}"
    return result.kind


def downloaded(result: Downloaded | DownloadRefused) -> Downloaded:
    assert isinstance(result, Downloaded), result.reason
    return result


def contents(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- what comes back ------------------------------------------------------------------


async def test_a_markdown_file_is_downloaded_and_imports(site: Site) -> None:
    downloads: RoadmapDownloads = WebDownloads()
    got = downloaded(await downloads.download(site.url("/roadmap.md"), from_chat=False))
    assert got.data == ROADMAP.encode()
    assert got.url == site.url("/roadmap.md")
    assert got.filename == "roadmap.md"
    imported = import_markdown(got.data, source=got.filename)
    assert isinstance(imported, ImportedTrack)
    assert len(imported.track.weeks) == 2
    asked = site.headers["/roadmap.md"]
    assert asked["User-Agent"] == USER_AGENT
    assert "text/markdown" in asked["Accept"]


@pytest.mark.parametrize(
    ("content_type", "name"),
    [
        ("text/plain; charset=utf-8", "roadmap"),  # as GitHub serves raw files
        ("text/x-markdown", "roadmap"),
        ("application/octet-stream", "roadmap.md"),
        ("application/octet-stream", "notes.txt"),
    ],
)
async def test_text_and_untyped_markdown_files_are_taken(
    site: Site, content_type: str, name: str
) -> None:
    path = f"/typed/{quote(content_type.replace('/', '~'))}/{name}"
    got = downloaded(await WebDownloads().download(site.url(path), from_chat=False))
    assert got.data == ROADMAP.encode()
    assert got.filename == name


async def test_a_file_without_a_content_type_is_judged_by_its_name(site: Site) -> None:
    bare = f"http://127.0.0.1:{site.raw_port}"
    got = downloaded(await WebDownloads().download(f"{bare}/plan.md", from_chat=False))
    assert got.data == ROADMAP.encode()
    refused = await WebDownloads().download(f"{bare}/download", from_chat=False)
    assert refusal(refused) == DownloadProblem.NOT_TEXT


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("text/html; charset=utf-8", DownloadProblem.WEB_PAGE),
        ("application/xhtml+xml", DownloadProblem.WEB_PAGE),
        ("image/png", DownloadProblem.NOT_TEXT),
        ("application/pdf", DownloadProblem.NOT_TEXT),
        ("application/zip", DownloadProblem.NOT_TEXT),
    ],
)
async def test_pages_pictures_and_documents_are_refused(
    site: Site, content_type: str, kind: DownloadProblem
) -> None:
    path = f"/typed/{quote(content_type.replace('/', '~'))}/roadmap.md"
    result = await WebDownloads().download(site.url(path), from_chat=False)
    assert refusal(result) == kind
    assert isinstance(result, DownloadRefused)
    if kind == DownloadProblem.WEB_PAGE:
        assert "Raw" in result.reason


# -- size -----------------------------------------------------------------------------


async def test_a_file_of_exactly_the_limit_is_taken(site: Site) -> None:
    url = site.url(f"/sized/{MAX_ROADMAP_BYTES}/roadmap.md")
    got = downloaded(await WebDownloads().download(url, from_chat=False))
    assert len(got.data) == MAX_ROADMAP_BYTES


async def test_a_chunked_file_one_byte_over_the_limit_is_refused(site: Site) -> None:
    url = site.url(f"/sized/{MAX_ROADMAP_BYTES + 1}/roadmap.md")
    assert refusal(await WebDownloads().download(url, from_chat=False)) == (
        DownloadProblem.TOO_LARGE
    )


async def test_a_declared_length_over_the_limit_is_refused_before_the_body(site: Site) -> None:
    """The body never comes (until teardown): reading it would time out instead."""
    url = site.url(f"/declared/{2 * MAX_ROADMAP_BYTES}/roadmap.md")
    result = await WebDownloads(timeout=5).download(url, from_chat=False)
    assert refusal(result) == DownloadProblem.TOO_LARGE


async def test_an_endless_chunked_file_is_cut_off_soon_after_the_limit(site: Site) -> None:
    result = await WebDownloads().download(site.url("/endless.md"), from_chat=False)
    assert refusal(result) == DownloadProblem.TOO_LARGE
    # The server finds the connection closed: the client stopped reading, far short of all.
    await asyncio.wait_for(site.cut_off.wait(), timeout=30)
    assert MAX_ROADMAP_BYTES < site.written < ENDLESS // 2


async def test_a_compressed_file_is_measured_inflated(site: Site) -> None:
    result = await WebDownloads().download(site.url("/gzipped.md"), from_chat=False)
    assert refusal(result) == DownloadProblem.TOO_LARGE


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (404, DownloadProblem.NOT_FOUND),
        (410, DownloadProblem.NOT_FOUND),
        (401, DownloadProblem.PRIVATE_FILE),
        (403, DownloadProblem.PRIVATE_FILE),
        (500, DownloadProblem.HTTP_ERROR),
        (429, DownloadProblem.HTTP_ERROR),
        (400, DownloadProblem.HTTP_ERROR),
    ],
)
async def test_error_statuses_are_refused_by_meaning(
    site: Site, code: int, kind: DownloadProblem
) -> None:
    result = await WebDownloads().download(site.url(f"/status/{code}"), from_chat=False)
    assert refusal(result) == kind
    assert isinstance(result, DownloadRefused)
    assert str(code) in result.reason


async def test_a_connection_refused_is_said_so() -> None:
    url = f"http://127.0.0.1:{unused_port()}/roadmap.md"
    assert refusal(await WebDownloads().download(url, from_chat=False)) == (
        DownloadProblem.UNREACHABLE
    )


@pytest.mark.parametrize("from_chat", [False, True])
async def test_a_name_that_does_not_resolve_is_said_so(from_chat: bool) -> None:
    downloads = WebDownloads(resolver=Names())
    result = await downloads.download("https://roadmaps.invalid/python.md", from_chat=from_chat)
    assert refusal(result) == DownloadProblem.NO_SUCH_HOST
    assert isinstance(result, DownloadRefused)
    assert "roadmaps.invalid" in result.reason


async def test_a_server_that_never_answers_times_out(site: Site) -> None:
    result = await WebDownloads(timeout=0.2).download(site.url("/slow.md"), from_chat=False)
    assert refusal(result) == DownloadProblem.TIMEOUT
    assert site.paths == ["/slow.md"]


async def test_a_body_that_stalls_halfway_times_out(site: Site) -> None:
    result = await WebDownloads(timeout=0.2).download(site.url("/stalls.md"), from_chat=False)
    assert refusal(result) == DownloadProblem.TIMEOUT


async def test_the_link_rules_come_first(site: Site) -> None:
    downloads = WebDownloads()
    for link, kind in (
        ("ftp://127.0.0.1/roadmap.md", DownloadProblem.SCHEME),
        (f"http://ada:secret@127.0.0.1:{site.port}/roadmap.md", DownloadProblem.CREDENTIALS),
        ("not a link", DownloadProblem.NOT_A_LINK),
    ):
        assert refusal(await downloads.download(link, from_chat=False)) == kind
    assert site.paths == []


# -- redirects ------------------------------------------------------------------------


async def test_redirects_are_followed_up_to_five(site: Site) -> None:
    got = downloaded(await WebDownloads().download(site.url("/hop/5"), from_chat=False))
    assert got.data == ROADMAP.encode()
    assert got.url == site.url("/hop/0")
    assert site.paths == [f"/hop/{n}" for n in range(5, -1, -1)]


async def test_a_sixth_redirect_is_one_too_many(site: Site) -> None:
    result = await WebDownloads().download(site.url("/hop/6"), from_chat=False)
    assert refusal(result) == DownloadProblem.TOO_MANY_REDIRECTS
    assert site.paths == [f"/hop/{n}" for n in range(6, 0, -1)]  # /hop/0 never asked for


async def test_a_relative_redirect_is_followed(site: Site) -> None:
    got = downloaded(await WebDownloads().download(site.url("/nested/relative"), from_chat=False))
    assert got.url == site.url("/files/roadmap.md")
    assert got.filename == "roadmap.md"


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("ftp://127.0.0.1/roadmap.md", DownloadProblem.SCHEME),
        ("file:///etc/passwd", DownloadProblem.SCHEME),
        ("http://ada:secret@127.0.0.1/roadmap.md", DownloadProblem.CREDENTIALS),
    ],
)
async def test_every_hop_passes_the_link_rules(
    site: Site, target: str, kind: DownloadProblem
) -> None:
    url = site.url(f"/to?url={target}")
    assert refusal(await WebDownloads().download(url, from_chat=False)) == kind


async def test_no_cookie_is_kept_even_within_one_download(site: Site) -> None:
    # By a name: a cookie jar keeps no cookies for a bare IP address anyway.
    downloads = WebDownloads(resolver=Names(roadmaps_example=["127.0.0.1"]))
    url = site.url("/cookie", "roadmaps.example")
    downloaded(await downloads.download(url, from_chat=False))
    assert site.paths == ["/cookie", "/files/roadmap.md"]
    assert "Cookie" not in site.headers["/files/roadmap.md"]


# -- where a learner's link may lead --------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "0.0.0.0",
        "127.0.0.2",
    ],
)
async def test_a_learners_link_to_this_machine_is_refused_unasked(site: Site, host: str) -> None:
    result = await WebDownloads().download(site.url("/roadmap.md", host), from_chat=True)
    assert refusal(result) == DownloadProblem.PRIVATE_ADDRESS
    assert site.paths == []


@pytest.mark.parametrize(
    "link",
    [
        "http://10.1.2.3/roadmap.md",
        "http://172.16.0.1/roadmap.md",
        "http://192.168.1.1/roadmap.md",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/roadmap.md",
        "http://[fe80::1]/roadmap.md",
        "http://[fd00::1]/roadmap.md",
        "http://[::ffff:10.0.0.1]/roadmap.md",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://224.0.0.1/roadmap.md",
        "http://[ff02::1]/roadmap.md",
    ],
)
async def test_a_learners_link_into_a_private_network_is_refused(link: str) -> None:
    """Refused before any connection: one would hang or fail otherwise, not be refused."""
    assert refusal(await WebDownloads().download(link, from_chat=True)) == (
        DownloadProblem.PRIVATE_ADDRESS
    )


@pytest.mark.parametrize("host", ["127.1", "2130706433", "127.0.0.1.", "0177.0.0.1", "0x7f.0.0.1"])
async def test_numbers_the_system_reads_as_loopback_get_nowhere(site: Site, host: str) -> None:
    result = await WebDownloads().download(site.url("/roadmap.md", host), from_chat=True)
    assert isinstance(result, DownloadRefused)
    assert site.paths == []


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.7"], ["192.168.0.10"], ["127.0.0.1"], ["::1"], ["93.184.215.14", "127.0.0.1"]],
    ids=["10/8", "192.168/16", "loopback", "ipv6-loopback", "one-of-two"],
)
async def test_a_name_resolving_to_any_private_address_is_refused(
    site: Site, addresses: list[str]
) -> None:
    names = Names(roadmaps_example=addresses)
    downloads = WebDownloads(resolver=names)
    result = await downloads.download(site.url("/roadmap.md", "roadmaps.example"), from_chat=True)
    assert refusal(result) == DownloadProblem.PRIVATE_ADDRESS
    assert names.asked == ["roadmaps.example"]
    assert site.paths == []


async def test_the_operators_link_may_reach_anything(site: Site) -> None:
    names = Names(roadmaps_example=["127.0.0.1"])
    downloads = WebDownloads(resolver=names)
    for url in (site.url("/roadmap.md"), site.url("/roadmap.md", "roadmaps.example")):
        assert downloaded(await downloads.download(url, from_chat=False)).data == (ROADMAP.encode())


async def test_a_learners_link_downloads_where_the_policy_allows(site: Site) -> None:
    """What a public address would do, with 127.0.0.1 let in for the test: through a name
    (the checked resolver's answer is what is connected to) and as written."""
    names = Names(roadmaps_example=["127.0.0.1"])
    downloads = WebDownloads(resolver=names, allowed_networks=LOOPBACK_ONLY)
    for host in ("roadmaps.example", "127.0.0.1"):
        got = downloaded(await downloads.download(site.url("/hop/1", host), from_chat=True))
        assert got.data == ROADMAP.encode()
    assert set(names.asked) == {"roadmaps.example"}
    # The test's opening is only as wide as given: the rest of 127/8 stays shut.
    result = await downloads.download(site.url("/roadmap.md", "127.0.0.2"), from_chat=True)
    assert refusal(result) == DownloadProblem.PRIVATE_ADDRESS


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/roadmap.md",
        "http://[::1]:{port}/roadmap.md",
        "http://[::ffff:127.0.0.2]:{port}/roadmap.md",
        "http://intranet.example:{port}/roadmap.md",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433:{port}/roadmap.md",
    ],
)
async def test_a_public_site_redirecting_a_learner_inward_is_refused(
    site: Site, target: str
) -> None:
    names = Names(roadmaps_example=["127.0.0.1"], intranet_example=["192.168.0.10"])
    downloads = WebDownloads(resolver=names, allowed_networks=LOOPBACK_ONLY)
    url = site.url(f"/to?url={target.format(port=site.port)}", "roadmaps.example")
    result = await downloads.download(url, from_chat=True)
    assert isinstance(result, DownloadRefused)
    assert result.kind in (DownloadProblem.PRIVATE_ADDRESS, DownloadProblem.NOT_A_LINK)
    if "2130706433" not in target:  # a number no address parser takes: not a link at all
        assert result.kind == DownloadProblem.PRIVATE_ADDRESS
    assert site.paths == ["/to"]


def test_the_default_policy_is_strict() -> None:
    downloads = WebDownloads()
    for address in ("127.0.0.1", "10.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.169.254"):
        assert not downloads.permitted(ip_address(address))
    assert downloads.permitted(ip_address("8.8.8.8"))
    opened = WebDownloads(allowed_networks=LOOPBACK_ONLY)
    assert opened.permitted(ip_address("127.0.0.1"))
    assert opened.permitted(ip_address("::ffff:127.0.0.1"))  # the same address, mapped
    assert not opened.permitted(ip_address("127.0.0.2"))


# -- coach import URL -----------------------------------------------------------------

COACH = ("-c", "import sys; from bot.cli import main; sys.exit(main())")


async def coach(folder: Path, *args: str, **settings: str) -> tuple[int, str, str, set[str]]:
    """`coach ARGS` in a fresh interpreter in `folder`, without the machine's coach
    settings: the exit code, stdout, stderr and the modules it imported. Run as a child
    process so the test's own loop keeps serving the site meanwhile."""
    names = {name.upper() for name in setting_names()}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names} | settings
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-X",
        "importtime",
        *COACH,
        *args,
        cwd=folder,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    lines = err.decode().splitlines()
    modules = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    said = "\n".join(line for line in lines if not line.startswith("import time:"))
    return process.returncode, out.decode(), said, modules


async def test_coach_import_url_dry_run_previews_and_saves_nothing(
    site: Site, tmp_path: Path
) -> None:
    code, out, err, modules = await coach(
        tmp_path, "import", site.url("/hop/1"), "--dry-run", "--name", "Python, fetched"
    )
    assert code == 0, err
    assert out.startswith(f"Downloaded {site.url('/hop/0')} ({len(ROADMAP.encode()):,} bytes).")
    assert "Python, fetched: 2 weeks, 4 items" in out
    assert out.endswith("Dry run: nothing was saved.\n")
    assert contents(tmp_path) == []  # no database made
    assert "aiohttp" in modules
    heavy = ("sqlalchemy", "aiogram", "discord", "asyncpg", "aiosqlite", "bot.wiring")
    assert [m for m in modules if m.split(".")[0] in heavy or m in heavy] == []


async def test_coach_import_url_saves_the_track(site: Site, tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    code, out, err, _ = await coach(
        tmp_path, "import", site.url("/roadmap.md"), DATABASE_URL=database
    )
    assert code == 0, err
    track_id = out.split("Saved as track ", 1)[1].split(".", 1)[0]
    assert track_id.startswith("python-in-two")
    code, out, err, _ = await coach(
        tmp_path, "import", site.url("/roadmap.md"), DATABASE_URL=database
    )
    assert code == 0, err
    assert f"Already saved as track {track_id}." in out


@pytest.mark.parametrize(
    ("path", "said"),
    [("/status/404", "404"), ("/typed/text~html/page", "web page"), ("/hop/6", "redirects")],
)
async def test_coach_import_url_that_fails_says_why_in_one_line(
    site: Site, tmp_path: Path, path: str, said: str
) -> None:
    code, out, err, _ = await coach(tmp_path, "import", site.url(path), "--dry-run")
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("coach: ")
    assert said in lines[0]
    assert lines[0].endswith("Nothing was saved.")
    assert contents(tmp_path) == []


async def test_coach_import_of_a_file_named_like_a_link_reads_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "github.com"
    folder.mkdir()
    (folder / "roadmap.md").write_text(ROADMAP, encoding="utf-8")
    code, out, err, modules = await coach(tmp_path, "import", "github.com/roadmap.md", "--dry-run")
    assert code == 0, err
    assert out.startswith("Python in two weeks: 2 weeks, 4 items")
    assert "aiohttp" not in modules
