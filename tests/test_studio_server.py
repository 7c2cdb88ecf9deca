"""`ner studio` against a real Label Studio server started on 127.0.0.1 for this module.

Needs Label Studio 1.23.2 in its own environment: `scripts/labelstudio_venv.sh` makes
.venv-labelstudio/ (or point LABEL_STUDIO_BIN at a `label-studio` executable). Without it these
tests FAIL; they are skipped only when NER_SKIP_STUDIO=1 is set. Run them alone with

    PYTHONPATH=. python -m pytest tests/test_studio_server.py -v

The server needs about 40-120 s to start (database migrations on a fresh SQLite file).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ner.cli import main
from ner.config import TrainConfig
from ner.inference import Extractor
from ner.labelstudio import load_documents
from ner.studio import FROM_NAME, TO_NAME, connect, find_project, model_version

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [ROOT / "seeds" / "000_3db76ea840e11b26.txt", ROOT / "seeds" / "002_c5a246ededf7c1af.txt"]
STARTUP_TIMEOUT = float(os.environ.get("NER_STUDIO_STARTUP_TIMEOUT", "300"))
PASSWORD = "ner-test-" + secrets.token_hex(8)

pytestmark = pytest.mark.skipif(
    os.environ.get("NER_SKIP_STUDIO") == "1", reason="NER_SKIP_STUDIO=1: the Label Studio server tests are switched off"
)


@dataclass
class Server:
    url: str
    token: str


def _label_studio_bin() -> Path:
    return Path(os.environ.get("LABEL_STUDIO_BIN") or ROOT / ".venv-labelstudio" / "bin" / "label-studio")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=3) as resp:
            return json.loads(resp.read()).get("status") == "UP"
    except (OSError, ValueError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it spawned: it runs in a process group of its own."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    binary = _label_studio_bin()
    if not binary.exists():
        pytest.fail(f"{binary} not found: run scripts/labelstudio_venv.sh or set LABEL_STUDIO_BIN (NER_SKIP_STUDIO=1 skips)")
    data = tmp_path_factory.mktemp("label-studio")
    port, token = _free_port(), secrets.token_hex(20)
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data),
        "LABEL_STUDIO_USERNAME": "annotator@example.com",
        "LABEL_STUDIO_PASSWORD": PASSWORD,
        "LABEL_STUDIO_USER_TOKEN": token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "USE_DEFAULT_BANNED_SUBNETS": "false",  # let it call our ML backend on 127.0.0.1
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
    }
    log = (data / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(binary), "start", "--no-browser", "--port", str(port), "--internal-host", "127.0.0.1"],
        env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (data / "server.log").read_text(errors="replace")[-3000:]
                why = f"exited with {proc.returncode}" if proc.poll() is not None else f"no /health after {STARTUP_TIMEOUT:.0f} s"
                pytest.fail(f"Label Studio did not start ({why}); log tail:\n{tail}")
            time.sleep(2)
        yield Server(url, token)
    finally:
        _stop(proc)
        log.close()


def _cli(*args: str) -> str:
    r = CliRunner().invoke(main, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _annotate(client, task_id: int, result: list[dict], cancelled: bool = False) -> None:
    """Save an annotation the way the labelling screen does after an annotator's edits."""
    client.annotations.create(id=task_id, result=result, was_cancelled=cancelled, lead_time=3.5)


