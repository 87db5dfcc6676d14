"""The site in a real browser: Debian's chromium, headless, driven by playwright over CDP.

``feedsmith serve`` (``start_server``) serves two sites. The fixed site's entries include one
titled ``<img src=x onerror=alert(1)>``: the index must list every topic with working links, a
feed link must open, and the hostile title must show as text, on the pages and in search results,
with no dialog raised. A site built from the bundled snapshot and the three recorded Hugging Face
items is searched: typing a word of one paper's abstract finds that paper, and its result leads to
it; an abstract folds open; no page logs an error or asks any host but the server for anything.
The browser is started by path (never ``playwright install``); ``make test`` installs it (``make
system-deps``), and the test is skipped only when the binary is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from feedsmith.config import load_config, with_overrides
from feedsmith.jobs import build
from feedsmith.model import Entry
from feedsmith.render import site_files
from feedsmith.render.search import pages_to_index, search_bundle
from feedsmith.render.site import write_site
from feedsmith.render.view import entry_anchor
from feedsmith.serve import RunningServer, start_server
from feedsmith.store import open_store
from tests.conftest import SNAPSHOT, write_config
from tests.sitecheck import IMG_TITLE, RECORDED, T0, fixed_site

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="chromium is not installed (/usr/bin/chromium): run `make system-deps`"),
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
RESULT_LINKS = ".pagefind-ui__result-nested .pagefind-ui__result-link"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[RunningServer]:
    """The fixed site with its search bundle."""
    site = tmp_path / "site"
    files = site_files(fixed_site())
    write_site(site, {**files, **search_bundle(pages_to_index(files))})
    server = start_server(site)
    yield server
    server.stop()


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[RunningServer, list[Entry]]]:
    """A site built from the three recorded items and the snapshot, served; its stored entries."""
    papers = tmp_path / "papers.json"
    papers.write_text(json.dumps(json.loads(RECORDED.read_bytes()) + json.loads(SNAPSHOT.read_bytes())))
    config = load_config(write_config(tmp_path, [("papers", "hf-daily", str(papers))]))
    config.site.output.mkdir()
    server = start_server(config.site.output)
    config = with_overrides(config, base_url=server.url)
    build(config, now=T0)
    with open_store(config.site.cache) as store:
        entries = list(store.entries())
    yield server, entries
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


class Watch:
    """What a page does besides showing itself: console errors, uncaught exceptions and every
    URL the browser asks for (images, scripts, index chunks...)."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.context.on("request", lambda request: self.requests.append(request.url))

    def elsewhere(self, base: str) -> list[str]:
        """The requests for anything not on ``base``."""
        return [url for url in self.requests if not url.startswith(base)]


