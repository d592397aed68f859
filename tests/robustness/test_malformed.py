"""A batch of 200+ malformed files: each is rejected or ingested within limits, with one
clear line; nothing crashes or hangs; the good files in the same batch all arrive."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import zlib
from pathlib import Path

from conftest import CORPUS, make_pdf

from workbench.store.factory import open_store

from .helpers import integrity


def _pdf_bomb() -> bytes:
    """A PDF whose one content stream inflates from about 1 MB to 1 GB of zeros."""
    compressor = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    body = b"".join(compressor.compress(chunk) for _ in range(1024)) + compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        stream,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def bad_files(folder: Path) -> dict[str, str]:
    """Write the malformed files; returns file name -> category."""
    rng = random.Random(11)
    made: dict[str, str] = {}

    def put(name: str, data: bytes, category: str) -> None:
        (folder / name).write_bytes(data)
        made[name] = category

    extensions = [".txt", ".md", ".html", ".pdf"]
    for i in range(30):
        put(f"binary{i}{extensions[i % 4]}", rng.randbytes(rng.randint(10, 200_000)), "binary")
    for i in range(12):
        put(f"empty{i}{extensions[i % 4]}", b"" if i % 2 else b" \n\t\r\n" * i, "empty")
    for i in range(20):
        put(
            f"invalid{i}.txt",
            b"Valid start. " + bytes(rng.randint(0x80, 0xFF) for _ in range(300)),
            "invalid utf-8",
        )
    for i in range(20):
        text = "Résumé of the report on Pyongyang, 2020. " * 20
        mixed = text.encode("utf-8") + text.encode("latin-1") + text.encode("cp1251", "replace")
        put(f"mixed{i}{extensions[i % 2]}", mixed, "mixed encodings")
    for i in range(20):
        depth = rng.choice([1000, 10_000, 100_000])
        put(
            f"nested{i}.html",
            b"<div>" * depth + b"text" + b"</div>" * (depth // (i + 1)),
            "deeply nested html",
        )
    for i in range(20):
        page = b"<html><head><title>T</title></head><body><article><p>" + b"Text " * 200
        put(f"truncated{i}.html", page[: rng.randint(1, len(page))], "truncated html")
    for i in range(20):
        pdf = make_pdf([[f"Page text {i}"]] * 3)
        put(f"cut{i}.pdf", pdf[: rng.randint(8, len(pdf) - 10)], "truncated pdf")
    for i in range(10):
        put(f"notext{i}.pdf", make_pdf([[]] * (i + 1)), "pdf without text")
    for i in range(20):
        wrong = [
            (make_pdf([["pdf as text"]]), ".txt"),
            (b"\x89PNG\r\n\x1a\n" + rng.randbytes(500), ".md"),
            (make_pdf([["pdf named html"]]), ".html"),
            (b"<html><body><p>HTML named pdf</p></body></html>", ".pdf"),
            (b"PK\x03\x04" + rng.randbytes(300), ".txt"),
        ][i % 5]
        put(f"wrongext{i}{wrong[1]}", wrong[0], "wrong extension")
    for i in range(15):
        put(
            f"controls{i}.txt",
            bytes(rng.randint(0, 31) for _ in range(2000)) + b"end",
            "control characters",
        )
    for i in range(10):
        put(
            f"unsupported{i}.{['docx', 'exe', 'json', 'csv', 'jpg'][i % 5]}",
            rng.randbytes(100),
            "unsupported type",
        )
    put("pages.pdf", make_pdf([["p"]] * 60), "too many pages")
    put("bomb.pdf", _pdf_bomb(), "pdf bomb")
    put("oneline.txt", b"word " * (10 * 1024 * 1024), "single 50 MB line")
    return made


def test_malformed_batch_is_handled_file_by_file(db: str, tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    folder.mkdir()
    made = bad_files(folder)
    for seed in sorted(CORPUS.glob("*.txt")):
        (folder / seed.name).write_bytes(seed.read_bytes())
    env = {
        **os.environ,
        "WORKBENCH_DB": db,
        "WORKBENCH_MAX_PDF_PAGES": "50",
        "WORKBENCH_PARSE_TIMEOUT": "20",
    }
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "ingest", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 1  # something was rejected, and it says so
    assert "Traceback" not in result.stderr
    lines = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.startswith(("ingested ", "rejected ", "unchanged "))
    ]
    per_file = {Path(line.split(" ", 2)[1].split(":")[0]).name: line for line in lines}
    assert len(lines) == len(made) + 5  # exactly one line per file
    assert set(per_file) == set(made) | {p.name for p in CORPUS.glob("*.txt")}
    for line in per_file.values():
        if line.startswith("rejected"):
            reason = line.split(": ", 1)[1]
            assert 5 < len(reason) < 500 and "\n" not in reason, line
    with open_store(db) as store:
        docs = {d.id for d in store.documents()}
        limits_ok = all(len(d.text) <= 10 * 1024 * 1024 for d in store.documents())
    assert {p.stem for p in CORPUS.glob("*.txt")} <= docs
    assert limits_ok
    assert integrity(db) == "ok"
    rejected = sum(1 for line in lines if line.startswith("rejected"))
    categories = sorted(set(made.values()))
    must_reject = {
        "binary",
        "empty",
        "pdf without text",
        "unsupported type",
        "too many pages",
        "pdf bomb",
        "single 50 MB line",
        "control characters",
        "wrong extension",
    }
    for name, category in made.items():
        if category in must_reject:
            assert per_file[name].startswith("rejected"), per_file[name]
    assert len(made) >= 200
    kind = "PostgreSQL" if "://" in db else "SQLite"
    figure(
        f"malformed input ({kind}): {len(made)} bad files in {len(categories)} kinds plus 5 good "
        f"ones, one batch, {elapsed:.1f} s: {rejected} rejected with one line each, "
        f"{len(made) + 5 - rejected} ingested within limits, all 5 good files present, "
        f"no crash, no hang"
    )
