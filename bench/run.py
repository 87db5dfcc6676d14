"""``make bench``: feedsmith at scale (100,000 entries, 50 topics, 200 sources) against its floors.

In: ``--scale`` (1.0 = the issue's sizes; ``BENCH_QUICK=1`` means 0.1) and ``--runs`` (default 3).
Out: one table on stdout: per scenario the median wall time, CPU time, peak RSS and files written
(each run in a fresh subprocess, so RSS is per scenario), the floor measured in the same run, the
ratio, the target and PASS/MISS. Progress goes to stderr. All data is synthetic (see ``data.py``)
and lives in a temp folder that is removed at the end (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATENCY = 0.05
HOSTS = 20
PER_HOST = 2          # the per-host concurrency written into the [crawl] table
PEER_WORKERS = 16
FIRST_PORT = 18100
RSS_LIMIT_MB = 300
SCENARIOS = {"S1", "S2", "S3", "S4", "S5", "S6"}


# --------------------------------------------------------------------------------------------
# children: one scenario, measured in this (fresh) process, result as one JSON line
# --------------------------------------------------------------------------------------------
def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (Pagefind, in a build)."""
    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def _tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.exists():
        return {}
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.rglob("*") if p.is_file()}


def _changed(before: dict[str, tuple[int, int]], folder: Path) -> int:
    after = _tree_state(folder)
    return sum(1 for name, state in after.items() if before.get(name) != state)


def _measure(action: Callable[[], Any], watch: Path | None = None) -> dict[str, Any]:
    before = _tree_state(watch) if watch else {}
    cpu, wall = _cpu(), time.perf_counter()
    extra = action() or {}
    result = {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu}
    if watch is not None and "files" not in extra:
        extra["files"] = _changed(before, watch)
    result.update(extra)
    result["rss"] = _rss_mb()
    return result


def _load(path: Path) -> Any:
    from feedsmith.config import load_config
    return load_config(path)


def ingest(config: Any, now: datetime) -> Any:
    """The sources of ``config`` into its store, no rendering."""
    from feedsmith import crawl_sources
    return crawl_sources(config, now=now)


def child_ingest(work: Path, config: str, now: str) -> dict[str, Any]:
    cfg = _load(work / config)
    stamp = datetime.fromisoformat(now)
    report: list[Any] = []
    out = _measure(lambda: report.append(ingest(cfg, stamp)), cfg.site.cache)
    failed = [s.error for s in report[0].sources if s.error]
    out["note"] = f"{report[0].new} new" + (f", {len(failed)} FAILED: {failed[0]}" if failed else "")
    return out


def child_build(work: Path, config: str, now: str) -> dict[str, Any]:
    from feedsmith import build
    cfg = _load(work / config)
    stamp = datetime.fromisoformat(now)

    def run() -> dict[str, Any]:
        report = build(cfg, now=stamp)
        written = len(report.write.written) if report.write else 0
        return {"files": written, "note": f"{report.new} new, {len(report.topic_counts)} feeds"}
    return _measure(run)


def child_floor_ingest(work: Path, snapshots: str) -> dict[str, Any]:
    import diskcache
    files = sorted((work / snapshots).glob("daily-*.json"))
    target = work / "floor-store"
    shutil.rmtree(target, ignore_errors=True)

    def run() -> dict[str, Any]:
        cache = diskcache.Cache(str(target), eviction_policy="none", statistics=False)
        count = 0
        with cache.transact():
            for path in files:
                with path.open("rb") as handle:
                    for item in json.load(handle):
                        cache.set("e:" + item["paper"]["id"], item)
                        count += 1
        cache.close()
        return {"note": f"{count} records"}
    return _measure(run, target)