def test_index_topics_feeds_and_hostile_title_in_chromium(served: RunningServer, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(served.url + "index.html")
    assert response is not None and response.status == 200
    assert page.title() == "Test site"

    for view in fixed_site().feeds:
        topic = page.locator(f"#topic-{view.slug}")
        assert topic.count() == 1, view.slug
        hrefs = topic.locator("h2 a, .subscribe a").evaluate_all("links => links.map(a => a.href)")
        expected = {served.url + view.file(ext) for ext in ("html", "atom", "rss", "json")}
        assert set(hrefs) == expected, view.slug
        for href in hrefs:
            assert page.request.get(href).status == 200, href
        newest = topic.locator(".newest a").evaluate_all("links => links.map(a => a.href)")
        assert newest == [served.url + view.file("html") + "#" + entry_anchor(e)
                          for e in view.entries[:3]]
    discovered = page.locator('link[rel="alternate"]').evaluate_all(
        "links => links.map(l => [l.type, l.href])")
    assert discovered == [["application/atom+xml", served.url + "all.atom"],
                          ["application/rss+xml", served.url + "all.rss"],
                          ["application/feed+json", served.url + "all.json"]]

    # the hostile title, on the index and on its topic page: text, not markup
    assert page.get_by_text(IMG_TITLE, exact=True).count() == 2  # newest in `all` and `vision`
    page.locator("#topic-vision h2 a").click()
    page.wait_for_load_state("load")
    assert page.url == served.url + "vision.html"
    heading = page.locator("article h2 a").nth(1)
    assert heading.inner_text() == IMG_TITLE
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script").count() == 0

    # a feed link opens. Chromium shows application/atom+xml as source text (where the title is
    # the escaped text of the XML): browsers are no feed readers, so the feeds name no stylesheet
    # and their alternate link leads to this page instead
    with page.expect_response(served.url + "vision.atom") as feed_response:
        page.locator(".subscribe a", has_text="Atom").click()
    assert feed_response.value.status == 200
    assert feed_response.value.headers["content-type"].startswith("application/atom+xml")
    page.wait_for_load_state("load")
    assert page.url == served.url + "vision.atom"
    shown = page.locator(":root").inner_text()
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in shown
    assert f'<link href="{fixed_site().base_url}vision.html" rel="alternate"/>' in shown
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []

    # control: the same title as raw markup does raise a dialog, so the listener above works
    with page.expect_event("dialog"):
        page.goto(served.url + "index.html")
        page.set_content(IMG_TITLE)
    assert dialogs == ["1"]


def test_search_results_show_hostile_text_as_text(served: RunningServer, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    watch = Watch(page)
    page.goto(served.url + "search.html?q=onerror")
    page.locator(RESULT_LINKS).first.wait_for()
    titles = page.locator(RESULT_LINKS).all_inner_texts()
    assert titles and set(titles) == {IMG_TITLE}
    assert page.locator("img[src='x']").count() == 0 and dialogs == []
    assert watch.errors == [] and watch.elsewhere(served.url) == []


def unique_word(target: Entry, entries: list[Entry]) -> str:
    """A word of ``target``'s abstract that no other paper's text shares even in part (Pagefind
    matches word stems and prefixes, so its first six letters must be unique too)."""
    others = " ".join(f"{e.title} {e.summary} {e.tldr or ''} {' '.join(e.authors)}"
                      for e in entries if e.key != target.key).lower()
    words = sorted(set(re.findall(r"\b[a-z]{8,}\b", target.summary.lower())))
    return next(w for w in words if w[:6] not in others)


def test_typing_a_word_of_one_abstract_finds_that_paper(
        built: tuple[RunningServer, list[Entry]], page: Any) -> None:
    server, entries = built
    target = next(e for e in entries if e.arxiv_id == "2605.05242")
    word = unique_word(target, entries)
    watch = Watch(page)
    page.goto(server.url + "index.html")
    page.locator("form.search input").fill(word)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}search.html?q={word}")
    page.locator(RESULT_LINKS).first.wait_for()
    results = page.locator(RESULT_LINKS)
    assert set(results.all_inner_texts()) == {target.title}, word
    anchor = entry_anchor(target)
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert all(href.endswith(f".html#{anchor}") for href in hrefs), hrefs
    results.first.click()
    page.wait_for_url(re.compile(rf".*\.html#{re.escape(anchor)}$"))
    heading = page.locator(f"h2[id='{anchor}']")
    assert heading.inner_text() == target.title and heading.is_visible()
    # the search box on every page also works by typing into Pagefind's own field
    page.goto(server.url + "search.html")
    page.locator(".pagefind-ui__search-input").type(word, delay=20)
    page.locator(RESULT_LINKS).first.wait_for()
    assert set(page.locator(RESULT_LINKS).all_inner_texts()) == {target.title}
    assert watch.errors == [] and watch.elsewhere(server.url) == []


def test_an_abstract_opens_and_no_page_errs_or_loads_from_elsewhere(
        built: tuple[RunningServer, list[Entry]], page: Any) -> None:
    server, entries = built
    watch = Watch(page)
    page.goto(server.url + "index.html")
    page.locator("#topic-all h2 a").click()
    page.wait_for_load_state("load")
    article = page.locator("article").first
    details = article.locator("details")
    abstract = details.locator("p").first
    assert details.get_attribute("open") is None and not abstract.is_visible()
    details.locator("summary").click()
    assert details.evaluate("d => d.open") is True and abstract.is_visible()
    first = next(e for e in entries if e.title == article.locator("h2").inner_text())
    assert abstract.inner_text() == first.summary
    assert article.locator(".tldr").inner_text() == first.tldr  # the newest: a recorded item
    for name in ("embeddings-retrieval.html", "search.html?q=diffusion"):
        page.goto(server.url + name)
        page.wait_for_load_state("load")
    page.locator(RESULT_LINKS).first.wait_for()
    assert watch.errors == []
    assert watch.elsewhere(server.url) == []
    assert any("/pagefind/" in url for url in watch.requests)  # the search did run


def test_search_page_opened_from_disk_says_it_needs_http(tmp_path: Path, page: Any) -> None:
    site = tmp_path / "site"
    write_site(site, site_files(fixed_site()))
    page.goto((site / "search.html").as_uri())
    assert page.locator("#search-needs-http").is_visible()
