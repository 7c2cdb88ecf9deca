"""The `ner` command line: train, evaluate, cv, export, extract, batch, records, and Label Studio (studio)."""

from __future__ import annotations

import importlib.util
import json
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import click

from .labelstudio import AnnotationError
from .studio import DEFAULT_MAX_CHARS

EPILOG_WIDTH = 100


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": EPILOG_WIDTH})
def main() -> None:
    """Find METRIC, AMOUNT, GROWTH_RATE, PROJECT and ORG entities in Chinese government work reports.

    \b
    Example:
      ner extract seeds/000_3db76ea840e11b26.txt
    """


def _config(path: str, **overrides):
    """The YAML config with the command-line options that were given (not None) put over it."""
    from dataclasses import replace

    import yaml

    from .config import TrainConfig

    try:
        cfg = TrainConfig.from_yaml(path)
    except (ValueError, yaml.YAMLError) as exc:  # unknown or ill-typed settings, or no YAML at all
        _fail(str(exc))
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def _load_docs(data: str):
    from .labelstudio import load_documents

    try:
        return load_documents(data)
    except (AnnotationError, FileNotFoundError) as exc:
        _fail(str(exc))


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False), help="YAML config from configs/.")
@click.option("--data", default="annotations", show_default=True, help="Label Studio export file or folder.")
@click.option("--out", type=click.Path(file_okay=False), help="Output model directory [default: models/<config name>].")
@click.option("--dev-docs", type=int, help="Override the number of documents held out for early stopping.")
@click.option("--epochs", type=int, help="Override the number of epochs.")
@click.option("--seed", type=int, help="Override the random seed (how much a score moves with the seed alone).")
@click.option("--teacher", type=click.Path(exists=True, file_okay=False), help="Model or bundle that labels the config's self_training_corpus.")
def train(
    config_path: str, data: str, out: str | None, dev_docs: int | None, epochs: int | None, seed: int | None,
    teacher: str | None,
) -> None:
    """Fine-tune an encoder on Label Studio annotations and save a model directory.

    \b
    Example:
      ner train --config configs/m3e-small.yaml --data annotations/ --out models/m3e-small
      ner train --config configs/self-training.yaml --teacher models/default-torch --out models/st
    """
    from .evaluate import format_table
    from .train import save_model, train as run_train

    cfg = _config(config_path, dev_docs=dev_docs, epochs=epochs, seed=seed)
    docs = _load_docs(data)
    out = out or f"models/{Path(config_path).stem}"
    _check_teacher(cfg, teacher, "--teacher")
    added = _extra_docs(cfg, docs) + (_self_training_docs(cfg, teacher, docs) if teacher else [])
    try:
        result = run_train(cfg, docs, extra=added)
    except FileNotFoundError as exc:
        _fail(str(exc))
    n_spans = sum(len(d.spans) for d in docs)
    sources = []
    if cfg.extra_training_data:
        sources.append(f"`{cfg.extra_training_data}`")
    if teacher:
        sources.append(f"sentences labelled by {teacher}")
    more = f", and {len(added)} training-only documents ({'; '.join(sources)})" if added else ""
    save_model(result, out, f"{len(docs)} documents, {n_spans} spans from {data}{more}")
    if result.dev_scores:
        click.echo(format_table(result.dev_scores["span"], "dev, exact character spans"))
    click.echo(f"saved {out} ({result.seconds:.0f} s)")


@main.command()
@click.option("--model", required=True, type=click.Path(exists=True), help="Model directory or exported bundle.")
@click.option("--data", required=True, help="Label Studio export file or folder with gold labels.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate(model: str, data: str, as_json: bool) -> None:
    """Score a model on gold documents: seqeval (IOB2, strict) and exact character-span F1.

    \b
    Example:
      ner evaluate --model models/default --data annotations/provincial.json
    """
    from .evaluate import evaluate as run_evaluate, format_table

    docs = _load_docs(data)
    scores = run_evaluate(_tagger_for(model), docs)
    if as_json:
        click.echo(json.dumps(scores, indent=2))
        return
    click.echo(format_table(scores["seqeval"], "seqeval (IOB2, strict)"))
    click.echo()
    click.echo(format_table(scores["span"], "exact character spans"))


def _tagger_for(model: str):
    """A WindowedTagger for a PyTorch model directory or an exported ONNX bundle."""
    path = Path(model)
    if (path / "manifest.json").exists():
        from .inference import Extractor

        return Extractor(path).tagger
    from .train import load_tagger

    return load_tagger(path)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False), help="YAML config from configs/.")
