"""The command line: one thin command per stage. The only place errors become exit codes.

Exit status: 0 success; 1 an error (message on stderr, no traceback) or, for ``ingest``,
at least one file rejected; 2 a usage error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from workbench import __version__
from workbench.config import Settings
from workbench.errors import WorkbenchError

FORMATS = click.Choice(["table", "jsonl"])


def _settings(**overrides: Any) -> Settings:
    return Settings.load(**overrides)


class _Database(click.ParamType):
    """``--db``: a SQLite file, or a ``postgresql://`` URL kept exactly as written."""

    name = "file|url"

    def convert(self, value: Any, param: Any, ctx: Any) -> Path | str:
        text = str(value).strip()
        if text.lower().startswith(("postgresql://", "postgres://")):
            return text
        return Path(value)


DB_HELP = "SQLite file or postgresql:// URL [env WORKBENCH_DB; default data/workbench.db]"
MODEL_OPTIONS = ("model", "embeddings_dir", "device", "backend")


def _from_group(kwargs: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Fill options not given after the command from the same options given before it, so
    `workbench --db F pairs` and `workbench pairs --db F` mean the same."""
    ctx = click.get_current_context(silent=True)
    given = (ctx.find_root().obj or {}).get("shared", {}) if ctx else {}
    for name in names:
        if kwargs.get(name) is None and given.get(name) is not None:
            kwargs[name] = given[name]
    return kwargs


def store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--db`` on every command that reads or writes the store."""

    @click.option("--db", type=_Database(), help=DB_HELP)
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **_from_group(kwargs, ("db",)))

    return wrapper


def _model_option_decorators() -> list[Callable[..., Any]]:
    return [
        click.option("--model", help="sentence-transformers name or path [env WORKBENCH_MODEL]"),
        click.option(
            "--embeddings",
            "embeddings_dir",
            type=click.Path(path_type=Path),
            help="vector cache folder [env WORKBENCH_EMBEDDINGS; default embeddings/]",
        ),
        click.option("--device", help="torch device, e.g. cpu or cuda [env WORKBENCH_DEVICE]"),
        click.option(
            "--backend",
            type=click.Choice(["auto", "openvino", "torch"]),
            help="embedding backend [env WORKBENCH_BACKEND; default auto]",
        ),
    ]


CLUSTER_OPTIONS = ("scheduler", "workers")


def _cluster_option_decorators() -> list[Callable[..., Any]]:
    return [
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            help="run the heavy stages (embedding, search, suggestions) on the Dask cluster of "
            "this scheduler, e.g. tcp://10.0.0.5:8786 [env WORKBENCH_SCHEDULER]",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            help="run the heavy stages on a local Dask cluster of N worker processes "
            "[env WORKBENCH_WORKERS]",
        ),
    ]


def cluster_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of commands whose heavy stages may run on a Dask cluster."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **_from_group(kwargs, CLUSTER_OPTIONS))

    for decorate in reversed(_cluster_option_decorators()):
        wrapper = decorate(wrapper)
    return wrapper


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of commands that may embed."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **_from_group(kwargs, MODEL_OPTIONS))

    for decorate in reversed(_model_option_decorators()):
        wrapper = decorate(wrapper)
    return wrapper


class WorkbenchGroup(click.Group):
    """Turns a WorkbenchError anywhere below into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


def _shared_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The store, model and cluster options, accepted before the command as well as after it."""
    func = click.option("--db", type=_Database(), help=DB_HELP)(func)
    for decorate in reversed(_model_option_decorators() + _cluster_option_decorators()):
        func = decorate(func)
    return func


@click.group(cls=WorkbenchGroup)
@click.version_option(__version__, prog_name="workbench")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@_shared_options
@click.pass_context
def main(ctx: click.Context, quiet: bool, **shared: Any) -> None:
    """Compare how different sources report the same events.

    Typical run: `workbench ingest corpus/`, then `workbench align`, then
    `workbench pairs` or `workbench app`. The options --db, --model, --embeddings, --device,
    --backend, --scheduler and --workers may stand before the command or after it.
    """
    ctx.obj = {"quiet": quiet, "shared": shared}
    _show_notes(quiet)


