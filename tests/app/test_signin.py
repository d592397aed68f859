"""Sign-in, blind tagging and adjudication in the app (AppTest, the real entry script)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import NEO, app_settings, session, texts
from streamlit.testing.v1 import AppTest

from workbench.accounts import Accounts
from workbench.config import Settings
from workbench.store.factory import open_store

pytestmark = pytest.mark.model

PASSWORDS = {"ann": "ann's passphrase", "bob": "bob's passphrase", "judge": "judge passphrase"}
ROLES = {"ann": "analyst", "bob": "analyst", "judge": "adjudicator"}


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    with open_store(settings.db) as store:
        accounts = Accounts(store)
        for name, password in PASSWORDS.items():
            accounts.add(name, ROLES[name], password, actor="test")
    return settings


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def signed_in(name: str, page: str | None = None) -> AppTest:
    at = sign_in(session(analyst=None), name, PASSWORDS[name])
    if page is not None:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def _pairs(at: AppTest) -> list[str]:
    keys = [b.key for b in at.button if b.key and b.key.endswith("_corroborates")]
    return [k.removeprefix("cmp_tag_").removesuffix("_corroborates") for k in keys]


def _neo(at: AppTest) -> AppTest:
    at.selectbox(key="cmp_doc").set_value(NEO).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_stranger_sees_only_the_sign_in_form(settings: Settings) -> None:
    at = session(analyst=None)
    assert [t.label for t in at.text_input] == ["User name", "Password"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert at.text_input(key="signin_password").proto.type == 1  # PASSWORD
    with open_store(settings.db) as store:
        passages = store.passages()
        outlets = {d.meta.outlet for d in store.documents()}
    shown = texts(at)
    assert not any(p.text[:40] in shown for p in passages)
    assert not any(outlet in shown for outlet in outlets)
    assert not at.sidebar.markdown and not at.selectbox
    # no way round it: asking for a page directly shows the form again
    at.switch_page("views/compare.py").run()
    assert [b.label for b in at.button] == ["Sign in"]


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_corpus(
    settings: Settings,
) -> None:
    at = sign_in(session(analyst=None), "ann", "not ann's passphrase")
    assert [e.value for e in at.error] == ["wrong user name or password; try again"]
    assert [b.label for b in at.button] == ["Sign in"]
    at = sign_in(at, "ANN", PASSWORDS["ann"])
    assert "Signed in: ann (analyst)" in " ".join(texts(at).split())
    assert not any(t.label.startswith("Your name") for t in at.text_input)
    at.switch_page("views/compare.py").run()
    assert _pairs(_neo(at)), "the corpus is not shown after sign-in"


def test_the_signed_in_user_is_the_analyst_of_every_tag(settings: Settings) -> None:
    at = _neo(signed_in("ann", "compare"))
    pair = _pairs(at)[0]
    at.session_state["analyst"] = "mallory"  # a forged name in the session is not used
    at.button(key=f"cmp_tag_{pair}_corroborates").click().run()
    with open_store(settings.db) as store:
        assert [(t.pair_id, t.analyst) for t in store.tags()] == [(pair, "ann")]


def test_blind_analysts_see_only_their_own_tags_and_adjudicators_see_all(
    settings: Settings,
) -> None:
    ann = _neo(signed_in("ann", "compare"))
    pair = _pairs(ann)[0]
    ann.button(key=f"cmp_tag_{pair}_corroborates").click().run()
    bob = _neo(signed_in("bob", "compare"))
    bob.button(key=f"cmp_tag_{pair}_contradicts").click().run()
    shown = texts(bob)
    assert "your tag: Contradicts" in shown and "ann: Corroborates" not in shown
    bob.switch_page("views/agreement.py").run()
    assert "Tagging is blind" in texts(bob) and "ann" not in texts(bob)
    assert not [b for b in bob.button if b.key and b.key.startswith("adj_save_")]

    judge = signed_in("judge", "agreement")
    shown = texts(judge)
    assert "ann" in shown and "bob" in shown and "Corroborates" in shown and "Contradicts" in shown
    keys = [b.key for b in judge.button if b.key and b.key.startswith("adj_save_")]
    assert keys[0] == f"adj_save_{pair}"  # the disagreement first
    judge.selectbox(key=f"adj_label_{pair}").set_value("contradicts")
    judge.text_input(key=f"adj_note_{pair}").input("the figures differ")
    judge.button(key=f"adj_save_{pair}").click().run()
    with open_store(settings.db) as store:
        final = store.adjudications()[pair]
    assert (final.label.value, final.adjudicator, final.note) == (
        "contradicts",
        "judge",
        "the figures differ",
    )
    # once adjudicated, the pair's tags are no longer secret
    bob.switch_page("views/compare.py").run()
    assert "ann: Corroborates" in texts(_neo(bob))


def test_an_analyst_cannot_adjudicate_even_by_calling_the_callback(settings: Settings) -> None:
    ann = _neo(signed_in("ann", "compare"))
    pair = _pairs(ann)[0]
    ann.button(key=f"cmp_tag_{pair}_corroborates").click().run()
    bob = _neo(signed_in("bob", "compare"))
    bob.button(key=f"cmp_tag_{pair}_related").click().run()
    judge = signed_in("judge", "agreement")
    assert judge.button(key=f"adj_save_{pair}")
    with open_store(settings.db) as store:
        Accounts(store).set_role("judge", "analyst", actor="test")  # demoted meanwhile
    judge.button(key=f"adj_save_{pair}").click().run()
    with open_store(settings.db) as store:
        assert store.adjudications() == {}
    assert [b.label for b in judge.button] == ["Sign in"]  # the role change signed out


def test_a_signed_out_session_cannot_tag_through_a_stale_page(settings: Settings) -> None:
    at = _neo(signed_in("ann", "compare"))
    pair = _pairs(at)[0]
    with open_store(settings.db) as store:
        Accounts(store).set_password("ann", "a brand new passphrase", actor="test")
    at.button(key=f"cmp_tag_{pair}_corroborates").click().run()
    with open_store(settings.db) as store:
        assert store.tags() == []
    assert [b.label for b in at.button] == ["Sign in"]


def test_sign_out_returns_to_the_form_and_forgets_the_session(settings: Settings) -> None:
    at = signed_in("ann", "compare")
    at.sidebar.button(key="sign_out").click().run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert "signin_password" not in at.session_state or not at.session_state["signin_password"]
    with open_store(settings.db) as store:
        assert store.session_count("ann") == 0


def test_a_blind_analyst_reports_only_on_their_own_tags(settings: Settings) -> None:
    at = signed_in("bob", "report")
    assert at.selectbox(key="rep_analyst").options == ["bob"]
    judge = signed_in("judge", "report")
    assert judge.selectbox(key="rep_analyst").options[0] == "All analysts"


def _tagged_columns(at: AppTest) -> set[str]:
    """Columns of the Overview's tables that count tagged pairs."""
    found: set[str] = set()
    for frame in at.dataframe:
        found |= {str(c) for c in frame.value.columns if str(c).startswith("tagged:")}
    return found


