"""Roadmaps downloaded from links with aiohttp: the `RoadmapDownloads` port.

Every hop of a download (the link, then each redirect, followed here rather than by
aiohttp) passes the core's link rules again. A learner's link may reach public addresses
only, and the addresses checked are the addresses connected to: names are resolved by a
resolver that refuses the whole answer when any address in it is not public, and the
connector connects to what that resolver returned; an address written in the link is
checked before the request. A site cannot then answer a public address to the check and a
private one to the connection.

Each download has a session of its own: imports are rare, and nothing (cookies, pooled
connections, cached names) carries over from one learner's link to another's.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import TypeAlias

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from core.importing.links import (
    CERTIFICATE_FAILED,
    UNREADABLE_ANSWER,
    content_problem,
    download_link,
    filename_of,
    is_public_address,
    refused,
    status_problem,
)
from core.importing.ports import MAX_ROADMAP_BYTES, Downloaded, DownloadProblem, DownloadRefused

Address: TypeAlias = IPv4Address | IPv6Address
Network: TypeAlias = IPv4Network | IPv6Network

USER_AGENT = "RoadmapCoach/0.1 (study coach; imports Markdown roadmaps a learner links to)"
ACCEPT = "text/markdown, text/plain;q=0.9, */*;q=0.1"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
READ_SIZE = 64 * 1024


class _NotPublic(OSError):
    """A name resolved to an address a learner's link may not reach. An OSError, so that
    aiohttp hands it back as the cause of its resolution error."""


class _PublicOnly(AbstractResolver):
    """Resolves with `inner` and refuses the whole answer if any address in it is not
    permitted: the connector then connects only to addresses that were checked."""

    def __init__(self, inner: AbstractResolver, permitted: Callable[[Address], bool]) -> None:
        self._inner = inner
        self._permitted = permitted

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        for result in found:
            if not self._permitted(ip_address(result["host"])):
                raise _NotPublic(f"{host} resolves to {result['host']}")
        return found

    async def close(self) -> None:
        """The inner resolver belongs to whoever made it."""


class WebDownloads:
    """Downloads a roadmap from a link: the first `max_bytes` or a refusal, never more.

    `timeout` bounds the whole download, redirects included; `connect_timeout` each
    connection (name resolution included). `resolver` stands in for the system's (tests);
    `allowed_networks` are networks a learner's link may reach besides the public internet
    (tests, or a deployment with a trusted intranet): none by default.
    """

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        max_redirects: int = 5,
        max_bytes: int = MAX_ROADMAP_BYTES,
        resolver: AbstractResolver | None = None,
        allowed_networks: Iterable[Network] = (),
        user_agent: str = USER_AGENT,
    ) -> None:
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._max_redirects = max_redirects
        self._max_bytes = max_bytes
        self._resolver = resolver
        self._allowed = tuple(allowed_networks)
        self._headers = {aiohttp.hdrs.USER_AGENT: user_agent, aiohttp.hdrs.ACCEPT: ACCEPT}

    def permitted(self, address: Address) -> bool:
        """Whether a learner's link may reach `address`."""
        if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return is_public_address(address) or any(address in net for net in self._allowed)

    async def download(self, url: str, *, from_chat: bool) -> Downloaded | DownloadRefused:
        link = download_link(url)
        if isinstance(link, DownloadRefused):
            return link
        resolver = self._resolver or DefaultResolver()
        try:
            connector = aiohttp.TCPConnector(
                resolver=_PublicOnly(resolver, self.permitted) if from_chat else resolver,
                use_dns_cache=False,  # each new connection resolves, and checks, afresh
            )
            async with aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=None, connect=self._connect_timeout),
                trust_env=False,  # a proxy would connect where no check has looked
            ) as session:
                return await self._follow(session, URL(link), from_chat=from_chat)
        finally:
            if self._resolver is None:
                await resolver.close()

    async def _follow(
        self, session: aiohttp.ClientSession, url: URL, *, from_chat: bool
    ) -> Downloaded | DownloadRefused:
        deadline = asyncio.get_running_loop().time() + self._timeout
        for _ in range(self._max_redirects + 1):
            problem = self._target_problem(url, from_chat=from_chat)
            if problem is not None:
                return problem
            host = url.host or ""
            try:
                async with asyncio.timeout_at(deadline):
                    got = await self._get(session, url)
            except TimeoutError:  # aiohttp's own connect timeouts are TimeoutErrors too
                return refused(DownloadProblem.TIMEOUT, host=host)
            except aiohttp.ClientConnectorDNSError as error:
                if isinstance(error.os_error, _NotPublic):
                    return refused(DownloadProblem.PRIVATE_ADDRESS)
                return refused(DownloadProblem.NO_SUCH_HOST, host=host)
            except aiohttp.ClientSSLError:
                return refused(DownloadProblem.UNREACHABLE, host=host, what=CERTIFICATE_FAILED)
            except aiohttp.ClientConnectorError:
                return refused(DownloadProblem.UNREACHABLE, host=host)
            except (
                aiohttp.ServerDisconnectedError,
                aiohttp.ClientPayloadError,
                aiohttp.ClientConnectionResetError,
            ):
                return refused(DownloadProblem.INTERRUPTED, host=host)
            except aiohttp.InvalidURL:
                return refused(DownloadProblem.NOT_A_LINK)
            except (aiohttp.ClientError, OSError):
                return refused(DownloadProblem.UNREACHABLE, host=host, what=UNREADABLE_ANSWER)
            if not isinstance(got, URL):
                return got
            try:
                location = str(url.join(got))
            except ValueError:
                return refused(DownloadProblem.NOT_A_LINK)
            # The same rules as the learner's own link, GitHub pages mapped to raw files too.
            following = download_link(location)
            if isinstance(following, DownloadRefused):
                return following
            url = URL(following)
        return refused(DownloadProblem.TOO_MANY_REDIRECTS)

    def _target_problem(self, url: URL, *, from_chat: bool) -> DownloadRefused | None:
        """What is wrong with connecting to `url`, read as aiohttp will read it."""
        if url.scheme not in ("http", "https"):
            return refused(DownloadProblem.SCHEME)
        if url.user is not None or url.password is not None:
            return refused(DownloadProblem.CREDENTIALS)
        host = url.raw_host
        if not host:
            return refused(DownloadProblem.NOT_A_LINK)
        if not from_chat:
            return None
        try:
            address = ip_address(host)
        except ValueError:
            # aiohttp connects to a host of digits and dots, or with a colon, without its
            # resolver; the system may read "127.1" or "2130706433" as 127.0.0.1.
            if ":" in host or host.rstrip(".").replace(".", "").isdigit():
                return refused(DownloadProblem.NOT_A_LINK)
            return None  # a name: the resolver checks what it stands for
        if not self.permitted(address):
            return refused(DownloadProblem.PRIVATE_ADDRESS)
        return None

    async def _get(
        self, session: aiohttp.ClientSession, url: URL
    ) -> Downloaded | DownloadRefused | URL:
        """The file at `url`, why not, or where it redirects to (as written there)."""
        host = url.host or ""
        async with session.get(url, allow_redirects=False) as response:
            if response.status in REDIRECTS:
                location = response.headers.get(aiohttp.hdrs.LOCATION)
                if not location:
                    return status_problem(response.status, host=host)
                return URL(location)
            if not 200 <= response.status < 300:
                return status_problem(response.status, host=host)
            problem = content_problem(
                response.headers.get(aiohttp.hdrs.CONTENT_TYPE), response.url.path
            )
            if problem is not None:
                return problem
            declared = response.content_length
            if declared is not None and declared > self._max_bytes:
                return refused(DownloadProblem.TOO_LARGE)
            body = bytearray()
            # Read no more than one byte past the limit: that byte proves it passed.
            while chunk := await response.content.read(
                min(READ_SIZE, self._max_bytes + 1 - len(body))
            ):
                body += chunk
                if len(body) > self._max_bytes:
                    response.close()  # the rest is not read: the connection goes
                    return refused(DownloadProblem.TOO_LARGE)
            final = str(response.url)
            return Downloaded(url=final, filename=filename_of(final), data=bytes(body))
