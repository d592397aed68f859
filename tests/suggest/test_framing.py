"""Framing cues: what disputes another source's framing, and what is neutral reporting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from conftest import CORPUS

from workbench.suggest import framing
from workbench.suggest.framing import detect_cues, disputes_framing, framing_score

DISPUTING = [
    # dismissal and ridicule
    "Highlighted as the story of the year was another canard from the Daily NK about "
    "the execution of an army officer.",
    "The committee adopted yet another resolution denouncing the government.",
    "Most of the accusatory resolutions rehash their usual things with minor adjustments.",
    "The new report offers nothing fundamentally new about the camps.",
    "Western media spread the hoax within hours of the announcement.",
    # hedging a standing condition, distancing from a description
    "Prison conditions allegedly remain harsh and dangerous for human life.",
    "The country has traditionally been described as a state where torture reigns supreme.",
    "What the activists like to call a humanitarian crisis is a routine food shortage.",
    # sarcasm followed by what others said
    "Of course, it was because “the regime had no choice but to release them under "
    "epidemic conditions.”",
    "Naturally, it was stressed that the situation is solely due to the cynical policy of "
    "the regime.",
    # attacks on the source
    "The NGO released a special report with the controversial title “Worth Less Than an Animal”.",
    "Biased NGOs and media are ahead of government agencies in these accusations.",
    "The content follows as expected and boils down to an account of abuses.",
]

NEUTRAL = [
    # attribution and hedging of specific acts: ordinary reporting
    "Many North Koreans in China reportedly had to stay hidden in safe houses for months.",
    "According to the World Health Organization, North Korea had tested 12,072 people.",
    "The group asked for information on 34 cases, including 27 people who were allegedly "
    "taken to the North during the war.",
    # terms of art in quotation marks
    "Patients secured medicines in the informal economy, or so-called “grey markets”.",
    "The system groups people into “loyal,” “wavering,” or “hostile” classes.",
    "The ministry considers defection to be a crime of “treachery against the nation.”",
    "Kim Jong Un stated that North Koreans would need to “tighten our belts” this year.",
    # plain reports of events
    "On June 22, the UN Human Rights Council adopted a resolution prepared by the European "
    "Union denouncing violations in North Korea.",
    "On November 25, the State Department offered up to $3 million in grants to "
    "organizations working on human rights.",
    "The government continued to deny the existence of four known political prison camps.",
    # a dismissive word inside someone else's quotation belongs to the speaker
    "State media said the findings were “a hoax cooked up by hostile forces to slander us”.",
]


@pytest.mark.parametrize("text", DISPUTING)
def test_disputing_passages_are_flagged(text: str) -> None:
    assert disputes_framing(text), (text, detect_cues(text))


@pytest.mark.parametrize("text", NEUTRAL)
def test_neutral_passages_are_not_flagged(text: str) -> None:
    assert not disputes_framing(text), (text, detect_cues(text))


@pytest.mark.parametrize(
    "text",
    [
        "The content of the resolution is mostly similar to previous similar documents.",
        "It was another duck story from the newspaper.",
        "Engaged NGOs and media met the minister.",
    ],
)
def test_phrases_of_the_demo_corpus_are_not_rules(text: str) -> None:
    """Rules are general English: phrases lifted from the bundled corpus ("mostly similar to
    previous", the calques "duck story" and "engaged NGOs") would only score the demo."""
    assert [c for c in detect_cues(text) if c.weight > 0] == [], detect_cues(text)


def test_cue_offsets_index_the_text_given() -> None:
    text = "Prison conditions allegedly remain harsh. Of course, officials said otherwise."
    cues = detect_cues(text)
    assert cues
    for cue in cues:
        assert text[cue.start : cue.end] == cue.text
    kinds = {c.kind for c in cues}
    assert {"hedge", "sarcasm", "attribution"} <= kinds


def test_attribution_is_shown_but_never_counted() -> None:
    text = "According to officials, the camp reportedly holds 2,000 people, sources said."
    cues = detect_cues(text)
    assert {c.kind for c in cues} == {"attribution"}
    assert framing_score(cues) == 0.0


def test_hedging_an_act_weighs_less_than_hedging_a_condition() -> None:
    act = framing_score("Guards allegedly beat the detainees.")
    condition = framing_score("Conditions allegedly remain dire.")
    assert 0 < act < framing.DISPUTE_THRESHOLD <= condition


def test_scare_quotes_alone_cannot_flag_a_passage() -> None:
    text = (
        "They banned “illegal” travel, punished “hostile” elements, closed “unsafe” "
        "markets and jailed “disloyal” officials."
    )
    cues = detect_cues(text)
    assert sum(c.kind == "scare_quote" for c in cues) >= 3
    assert framing_score(cues) == framing.SCARE_QUOTE_CAP
    assert not disputes_framing(cues)


def test_sarcasm_needs_a_sentence_opening() -> None:
    assert not [c for c in detect_cues("It was, of course, raining.") if c.kind == "sarcasm"]
    assert [c for c in detect_cues("Rain fell. Of course, they blamed us.") if c.kind == "sarcasm"]


def _paragraphs(name: str) -> list[str]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if len(p.strip()) > 200]


