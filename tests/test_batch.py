"""`ner batch` end to end on the tiny random bundle: records, errors, output modes, resume after SIGKILL.

The model is random, so these tests check plumbing (every document exactly once, offsets, hashes,
error records), not entity quality.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batchfiles import GDP, SIMPLIFIED, TRADITIONAL, make_docx, make_pdf, make_tar, make_zip
from click.testing import CliRunner

from ner.batch import Settings, default_threads, record
from ner.cli import main
from ner.results import json_line
from ner.sources import Item, Reader

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def batch(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["batch", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def read_jsonl(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def check_record(rec: dict, text: str) -> None:
    assert rec["chars"] == len(text)
    assert rec["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    for e in rec["entities"]:
        assert text[e["start"] : e["end"]] == e["text"] and {"label", "score"} <= e.keys()


def test_mixed_inputs_give_one_record_per_document(tiny_bundle, tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text(GDP, encoding="utf-8")
    (src / "b.md").write_bytes(b"\xef\xbb\xbf" + SIMPLIFIED.encode())
    (src / "gbk.txt").write_bytes(SIMPLIFIED.encode("gb18030"))
    (src / "big5.txt").write_bytes(TRADITIONAL.encode("big5"))
    (src / "c.html").write_text(f"<html><body><p>{GDP}</p><script>x()</script></body></html>", encoding="utf-8")
    (src / "d.docx").write_bytes(make_docx(["一、工作回顾", GDP]))
    (src / "e.pdf").write_bytes(make_pdf(["GDP 150.06", "growth 18.46%"]))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (src / "bytes.txt").write_bytes(b"\xff\xfe\x80\x81" * 10)  # neither UTF-8 nor GB18030 nor Big5
    (src / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    (src / "huge.txt").write_bytes(("全年实现地区生产总值150.06亿元。\n" * 2_000_000).encode())  # 50+ MB
    make_zip(src / "sub" / "reports.zip", {"2022/a.txt": GDP, "../evil.txt": GDP})
    (src / "docs.jsonl").write_text(
        json.dumps({"id": "r1", "text": GDP}, ensure_ascii=False) + "\n{broken\n", encoding="utf-8"
    )
    code, output = batch("in", "--out", "out.jsonl", "--model", str(tiny_bundle), "--max-chars", "1000000")
    assert code == 0, output
    records = {r["id"]: r for r in read_jsonl("out.jsonl")}
    expected = {f"in/{n}" for n in ("a.txt", "b.md", "gbk.txt", "big5.txt", "c.html", "d.docx", "e.pdf", "empty.txt",
                                    "binary.txt", "bytes.txt", "photo.jpg", "broken.pdf", "huge.txt")}
    expected |= {"in/sub/reports.zip/2022/a.txt", "in/sub/reports.zip/../evil.txt", "in/docs.jsonl#r1", "in/docs.jsonl:2"}
    assert set(records) == expected and len(read_jsonl("out.jsonl")) == len(expected)
    for doc_id, text in [("in/a.txt", GDP), ("in/b.md", SIMPLIFIED), ("in/gbk.txt", SIMPLIFIED), ("in/big5.txt", TRADITIONAL),
                         ("in/c.html", GDP), ("in/d.docx", f"一、工作回顾\n{GDP}"), ("in/empty.txt", ""),
                         ("in/sub/reports.zip/2022/a.txt", GDP), ("in/docs.jsonl#r1", GDP)]:
        assert "error" not in records[doc_id], records[doc_id]
        check_record(records[doc_id], text)
    assert records["in/e.pdf"]["chars"] > 0 and "error" not in records["in/e.pdf"]
    errors = {doc_id: r["error"] for doc_id, r in records.items() if "error" in r}
    assert set(errors) == {"in/binary.txt", "in/bytes.txt", "in/photo.jpg", "in/broken.pdf", "in/huge.txt",
                           "in/sub/reports.zip/../evil.txt", "in/docs.jsonl:2"}
    assert "binary" in errors["in/binary.txt"] and "not decodable" in errors["in/bytes.txt"]
    assert "unsupported file type .jpg" in errors["in/photo.jpg"] and "--max-chars" in errors["in/huge.txt"]
    assert (src / "huge.txt").stat().st_size > 50 * 2**20 and records["in/huge.txt"]["chars"] == 40_000_000
    assert all(records[i]["entities"] == [] for i in errors)
    assert "failures         7" in output and "throughput" in output and "characters/s" in output


def test_existing_output_needs_resume_or_overwrite(tiny_bundle, tmp_path):
    (tmp_path / "a.txt").write_text(GDP, encoding="utf-8")
    args = ["a.txt", "--out", "out.jsonl", "--model", str(tiny_bundle)]
    assert batch(*args)[0] == 0
    code, output = batch(*args)
    assert code == 1 and "out.jsonl exists; pass --resume" in output and "Traceback" not in output
    code, output = batch(*args, "--resume", "--overwrite")
    assert code == 1 and "exclude each other" in output
    assert batch(*args, "--overwrite")[0] == 0 and len(read_jsonl("out.jsonl")) == 1
    code, output = batch("a.txt", "--out", "x.jsonl", "--model", str(tmp_path))
    assert code == 1 and "manifest.json" in output and "Traceback" not in output


def test_resume_cuts_a_partial_line_and_completes_exactly_once(tiny_bundle, tmp_path):
    make_zip(tmp_path / "r.zip", {f"{n:02d}.txt": GDP * (n + 1) for n in range(6)})
    args = ["r.zip", "--out", "full.jsonl", "--model", str(tiny_bundle)]
    assert batch(*args)[0] == 0
    lines = Path("full.jsonl").read_bytes().splitlines(keepends=True)
    Path("part.jsonl").write_bytes(b"".join(lines[:2]) + lines[2][: len(lines[2]) // 2])  # killed mid-write
    code, output = batch("r.zip", "--out", "part.jsonl", "--model", str(tiny_bundle), "--resume")
    assert code == 0 and "already done     2" in output
    assert sorted(Path("part.jsonl").read_bytes().splitlines()) == sorted(line.rstrip(b"\n") for line in lines)
    Path("bad.jsonl").write_text("not ours\n")
    code, output = batch("r.zip", "--out", "bad.jsonl", "--model", str(tiny_bundle), "--resume")
    assert code == 1 and "not a batch result line" in output


def test_csv_has_a_row_per_entity_and_one_per_document_without_any(tiny_bundle, tmp_path):
    make_zip(tmp_path / "r.zip", {"a.txt": GDP, "empty.txt": "", "bad.txt": b"\x00\x01"})
    code, output = batch("r.zip", "--out", "out.csv", "--format", "csv", "--model", str(tiny_bundle))
    assert code == 0, output
    journal = {r["id"]: r for r in read_jsonl("out.csv.jsonl")}
    with open("out.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(max(1, len(r["entities"])) for r in journal.values())
    assert {row["id"] for row in rows} == set(journal)
    a_rows = [row for row in rows if row["id"] == "r.zip/a.txt"]
    assert [(int(r["start"]), int(r["end"]), r["label"], r["text"]) for r in a_rows] == [
        (e["start"], e["end"], e["label"], e["text"]) for e in journal["r.zip/a.txt"]["entities"]
    ]
    (bad,) = [row for row in rows if row["id"] == "r.zip/bad.txt"]
    assert "binary" in bad["error"] and bad["label"] == ""
    assert batch("r.zip", "--out", "out.csv", "--format", "csv", "--model", str(tiny_bundle))[0] == 1
    code, output = batch("r.zip", "--out", "out.csv", "--format", "csv", "--model", str(tiny_bundle), "--resume")
    assert code == 0 and "already done     3" in output and len(read_jsonl("out.csv.jsonl")) == 3


class _Failing:
    def extract(self, text):
        raise RuntimeError("session died")


def test_record_turns_every_failure_into_an_error_record(tiny_bundle):
    settings = Settings(tiny_bundle, max_chars=10)
    assert record(Item("x.txt", error="unsafe"), None, settings) == {
        "id": "x.txt", "chars": None, "sha256": None, "entities": [], "error": "unsafe"}
    assert "session died" in record(Item("a.txt", b"abc"), _Failing(), settings)["error"]
    assert "over --max-chars 10" in record(Item("a.txt", b"a" * 11), _Failing(), settings)["error"]
    assert "surrogates" in record(Item("d.jsonl#1", "bad \ud800"), _Failing(), settings)["error"]
    assert "PdfStreamError" in record(Item("a.pdf", b"%PDF-1.4"), _Failing(), settings)["error"]


def test_workers_times_threads_is_the_core_count(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    assert [default_threads(w) for w in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]


def _count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_mid_run_then_resume_gives_every_document_exactly_once(tiny_bundle, tmp_path):
    """A real `python -m ner.cli batch` with two workers is SIGKILLed (with its workers) mid-run;
    the same command then finishes the job."""
    members = {f"{n:03d}.txt": f"第{n}号报告。{GDP * 40}" for n in range(60)}
    lines = {n: f"{n}:{GDP * 40}" for n in range(20)}
    make_tar(tmp_path / "reports.tgz", members)
    Path("more.jsonl").write_text(
        "".join(json.dumps({"id": n, "text": t}, ensure_ascii=False) + "\n" for n, t in lines.items()), encoding="utf-8"
    )
    texts = {f"reports.tgz/{name}": t for name, t in members.items()} | {f"more.jsonl#{n}": t for n, t in lines.items()}
    cmd = [sys.executable, "-m", "ner.cli", "batch", "reports.tgz", "more.jsonl", "--out", "out.jsonl",
           "--model", str(tiny_bundle), "--workers", "2", "--resume"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while _count_lines(out) < 10 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        killed_mid_run = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the process group: the CLI and its worker processes
        proc.wait()
    assert killed_mid_run, "the run ended before it could be killed:\n" + proc.stdout.read().decode()
    written = _count_lines(out)
    assert 10 <= written < 80
    if out.read_bytes().endswith(b"\n"):  # what a kill inside a write leaves; cut off on resume
        with out.open("ab") as f:
            f.write(b'{"id": "reports.tgz/05')
    finished = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert finished.returncode == 0, finished.stderr
    assert "already done" in finished.stdout

    records = read_jsonl(out)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 80 and set(ids) == set(texts)
    for r in records:
        check_record(r, texts[r["id"]])
    from ner.inference import Extractor

    extractor = Extractor(tiny_bundle, threads=1)  # a worker's record is the record of the document
    for r in records[:2] + records[-2:]:
        item = next(i for i in Reader().items(["reports.tgz", "more.jsonl"]) if i.id == r["id"])
        assert json.loads(json_line(record(item, extractor, Settings(tiny_bundle)))) == r


def test_records_command_writes_one_row_per_record(tiny_bundle, tmp_path):
    """`ner records` runs on the batch machinery: CSV rows per record, JSON lines with "records"."""
    import csv

    from click.testing import CliRunner

    from ner.cli import main
    from ner.results import RECORD_COLUMNS

    report = tmp_path / "r.txt"
    report.write_text("实现地区生产总值150.06亿元，同比增长18.46%。\n" * 3, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(main, ["records", str(report), "--out", str(tmp_path / "rec.jsonl"), "--model", str(tiny_bundle), "--no-progress"])
    assert r.exit_code == 0, r.output
    (line,) = (tmp_path / "rec.jsonl").read_text(encoding="utf-8").splitlines()
    doc = json.loads(line)
    assert isinstance(doc["records"], list) and all(set(RECORD_COLUMNS) == set(x) for x in doc["records"])
    r = runner.invoke(main, ["records", str(report), "--out", str(tmp_path / "rec.csv"), "--model", str(tiny_bundle), "--no-progress"])
    assert r.exit_code == 0, r.output
    with (tmp_path / "rec.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "chars", "sha256", "error", *RECORD_COLUMNS]
    assert len(rows) == 1 + max(1, len(doc["records"]))
