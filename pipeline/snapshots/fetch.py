"""Polite, bounded HTTP for snapshots: GET with a total deadline and a size cap, robots.txt,
and a per-host rate limit. Standard library only (``urllib``).

``Fetcher.get(url)`` returns a ``Response`` (any HTTP status) or raises
``FetchError`` (connection refused, timeout, too large, budget spent). The
timeout bounds the whole request: connecting, waiting and reading (the body
is read in chunks, and a server that stalls or drips past the deadline is
cut off). Each request counts against ``max_requests``; the per-host rate
limit waits between two requests to one host.

robots.txt (RFC 9309): fetched once per host and run; a 2xx body is obeyed
for our user agent; a 4xx (no robots.txt) allows everything; a 5xx, a
timeout or a network error disallows the whole host for this run.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

CHUNK = 65536


class FetchError(Exception):
    """A request that gave no usable response; ``reason`` says why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Response:
    url: str  # the final URL, after redirects
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class _NoErrors(urllib.request.HTTPErrorProcessor):
    """Return 4xx/5xx responses instead of raising (the status is data for us); redirects
    (3xx) still go to urllib's redirect handler."""

    def http_response(self, request, response):
        if 300 <= response.status < 400:
            return super().http_response(request, response)
        return response

    https_response = http_response


@dataclass
class Fetcher:
    user_agent: str
    timeout: float
    max_bytes: int
    max_requests: int
    rate_limits: dict[str, float] = field(default_factory=dict)  # host -> seconds between requests
    requests: int = 0
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, urllib.robotparser.RobotFileParser | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoErrors())

    def get(self, url: str) -> Response:
        if self.requests >= self.max_requests:
            raise FetchError(f"request budget of this run spent ({self.max_requests} requests)")
        host = urlsplit(url).netloc
        self._wait(host)
        self.requests += 1
        deadline = time.monotonic() + self.timeout
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity"})
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                body = self._read(resp, deadline)
                return Response(resp.geturl(), resp.status, {k.lower(): v for k, v in resp.headers.items()}, body)
        except FetchError:
            raise
        except urllib.error.HTTPError as exc:  # a redirect that could not be followed (loop, 304 ...)
            return Response(exc.geturl() or url, exc.code, {k.lower(): v for k, v in (exc.headers or {}).items()}, b"")
        except TimeoutError:
            raise FetchError(f"timed out after {self.timeout:g} s") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise FetchError(f"timed out after {self.timeout:g} s") from None
            raise FetchError(f"cannot connect: {reason}") from None
        except OSError as exc:
            raise FetchError(f"network error: {exc}") from None
        finally:
            self._last[host] = time.monotonic()

    def _read(self, resp, deadline: float) -> bytes:
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"timed out after {self.timeout:g} s (the server is too slow)")
            chunk = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"response larger than {self.max_bytes} bytes")
            chunks.append(chunk)

    def _wait(self, host: str) -> None:
        interval = self.rate_limits.get(host, 1.0)
        last = self._last.get(host)
        if last is not None:
            pause = last + interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def allowed(self, url: str) -> tuple[bool, str]:
        """(may we fetch ``url``?, why not) according to its host's robots.txt."""
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            robots_url = urlunsplit((parts.scheme, host, "/robots.txt", "", ""))
            try:
                resp = self.get(robots_url)
            except FetchError as exc:
                self._robots[host] = f"robots.txt could not be read ({exc.reason}): the host is skipped"
            else:
                if 200 <= resp.status < 300:
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(resp.body.decode("utf-8", "replace").splitlines())
                    self._robots[host] = parser
                elif 400 <= resp.status < 500:
                    self._robots[host] = "allow"
                else:
                    self._robots[host] = f"robots.txt answered HTTP {resp.status}: the host is skipped"
        rule = self._robots[host]
        if rule == "allow":
            return True, ""
        if isinstance(rule, str):
            return False, rule
        if rule.can_fetch(self.user_agent, url):
            return True, ""
        return False, "robots.txt forbids this address"