def _show_notes(quiet: bool) -> None:
    """Library notes (which embedding backend, and why) go to stderr; only warnings if quiet."""
    import logging

    logger = logging.getLogger("workbench")
    if not any(getattr(h, "workbench_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.workbench_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def _reporter(ctx: click.Context, settings: Settings) -> Any:
    from workbench.progress import SILENT, TqdmReporter

    if ctx.obj.get("quiet") or not settings.progress:
        return SILENT
    return TqdmReporter()


def _open_store(settings: Settings, create: bool = False) -> Any:
    from workbench.store.factory import open_store

    return open_store(settings.db, create=create)


def _emit_jsonl(records: Iterable[dict[str, Any]]) -> None:
    out = sys.stdout
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _table(rows: list[list[Any]], headers: list[str], widths: list[int | None]) -> None:
    """A plain fixed-width table. Free text is cut with an ellipsis at its column's width;
    a column of width None (identifiers, document ids, character offsets: what a reader
    cites) is as wide as its longest cell and never cut."""
    cells = [[" ".join(str(value).split()) for value in row] for row in rows]
    fitted = [
        width if width is not None else max([len(header)] + [len(row[i]) for row in cells])
        for i, (header, width) in enumerate(zip(headers, widths, strict=True))
    ]

    def cell(text: str, width: int) -> str:
        return (text[: width - 1] + "…" if len(text) > width else text).ljust(width)

    click.echo("  ".join(cell(h, w) for h, w in zip(headers, fitted, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(cell(v, w) for v, w in zip(row, fitted, strict=True)).rstrip())


def _cli_actor() -> str:
    """Who runs a command that changes the store, for the audit trail: ``cli:<os user>``.

    The operating-system account is what an auditor can check against the machine's own
    logs; a name typed as an option would be whatever the operator chose to type. Falls
    back to ``cli`` when the system cannot name the user.
    """
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# -- stages -----------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="metadata CSV for the files (default: each folder's manifest.csv)",
)
@store_options
@click.pass_context
def ingest(
    ctx: click.Context, paths: tuple[Path, ...], manifest: Path | None, db: Path | None
) -> None:
    """Ingest documents (.txt .md .html .pdf), or folders of them, into the database."""
    from workbench.ingest.batch import ingest_paths

    settings = _settings(db=db)
    with _open_store(settings, create=True) as store:
        report = ingest_paths(
            store,
            list(paths),
            settings=settings,
            manifest=manifest,
            progress=_reporter(ctx, settings),
            actor=_cli_actor(),
        )
    for result in report.results:
        click.echo(result.line(), err=result.status == "rejected")
    counts = ", ".join(f"{n} {status}" for status, n in report.counts().items())
    files = len(report.results)
    click.echo(f"{files} {'file' if files == 1 else 'files'}: {counts or 'none'}", err=True)
    if report.rejected:
        ctx.exit(1)


@main.command()
@store_options
@model_options
@cluster_options
@click.pass_context
def embed(
    ctx: click.Context,
    db: Path | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
    scheduler: str | None,
    workers: int | None,
) -> None:
    """Embed every passage and sentence the vector cache does not have yet."""
    from workbench.distributed import open_runner
    from workbench.embed.embedder import embed_store, load_embedder

    settings = _settings(
        db=db,
        model=model,
        embeddings_dir=embeddings_dir,
        device=device,
        backend=backend,
        scheduler=scheduler,
        workers=workers,
    )
    progress = _reporter(ctx, settings)
    embedder = load_embedder(settings, progress=progress)
    with open_runner(settings) as runner, _open_store(settings) as store:
        stats = embed_store(store, settings, embedder=embedder, progress=progress, runner=runner)
    click.echo(
        f"{stats.texts} texts ({stats.passages} passages, {stats.sentences} "
        f"sentences): {stats.embedded} embedded, {stats.texts - stats.embedded} cached "
        f"(backend {embedder.backend})"
    )


@main.command()
@store_options
@model_options
@cluster_options
@click.option("--top-k", type=int, help="counterparts kept per passage and document [3]")
@click.option("--candidates", type=int, help="nearest passages per document rescored [10]")
@click.option("--threshold", type=float, help="score below which a source is silent [0.5]")
@click.option(
    "--scorer",
    "scorer_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="pair-scorer JSON (default: the shipped one)",
)
@click.pass_context
def align(
    ctx: click.Context,
    db: Path | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
    scheduler: str | None,
    workers: int | None,
    top_k: int | None,
    candidates: int | None,
    threshold: float | None,
    scorer_file: Path | None,
) -> None:
    """Align every passage with its counterparts in every other document.

    Embeds what the vector cache lacks first, and suggests relations for the pairs after.
    """
    from workbench.align.scorer import PairScorer
    from workbench.distributed import open_runner
    from workbench.pipeline import realign

    settings = _settings(
        db=db,
        model=model,
        embeddings_dir=embeddings_dir,
        device=device,
        backend=backend,
        scheduler=scheduler,
        workers=workers,
        top_k=top_k,
        candidates=candidates,
        threshold=threshold,
    )
    scorer = PairScorer.load(scorer_file)
    # the cluster first: an unreachable scheduler must stop the command before any write
    with open_runner(settings) as runner, _open_store(settings) as store:
        done = realign(
            store, settings, scorer=scorer, progress=_reporter(ctx, settings), runner=runner
        )
        pairs = store.pair_count()
    stats = done.aligned
    for warning in stats.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{stats.passages} passages in {stats.documents} documents "
        f"({done.embedded.embedded} texts embedded); {pairs} pairs kept ({stats.pairs} "
        f"alignment rows, one per side that kept a pair, of {stats.candidates} candidates); "
        f"{stats.unaddressed} passage-document gaps"
    )
    if stats.incremental:
        click.echo(
            f"incremental: searched the {stats.searched} passages of new or changed documents "
            "against all; the rest of the last search was reused"
        )
    _echo_suggestions(done.suggested)


def _echo_suggestions(stats: Any, err: bool = False) -> None:
    """One line about the suggestion stage (or why it was skipped)."""
    if stats is None:
        return
    if stats.skipped:
        click.echo(f"warning: {stats.skipped}", err=True)
        return
    relations = ", ".join(f"{n} {r}" for r, n in sorted(stats.relations.items()))
    click.echo(
        f"{stats.disputing} of {stats.passages} passages dispute framing; "
        f"{stats.pairs} pairs suggested ({relations or 'none'}) by {stats.model}",
        err=err,
    )


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path))
@store_options
@model_options
@cluster_options
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="best counterparts shown per passage, over all other documents",
)
@click.pass_context
def run(
    ctx: click.Context,
    paths: tuple[Path, ...],
    manifest: Path | None,
    db: Path | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
    scheduler: str | None,
    workers: int | None,
    top: int,
) -> None:
    """Ingest PATHS (default: the bundled corpus), align, and print the best pairs."""
    from workbench.distributed import open_runner
    from workbench.pipeline import run as run_pipeline

    settings = _settings(
        db=db,
        model=model,
        embeddings_dir=embeddings_dir,
        device=device,
        backend=backend,
        scheduler=scheduler,
        workers=workers,
    )

    def show(stage: str, outcome: Any) -> None:
        if stage == "ingest":
            for result in outcome.rejected:
                click.echo(result.line(), err=True)

    # the cluster first: an unreachable scheduler must stop the run before any write
    with open_runner(settings) as runner, _open_store(settings, create=True) as store:
        done = run_pipeline(
            store,
            settings,
            list(paths) or [settings.corpus_dir],
            manifest=manifest,
            progress=_reporter(ctx, settings),
            on_stage=show,
            actor=_cli_actor(),
            runner=runner,
        )
        for warning in done.aligned.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(
            f"{done.aligned.passages} passages in {done.aligned.documents} documents; "
            f"{store.pair_count()} pairs",
            err=True,
        )
        _echo_suggestions(done.suggested, err=True)
        from workbench.views.records import best_counterparts

        rows = store.aligned_pairs(min_score=settings.threshold)
        _print_pairs(store, best_counterparts(rows, top), "table")


