from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.ingest.segment import paragraph_spans, segment, split_sentences
from workbench.models import PassageKind


def _texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[s:e] for s, e in spans]


def test_sentences_respect_abbreviations_initials_and_decimals() -> None:
    text = (
        "Dr. Kim met U.S. officials on Jan. 5 in Seoul. The cost was 3.5 million won. "
        "Kim J. Un said “No.” Then he left!"
    )
    assert _texts(text, split_sentences(text)) == [
        "Dr. Kim met U.S. officials on Jan. 5 in Seoul.",
        "The cost was 3.5 million won.",
        "Kim J. Un said “No.”",
        "Then he left!",
    ]


def test_sentence_split_after_date_with_period() -> None:
    text = "As early as January 15, 2020. Human Rights Watch has called on the ROK."
    assert len(split_sentences(text)) == 2


def test_paragraphs_are_lines_unless_text_is_hard_wrapped() -> None:
    unwrapped = "First paragraph is a long line of text.\nSecond paragraph.\n\nThird."
    assert _texts(unwrapped, paragraph_spans(unwrapped)) == [
        "First paragraph is a long line of text.",
        "Second paragraph.",
        "Third.",
    ]
    wrapped = "\n".join(
        [
            "The government continued its restrictions on travel and",
            "communication, and punished people who made contact with",
            "the outside world, according to several sources who spoke",
            "to researchers over the course of the year in question.",
            "",
            "A second paragraph begins here and it also runs across",
            "more than one line of the original wrapped text file, as",
            "plain text e-mails and PDF extractions usually do here.",
        ]
    )
    paragraphs = _texts(wrapped, paragraph_spans(wrapped))
    assert len(paragraphs) == 2
    assert paragraphs[0].startswith("The government") and paragraphs[0].endswith("in question.")


def test_long_paragraph_is_split_at_sentence_boundaries() -> None:
    sentence = "The authorities closed the border to all traffic in the north. "
    text = sentence * 40
    seg = segment("d", text, max_chars=300)
    assert len(seg.passages) > 5
    for p in seg.passages:
        assert len(p.text) <= 300
        assert p.text.endswith("north.")
        assert text[p.start : p.end] == p.text


def test_one_enormous_sentence_is_cut_into_bounded_passages() -> None:
    text = "word " * 5000
    seg = segment("d", text, max_chars=500)
    assert all(len(p.text) <= 500 for p in seg.passages)
    assert sum(len(p.text.split()) for p in seg.passages) == 5000


def test_seed_boilerplate_is_marked_and_left_out_of_text_passages() -> None:
    text = (CORPUS / "001_fddb6186e0e85242.txt").read_text(encoding="utf-8")
    seg = segment("hrw2018", text)
    kinds = {p.text: p.kind for p in seg.passages}
    assert kinds["Skip to main content"] is PassageKind.BOILERPLATE
    assert kinds["© 2018 AP Photo/Evan Vucci"] is PassageKind.BOILERPLATE
    assert kinds["Living Longer, Locked Away"] is PassageKind.BOILERPLATE  # chapter teaser
    assert kinds["Can Algorithms Save Us from Human Error?"] is PassageKind.BOILERPLATE
    assert kinds["Forced Labor"] is PassageKind.HEADING
    caption = next(t for t in kinds if t.startswith("U.S. President Donald Trump meets"))
    assert kinds[caption] is PassageKind.BOILERPLATE
    body = [p for p in seg.passages if p.kind is PassageKind.TEXT]
    assert body[0].text.startswith("North Korea remains one of the world’s most repressive")
    assert (
        next(p for p in body if p.text.startswith("The government uses forced labor")).section
        == "Forced Labor"
    )


def test_donation_appeal_and_download_prompt_are_boilerplate() -> None:
    amnesty = (CORPUS / "002_de4ac8e5358793a0.txt").read_text(encoding="utf-8")
    neo = (CORPUS / "003_9370619d500f480d.txt").read_text(encoding="utf-8")
    kinds = {p.text: p.kind for p in segment("a", amnesty).passages}
    kinds |= {p.text: p.kind for p in segment("n", neo, author="Konstantin Asmolov").passages}
    assert kinds["We only have what we give..."] is PassageKind.BOILERPLATE
    assert kinds["Please select digest to download:"] is PassageKind.BOILERPLATE
    assert kinds["08.01.2021 Author: Konstantin Asmolov"] is PassageKind.BOILERPLATE


def test_markdown_headings_become_sections() -> None:
    text = "# Title\n\nIntro paragraph here.\n\n## Border\n\nThe border closed in January.\n"
    seg = segment("md", text)
    body = [p for p in seg.passages if p.kind is PassageKind.TEXT]
    assert [(p.text, p.section) for p in body] == [
        ("Intro paragraph here.", "Title"),
        ("The border closed in January.", "Border"),
    ]


def test_passage_ids_are_stable_when_other_paragraphs_change() -> None:
    before = segment("d", "Alpha paragraph stays.\n\nBeta paragraph.\n")
    after = segment("d", "Inserted paragraph first.\n\nAlpha paragraph stays.\n\nBeta paragraph.\n")
    ids_before = {p.text: p.id for p in before.passages}
    ids_after = {p.text: p.id for p in after.passages}
    assert ids_before["Alpha paragraph stays."] == ids_after["Alpha paragraph stays."]


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=800),
    st.integers(min_value=40, max_value=400),
)
def test_offsets_always_slice_back_to_passage_and_sentence_text(text: str, max_chars: int) -> None:
    seg = segment("doc", text, max_chars=max_chars)
    for p in seg.passages:
        assert text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text
    for s in seg.sentences:
        assert text[s.start : s.end] == s.text
    ids = [p.id for p in seg.passages]
    assert len(ids) == len(set(ids))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abc .!?\n", min_size=1, max_size=60), max_size=20))
def test_sentences_cover_every_word_of_the_passage(parts: list[str]) -> None:
    text = " ".join(parts)
    words = text.split()
    spans = split_sentences(text)
    assert sum(len(text[s:e].split()) for s, e in spans) == len(words)


def test_a_form_feed_inside_a_paragraph_does_not_cut_it_into_boilerplate() -> None:
    text = (
        "Guards were ordered to shoot anyone approaching the border, according to\f"
        "several witnesses interviewed in 2020.\n\nA second paragraph.\u2028Still the second."
    )
    seg = segment("d", text)
    passages = [p for p in seg.passages if p.kind == PassageKind.TEXT]
    assert [p.text for p in passages] == [
        text[: text.index("\n\n")],
        "A second paragraph.\u2028Still the second.",
    ]
    assert all(text[p.start : p.end] == p.text for p in seg.passages)


def test_a_heading_keeps_a_quotation_that_covers_only_part_of_it() -> None:
    text = "“The Struggle for Human Rights in the DPRK“ in 2020\n\nThe border closed in January.\n"
    (body,) = [p for p in segment("q", text).passages if p.kind is PassageKind.TEXT]
    assert body.section == "“The Struggle for Human Rights in the DPRK“ in 2020"


def test_quotation_marks_around_a_whole_heading_are_dropped() -> None:
    text = "## “Border closures”\n\nThe border closed in January.\n"
    (body,) = [p for p in segment("q", text).passages if p.kind is PassageKind.TEXT]
    assert body.section == "Border closures"