@click.option("--data", default="annotations", show_default=True, help="Label Studio export file or folder.")
@click.option("--folds", type=click.Choice(["docs"]), default="docs", show_default=True, help="Fold scheme: one fold per document.")
@click.option("--only", multiple=True, help="Run only the folds holding out these document ids (repeatable).")
@click.option("--epochs", type=int, help="Override the number of epochs.")
@click.option("--seed", type=int, help="Override the random seed (how much a score moves with the seed alone).")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the full results as JSON here; each finished fold is also appended to <out>.partial.jsonl.")
@click.option("--resume", is_flag=True, help="Keep the folds already in <out>.partial.jsonl (same recipe only) and run the rest.")
@click.option("--save-models", type=click.Path(file_okay=False), help="Keep each fold's model in DIR/<held-out document>/; a fold whose model is already there (same training settings and documents) is scored without retraining.")
@click.option("--teachers", type=click.Path(exists=True, file_okay=False), help="Fold models of an earlier --save-models: DIR/<held-out document>/ labels the config's self_training_corpus for that fold.")
def cv(
    config_path: str, data: str, folds: str, only: tuple[str, ...], epochs: int | None, seed: int | None,
    out: str | None, resume: bool, save_models: str | None, teachers: str | None,
) -> None:
    """Leave-one-document-out cross-validation: per-fold and mean per-label exact-span F1.

    A fold takes tens of minutes on a CPU: stop at any time and continue later with --resume.

    \b
    Example:
      ner cv --config configs/default.yaml --out runs/cv.json
      ner cv --config configs/default.yaml --out runs/cv.json --resume   # after an interruption
      ner cv --config configs/default.yaml --seed 14 --only 004_5abcda874813a6dd.txt --out runs/cv-seed14.json
      ner cv --config configs/self-training.yaml --teachers runs/cv-default-models --out runs/cv-st.json
    """
    from dataclasses import replace

    from .crossval import cross_validate
    from .evaluate import format_table
    from .labels import LABELS

    cfg = _config(config_path, epochs=epochs, seed=seed)
    recipe = replace(cfg, dev_docs=0).to_dict()
    docs = _load_docs(data)
    unknown = set(only) - {d.id for d in docs}
    if unknown:
        _fail(f"unknown document id(s): {', '.join(sorted(unknown))}")
    _check_teacher(cfg, teachers, "--teachers")
    fixed = _extra_docs(cfg, docs)
    if teachers:
        lacking = [d.id for d in docs if (not only or d.id in only) and not (Path(teachers) / d.id).is_dir()]
        if lacking:
            _fail(f"--teachers {teachers} has no fold model for: {', '.join(lacking)}")
    journal = Path(out).with_suffix(".partial.jsonl") if out else None
    if resume and not journal:
        _fail("--resume needs --out (the folds are kept in <out>.partial.jsonl)")
    done = {}
    if journal and journal.exists():
        if not resume:
            _fail(f"{journal} holds folds of an earlier run: continue it with --resume, or delete it")
        done = _journal_folds(journal, recipe, {d.id for d in docs})
        click.echo(f"resuming: {len(done)} fold(s) from {journal}: {', '.join(done) or '-'}")

    def row(doc_id: str, s: dict) -> str:
        return f"fold {doc_id:<28} " + " ".join(f"{s[label]['f1']:.3f}" for label in (*LABELS, "overall"))

    def report(doc_id: str, s: dict) -> None:
        click.echo(f"{row(doc_id, s)}  ({s['seconds']:.0f} s)")
        if journal:
            journal.parent.mkdir(parents=True, exist_ok=True)
            with journal.open("a", encoding="utf-8") as f:
                f.write(json.dumps({doc_id: {**s, "config": recipe}}, ensure_ascii=False) + "\n")

    click.echo(f"{'':<33} " + " ".join(f"{label[:6]:>6}" for label in (*LABELS, "all")))
    for doc_id, s in done.items():
        click.echo(f"{row(doc_id, s)}  (earlier run)")
    try:
        result = cross_validate(
            cfg, docs, only=list(only) or None, on_fold=report, done=done, save_models=save_models,
            extra=(lambda held: fixed + (_self_training_docs(cfg, str(Path(teachers) / held.id), docs) if teachers else []))
            if fixed or teachers else None,
        )
    except FileNotFoundError as exc:
        _fail(str(exc))
    if not result["folds"]:
        return
    missing = [d.id for d in docs if d.id not in result["folds"]]
    click.echo()
    click.echo(format_table(result["pooled"], f"pooled over {len(result['folds'])} held-out documents, exact character spans"))
    click.echo()
    click.echo("mean per-fold F1: " + ", ".join(f"{k} {v:.3f}" for k, v in result["mean_per_label_f1"].items()))
    if missing:
        click.echo(f"{len(missing)} of {len(docs)} folds not run yet: {', '.join(missing)}")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps({"config": recipe, "missing_folds": missing, **result}, ensure_ascii=False, indent=2))


