"""Run workbench stages in this (audited) process: CLI commands, tags, and the app.

``python steps.py STEPS_JSON`` where each step is a CLI argument list, ``["@tag", N]`` (two
analysts tag the first N aligned pairs through ``workbench tag``, differently), or
``["@app"]`` (every page of the app in AppTest, with a name, a report built on the Report
page, and a search by meaning).
"""

from __future__ import annotations

import json
import sys


def cli(args: list[str]) -> None:
    from workbench.cli import main

    try:
        main.main(args=args, standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


def tag(n: int) -> None:
    from workbench.config import Settings
    from workbench.store import Store

    with Store(Settings.load().db) as store:
        pairs = sorted({r["pair_id"] for r in store.aligned_pairs(max_rank=1)})[:n]
    for i, pair in enumerate(pairs):
        cli(["tag", pair, ["corroborates", "contradicts", "related"][i % 3], "--analyst", "Ana"])
        cli(["tag", pair, ["corroborates", "unrelated"][i % 2], "--analyst", "Ben"])


def app() -> None:
    from streamlit.testing.v1 import AppTest

    from workbench.app import APP_SCRIPT

    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=300)
    at.session_state["analyst"] = "Ana"
    at.run()
    for page in ("compare", "corpus", "overview", "agreement", "report", "search"):
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        if page == "report":
            at.button(key="rep_build").click().run()
            assert at.metric, "no report was built"
    at.radio(key="search_mode").set_value("meaning").run()
    at.text_input(key="search_query").input("executions at the border").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("passages" in str(c.value) for c in at.caption), "the search found nothing"


if __name__ == "__main__":
    for step in json.loads(sys.argv[1]):
        if step[0] == "@tag":
            tag(int(step[1]))
        elif step[0] == "@app":
            app()
        else:
            cli(step)
