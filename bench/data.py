"""Synthetic but realistic benchmark data: a seed and a scale in, files in a folder out.

Titles and abstracts are composed (seeded RNG) from the real sentences and words of the bundled
Hugging Face snapshot, with topic phrases mixed in so every topic gets members; ids are arXiv-style
(``YYMM.NNNNN``). Nothing here touches the network.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "feeds" / "hf-trending-snapshot.json"

# 50 topics with realistic `any`/`none` phrases (the shape of feeds/topics.toml).
TOPICS: list[tuple[str, list[str], list[str]]] = [
    ("multimodal", ["multimodal", "vision-language", "MLLM", "LVLM", "image-text"], []),
    ("image-generation", ["text-to-image", "image generation", "image editing", "image synthesis"], []),
    ("diffusion", ["diffusion model", "denoising diffusion", "score-based", "flow matching"], []),
    ("video", ["video generation", "video understanding", "text-to-video", "video diffusion"], []),
    ("fine-tuning", ["fine-tuning", "instruction tuning", "LoRA", "parameter-efficient", "PEFT"], []),
    ("long-context", ["long-context", "context window", "context length", "long sequence"], []),
    ("reasoning", ["reasoning", "chain-of-thought", "multi-hop", "math problem"], ["reasoning-free"]),
    ("evaluation", ["benchmark", "evaluation", "LLM-as-a-judge", "leaderboard"],
     ["evaluation metric of the"]),
    ("retrieval", ["dense retrieval", "retrieval-augmented", "RAG", "retriever", "reranking"], []),
    ("surveys", ["survey", "literature review", "critical review"], ["survey data"]),
    ("medical", ["medical", "clinical", "biomedical", "radiology", "chest X-ray"], []),
    ("efficiency", ["quantization", "pruning", "efficient inference", "speedup", "memory footprint"], []),
    ("data", ["dataset", "data synthesis", "data augmentation", "synthetic data", "data curation"], []),
    ("multilingual", ["multilingual", "machine translation", "cross-lingual", "low-resource language"], []),
    ("agents", ["LLM agent", "autonomous agent", "multi-agent", "tool use", "agentic"], ["user agent"]),
    ("rlhf", ["RLHF", "preference optimization", "DPO", "reward model", "human feedback"], []),
    ("reinforcement-learning", ["reinforcement learning", "policy gradient", "Q-learning", "PPO"], []),
    ("robotics", ["robot", "robotic manipulation", "embodied", "locomotion"], ["robots.txt"]),
    ("speech", ["speech recognition", "text-to-speech", "ASR", "spoken language", "speech synthesis"], []),
    ("audio", ["audio generation", "music generation", "sound event", "audio-language"], []),
    ("code", ["code generation", "program synthesis", "code LLM", "software engineering"], []),
    ("math", ["theorem proving", "mathematical reasoning", "formal verification", "Lean 4"], []),
    ("safety", ["jailbreak", "red teaming", "AI safety", "harmful content", "alignment tax"], []),
    ("interpretability", ["interpretability", "mechanistic", "sparse autoencoder", "probing"], []),
    ("hallucination", ["hallucination", "factuality", "faithfulness"], []),
    ("3d", ["3D reconstruction", "NeRF", "Gaussian splatting", "point cloud", "novel view synthesis"], []),
    ("segmentation", ["semantic segmentation", "instance segmentation", "SAM", "panoptic"], []),
    ("detection", ["object detection", "open-vocabulary detection", "bounding box"], []),
    ("graph", ["graph neural network", "GNN", "knowledge graph", "graph learning"], []),
    ("time-series", ["time series", "forecasting", "temporal data"], ["weather forecasting"]),
    ("federated", ["federated learning", "client drift", "privacy-preserving"], []),
    ("privacy", ["differential privacy", "membership inference", "data leakage"], []),
    ("moe", ["mixture of experts", "MoE", "expert routing", "sparse experts"], []),
    ("architecture", ["transformer architecture", "state space model", "Mamba", "linear attention"], []),
    ("pretraining", ["pretraining", "pre-training", "scaling law", "training recipe"], []),
    ("distillation", ["knowledge distillation", "distillation", "teacher model", "student model"], []),
    ("continual", ["continual learning", "catastrophic forgetting", "lifelong learning"], []),
    ("tokenization", ["tokenizer", "tokenization", "byte-level", "vocabulary size"], []),
    ("embeddings", ["text embedding", "embedding model", "sentence embedding", "contrastive learning"], []),
    ("recommendation", ["recommender system", "recommendation", "collaborative filtering"], []),
    ("science", ["protein", "molecule", "materials discovery", "drug discovery", "AI for science"], []),
    ("education", ["education", "student learning", "tutoring", "classroom"], ["student model"]),
    ("legal-finance", ["legal", "financial", "finance", "contract review"], []),
    ("autonomous-driving", ["autonomous driving", "self-driving", "motion planning", "trajectory prediction"],
     []),
    ("ocr-documents", ["OCR", "document understanding", "table extraction", "chart understanding"], []),
    ("prompting", ["prompt engineering", "in-context learning", "few-shot prompting", "prompt"], []),
    ("inference-serving", ["KV cache", "speculative decoding", "serving system", "inference engine"], []),
    ("world-models", ["world model", "simulation", "physical dynamics"], []),
    ("fairness", ["bias", "fairness", "stereotype", "debiasing"], ["bias term"]),
    ("optimization", ["optimizer", "learning rate", "gradient descent", "Adam", "convergence"], []),
]

FIRST_NAMES = ["Wei", "Yu", "Jun", "Anna", "Maria", "David", "Li", "Sara", "Omar", "Ivan", "Chen", "Akira",
               "Priya", "Lucas", "Elena", "Jia", "Tom", "Nina", "Hao", "Fatima", "Kenji", "Zhen", "Yulin"]
LAST_NAMES = ["Zhang", "Wang", "Li", "Liu", "Chen", "Smith", "Kim", "Garcia", "Müller", "Rossi", "Sato",
              "Singh", "Nguyen", "Ivanova", "Han", "Jiang", "Pan", "Xie", "Zhou", "Brown", "Dubois"]


def corpus() -> tuple[list[str], list[str]]:
    """Real sentences and words of the bundled snapshot's abstracts."""
    items = json.loads(SNAPSHOT.read_text())
    sentences: list[str] = []
    words: list[str] = []
    for item in items:
        summary = (item.get("paper") or {}).get("summary") or ""
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", summary) if len(s.strip()) > 30]
        words += re.findall(r"[A-Za-z][A-Za-z\-]{2,}", summary)
    return sentences, words


