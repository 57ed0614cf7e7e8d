"""Who may talk to the dashboard: the loopback rule and the token (contract 5.6).

Bound to the loopback address, only this machine can reach the server and no token is asked.
Bound to any other address, every request needs ``Authorization: Bearer TOKEN`` with the token
of ``PROFITLENS_TOKEN``, else 401; without a token the server refuses to start. A browser cannot
send that header when following a link, so ``/login`` also accepts the token once and keeps it
in a cookie (HttpOnly, SameSite=Strict) that stands for the header.
"""

from __future__ import annotations

import hmac
import ipaddress

from ..errors import ProfitlensError

TOKEN_VARIABLE = "PROFITLENS_TOKEN"
COOKIE = "profitlens_token"
#: paths answered without the token: the login form and what it needs
OPEN_PATHS = ("/login", "/static/")
#: headers on every response: no framing, no sniffing, nothing loaded from elsewhere
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def required_token(host: str, token: str | None) -> str | None:
    """The token requests must carry when bound to ``host`` (None: none needed).

    Raises
    ------
    ProfitlensError
        When ``host`` is not loopback and there is no token.

    Examples
    --------
    >>> required_token("127.0.0.1", None) is None
    True
    >>> required_token("0.0.0.0", "s3cret")
    's3cret'
    """
    if is_loopback(host):
        return None
    if not token:
        raise ProfitlensError(
            f"--host {host} makes the dashboard reachable from other machines; set "
            f"{TOKEN_VARIABLE} to a secret token first (clients then send "
            "'Authorization: Bearer TOKEN'), or serve on 127.0.0.1"
        )
    return token


def authorised(token: str, authorization: str | None, cookie: str | None) -> bool:
    """Whether a request carries ``token``, as a Bearer header or the login cookie (compared in
    constant time)."""
    given = None
    if authorization and authorization[:7].lower() == "bearer ":
        given = authorization[7:].strip()
    elif cookie:
        given = cookie
    return given is not None and hmac.compare_digest(
        given.encode("utf-8", "replace"), token.encode("utf-8")
    )