def test_no_ngo_paragraph_of_the_bundled_corpus_disputes_framing() -> None:
    for name in (
        "000_5122fa09ea523ce1.txt",
        "001_fddb6186e0e85242.txt",
        "002_de4ac8e5358793a0.txt",
        "004_a46ea01ca1f6a4b8.txt",
    ):
        flagged = [p[:80] for p in _paragraphs(name) if disputes_framing(p)]
        assert flagged == [], name


def test_the_russian_outlet_disputes_ngo_framing_but_not_in_every_paragraph() -> None:
    paragraphs = _paragraphs("003_9370619d500f480d.txt")
    flagged = [p for p in paragraphs if disputes_framing(p)]
    for marker in ("duck story", "allegedly remain harsh", "controversial title", "rehash"):
        assert any(marker in p for p in flagged), marker
    for marker in (
        "On April 2,",
        "On June 22,",
        "On September 4,",
        "On December 16,",
        "On November 25,",
    ):
        assert not any(p.startswith(marker) for p in flagged), marker
    assert len(flagged) < len(paragraphs) / 2


# -- cues with their technique, confidence and source -----------------------------------------


def test_rule_cues_carry_their_technique_confidence_and_source() -> None:
    cues = detect_cues("Prison conditions allegedly remain harsh, officials said.")
    hedge = next(c for c in cues if c.kind == "hedge")
    assert (hedge.source, hedge.technique, hedge.confidence) == ("rule", "Doubt", 1.0)
    attribution = next(c for c in cues if c.kind == "attribution")
    assert (attribution.source, attribution.technique, attribution.weight) == ("rule", "", 0.0)
    record = hedge.record(offset=100)
    assert record["start"] == hedge.start + 100
    assert {"technique", "confidence", "source"} <= set(record)
    assert framing.Cue.from_record(record, offset=100) == hedge


def test_a_cue_stored_before_techniques_reads_as_a_rule_cue() -> None:
    old = {"kind": "dismissal", "start": 3, "end": 8, "text": "hoax", "weight": 1.0}
    cue = framing.Cue.from_record(old)
    assert (cue.source, cue.technique, cue.confidence) == ("rule", "Doubt", 1.0)


@pytest.mark.parametrize(
    "text",
    [
        "Patients bought medicines in the informal economy, or so-called “grey markets”.",
        "The boats, also so-called ghost ships, drift ashore every winter.",
    ],
)
def test_so_called_giving_another_name_for_a_thing_is_no_cue(text: str) -> None:
    assert [c for c in detect_cues(text) if c.kind != "attribution"] == []


def test_so_called_on_its_own_still_distances() -> None:
    assert [c.kind for c in detect_cues("The so-called reforms changed nothing.")] == ["hedge"]


def test_a_phrase_quoted_after_call_is_the_callers_words_not_a_scare_quote() -> None:
    text = "Critics of the project call it a “monstrous waste” of public money."
    assert not [c for c in detect_cues(text) if c.kind == "scare_quote"]


def test_without_an_encoder_the_batch_gives_the_rules_alone() -> None:
    texts = ["Prison conditions allegedly remain harsh.", "The ministry published its budget."]
    assert framing.analyse_passages(texts) == [framing.analyse(t) for t in texts]


# -- the learned detector, gated (real embedder and shipped model) -----------------------------


@pytest.fixture(scope="module")
def encode(tmp_path_factory: pytest.TempPathFactory):
    from workbench.config import Settings
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache

    settings = Settings.load(embeddings_dir=tmp_path_factory.mktemp("emb"), progress=False)
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)

    def encode(texts: list[str]):
        return embed_texts(texts, embedder, cache).vectors

    encode.model_id = embedder.model_id  # type: ignore[attr-defined]
    return encode


def _with_model(texts: list[str], encode) -> list[framing.Framing]:
    return framing.analyse_passages(texts, encode, embedding_model=encode.model_id)


OWN_WORDING = [
    "The regime is one of the most brutal on earth, and its leaders must be held to account.",
    "The government, one of the most repressive in the world, continued its brutal crackdown, "
    "the group said today.",
    "“This is a brutal and cruel regime,” said the director of the organisation.",
]
AT_ANOTHER_SOURCE = [
    "The authors of this report have once again produced a shameful, one-sided pamphlet full "
    "of distortions.",
    "Their latest paper is a shameless mix of gossip and wishful thinking.",
    "These organisations never tire of inventing new horrors to keep their donors happy.",
]


