import pytest

from workbench.errors import RejectedFile
from workbench.ingest.decode import decode


def test_strict_utf8_is_tried_first_and_bom_dropped() -> None:
    assert decode("Pyongyang – “quoted”".encode()) == ("Pyongyang – “quoted”", "utf-8")
    assert decode(b"\xef\xbb\xbfhello world")[0] == "hello world"


def test_other_encodings_are_detected() -> None:
    text = "Объявление о правах человека в КНДР опубликовано сегодня утром в Москве."
    decoded, encoding = decode(text.encode("cp1251"))
    assert decoded == text
    assert encoding.replace("_", "").lower() in {"cp1251", "windows1251"}
    assert decode(text.encode("utf-16"))[0] == text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"   \n\t", "empty file"),
        (b"\x00\x01\x02\x03binary\x00\x00" * 50, "binary file (contains NUL bytes), not text"),
        (b"!!! ??? ... ---", "no words in the file"),
    ],
)
def test_unusable_bytes_are_rejected_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(RejectedFile) as err:
        decode(data)
    assert str(err.value) == message