def _check_teacher(cfg, teacher: str | None, option: str) -> None:
    if bool(cfg.self_training_corpus) != bool(teacher):
        _fail(
            f"the config sets self_training_corpus: {option} is needed" if cfg.self_training_corpus
            else f"{option} is for self-training, and the config sets no self_training_corpus"
        )


def _extra_docs(cfg, gold) -> list:
    """The config's extra_training_data; text shared with a gold document would leak into its fold."""
    from .pseudo_label import contains_gold

    if not cfg.extra_training_data:
        return []
    extra = _load_docs(cfg.extra_training_data)
    shared = [d.id for d in extra if any(d.text in g.text for g in gold) or contains_gold(d.text, gold)]
    if shared:
        _fail(f"extra_training_data {cfg.extra_training_data} repeats gold documents: {', '.join(shared[:5])}")
    return extra


def _self_training_docs(cfg, teacher: str, gold) -> list:
    """The teacher's confident sentences of the config's corpus (reports holding gold text skipped)."""
    return _pseudo_labels(
        teacher, cfg.self_training_corpus, gold, cfg.self_training_min_confidence, cfg.self_training_chars, cfg.seed
    ).documents


def _pseudo_labels(teacher: str, corpus: str, gold, min_confidence: float, chars: int, seed: int):
    from .pretrain import read_corpus
    from .pseudo_label import pseudo_label

    try:
        reports = read_corpus(corpus)
    except (OSError, ValueError) as exc:
        _fail(f"self-training corpus: {exc}")
    got = pseudo_label(
        _tagger_for(teacher), reports, exclude=gold, min_confidence=min_confidence, max_chars=chars, seed=seed,
        progress=sys.stderr.isatty(),
    )
    kept = sum(len(d.text) for d in got.documents)
    click.echo(
        f"self-training: {teacher} kept {len(got.documents)} of {got.sentences_tagged} sentences "
        f"({kept:,} of {got.chars_tagged:,} chars); {len(got.skipped_reports)} report(s) with gold text skipped",
        err=True,
    )
    return got


@main.command("pseudo-label")
@click.option("--model", required=True, type=click.Path(exists=True, file_okay=False), help="Teacher: model directory or bundle.")
@click.option("--corpus", required=True, type=click.Path(exists=True, dir_okay=False), help="JSON lines of reports (a text field each).")
@click.option("--data", default="annotations", show_default=True, help="Gold annotations: reports holding their text are skipped.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Label Studio JSON file to write.")
@click.option("--min-confidence", default=0.9, show_default=True, type=click.FloatRange(0, 1), help="Every token of a kept sentence at least this sure.")
@click.option("--chars", default=40_000, show_default=True, type=click.IntRange(1), help="Stop once this many characters are kept.")
@click.option("--seed", default=13, show_default=True, help="Order in which sentences are drawn.")
def pseudo_label_cmd(model: str, corpus: str, data: str, out: str, min_confidence: float, chars: int, seed: int) -> None:
    """Label corpus sentences the model is sure of, as a Label Studio export (to review or train on).

    This is the data that a config's self_training_corpus adds to training; writing it out lets a
    person look at it, or import it into Label Studio for correction.

    \b
    Example:
      ner pseudo-label --model models/default --corpus ../shared/corpus/reports.jsonl --out runs/pseudo.json
    """
    from collections import Counter

    from .labels import LABELS
    from .labelstudio import to_tasks

    got = _pseudo_labels(model, corpus, _load_docs(data), min_confidence, chars, seed)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(to_tasks(got.documents, source=f"ner pseudo-label --model {model}"), ensure_ascii=False, indent=1), encoding="utf-8")
    counts = Counter(s.label for d in got.documents for s in d.spans)
    click.echo(f"{'label':<12} {'spans':>6}")
    for label in LABELS:
        click.echo(f"{label:<12} {counts[label]:>6}")
    click.echo(f"wrote {len(got.documents)} sentences to {out}")


