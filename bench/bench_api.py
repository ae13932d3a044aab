"""Benchmark the running service: concurrent clients for a fixed time, on loopback only.

Starts ``python -m graph_service serve --store STORE`` on a free 127.0.0.1 port (or drives an
already running service given by ``--url``, which must be a loopback address), samples
entities from the store, and has ``--clients`` (default 32) concurrent clients request, for
``--duration`` seconds (default 60, at most 600), a mix of:

- ``check``: ``GET /v1/check?subject={uscc}&action=bid_tender`` (a regulator's question);
- ``profile``: ``GET /v1/entities/{uscc}`` (an entity profile);
- ``neighbourhood``: ``GET /v1/graph/neighbourhood?id=E:…&limit=50&vis=zh`` (what the
  investigator page asks for when it opens a node).

It prints requests/s overall and, per kind, the count, errors, requests/s and p50/p90/p99/max
latency; ``--json FILE`` also writes them. The service it starts gets its own temporary keys
file (one investigator key) and audit log, so it works with any person-key secret.

Examples::

    python bench/bench_api.py --store data/demo.graph
    python bench/bench_api.py --store bolt://127.0.0.1:7687 --duration 30 --json out.json
    python bench/bench_api.py --store data/demo.graph --url http://127.0.0.1:8000 \\
        --key demo-investigator
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from graph_service.api.auth import hash_key, new_key  # noqa: E402
from graph_service.stores import open_store  # noqa: E402

MAX_DURATION = 600.0
MAX_CLIENTS = 256
REQUEST_TIMEOUT = 30.0

#: Request kinds: name → function(uscc) → path. Add a kind here (e.g. a check) to measure it.
KINDS: dict[str, Callable[[str], str]] = {
    "check": lambda uscc: f"/v1/check?subject={uscc}&action=bid_tender&on=2025-06-30",
    "profile": lambda uscc: f"/v1/entities/{uscc}",
    "neighbourhood": lambda uscc: f"/v1/graph/neighbourhood?id=E:{uscc}&limit=50&vis=zh",
}


@dataclass
class Tally:
    """Latencies and failures of one kind of request."""

    seconds: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def fail(self, why: str) -> None:
        self.errors[why] = self.errors.get(why, 0) + 1

    def summary(self, elapsed: float) -> dict[str, Any]:
        ok = sorted(self.seconds)

        def pct(p: float) -> float | None:
            if not ok:
                return None
            return round(ok[min(len(ok) - 1, int(p / 100 * len(ok)))] * 1000, 1)

        return {
            "requests": len(ok) + sum(self.errors.values()),
            "ok": len(ok),
            "errors": self.errors,
            "rps": round(len(ok) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": pct(50),
            "p90_ms": pct(90),
            "p99_ms": pct(99),
            "max_ms": round(ok[-1] * 1000, 1) if ok else None,
            "mean_ms": round(statistics.fmean(ok) * 1000, 1) if ok else None,
        }


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_usccs(store_uri: str, n: int, seed: int) -> list[str]:
    """Up to ``n`` entity USCCs from the store (the same ones for the same seed)."""
    with open_store(store_uri) as store:
        hits = store.search("", limit=5000).items
    usccs = [h["uscc"] for h in hits if h.get("type") == "entity"]
    if not usccs:
        raise SystemExit(f"no entities in {store_uri}: load data first")
    random.Random(seed).shuffle(usccs)
    return usccs[:n]


def start_service(store: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    """The service on a free loopback port, with a keys file of its own; (process, url, key)."""
    key = new_key()
    keys = workdir / "keys.yaml"
    keys.write_text(
        yaml.safe_dump(
            {"keys": [{"user": "bench", "role": "investigator", "sha256": hash_key(key)}]}
        )
    )
    port = _free_port()
    env = dict(os.environ)
    env.update(
        {
            "GRAPH_API_KEYS_FILE": str(keys),
            "GRAPH_AUDIT_LOG": str(workdir / "audit.jsonl"),
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    log = (workdir / "service.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_service", "serve", "--store", store, "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, f"http://127.0.0.1:{port}", key


def wait_ready(url: str, timeout: float) -> None:
    """Until /readyz answers 200 (the store may take a while to open)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url + "/readyz", timeout=5)
            if r.status_code == 200:
                return
            last = r.text
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise SystemExit(f"service at {url} not ready after {timeout:.0f} s: {last}")


async def drive(
    url: str, key: str, usccs: list[str], clients: int, duration: float, seed: int
) -> tuple[dict[str, Tally], float]:
    """``clients`` concurrent loops of requests for ``duration`` seconds."""
    tallies = {name: Tally() for name in KINDS}
    names = list(KINDS)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=url,
        headers={"X-API-Key": key},
        limits=limits,
        timeout=REQUEST_TIMEOUT,
    ) as http:
        start = time.perf_counter()
        stop_at = start + duration

        async def client(n: int) -> None:
            rnd = random.Random(seed * 1000 + n)
            i = n
            while time.perf_counter() < stop_at:
                kind = names[i % len(names)]
                i += 1
                path = KINDS[kind](rnd.choice(usccs))
                t0 = time.perf_counter()
                try:
                    r = await http.get(path)
                    await r.aread()
                except httpx.HTTPError as exc:
                    tallies[kind].fail(type(exc).__name__)
                    continue
                if r.status_code == 200:
                    tallies[kind].seconds.append(time.perf_counter() - t0)
                else:
                    tallies[kind].fail(str(r.status_code))

        await asyncio.gather(*(client(n) for n in range(clients)))
        return tallies, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints a table and returns 0 (1 when any request failed)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--store", required=True, help="embedded store file or bolt:// URI")
    p.add_argument("--url", help="drive this running service instead (loopback only)")
    p.add_argument("--key", help="API key (with --url; an investigator's)")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--subjects", type=int, default=500, help="entities sampled (default 500)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--ready-timeout", type=float, default=300.0, help="seconds to wait for it")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS:
        p.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 1 <= args.duration <= MAX_DURATION:
        p.error(f"--duration must be 1..{MAX_DURATION:.0f} seconds")
    if args.url and not _loopback(args.url):
        p.error("--url must be a loopback address (127.0.0.0/8, ::1 or localhost)")
    if args.url and not args.key:
        p.error("--url needs --key")

    usccs = sample_usccs(args.store, args.subjects, args.seed)
    proc = None
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        if args.url:
            url, key = args.url.rstrip("/"), args.key
        else:
            proc, url, key = start_service(args.store, Path(tmp))
        try:
            wait_ready(url, args.ready_timeout)
            # warm up (first requests load code paths and caches)
            with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as http:
                for uscc in usccs[:5]:
                    for make in KINDS.values():
                        http.get(make(uscc))
            tallies, elapsed = asyncio.run(
                drive(url, key, usccs, args.clients, args.duration, args.seed)
            )
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    result = {
        "store": args.store,
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "rps": round(sum(len(t.seconds) for t in tallies.values()) / elapsed, 1),
        "kinds": {name: t.summary(elapsed) for name, t in tallies.items()},
    }
    print(
        f"store {args.store}: {args.clients} clients, {result['seconds']} s, "
        f"{result['rps']} requests/s"
    )
    print(f"{'kind':<15}{'ok':>8}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, s in result["kinds"].items():
        print(
            f"{name:<15}{s['ok']:>8}{sum(s['errors'].values()):>8}{s['rps']:>9}"
            f"{s['p50_ms']!s:>9}{s['p99_ms']!s:>9}{s['max_ms']!s:>9}"
        )
        if s["errors"]:
            print(f"{'':<15}errors: {s['errors']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    failed = any(t.errors for t in tallies.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
