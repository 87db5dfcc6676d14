"""OPML 2.0 subscription list: a ``SiteView`` in, ``feeds.opml`` bytes out.

One ``type="rss"`` outline per feed (``all`` first, then the topics in configuration order) whose
absolute ``xmlUrl`` is the feed's Atom file and ``htmlUrl`` its page; then a ``Digests`` folder
outline with one such outline per digest feed. The only date is the newest feed's ``updated`` (no
build time), so the same store gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC
from email.utils import format_datetime

from .view import FeedLike, SiteView


def _feed_outline(parent: ET.Element, view: FeedLike) -> None:
    ET.SubElement(parent, "outline", {
        "type": "rss",
        "text": view.title,
        "title": view.title,
        "description": view.description or view.title,
        "xmlUrl": view.url("atom"),
        "htmlUrl": view.url("html"),
    })


def opml(site: SiteView) -> bytes:
    """The OPML 2.0 document listing every feed of ``site``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = site.title
    if site.feeds:
        newest = max(view.updated for view in site.feeds).astimezone(UTC)
        ET.SubElement(head, "dateModified").text = format_datetime(newest, usegmt=True)
    ET.SubElement(head, "ownerName").text = site.author
    body = ET.SubElement(root, "body")
    for view in site.feeds:
        _feed_outline(body, view)
    if site.digests:
        folder = ET.SubElement(body, "outline", {"text": "Digests", "title": "Digests"})
        for digest in site.digests:
            _feed_outline(folder, digest)
    ET.indent(root, space="  ")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
