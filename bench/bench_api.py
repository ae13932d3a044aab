"""Benchmark the running service with ``wrk`` against its own ceiling, on loopback only.

Starts ``python -m graph_service serve --store STORE`` on a free 127.0.0.1 port (``--workers N``
passed on when given), or drives an already running service given by ``--url`` (loopback only),
samples entities from the store and, for each kind of request, runs ``wrk`` (Debian's package,
installed by ``scripts/apt-install`` when missing — a compiled load generator, so the clients are
not the bottleneck) with ``--clients`` connections (default 32) for ``--duration`` seconds:

- ``healthz``: ``GET /healthz`` — the server's own ceiling, measured first and last;
- ``check``: ``GET /v1/check?subject={uscc}&action=bid_tender`` (a regulator's question);
- ``profile``: ``GET /v1/entities/{uscc}`` (an entity profile);
- ``neighbourhood``: ``GET /v1/graph/neighbourhood?id=E:…&limit=50&vis=zh`` (what the
  investigator page asks for when it opens a node);
- ``--kinds`` picks some (``grades`` and ``relocations`` page stored job results and answer 404
  until the job for ``--on`` has run).

Each row gives requests/s, p50/p90/p99/max latency, errors, and the ratio of its requests/s to
the ``/healthz`` ceiling of the same run (the lower of the two ceiling runs, so a noisy
neighbour during one of them does not flatter the endpoints). ``--json FILE`` writes them.

Examples::

    python bench/bench_api.py --store data/demo.graph
    python bench/bench_api.py --store bolt://127.0.0.1:7687 --workers 2 --duration 30
    python bench/bench_api.py --store data/demo.graph --url http://127.0.0.1:8000 \\
        --key demo-investigator
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
LUA = Path(__file__).with_name("wrk") / "paths.lua"
ON = "2025-06-30"

#: Request kinds: name → function(uscc) → path. Add a kind here to measure it.
KINDS: dict[str, Callable[[str], str]] = {
    "healthz": lambda uscc: "/healthz",
    "check": lambda uscc: f"/v1/check?subject={uscc}&action=bid_tender&on={ON}",
    "profile": lambda uscc: f"/v1/entities/{uscc}",
    "neighbourhood": lambda uscc: f"/v1/graph/neighbourhood?id=E:{uscc}&limit=50&vis=zh",
    "grades": lambda uscc: f"/v1/evaluation/grades?on={ON}&limit=50&offset={_offset(uscc)}",
    "relocations": lambda uscc: f"/v1/relocations?on={ON}&limit=50&offset={_offset(uscc)}",
}
DEFAULT_KINDS = ("check", "profile", "neighbourhood")


def _offset(uscc: str) -> int:
    """A page offset that varies with the sampled entity (pages of 50 among the first 5,000)."""
    return (sum(map(ord, uscc)) % 100) * 50


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


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        subprocess.run([str(REPO / "scripts" / "apt-install"), "wrk"], check=True)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed and could not be installed (apt-get install wrk)")
    return found


def sample_usccs(store_uri: str, n: int, seed: int) -> list[str]:
    """Up to ``n`` entity USCCs drawn from the whole registry (the same ones for the same
    seed), read by a keyset scan of one column (30 s at 1M on Neo4j; an empty search would
    count and sort every subject, and gave only the first 5,000 by name)."""
    with open_store(store_uri) as store:
        usccs = [
            str(u) for page in store.scan_node_columns("Entity", ["uscc"]) for u in page["uscc"]
        ]
    if not usccs:
        raise SystemExit(f"no entities in {store_uri}: load data first")
    usccs.sort()  # the scan's order is the store's; the sample must not depend on it
    return random.Random(seed).sample(usccs, min(n, len(usccs)))


def ensure_results(store_uri: str) -> None:
    """The stored results the grade and relocation pages read (a job's, run here when the
    store holds none current for ``ON``): the bench measures paging, not the pass."""
    from graph_service.services.jobs import result_key
    from graph_service.services.results import current_result

    with open_store(store_uri) as store:
        current_result(store, result_key("grades", ON), "current")
        current_result(store, result_key("relocations", ON), "current")


def start_service(
    store: str, workdir: Path, workers: int | None
) -> tuple[subprocess.Popen[bytes], str, str]:
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
    cmd = [sys.executable, "-m", "graph_service", "serve", "--store", store, "--port", str(port)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    log = (workdir / "service.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
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


def run_wrk(
    wrk: str, url: str, key: str, paths: list[str], clients: int, threads: int, duration: float
) -> dict[str, Any]:
    """One ``wrk`` run over ``paths``; requests/s, latency percentiles (ms) and errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as f:
        f.write("\n".join(paths) + "\n")
    try:
        out = subprocess.run(
            [
                wrk,
                f"-t{threads}",
                f"-c{clients}",
                f"-d{duration:.0f}s",
                "--timeout",
                "30s",
                "-H",
                f"X-API-Key: {key}",
                "-s",
                str(LUA),
                url,
                "--",
                f.name,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds = raw["duration_us"] / 1e6
    errors = {k: raw[k] for k in ("status_errors", "connect", "read", "write", "timeout") if raw[k]}
    ok = raw["requests"] - raw["status_errors"]
    return {
        "requests": raw["requests"],
        "errors": errors,
        "rps": round(ok / seconds, 1),
        **{f"{p}_ms": round(raw[f"{p}_us"] / 1000, 1) for p in ("p50", "p90", "p99", "max")},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; prints a table and returns 0 (1 when any request failed)."""
    global ON  # the request builders read it; --on sets it
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--store", required=True, help="embedded store file or bolt:// URI")
    p.add_argument("--url", help="drive this running service instead (loopback only)")
    p.add_argument("--key", help="API key (with --url; an investigator's)")
    p.add_argument("--workers", type=int, help="serve --workers N (default: the server's own)")
    p.add_argument("--clients", type=int, default=32, help="connections (default 32)")
    p.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    p.add_argument("--duration", type=float, default=30.0, help="seconds per kind (default 30)")
    p.add_argument("--subjects", type=int, default=500, help="entities sampled (default 500)")
    p.add_argument(
        "--kinds",
        default=",".join(DEFAULT_KINDS),
        help=f"comma-separated, of {', '.join(k for k in KINDS if k != 'healthz')}",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--on",
        default=ON,
        help=f"the as-of date asked (default {ON}; grades and "
        "relocations need their jobs run for it)",
    )
    p.add_argument("--ready-timeout", type=float, default=300.0, help="seconds to wait for it")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    ON = args.on
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if unknown := [k for k in kinds if k not in KINDS]:
        p.error(f"unknown --kinds {unknown}; known: {', '.join(KINDS)}")
    if not 1 <= args.clients <= MAX_CLIENTS:
        p.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 1 <= args.duration <= MAX_DURATION:
        p.error(f"--duration must be 1..{MAX_DURATION:.0f} seconds")
    if args.url and not _loopback(args.url):
        p.error("--url must be a loopback address (127.0.0.0/8, ::1 or localhost)")
    if args.url and not args.key:
        p.error("--url needs --key")

    wrk = ensure_wrk()
    usccs = sample_usccs(args.store, args.subjects, args.seed)
    if not args.url:
        ensure_results(args.store)
    runs: dict[str, dict[str, Any]] = {}
    proc = None
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        if args.url:
            url, key = args.url.rstrip("/"), args.key
        else:
            proc, url, key = start_service(args.store, Path(tmp), args.workers)
        try:
            wait_ready(url, args.ready_timeout)
            with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as http:
                for kind in kinds:  # warm up, and fail early on a kind that cannot answer
                    r = http.get(KINDS[kind](usccs[0]))
                    if r.status_code != 200:
                        raise SystemExit(f"{kind}: {r.status_code} {r.text[:300]}")
            for kind in ["healthz", *kinds, "healthz"]:
                paths = [KINDS[kind](u) for u in usccs]
                name = kind if kind not in runs else f"{kind} (again)"
                runs[name] = run_wrk(
                    wrk, url, key, paths, args.clients, args.threads, args.duration
                )
        finally:
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    ceiling = min(runs["healthz"]["rps"], runs["healthz (again)"]["rps"])
    for run in runs.values():
        run["of_ceiling"] = round(run["rps"] / ceiling, 2) if ceiling else None
    result = {
        "store": args.store,
        "workers": args.workers,
        "clients": args.clients,
        "seconds_per_kind": args.duration,
        "ceiling_rps": ceiling,
        "kinds": runs,
    }
    print(
        f"store {args.store}: {args.clients} connections, {args.duration:.0f} s per kind, "
        f"workers {args.workers or 'default'}; /healthz ceiling {ceiling} requests/s"
    )
    print(
        f"{'kind':<18}{'req/s':>9}{'× ceil':>8}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}  errors"
    )
    for name, s in runs.items():
        print(
            f"{name:<18}{s['rps']:>9}{s['of_ceiling']!s:>8}{s['p50_ms']:>9}{s['p90_ms']:>9}"
            f"{s['p99_ms']:>9}{s['max_ms']:>9}  {s['errors'] or ''}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if any(s["errors"] for s in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