class Generator:
    """Seeded paper generator: same seed, same papers."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.sentences, self.words = corpus()
        self.phrases = [p for _, any_, _ in TOPICS for p in any_]

    def title(self) -> str:
        rng = self.rng
        head = " ".join(w.capitalize() for w in rng.sample(self.words, rng.randint(3, 7)))
        return f"{head}: {rng.choice(self.phrases)} for {' '.join(rng.sample(self.words, rng.randint(2, 5)))}"

    def abstract(self) -> str:
        rng = self.rng
        parts = rng.sample(self.sentences, rng.randint(5, 10))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(parts) + 1)
            parts.insert(position, f"We study {rng.choice(self.phrases)} in this setting.")
        return " ".join(parts)

    def authors(self) -> list[str]:
        rng = self.rng
        return [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(rng.randint(1, 9))]


def arxiv_id(n: int) -> str:
    """A distinct arXiv-style id for serial ``n``: ``YYMM.NNNNN`` (25,000 a month, like arXiv)."""
    month = n // 25_000
    year, mon = 24 + month // 12, 1 + month % 12
    return f"{year:02d}{mon:02d}.{n % 25_000 + 10_000:05d}"


def hf_item(gen: Generator, serial: int, day: datetime) -> dict[str, object]:
    """One item in the shape of the Hugging Face ``/api/daily_papers`` response."""
    rng = gen.rng
    title, abstract = gen.title(), gen.abstract()
    paper: dict[str, object] = {
        "id": arxiv_id(serial),
        "authors": [{"name": a, "hidden": False} for a in gen.authors()],
        "title": title,
        "summary": abstract,
        "publishedAt": day.strftime("%Y-%m-%dT00:00:00.000Z"),
        "submittedOnDailyAt": day.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "upvotes": rng.randint(0, 300),
    }
    if rng.random() < 0.4:
        paper["githubRepo"] = f"https://github.com/lab{rng.randint(1, 500)}/repo{serial}"
    if rng.random() < 0.5:
        paper["ai_keywords"] = rng.sample(gen.phrases, 4)
    return {"paper": paper, "title": title, "summary": abstract, "numComments": rng.randint(0, 20),
            "thumbnail": f"https://cdn.example.org/thumbs/{arxiv_id(serial)}.png"}


def write_snapshots(folder: Path, *, files: int, per_file: int, first_serial: int = 0,
                    seed: int = 7, start: datetime | None = None) -> list[Path]:
    """``files`` JSON snapshot files of ``per_file`` daily_papers items each; their paths."""
    gen = Generator(seed + first_serial)
    folder.mkdir(parents=True, exist_ok=True)
    start = start or datetime(2025, 1, 1, tzinfo=UTC)
    paths = []
    serial = first_serial
    for f in range(files):
        day = start + timedelta(days=(first_serial // per_file) + f)
        items = []
        for _ in range(per_file):
            items.append(hf_item(gen, serial, day))
            serial += 1
        path = folder / f"daily-{first_serial // per_file + f:04d}.json"
        path.write_text(json.dumps(items))
        paths.append(path)
    return paths


def topics_toml() -> str:
    """The 50-topic configuration as TOML."""
    lines = []
    for slug, any_, none in TOPICS:
        lines.append(f"[topics.{slug}]")
        lines.append(f'title = "{slug.replace("-", " ").capitalize()}"')
        lines.append(f'description = "Papers about {any_[0]} and related work."')
        lines.append("any = " + json.dumps(any_))
        if none:
            lines.append("none = " + json.dumps(none))
        lines.append("")
    return "\n".join(lines)


def rss_feed(gen: Generator, number: int, items: int, now: datetime) -> bytes:
    """An RSS 2.0 feed of ``items`` papers (half arXiv, half lab-blog posts)."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
           f"<title>Lab feed {number}</title><link>https://lab{number}.example.org/</link>"
           f"<description>Posts and papers from lab {number}</description>"]
    for i in range(items):
        serial = 500_000 + number * 1000 + i
        date = format_datetime(now - timedelta(hours=i + number), usegmt=True)
        link = (f"https://arxiv.org/abs/{arxiv_id(serial)}v1" if i % 2 == 0
                else f"https://lab{number}.example.org/blog/post-{i}")
        authors = ", ".join(gen.authors())
        out.append(f"<item><title>{escape(gen.title())}</title><link>{link}</link>"
                   f'<guid isPermaLink="true">{link}</guid><pubDate>{date}</pubDate>'
                   f"<author>{escape(authors)}</author>"
                   f"<description>{escape('<p>' + gen.abstract() + '</p>')}</description></item>")
    out.append("</channel></rss>\n")
    return "".join(out).encode()