def _journal_folds(journal: Path, recipe: dict, doc_ids: set[str]) -> dict:
    """Folds of an interrupted `ner cv` run; refuses folds of another recipe or unknown documents."""
    from .config import TrainConfig

    defaults = TrainConfig().to_dict()
    folds = {}
    for n, line in enumerate(journal.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            (doc_id, scores), = json.loads(line).items()
        except ValueError:
            _fail(f"{journal}:{n}: not a fold record (a run killed while writing? delete that line)")
        ran = scores.get("config")
        if ran is None:
            _fail(f"{journal}:{n}: fold {doc_id} does not say which recipe it ran; cannot resume from it")
        # a setting added after the fold ran had, at the time, the behaviour of its default
        changed = sorted(
            k for k in recipe if k != "threads" and ran.get(k, defaults[k]) != recipe[k]
        )
        if changed:
            _fail(f"{journal}:{n}: fold {doc_id} ran another recipe (differs in {', '.join(changed)}); use another --out")
        if doc_id not in doc_ids:
            _fail(f"{journal}:{n}: fold {doc_id} is not a document of the data")
        folds[doc_id] = scores
    return folds


@main.command()
@click.option("--model", required=True, type=click.Path(exists=True, file_okay=False), help="Trained model directory.")
@click.option("--out", type=click.Path(file_okay=False), help="Bundle directory [default: <model>-onnx].")
@click.option("--data", default="annotations", show_default=True, help="Gold documents for the int8/fp32 agreement check.")
@click.option("--check-docs", default=3, show_default=True, help="How many documents of --data to check on (0: none).")
@click.option("--int8-only", is_flag=True, help="Drop the fp32 model after verification (smaller bundle to ship).")
@click.option("--cv", "cv_path", type=click.Path(exists=True, dir_okay=False), help="`ner cv --out` results (.json or .partial.jsonl) for the model card.")
@click.option(
    "--config", "config_path", type=click.Path(exists=True, dir_okay=False),
    help="The model's own recipe with other decoding, span rules or score floors: these replace the model's (no retraining).",
)
@click.option("--card-only", is_flag=True, help="--model is an exported bundle: rewrite its model card with --cv (after a change of span rules).")
def export(
    model: str, out: str | None, data: str, check_docs: int, int8_only: bool, cv_path: str | None, config_path: str | None, card_only: bool
) -> None:
    """Export a model directory to an ONNX bundle (fp32 + int8), verified and hashed.

    \b
    Example:
      ner export --model models/default-torch --out models/default --int8-only --cv runs/cv.json
      ner export --model models/default-torch --out models/default --config configs/default.yaml   # re-picked floors
      ner export --model models/default --card-only --cv docs/results/cv-default.partial.jsonl   # re-scored CV
    """
    from .bundle import BundleError
    from .crossval import read_folds
    from .export import export_bundle, refresh_card

    if card_only:
        if not cv_path:
            _fail("--card-only needs --cv: the cross-validation results the card should show")
        try:
            refresh_card(model, read_folds(cv_path))
        except (BundleError, ValueError) as exc:
            _fail(str(exc))
        click.echo(f"rewrote the model card of {model}")
        return

    out = out or f"{model.rstrip('/')}-onnx"
    docs = _load_docs(data)[:check_docs] if check_docs else []
    settings = _config(config_path) if config_path else None
    try:
        report = export_bundle(
            model, out, docs, keep_fp32=not int8_only, cv_folds=read_folds(cv_path) if cv_path else None, settings=settings
        )
    except ValueError as exc:
        _fail(str(exc))
    for key, value in report.items():
        click.echo(f"{key:<20} {value:.6g}" if isinstance(value, float) else f"{key:<20} {value}")
    click.echo(f"wrote {out}")


@main.command()
@click.argument("source", type=click.Path(allow_dash=True))
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Bundle directory [default: the shipped model].")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one entity a line.")
@click.option("--threads", type=int, help="ONNX Runtime threads [default: all cores].")
def extract(source: str, model: str | None, as_json: bool, threads: int | None) -> None:
    """Print the entities of a text file (UTF-8, GB18030 or Big5), or of standard input with -.

    \b
    Examples:
      ner extract seeds/000_3db76ea840e11b26.txt
      echo "实现地区生产总值150.06亿元，同比增长18.46%" | ner extract - --json
    """
    from .bundle import BundleError
    from .inference import Extractor
    from .textio import DecodeError, decode_bytes

    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    try:
        text = decode_bytes(raw)
        entities = Extractor(model, threads=threads).extract(text)
    except (DecodeError, BundleError, ValueError) as exc:
        _fail(f"{source}: {exc}")
    if as_json:
        for e in entities:
            click.echo(json.dumps(e.to_dict(), ensure_ascii=False, default=_jsonable))
        return
    click.echo(f"{'start':>7} {'end':>7}  {'label':<12} {'score':>5}  {'value':<18} text")
    for e in entities:
        click.echo(f"{e.start:>7} {e.end:>7}  {e.label:<12} {e.score:>5.2f}  {_value(e):<18} {e.text}")
    click.echo(f"{len(entities)} entities in {len(text):,} characters")


