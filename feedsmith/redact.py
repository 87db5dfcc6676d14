"""Secrets kept out of text: a URL in, the same URL with its userinfo and the values of query
parameters that look secret shown as ``***`` out.

``redact_url`` is used wherever feedsmith puts a URL into a message, report or log line;
``redact_text`` applies it to every URL inside a message feedsmith did not write itself (a
library's exception, a command-line error). A parameter looks secret when its name contains
one of ``SECRET_NAMES`` (``api_key``, ``X-Amz-Signature``, ``access_token``, ``sessionid``...);
the URL's fragment is treated like its query (``#access_token=...``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "***"
SECRET_NAMES = ("key", "token", "secret", "pass", "pwd", "sig", "auth", "credential", "session",
                "cookie")
_SECRET_NAME = re.compile("|".join(SECRET_NAMES), re.IGNORECASE)
_URL = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>]*[^\s'"<>.,;:)\]]""")  # no end punctuation


def _redact_params(text: str) -> str:
    """``a=1&api_key=x`` as ``a=1&api_key=***``."""
    params = []
    for param in text.split("&"):
        name, equals, _ = param.partition("=")
        secret = equals and _SECRET_NAME.search(unquote(name))
        params.append(f"{name}={MASK}" if secret else param)
    return "&".join(params)


def redact_url(url: str) -> str:
    """``url`` with its userinfo and the values of secret-looking parameters as ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL urllib can read (a broken IPv6 host): mask what may be secret
        head, query, _ = url.partition("?")
        return re.sub(r"//[^/]*@", f"//{MASK}@", head) + (f"?{MASK}" if query else "")
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, _redact_params(parts.query),
                       _redact_params(parts.fragment)))


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted (``redact_url``)."""
    return _URL.sub(lambda match: redact_url(match.group()), text)