@pytest.mark.model
def test_model_cues_name_a_ptc_technique_with_a_calibrated_confidence(encode) -> None:
    from workbench.suggest.techniques import TECHNIQUES

    texts = OWN_WORDING + AT_ANOTHER_SOURCE
    for text, found in zip(texts, _with_model(texts, encode), strict=True):
        model = [c for c in found.cues if c.source == "model"]
        assert model, text
        for cue in model:
            assert cue.kind == "technique"
            assert cue.technique in TECHNIQUES
            assert 0.0 < cue.confidence < 1.0
            assert text[cue.start : cue.end] == cue.text


@pytest.mark.model
def test_a_writers_own_strong_wording_disputes_no_one(encode) -> None:
    for text, found in zip(OWN_WORDING, _with_model(OWN_WORDING, encode), strict=True):
        assert any(c.source == "model" for c in found.cues), text
        assert not found.disputes, (text, found.cues)


@pytest.mark.model
def test_loaded_words_turned_on_another_sources_text_dispute_its_framing(encode) -> None:
    for text, found in zip(AT_ANOTHER_SOURCE, _with_model(AT_ANOTHER_SOURCE, encode), strict=True):
        assert not framing.analyse(text).disputes, text  # the rules alone miss them
        assert found.disputes, (text, found.cues)
        assert any(c.source == "model" and c.weight > 0 for c in found.cues)


@pytest.mark.model
def test_a_detector_for_another_embedding_model_is_left_out(encode) -> None:
    texts = AT_ANOTHER_SOURCE[:1]
    assert framing.analyse_passages(texts, encode, embedding_model="other/model") == [
        framing.analyse(texts[0])
    ]


def _corpus_passages(name: str) -> list[str]:
    from workbench.ingest.segment import segment
    from workbench.models import PassageKind

    text = (CORPUS / name).read_text(encoding="utf-8")
    return [p.text for p in segment(name, text).passages if p.kind is PassageKind.TEXT]


@pytest.mark.model
def test_with_the_detector_no_ngo_passage_of_the_corpus_disputes_framing(encode) -> None:
    model_cues = 0
    for name in (
        "000_5122fa09ea523ce1.txt",
        "001_fddb6186e0e85242.txt",
        "002_de4ac8e5358793a0.txt",
        "004_a46ea01ca1f6a4b8.txt",
    ):
        texts = _corpus_passages(name)
        found = _with_model(texts, encode)
        assert [t[:80] for t, f in zip(texts, found, strict=True) if f.disputes] == [], name
        model_cues += sum(c.source == "model" for f in found for c in f.cues)
    assert model_cues > 20  # the detector does see techniques there; the gate keeps them


@pytest.mark.model
def test_with_the_detector_the_russian_outlet_still_disputes_ngo_framing(encode) -> None:
    texts = _corpus_passages("003_9370619d500f480d.txt")
    flagged = [t for t, f in zip(texts, _with_model(texts, encode), strict=True) if f.disputes]
    for marker in ("duck story", "allegedly remain harsh", "controversial title", "rehash"):
        assert any(marker in t for t in flagged), marker
    assert not any(t.startswith(("On June 22,", "On December 16,")) for t in flagged)
    assert len(flagged) < len(texts) / 2


def test_many_passages_are_encoded_in_bounded_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def encode(texts: list[str]):
        import numpy as np

        calls.append(len(texts))
        return np.zeros((len(texts), 3))  # not the detector's size: rules alone, as a fake

    monkeypatch.setattr(framing, "PASSAGES_PER_BATCH", 2)
    texts = ["Prison conditions allegedly remain harsh.", "A report. Another one.", "Plain."]
    detector = SimpleNamespace(card={}, vector_dim=384)  # never reached: vectors of size 3
    found = framing.analyse_passages(texts, encode, detector=detector)
    assert calls == [3, 1]
    assert found == [framing.analyse(t) for t in texts]


def test_the_detector_reads_each_passage_within_its_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    from workbench.suggest.techniques import TechniqueModel

    seen: list[list[int] | None] = []

    def analyse_sentences(self, texts, vectors, documents=None):
        seen.append(documents)
        return []

    monkeypatch.setattr(TechniqueModel, "analyse_sentences", analyse_sentences)
    monkeypatch.setattr(framing, "PASSAGES_PER_BATCH", 3)
    detector = TechniqueModel.__new__(TechniqueModel)
    detector.card, detector.vector_dim = {}, 4
    texts = ["One. Two.", "Three.", "Four. Five. Six.", "Seven.", "Eight. Nine."]
    with pytest.raises(IndexError):  # the spy returns no verdicts; the call is what counts
        framing.analyse_passages(
            texts, lambda s: np.zeros((len(s), 4)), detector=detector, documents=[2, 1, 2]
        )
    # sentences per document; the first batch holds the first two documents (3 passages),
    # never a part of the third
    assert seen == [[3, 3]]
    with pytest.raises(framing.InvalidInput, match="add up to 4, not to the 5 passages"):
        framing.analyse_passages(texts, documents=[2, 2])