def child_floor_render(work: Path, snapshots: str, feeds: int, per_feed: int) -> dict[str, Any]:
    from feedgen.feed import FeedGenerator
    files = sorted((work / snapshots).glob("daily-*.json"))
    items: list[dict[str, Any]] = []
    for path in files:
        items += json.loads(path.read_text())
        if len(items) >= feeds * per_feed:
            break
    out = work / "floor-site"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()

    def run() -> None:
        for f in range(feeds):
            fg = FeedGenerator()
            fg.id(f"https://feeds.example.org/t{f}.atom")
            fg.title(f"Topic {f}")
            fg.subtitle("A topic")
            fg.author({"name": "feedsmith"})
            fg.link(href=f"https://feeds.example.org/t{f}.atom", rel="self")
            fg.link(href=f"https://feeds.example.org/t{f}.html", rel="alternate")
            fg.updated(T0)
            for i, item in enumerate(items[f * per_feed % len(items):][:per_feed]):
                paper = item["paper"]
                fe = fg.add_entry(order="append")
                url = f"https://arxiv.org/abs/{paper['id']}"
                fe.id(url)
                fe.guid(url, permalink=True)
                fe.title(paper["title"])
                fe.link(href=url)
                for author in paper["authors"]:
                    fe.author({"name": author["name"]})
                fe.published(T0 - timedelta(seconds=i))
                fe.updated(T0 - timedelta(seconds=i))
                fe.summary(paper["summary"])
                fe.content(paper["summary"], type="html")
            fg.atom_file(str(out / f"t{f}.atom"), pretty=True)
            fg.rss_file(str(out / f"t{f}.rss"), pretty=True)
    return _measure(run, out)


def child_floor_parse(work: Path, feeds_dir: str) -> dict[str, Any]:
    import feedparser
    blobs = [(p.read_bytes(), "application/rss+xml") for p in sorted((work / feeds_dir).glob("*.xml"))]

    def run() -> dict[str, Any]:
        entries = 0
        for blob, kind in blobs:
            entries += len(feedparser.parse(blob, response_headers={"content-type": kind}).entries)
        return {"files": 0, "note": f"{entries} items parsed"}
    return _measure(run)


def child_peer(work: Path, urls: str, db: str, fresh: bool) -> dict[str, Any]:
    from reader import make_reader
    path = work / db
    if fresh and path.exists():
        path.unlink()
    reader = make_reader(str(path), search_enabled=False)
    if fresh:
        for url in json.loads((work / urls).read_text()):
            reader.add_feed(url)

    def run() -> dict[str, Any]:
        reader.update_feeds(workers=PEER_WORKERS, scheduled=False)
        return {"files": 0}
    out = _measure(run)
    out["note"] = f"{reader.get_entry_counts().total} entries"
    reader.close()
    return out


def child_whole(work: Path, args: list[str], watch: str | None = None) -> dict[str, Any]:
    """``feedsmith ARGS`` as a whole process, the way cron runs it (interpreter start-up, imports,
    the CLI, the store's open and checkpoint): its wall time, CPU time and peak RSS. This child
    starts only that one process, so its children's maximum RSS is that process's."""
    before = _tree_state(work / watch) if watch else {}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "feedsmith", *args], cwd=work, capture_output=True,
                          text=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"feedsmith {' '.join(args)} failed: {done.stderr.strip()[-300:]}")
    out: dict[str, Any] = {
        "wall": wall, "cpu": after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
        "rss": after.ru_maxrss / 1024,
        "note": (done.stdout.strip().splitlines() or [""])[-1][:80]}
    if watch:
        out["files"] = _changed(before, work / watch)
    return out


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "ingest": child_ingest, "build": child_build, "floor_ingest": child_floor_ingest,
    "floor_render": child_floor_render, "floor_parse": child_floor_parse, "peer": child_peer,
    "whole": child_whole,
}


