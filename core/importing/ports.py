"""What the core asks of the outside to fetch a roadmap from a link."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

# The largest roadmap, sent or downloaded: here, so that the adapters and the downloader
# learn it without loading the Markdown reader, whose MAX_BYTES it is.
MAX_ROADMAP_BYTES = 1_000_000


class DownloadProblem(enum.StrEnum):
    """Why a link gave no roadmap: what the learner can do differs for each."""

    # The link itself, before anything is fetched.
    NOT_A_LINK = "not_a_link"
    SCHEME = "scheme"  # not http or https
    CREDENTIALS = "credentials"  # a user name or password in the link
    TOO_LONG = "too_long"
    NOT_A_FILE = "not_a_file"  # a forge's page or folder, not a file in it
    # Where it leads.
    PRIVATE_ADDRESS = "private_address"  # a learner's link into a private or local network
    NO_SUCH_HOST = "no_such_host"
    UNREACHABLE = "unreachable"  # refused, reset, or a certificate that does not check out
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"  # the answer broke off halfway
    TOO_MANY_REDIRECTS = "too_many_redirects"
    # What the site answered.
    NOT_FOUND = "not_found"  # 404, 410
    PRIVATE_FILE = "private_file"  # 401, 403
    HTTP_ERROR = "http_error"  # any other error status
    TOO_LARGE = "too_large"
    WEB_PAGE = "web_page"  # HTML: the page around a file rather than the file
    NOT_TEXT = "not_text"  # an image, a PDF, anything but plain text or Markdown


@dataclass(frozen=True)
class Downloaded:
    url: str  # where the file was found, after redirects
    filename: str  # its name, the import's source: "roadmap.md"
    data: bytes


@dataclass(frozen=True)
class DownloadRefused:
    kind: DownloadProblem
    reason: str  # for the learner, in the language spoken: what happened and what to do instead


class RoadmapDownloads(Protocol):
    async def download(self, url: str, *, from_chat: bool) -> Downloaded | DownloadRefused:
        """The file at `url` (a link as typed: it is checked and mapped again), or why not.
        `from_chat` is a learner's link, which may reach public addresses only; the
        operator's may reach any. Never raises for what a link or a site can do wrong."""
        ...