@main.group()
def studio() -> None:
    """Annotate in Label Studio: labelling config, push pre-annotated tasks, pull gold, ML backend.

    \b
    Example:
      export LABEL_STUDIO_URL=http://127.0.0.1:8080 LABEL_STUDIO_API_KEY=...
      ner studio push --project reports seeds/
      ner studio pull --project reports --out annotations/reports.json
    """


def _server_options(f):
    """--url, --token and --project, shared by push and pull; URL and token may come from the environment."""
    f = click.option("--project", required=True, help="Project title; created by push when missing.")(f)
    f = click.option("--token", required=True, envvar="LABEL_STUDIO_API_KEY", show_envvar=True, help="API token (Account & Settings).")(f)
    return click.option("--url", required=True, envvar="LABEL_STUDIO_URL", show_envvar=True, help="Label Studio address, e.g. http://127.0.0.1:8080.")(f)


def _extractor(model: str | None):
    """The bundle for the labelling loop, without score floors: a person corrects the pre-annotations,
    and choosing the tasks the model is least sure of needs its unsure entities."""
    from .bundle import BundleError
    from .inference import Extractor

    try:
        return Extractor(model, min_entity_score={})
    except BundleError as exc:
        _fail(str(exc))


@studio.command("config")
def studio_config() -> None:
    """Print the labelling config (paste it into a project's Settings → Labeling Interface → Code).

    \b
    Example:
      ner studio config > labelling.xml
    """
    from .studio import label_config

    click.echo(label_config(), nl=False)


@studio.command("push")
@_server_options
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Bundle for the pre-annotations [default: the shipped model].")
@click.option("--select", type=click.Choice(["all", "uncertain"]), default="all", show_default=True, help="uncertain: only the --n tasks the model is least sure about.")
@click.option("--n", "n", type=click.IntRange(min=1), help="How many tasks --select uncertain pushes.")
@click.option("--max-chars", default=DEFAULT_MAX_CHARS, show_default=True, type=click.IntRange(min=0), help="Split documents into tasks of whole paragraphs up to this size (0: one task per document).")
def studio_push(url: str, token: str, project: str, inputs: tuple[str, ...], model: str | None, select: str, n: int | None, max_chars: int) -> None:
    """Import .txt/.md reports (files or folders) as tasks with the model's pre-annotations.

    The project is created when missing; tasks already in it are not imported twice. With
    --select uncertain, the tasks ranked first are those whose least confident predicted span
    scores lowest; tasks where the model finds nothing count as least confident of all.

    \b
    Examples:
      ner studio push --url http://127.0.0.1:8080 --token $TOKEN --project reports seeds/
      ner studio push --project reports --select uncertain --n 50 new-reports/
    """
    from .studio import StudioError, push, read_texts

    if (select == "uncertain") != (n is not None):
        _fail("--select uncertain and --n go together")
    try:
        docs = read_texts(inputs)
        report = push(url, token, project, docs, _extractor(model), max_chars=max_chars, uncertain=n)
    except StudioError as exc:
        _fail(str(exc))
    state = "created" if report.created else "existing"
    click.echo(
        f"project {project!r} (id {report.project_id}, {state}): pushed {report.pushed} tasks from "
        f"{report.documents} documents with predictions of {report.model_version}"
        f" ({report.already_there} already there, {report.not_selected} not selected)"
    )