# --------------------------------------------------------------------------------------------
# parent: data, server, runs, table
# --------------------------------------------------------------------------------------------
def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_process(cmd: list[str], cwd: Path | None = None) -> tuple[int, str, str, dict[str, float]]:
    """Run ``cmd`` (in ``cwd``) to its end: exit code, stdout, stderr, and the whole process's
    wall time (start to exit, interpreter start-up and imports included), CPU time and peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        whole = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024}
        return process.returncode, out.read().decode(), err.read().decode(), whole


def run_child(name: str, work: Path, **kwargs: Any) -> dict[str, Any]:
    """Run child ``name`` in a fresh interpreter; its measurement (or an error), and under
    ``process`` the same for the whole process."""
    cmd = [sys.executable, str(HERE / "run.py"), "--child", name, "--work", str(work),
           "--kwargs", json.dumps(kwargs)]
    code, out, err, whole = run_process(cmd)
    if code != 0:
        tail = (err.strip().splitlines() or ["?"])[-1]
        return {"error": f"{name} failed: {tail}"}
    return {**json.loads(out.strip().splitlines()[-1]), "process": whole}


def run_cli(work: Path, *args: str, watch: Path | None = None) -> dict[str, Any]:
    """``python -m feedsmith ARGS`` as cron runs it, measured as a whole process; ``files``: the
    files it changed in ``watch``."""
    before = _tree_state(watch) if watch else {}
    # in the work folder: ``-m`` looks in the current folder first, which must not be a checkout
    code, _, err, whole = run_process([sys.executable, "-m", "feedsmith", *args], cwd=work)
    if code != 0:
        tail = (err.strip().splitlines() or ["?"])[-1]
        return {"error": f"feedsmith {args[0]} exited {code}: {tail}"}
    return {**whole, "files": _changed(before, watch) if watch else 0}


def whole_process(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The whole-process measurements of children's runs (errors as they are)."""
    return [r if "error" in r else {**r["process"], "files": r.get("files", 0), "note": r.get("note", "")}
            for r in runs]


def server_stats(reset: bool = False) -> dict[str, int]:
    path = "/_reset" if reset else "/_stats"
    with urllib.request.urlopen(f"http://127.0.0.1:{FIRST_PORT}{path}", timeout=5) as response:
        return dict(json.loads(response.read()))


class Row:
    """One table row: the runs of a scenario and what it is held to."""

    def __init__(self, name: str, runs: list[dict[str, Any]], *, floor: float | None = None,
                 target: str = "", check: Callable[[Row], bool] | None = None) -> None:
        self.name, self.runs, self.floor, self.target, self.check = name, runs, floor, target, check
        errors = [r["error"] for r in runs if "error" in r]
        self.error = errors[0] if errors else None
        ok = [r for r in runs if "error" not in r]
        self.wall = statistics.median(r["wall"] for r in ok) if ok else math.nan
        self.cpu = statistics.median(r["cpu"] for r in ok) if ok else math.nan
        self.rss = max((r["rss"] for r in ok), default=math.nan)
        self.files = max((r.get("files", 0) for r in ok), default=0)
        self.note = "; ".join(dict.fromkeys(str(r["note"]) for r in ok if r.get("note")))

    @property
    def ratio(self) -> float | None:
        return self.wall / self.floor if self.floor else None

    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.check is None:
            return ""
        return "PASS" if self.check(self) and self.rss < RSS_LIMIT_MB else "MISS"


def print_table(rows: list[Row], header: str) -> None:
    print(header)
    cols = ["scenario", "wall s", "cpu s", "peak RSS MB", "files", "floor s", "x floor", "target",
            "result", "notes"]
    lines = [cols]
    for r in rows:
        if r.error:
            lines.append([r.name, "error", "", "", "", "", "", r.target, "ERROR", r.error[:90]])
            continue
        lines.append([r.name, f"{r.wall:.3f}", f"{r.cpu:.3f}", f"{r.rss:.0f}", str(r.files),
                      f"{r.floor:.3f}" if r.floor else "", f"{r.ratio:.2f}" if r.ratio else "",
                      r.target, r.verdict(), r.note])
    widths = [max(len(line[i]) for line in lines) for i in range(len(cols) - 1)]
    for n, line in enumerate(lines):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=False))
              + " | " + line[-1] + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|---|")


