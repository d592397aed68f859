"""The Overview page: relations by source and section, and what each source never addresses."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import AMNESTY, NEO, app_settings, rendered, session, texts

from workbench.config import Settings
from workbench.store import Store
from workbench.views.overview import unaddressed

pytestmark = pytest.mark.model


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return app_settings(tmp_path, tmp_path_factory, monkeypatch)


def test_tagged_relations_are_charted_by_source_and_section(settings) -> None:  # type: ignore[no-untyped-def]
    with Store(settings.db) as store:
        rows = store.aligned_pairs(doc_id=NEO, max_rank=1)
        store.add_tag(rows[0]["pair_id"], "disputes_framing", "Ana")
        store.add_tag(rows[1]["pair_id"], "corroborates", "Ana")
    at = session(page="overview")
    assert not at.exception
    assert at.get("vega_lite_chart"), "no chart"
    counts = at.dataframe[0].value
    neo = counts.loc["New Eastern Outlook"]
    assert neo["tagged: Disputes framing"].sum() == 1
    assert neo["tagged: Corroborates"].sum() == 1


def test_suggested_relations_are_counted_apart_from_tagged_ones(settings) -> None:  # type: ignore[no-untyped-def]
    from workbench.views.evidence import suggested_relations

    with Store(settings.db) as store:
        suggested = suggested_relations(store)
        pair = next(pid for pid, rel in suggested.items() if rel == "corroborates")
        store.add_tag(pair, "contradicts", "Ana")
    at = session(page="overview")
    counts = at.dataframe[0].value
    assert "tagged: Contradicts" in counts.columns
    assert counts["tagged: Contradicts"].sum() == 2  # one pair, counted for both its sources
    shown = {
        rel
        for rel in suggested.values()
        if rel in ("corroborates", "contradicts", "disputes_framing")
    }
    assert {c for c in counts.columns if c.startswith("suggested: ")} == {
        f"suggested: {ui_label}"
        for ui_label in [
            {
                "corroborates": "Corroborates",
                "contradicts": "Contradicts",
                "disputes_framing": "Disputes framing",
            }[r]
            for r in shown
        ]
    }
    expected = sum(1 for rel in suggested.values() if rel == "corroborates")
    assert counts["suggested: Corroborates"].sum() == 2 * expected


def test_claims_a_source_never_addresses_are_listed(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="overview")
    at.selectbox(key="ov_silent").set_value(AMNESTY).run()
    at.selectbox(key="ov_source").set_value(NEO).run()
    gaps = at.dataframe[-1].value
    with Store(settings.db) as store:
        expected = unaddressed(store, silent_doc=AMNESTY, source_doc=NEO)
    assert len(gaps) == len(expected) > 0
    assert list(gaps["text"]) == list(expected["text"])
    assert f"{len(expected)} passages that Amnesty International" in " ".join(texts(at).split())


def test_a_hostile_outlet_and_title_are_shown_as_text(settings) -> None:  # type: ignore[no-untyped-def]
    outlet = "Wire http://127.0.0.1:9/o <img src=x onerror=alert(1)>"
    title = "![t](http://127.0.0.1:9/t.png) **Report** www.example.org"
    with Store(settings.db) as store, store.write() as conn:
        conn.execute(
            "UPDATE documents SET outlet = ?, title = ? WHERE id = ?", (outlet, title, AMNESTY)
        )
    at = session(page="overview")
    at.selectbox(key="ov_silent").set_value(AMNESTY).run()
    (line,) = [str(m.value) for m in at.markdown if "never addresses" in str(m.value)]
    live, text = rendered(line)
    assert live == []
    assert text.endswith(f"passages that {outlet} ({title}) never addresses.")
