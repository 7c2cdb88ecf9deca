"""A Label Studio ML backend for our model, so the labelling screen can ask it for pre-annotations.

It speaks the label-studio-ml protocol (GET /health, POST /setup, POST /predict answering
`{"results": [...]}`) with the standard library's http.server: no web framework to install, and
predictions come from the same ONNX bundle as `ner extract`. Training from the UI is not offered
(train with `ner train` on pulled annotations); /webhook accepts the events and ignores them.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.etree import ElementTree

from .labels import LABELS
from .studio import FROM_NAME, TO_NAME, model_version, prediction

if TYPE_CHECKING:
    from .inference import Extractor

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # Label Studio runs on the same machine; never expose the model to the network
MAX_BODY = 64 << 20


class Predictor:
    """Predictions for Label Studio tasks, shaped for the project's labelling config."""

    def __init__(self, extractor: Extractor):
        self.extractor = extractor
        self.model_version = model_version(extractor)
        self._lock = threading.Lock()  # one extraction at a time: the tagger is not re-entrant

    def predict(self, tasks: list[dict], config: str | None) -> list[dict]:
        from_name, to_name, field, allowed = _text_labels(config)
        texts = [t.get("data", {}).get(field) if isinstance(t, dict) else None for t in tasks]
        todo = [i for i, text in enumerate(texts) if isinstance(text, str)]
        with self._lock:
            found = self.extractor.extract_batch([texts[i] for i in todo]) if todo else []
        entities: list[list] = [[] for _ in tasks]
        for i, ents in zip(todo, found):
            entities[i] = [e for e in ents if e.label in allowed]
        return [prediction(ents, self.model_version, from_name, to_name) for ents in entities]


def _text_labels(config: str | None) -> tuple[str, str, str, set[str]]:
    """(from_name, to_name, data field, labels) of the config's first <Labels> on a <Text>.

    Falls back to our own config's names when Label Studio sends none or an unusual one.
    """
    default = (FROM_NAME, TO_NAME, "text", set(LABELS))
    if not config:
        return default
    try:
        root = ElementTree.fromstring(config)
    except ElementTree.ParseError:
        return default
    texts = {el.get("name"): el.get("value", "") for el in root.iter("Text")}
    for labels in root.iter("Labels"):
        to_name = labels.get("toName")
        if to_name in texts and texts[to_name].startswith("$"):
            allowed = {el.get("value") for el in labels.iter("Label")}
            return labels.get("name") or FROM_NAME, to_name, texts[to_name][1:], allowed & set(LABELS)
    return default


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path in ("", "/health"):
            self._send(HTTPStatus.OK, {"status": "UP", "model_version": self.server.predictor.model_version})
        elif path == "/metrics":
            self._send(HTTPStatus.OK, {})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path not in ("/setup", "/predict", "/webhook"):
            self._send(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ValueError(f"request body over {MAX_BODY} bytes")
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the request body must be a JSON object")
        except ValueError as exc:
            self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        predictor = self.server.predictor
        if path == "/setup":
            self._send(HTTPStatus.OK, {"model_version": predictor.model_version})
        elif path == "/webhook":
            self._send(HTTPStatus.OK, {"status": "ignored: train with `ner train` on pulled annotations"})
        else:
            tasks = body.get("tasks")
            if not isinstance(tasks, list):
                self._send(HTTPStatus.BAD_REQUEST, {"error": "'tasks' must be a list of tasks"})
                return
            results = predictor.predict(tasks, body.get("label_config"))
            self._send(HTTPStatus.OK, {"results": results, "model_version": predictor.model_version})

    def _send(self, status: HTTPStatus, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        log.info("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, predictor: Predictor, port: int):
        self.predictor = predictor
        super().__init__((HOST, port), _Handler)


def make_server(extractor: Extractor, port: int = 9090) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:`port` (0 picks a free one); run it with `serve_forever()`."""
    return _Server(Predictor(extractor), port)