@studio.command("pull")
@_server_options
@click.option("--out", type=click.Path(dir_okay=False), help="Output file [default: annotations/<project>.json].")
def studio_pull(url: str, token: str, project: str, out: str | None) -> None:
    """Export a project's annotations as Label Studio JSON, ready for `ner train --data`.

    Tasks cut from one report are joined back into one document (data.parts says where each
    came from); tasks the annotator skipped are left out.

    \b
    Example:
      ner studio pull --url http://127.0.0.1:8080 --token $TOKEN --project reports --out annotations/reports.json
    """
    from .studio import StudioError, pull

    out = out or f"annotations/{project}.json"
    try:
        report = pull(url, token, project, out)
    except StudioError as exc:
        _fail(str(exc))
    click.echo(
        f"wrote {out}: {report.documents} documents, {report.spans} spans from {report.tasks} annotated tasks"
        f" ({report.skipped_tasks} skipped tasks left out)"
    )


@studio.command("backend")
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="Bundle directory [default: the shipped model].")
@click.option("--port", default=9090, show_default=True, type=click.IntRange(0, 65535), help="Port on 127.0.0.1.")
def studio_backend(model: str | None, port: int) -> None:
    """Serve the model as a Label Studio ML backend on 127.0.0.1 (connect it under Settings → Model).

    \b
    Example:
      ner studio backend --model models/default --port 9090
    """
    from .studio_backend import make_server

    extractor = _extractor(model)
    try:
        server = make_server(extractor, port)
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
    host, bound = server.server_address[:2]
    click.echo(f"ML backend for {extractor.path} on http://{host}:{bound} (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _value(e) -> str:
    """The normalised value of an AMOUNT or GROWTH_RATE, for the table ('' when there is none).

    Shares are stored as fractions (0.028, unit %); a person reads them back as 2.8%."""
    n = e.normalized
    if n is None or (n.value is None and n.low is None):
        return ""
    scale, sep = {"%": (100, ""), "‰": (1000, "")}.get(n.unit, (1, " "))

    def fmt(v: float) -> str:
        v = round(v * scale, 9)
        return f"{v:,.0f}" if v == int(v) and abs(v) >= 1000 else f"{v:.6g}"

    number = fmt(n.value) if n.value is not None else f"{fmt(n.low)}–{fmt(n.high)}"
    return f"{'~' if n.approx else ''}{number}{sep}{n.unit or ''}".strip()


def _batch_options(f):
    """The options `batch` and `records` share: model, workers, resume, input limits."""
    for option in reversed([
        click.option("--model", type=click.Path(exists=True, file_okay=False), help="Bundle directory [default: the shipped model]."),
        click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="Worker processes (Ray actors with --engine ray), one ONNX Runtime session each."),
        click.option("--threads", type=click.IntRange(1), help="ONNX Runtime threads per worker [default: cores / workers]."),
        click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="ray: run on the Ray cluster named by RAY_ADDRESS (else a local one); needs the [ray] extra."),
        click.option("--resume", is_flag=True, help="Continue an interrupted run: skip documents already in --out."),
        click.option("--overwrite", is_flag=True, help="Replace an existing --out."),
        click.option("--text-field", default="text", show_default=True, help="Text field of .jsonl inputs."),
        click.option("--id-field", default="id", show_default=True, help="Id field of .jsonl inputs (ids become <file>#<id>)."),
        click.option("--max-chars", default=2_000_000, show_default=True, type=click.IntRange(1), help="Longer texts become error records."),
        click.option("--max-member-mb", default=200, show_default=True, type=click.IntRange(1), help="Largest document (file, archive member, JSON line) read, uncompressed."),
        click.option("--max-archive-mb", default=2048, show_default=True, type=click.IntRange(1), help="Most uncompressed data read from one archive; the rest is an error record."),
        click.option("--progress/--no-progress", default=None, help="Progress bar [default: when stderr is a terminal]."),
    ]):
        f = option(f)
    return f


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output file (JSON lines, or CSV with --format csv).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True, help="csv: one row per entity, rendered from <out>.jsonl at the end.")
@_batch_options
def batch(inputs: tuple[str, ...], out: str, fmt: str, **options) -> None:
    """Extract entities from many documents: one JSON line per document in --out, each exactly once.

    INPUTS are folders (recursive), .zip, .tar, .tar.gz/.tgz archives (read in memory, never
    extracted), .jsonl files (one document a line) and .txt, .md, .html/.htm, .docx, .pdf files.
    Unreadable, unsafe or oversize documents become records with an "error" and the run goes on.
    A run killed at any point finishes, with the same arguments and --resume, with every document
    exactly once. See docs/batch.md.

    \b
    Example:
      ner batch reports/ reports.zip more.jsonl --out results.jsonl --workers 2
      ner batch reports.zip --out results.jsonl --workers 2 --resume
      ner batch reports.zip --out entities.csv --format csv
      RAY_ADDRESS=ray://head:10001 ner batch /shared/reports --out results.jsonl --engine ray --workers 8
    """
    _run_batch(inputs, out, fmt, records=False, **options)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output file: .csv (one row per record) or .jsonl (one line per document).")
