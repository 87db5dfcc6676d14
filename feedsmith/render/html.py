"""HTML pages: a ``SiteView`` in, ``index.html`` and one ``<slug>.html`` per feed out.

Links between pages and to feeds are relative, so the folder works on any host and sub-path.
Source text is escaped by jinja2's autoescaping; nothing here builds markup by hand.
"""

from __future__ import annotations

from . import SiteView
from .content import environment

NEWEST_ON_INDEX = 10


def pages(site: SiteView) -> dict[str, bytes]:
    """``index.html`` and each feed's page, by file name."""
    env = environment()
    files = {"index.html": env.get_template("index.html").render(site=site, newest=NEWEST_ON_INDEX).encode()}
    topic_page = env.get_template("topic.html")
    for view in site.feeds:
        files[view.file("html")] = topic_page.render(site=site, view=view).encode()
    return files
