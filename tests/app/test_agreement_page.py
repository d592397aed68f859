"""The Agreement page: kappa for each pair of analysts, alpha, and adjudication."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import app_settings, rendered, session, texts
from sklearn.metrics import cohen_kappa_score

from workbench.config import Settings
from workbench.store import Store

pytestmark = pytest.mark.model

ANA = ["corroborates", "corroborates", "contradicts", "related", "disputes_framing", "related"]
BEN = ["corroborates", "related", "contradicts", "related", "disputes_framing", "unrelated"]


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    with Store(settings.db) as store:
        pairs = sorted({r["pair_id"] for r in store.aligned_pairs(max_rank=1)})[: len(ANA)]
        for pair, a, b in zip(pairs, ANA, BEN, strict=True):
            store.add_tag(pair, a, "Ana")
            store.add_tag(pair, b, "Ben")
    return settings


def test_agreement_shows_kappa_for_two_analysts_and_warns_under_30_items(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="agreement")
    table = at.dataframe[0].value
    row = table.iloc[0]
    assert (row["analyst"], row["other analyst"], row["pairs both tagged"]) == ("Ana", "Ben", 6)
    assert row["kappa"] == f"{cohen_kappa_score(ANA, BEN):.2f}"
    assert any("share only 6 tagged pairs" in w.value for w in at.warning)
    assert [m.label for m in at.metric][:3] == ["Analysts", "Pairs tagged", "Tagged by two or more"]
    assert "Disagreements (2)" in [h.value for h in at.subheader]


def test_an_adjudicated_label_is_kept_apart_from_the_analysts_tags(settings) -> None:  # type: ignore[no-untyped-def]
    at = session("Judge", page="agreement")
    with Store(settings.db) as store:
        before = [t.record() for t in store.tags()]
    pair = next(b.key for b in at.button if b.key and b.key.startswith("adj_save_"))
    pair = pair.removeprefix("adj_save_")
    at.selectbox(key=f"adj_label_{pair}").set_value("contradicts")
    at.text_input(key=f"adj_note_{pair}").input("figures differ")
    at.button(key=f"adj_save_{pair}").click().run()
    with Store(settings.db) as store:
        final = store.adjudications()[pair]
        assert (final.label.value, final.adjudicator, final.note) == (
            "contradicts",
            "Judge",
            "figures differ",
        )
        assert [t.record() for t in store.tags()] == before
    assert "final label: Contradicts by Judge" in texts(at)


def test_analyst_names_in_the_warning_are_shown_as_text(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    first = "![Ana](http://127.0.0.1:9/ana.png) Ana"
    second = "Ben http://127.0.0.1:9/ben ben@example.org"
    with Store(settings.db) as store:
        pairs = sorted({r["pair_id"] for r in store.aligned_pairs(max_rank=1)})[:2]
        for pair in pairs:
            store.add_tag(pair, "corroborates", first)
            store.add_tag(pair, "related", second)
    at = session(page="agreement")
    (warning,) = [str(w.value) for w in at.warning]
    live, text = rendered(warning)
    assert live == []
    assert text.startswith(f"{first} and {second} share only 2 tagged pairs")