@_batch_options
def records(inputs: tuple[str, ...], out: str, **options) -> None:
    """Indicator records: each METRIC with its AMOUNT and GROWTH_RATE, normalised, per sentence.

    Same inputs, workers, limits and --resume as `ner batch`. The CSV has one row per record:
    document id, metric, amount (text, value, unit), growth rate (text, value, unit, basis),
    period and sentence. JSON lines hold each document's entities and its "records".

    \b
    Example:
      ner records seeds/ --out records.csv
      ner records reports.zip --out records.jsonl --workers 2
    """
    _run_batch(inputs, out, "csv" if out.lower().endswith(".csv") else "jsonl", records=True, **options)


def _run_batch(
    inputs: tuple[str, ...], out: str, fmt: str, records: bool, model: str | None, workers: int, threads: int | None,
    engine: str, resume: bool, overwrite: bool, text_field: str, id_field: str, max_chars: int, max_member_mb: int,
    max_archive_mb: int, progress: bool | None,
) -> None:
    from .batch import Settings, default_threads, run_batch
    from .batch_ray import EngineError
    from .bundle import BundleError, read_manifest
    from .inference import default_model_path
    from .results import ResultsError
    from .sources import MB, Limits, Reader

    if resume and overwrite:
        _fail("--resume and --overwrite exclude each other")
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        _fail("--engine ray needs Ray: pip install 'gov-report-ner[ray]'")
    model_path = Path(model) if model else default_model_path()
    try:
        read_manifest(model_path)  # fail here, not in every worker
    except BundleError as exc:
        _fail(str(exc))
    limits = Limits(max_member_bytes=max_member_mb * MB, max_archive_bytes=max_archive_mb * MB)
    settings = Settings(model_path, workers, threads or default_threads(workers), max_chars, limits, records)
    reader = Reader(limits, text_field=text_field, id_field=id_field)
    try:
        summary = run_batch(
            inputs, out, settings, reader, fmt=fmt, engine=engine, resume=resume, overwrite=overwrite, progress=progress
        )
    except (ResultsError, BundleError, OSError) as exc:
        _fail(str(exc))
    except (BrokenProcessPool, EngineError) as exc:
        _fail(f"{exc or 'a worker process died (out of memory?)'}; the lines written so far are complete: rerun with --resume")
    click.echo(summary.table())
    click.echo(f"wrote {out}")


def _jsonable(obj):
    """JSON fallback for dataclasses nested in entities (normalised values)."""
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
