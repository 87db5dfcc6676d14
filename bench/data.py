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


def write_export(path: Path, *, count: int, newest: datetime, per_day: int = 1000,
                 seed: int = 13) -> int:
    """A ``store export`` of ``count`` Hugging Face papers, written line by line (never all in
    memory), the newest first seen at ``newest`` and ``per_day`` a day before it; each entry is
    what a first delivery of its snapshot item makes (``merge_entries``), with no topics yet (a
    build re-classifies an imported store). Its size in bytes."""
    from feedsmith.merge import merge_entries, with_fingerprints
    from feedsmith.model import Entry, Links, entry_to_record
    from feedsmith.store import EXPORT_FORMAT, EXPORT_HEADER

    gen = Generator(seed)
    rng = gen.rng
    step = timedelta(seconds=86400 // per_day)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({EXPORT_HEADER: EXPORT_FORMAT, "created": (newest - step * count).isoformat(),
                              "seeds": {}}, sort_keys=True) + "\n")
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
