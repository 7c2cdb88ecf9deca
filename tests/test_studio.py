"""Label Studio client and ML backend without a Label Studio server (tests/test_studio_server.py has one)."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from ner.cli import main
from ner.entity import Entity
from ner.labels import LABELS
from ner.labelstudio import parse_export
from ner.studio import (
    StudioError,
    confidence,
    label_config,
    merge_parts,
    prediction,
    read_texts,
    select_uncertain,
    split_document,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_label_config_has_every_label_with_distinct_colour_and_hotkey():
    root = ElementTree.fromstring(label_config())
    labels = root.find("Labels").findall("Label")
    assert [el.get("value") for el in labels] == list(LABELS)
    assert len({el.get("background") for el in labels}) == len({el.get("hotkey") for el in labels}) == len(LABELS)
    text = root.find("Text")
    assert text.get("granularity") == "symbol" and text.get("value") == "$text"
    assert root.find("Labels").get("toName") == text.get("name")


def test_split_keeps_offsets_and_whole_paragraphs():
    text = (SEEDS / "000_3db76ea840e11b26.txt").read_text(encoding="utf-8")
    parts = split_document("000", text, max_chars=800)
    assert len(parts) > 5
    for p in parts:
        assert text[p.offset : p.offset + len(p.text)] == p.text
        assert p.text == p.text.strip() and (p.offset == 0 or text[p.offset - 1] == "\n")
    bounds = [0] + [x for p in parts for x in (p.offset, p.offset + len(p.text))] + [len(text)]
    gaps = [text[a:b] for a, b in zip(bounds[::2], bounds[1::2])]
    assert all(a <= b for a, b in zip(bounds, bounds[1:]))
    assert not "".join(gaps).strip()  # only whitespace between parts is left out
    (whole,) = split_document("000", text, max_chars=0)
    assert whole.text == text.strip()
    assert split_document("x", " \n\u3000\n") == []
    (long,) = split_document("x", "甲" * 50, max_chars=10)  # one paragraph longer than the limit stays whole
    assert long.text == "甲" * 50


def test_read_texts_files_folders_and_encodings(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes("实现地区生产总值150.06亿元".encode("gb18030"))
    (tmp_path / "b.md").write_text("# 报告\n同比增长18.46%", encoding="utf-8")
    (tmp_path / "skip.json").write_text("{}")
    docs = dict(read_texts([tmp_path]))
    assert docs == {"b.md": "# 报告\n同比增长18.46%", "sub/a.txt": "实现地区生产总值150.06亿元"}
    assert [d for d, _ in read_texts([tmp_path / "b.md"])] == ["b.md"]
    with pytest.raises(StudioError, match="no such file"):
        read_texts([tmp_path / "nope.txt"])
    with pytest.raises(StudioError, match="not a .txt/.md file"):
        read_texts([tmp_path / "skip.json"])
    with pytest.raises(StudioError, match="unique"):
        read_texts([tmp_path / "b.md", tmp_path / "b.md"])
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01")
    with pytest.raises(StudioError, match="binary"):
        read_texts([tmp_path / "bin.txt"])


def test_predictions_carry_scores_and_uncertainty_rule():
    ents = [Entity(0, 2, "ORG", "某局", 0.9), Entity(3, 5, "AMOUNT", "5亿", 0.4)]
    p = prediction(ents, "tiny-0123abcd")
    assert p["model_version"] == "tiny-0123abcd" and p["score"] == 0.4
    assert [r["score"] for r in p["result"]] == [0.9, 0.4]
    assert p["result"][1]["value"] == {"start": 3, "end": 5, "text": "5亿", "labels": ["AMOUNT"]}
    assert len({r["id"] for r in p["result"]}) == 2
    assert confidence([]) == 0.0  # nothing found: as uncertain as it gets
    scores = [0.9, 0.0, 0.5, 0.95, 0.5]
    assert select_uncertain(scores, 3) == [1, 2, 4]  # returned in document order
    assert select_uncertain(scores, 10) == [0, 1, 2, 3, 4]


def _task(tid, doc, offset, text, spans, cancelled=False):
    result = [{"type": "labels", "value": {"start": s, "end": e, "text": text[s:e], "labels": [lab]}} for s, e, lab in spans]
    return {"id": tid, "data": {"text": text, "doc": doc, "offset": offset}, "annotations": [{"id": tid, "result": result, "was_cancelled": cancelled}]}


def test_merge_parts_one_document_per_report_and_spans_map_back():
    doc = "标题\n实现地区生产总值150亿元。\n\n同比增长8%。\n其他内容"
    a, b, c = doc.index("实现"), doc.index("同比"), doc.index("其他")
    tasks = [
        _task(2, "r.txt", b, "同比增长8%。", [(4, 6, "GROWTH_RATE")]),
        _task(1, "r.txt", a, "实现地区生产总值150亿元。", [(2, 8, "METRIC"), (8, 13, "AMOUNT")]),
        _task(3, "r.txt", c, "其他内容", [(0, 2, "ORG")], cancelled=True),
        {"id": 4, "data": {"text": "x", "doc": "s.txt", "offset": 0}, "annotations": []},
    ]
    merged, used, skipped = merge_parts(tasks)
    assert (used, skipped) == (2, 1)
    (task,) = merged
    (parsed,) = parse_export(merged)
    assert parsed.id == "r.txt" and len(parsed.spans) == 3
    for s in parsed.spans:
        part = next(p for p in task["data"]["parts"] if p["at"] <= s.start < p["at"] + p["length"])
        start = s.start - part["at"] + part["offset"]
        assert doc[start : start + s.end - s.start] == parsed.text[s.start : s.end]


def test_merge_refuses_overlapping_parts():
    tasks = [_task(1, "r.txt", 0, "甲乙丙丁", []), _task(2, "r.txt", 2, "丙丁戊", [])]
    with pytest.raises(ValueError, match="overlaps"):
        merge_parts(tasks)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down_is_one_line(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}"
    r = CliRunner().invoke(main, ["studio", "pull", "--url", url, "--token", "x" * 40, "--project", "p", "--out", str(tmp_path / "a.json")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    (line,) = r.output.strip().splitlines()
    assert line.startswith(f"Error: cannot reach Label Studio at {url}: ") and "refused" in line


def test_cli_checks_options_before_connecting(tmp_path, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    runner = CliRunner()
    r = runner.invoke(main, ["studio", "push", "--token", "t", "--project", "p", str(SEEDS)])
    assert r.exit_code == 2 and "--url" in r.output
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "t")
    r = runner.invoke(main, ["studio", "push", "--project", "p", "--select", "uncertain", str(SEEDS)])
    assert r.exit_code == 1 and "--select uncertain and --n go together" in r.output
    r = runner.invoke(main, ["studio", "push", "--project", "p", str(tmp_path / "missing")])
    assert r.exit_code == 1 and "no such file or folder" in r.output


@pytest.mark.parametrize("command", ["config", "push", "pull", "backend"])
def test_every_studio_command_has_help_with_an_example(command):
    r = CliRunner().invoke(main, ["studio", command, "--help"])
    assert r.exit_code == 0 and "Example" in r.output


def test_cli_config_prints_the_config():
    r = CliRunner().invoke(main, ["studio", "config"])
    assert r.exit_code == 0 and r.output == label_config()


@pytest.fixture(scope="module")
def backend(tiny_bundle):
    from ner.inference import Extractor
    from ner.studio_backend import make_server

    server = make_server(Extractor(tiny_bundle, threads=1), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_backend_speaks_the_ml_protocol(backend):
    status, health = _call(f"{backend}/health")
    assert status == 200 and health["status"] == "UP"
    status, setup = _call(f"{backend}/setup", {"project": "1.1700000000", "schema": label_config()})
    assert status == 200 and setup["model_version"] == health["model_version"]
    text = "实现地区生产总值150.06亿元，同比增长18.46%。"
    tasks = [{"id": 7, "data": {"text": text}}, {"id": 8, "data": {"text": ""}}]
    status, out = _call(f"{backend}/predict", {"tasks": tasks, "label_config": label_config()})
    assert status == 200 and len(out["results"]) == 2
    first = out["results"][0]
    assert first["model_version"] == setup["model_version"] and 0 <= first["score"] <= 1
    for r in first["result"]:
        assert (r["from_name"], r["to_name"], r["type"]) == ("label", "text", "labels")
        assert text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] and 0 <= r["score"] <= 1
    assert out["results"][1]["result"] == [] and out["results"][1]["score"] == 0.0


def test_backend_follows_the_projects_names_and_labels(backend):
    config = '<View><Labels name="ner" toName="doc"><Label value="ORG"/></Labels><Text name="doc" value="$body"/></View>'
    text = "实现地区生产总值150.06亿元，同比增长18.46%。" * 3
    status, out = _call(f"{backend}/predict", {"tasks": [{"data": {"body": text}}], "label_config": config})
    assert status == 200
    for r in out["results"][0]["result"]:
        assert (r["from_name"], r["to_name"], r["value"]["labels"]) == ("ner", "doc", ["ORG"])


def test_backend_rejects_bad_requests(backend):
    assert _call(f"{backend}/nope")[0] == 404
    assert _call(f"{backend}/predict", {"tasks": "x"})[0] == 400
    req = urllib.request.Request(f"{backend}/predict", data=b"{not json", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 400