# -- reading ----------------------------------------------------------------------------


@main.command()
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def documents(db: Path | None, fmt: str) -> None:
    """List the ingested documents with their metadata."""
    settings = _settings(db=db)
    with _open_store(settings) as store:
        docs = store.documents()
        counts = store.passage_counts()
    from workbench.views.records import document_record

    records = [document_record(d, counts.get(d.id, 0)) for d in docs]
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _table(
        [[r["doc"], r["outlet"], r["date"], r["passages"], r["title"]] for r in records],
        ["doc", "outlet", "date", "passages", "title"],
        [None, 24, 10, 8, 50],
    )


@main.command()
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--doc", "doc_id", help="only this document")
@click.option("--all-kinds", is_flag=True, help="include headings and boilerplate")
@click.option("--disputing", is_flag=True, help="only passages that dispute framing")
@click.option(
    "--technique",
    "technique",
    metavar="NAME",
    help="only passages using this persuasion technique (a PTC name, e.g. Loaded_Language)",
)
def passages(
    db: Path | None,
    fmt: str,
    doc_id: str | None,
    all_kinds: bool,
    disputing: bool,
    technique: str | None,
) -> None:
    """List passages with their offsets in the document text and their framing cues."""
    from workbench.models import PassageKind
    from workbench.views.evidence import framing_for
    from workbench.views.records import cues_record, passage_record

    settings = _settings(db=db)
    kinds = list(PassageKind) if all_kinds else [PassageKind.TEXT]
    with _open_store(settings) as store:
        if doc_id is not None:
            store.document(doc_id)
        outlets = {d.id: d.meta.outlet for d in store.documents()}
        found = store.passages(doc_id, kinds=kinds)
        framings = framing_for(store, found)
    records = [
        passage_record(p, outlets[p.doc_id]) | cues_record(framings[p.id], p.start) for p in found
    ]
    if disputing:
        records = [r for r in records if r["disputes_framing"]]
    if technique is not None:
        from workbench.suggest.techniques import TECHNIQUES

        if technique not in TECHNIQUES:
            raise click.BadParameter(
                f"{technique!r} is not a PTC technique; use one of {', '.join(TECHNIQUES)}",
                param_hint="--technique",
            )
        records = [r for r in records if any(t["technique"] == technique for t in r["techniques"])]
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    from workbench.views.records import techniques_line

    _table(
        [
            [
                r["passage_id"],
                r["doc"],
                f"{r['start']}-{r['end']}",
                r["kind"],
                f"{r['framing_score']:.1f}" + (" disputes" if r["disputes_framing"] else ""),
                techniques_line(r),
                r["text"],
            ]
            for r in records
        ],
        ["passage", "doc", "offsets", "kind", "framing", "techniques", "text"],
        [None, None, None, 11, 13, 30, 50],
    )


