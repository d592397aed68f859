"""Framing cues: what disputes another source's framing, and what is neutral reporting."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from workbench.suggest import framing
from workbench.suggest.framing import detect_cues, disputes_framing, framing_score

DISPUTING = [
    # dismissal and ridicule
    "Highlighted as the story of the year was another duck story from the Daily NK about "
    "the execution of an army officer.",
    "The committee adopted yet another resolution denouncing the government, mostly similar "
    "to previous ones.",
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
    "Engaged NGOs and media are ahead of government agencies in these accusations.",
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