def atom_feed(gen: Generator, number: int, items: int, now: datetime) -> bytes:
    """An Atom 1.0 feed of ``items`` papers (half arXiv, half lab-blog posts)."""
    updated = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           f"<title>Group feed {number}</title><id>https://group{number}.example.org/</id>"
           f'<link href="https://group{number}.example.org/"/><updated>{updated}</updated>']
    for i in range(items):
        serial = 500_000 + number * 1000 + i
        stamp = (now - timedelta(hours=i + number)).strftime("%Y-%m-%dT%H:%M:%SZ")
        link = (f"https://arxiv.org/abs/{arxiv_id(serial)}" if i % 2 == 0
                else f"https://group{number}.example.org/news/{i}")
        names = "".join(f"<author><name>{escape(a)}</name></author>" for a in gen.authors())
        out.append(f"<entry><title>{escape(gen.title())}</title><id>{link}</id>"
                   f'<link rel="alternate" href="{link}"/><updated>{stamp}</updated>'
                   f"<published>{stamp}</published>{names}"
                   f'<summary type="html">{escape("<p>" + gen.abstract() + "</p>")}</summary></entry>')
    out.append("</feed>\n")
    return "".join(out).encode()


def write_feeds(folder: Path, *, count: int, items: int, now: datetime, seed: int = 11) -> list[Path]:
    """``count`` feed files (RSS and Atom alternating) named ``feed-N.xml``."""
    gen = Generator(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        data = rss_feed(gen, n, items, now) if n % 2 == 0 else atom_feed(gen, n, items, now)
        path = folder / f"feed-{n}.xml"
        path.write_bytes(data)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# The differential corpus: feeds whose items vary the way real feeds do (tests/test_feed_paths.py)

NAMESPACES = ('xmlns:dc="http://purl.org/dc/elements/1.1/" '
              'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
              'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"')
RDF_NAMESPACES = ('xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                  'xmlns="http://purl.org/rss/1.0/" ' + NAMESPACES)
# Dates as feeds write them: RFC 822 with zones and offsets, two-digit years, no zone, ISO forms
# in RSS, impossible and far-off dates, and words.
ODD_DATES = ("Tue, 12 May 2026 09:00:00 +0000", "Tue, 12 May 2026 09:00:00 GMT",
             "12 May 2026 09:00:00 -0500", "Tue, 12 May 2026 09:00:00 EST",
             "Tue, 12 May 2026 09:00:00 PDT", "Tue, 12 May 26 09:00:00 GMT",
             "Tue, 12 May 2026 09:00:00", "Tue, 12 May 2026 09:00 +0200", "2026-05-12T09:00:00Z",
             "2026-05-12T09:00:00.123+02:00", "2026-05-12", "Mon, 12 May 2026 09:00:00 +0000",
             "Tue, 30 Feb 2026 09:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
             "Wed, 01 Jan 1800 00:00:00 GMT", "yesterday", "", "Tue,  12   May 2026 09:00:00 UT")
ISO_DATES = ("2026-05-12T09:00:00Z", "2026-05-12T09:00:00+02:00", "2026-05-12T09:00:00.5-03:30",
             "2026-05-12T09:00:00", "2026-05-12", "2026-05-12T09:00Z", "2099-01-01T00:00:00Z",
             "1990-12-31T23:59:59Z", "2026-02-30T00:00:00Z", "not a date",
             "Tue, 12 May 2026 09:00:00 GMT", " 2026-05-12T09:00:00Z ")
TITLES = ("plain", "escaped-html", "cdata-html", "entities", "spaces", "unicode", "empty", "none",
          "encoded-twice", "script", "mojibake")
SUMMARIES = ("escaped-html", "cdata-html", "plain", "none", "entities", "empty", "block-html")


def _title(gen: Generator, style: str) -> str | None:
    """A title element's inner XML in ``style`` (None: no title element)."""
    title = gen.title()
    return {
        "plain": escape(title),
        "escaped-html": escape(f"{title} with <em>emphasis</em> & <b>bold</b>"),
        "cdata-html": f"<![CDATA[{title} <i>in CDATA</i> & more]]>",
        "entities": escape(title) + " &amp; caf&#233; &#x2019;quoted&#x2019; &lt;3 &quot;q&quot;",
        "spaces": f"\n   {escape(title)}\n\t  second   line  ",
        "unicode": escape(title) + " — naïve 数学 ﬁ \u200fمرحبا 🧪 \u0093C1 quotes\u0094",
        "empty": "",
        "none": None,
        "encoded-twice": escape(escape(f"{title} <b>twice</b>")),
        "script": escape(f"{title} <script>alert(1)</script><img src=x onerror=alert(2)>"),
        "mojibake": escape(title) + " caf\u00c3\u00a9 \u00e2\u0080\u0099",  # UTF-8 read as Latin-1
    }[style]


def _summary(gen: Generator, style: str) -> str | None:
    text = gen.abstract()
    return {
        "escaped-html": escape(f"<p>{text}</p><p>Second <a href='https://e.org/x'>link</a></p>"),
        "cdata-html": f"<![CDATA[<div><p>{text}</p><br/>tail &amp; more</div>]]>",
        "plain": escape(text),
        "none": None,
        "entities": escape(text[:200]) + " &amp;lt;tag&amp;gt; &#8212; &#169; &#x1F9EA;",
        "empty": "",
        "block-html": escape(f"<h2>Head</h2><ul><li>{text[:80]}</li><li>two</li></ul>"
                             "<table><tr><td>a</td><td>b</td></tr></table>"),
    }[style]


def _shuffled(rng: random.Random, tag: str, parts: list[str]) -> str:
    """An element ``tag`` holding ``parts`` in a random order (feeds order an item's fields freely)."""
    rng.shuffle(parts)
    return f"<{tag}>{''.join(parts)}</{tag}>"


def _pick(rng: random.Random, styles: tuple[str, ...], focus: tuple[str, ...]) -> str:
    """A style: one of ``focus`` (those in ``styles``) half the time, else any."""
    chosen = [style for style in focus if style in styles]
    return rng.choice(chosen) if chosen and rng.random() < 0.5 else rng.choice(styles)


def variant_rss(gen: Generator, number: int, items: int, now: datetime, *,
                focus: tuple[str, ...] = (), version: str = "2.0") -> bytes:
    """An RSS 2.0 feed whose items vary in every field: titles and descriptions in ``TITLES`` and
    ``SUMMARIES`` styles (``focus`` ones more often), guids permalink or not, Dublin Core creators
    and dates, ``content:encoded``, categories, enclosures, media thumbnails, relative and arXiv
    links, odd dates and missing fields."""
    rng = gen.rng
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="{version}" {NAMESPACES}>'
           f"<channel><title>Variant {number}</title><link>https://v{number}.example.org/</link>"
           f"<description>Variant feed {number}</description>"
           f'<atom:link rel="self" href="https://v{number}.example.org/feed"/>']
    for i in range(items):
        serial = 700_000 + number * 1000 + i
        parts: list[str] = []
        title = _title(gen, _pick(rng, TITLES, focus))
        if title is not None:
            parts.append(f"<title>{title}</title>")
        link_kind = rng.choice(("arxiv", "arxiv-v", "blog", "blog-utm", "relative", "none", "spaced",
                                "js", "slashes"))
        link = {"arxiv": f"https://arxiv.org/abs/{arxiv_id(serial)}",
                "arxiv-v": f"http://arxiv.org/abs/{arxiv_id(serial)}v{rng.randint(1, 4)}",
                "blog": f"https://v{number}.example.org/post/{i}",
                "blog-utm": f"https://v{number}.example.org/post/{i}?utm_source=rss&amp;utm_medium=x",
                "relative": f"/post/{i}", "none": None,
                "spaced": f"\n  https://v{number}.example.org/p/{i}  \n",
                "js": "javascript:alert(1)", "slashes": f"https:///v{number}.example.org/s/{i}"}[link_kind]
        if link is not None:
            parts.append(f"<link>{link}</link>")
        guid = {"permalink": f'<guid isPermaLink="true">https://v{number}.example.org/g/{i}</guid>',
                "false": f'<guid isPermaLink="false">v{number}-item-{i}</guid>',
                "oai": f'<guid isPermaLink="false">oai:arXiv.org:{arxiv_id(serial)}v2</guid>',
                "tag": f"<guid>tag:v{number}.example.org,2026:{i}</guid>",
                "url-no-attr": f"<guid>https://v{number}.example.org/u/{i}</guid>",
                "dup": f'<guid isPermaLink="false">v{number}-dup</guid>', "none": ""}
        parts.append(guid[rng.choice(sorted(guid))])
        author_kind = rng.choice(("author", "email", "creator", "creators", "none", "both"))
        names = gen.authors()
        if author_kind in ("author", "both"):
            parts.append(f"<author>{escape(', '.join(names))}</author>")
        if author_kind == "email":
            parts.append(f"<author>someone@v{number}.example.org ({escape(names[0])})</author>")
        if author_kind in ("creator", "both"):
            parts.append(f"<dc:creator>{escape(names[0])}</dc:creator>")
        if author_kind == "creators":
            parts += [f"<dc:creator><![CDATA[{name}]]></dc:creator>" for name in names]
        date_kind = rng.random()
        stamp = now - timedelta(hours=i + number)
        if date_kind < 0.5:
            parts.append(f"<pubDate>{format_datetime(stamp, usegmt=True)}</pubDate>")
        elif date_kind < 0.75:
            parts.append(f"<pubDate>{rng.choice(ODD_DATES)}</pubDate>")
        elif date_kind < 0.9:
            parts.append(f"<dc:date>{rng.choice(ISO_DATES)}</dc:date>")
        summary = _summary(gen, _pick(rng, SUMMARIES, focus))
        if summary is not None:
            parts.append(f"<description>{summary}</description>")
        if rng.random() < 0.3:
            parts.append(f"<content:encoded><![CDATA[<p>Full text {i}: {gen.abstract()}</p>]]>"
                         "</content:encoded>")
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            term = rng.choice(gen.phrases)
            domain = ' domain="https://e.org/c"' if rng.random() < 0.3 else ""
            parts.append(f"<category{domain}>{escape(term)}</category>")
        if rng.random() < 0.15:
            parts.append(f"<dc:subject>{escape(rng.choice(gen.phrases))}</dc:subject>")
        enclosure = rng.random()
        if enclosure < 0.15:
            parts.append(f'<enclosure url="https://v{number}.example.org/files/{i}.pdf" '
                         f'type="application/pdf" length="{rng.randint(1000, 99999)}"/>')
        elif enclosure < 0.25:
            parts.append(f'<enclosure url="https://v{number}.example.org/a/{i}.mp3" type="audio/mpeg" '
                         'length="0"/>')
        media = rng.random()
        if media < 0.15:
            parts.append(f'<media:thumbnail url="https://v{number}.example.org/img/{i}.png" width="60"/>')
        elif media < 0.2:
            parts.append(f'<media:content url="https://v{number}.example.org/img/{i}.jpg" medium="image">'
                         f'<media:thumbnail url="https://v{number}.example.org/img/t{i}.jpg"/>'
                         "</media:content>")
        if rng.random() < 0.1:
            parts.append(f"<comments>https://v{number}.example.org/post/{i}#comments</comments>")
        out.append(_shuffled(rng, "item", parts))
    return ("".join(out) + "</channel></rss>\n").encode()


def variant_rdf(gen: Generator, number: int, items: int, now: datetime) -> bytes:
    """An RSS 1.0 (RDF) feed: ``rdf:about`` ids, Dublin Core creators, dates and subjects."""
    rng = gen.rng
    about = [f"https://r{number}.example.net/a/{i}" for i in range(items)]
    seq = "".join(f'<rdf:li rdf:resource="{a}"/>' for a in about)
    out = [f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF {RDF_NAMESPACES}>'
           f'<channel rdf:about="https://r{number}.example.net/"><title>RDF {number}</title>'
           f"<link>https://r{number}.example.net/</link><description>d</description>"
           f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>"]
    for url in about:
        parts = [f"<link>{url}</link>"]
        title = _title(gen, rng.choice(TITLES))
        if title is not None:
            parts.append(f"<title>{title}</title>")
        summary = _summary(gen, rng.choice(SUMMARIES))
        if summary is not None:
            parts.append(f"<description>{summary}</description>")
        for name in gen.authors()[: rng.randint(0, 3)]:
            parts.append(f"<dc:creator>{escape(name)}</dc:creator>")
        if rng.random() < 0.8:
            parts.append(f"<dc:date>{rng.choice(ISO_DATES)}</dc:date>")
        if rng.random() < 0.4:
            parts.append(f"<dc:subject>{escape(rng.choice(gen.phrases))}</dc:subject>")
        out.append(f'<item rdf:about="{url}">{"".join(parts)}</item>')
    out.append("</rdf:RDF>\n")
    return "".join(out).encode()


ATOM_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
             'xmlns:media="http://search.yahoo.com/mrss/"><title>Atom variant {number}</title>'
             '<id>urn:variant:{number}</id><updated>2026-05-12T09:00:00Z</updated>'
             '<link rel="self" href="https://a{number}.example.com/atom"/>')


def variant_atom(gen: Generator, number: int, items: int, now: datetime, *,
                 focus: tuple[str, ...] = ()) -> bytes:
    """An Atom 1.0 feed whose entries vary: text constructs of type text, html and xhtml, several
    authors (names, emails only), links of every relation and type (alternate, related,
    enclosure PDFs, self, none), categories with terms and labels, dates in ``ISO_DATES``,
    missing ids and titles, media thumbnails, and relative hrefs."""
    rng = gen.rng
    out = [ATOM_HEAD.format(number=number)]
    for i in range(items):
        parts: list[str] = []
        title = _title(gen, _pick(rng, TITLES, focus))
        serial = 800_000 + number * 1000 + i
        kind = rng.choice(("", ' type="text"', ' type="html"', ' type="xhtml"'))
        if title is not None and kind == ' type="xhtml"':
            parts.append(f'<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                         f"{escape(gen.title())} <b>bold</b></div></title>")
        elif title is not None:
            parts.append(f"<title{kind}>{title}</title>")
        id_kind = rng.choice(("url", "arxiv", "tag", "urn", "none", "arxiv-v"))
        if id_kind != "none":
            parts.append("<id>" + {"url": f"https://a{number}.example.com/e/{i}",
                                   "arxiv": f"https://arxiv.org/abs/{arxiv_id(serial)}",
                                   "arxiv-v": f"http://arxiv.org/abs/{arxiv_id(serial)}v3",
                                   "tag": f"tag:a{number}.example.com,2026:{i}",
                                   "urn": f"urn:uuid:00000000-0000-4000-8000-{serial:012d}"}[id_kind]
                         + "</id>")
        for link in rng.sample(["alternate", "bare", "related", "pdf", "self", "typed-alternate",
                                "relative", "second-alternate"], rng.randint(0, 4)):
            href = f"https://a{number}.example.com/p/{i}"
            parts.append({
                "alternate": f'<link rel="alternate" href="{href}"/>',
                "bare": f'<link href="{href}/bare"/>',
                "related": f'<link rel="related" href="https://other.example.org/{i}"/>',
                "pdf": f'<link rel="enclosure" type="application/pdf" href="{href}.pdf" length="9"/>',
                "self": f'<link rel="self" href="{href}.atom"/>',
                "typed-alternate": f'<link rel="alternate" type="text/html" href="{href}/html"/>',
                "relative": f'<link rel="alternate" href="/p/{i}/rel"/>',
                "second-alternate": f'<link rel="alternate" type="application/json" href="{href}.json"/>',
            }[link])
        for _ in range(rng.choice((0, 1, 1, 2, 3, 6))):
            who = rng.random()
            name = escape(rng.choice(FIRST_NAMES) + " " + rng.choice(LAST_NAMES))
            if who < 0.8:
                parts.append(f"<author><name>{name}</name></author>")
            elif who < 0.9 or "empty" not in focus:
                parts.append(f"<author><name>{name}</name><email>x@e.org</email>"
                             "<uri>https://e.org/</uri></author>")
            else:  # a missing name: only in feeds whose focus is missing fields
                parts.append("<author><email>only@e.org</email></author>")
        if rng.random() < 0.1:
            parts.append("<contributor><name>A Contributor</name></contributor>")
        dates = rng.random()
        if dates < 0.6:
            stamp = (now - timedelta(hours=i + number)).strftime("%Y-%m-%dT%H:%M:%SZ")
            parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
        elif dates < 0.75:
            parts.append(f"<updated>{rng.choice(ISO_DATES)}</updated>")
        elif dates < 0.9:
            parts.append(f"<published>{rng.choice(ISO_DATES)}</published>"
                         f"<updated>{rng.choice(ISO_DATES)}</updated>")
        for _ in range(rng.choice((0, 0, 1, 2))):
            term = escape(rng.choice(gen.phrases))
            parts.append(rng.choice((f'<category term="{term}"/>',
                                     f'<category term="{term}" label="Label {term}"/>',
                                     f'<category term="{term}" scheme="https://e.org/s"/>',
                                     '<category label="only a label"/>')))
        summary_style = _pick(rng, SUMMARIES, focus)
        summary = _summary(gen, summary_style)
        summary_type = ' type="html"' if "html" in summary_style else rng.choice(("", ' type="text"'))
        if summary is not None:
            parts.append(f"<summary{summary_type}>{summary}</summary>")
        content = rng.random()
        if content < 0.2:
            parts.append(f'<content type="html">{escape("<p>" + gen.abstract() + "</p>")}</content>')
        elif content < 0.3:
            parts.append('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                         f"<p>{escape(gen.abstract())}</p><p>two</p></div></content>")
        elif content < 0.35:
            parts.append(f"<content>{escape(gen.abstract())}</content>")
        if rng.random() < 0.1:
            parts.append(f'<media:thumbnail url="https://a{number}.example.com/t/{i}.png"/>')
        out.append(_shuffled(rng, "entry", parts))
    return ("".join(out) + "</feed>\n").encode()


def feed_corpus(now: datetime, *, seed: int = 13, items: int = 12) -> list[tuple[str, bytes]]:
    """The differential corpus: named feeds, the bench's own two shapes and the variants."""
    gen = Generator(seed)
    corpus = [(f"rss-{n}", rss_feed(gen, n, items, now)) for n in range(4)]
    corpus += [(f"atom-{n}", atom_feed(gen, n, items, now)) for n in range(4, 8)]
    focuses = [(), ("escaped-html", "cdata-html"), ("entities", "encoded-twice"),
               ("spaces", "unicode"), ("empty", "none"), ("script", "block-html")]
    for n, focus in enumerate(focuses * 3):
        corpus.append((f"variant-rss-{n}", variant_rss(gen, n, items, now, focus=focus)))
        corpus.append((f"variant-atom-{n}", variant_atom(gen, n, items, now, focus=focus)))
    corpus += [(f"variant-rss-091-{n}", variant_rss(gen, 20 + n, items, now, version="0.91"))
               for n in range(2)]
    corpus += [(f"variant-rdf-{n}", variant_rdf(gen, n, items, now)) for n in range(6)]
    return corpus


def write_export(path: Path, *, count: int, newest: datetime, per_day: int = 1000,
                 seed: int = 13) -> int:
    """A ``store export`` of ``count`` Hugging Face papers, written line by line (never all in
    memory), the newest first seen at ``newest`` and ``per_day`` a day before it; each entry is
    what a first delivery of its snapshot item makes (``merge_entries``), with no topics yet (a
    build re-classifies an imported store). Its size in bytes."""
    from feedsmith.merge import merge_entries, with_fingerprints
    from feedsmith.model import Entry, Links, entry_to_record
    from feedsmith.store import ENTRIES_ONLY_FORMAT, EXPORT_HEADER

    gen = Generator(seed)
    rng = gen.rng
    step = timedelta(seconds=86400 // per_day)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        created = (newest - step * count).isoformat()
        out.write(json.dumps({EXPORT_HEADER: ENTRIES_ONLY_FORMAT, "created": created, "seeds": {}},
                             sort_keys=True) + "\n")
        for serial in range(count):
            pid = arxiv_id(serial)
            seen = newest - step * (count - 1 - serial)
            day = seen.replace(hour=0, minute=0, second=0, microsecond=0)
            abs_url = f"https://arxiv.org/abs/{pid}"
            code = f"https://github.com/lab{rng.randint(1, 500)}/repo{serial}" if rng.random() < 0.4 else None
            entry = Entry(
                key=f"arxiv:{pid}", guid=abs_url, title=gen.title(), summary=gen.abstract(),
                authors=tuple(gen.authors()), arxiv_id=pid, sources=(f"daily-{serial // per_day:04d}",),
                links=Links(url=abs_url, pdf=f"https://arxiv.org/pdf/{pid}",
                            hf=f"https://huggingface.co/papers/{pid}", code=code),
                paper_date=day, upvotes=rng.randint(0, 300), comments=rng.randint(0, 20),
                thumbnail=f"https://cdn.example.org/thumbs/{pid}.png", hf_day=day.date().isoformat(),
                keywords=tuple(rng.sample(gen.phrases, 4)) if rng.random() < 0.5 else (),
                origin="hf-daily")
            merged = merge_entries(None, entry, family="hf", stamp=lambda seen=seen: seen, run=seen)
            out.write(json.dumps(entry_to_record(with_fingerprints(merged)), sort_keys=True,
                                 ensure_ascii=False) + "\n")
    return path.stat().st_size
