"""Local feed hosts for the crawl scenarios: a folder of ``feed-N.xml`` files in, HTTP out.

One threaded server per port on 127.0.0.1 (each port is one "host"); every response waits
``--latency`` seconds first. ``ETag`` is the file's sha1; ``If-None-Match`` with it -> 304 and no body.
``GET /_stats`` returns ``{"bodies": n, "not_modified": n}`` served since the last ``/_reset``.
Run: ``python bench/server.py --dir FEEDS --ports 18100-18119 --latency 0.05`` (prints ``ready``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATS = {"bodies": 0, "not_modified": 0}
LOCK = threading.Lock()


def make_handler(folder: Path, latency: float) -> type[BaseHTTPRequestHandler]:
    """A request handler serving ``folder`` with ``latency`` and ETag support."""
    cache: dict[str, tuple[bytes, str]] = {}
    for path in folder.glob("*.xml"):
        data = path.read_bytes()
        cache["/" + path.name] = (data, '"' + hashlib.sha1(data).hexdigest() + '"')

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/_stats"):
                with LOCK:
                    body = json.dumps(STATS).encode()
                self._send(200, body, {"Content-Type": "application/json"})
                return
            if self.path.startswith("/_reset"):
                with LOCK:
                    STATS.update(bodies=0, not_modified=0)
                self._send(200, b"{}", {"Content-Type": "application/json"})
                return
            time.sleep(latency)
            found = cache.get(self.path.split("?")[0])
            if found is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            data, etag = found
            if self.headers.get("If-None-Match") == etag:
                with LOCK:
                    STATS["not_modified"] += 1
                self._send(304, b"", {"ETag": etag})
                return
            with LOCK:
                STATS["bodies"] += 1
            kind = "application/atom+xml" if b"<feed" in data[:200] else "application/rss+xml"
            self._send(200, data, {"Content-Type": kind, "ETag": etag})

    return Handler


def main() -> None:
    """Start one server per port and serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--ports", required=True, help="first-last, e.g. 18100-18119")
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    first, last = (int(p) for p in args.ports.split("-"))
    handler = make_handler(args.dir, args.latency)
    for port in range(first, last + 1):
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin (or kills us)


if __name__ == "__main__":
    main()