def _count(n: int, word: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {word if n == 1 else word + 's'}"


def _pair_records(store: Any, rows: list[Any], relation: str | None = None) -> list[dict[str, Any]]:
    """Pair records with their suggested relation, confidence, reasons and specifics."""
    from workbench.views.evidence import stored_suggestions
    from workbench.views.records import pair_record, suggestion_record

    found = stored_suggestions(store, [row["pair_id"] for row in rows])
    records = [
        pair_record(row)
        | suggestion_record(found.get(row["pair_id"]), row["a_id"], row["a_start"], row["b_start"])
        for row in rows
    ]
    if relation is not None:
        records = [r for r in records if r["relation"] == relation]
    return records


def _print_pairs(store: Any, rows: list[Any], fmt: str, relation: str | None = None) -> None:
    records = _pair_records(store, rows, relation)
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _print_records(records)


def _print_records(records: list[dict[str, Any]]) -> None:
    _table(
        [
            [
                r["pair_id"],
                f"{r['score']:.3f}",
                r["rank"],
                "yes" if r["mutual"] else "",
                f"{r['relation'] or '-'} {r['confidence'] or 0:.2f}",
                f"{r['a']['doc']} {r['a']['start']}-{r['a']['end']}",
                r["a"]["text"],
                f"{r['b']['doc']} {r['b']['start']}-{r['b']['end']}",
                r["b"]["text"],
            ]
            for r in records
        ],
        ["pair", "score", "rank", "mutual", "relation", "a", "a text", "b", "b text"],
        [None, 5, 4, 6, 21, None, 36, None, 36],
    )


@main.command()
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--doc", "doc_id", help="only pairs whose passage a is in this document")
@click.option("--outlet", help="only pairs whose passage a is from this outlet")
@click.option(
    "--top",
    type=click.IntRange(min=1),
    help="only the N best counterparts of each passage, over all other documents",
)
@click.option(
    "--max-rank",
    type=click.IntRange(min=1),
    help="only counterparts ranked this high or better within their own document",
)
@click.option("--min-score", type=float, help="only pairs scoring at least this")
@click.option("--mutual", is_flag=True, help="only mutual best matches")
@click.option(
    "--relation",
    type=click.Choice(["corroborates", "contradicts", "disputes_framing", "related", "unrelated"]),
    help="only pairs with this suggested relation",
)
def pairs(
    db: Path | None,
    fmt: str,
    doc_id: str | None,
    outlet: str | None,
    top: int | None,
    max_rank: int | None,
    min_score: float | None,
    mutual: bool,
    relation: str | None,
) -> None:
    """List aligned pairs: for each passage a, its counterparts b in other documents.

    A pair is two passages. It is listed from both sides when both passages kept it, once
    with each passage as a (same pair_id), so there are more rows than pairs; the line on
    stderr gives both counts. --top N keeps the N best counterparts of each passage over
    all other documents; --max-rank N keeps those ranked N or better in their own document.
    """
    from workbench.align.staleness import is_stale
    from workbench.views.records import best_counterparts, distinct_pairs

    settings = _settings(db=db)
    with _open_store(settings) as store:
        if store.alignment_count() == 0:
            raise WorkbenchError("nothing aligned yet; run `workbench align` first")
        if is_stale(store, settings):
            click.echo(
                "warning: passages or settings changed since the last alignment; "
                "run `workbench align` to bring it up to date",
                err=True,
            )
        batches = store.aligned_pair_batches(
            doc_id=doc_id, outlet=outlet, max_rank=max_rank, min_score=min_score, mutual=mutual
        )
        if fmt == "jsonl" and top is None:
            # streamed: each batch is written before the next is read (constant memory)
            for rows in batches:
                _emit_jsonl(_pair_records(store, rows, relation))
            return
        records = [r for rows in batches for r in _pair_records(store, rows, relation)]
    if top is not None:
        records = best_counterparts(records, top, passage=lambda r: r["a"]["passage_id"])
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _print_records(records)
    click.echo(
        f"{_count(len(records), 'row')} for {_count(distinct_pairs(records), 'pair')} "
        "(a pair is listed from each of its two sides)",
        err=True,
    )


@main.command()
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--doc", "doc_id", help="only passages of this document")
def unaddressed(db: Path | None, fmt: str, doc_id: str | None) -> None:
    """Passages with no counterpart above the threshold in some other document."""
    settings = _settings(db=db)
    with _open_store(settings) as store:
        rows = [
            r
            for r in store.coverage(addressed=False)
            if doc_id is None or r["source_doc"] == doc_id
        ]
        texts = {p.id: p for p in store.passages(doc_id)}
    from workbench.views.records import gap_record

    records = [gap_record(r, texts[r["passage_id"]].text) for r in rows if r["passage_id"] in texts]
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _table(
        [
            [r["passage_id"], r["doc"], r["silent_doc"], f"{r['best_score']:.3f}", r["text"]]
            for r in records
        ],
        ["passage", "doc", "silent in", "best", "text"],
        [None, None, None, 5, 60],
    )


# -- tags -------------------------------------------------------------------------------


@main.command()
@click.argument("pair_id")
@click.argument("label")
@click.option("--analyst", required=True, help="who is tagging (kept with the tag)")
@click.option("--note", default="", help="free-text note")
@store_options
def tag(pair_id: str, label: str, analyst: str, note: str, db: Path | None) -> None:
    """Tag an aligned pair: corroborates, contradicts, disputes_framing, related, unrelated."""
    with _open_store(_settings(db=db)) as store:
        saved = store.add_tag(pair_id, label, analyst, note)
    click.echo(json.dumps(saved.record(), ensure_ascii=False))


@main.command()
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--analyst", help="only this analyst's tags")
@click.option("--latest", is_flag=True, help="only each analyst's latest tag per pair")
def tags(db: Path | None, fmt: str, analyst: str | None, latest: bool) -> None:
    """List analysts' tags, oldest first (every save is kept)."""
    with _open_store(_settings(db=db)) as store:
        found = store.tags(analyst=analyst, latest=latest)
    records = [t.record() for t in found]
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _table(
        [
            [r["tag_id"], r["pair_id"], r["label"], r["analyst"], r["created_at"], r["note"]]
            for r in records
        ],
        ["tag", "pair", "label", "analyst", "created", "note"],
        [None, None, 16, 16, 29, 40],
    )


# -- reports ----------------------------------------------------------------------------

REPORT_FORMATS = click.Choice(["md", "html", "csv", "xlsx", "json", "jsonld"])


@main.command()
@click.option(
    "--format",
    "fmt",
    type=REPORT_FORMATS,
    help="md, html, csv, xlsx, json or jsonld [default: from the --out suffix]",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="file to write (- for standard output)",
)
@click.option("--focus", help="an outlet or document id: its claims, with their counterparts")
@click.option("--relation", help="only pairs tagged, adjudicated or suggested as this label")
@click.option("--analyst", help="only this analyst's tags")
@click.option("--tagged-only", is_flag=True, help="only pairs an analyst tagged or adjudicated")
@store_options
@click.pass_context
def report(
    ctx: click.Context,
    fmt: str | None,
    out: Path,
    focus: str | None,
    relation: str | None,
    analyst: str | None,
    tagged_only: bool,
    db: Path | None,
) -> None:
    """Write a comparison report: summary, claims with counterparts, gaps, methods."""
    from workbench.report import ReportScope, build_report, format_for_path, write_report

    settings = _settings(db=db)
    fmt = fmt or format_for_path(out)
    scope = ReportScope(focus=focus, relation=relation, analyst=analyst, tagged_only=tagged_only)
    with _open_store(settings) as store:
        built = build_report(store, settings, scope, progress=_reporter(ctx, settings))
        write_report(built, fmt, out)
    counts = built.counts()
    click.echo(
        f"{fmt} report: {counts['claims']} claims, {counts['pairs']} pairs, "
        f"{counts['unaddressed']} unaddressed -> {out}",
        err=True,
    )


# -- maintenance ------------------------------------------------------------------------


@main.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@store_options
def backup(target: Path, db: Path | None) -> None:
    """Copy the database to TARGET while analysts keep working (SQLite online backup;
    for PostgreSQL a pg_dump archive)."""
    from workbench.store.factory import is_postgres_url

    settings = _settings(db=db)
    with _open_store(settings) as store:
        amount = store.backup(target)
    if is_postgres_url(settings.db):
        click.echo(
            f"backed up with pg_dump to {target} ({amount} bytes); restore with "
            f"`pg_restore --no-owner --dbname postgresql://.../NEWDB {target}`"
        )
        return
    click.echo(f"backed up {amount} pages to {target} (integrity check ok)")


# -- accounts ---------------------------------------------------------------------------

ROLES = click.Choice(["analyst", "adjudicator", "admin"], case_sensitive=False)


def _accounts_exist(settings: Settings) -> bool:
    from workbench.accounts import Accounts

    with _open_store(settings, create=True) as store:
        return Accounts(store).exist()


def _new_password(name: str, from_stdin: bool) -> str:
    """A password from one line of standard input, or typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.UsageError("--password-stdin: standard input is empty; pipe a password")
        return line.rstrip("\r\n")
    return str(click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True))


@main.group(name="users", cls=WorkbenchGroup)
def users_group() -> None:
    """Accounts of the app: user names, roles and passwords (argon2 hashes in the store)."""


@users_group.command(name="add")
@click.argument("name")
@click.option(
    "--role",
    type=ROLES,
    required=True,
    help="analyst tags; adjudicator also decides; admin also manages",
)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@store_options
def users_add(name: str, role: str, password_stdin: bool, db: Path | None) -> None:
    """Create the account NAME (asks for its password twice, without echo)."""
    from workbench.accounts import Accounts

    with _open_store(_settings(db=db), create=True) as store:
        accounts = Accounts(store)
        name = accounts.ensure_new(name, role)  # before asking for a password
        user = accounts.add(name, role, _new_password(name, password_stdin), actor=_cli_actor())
    click.echo(f"added {user.name} ({user.role.value})")


@users_group.command(name="list")
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def users_list(db: Path | None, fmt: str) -> None:
    """List the accounts with their roles (never a password or a hash)."""
    from workbench.accounts import Accounts

    with _open_store(_settings(db=db)) as store:
        found = Accounts(store).list()
    records = [{"name": u.name, "role": u.role.value, "created_at": u.created_at} for u in found]
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _table(
        [[r["name"], r["role"], r["created_at"]] for r in records],
        ["name", "role", "created"],
        [32, 12, 29],
    )


@users_group.command(name="passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@store_options
def users_passwd(name: str, password_stdin: bool, db: Path | None) -> None:
    """Set a new password for NAME and sign out its sessions."""
    from workbench.accounts import Accounts

    with _open_store(_settings(db=db)) as store:
        accounts = Accounts(store)
        user = accounts.get(name)
        accounts.set_password(
            user.name, _new_password(user.name, password_stdin), actor=_cli_actor()
        )
    click.echo(f"new password set for {user.name}; its sessions are signed out")


@users_group.command(name="role")
@click.argument("name")
@click.option("--role", type=ROLES, required=True, help="the account's new role")
@store_options
def users_role(name: str, role: str, db: Path | None) -> None:
    """Give NAME another role and sign out its sessions."""
    from workbench.accounts import Accounts

    with _open_store(_settings(db=db)) as store:
        accounts = Accounts(store)
        user = accounts.get(name)
        accounts.set_role(user.name, role, actor=_cli_actor())
        changed = accounts.get(user.name)
    click.echo(f"{changed.name} is now {changed.role.value}; its sessions are signed out")


@users_group.command(name="remove")
@click.argument("name")
@store_options
def users_remove(name: str, db: Path | None) -> None:
    """Delete the account NAME (its tags stay, under its name)."""
    from workbench.accounts import Accounts

    with _open_store(_settings(db=db)) as store:
        accounts = Accounts(store)
        user = accounts.get(name)
        accounts.remove(user.name, actor=_cli_actor())
    click.echo(f"removed {user.name}; its tags are kept")


# -- relation suggestions -------------------------------------------------------------


@main.command()
@store_options
@model_options
@click.option(
    "--prior-weight",
    type=float,
    default=0.2,
    show_default=True,
    help="weight of the shipped model's own suggestions on untagged pairs",
)
@click.option("--forget", is_flag=True, help="drop the trained model, use the shipped one")
@click.pass_context
def train(
    ctx: click.Context,
    db: Path | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
    prior_weight: float,
    forget: bool,
) -> None:
    """Retrain the relation suggester from the analysts' tags, then re-suggest every pair."""
    from workbench.pipeline import drop_training, retrain

    settings = _settings(
        db=db, model=model, embeddings_dir=embeddings_dir, device=device, backend=backend
    )
    progress = _reporter(ctx, settings)
    with _open_store(settings) as store:
        if forget:
            existed, suggested = drop_training(store, settings, progress=progress)
            _echo_suggestions(suggested)
            click.echo("trained model dropped" if existed else "no trained model to drop")
            return
        stats, _ = retrain(store, settings, prior_weight=prior_weight, progress=progress)
        counts = ", ".join(f"{n} {label}" for label, n in sorted(stats.label_counts.items()))
        click.echo(
            f"trained on {stats.tags} tagged pairs ({counts}) and {stats.pseudo} "
            f"untagged pairs at weight {prior_weight}; accuracy on the tags "
            f"{stats.training_accuracy:.3f}; suggestions updated"
        )


@main.command()
@store_options
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--limit", type=int, default=20, show_default=True, help="pairs listed")
def rank(db: Path | None, fmt: str, limit: int) -> None:
    """Untagged pairs ordered by how much a tag would teach the suggester (most first)."""
    from workbench.suggest.ranking import rank_for_tagging
    from workbench.views.records import ranked_record

    with _open_store(_settings(db=db)) as store:
        ranked = rank_for_tagging(store, limit)
        rows: dict[str, Any] = {}
        for row in store.aligned_pairs():  # each pair's best-ranked side: every pair has one
            if row["pair_id"] not in rows or row["rank"] < rows[row["pair_id"]]["rank"]:
                rows[row["pair_id"]] = row
    records = [ranked_record(r, rows.get(r.pair_id)) for r in ranked]
    if fmt == "jsonl":
        _emit_jsonl(records)
        return
    _table(
        [
            [
                r["pair_id"],
                f"{r['uncertainty']:.3f}",
                f"{r['relation']} {r['confidence']:.2f}",
                r.get("a_text", ""),
                r.get("b_text", ""),
            ]
            for r in records
        ],
        ["pair", "uncertain", "suggested", "a text", "b text"],
        [None, 9, 22, 45, 45],
    )


# -- evaluation -------------------------------------------------------------------------


@main.group(name="eval", cls=WorkbenchGroup)
def eval_group() -> None:
    """Evaluate the workbench on public benchmarks."""


@eval_group.command(name="align")
@click.option(
    "--sentences",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="ECB+ sentences.jsonl",
)
@click.option(
    "--retrieval",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="ECB+ retrieval.jsonl",
)
@click.option("--split", default="dev", show_default=True, help="split to evaluate")
@click.option("--fit-split", help="refit the pair scorer on this split first")
@click.option(
    "--scorer",
    "scorer_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="pair-scorer JSON to evaluate (default: the shipped one)",
)
@click.option(
    "--save-scorer",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the (re)fitted scorer here",
)
@click.option(
    "--cv-folds",
    type=click.IntRange(min=2),
    help="also cross-validate the scorer's recipe, leaving whole topics out, with "
    "this many folds over every split of the file",
)
@model_options
@click.pass_context
def eval_align(
    ctx: click.Context,
    sentences: Path,
    retrieval: Path,
    split: str,
    fit_split: str | None,
    scorer_file: Path | None,
    save_scorer: Path | None,
    cv_folds: int | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
) -> None:
    """MAP, P@1 and R-precision of the aligner's ranking on ECB+ sentence retrieval."""
    from workbench.align.scorer import PairScorer
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache
    from workbench.evaluation.ecb import (
        cross_validate_alignment,
        evaluate_alignment,
        load_ecbplus,
    )

    settings = _settings(model=model, embeddings_dir=embeddings_dir, device=device, backend=backend)
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    progress = _reporter(ctx, settings)
    data = load_ecbplus(
        sentences,
        retrieval,
        lambda texts: embed_texts(texts, embedder, cache, progress=progress).vectors,
    )
    # refitting starts from the given scorer's recipe, or from the current default recipe
    scorer = PairScorer() if fit_split and scorer_file is None else PairScorer.load(scorer_file)
    result = evaluate_alignment(data, split, scorer, fit_split=fit_split)
    click.echo(
        f"ECB+ {split}: {result.product.queries} queries, model {embedder.model_id}, "
        f"backend {embedder.backend}"
    )
    click.echo(f"{'ranking':24s} {'MAP':>6s} {'P@1':>6s} {'R-prec':>6s}")
    for name, scores in [("workbench aligner", result.product), *result.baselines.items()]:
        click.echo(f"{name:24s} {scores.map:6.3f} {scores.p_at_1:6.3f} {scores.r_precision:6.3f}")
    card: dict[str, object] = {
        "data": f"ECB+ split {fit_split or '(unchanged)'} of {sentences.name}: sentence pairs, "
        "3-sentence pseudo-paragraph pairs and mixed-claim passage pairs, each kind "
        "weighing alike",
        "model": embedder.model_id,
        "evaluated_on": split,
        "map": round(result.product.map, 4),
        "p_at_1": round(result.product.p_at_1, 4),
        "r_precision": round(result.product.r_precision, 4),
    }
    if cv_folds is not None:
        cv = cross_validate_alignment(data, result.scorer, folds=cv_folds)
        click.echo(f"ECB+ {cv.split}, topics held out: {cv.product.queries} queries")
        click.echo(f"{'ranking':24s} {'MAP':>6s} {'P@1':>6s} {'R-prec':>6s}")
        for name, scores in [("workbench aligner", cv.product), *cv.baselines.items()]:
            click.echo(
                f"{name:24s} {scores.map:6.3f} {scores.p_at_1:6.3f} {scores.r_precision:6.3f}"
            )
        card["cross_validation"] = {
            "folds": cv_folds,
            "grouped_by": "topic, over every split of the file",
            **{
                name: {"map": round(sc.map, 4), "p_at_1": round(sc.p_at_1, 4)}
                for name, sc in [("workbench aligner", cv.product), *cv.baselines.items()]
            },
        }
    if save_scorer is not None:
        result.scorer.save(save_scorer, card=card)
        click.echo(f"scorer saved to {save_scorer}")


@eval_group.command(name="framing")
@click.option(
    "--articles",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="folder of PTC-format articles (article<ID>.txt, one sentence per line)",
)
@click.option(
    "--labels",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="folder of their technique spans (article<ID>.task2-TC.labels)",
)
@click.option(
    "--train-articles",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="training articles for the TF-IDF baseline [default ../shared/data/ptc-train]",
)
@click.option(
    "--train-labels",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="their labels [default ../shared/data/ptc-train/labels]",
)
@click.option(
    "--technique-model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="technique model (.npz) to evaluate [default: the shipped one]",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@model_options
@click.pass_context
def eval_framing(
    ctx: click.Context,
    articles: Path,
    labels: Path,
    train_articles: Path | None,
    train_labels: Path | None,
    technique_model: Path | None,
    fmt: str,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
) -> None:
    """Persuasion-technique detection on PTC-format data: sentence-level P/R/F1 (any
    technique, the dispute subset, each technique), SemEval-2020 span F1, and baselines."""
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache
    from workbench.evaluation.framing import (
        default_training_dirs,
        evaluate_framing,
        format_table,
        read_ptc,
    )
    from workbench.suggest.techniques import load_model

    if (train_articles is None) != (train_labels is None):
        raise WorkbenchError("give --train-articles and --train-labels together, or neither")
    settings = _settings(model=model, embeddings_dir=embeddings_dir, device=device, backend=backend)
    evaluated = read_ptc(articles, labels)
    training = (train_articles, train_labels) if train_articles else default_training_dirs()
    train = read_ptc(*training) if training else None
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    progress = _reporter(ctx, settings)
    report = evaluate_framing(
        evaluated,
        load_model(technique_model),
        lambda texts: embed_texts(texts, embedder, cache, progress=progress).vectors,
        train_articles=train,
    )
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"PTC format: {len(evaluated)} articles, model {embedder.model_id}")
    click.echo(format_table(report))


@eval_group.command(name="stance")
@click.option(
    "--bodies",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="FNC-1 bodies CSV (Body ID, articleBody)",
)
@click.option(
    "--stances",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="FNC-1 stances CSV (Headline, Body ID, Stance)",
)
@click.option(
    "--train-bodies",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="train on these bodies first",
)
@click.option(
    "--train-stances",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="train on these stances first",
)
@click.option(
    "--holdout",
    type=float,
    help="train on the given data except this fraction of its Body IDs, evaluate on that fraction",
)
@click.option(
    "--holdout-by",
    type=click.Choice(["body", "topic"]),
    default="body",
    show_default=True,
    help="hold out Body IDs, or whole topics (headlines and bodies of one claim: new claims "
    "and new bodies, like the FNC-1 competition test)",
)
@click.option(
    "--max-body-sentences",
    type=click.IntRange(min=1),
    help="evaluate only on pairs whose body has at most this many sentences (short "
    "claim-like texts, a proxy for text of another kind such as user posts)",
)
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the hold-out")
@click.option(
    "--rounds",
    type=int,
    default=100,
    show_default=True,
    help="boosting rounds of the stance model when training (the shipped model's 100)",
)
@click.option(
    "--features",
    "feature_set",
    type=click.Choice(["products", "claim-view"]),
    default="products",
    show_default=True,
    help="stance features when training: the claim x closest-sentences products (the "
    "recipe of the shipped model), or the claim-level view without them",
)
@click.option(
    "--disagree-weight",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="weight of disagree pairs in the stance model's trees when training",
)
@click.option(
    "--relation-model",
    "model_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="relation model to evaluate (default: the shipped one); with --holdout, "
    "evaluated on the hold-out without training",
)
@click.option(
    "--save-model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the trained model (.npz, with its card as .json beside it)",
)
@model_options
@click.pass_context
def eval_stance(
    ctx: click.Context,
    bodies: Path,
    stances: Path,
    train_bodies: Path | None,
    train_stances: Path | None,
    holdout: float | None,
    holdout_by: str,
    max_body_sentences: int | None,
    seed: int,
    rounds: int,
    feature_set: str,
    disagree_weight: float,
    model_file: Path | None,
    save_model: Path | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
) -> None:
    """FNC score and macro-F1 of the relation suggester on FNC-1-format stance data.

    Relations map to FNC labels: corroborates -> agree, contradicts -> disagree,
    disputes_framing and related -> discuss, unrelated -> unrelated.
    """
    import time

    from workbench.embed.embedder import embed_texts, load_embedder, open_cache
    from workbench.errors import InvalidInput
    from workbench.evaluation.fnc import (
        evaluate_relation_model,
        load_fnc,
        short_bodies,
        split_by_body,
        split_by_topic,
        train_relation_model,
    )
    from workbench.suggest.relation import RelationModel

    if (train_bodies is None) != (train_stances is None):
        raise InvalidInput("give both --train-bodies and --train-stances, or neither")
    if holdout is not None and not 0 < holdout < 1:
        raise InvalidInput(f"--holdout must be between 0 and 1, got {holdout}")
    if holdout is not None and train_bodies is not None:
        raise InvalidInput("use either --holdout or --train-bodies/--train-stances")
    settings = _settings(model=model, embeddings_dir=embeddings_dir, device=device, backend=backend)
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    progress = _reporter(ctx, settings)

    def encode(texts: list[str]) -> Any:
        return embed_texts(texts, embedder, cache, progress=progress).vectors

    data = load_fnc(bodies, stances)
    train_data = None
    described = f"{stances.name}"
    if holdout is not None and holdout_by == "topic":
        train_data, data = split_by_topic(data, holdout, seed)
        described = (
            f"{stances.name}, held-out {holdout:.0%} of topics (seed {seed}; unrelated "
            "bodies redrawn among held-out topics)"
        )
    elif holdout is not None:
        train_rows, test_rows = split_by_body(data, holdout, seed)
        train_data, data = data.subset(train_rows), data.subset(test_rows)
        described = f"{stances.name}, held-out {holdout:.0%} of Body IDs (seed {seed})"
    elif train_bodies is not None and train_stances is not None:
        train_data = load_fnc(train_bodies, train_stances)
    if max_body_sentences is not None:
        data = short_bodies(data, max_body_sentences)
        described += f"; only bodies of at most {max_body_sentences} sentences"
    if train_data is not None and model_file is None:
        started = time.perf_counter()
        relation_model, report = train_relation_model(
            train_data,
            encode,
            progress=progress,
            tree_params={
                "max_iter": rounds,
                **(
                    {"class_weight": {"disagree": disagree_weight}}
                    if disagree_weight != 1.0
                    else {}
                ),
            },
            featurizer_params=(
                {"claim_view": True, "interactions": False} if feature_set == "claim-view" else {}
            ),
            card={
                "data": f"FNC-1 format: {(train_stances or stances).name}"
                + (
                    f" minus a {holdout:.0%} {'topic' if holdout_by == 'topic' else 'Body-ID'} "
                    f"hold-out (seed {seed})"
                    if holdout
                    else ""
                ),
                "embedding_model": embedder.model_id,
                "stance_features": feature_set,
                "disagree_weight": disagree_weight,
                "rounds": rounds,
            },
        )
        click.echo(
            f"trained on {report.pairs} pairs, {report.bodies} bodies in "
            f"{time.perf_counter() - started:.0f} s (embedding included)"
        )
    else:
        relation_model = RelationModel.load(model_file)
    result = evaluate_relation_model(relation_model, data, encode, progress=progress)
    click.echo(
        f"FNC-1 stance: {result.product.pairs} pairs of {described}; "
        f"model {relation_model.model_id}"
    )
    click.echo(
        f"{'classifier':24s} {'FNC %':>6s} {'macro-F1':>8s} "
        + " ".join(f"{s:>9s}" for s in ("agree", "disagree", "discuss", "unrelated"))
    )
    for name, scores in (
        ("relation suggester", result.product),
        ("stance model alone", result.stance_only),
    ):
        click.echo(
            f"{name:24s} {scores.relative_score:6.2f} {scores.macro_f1:8.3f} "
            + " ".join(
                f"{scores.f1[s]:9.3f}" for s in ("agree", "disagree", "discuss", "unrelated")
            )
        )
    click.echo("confusion (rows gold, columns predicted: agree disagree discuss unrelated):")
    for label, row in zip(
        ("agree", "disagree", "discuss", "unrelated"), result.product.confusion, strict=True
    ):
        click.echo(f"  {label:10s} " + " ".join(f"{n:6d}" for n in row))
    if save_model is not None:
        relation_model.card.update(
            {
                "evaluated_on": described,
                "fnc_score": round(result.product.relative_score, 2),
                "macro_f1": round(result.product.macro_f1, 4),
                "f1": {k: round(v, 4) for k, v in result.product.f1.items()},
            }
        )
        relation_model.save(save_model)
        click.echo(f"model saved to {save_model}")


# -- the analyst app ---------------------------------------------------------------------


@main.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8501,
    show_default=True,
    help="port to listen on",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="address to listen on; the default keeps the app on this machine",
)
@store_options
@model_options
def app(
    port: int,
    host: str,
    db: Path | None,
    model: str | None,
    embeddings_dir: Path | None,
    device: str | None,
    backend: str | None,
) -> None:
    """Open the analyst app (Streamlit) on http://localhost:PORT.

    On first use it ingests the bundled corpus and embeds and aligns whatever is missing,
    with a progress bar in the browser.
    """
    import math
    import os

    from workbench.app import APP_SCRIPT

    settings = _settings(
        db=db, model=model, embeddings_dir=embeddings_dir, device=device, backend=backend
    )
    env = dict(os.environ)
    from workbench.accounts import check_host
    from workbench.store.factory import describe_store

    check_host(host, lambda: _accounts_exist(settings))  # no open corpus on the network
    for name, var in (
        ("db", "WORKBENCH_DB"),
        ("embeddings_dir", "WORKBENCH_EMBEDDINGS"),
        ("corpus_dir", "WORKBENCH_CORPUS"),
        ("uploads_dir", "WORKBENCH_UPLOADS"),
    ):
        value = getattr(settings, name)
        env[var] = value if isinstance(value, str) else str(Path(value).resolve())
    env["WORKBENCH_MODEL"] = settings.model
    env["WORKBENCH_DEVICE"] = settings.device
    env["WORKBENCH_BACKEND"] = settings.backend
    env.setdefault("HF_HUB_OFFLINE", "1")
    click.echo(
        f"workbench app: open http://localhost:{port} in your browser "
        f"(database {describe_store(settings.db)})",
        err=True,
    )
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_SCRIPT),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "minimal",
        # tables' own CSV export writes hostile cells raw (a passage starting with
        # "=" becomes a live formula); exports go through the Report page instead
        "--client.disableDataExport",
        "true",
        "--server.maxUploadSize",
        str(max(1, math.ceil(settings.max_file_mb))),
    ]
    os.execve(sys.executable, command, env)


if __name__ == "__main__":
    main()
