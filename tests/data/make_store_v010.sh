#!/usr/bin/env bash
# Regenerate tests/data/store-v0.1.0/ (an entry store written by feedsmith 0.1.0, commit 9a3d469,
# the diskcache store) and tests/data/store-v0.1.0.export.jsonl (that store's `store export` by
# the same old code), for the store-conversion tests. Offline, with fixed clocks.
#
# Usage, from the repository root: bash tests/data/make_store_v010.sh
# Needs the project venv (.venv, `make test` creates it); the old code uses the same dependencies.
#
# Store contents:
#   seeds: all.atom of a throwaway 0.1.0 build (2026-03-10) of 30 RSS items, 15 of which come back
#          in run 1 (they keep the seed dates) and 15 never do
#   run 1 (2026-03-13T12:00:00Z): feeds/hf-trending-snapshot.json (hf-daily, 72 papers) and a
#          generated RSS feed of 800 items (even: arXiv abs links, odd: example.org posts)
#   run 2 (2026-03-14T12:00:00Z): tests/fixtures/hf_daily_papers_3items.json (hf-daily) and the
#          snapshot with one paper's title changed (merge history, a changed `updated`)
# The store is large enough that diskcache keeps the `m:index` value in a .val file.
set -euo pipefail

OLD_COMMIT=9a3d469
repo=$(git rev-parse --show-toplevel)
cd "$repo"
py="$repo/.venv/bin/python"
dest_store="$repo/tests/data/store-v0.1.0"
dest_export="$repo/tests/data/store-v0.1.0.export.jsonl"

if [[ ! -x $py ]]; then
    echo "error: $py not found; run \`make test\` (or create .venv) first" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/feedsmith-store-v010.XXXXXX")
cleanup() {
    git -C "$repo" worktree remove --force "$tmp/old" >/dev/null 2>&1 || true
    git -C "$repo" worktree prune >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

git worktree add --quiet --detach "$tmp/old" "$OLD_COMMIT"

# Run the old code: the worktree first on sys.path (the editable install only adds /work/main
# through a .pth file in site-packages, which comes after PYTHONPATH), from a neutral folder so no
# feeds/feedsmith.toml of the current directory is picked up, with no FEEDSMITH_* overrides.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(FEEDSMITH_[A-Z_]*\)=.*/\1/p')
export PYTHONPATH="$tmp/old" PYTHONDONTWRITEBYTECODE=1 TZ=UTC PYTHONHASHSEED=0
mkdir -p "$tmp/run"
old_python() { (cd "$tmp/run" && "$py" "$@"); }

where=$(old_python -c 'import feedsmith; print(feedsmith.__file__)')
if [[ $where != "$tmp/old/feedsmith/__init__.py" ]]; then
    echo "error: python imports feedsmith from $where, not from the $OLD_COMMIT worktree" >&2
    exit 1
fi
version=$(old_python -c 'import feedsmith; print(feedsmith.__version__)')
echo "old code: feedsmith $version from $where"

cat > "$tmp/make.py" <<'PY'
"""Build the 0.1.0 store: inputs, a throwaway seed site, run 1 (with seeds), run 2."""
import json
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from feedsmith.config import load_config
from feedsmith.merge import fingerprint
from feedsmith.pipeline import build
from feedsmith.text import html_to_text

tmp, old, feed_items = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
conf = tmp / "conf"
conf.mkdir()
(conf / "topics.toml").write_text((old / "feeds/topics.toml").read_text())

SUBJECTS = ["sparse attention", "retrieval-augmented generation", "diffusion models",
            "instruction tuning", "speech recognition", "reinforcement learning from feedback",
            "graph neural networks", "multimodal reasoning", "code generation", "robot control"]
VERBS = ["Revisiting", "Scaling", "Understanding", "Benchmarking", "Compressing", "Distilling"]


def item(n: int, *, old_only: bool = False) -> dict:
    """RSS item n: even n links an arXiv paper, odd n a plain example.org post."""
    subject = SUBJECTS[n % len(SUBJECTS)]
    verb = VERBS[n % len(VERBS)]
    date = datetime(2026, 3, 12, 18, 0, tzinfo=UTC) - timedelta(hours=3 * n)
    if old_only:
        link = f"https://example.org/archive/{n}"
        guid = f"tag:example.org,2026:archive-{n}"
        title = f"Archived note {n}: {verb.lower()} {subject}"
    elif n % 2 == 0:
        link = f"https://arxiv.org/abs/2401.{n:05d}"
        guid = link
        title = f"{verb} {subject} at scale, part {n}"
    else:
        link = f"https://example.org/post/{n}"
        guid = f"tag:example.org,2026:post-{n}"
        title = f"{verb} {subject}: field notes {n}"
    summary = (f"Item {n} studies {subject}. We describe a method, report results on "
               f"{3 + n % 7} benchmarks and discuss limits; {verb.lower()} {subject} "
               f"changes the cost by {n % 13 + 2} percent in our setting.")
    return {"guid": guid, "link": link, "title": title, "summary": summary,
            "author": f"Author {n % 17}", "date": format_datetime(date)}


def rss(items: list[dict], title: str) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
           f"<title>{escape(title)}</title><link>https://example.org/</link>",
           "<description>Generated for the store-v0.1.0 fixture</description>"]
    for i in items:
        out.append(f"<item><title>{escape(i['title'])}</title><link>{escape(i['link'])}</link>"
                   f"<guid isPermaLink=\"false\">{escape(i['guid'])}</guid>"
                   f"<description>{escape(i['summary'])}</description>"
                   f"<author>{escape(i['author'])}</author><pubDate>{i['date']}</pubDate></item>")
    out.append("</channel></rss>")
    return "\n".join(out) + "\n"


