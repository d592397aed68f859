import pytest
from sklearn.metrics import cohen_kappa_score

from workbench.models import Relation, Tag
from workbench.views.agreement import agreement_report, cohen_kappa, krippendorff_alpha


def _tag(n: int, pair: str, analyst: str, label: str) -> Tag:
    return Tag(n, pair, "a", "b", Relation(label), analyst, "", f"t{n}")


def test_kappa_matches_scikit_learn() -> None:
    first = ["corroborates", "contradicts", "related", "related", "corroborates", "unrelated"]
    second = ["corroborates", "related", "related", "related", "contradicts", "unrelated"]
    assert cohen_kappa(first, second) == pytest.approx(cohen_kappa_score(first, second))


def test_kappa_is_undefined_without_items_and_perfect_when_all_agree_on_one_label() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["related"] * 3, ["related"] * 3) == 1.0


def test_alpha_reproduces_krippendorffs_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal data: 0.743
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    units: dict[int, dict[str, int]] = {}
    for coder, values in rows.items():
        for unit, value in enumerate(values):
            if value is not None:
                units.setdefault(unit, {})[coder] = value
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)


def test_report_uses_each_analysts_latest_tag_and_lists_disagreements() -> None:
    tags = [
        _tag(1, "p1", "ana", "related"),
        _tag(2, "p1", "ana", "corroborates"),  # replaces ana's first tag on p1
        _tag(3, "p1", "ben", "corroborates"),
        _tag(4, "p2", "ana", "contradicts"),
        _tag(5, "p2", "ben", "corroborates"),
        _tag(6, "p3", "ana", "unrelated"),
    ]
    report = agreement_report(tags)
    assert report.analysts == {"ana": 3, "ben": 2}
    (pair,) = report.pairs
    assert (pair.first, pair.second, pair.shared, pair.agreed) == ("ana", "ben", 2, 1)
    assert pair.kappa == pytest.approx(
        cohen_kappa_score(["corroborates", "contradicts"], ["corroborates", "corroborates"])
    )
    assert not pair.enough
    assert [(d.pair_id, d.labels) for d in report.disagreements] == [
        ("p2", {"ana": "contradicts", "ben": "corroborates"})
    ]
    assert report.items == 3 and report.multiply_tagged == 2
