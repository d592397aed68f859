"""Parse one file in a separate process, with a time and memory limit.

A hostile or broken file (a PDF bomb, pathological HTML, an enormous single line) must not
hang the batch, exhaust memory or crash the workbench. Each file is read, extracted and
segmented in a child process forked from a forkserver (cheap, and safe from a threaded
parent such as the app); the child sets its own address-space limit and sends back JSON
bytes. Nothing is unpickled from the child: a parser subverted by its input cannot hand
the parent a malicious pickle.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import sys
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from workbench.errors import RejectedFile
from workbench.models import Passage, PassageKind, Sentence

_CONTEXT: Any = None


@dataclass(frozen=True)
class Limits:
    """What one file may cost to parse. All are settings (see ``workbench.config``)."""

    timeout: float = 60.0
    memory_mb: int = 2048
    max_pdf_pages: int = 2000
    max_text_mb: float = 10.0
    max_passage_chars: int = 1500


@dataclass
class Parsed:
    """What the child sends back for a file it could read."""

    text: str
    format: str
    encoding: str
    metadata: dict[str, str]
    passages: list[Passage]
    sentences: list[Sentence]


def parse(data: bytes, suffix_path: Path, doc_id: str, author: str, limits: Limits) -> Parsed:
    """Read, extract and segment ``data`` in this process (the child's work)."""
    from workbench.ingest.readers import read_pdf, reader_for
    from workbench.ingest.segment import segment

    reader = reader_for(suffix_path)
    extracted = reader(data, max_pages=limits.max_pdf_pages) if reader is read_pdf else reader(data)
    size_mb = len(extracted.text.encode("utf-8", "surrogatepass")) / 1048576
    if size_mb > limits.max_text_mb:
        raise RejectedFile(
            f"the extracted text is {size_mb:.1f} MB, over the {limits.max_text_mb:g} MB limit "
            "(setting WORKBENCH_MAX_TEXT_MB)"
        )
    found_author = author or extracted.metadata.get("author", "")
    segmentation = segment(
        doc_id, extracted.text, max_chars=limits.max_passage_chars, author=found_author
    )
    return Parsed(
        extracted.text,
        extracted.format,
        extracted.encoding,
        extracted.metadata,
        segmentation.passages,
        segmentation.sentences,
    )


def _child(
    conn: Connection, data: bytes, name: str, doc_id: str, author: str, limits: Limits
) -> None:
    try:
        cap = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        parsed = parse(data, Path(name), doc_id, author, limits)
        payload: dict[str, Any] = {"ok": asdict(parsed)}
    except RejectedFile as exc:
        payload = {"rejected": str(exc)}
    except MemoryError:
        payload = {
            "rejected": f"parsing needed more than the {limits.memory_mb} MB memory "
            "limit (setting WORKBENCH_PARSE_MEMORY_MB)"
        }
    except RecursionError:
        payload = {"rejected": "the file is nested too deeply to parse"}
    except Exception as exc:  # any parser failure on hostile input is a rejection
        where = traceback.extract_tb(exc.__traceback__)[-1]
        payload = {
            "rejected": f"could not be parsed ({type(exc).__name__}: {exc}; in "
            f"{Path(where.filename).name}:{where.lineno})"[:500]
        }
    try:
        conn.send_bytes(json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    except MemoryError:
        conn.send_bytes(b'{"rejected": "the parsed document is too large to send back"}')
    conn.close()


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(
            ["workbench.ingest.worker", "workbench.ingest.readers", "workbench.ingest.segment"]
        )
    return _CONTEXT


@contextmanager
def _without_main_script() -> Iterator[None]:
    """Hide the parent's ``__main__`` from the child while it starts.

    multiprocessing re-runs the parent's main script in every child it starts (as
    ``__mp_main__``). Under Streamlit, ``__main__`` is the app page being run, so each parse
    worker would run the app in bare mode and flood the log with warnings. The parse
    worker needs nothing from the main script.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def parse_isolated(data: bytes, name: str, doc_id: str, author: str, limits: Limits) -> Parsed:
    """Parse in a child process; a timeout, crash or limit becomes a RejectedFile."""
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(send, data, name, doc_id, author, limits), daemon=True
    )
    with _without_main_script():
        child.start()
    send.close()
    try:
        if not receive.poll(limits.timeout):
            raise RejectedFile(
                f"parsing took longer than {limits.timeout:g} s (setting WORKBENCH_PARSE_TIMEOUT)"
            )
        raw = receive.recv_bytes()
    except EOFError:
        child.join(5)
        raise RejectedFile(
            f"the parser stopped without an answer (exit code {child.exitcode}); the file is "
            "probably malformed"
        ) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receive.close()
    payload = json.loads(raw.decode("utf-8", "surrogatepass"))
    if "rejected" in payload:
        raise RejectedFile(payload["rejected"])
    ok = payload["ok"]
    return Parsed(
        text=ok["text"],
        format=ok["format"],
        encoding=ok["encoding"],
        metadata=ok["metadata"],
        passages=[Passage(**{**p, "kind": PassageKind(p["kind"])}) for p in ok["passages"]],
        sentences=[Sentence(**s) for s in ok["sentences"]],
    )


def limits_from(settings: Any) -> Limits:
    return Limits(
        timeout=settings.parse_timeout,
        memory_mb=settings.parse_memory_mb,
        max_pdf_pages=settings.max_pdf_pages,
        max_text_mb=settings.max_text_mb,
        max_passage_chars=settings.max_passage_chars,
    )