def site_toml(work: Path, name: str, *, cache: str, output: str, sources: list[tuple[str, str, str]],
              crawl: str = "") -> str:
    """Write a configuration file ``name`` in ``work``; its name."""
    lines = ['include = ["topics.toml"]', "[site]", 'base_url = "https://feeds.example.org/ml/"',
             f'output = "{output}"', f'cache = "{cache}"', "window_days = 14", "min_entries = 20",
             "max_entries = 100"]
    if crawl:
        lines.append(crawl)
    for source_name, kind, url in sources:
        lines += ["[[sources]]", f'name = "{source_name}"', f'kind = "{kind}"', f'url = "{url}"']
    (work / name).write_text("\n".join(lines) + "\n")
    return name


def crawl_config(work: Path, urls: list[str]) -> str:
    """The S5 configuration: one ``feed`` source per URL and ``PER_HOST`` requests per host."""
    sources = [(f"feed-{n}", "feed", url) for n, url in enumerate(urls)]
    return site_toml(work, "s5.toml", cache="s5-store", output="s5-site", sources=sources,
                     crawl=f"[crawl]\nconcurrency = {PER_HOST}")


def copy_state(src: Path, dst: Path) -> None:
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)


def main() -> None:
    parser = argparse.ArgumentParser(description="feedsmith benchmarks (see bench/README.md)")
    parser.add_argument("--scale", type=float, default=0.1 if os.environ.get("BENCH_QUICK") else 1.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--no-crawl", action="store_true", help="skip S5/S6 (no HTTP server)")
    parser.add_argument("--only", type=lambda v: set(v.upper().split(",")), default=SCENARIOS,
                        help="run only these scenarios (comma-separated: S1,...,S6; S2-S4 need S1)")
    parser.add_argument("--big", action="store_true",
                        help="S7 only: a store of 1,000,000 entries (x scale), `make bench-big`")
    parser.add_argument("--child")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--kwargs", default="{}")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.work, **json.loads(args.kwargs))))
        return
    started = time.perf_counter()
    # As cron runs an installed feedsmith: its bytecode compiled (pip compiles it on install; an
    # editable install under PYTHONDONTWRITEBYTECODE would compile every module at every start).
    package = importlib.util.find_spec("feedsmith")
    if package is not None and package.origin:
        compileall.compile_dir(str(Path(package.origin).parent), quiet=1)
    work = args.keep or Path(tempfile.mkdtemp(prefix="feedsmith-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.big:
            rows = big_benchmark(work, args.scale, args.runs)
        else:
            only = args.only - ({"S5", "S6"} if args.no_crawl else set())
            rows = benchmark(work, args.scale, args.runs, only=only)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - started
    print_table(rows, f"feedsmith bench: scale {args.scale:g}, median of {args.runs} runs, "
                      f"{os.cpu_count()} CPUs, total {total:.0f} s")


def benchmark(work: Path, scale: float, runs: int, *, only: set[str]) -> list[Row]:
    entries = max(100, round(100_000 * scale))
    per_file = min(1000, entries)
    files = entries // per_file
    small = max(per_file, round(10_000 * scale)) // per_file * per_file
    new_entries = max(10, round(1000 * scale))
    sources = max(4, round(200 * scale))
    hosts = min(HOSTS, sources)
    log(f"work folder {work}: {files} x {per_file} entries, S4 +{new_entries}, {sources} feeds")
    (work / "topics.toml").write_text(data.topics_toml())
    rows: list[Row] = []
    if only & {"S1", "S2", "S3", "S4"}:
        rows += store_rows(work, runs, entries=entries, files=files, per_file=per_file,
                           small=small, new_entries=new_entries)
    if only & {"S5", "S6"}:
        rows += crawl_rows(work, sources, hosts, runs)
    return [r for r in rows if r.name.split()[0] in only]


def store_rows(work: Path, runs: int, *, entries: int, files: int, per_file: int, small: int,
               new_entries: int) -> list[Row]:
    """S1 to S4: ingest, full build, rebuild with nothing changed, incremental build."""
    snaps = data.write_snapshots(work / "snapshots", files=files, per_file=per_file)
    data.write_snapshots(work / "new", files=1, per_file=new_entries, first_serial=entries + 1)
    s1 = site_toml(work, "s1.toml", cache="s1-store", output="s1-site",
                   sources=[(p.stem, "hf-daily", str(p)) for p in snaps])
    s1_small = site_toml(work, "s1-small.toml", cache="small-store", output="small-site",
                         sources=[(p.stem, "hf-daily", str(p)) for p in snaps[: small // per_file]])
    site_toml(work, "s2.toml", cache="store", output="site", sources=[])
    site_toml(work, "small.toml", cache="small-store", output="small-site", sources=[])
    site_toml(work, "s4.toml", cache="store", output="site",
              sources=[("new", "hf-daily", str(next((work / "new").glob("*.json"))))])
    log(f"data written ({time.perf_counter():.0f})")
    rows: list[Row] = []
    now = T0.isoformat()

    # S1 ingest, and its floor
    s1_runs, floor_runs = [], []
    for n in range(runs):
        shutil.rmtree(work / "s1-store", ignore_errors=True)
        s1_runs.append(run_child("ingest", work, config=s1, now=now))
        floor_runs.append(run_child("floor_ingest", work, snapshots="snapshots"))
        log(f"S1 run {n + 1}: {s1_runs[-1].get('wall', s1_runs[-1].get('error'))}")
    # the CLI runs on the real clock: its store is its own, S2-S4 build on the one made at T0
    s1_cli = site_toml(work, "s1-whole.toml", cache="s1-whole-store", output="s1-site",
                       sources=[(p.stem, "hf-daily", str(p)) for p in snaps])
    s1_whole = [run_child("whole", work, args=["crawl", "--config", s1_cli], watch="s1-whole-store")]
    log(f"S1 whole process: {s1_whole[-1].get('wall', s1_whole[-1].get('error'))}")
    floor = Row("S1 floor", floor_runs)
    rows.append(Row(f"S1 ingest {entries:,} entries, 50 topics", s1_runs, floor=floor.wall,
                    target="<= 3x floor", check=lambda r: (r.ratio or 99) <= 3))
    rows.append(Row("S1 as a whole process (`feedsmith crawl`), 1 run", s1_whole, floor=floor.wall))
    rows.append(floor)

    # S2 full build from the S1 store, its floor; S3 rebuild; S4 incremental
    s2_runs, s3_runs, s4_runs, floor_runs = [], [], [], []
    for n in range(runs):
        copy_state(work / "s1-store", work / "store")
        shutil.rmtree(work / "site", ignore_errors=True)
        s2_runs.append(run_child("build", work, config="s2.toml",
                                 now=(T0 + timedelta(hours=1)).isoformat()))
        s3_runs.append(run_child("build", work, config="s2.toml",
                                 now=(T0 + timedelta(hours=2)).isoformat()))
        floor_runs.append(run_child("floor_render", work, snapshots="snapshots", feeds=50, per_feed=100))
        log(f"S2 run {n + 1}: {s2_runs[-1].get('wall', s2_runs[-1].get('error'))}")
    shutil.copytree(work / "store", work / "built-store", dirs_exist_ok=True)
    shutil.copytree(work / "site", work / "built-site", dirs_exist_ok=True)
    for n in range(runs):
        copy_state(work / "built-store", work / "store")
        copy_state(work / "built-site", work / "site")
        s4_runs.append(run_child("build", work, config="s4.toml",
                                 now=(T0 + timedelta(hours=3)).isoformat()))
        log(f"S4 run {n + 1}: {s4_runs[-1].get('wall', s4_runs[-1].get('error'))}")
    # S2 to S4 as whole processes (`feedsmith build`, one run each) on the store the CLI made
    # above, on the real clock like it
    whole_s2 = site_toml(work, "s2-whole.toml", cache="s1-whole-store", output="whole-site",
                         sources=[])
    whole_s4 = site_toml(work, "s4-whole.toml", cache="s1-whole-store", output="whole-site",
                         sources=[("new", "hf-daily", str(next((work / "new").glob("*.json"))))])
    whole = {name: [run_child("whole", work, args=["build", "--config", config], watch="whole-site")]
             for name, config in (("S2", whole_s2), ("S3", whole_s2), ("S4", whole_s4))}
    shutil.rmtree(work / "s1-whole-store", ignore_errors=True)
    log("S2-S4 whole process: " + ", ".join(f"{k} {v[0].get('wall')}" for k, v in whole.items()))
    floor = Row("S2 floor (feedgen alone)", floor_runs)
    rows.append(Row("S2 full build, 50 topics + all", s2_runs, floor=floor.wall,
                    target="<= 2x floor", check=lambda r: (r.ratio or 99) <= 2))
    rows.append(Row("S2 as a whole process (`feedsmith build`), 1 run", whole["S2"], floor=floor.wall))
    rows.append(floor)

    # S3 at the small store size too
    s3_small = []
    run_child("ingest", work, config=s1_small, now=now)
    run_child("build", work, config="small.toml", now=(T0 + timedelta(hours=1)).isoformat())
    for _ in range(runs):
        s3_small.append(run_child("build", work, config="small.toml",
                                  now=(T0 + timedelta(hours=2)).isoformat()))
    rows.append(Row(f"S3 rebuild, nothing changed, {small:,} entries", s3_small,
                    target="< 0.5 s, 0 files", check=lambda r: r.wall < 0.5 and r.files == 0))
    rows.append(Row(f"S3 rebuild, nothing changed, {entries:,} entries", s3_runs,
                    target="< 0.5 s, 0 files", check=lambda r: r.wall < 0.5 and r.files == 0))
    rows.append(Row(f"S3 as a whole process, {entries:,} entries, 1 run", whole["S3"]))
    rows.append(Row(f"S4 +{new_entries:,} entries, rebuild", s4_runs, target="< 2 s",
                    check=lambda r: r.wall < 2))
    rows.append(Row("S4 as a whole process, 1 run", whole["S4"]))
    return rows


def big_benchmark(work: Path, scale: float, runs: int) -> list[Row]:
    """S7: a store of 1,000,000 entries (x ``scale``) made by `store import` of a generated
    export, in 50 topics; the first build after the import (it re-classifies every entry: the
    export does not carry the topic rules), then per run +1,000 entries (a new snapshot source)
    with the rebuild, and the rebuild with nothing changed. The clock is the real one, so the
    whole-process runs (the CLI has no clock option) see the same windows."""
    entries = max(1000, round(1_000_000 * scale))
    started = datetime.now(UTC).replace(microsecond=0)
    log(f"work folder {work}: S7 with {entries:,} entries, {runs} runs")
    (work / "topics.toml").write_text(data.topics_toml())
    clock = time.perf_counter()
    size = data.write_export(work / "s7-export.jsonl", count=entries, newest=started - timedelta(hours=2))
    log(f"export written: {size / 1e9:.2f} GB in {time.perf_counter() - clock:.0f} s")
    site_toml(work, "s7.toml", cache="s7-store", output="s7-site", sources=[])
    for n in range(runs + 1):
        snapshot = data.write_snapshots(work / f"s7-new-{n}", files=1, per_file=1000,
                                        first_serial=entries + 1 + n * 1000)[0]
        site_toml(work, f"s7-new-{n}.toml", cache="s7-store", output="s7-site",
                  sources=[(f"new-{n}", "hf-daily", str(snapshot))])
    shutil.rmtree(work / "s7-store", ignore_errors=True)
    imported = run_child("whole", work, args=["store", "import", "s7-export.jsonl", "--config", "s7.toml"])
    log(f"imported: {imported.get('wall', imported.get('error'))}")
    (work / "s7-export.jsonl").unlink()
    imported_size = _store_mb(work / "s7-store")
    first = run_child("build", work, config="s7.toml", now=datetime.now(UTC).isoformat())
    log(f"first build: {first.get('wall', first.get('error'))}")
    added, same = [], []
    for n in range(runs):
        added.append(run_child("build", work, config=f"s7-new-{n}.toml", now=datetime.now(UTC).isoformat()))
        same.append(run_child("build", work, config="s7.toml", now=datetime.now(UTC).isoformat()))
        log(f"S7 run {n + 1}: +1,000 {added[-1].get('wall', added[-1].get('error'))}, "
            f"unchanged {same[-1].get('wall', same[-1].get('error'))}")
    added_whole = [run_child("whole", work, args=["build", "--config", f"s7-new-{runs}.toml"],
                             watch="s7-site")]
    same_whole = [run_child("whole", work, args=["build", "--config", "s7.toml"], watch="s7-site")]
    final_size = _store_mb(work / "s7-store")
    name = f"{entries:,} entries"
    import_row = Row(f"S7 store import, {name} (whole process)", [imported], target="< 300 MB RSS",
                     check=lambda r: True)
    import_row.note = (f"export {size / 1e6:,.0f} MB; store on disk {imported_size:,.0f} MB imported, "
                       f"{final_size:,.0f} MB at the end")
    return [
        import_row,
        Row(f"S7 first build after import (re-classify {name})", [first]),
        Row(f"S7 rebuild, nothing changed, {name}", same, target="< 0.5 s, 0 files",
            check=lambda r: r.wall < 0.5 and r.files == 0),
        Row("S7 rebuild, nothing changed (whole process)", same_whole),
        Row(f"S7 +1,000 entries, rebuild, {name}", added, target="< 2 s", check=lambda r: r.wall < 2),
        Row("S7 +1,000 entries, rebuild (whole process)", added_whole),
    ]


def _store_mb(folder: Path) -> float:
    """The store's size on disk (the database file and any WAL), in MB."""
    return sum(p.stat().st_size for p in folder.glob("store.sqlite*")) / 1e6


def crawl_rows(work: Path, sources: int, hosts: int, runs: int) -> list[Row]:
    """S5 and S6: feedsmith's crawler, feedparser's floor and reader, against local hosts."""
    feeds = data.write_feeds(work / "feeds", count=sources, items=50, now=T0)
    urls = [f"http://127.0.0.1:{FIRST_PORT + n % hosts}/{p.name}" for n, p in enumerate(feeds)]
    (work / "urls.json").write_text(json.dumps(urls))
    server = subprocess.Popen([sys.executable, str(HERE / "server.py"), "--dir", str(work / "feeds"),
                               "--ports", f"{FIRST_PORT}-{FIRST_PORT + hosts - 1}",
                               "--latency", str(LATENCY)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        return crawl_scenarios(work, urls, hosts, runs)
    finally:
        if server.stdin:
            server.stdin.close()
        server.terminate()
        server.wait(timeout=10)


def _with_stats(runs: list[dict[str, Any]], stats: dict[str, int]) -> None:
    runs[-1]["note"] = (f"{runs[-1].get('note', '')}; {stats['bodies']} bodies, "
                        f"{stats['not_modified']} x 304").lstrip("; ")


def crawl_scenarios(work: Path, urls: list[str], hosts: int, runs: int) -> list[Row]:
    sources = len(urls)
    parse_runs = [run_child("floor_parse", work, feeds_dir="feeds") for _ in range(runs)]
    parse = Row("parse", parse_runs)
    rounds = math.ceil(math.ceil(sources / hosts) / PER_HOST)
    ideal_net = rounds * LATENCY
    floor5 = parse.wall + ideal_net
    config = crawl_config(work, urls)
    store = work / "s5-store"
    peer5, peer6, s5, s6, cli5, cli6 = [], [], [], [], [], []

    def counted(runs_so_far: list[dict[str, Any]], run: Callable[[], dict[str, Any]]) -> dict[str, int]:
        server_stats(reset=True)
        runs_so_far.append(run())
        stats = server_stats()
        _with_stats(runs_so_far, stats)
        runs_so_far[-1]["bodies"] = stats["bodies"]
        return stats
    # Each run alternates reader, feedsmith in process and feedsmith as a whole process, so a
    # busy spell of the machine falls on all three.
    for n in range(runs):
        counted(peer5, lambda: run_child("peer", work, urls="urls.json", db="reader.sqlite", fresh=True))
        counted(peer6, lambda: run_child("peer", work, urls="urls.json", db="reader.sqlite", fresh=False))
        shutil.rmtree(store, ignore_errors=True)
        counted(s5, lambda: run_child("ingest", work, config=config, now=T0.isoformat()))
        counted(s6, lambda: run_child("ingest", work, config=config,
                                      now=(T0 + timedelta(hours=1)).isoformat()))
        shutil.rmtree(store, ignore_errors=True)
        counted(cli5, lambda: run_cli(work, "crawl", "--config", str(work / config), watch=store))
        counted(cli6, lambda: run_cli(work, "crawl", "--config", str(work / config), watch=store))
        log(f"crawl run {n + 1}: reader {peer5[-1].get('wall')} / {peer6[-1].get('wall')}, feedsmith "
            f"{s5[-1].get('wall')} / {s6[-1].get('wall')}, whole {cli5[-1].get('wall')} / "
            f"{cli6[-1].get('wall')}")
    peer5_row = Row(f"S5 peer: reader, {PEER_WORKERS} workers", peer5)
    peer6_row = Row("S6 peer: reader second update", peer6)
    peer5_whole = Row("S5 peer whole process", whole_process(peer5))
    peer6_whole = Row("S6 peer whole process", whole_process(peer6))
    floor_row = Row(f"S5 floor: feedparser {parse.wall:.2f} s + network {ideal_net:.2f} s", parse_runs,
                    target=f"{hosts} hosts x {PER_HOST}, {LATENCY * 1000:.0f} ms")
    floor_row.wall = floor5

    def no_bodies(row: Row) -> bool:
        return all(run.get("bodies", 1) == 0 for run in row.runs)
    s5_row = Row(f"S5 crawl {sources} feeds on {hosts} hosts", s5, floor=floor5,
                 target="<= 1.3x floor, <= 0.5x peer",
                 check=lambda r: (r.ratio or 99) <= 1.3 and r.wall <= 0.5 * peer5_row.wall)
    s5_row.note = f"[crawl] concurrency = {PER_HOST}; {s5_row.note}"
    s5_whole = Row("S5 whole process: feedsmith crawl", cli5, target="<= 0.5x peer process",
                   check=lambda r: r.wall <= 0.5 * peer5_whole.wall)
    s6_row = Row("S6 re-crawl, all 304", s6, target="< 0.5 s, 0 bodies, < peer",
                 check=lambda r: r.wall < 0.5 and r.wall < peer6_row.wall and no_bodies(r))
    s6_whole = Row("S6 whole process: feedsmith crawl", cli6, target="< 1 s, 0 bodies, < peer process",
                   check=lambda r: r.wall < 1 and r.wall < peer6_whole.wall and no_bodies(r))
    return [s5_row, floor_row, peer5_row, s5_whole, peer5_whole,
            s6_row, peer6_row, s6_whole, peer6_whole]

if __name__ == "__main__":
    main()
