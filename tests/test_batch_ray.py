"""`ner batch --engine ray` on a local two-CPU Ray instance writes what the local engine writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import ray
from batchfiles import GDP, SIMPLIFIED, make_zip
from click.testing import CliRunner

from ner.cli import main


@pytest.fixture
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_output_equals_local_output(tiny_bundle, tmp_path, monkeypatch, local_ray):
    monkeypatch.chdir(tmp_path)
    make_zip(tmp_path / "reports.zip", {
        "2022/a.txt": GDP * 3, "2022/b.txt": SIMPLIFIED, "2023/c.txt": GDP + SIMPLIFIED,
        "gbk.txt": SIMPLIFIED.encode("gb18030"), "../evil.txt": GDP, "empty.txt": "", "bin.txt": b"\x00\x01",
    })
    Path("more.jsonl").write_text(json.dumps({"id": "x", "text": GDP}, ensure_ascii=False) + "\n", encoding="utf-8")
    common = ["batch", "reports.zip", "more.jsonl", "--model", str(tiny_bundle), "--threads", "1"]
    local = CliRunner().invoke(main, [*common, "--out", "local.jsonl"])
    assert local.exit_code == 0, local.output
    local_lines = sorted(Path("local.jsonl").read_text(encoding="utf-8").splitlines())
    assert len(local_lines) == 8
    # one Ray run that also resumes: three documents are already done, Ray computes the other five
    Path("ray.jsonl").write_text("\n".join(local_lines[:3]) + "\n", encoding="utf-8")
    on_ray = CliRunner().invoke(main, [*common, "--out", "ray.jsonl", "--engine", "ray", "--workers", "2", "--resume"])
    assert on_ray.exit_code == 0, on_ray.output
    assert "documents        5" in on_ray.output and "already done     3" in on_ray.output
    assert sorted(Path("ray.jsonl").read_text(encoding="utf-8").splitlines()) == local_lines
