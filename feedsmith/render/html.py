"""HTML pages: a ``SiteView`` in, ``index.html`` and one ``<slug>.html`` per feed out.

Links between pages and to feeds are relative, so the folder works on any host and sub-path.
Source text is escaped by jinja2's autoescaping; nothing here builds markup by hand.
"""

from __future__ import annotations

from markupsafe import Markup

from ..model import Entry
from .content import EntryHTML, PerEntry, environment
from .view import INDEX, SiteView

NEWEST_ON_INDEX = 10


def pages(site: SiteView, html_of: EntryHTML | None = None) -> dict[str, bytes]:
    """``index.html`` and each feed's page, by file name. Each entry's ``<article>`` is rendered
    once and reused on every topic page that lists it."""
    env = environment()
    html_of = html_of or EntryHTML()
    article_page = env.get_template("article.html")

    def render_article(entry: Entry) -> Markup:
        return Markup(article_page.render(entry=entry, content=Markup(html_of(entry))))

    article = PerEntry(render_article)

    files = {INDEX: env.get_template("index.html").render(site=site, newest=NEWEST_ON_INDEX).encode()}
    topic_page = env.get_template("topic.html")
    for view in site.feeds:
        files[view.file("html")] = topic_page.render(site=site, view=view, article=article).encode()
    return files
