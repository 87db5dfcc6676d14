"""OPML 2.0 subscription list: a ``SiteView`` in, ``feeds.opml`` bytes out.

The ``all`` feed is an outline of its own at the top; the topics (in configuration order) sit in
one folder outline after it, so a reader importing the list files them together and a user can
pick the topics or ``all``. Subscribing to both is no use in readers that key articles by id
across feeds (newsboat): each paper then shows in one feed only. A ``Digests`` folder outline
follows with one outline per digest feed. Each feed's ``type="rss"`` outline has its Atom file as
absolute ``xmlUrl`` and its page as ``htmlUrl``. The only date is the newest feed's ``updated``
(no build time), so the same store gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC
from email.utils import format_datetime

from ..topics import ALL
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
    """The OPML 2.0 document listing every feed of ``site``: ``all``, then a folder of topics,
    then a folder of digest feeds."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = site.title
    if site.feeds:
        newest = max(view.updated for view in site.feeds).astimezone(UTC)
        ET.SubElement(head, "dateModified").text = format_datetime(newest, usegmt=True)
    ET.SubElement(head, "ownerName").text = site.author
    body = ET.SubElement(root, "body")
    for view in site.feeds:
        if view.slug == ALL:
            _feed_outline(body, view)
    if site.topics:
        # a folder has only ``text``: with any other attribute it would need a ``type``
        folder = ET.SubElement(body, "outline", {"text": f"{site.title}: topics"})
        for view in site.topics.values():
            _feed_outline(folder, view)
    if site.digests:
        folder = ET.SubElement(body, "outline", {"text": "Digests"})
        for digest in site.digests:
            _feed_outline(folder, digest)
    ET.indent(root, space="  ")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True)) + b"\n"
