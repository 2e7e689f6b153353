"""A Datasette plugin (loaded with ``--plugins-dir`` by ``pipeline serve``): security headers on every response.

- ``Content-Security-Policy``: scripts, styles, images and requests only from the
  server itself (no third-party script, no request to another origin), no
  plugins (``object-src 'none'``), no ``<base>`` rewriting, no framing, forms
  only to the server. Datasette's own pages use inline scripts, so
  ``'unsafe-inline'`` stays allowed for scripts; stored text cannot become
  script because every link the project writes is checked (``serve.safe_url``:
  only http and https) and Datasette itself links only http(s) values.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY``.
"""

from datasette import hookimpl

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope.get("type") != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(event):
                if event.get("type") == "http.response.start":
                    names = {h[0].lower() for h in HEADERS}
                    headers = [h for h in event.get("headers", []) if h[0].lower() not in names]
                    event = {**event, "headers": headers + HEADERS}
                await send(event)

            await app(scope, receive, send_with_headers)

        return with_headers

    return wrap
