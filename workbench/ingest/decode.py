"""Bytes -> text: strict UTF-8 first, then a detected encoding; binary files are refused."""

from __future__ import annotations

from workbench.errors import RejectedFile

DETECT_BYTES = 1 << 20
MAX_CONTROL_RATIO = 0.01
_ALLOWED_CONTROLS = set("\t\n\r\f\v")


def decode(data: bytes) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read with."""
    if not data.strip():
        raise RejectedFile("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif b"\x00" in data[:DETECT_BYTES]:
        raise RejectedFile("binary file (contains NUL bytes), not text")
    else:
        candidates = ["utf-8-sig"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        _check_text(text)
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data[:DETECT_BYTES]).best()
    if best is None or best.encoding is None:
        raise RejectedFile("not UTF-8 and no text encoding could be detected (binary file?)")
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise RejectedFile(
            f"not UTF-8, and the detected encoding {best.encoding} fails further into the file; "
            "convert it to UTF-8"
        ) from None
    _check_text(text)
    return text, best.encoding


def _check_text(text: str) -> None:
    sample = text[:DETECT_BYTES]
    controls = sum(1 for ch in sample if ch < " " and ch not in _ALLOWED_CONTROLS)
    if controls > MAX_CONTROL_RATIO * max(1, len(sample)):
        raise RejectedFile("binary file (too many control characters), not text")
    if not any(ch.isalnum() for ch in sample):
        raise RejectedFile("no words in the file")