(conf / "posts.rss").write_text(rss([item(n) for n in range(1, feed_items + 1)], "Example posts"))
# the previously published site's feed: 15 items that come back in run 1, 15 that never do
seed_items = [item(n) for n in range(1, 16)] + [item(n, old_only=True) for n in range(1, 16)]
(conf / "seed-posts.rss").write_text(rss(seed_items, "Older posts"))

snapshot = json.loads((old / "feeds/hf-trending-snapshot.json").read_text())
changed = snapshot[5]
# Between two titles from sources of the same priority, merge keeps the one with the larger
# fingerprint: pick a revised title that wins, so run 2 really changes the entry.
old_title = html_to_text(changed["paper"]["title"])
new_title = next(t for t in (f"{old_title} (revision {i})" for i in range(1, 100))
                 if fingerprint(t) > fingerprint(old_title))
changed["paper"]["title"] = new_title
changed["title"] = new_title
print(f"run 2 retitles {changed['paper']['id']}: {new_title!r}")
(conf / "snapshot-revised.json").write_text(json.dumps(snapshot, indent=1))
(conf / "hf-daily-3items.json").write_text(
    (old / "tests/fixtures/hf_daily_papers_3items.json").read_text())

SITE = """include = ["topics.toml"]

[site]
title = "feedsmith store v0.1.0 fixture"
base_url = "http://127.0.0.1:8000/"
output = "{output}"
cache = "{cache}"
window_days = 14
min_entries = 20
max_entries = 500
contact = "https://github.com/feedsmith/feedsmith"
"""


def source(name: str, kind: str, url: str) -> str:
    return f'\n[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'


def write_config(name: str, output: str, cache: str, sources: list[tuple[str, str, str]]) -> Path:
    path = conf / name
    path.write_text(SITE.format(output=output, cache=cache)
                    + "".join(source(*s) for s in sources))
    return path


def show(label: str, report) -> None:
    parts = [f"{s.name}: {s.entries} read, {s.new} new" + (f", ERROR {s.error}" if s.error else "")
             for s in report.sources]
    seeded = f", {report.seeded} seeds" if report.seeded is not None else ""
    print(f"{label}: {report.new} new, {report.changed} changed{seeded} ({'; '.join(parts)})")
    if report.failed:
        sys.exit(f"{label}: a source failed")


seed_config = write_config("seed-site.toml", "../seed-site", "../seed-store",
                           [("older-posts", "feed", "seed-posts.rss")])
show("seed site (2026-03-10)",
     build(load_config(seed_config), now=datetime(2026, 3, 10, 12, 0, tzinfo=UTC)))

run1 = write_config("run1.toml", "../site", "../store",
                    [("hf-trending-snapshot", "hf-daily", str(old / "feeds/hf-trending-snapshot.json")),
                     ("example-posts", "feed", "posts.rss")])
show("run 1 (2026-03-13)", build(load_config(run1), now=datetime(2026, 3, 13, 12, 0, tzinfo=UTC),
                                 seed_from=str(tmp / "seed-site")))

run2 = write_config("run2.toml", "../site", "../store",
                    [("hf-daily-3items", "hf-daily", "hf-daily-3items.json"),
                     ("hf-trending-snapshot", "hf-daily", "snapshot-revised.json"),
                     ("example-posts", "feed", "posts.rss")])
show("run 2 (2026-03-14)", build(load_config(run2), now=datetime(2026, 3, 14, 12, 0, tzinfo=UTC)))

import diskcache  # noqa: E402
import pickle  # noqa: E402

with diskcache.Cache(str(tmp / "store")) as cache:
    index = cache.get("m:index")
print(f"m:index: {len(index['rows'])} rows, {len(pickle.dumps(index, protocol=5))} bytes pickled "
      f"(diskcache keeps values over {cache.disk_min_file_size} bytes in .val files)")
PY

# RSS items of run 1: enough entries that the pickled m:index exceeds diskcache's 32 KB
# disk_min_file_size (about 40 bytes per entry), so it is stored in a .val file.
feed_items=800
old_python "$tmp/make.py" "$tmp" "$tmp/old" "$feed_items"

old_python -m feedsmith store check --config "$tmp/conf/run2.toml" --cache-dir "$tmp/store"
old_python -m feedsmith store export "$tmp/export.jsonl" --config "$tmp/conf/run2.toml" \
    --cache-dir "$tmp/store"

if ! find "$tmp/store" -name '*.val' | grep -q .; then
    echo "error: the store has no .val file (m:index should be kept outside cache.db)" >&2
    exit 1
fi

rm -rf "$dest_store"
cp -R "$tmp/store" "$dest_store"
cp "$tmp/export.jsonl" "$dest_export"

entries=$(($(wc -l < "$dest_export") - 1))
seeds=$(old_python -c 'import json,sys; print(len(json.loads(open(sys.argv[1]).readline())["seeds"]))' \
    "$dest_export")
echo "store: $entries entries, $seeds seed records, $(du -sh "$dest_store" | cut -f1)"
echo "wrote:"
(cd "$repo" && find "${dest_store#"$repo"/}" -type f | sort && echo "${dest_export#"$repo"/}") \
    | sed 's/^/  /'