def test_push_annotate_pull_train_round_trip(server, tiny_bundle, tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", server.token)
    out = _cli("studio", "push", "--project", "seeds", "--model", str(tiny_bundle), *map(str, SEEDS))
    assert "pushed" in out and "created" in out
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS}
    version = model_version(Extractor(tiny_bundle))
    client = connect(server.url, server.token)
    project_id = find_project(client, "seeds")
    tasks = [client.tasks.get(t.id) for t in client.tasks.list(project=project_id, page_size=500)]
    assert {t.data["doc"] for t in tasks} == set(texts) and len(tasks) > len(texts)  # long reports were split
    for t in tasks:
        d = t.data
        assert texts[d["doc"]][d["offset"] : d["offset"] + len(d["text"])] == d["text"]
        (pred,) = t.predictions
        assert pred.model_version == version
        assert all(0 <= r["score"] <= 1 and d["text"][r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in pred.result)

    # an annotator accepts the predictions of three tasks, corrects one span in the first, skips a fourth
    by_doc = {name: sorted((t for t in tasks if t.data["doc"] == name), key=lambda t: t.data["offset"]) for name in texts}
    first, second = by_doc[SEEDS[0].name][1], by_doc[SEEDS[0].name][3]
    third, skipped = by_doc[SEEDS[1].name][0], by_doc[SEEDS[1].name][1]
    gold = next(
        s for d in load_documents(ROOT / "annotations" / "seeds.json") if d.id == SEEDS[0].name
        for s in d.spans if first.data["offset"] <= s.start and s.end <= first.data["offset"] + len(first.data["text"])
    )
    fixed = {"start": gold.start - first.data["offset"], "end": gold.end - first.data["offset"], "labels": [gold.label]}
    fixed["text"] = first.data["text"][fixed["start"] : fixed["end"]]
    expected: set[tuple[str, int, int, str]] = set()
    for task in (first, second, third):
        result = [dict(r, origin="prediction") for r in task.predictions[0].result]
        if task is first:  # the correction: the gold span replaces whatever the model put there
            result = [r for r in result if r["value"]["end"] <= fixed["start"] or r["value"]["start"] >= fixed["end"]]
            result.append({"id": "fix1", "from_name": FROM_NAME, "to_name": TO_NAME, "type": "labels", "value": fixed, "origin": "manual"})
        _annotate(client, task.id, result)
        expected |= {
            (task.data["doc"], task.data["offset"] + r["value"]["start"], task.data["offset"] + r["value"]["end"], r["value"]["labels"][0])
            for r in result
        }
    _annotate(client, skipped.id, [], cancelled=True)
    assert (SEEDS[0].name, gold.start, gold.end, gold.label) in expected

    pulled = tmp_path / "annotations" / "seeds-studio.json"
    out = _cli("studio", "pull", "--project", "seeds", "--out", str(pulled))
    assert f"wrote {pulled}: 2 documents" in out and "3 annotated tasks" in out and "1 skipped" in out
    docs = load_documents(pulled)
    parts = {t["data"]["doc"]: t["data"]["parts"] for t in json.loads(pulled.read_text(encoding="utf-8"))}
    got = set()
    for doc in docs:
        for s in doc.spans:
            (part,) = [p for p in parts[doc.id] if p["at"] <= s.start and s.end <= p["at"] + p["length"]]
            start = s.start - part["at"] + part["offset"]
            assert texts[doc.id][start : start + s.end - s.start] == doc.text[s.start : s.end]
            got.add((doc.id, start, start + s.end - s.start, s.label))
    assert got == expected  # every span, exact offsets, nothing lost or added

    # the pulled file trains as it is: one step on the tiny model through `ner train`
    cfg = TrainConfig(base_model=str(tiny_model), max_length=512, overlap=64, epochs=1, batch_size=64, dev_docs=0, threads=1)
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    out = _cli("train", "--config", str(tmp_path / "cfg.yaml"), "--data", str(pulled), "--out", str(tmp_path / "m"))
    assert "saved" in out and (tmp_path / "m" / "model.safetensors").exists()


def test_push_again_adds_nothing_and_uncertain_picks_the_least_sure(server, tiny_bundle):
    args = ["--url", server.url, "--token", server.token, "--model", str(tiny_bundle)]
    _cli("studio", "push", *args, "--project", "again", str(SEEDS[1]))
    out = _cli("studio", "push", *args, "--project", "again", str(SEEDS[1]))
    assert "existing" in out and "pushed 0 tasks" in out
    client = connect(server.url, server.token)
    assert [p.title for p in client.projects.list()].count("again") == 1

    out = _cli("studio", "push", *args, "--project", "active", "--select", "uncertain", "--n", "2", "--max-chars", "300", str(SEEDS[1]))
    assert "pushed 2 tasks" in out
    pushed = list(client.tasks.list(project=find_project(client, "active"), page_size=500))
    scores = {t.data["offset"]: client.tasks.get(t.id).predictions[0].score for t in pushed}
    from ner.studio import confidence, split_document

    text = SEEDS[1].read_text(encoding="utf-8")
    parts = split_document(SEEDS[1].name, text, 300)
    all_scores = sorted(confidence(e) for e in Extractor(tiny_bundle).extract_batch([p.text for p in parts]))
    assert sorted(scores.values()) == pytest.approx(all_scores[:2], abs=1e-4)


def test_server_errors_are_one_line_messages(server, tiny_bundle, tmp_path):
    runner = CliRunner()
    r = runner.invoke(main, ["studio", "pull", "--url", server.url, "--token", "0" * 40, "--project", "seeds", "--out", str(tmp_path / "a.json")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip() == f"Error: Label Studio at {server.url} refused the API token (HTTP 401: Invalid token.); check --token or LABEL_STUDIO_API_KEY"
    r = runner.invoke(main, ["studio", "pull", "--url", server.url, "--token", server.token, "--project", "no such project", "--out", str(tmp_path / "a.json")])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1
    assert r.output.startswith(f"Error: no project named 'no such project' at {server.url}")


def test_label_studio_uses_our_ml_backend(server, tiny_bundle):
    from ner.studio_backend import make_server

    backend = make_server(Extractor(tiny_bundle, threads=1), port=0)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        client = connect(server.url, server.token)
        from ner.studio import label_config

        project_id = client.projects.create(title="backend", label_config=label_config()).id
        text = SEEDS[1].read_text(encoding="utf-8")[:400]
        client.projects.import_tasks(id=project_id, request=[{"data": {"text": text}}])
        (task,) = client.tasks.list(project=project_id)
        ml = client.ml.create(project=project_id, url=f"http://127.0.0.1:{backend.server_address[1]}", title="ner", is_interactive=True)
        assert ml.state == "CO", ml  # Label Studio called /health and /setup and is satisfied
        client.actions.create(id="retrieve_tasks_predictions", project=project_id, selected_items={"all": False, "included": [task.id]})
        (pred,) = client.tasks.get(task.id).predictions
        assert pred.model_version == model_version(Extractor(tiny_bundle))
        assert all(text[r["value"]["start"] : r["value"]["end"]] == r["value"]["text"] for r in pred.result)
    finally:
        backend.shutdown()
        backend.server_close()
