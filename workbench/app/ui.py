"""What every page shares: settings, the session's store, the analyst, progress, rendering.

One :class:`~workbench.store.Store` is opened per script run by ``main.py`` and held in a
thread-local, so no SQLite connection is ever shared between Streamlit sessions or threads.
Widget callbacks run before the page script and open their own short-lived store.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from workbench.config import Settings
from workbench.models import Document, Relation
from workbench.store import Store
from workbench.store.factory import open_store
from workbench.views.highlight import CSS, escape

_local = threading.local()
ANALYST = "analyst"
"""Session-state key of the analyst's name, asked once per session."""

LABELS = {
    Relation.CORROBORATES.value: "Corroborates",
    Relation.CONTRADICTS.value: "Contradicts",
    Relation.DISPUTES_FRAMING.value: "Disputes framing",
    Relation.RELATED.value: "Related",
    Relation.UNRELATED.value: "Unrelated",
}
"""Relation labels as analysts read them, in the order the tagging buttons show them."""


def settings() -> Settings:
    """The workbench settings (environment variables set by ``workbench app``)."""
    return Settings.load()


@contextmanager
def session_store() -> Iterator[Store]:
    """Open the store for this script run; pages reach it with :func:`store`."""
    opened = open_store(settings().db)
    _local.store = opened
    try:
        yield opened
    finally:
        _local.store = None
        opened.close()


def store() -> Store:
    """The store of the current script run."""
    current = getattr(_local, "store", None)
    if current is None:
        raise RuntimeError("no store is open: pages run inside main.py's session_store()")
    return current


@contextmanager
def callback_store() -> Iterator[Store]:
    """A store for a widget callback, which runs before the page script opens its own."""
    with open_store(settings().db) as opened:
        yield opened


KEPT_WIDGETS = re.compile(
    r"^(cmp_(focus_by|doc|outlet|with_.*|tagged|order|score|rank|relations|framing|sections_.*"
    r"|auto)|search_(mode|query|outlets|kinds|from|to)|ov_(outlets|silent|source)"
    r"|rep_(focus|relation|analyst|tagged|format))$"
)
"""Choices that must survive a visit to another page (Streamlit forgets a widget's value when
the widget is not drawn in a run, so the analyst would lose their place)."""


def keep_choices() -> None:
    """Re-assign kept widget values so Streamlit does not clean them up on other pages."""
    for key in [k for k in st.session_state if isinstance(k, str) and KEPT_WIDGETS.match(k)]:
        st.session_state[key] = st.session_state[key]


def analyst() -> str:
    """The analyst's name for this session ('' until given)."""
    return str(st.session_state.get(ANALYST, ""))


def style() -> None:
    """The highlight stylesheet; fixed text, no data in it."""
    st.markdown(CSS, unsafe_allow_html=True)


def html_block(parts: list[str]) -> None:
    """Show pre-escaped HTML pieces (built with :func:`workbench.views.highlight.escape`)."""
    st.markdown("".join(parts), unsafe_allow_html=True)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:<>])")
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
"""Invisible, zero-width and unbreakable: put where a bare URL would otherwise become a link."""


def plain(text: str) -> str:
    """Text shown literally by Streamlit's Markdown elements (``st.error``, ``st.warning``,
    ``st.info``, ``st.write``): every character Markdown would act on is backslash-escaped.

    GitHub-flavoured Markdown also turns bare ``http://`` and ``www.`` addresses and e-mail
    addresses into links, after escapes are undone, so no escape stops it: a word joiner is
    put after the scheme's colon, after ``www`` and before ``@`` instead. Text that must be
    exact (passages) goes through :func:`html_block` and :func:`~workbench.views.highlight.escape`.
    """
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, text))


def doc_label(doc: Document, width: int = 70) -> str:
    """How a document is named in selectors: outlet, title (cut) and date."""
    title = doc.meta.title or doc.id
    if len(title) > width:
        title = title[: width - 1] + "…"
    date = f" ({doc.date})" if doc.date else ""
    return f"{doc.meta.outlet} — {title}{date}"


def meta_line(*items: str) -> str:
    """A grey line of escaped metadata items separated by dots, as HTML."""
    shown = " · ".join(escape(i) for i in items if i)
    return f'<div style="color:#666;font-size:0.85rem">{shown}</div>'


def flash(message: str, kind: str = "success") -> None:
    """Queue a message for the next run (callbacks cannot draw)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        if kind == "error":
            st.error(message)
        else:
            st.toast(message)


def progress_text(description: str, done: int, total: int) -> str:
    """A progress bar's label: ``embedding: 3 of 10``, or ``loading the model…`` for a
    single step, which has no count worth showing."""
    if total == 1:
        return f"{description}…"
    return f"{description}: {done} of {total}"


class _Task:
    def __init__(self, bar: Any, description: str, total: int) -> None:
        self.bar, self.description, self.total, self.done = bar, description, total, 0

    def advance(self, n: int = 1) -> None:
        self.done += n
        fraction = min(1.0, self.done / self.total) if self.total else 1.0
        self.bar.progress(fraction, text=progress_text(self.description, self.done, self.total))


class StreamlitReporter:
    """Progress of library stages as ``st.progress`` bars, removed when each is done."""

    def __init__(self, container: Any = None) -> None:
        self.container = container

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[_Task]:
        where = self.container if self.container is not None else st
        bar = where.progress(0.0, text=progress_text(description, 0, total))
        try:
            yield _Task(bar, description, total)
        finally:
            bar.empty()