def test_a_blind_analyst_sees_only_counts_of_other_analysts_tags_on_the_overview(
    settings: Settings,
) -> None:
    with open_store(settings.db) as store:
        rows = store.aligned_pairs(doc_id=NEO, max_rank=1)
        first, second = rows[0]["pair_id"], rows[1]["pair_id"]
        store.add_tag(first, "disputes_framing", "bob", "bob's private note")
        store.add_tag(second, "corroborates", "bob")
    ann = signed_in("ann", "overview")
    shown = texts(ann)
    assert "Other analysts' tags not shown: 2 on 2 pairs" in shown
    assert "bob" not in shown
    assert _tagged_columns(ann) == set()  # no relation of bob's tags, not even as counts

    judge = signed_in("judge", "overview")
    assert "not shown" not in texts(judge)
    assert _tagged_columns(judge) == {"tagged: Disputes framing", "tagged: Corroborates"}

    with open_store(settings.db) as store:
        store.add_adjudication(first, "disputes_framing", "judge")
    ann.run()
    assert "Other analysts' tags not shown: 1 on 1 pair " in texts(ann)
    assert _tagged_columns(ann) == {"tagged: Disputes framing"}  # decided: no longer secret


def test_shared_page_caches_filled_by_an_adjudicator_show_a_blind_analyst_no_one_elses_tags(
    settings: Settings,
) -> None:
    """The pages keep corpus-wide figures in caches shared by every session (Compare's
    focus pairs, Overview's suggested counts and silence table, Corpus's pair count): an
    adjudicator, who sees every tag, fills them first; a blind analyst then sees through
    them neither another analyst's labels nor their names, and new tags show at once."""
    with open_store(settings.db) as store:
        rows = store.aligned_pairs(doc_id=NEO, max_rank=1)
        first, second = rows[0]["pair_id"], rows[1]["pair_id"]
        store.add_tag(first, "disputes_framing", "bob", "bob's private note")
    judge = signed_in("judge", "overview")
    assert _tagged_columns(judge) == {"tagged: Disputes framing"}
    for page in ("corpus", "compare"):
        judge.switch_page(f"views/{page}.py").run()
    assert "bob: Disputes framing" in texts(_neo(judge))

    ann = signed_in("ann", "overview")
    assert "bob" not in texts(ann) and _tagged_columns(ann) == set()
    ann.switch_page("views/compare.py").run()
    shown = texts(_neo(ann))
    assert "bob" not in shown and "bob's private note" not in shown

    with open_store(settings.db) as store:  # tags are read live, never from a cache
        store.add_tag(second, "corroborates", "bob")
    judge.switch_page("views/overview.py").run()
    assert _tagged_columns(judge) == {"tagged: Disputes framing", "tagged: Corroborates"}
    ann.switch_page("views/overview.py").run()
    assert "Other analysts' tags not shown: 2 on 2 pairs" in texts(ann)
    assert _tagged_columns(ann) == set()
