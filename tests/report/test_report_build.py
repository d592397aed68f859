"""What a report holds and how the scope options narrow it, on a real SQLite store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS

from workbench.errors import InvalidInput, NotFound, NothingToDo
from workbench.ingest.batch import ingest_paths
from workbench.report import ReportScope, build_report, preview_markdown, render_report
from workbench.store import Store

from .conftest import FIXED, Bundled, align_folder, make_settings


def _build(store: Store, bundled: Bundled, **scope: object):
    return build_report(store, bundled.settings, ReportScope(**scope), provenance=FIXED)


def _pair_ids(report) -> set[str]:
    return set(report.counterparts["pair_id"])


def test_default_report_holds_best_pairs_above_threshold_and_every_tagged_pair(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled)
    tagged = {t.pair_id for t in bundled_store.tags()}
    assert _pair_ids(report) == set(bundled.top_pairs) | tagged
    assert bundled.low_pair in _pair_ids(report)


def test_every_citation_points_at_the_exact_words(bundled: Bundled, bundled_store: Store) -> None:
    report = _build(bundled_store, bundled)
    texts = {d.id: d.text for d in bundled_store.documents()}
    claims = list(report.claims())
    assert claims
    for claim in claims:
        for passage in [claim["passage"], *(c["passage"] for c in claim["counterparts"])]:
            assert texts[passage["doc"]][passage["start"] : passage["end"]] == passage["text"]
            assert f"characters {passage['start']}–{passage['end']}" in passage["citation"]
        for c in claim["counterparts"]:
            for entry in c["specifics"]["shared"] + c["specifics"]["conflicting"]:
                for side, p in (("a", claim["passage"]), ("b", c["passage"])):
                    item = entry[side]
                    assert texts[p["doc"]][item["start"] : item["end"]] == item["text"]


def test_without_focus_each_pair_is_seen_from_both_passages(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled)
    directed = report.counterparts
    assert len(directed) == 2 * directed["pair_id"].nunique()
    assert len(report.pairs) == directed["pair_id"].nunique()
    assert (directed["a_doc"] != directed["b_doc"]).all()


def test_focus_on_an_outlet_makes_its_passages_the_claims(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled, focus="new eastern outlook")
    focus_doc = "003_9370619d500f480d"
    assert report.focus_docs == [focus_doc]
    assert set(report.counterparts["a_doc"]) == {focus_doc}
    assert focus_doc not in set(report.counterparts["b_doc"])
    full = _build(bundled_store, bundled)
    expected = set(full.counterparts.loc[full.counterparts["a_doc"] == focus_doc, "pair_id"])
    assert _pair_ids(report) == expected
    gaps = report.unaddressed
    assert ((gaps["silent_doc"] == focus_doc) | (gaps["a_doc"] == focus_doc)).all()
    assert len(gaps) < len(full.unaddressed)


def test_focus_on_a_document_id_and_on_an_unknown_name(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled, focus="002_de4ac8e5358793a0")
    assert report.focus_docs == ["002_de4ac8e5358793a0"]
    with pytest.raises(NotFound) as error:
        _build(bundled_store, bundled, focus="Pravda")
    assert str(error.value) == (
        "no document or outlet 'Pravda'; outlets are Amnesty International, Human Rights "
        "Watch, New Eastern Outlook and `workbench documents` lists the document ids"
    )


def test_relation_keeps_pairs_an_analyst_or_adjudicator_gave_that_label(
    bundled: Bundled, bundled_store: Store
) -> None:
    top = bundled.top_pairs
    assert _pair_ids(_build(bundled_store, bundled, relation="contradicts")) == {top[1]}
    assert _pair_ids(_build(bundled_store, bundled, relation="Corroborates")) == {top[0]}
    # Ana's first tag on top[2] ("related") was superseded by her later one.
    assert _pair_ids(_build(bundled_store, bundled, relation="related")) == {top[1]}
    with pytest.raises(InvalidInput) as error:
        _build(bundled_store, bundled, relation="agrees")
    assert str(error.value) == (
        "unknown relation 'agrees'; use one of corroborates, contradicts, disputes_framing, "
        "related, unrelated"
    )


def test_tagged_only_and_analyst_scope(bundled: Bundled, bundled_store: Store) -> None:
    top, low = bundled.top_pairs, bundled.low_pair
    assert _pair_ids(_build(bundled_store, bundled, tagged_only=True)) == {*top[:3], low}
    ana = _build(bundled_store, bundled, analyst="Ana", tagged_only=True)
    assert _pair_ids(ana) == set(top[:3])  # top[1] is also adjudicated
    shown = {t.analyst for tags_ in ana.tags_by_pair.values() for t in tags_}
    assert shown == {"Ana"}
    assert ana.relations.set_index("relation")["tags"].to_dict() == {
        "corroborates": 1,
        "contradicts": 1,
        "disputes_framing": 1,
        "related": 0,
        "unrelated": 0,
    }
    with pytest.raises(NotFound) as error:
        _build(bundled_store, bundled, analyst="Zoe")
    assert str(error.value) == "no tags by analyst 'Zoe'; analysts are Ana, Ben"


def test_summary_counts_tags_apart_from_adjudications_and_measures_agreement(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled)
    relations = report.relations.set_index("relation")
    assert relations["tags"].to_dict() == {
        "corroborates": 2,
        "contradicts": 1,
        "disputes_framing": 1,
        "related": 1,
        "unrelated": 1,
    }
    assert relations["adjudicated"].to_dict()["contradicts"] == 1
    assert relations["suggested"].sum() == 0
    agreement = report.agreement
    assert agreement["pairs_tagged"] == 4
    assert agreement["multiply_tagged"] == 2
    assert agreement["observed"] == 0.5
    # one pair both call corroborates, one they label differently: kappa (0.5 - 0.25) /
    # (1 - 0.25); alpha 1 - (4 - 1) * 2 / 10 from the coincidence matrix
    assert agreement["by_pair_of_analysts"] == [
        {
            "first": "Ana",
            "second": "Ben",
            "shared": 2,
            "agreed": 1,
            "observed": 0.5,
            "kappa": 0.3333,
            "enough": False,
        }
    ]
    assert agreement["alpha"] == 0.4
    assert agreement["disagreements"] == 1
    assert agreement["min_shared"] == 30


def test_sources_say_how_much_of_each_is_aligned(bundled: Bundled, bundled_store: Store) -> None:
    report = _build(bundled_store, bundled)
    rows = bundled_store.coverage()
    for source in report.sources.to_dict("records"):
        own = [r for r in rows if r["source_doc"] == source["doc"]]
        passages = {r["passage_id"] for r in own}
        aligned = {r["passage_id"] for r in own if r["addressed"]}
        assert source["passages"] == len(passages)
        assert source["aligned"] == len(aligned)
        for other in report.coverage.columns:
            if other == source["doc"]:
                continue
            mine = [r for r in own if r["doc_id"] == other]
            share = sum(r["addressed"] for r in mine) / len(mine)
            assert report.coverage.at[source["doc"], other] == pytest.approx(share, abs=1e-4)


def test_unaddressed_lists_every_gap_of_the_coverage_table(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled)
    gaps = {(r["passage_id"], r["doc_id"]) for r in bundled_store.coverage(addressed=False)}
    listed = {(g["passage"]["passage_id"], g["silent_doc"]) for g in report.unaddressed_records()}
    assert listed == gaps
    assert report.counts()["unaddressed"] == len(gaps)


def test_methods_cite_hashes_model_and_settings(bundled: Bundled, bundled_store: Store) -> None:
    report = _build(bundled_store, bundled)
    methods = report.methods
    assert methods["generated_at"] == FIXED.generated_at
    assert methods["software"] == {"name": "workbench", "version": FIXED.version}
    assert methods["alignment"]["model"] == "fake/hashing-64"
    assert methods["alignment"]["threshold"] == bundled.settings.threshold
    assert methods["alignment"]["recorded"] is True
    assert methods["alignment"]["up_to_date"] is True
    hashes = {d["doc"]: d["content_sha256"] for d in methods["documents"]}
    assert hashes == {d.id: d.content_hash for d in bundled_store.documents()}


def test_methods_say_when_passages_changed_since_alignment(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    with align_folder(settings, corpus) as store:
        target = corpus / "004_a46ea01ca1f6a4b8.txt"
        target.write_text(
            target.read_text(encoding="utf-8") + "\n\nA new closing paragraph.\n", encoding="utf-8"
        )
        ingest_paths(store, [corpus], settings=settings)
        report = build_report(store, settings, provenance=FIXED)
    assert report.methods["alignment"]["up_to_date"] is False


def test_a_store_without_alignments_says_what_to_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Store(settings.db) as store:
        ingest_paths(store, [CORPUS], settings=settings)
        with pytest.raises(NothingToDo) as error:
            build_report(store, settings)
    assert str(error.value) == "nothing aligned yet; run `workbench align` first"


def test_preview_shows_the_first_claims_and_counts_the_rest(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled)
    preview = preview_markdown(report, max_claims=2)
    full = render_report(report, "md").decode("utf-8")
    assert len(re.findall(r"^### \d+\. ", preview, flags=re.MULTILINE)) == 2
    assert f"… and {report.counts()['claims'] - 2} more claims in the full report." in preview
    assert len(re.findall(r"^### \d+\. ", full, flags=re.MULTILINE)) == report.counts()["claims"]
    assert preview.split("## Claims")[0] == full.split("## Claims")[0]
    assert (
        preview.split("## Claims a source never addresses")[1]
        == full.split("## Claims a source never addresses")[1]
    )


def test_methods_export_the_audit_trail_of_the_reports_documents_and_pairs(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled, focus=bundled_store.documents()[0].id)
    trail = report.methods["audit"]
    ingested = [e for e in trail if e["action"] == "document.ingest"]
    assert {e["subject"] for e in ingested} == {d.id for d in bundled_store.documents()}
    assert {e["actor"] for e in ingested} == {"cli:tester"}
    assert all("/" not in e["detail"]["source"] for e in ingested)  # no server paths
    judged = {e["subject"] for e in trail if e["action"].startswith(("tag", "adjudicate"))}
    assert judged and judged <= _pair_ids(report)
    assert [e["at"] for e in trail] == sorted(e["at"] for e in trail)


def test_a_report_scoped_to_one_analyst_shows_no_one_elses_tags_in_its_audit_trail(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = _build(bundled_store, bundled, analyst="Ben")
    actors = {e["actor"] for e in report.methods["audit"] if e["action"].startswith("tag")}
    assert actors == {"Ben"}
    for fmt in ("md", "html", "json", "xlsx"):
        assert b"Both give the same figure" not in render_report(report, fmt)  # Ana's note


def test_claims_list_their_techniques_and_methods_state_the_detectors_accuracy(
    bundled: Bundled, tmp_path: Path
) -> None:
    import json

    from workbench.store.suggestions import StoredFraming
    from workbench.suggest import framing

    settings = make_settings(tmp_path)
    with Store(bundled.settings.db) as source:
        source.backup(settings.db)
    with Store(settings.db) as store:
        claim = next(_build(store, bundled).claims())["passage"]
        offset, text = claim["start"], claim["text"]
        cue = framing.Cue("technique", 4, 30, text[4:30], 0.0, "Loaded_Language", 0.613, "model")
        with store.write():
            store.replace_framing(
                [StoredFraming(claim["passage_id"], [cue.record()], 0.0, False, framing.VERSION)]
            )
        report = _build(store, bundled)
        markdown = render_report(report, "md").decode("utf-8")
        html = render_report(report, "html").decode("utf-8")
    assert "Framing cues: techniques: Loaded\\_Language 61%" in markdown
    stored = next(report.claims())["cues"]["cues"][0]
    assert (stored["start"], stored["end"], stored["source"]) == (offset + 4, offset + 30, "model")
    assert '<mark class="technique" title="Loaded_Language 61% (model)">' in html
    card = json.loads(framing.DETECTOR_CARD.read_text())
    f1 = card["cross_validation"]["sentence"]["any"]["f1"]
    assert f"sentence-level F1 {f1:.3f} for any technique" in report.methods["stages"]["framing"]
    assert f"F1 {f1:.3f}" in markdown.split("## Methods")[-1]
