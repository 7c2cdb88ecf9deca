"""Throughput of `ner batch` with 1 and 2 workers against a plain `extract()` loop, in one run.

The input is a synthetic zip of the seed reports (seeds/*.txt repeated until it holds at least
--min-mb of text). Each engine runs as its own process, timed from start to exit (model loading
included, as a user would see it), and the peak RSS of its whole process tree (the CLI and its
workers) is sampled from /proc. The machines are shared, so compare the rows of one run, not runs.

    python scripts/bench_batch.py --model models/default
    python scripts/bench_batch.py --model /tmp/tiny-bundle --repeat 1      # a quick check that it runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def build_archive(path: Path, repeat: int | None, min_mb: float) -> tuple[int, int]:
    """Write the seeds `repeat` times (default: enough for `min_mb` of UTF-8) into a zip; return
    the number of documents and of characters."""
    seeds = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    size = sum(len(t.encode()) for _, t in seeds)
    repeat = repeat or math.ceil(min_mb * 2**20 / size)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k in range(repeat):
            for name, text in seeds:
                z.writestr(f"r{k:03d}/{name}", text)
    return repeat * len(seeds), repeat * sum(len(t) for _, t in seeds)


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            pass
        todo += children.get(pid, [])
    return total


def measured(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak tree RSS and output of running `cmd` to completion."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    output = proc.stdout.read()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{output}")
    return seconds, peak, output


def plain_loop(archive: Path, model: str) -> None:
    """The baseline, run in its own process: load the model, then extract() each text in turn."""
    from ner.inference import Extractor

    t = time.perf_counter()
    extractor = Extractor(model)
    load = time.perf_counter() - t
    with zipfile.ZipFile(archive) as z:
        texts = [z.read(info).decode("utf-8") for info in z.infolist()]
    t = time.perf_counter()
    for text in texts:
        extractor.extract(text)
    print(json.dumps({"load_s": load, "loop_s": time.perf_counter() - t}))


def main() -> None:
    from ner.inference import default_model_path

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(default_model_path()), help="bundle directory")
    parser.add_argument("--repeat", type=int, help="copies of the seeds [default: enough for --min-mb]")
    parser.add_argument("--min-mb", type=float, default=2.0, help="least text in the archive, MB of UTF-8")
    parser.add_argument("--workers", default="1,2", help="worker counts to run `ner batch` with")
    parser.add_argument("--json", dest="json_out", help="also write the results here")
    parser.add_argument("--plain-loop", help=argparse.SUPPRESS)  # internal: the baseline's own process
    args = parser.parse_args()
    if args.plain_loop:
        plain_loop(Path(args.plain_loop), args.model)
        return

    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "seeds.zip"
        docs, chars = build_archive(archive, args.repeat, args.min_mb)
        print(f"{docs} documents, {chars:,} characters, model {args.model}")
        rows = []
        seconds, peak, output = measured([sys.executable, __file__, "--plain-loop", str(archive), "--model", args.model])
        rows.append({"engine": "extract() loop", "seconds": seconds, "peak_rss_mb": peak / 2**20})
        loop_only = json.loads(output.strip().splitlines()[-1])["loop_s"]  # the same, less start-up
        outputs = []
        for workers in [int(w) for w in args.workers.split(",")]:
            out = Path(tmp) / f"out{workers}.jsonl"
            cmd = [sys.executable, "-m", "ner.cli", "batch", str(archive), "--out", str(out),
                   "--model", args.model, "--workers", str(workers), "--no-progress"]
            seconds, peak, _ = measured(cmd)
            rows.append({"engine": f"ner batch --workers {workers}", "seconds": seconds, "peak_rss_mb": peak / 2**20})
            outputs.append(sorted(out.read_text(encoding="utf-8").splitlines()))
        for row in rows:
            row["chars_per_s"] = chars / row["seconds"]
            row["vs_loop"] = row["chars_per_s"] / rows[0]["chars_per_s"]
        print(f"{'engine':<24} {'seconds':>8} {'chars/s':>10} {'vs loop':>8} {'peak RSS MB':>12}")
        for r in rows:
            print(f"{r['engine']:<24} {r['seconds']:>8.1f} {r['chars_per_s']:>10,.0f} {r['vs_loop']:>8.2f} {r['peak_rss_mb']:>12,.0f}")
        print(f"(extract() loop without start-up and model loading: {chars / loop_only:,.0f} chars/s)")
        same = all(o == outputs[0] for o in outputs)
        print(f"identical records across worker counts: {'yes' if same else 'NO'}")
        if args.json_out:
            Path(args.json_out).write_text(json.dumps({"documents": docs, "chars": chars, "model": args.model,
                                                       "identical": same, "loop_only_chars_per_s": chars / loop_only,
                                                       "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
