"""The site in a real browser: Debian's chromium, headless, driven by playwright over CDP.

``feedsmith serve`` (``start_server``) serves a rendered site whose entries include one titled
``<img src=x onerror=alert(1)>``; the index must list every topic with working links, a feed link
must open, and the hostile title must show as text with no dialog raised. The browser is started
by path (never ``playwright install``); ``make test`` installs it (``make system-deps``), and the
test is skipped only when the binary is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedsmith.render import site_files
from feedsmith.render.site import write_site
from feedsmith.serve import RunningServer, start_server
from tests.sitecheck import IMG_TITLE, fixed_site

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="chromium is not installed (/usr/bin/chromium): run `make system-deps`"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningServer]:
    site = tmp_path / "site"
    write_site(site, site_files(fixed_site()))
    server = start_server(site)
    yield server
    server.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS)
        try:
            yield context.new_page()
        finally:
            context.close()


def test_index_topics_feeds_and_hostile_title_in_chromium(served: RunningServer, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(served.url + "index.html")
    assert response is not None and response.status == 200
    assert page.title() == "Test site"

    for view in fixed_site().feeds:
        topic = page.locator(f"#topic-{view.slug}")
        assert topic.count() == 1, view.slug
        hrefs = topic.locator("a").evaluate_all("links => links.map(a => a.href)")
        expected = {served.url + view.file(ext) for ext in ("html", "atom", "rss", "json")}
        assert set(hrefs) == expected, view.slug
        for href in hrefs:
            assert page.request.get(href).status == 200, href
    discovered = page.locator('link[rel="alternate"]').evaluate_all(
        "links => links.map(l => [l.type, l.href])")
    assert discovered == [["application/atom+xml", served.url + "all.atom"],
                          ["application/rss+xml", served.url + "all.rss"],
                          ["application/feed+json", served.url + "all.json"]]

    # the hostile title, on the index and on its topic page: text, not markup
    assert page.get_by_text(IMG_TITLE, exact=True).count() == 1
    page.locator("#topic-vision h3 a").click()
    page.wait_for_load_state("load")
    assert page.url == served.url + "vision.html"
    heading = page.locator("article h2 a").nth(1)
    assert heading.inner_text() == IMG_TITLE
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script").count() == 0

    # a feed link opens (Chromium shows application/atom+xml as source text, where the title is
    # the escaped text of the XML; other browsers apply feed.css)
    with page.expect_response(served.url + "vision.atom") as feed_response:
        page.locator(".subscribe a", has_text="Atom").click()
    assert feed_response.value.status == 200
    assert feed_response.value.headers["content-type"].startswith("application/atom+xml")
    page.wait_for_load_state("load")
    assert page.url == served.url + "vision.atom"
    shown = page.locator(":root").inner_text()
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in shown
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []

    # control: the same title as raw markup does raise a dialog, so the listener above works
    with page.expect_event("dialog"):
        page.goto(served.url + "index.html")
        page.set_content(IMG_TITLE)
    assert dialogs == ["1"]
