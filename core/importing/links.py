"""Links to roadmaps: which a learner may send, the raw file a forge's page stands for, and
what the coach says when a link gives no roadmap.

The rules are plain functions on strings and addresses; the downloading itself is behind
the `RoadmapDownloads` port, which applies them on every hop of a download.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv6Address, IPv6Network
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

from core.importing.ports import MAX_ROADMAP_BYTES, DownloadProblem, DownloadRefused
from core.kernel import i18n
from core.kernel.i18n import messages

_, n_ = messages("importing")

MAX_LINK_LENGTH = 2000  # what browsers and servers commonly accept; a roadmap's link is far shorter
READABLE_SUFFIXES = (".md", ".markdown", ".txt")
TEXT_MEDIA_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/plain"})
# A type that says nothing of the content: the file's name decides.
UNTYPED_MEDIA_TYPES = frozenset({"", "application/octet-stream"})
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Links people paste without a scheme, from the forges a roadmap is kept on.
_SCHEMELESS_HOSTS = (
    "www.",
    "github.com/",
    "gist.github.com/",
    "raw.githubusercontent.com/",
    "gist.githubusercontent.com/",
    "gitlab.com/",
)
_GITHUB = frozenset({"github.com", "www.github.com"})
_GIST = "gist.github.com"
_RAW_GITHUB = "https://raw.githubusercontent.com"
_RAW_GIST = "https://gist.githubusercontent.com"
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
_LOCAL_NAT64 = IPv6Network("64:ff9b:1::/48")  # RFC 8215: translated inside a network


def looks_like_link(text: str) -> bool:
    """Whether `text` is meant as a web link rather than a file's path or words: it names a
    scheme ("https://…", also "ftp://…", refused later with advice) or starts with a forge's
    host ("github.com/…")."""
    stripped = _unwrapped(text)
    return bool(_SCHEME.match(stripped)) or stripped.lower().startswith(_SCHEMELESS_HOSTS)


def download_link(text: str) -> str | DownloadRefused:
    """The URL to download for what the learner typed, or why there is none.

    Only http and https, without a user name or password, and of a sane length. A forge's
    page becomes its raw file: GitHub's `/blob/` and `/raw/` pages and a repository's root
    (its README on the default branch), a gist's page, GitLab's `/-/blob/`. The fragment
    is dropped; anything else is kept as typed."""
    link = _unwrapped(text)
    if not link:
        return refused(DownloadProblem.NOT_A_LINK)
    if len(link) > MAX_LINK_LENGTH:
        return refused(DownloadProblem.TOO_LONG)
    # Spaces, controls and backslashes: parsers read such links differently, and a
    # check made by one parser must hold for the connection another one makes.
    if any(c.isspace() or c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in link):
        return refused(DownloadProblem.NOT_A_LINK)
    if not _SCHEME.match(link):
        if not link.lower().startswith(_SCHEMELESS_HOSTS):
            return refused(DownloadProblem.NOT_A_LINK)
        link = f"https://{link}"
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number in range)
    except ValueError:
        return refused(DownloadProblem.NOT_A_LINK)
    if parts.scheme.lower() not in ("http", "https"):
        return refused(DownloadProblem.SCHEME)
    if parts.username is not None or parts.password is not None:
        return refused(DownloadProblem.CREDENTIALS)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return refused(DownloadProblem.NOT_A_LINK)
    parts = parts._replace(scheme=parts.scheme.lower(), fragment="")
    if host in _GITHUB:
        return _github(parts)
    if host == _GIST:
        return _gist(parts)
    if "/-/blob/" in parts.path:  # GitLab, on gitlab.com or anyone's own server
        return urlunsplit(parts._replace(path=parts.path.replace("/-/blob/", "/-/raw/", 1)))
    if "/-/tree/" in parts.path:
        return refused(DownloadProblem.NOT_A_FILE, host="GitLab")
    return urlunsplit(parts)


def _unwrapped(text: str) -> str:
    """The link without the spaces and angle brackets it is often pasted with."""
    stripped = text.strip()
    if stripped.startswith("<") and stripped.endswith(">"):
        stripped = stripped[1:-1].strip()
    return stripped


def _github(parts: SplitResult) -> str | DownloadRefused:
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:  # github.com itself, or a person's or organisation's page
        return refused(DownloadProblem.NOT_A_FILE, host="GitHub")
    owner, repository = segments[0], segments[1].removesuffix(".git")
    rest = segments[2:]
    if not rest:
        # A repository's front page shows its README. Which branch is the default is not
        # in the link, but raw.githubusercontent.com reads HEAD as that branch, and most
        # READMEs are README.md; one that is not gives "no file at that link", whose
        # advice (open the file, press Raw) leads to the right link.
        return f"{_RAW_GITHUB}/{owner}/{repository}/HEAD/README.md"
    if rest[0] in ("blob", "raw") and len(rest) >= 3:
        return f"{_RAW_GITHUB}/{owner}/{repository}/{'/'.join(rest[1:])}"
    if rest[0] == "tree" and len(rest) == 2:  # a branch's front page: its README
        return f"{_RAW_GITHUB}/{owner}/{repository}/{rest[1]}/README.md"
    # A folder, the issues, the wiki: pages whose file the link does not name.
    return refused(DownloadProblem.NOT_A_FILE, host="GitHub")


def _gist(parts: SplitResult) -> str | DownloadRefused:
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) == 2:  # the gist's page: its (first) file as it is now
        return f"{_RAW_GIST}/{segments[0]}/{segments[1]}/raw"
    if len(segments) >= 3 and segments[2] == "raw":
        return f"{_RAW_GIST}/{'/'.join(segments)}"
    if len(segments) == 3:  # one revision's page
        return f"{_RAW_GIST}/{segments[0]}/{segments[1]}/raw/{segments[2]}"
    # A gist linked by its id alone names no owner, and the raw file's link needs one.
    return refused(DownloadProblem.NOT_A_FILE, host="GitHub")


def is_public_address(address: IPv4Address | IPv6Address) -> bool:
    """Whether a learner's link may lead to `address`: only to the public internet, never
    to this machine or a private, link-local, multicast, reserved or unspecified one.
    An IPv6 address carrying an IPv4 one (mapped, 6to4, NAT64) is judged by that one too."""
    if isinstance(address, IPv6Address):
        if address in _LOCAL_NAT64 or address.is_site_local:
            return False
        # Mapped and NAT64 addresses sit in ::/8, reserved as IPv6: the IPv4 one decides.
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address in _NAT64:
            return is_public_address(IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and not is_public_address(address.sixtofour):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def content_problem(content_type: str | None, path: str) -> DownloadRefused | None:
    """None when a `Content-Type` (None: the header was missing) is one a roadmap can come
    as: Markdown or plain text, or a type saying nothing where the file is named .md,
    .markdown or .txt (`path`: the URL's path)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in TEXT_MEDIA_TYPES:
        return None
    if media_type in UNTYPED_MEDIA_TYPES and unquote(path).lower().endswith(READABLE_SUFFIXES):
        return None
    if media_type in HTML_MEDIA_TYPES:
        return refused(DownloadProblem.WEB_PAGE)
    if media_type.startswith("image/"):
        what = _("a picture")
    elif media_type == "application/pdf":
        what = _("a PDF")
    elif media_type in UNTYPED_MEDIA_TYPES:
        what = _("a file that is not named .md or .txt")
    else:
        what = _("a file of type {type}").format(type=media_type)
    return refused(DownloadProblem.NOT_TEXT, what=what)


def status_problem(status: int, *, host: str) -> DownloadRefused:
    """What an error status (400 and up, or a redirect going nowhere) means to the learner."""
    if status in (404, 410):
        return refused(DownloadProblem.NOT_FOUND, status=status)
    if status in (401, 403):
        return refused(DownloadProblem.PRIVATE_FILE, status=status)
    return refused(DownloadProblem.HTTP_ERROR, host=host, status=status)


def filename_of(url: str) -> str:
    """The file's name in a link, for the import's source: "roadmap.md" for
    https://example.org/notes/roadmap.md; the host when the path names none."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    named = [s for s in segments if s.lower() != "raw"]  # a gist's raw link ends in /raw
    name = named[-1] if named else (parts.hostname or "roadmap")
    printable = "".join(c for c in name if c.isprintable() and c not in "/\\").strip()
    return printable[:200] or "roadmap"


_P = DownloadProblem
_USUAL_STATUS = {_P.NOT_FOUND: 404, _P.PRIVATE_FILE: 403}
# Why a connection failed, as the downloader names it (`what` of UNREACHABLE).
CERTIFICATE_FAILED = "its security certificate does not check out"
UNREADABLE_ANSWER = "it answered in a way I can't read"


def refused(
    kind: DownloadProblem, *, host: str = "", status: int = 0, what: str = ""
) -> DownloadRefused:
    """The refusal of one kind, in the words a learner reads: what happened, what to do
    instead, and that nothing was saved. `host` (a site's name, or the forge's for
    NOT_A_FILE), `status` and `what` (a connection's trouble, or what a file is) fill in
    the kinds that name them."""
    status = status or _USUAL_STATUS.get(kind, 0)
    said = (
        _said_of_link(kind, host)
        or _said_of_site(kind, host, what)
        or _said_of_answer(kind, host, status, what)
    )
    nothing_saved = _("Nothing was saved.")
    return DownloadRefused(kind, f"{said} {nothing_saved}")


def _said_of_link(kind: DownloadProblem, forge: str) -> str:
    """What is wrong with the link itself; "" for the other kinds."""
    match kind:
        case _P.NOT_A_LINK:
            return _(
                "That doesn't look like a web link. Send one that starts with https://, "
                "or send the roadmap as a .md file."
            )
        case _P.SCHEME:
            return _(
                "I can only download from http:// and https:// links. Send the roadmap's "
                "https:// link, or the .md file itself."
            )
        case _P.CREDENTIALS:
            return _(
                "That link has a user name or password in it, and I don't use those. Send a "
                "link anyone can open, or the .md file itself."
            )
        case _P.TOO_LONG:
            return _(
                "That link is too long (over {most} characters). Send the file's own link, "
                "or the .md file itself."
            ).format(most=i18n.number(MAX_LINK_LENGTH))
        case _P.NOT_A_FILE if forge:
            return _(
                "That {forge} page is not a file. Open the roadmap's .md file there, press "
                "Raw, and send me that link."
            ).format(forge=forge)
        case _P.NOT_A_FILE:
            return _(
                "That link page is not a file. Open the roadmap's .md file there, press Raw, "
                "and send me that link."
            )
    return ""


def _said_of_site(kind: DownloadProblem, host: str, what: str) -> str:
    """What went wrong reaching the site; "" for the other kinds."""
    site = host or _("that site")
    match kind:
        case _P.PRIVATE_ADDRESS:
            return _(
                "That link leads into a private or local network, and I only download from "
                "the public internet. Put the roadmap somewhere public, such as a GitHub "
                "repository or gist, and send that link."
            )
        case _P.NO_SUCH_HOST:
            return _("I can't find the site {site}. Check that the link is spelled right.").format(
                site=site
            )
        case _P.UNREACHABLE if what:
            return _(
                "I couldn't connect to {site} ({why}). Check that the link opens in your "
                "browser, then try again later."
            ).format(site=site, why=_trouble(what))
        case _P.UNREACHABLE:
            return _(
                "I couldn't connect to {site}. Check that the link opens in your browser, "
                "then try again later."
            ).format(site=site)
        case _P.TIMEOUT if host:
            return _(
                "The site {site} took too long to answer. Try again later, or send the .md "
                "file itself."
            ).format(site=host)
        case _P.TIMEOUT:
            return _(
                "That site took too long to answer. Try again later, or send the .md file itself."
            )
        case _P.INTERRUPTED:
            return _("The download from {site} broke off halfway. Try again in a moment.").format(
                site=site
            )
        case _P.TOO_MANY_REDIRECTS:
            return _(
                "That link sends me on through too many redirects. Send the file's direct "
                "link instead."
            )
    return ""


def _trouble(what: str) -> str:
    """A connection's trouble as the downloader names it, in the language spoken."""
    if what == CERTIFICATE_FAILED:
        return _("its security certificate does not check out")
    if what == UNREADABLE_ANSWER:
        return _("it answered in a way I can't read")
    return what


def _said_of_answer(kind: DownloadProblem, host: str, status: int, what: str) -> str:
    """What the site answered that is no roadmap."""
    shown = i18n.number(status)
    match kind:
        case _P.NOT_FOUND:
            return _(
                "There is no file at that link (the site says {status}). Check that it opens "
                "in your browser; on GitHub, open the file, press Raw and send that link."
            ).format(status=shown)
        case _P.PRIVATE_FILE:
            return _(
                "That file is private (the site says {status}): I can only download files "
                "anyone can open. Make it public, or send the .md file itself."
            ).format(status=shown)
        case _P.TOO_LARGE:
            return _(
                "That file is larger than {limit} MB; a roadmap must be under {limit} MB of "
                "Markdown text."
            ).format(limit=i18n.number(MAX_ROADMAP_BYTES / 1_000_000))
        case _P.WEB_PAGE:
            return _(
                "That link opens a web page, not a Markdown file. Send the raw file's link "
                "instead: on GitHub, open the file and press Raw."
            )
        case _P.NOT_TEXT:
            return _(
                "That link gives {what}, not a Markdown roadmap. Send a link to a .md file."
            ).format(what=what or _("a file that is not text"))
    return _http_error(host, status).format(site=host, status=shown)


def _http_error(host: str, status: int) -> str:
    """An error status other than the ones that say what to do."""
    if status == 429:
        if host:
            return _(
                "The site {site} is busy and asks me to wait (error {status}). Try again "
                "later, or send the .md file itself."
            )
        return _(
            "That site is busy and asks me to wait (error {status}). Try again later, or "
            "send the .md file itself."
        )
    if status >= 500:
        if host:
            return _(
                "The site {site} had a problem (error {status}). Try again later, or send "
                "the .md file itself."
            )
        return _(
            "That site had a problem (error {status}). Try again later, or send the .md "
            "file itself."
        )
    if host:
        return _(
            "The site {site} refused the download (error {status}). Try again later, or "
            "send the .md file itself."
        )
    return _(
        "That site refused the download (error {status}). Try again later, or send the .md "
        "file itself."
    )
