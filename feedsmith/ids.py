"""Identity: arXiv ids out of ids and URLs, canonical URLs, and the canonical key of a paper.

In: a string that may name a paper (a bare id, an arXiv/Hugging Face/alphaxiv URL, an OAI
identifier) or any URL. Out: ``ArxivId`` values, canonical URLs and store keys. Pure, no I/O.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# New style ids: YYMM.NNNN (0704-1412) and YYMM.NNNNN (1501 on); old style: archive(.SUB)/YYMMNNN.
_NEW = r"(?P<new>(?:0[7-9]|[1-9]\d)(?:0[1-9]|1[0-2])\.\d{4,5})"
_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v(?P<version>\d+))?"
_BARE = re.compile(rf"^(?:arxiv:)?(?:{_NEW}|{_OLD}){_VERSION}$", re.IGNORECASE)
_OAI = re.compile(rf"^oai:arxiv\.org:(?:{_NEW}|{_OLD}){_VERSION}$", re.IGNORECASE)
_PAPER_HOSTS = {"arxiv.org", "export.arxiv.org", "huggingface.co", "alphaxiv.org"}
_URL_PATH = re.compile(
    rf"^/(?:abs|pdf|html|papers|overview)/(?:{_NEW}|{_OLD}){_VERSION}(?:\.pdf)?/?$",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_PUBLISHABLE_SCHEMES = ("http", "https", "urn", "tag")
_TRACKING = re.compile(r"^(?:utm_.*|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|source)$", re.IGNORECASE)

ARXIV_ABS = "https://arxiv.org/abs/"
@dataclass(frozen=True, order=True)
class ArxivId:
    """An arXiv identifier split into its versionless id and optional version."""

    id: str
    version: int | None = None

    @property
    def abs_url(self) -> str:
        """The versionless abstract URL: the entry id readers see."""
        return ARXIV_ABS + self.id

    @property
    def pdf_url(self) -> str:
        """The versionless PDF URL."""
        return "https://arxiv.org/pdf/" + self.id


def _from_match(match: re.Match[str]) -> ArxivId:
    new, old, version = match.group("new"), match.group("old"), match.group("version")
    if new:
        identifier = new
        month_number = int(new[:4])
        digits = len(new) - 5
        # Five-digit ids start in 1501; four-digit ids end in 1412.
        if (digits == 5) != (month_number >= 1501):
            raise ValueError(new)
    else:
        archive, number = old.split("/")
        name, _, subject = archive.partition(".")
        identifier = name.lower() + ("." + subject.upper() if subject else "") + "/" + number
    return ArxivId(identifier, int(version) if version else None)


def extract_arxiv_id(text: str | None) -> ArxivId | None:
    """The arXiv id named by ``text`` (a bare id, an OAI id or a paper URL), else None."""
    if not text:
        return None
    text = text.strip()
    for pattern in (_BARE, _OAI):
        match = pattern.match(text)
        if match:
            try:
                return _from_match(match)
            except ValueError:
                return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.scheme.lower() not in ("http", "https") or host not in _PAPER_HOSTS:
        return None
    match = _URL_PATH.match(parts.path)
    if not match:
        return None
    try:
        return _from_match(match)
    except ValueError:
        return None


def canonical_url(url: str) -> str:
    """``url`` normalized for dedup: https, no ``www.``, no fragment, no trailing slash, no
    tracking parameters, remaining query parameters sorted."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().removeprefix("www.")
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not _TRACKING.match(k))
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def publishable_id(guid: str) -> str:
    """``guid`` if it may be published as an entry id (an http(s), ``urn:`` or ``tag:`` URI, or a
    string without a scheme); else (``javascript:alert(1)``, ``data:...``) a ``urn:uuid:`` derived
    from it, the same on every run and machine."""
    scheme = _SCHEME.match(guid)
    if scheme is None or scheme.group(1).lower() in _PUBLISHABLE_SCHEMES:
        return guid
    return uuid.uuid5(uuid.NAMESPACE_URL, guid).urn


def arxiv_key(arxiv_id: ArxivId) -> str:
    """The store key of an arXiv paper: never carries the version."""
    return "arxiv:" + arxiv_id.id


def url_key(url: str) -> str:
    """The store key of a non-arXiv item identified by its link."""
    return "url:" + canonical_url(url)


def title_fingerprint(title: str) -> str:
    """``title`` reduced to lowercase letters and digits: the same title with other spacing,
    case or punctuation gives the same fingerprint."""
    return re.sub(r"[\W_]+", "", title.casefold())


def item_key(*, guid: str | None, link: str | None, title: str, source: str) -> tuple[str, ArxivId | None]:
    """The store key of a feed item and the arXiv id it names, if any.

    An item whose own guid or link names an arXiv paper is that paper (links inside its content do
    not count); otherwise its canonical link, else its guid within its source, else its title's
    fingerprint within its source.
    """
    for candidate in (guid, link):
        arxiv = extract_arxiv_id(candidate)
        if arxiv is not None:
            return arxiv_key(arxiv), arxiv
    if link and re.match(r"(?i)^https?://", link):
        return url_key(link), None
    if guid and guid.strip():
        if re.match(r"(?i)^https?://", guid.strip()):
            return url_key(guid), None
        return f"guid:{source}:{guid.strip()}", None
    return f"title:{source}:{title_fingerprint(title)}", None
