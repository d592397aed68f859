"""Specifics in a text: numbers (with what they count), dates, names and negations.

Alignment uses them as evidence that two passages report the same event; the comparison of
an aligned pair uses them to show what is shared and what conflicts. Offsets are relative to
the text given, so callers add the passage's start to cite the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DATE_PATTERNS = [
    # 22 June 2020, 22 June
    (
        re.compile(
            rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})"
            rf"(?:\s+(?P<y>(?:1[89]|20)\d\d))?\b"
        ),
        "dmy",
    ),
    # June 22, 2020; June 22
    (
        re.compile(
            rf"\b(?P<m>{_MONTH})\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\b(?!\s*(?:%|percent))"
            rf"(?:,?\s+(?P<y>(?:1[89]|20)\d\d)\b)?"
        ),
        "mdy",
    ),
    # June 2020
    (re.compile(rf"\b(?P<m>{_MONTH})\s+(?:of\s+)?(?P<y>(?:1[89]|20)\d\d)\b"), "my"),
    # 2020-06-22
    (re.compile(r"\b(?P<y>(?:1[89]|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"), "iso"),
    # 22.06.2020 or 22/06/2020 (day first, as outside the US)
    (re.compile(r"\b(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>(?:1[89]|20)\d\d)\b"), "dmy"),
    # a bare month: "in June", "from January to September"
    (
        re.compile(
            r"\b(?P<m>January|February|March|April|June|July|August|September|October|"
            r"November|December)\b"
        ),
        "m",
    ),
    # a bare year
    (
        re.compile(
            r"(?<![\d$€£.,])(?<![A-Za-z]-)(?P<y>(?:1[89]|20)\d\d)s?(?![\d%]|\s*(?:%|percent|km|kilo))"
        ),
        "y",
    ),
]

_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_WORD_NUMBERS.update(
    {
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
        "hundred": 100,
        "dozen": 12,
    }
)
_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "mln": 1e6,
    "bn": 1e9,
    "m": 1e6,
    "k": 1e3,
}
_WORD_NUMBER = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s]"
    r"(?:one|two|three|four|five|six|seven|eight|nine))?|zero|one|two|three|four|"
    r"five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|hundred|dozen)"
)
_NUMBER = re.compile(
    rf"(?P<cur>[$€£]|US\$)?\s?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    rf"\b{_WORD_NUMBER}\b)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|mln|bn)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|to|and|or)\s*$", re.IGNORECASE)
_UNITS = {
    "km": "km",
    "kilometer": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometres": "km",
    "m": "m",
    "meter": "m",
    "meters": "m",
    "metre": "m",
    "metres": "m",
    "mile": "mile",
    "miles": "mile",
    "kg": "kg",
    "tons": "tonne",
    "tonnes": "tonne",
    "dollars": "usd",
    "usd": "usd",
    "won": "krw",
    "yuan": "cny",
    "euros": "eur",
    "percent": "%",
}
_COUNT_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "at",
        "to",
        "from",
        "for",
        "by",
        "with",
        "and",
        "or",
        "but",
        "as",
        "than",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "do",
        "did",
        "does",
        "not",
        "no",
        "into",
        "over",
        "under",
        "about",
        "between",
        "during",
        "after",
        "before",
        "since",
        "until",
        "while",
        "per",
        "each",
        "every",
        "its",
        "their",
        "his",
        "her",
        "our",
        "this",
        "these",
        "those",
        "it",
        "they",
        "he",
        "she",
        "we",
        "you",
        "i",
        "more",
        "less",
    ]
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|none|nobody|nothing|without|cannot|denied|denies|deny|"
    r"refused|refuses|refuse|rejected|rejects|failed to|fails to)\b|n't\b",
    re.IGNORECASE,
)
_NAME_CONNECTORS = frozenset({"of", "the", "for", "on", "de", "del", "van", "von", "al"})
_NAME_STOP = frozenset(
    [
        "The",
        "A",
        "An",
        "On",
        "In",
        "At",
        "As",
        "By",
        "For",
        "From",
        "To",
        "Of",
        "And",
        "Or",
        "But",
        "If",
        "When",
        "While",
        "Since",
        "After",
        "Before",
        "During",
        "This",
        "That",
        "These",
        "Those",
        "It",
        "Its",
        "They",
        "Their",
        "He",
        "His",
        "She",
        "Her",
        "We",
        "Our",
        "You",
        "Your",
        "I",
        "There",
        "Here",
        "However",
        "Although",
        "Though",
        "Despite",
        "Thus",
        "Also",
        "Such",
        "Some",
        "Many",
        "Most",
        "Several",
        "Other",
        "Others",
        "Meanwhile",
        "Moreover",
        "Furthermore",
        "Nevertheless",
        "Instead",
        "Still",
        "Yet",
        "Even",
        "Only",
        "Just",
        "Both",
        "Each",
        "Every",
        "All",
        "Any",
        "No",
        "Not",
        "Nor",
        "Then",
        "Than",
        "So",
        "Of",
        "Course",
        "Naturally",
        "According",
        "Under",
        "Over",
        "Through",
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
    ]
)
_TOKEN = re.compile(r"[\w’'-]+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Specific:
    """One specific found in a text.

    ``value`` is normalised so that equal specifics compare equal: numbers as a plain
    decimal (``"195"``, ``"3000000"``; ranges as ``"1-2"``), dates as ISO with unknown parts
    left out (``"2020-06-22"``, ``"--06-22"`` without a year, ``"2020"``), names lowercased.
    ``unit`` says what a number counts or measures (``"km"``, ``"north koreans"``, ``"%"``).
    """

    kind: str
    value: str
    start: int
    end: int
    text: str
    unit: str = ""

    def keys(self) -> list[str]:
        """Match keys: a date without a year still matches the same day with one."""
        if self.kind != "date":
            return [f"{self.kind}:{self.value}"]
        y, m, d = _date_parts(self.value)
        keys = [f"date:{self.value}"]
        if m and d:
            keys.append(f"date:--{m}-{d}")
        if y and m:
            keys.append(f"date:{y}-{m}")
        return keys


def _date_parts(value: str) -> tuple[str, str, str]:
    if value.startswith("--"):
        m, _, d = value[2:].partition("-")
        return "", m, d
    parts = [*value.split("-"), "", ""]
    return parts[0], parts[1], parts[2]


def _month_number(token: str) -> int:
    return MONTHS.get(token.lower().rstrip("."), 0)


def find_dates(text: str) -> list[Specific]:
    """Dates, most specific pattern first; later patterns skip spans already taken."""
    taken = [False] * (len(text) + 1)
    found: list[Specific] = []
    for pattern, form in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            groups = match.groupdict()
            y = groups.get("y") or ""
            m = groups.get("m") or ""
            d = groups.get("d") or ""
            if form == "dmy" and m.isdigit():
                month = int(m)
            elif m:
                month = _month_number(m)
            else:
                month = 0
            if (m and not 1 <= month <= 12) or (d and not 1 <= int(d) <= 31):
                continue
            mm = f"{month:02d}" if month else ""
            dd = f"{int(d):02d}" if d else ""
            if y and mm and dd:
                value = f"{y}-{mm}-{dd}"
            elif mm and dd:
                value = f"--{mm}-{dd}"
            elif y and mm:
                value = f"{y}-{mm}"
            elif mm:
                value = f"--{mm}"
            else:
                value = y
            found.append(Specific("date", value, start, end, text[start:end]))
            for i in range(start, end):
                taken[i] = True
    return sorted(found, key=lambda s: s.start)


def _number_value(match: re.Match[str]) -> float | None:
    raw = match.group("num").lower().replace(",", "")
    if raw[0].isdigit():
        value = float(raw)
    else:
        value = 0.0
        for part in re.split(r"[-\s]", raw):
            value += _WORD_NUMBERS.get(part, 0)
        if raw == "hundred":
            value = 100.0
    scale = match.group("scale")
    if scale:
        value *= _SCALES[scale.lower()]
    return value


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _counted(text: str, end: int) -> tuple[str, int]:
    """What a number counts: the unit or up to two nouns after it, and where that ends."""
    words = list(re.finditer(r"[A-Za-z][\w’'-]*|%|[^\w\s]", text[end : end + 80]))
    kept: list[str] = []
    stop = end
    for word in words:
        token = word.group().lower()
        if token in _UNITS or token.rstrip("s") in _UNITS:
            if kept:
                break
            return _UNITS.get(token, _UNITS.get(token.rstrip("s"), token)), end + word.end()
        if not token[0].isalpha() or token in _COUNT_STOP:
            break
        kept.append(token.strip("’'"))
        stop = end + word.end()
        if len(kept) == 2:
            break
    return " ".join(kept), stop


def find_numbers(text: str, dates: list[Specific] | None = None) -> list[Specific]:
    """Numbers that are not part of a date, with ranges ("one to two", "2-15") joined."""
    dates = find_dates(text) if dates is None else dates
    in_date = [False] * (len(text) + 1)
    for date in dates:
        for i in range(date.start, date.end):
            in_date[i] = True
    raw: list[tuple[int, int, float, str]] = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        if start >= end or any(in_date[start:end]):
            continue
        if text[max(0, start - 1) : start].isalpha() or (
            text[end : end + 1].isalpha()
            and text[end : end + 2].lower() not in {"km", "kg"}
            and text[end : end + 1] != "m"
        ):
            continue  # part of a word or an identifier such as "COVID-19" handled below
        if text[max(0, start - 1) : start] == "-" and text[max(0, start - 2) : start - 1].isalpha():
            continue  # "COVID-19"
        value = _number_value(match)
        if value is None:
            continue
        unit = ""
        if match.group("cur"):
            unit = {"$": "usd", "us$": "usd", "€": "eur", "£": "gbp"}[match.group("cur").lower()]
        if match.group("pct"):
            unit = "%"
        raw.append((start, end, value, unit))
    found: list[Specific] = []
    i = 0
    while i < len(raw):
        start, end, value, unit = raw[i]
        high = None
        if i + 1 < len(raw) and _RANGE_JOIN.match(text[end : raw[i + 1][0]]):
            # "between 2 and 15", "one to two", "50 thousand to 3 million"
            joiner = text[end : raw[i + 1][0]].strip().lower()
            if joiner != "and" or re.search(r"between\s*$", text[max(0, start - 10) : start]):
                _, end, high, unit2 = raw[i + 1]
                unit = unit or unit2
                i += 1
        counted, count_end = _counted(text, end)
        unit = unit or counted
        if (unit == "usd" and counted in {"usd"}) or (
            unit and unit == counted and unit in _UNITS.values()
        ):
            end = count_end
        value_text = _format_number(value) + (
            f"-{_format_number(high)}" if high is not None else ""
        )
        found.append(Specific("number", value_text, start, end, text[start:end], unit=unit))
        i += 1
    return found


def find_names(text: str, dates: list[Specific] | None = None) -> list[Specific]:
    """Runs of capitalised words (people, places, organisations), not sentence openers alone."""
    dates = find_dates(text) if dates is None else dates
    tokens = [
        t for t in _TOKEN.finditer(text) if not any(d.start <= t.start() < d.end for d in dates)
    ]
    found: list[Specific] = []
    i = 0
    while i < len(tokens):
        word = tokens[i].group()
        if not _is_capitalised(word):
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            nxt = tokens[j].group()
            if _is_capitalised(nxt) and nxt not in _NAME_STOP:
                j += 1
            elif (
                nxt.lower() in _NAME_CONNECTORS
                and j + 1 < len(tokens)
                and _is_capitalised(tokens[j + 1].group())
                and tokens[j + 1].group() not in _NAME_STOP
            ):
                j += 2
            else:
                break
        span_words = [t.group() for t in tokens[i:j]]
        while span_words and span_words[0] in _NAME_STOP:
            span_words.pop(0)
            i += 1
        if span_words:
            opener = i == 0 or tokens[i - 1].group() in {".", "!", "?", "“", '"', ":"}
            single = len(span_words) == 1
            if not (single and opener and not span_words[0].isupper()):
                start, end = tokens[i].start(), tokens[j - 1].end()
                found.append(
                    Specific("name", _normalise_name(text[start:end]), start, end, text[start:end])
                )
        i = max(j, i + 1)
    return found


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() and any(ch.isalpha() for ch in word)


def _normalise_name(name: str) -> str:
    name = re.sub(r"[’']s$", "", name)
    name = name.replace("-", " ").replace("’", "'").lower()
    name = re.sub(r"^the\s+", "", name)
    return " ".join(name.split())


def find_negations(text: str) -> list[Specific]:
    return [
        Specific("negation", m.group().lower(), m.start(), m.end(), m.group())
        for m in _NEGATION.finditer(text)
    ]


@lru_cache(maxsize=65536)
def extract(text: str) -> tuple[Specific, ...]:
    """All specifics in ``text``, in order of position."""
    dates = find_dates(text)
    items = dates + find_numbers(text, dates) + find_names(text, dates) + find_negations(text)
    return tuple(sorted(items, key=lambda s: (s.start, s.kind)))


def match_keys(text: str, kinds: tuple[str, ...] = ("number", "date", "name")) -> list[str]:
    """Keys for the specifics of ``text`` (with name words too), for overlap measures."""
    keys: list[str] = []
    for item in extract(text):
        if item.kind not in kinds:
            continue
        keys.extend(item.keys())
        if item.kind == "name":
            keys.extend(f"word:{w}" for w in item.value.split() if w not in _NAME_CONNECTORS)
    return keys


# -- what a name names ------------------------------------------------------------------

_ORG_WORDS = frozenset(
    [
        "ministry",
        "council",
        "committee",
        "commission",
        "department",
        "office",
        "organization",
        "organisation",
        "agency",
        "assembly",
        "union",
        "party",
        "watch",
        "international",
        "institute",
        "institution",
        "court",
        "bank",
        "fund",
        "group",
        "association",
        "center",
        "centre",
        "foundation",
        "nations",
        "army",
        "navy",
        "police",
        "government",
        "senate",
        "house",
        "congress",
        "parliament",
        "times",
        "news",
        "post",
        "ilbo",
        "radio",
        "press",
        "network",
        "service",
        "university",
        "company",
        "corporation",
        "inc",
        "ltd",
        "cross",
        "bureau",
        "secretariat",
        "tribunal",
        "board",
        "league",
        "federation",
        "forum",
        "program",
        "programme",
        "mission",
        "embassy",
        "court",
        "federation",
        "movement",
        "front",
        "alliance",
        "coalition",
        "church",
        "media",
        "journal",
        "magazine",
        "outlet",
        "daily",
        "weekly",
        "television",
        "tv",
        "agency",
        "authority",
        "authorities",
        "ministry",
        "directorate",
    ]
)
_PLACE_WORDS = frozenset(
    [
        "province",
        "city",
        "sea",
        "river",
        "island",
        "islands",
        "peninsula",
        "border",
        "mountain",
        "mountains",
        "street",
        "square",
        "district",
        "county",
        "region",
        "state",
        "village",
        "town",
        "lake",
        "bay",
        "strait",
        "valley",
        "desert",
        "coast",
        "gulf",
        "ocean",
        "zone",
        "camp",
        "prefecture",
        "oblast",
    ]
)
_PLACES = frozenset(
    [
        "afghanistan",
        "albania",
        "algeria",
        "angola",
        "argentina",
        "armenia",
        "australia",
        "austria",
        "azerbaijan",
        "bahrain",
        "bangladesh",
        "belarus",
        "belgium",
        "bolivia",
        "bosnia",
        "brazil",
        "bulgaria",
        "burma",
        "burundi",
        "cambodia",
        "cameroon",
        "canada",
        "chad",
        "chile",
        "china",
        "colombia",
        "congo",
        "croatia",
        "cuba",
        "cyprus",
        "czechia",
        "denmark",
        "djibouti",
        "ecuador",
        "egypt",
        "eritrea",
        "estonia",
        "ethiopia",
        "finland",
        "france",
        "gabon",
        "gambia",
        "georgia",
        "germany",
        "ghana",
        "greece",
        "guatemala",
        "guinea",
        "haiti",
        "honduras",
        "hungary",
        "iceland",
        "india",
        "indonesia",
        "iran",
        "iraq",
        "ireland",
        "israel",
        "italy",
        "jamaica",
        "japan",
        "jordan",
        "kazakhstan",
        "kenya",
        "korea",
        "kosovo",
        "kuwait",
        "kyrgyzstan",
        "laos",
        "latvia",
        "lebanon",
        "liberia",
        "libya",
        "lithuania",
        "luxembourg",
        "madagascar",
        "malawi",
        "malaysia",
        "mali",
        "mauritania",
        "mexico",
        "moldova",
        "mongolia",
        "montenegro",
        "morocco",
        "mozambique",
        "myanmar",
        "namibia",
        "nepal",
        "netherlands",
        "nicaragua",
        "niger",
        "nigeria",
        "norway",
        "oman",
        "pakistan",
        "palestine",
        "panama",
        "paraguay",
        "peru",
        "philippines",
        "poland",
        "portugal",
        "qatar",
        "romania",
        "russia",
        "rwanda",
        "senegal",
        "serbia",
        "singapore",
        "slovakia",
        "slovenia",
        "somalia",
        "spain",
        "sudan",
        "sweden",
        "switzerland",
        "syria",
        "taiwan",
        "tajikistan",
        "tanzania",
        "thailand",
        "togo",
        "tunisia",
        "turkey",
        "turkmenistan",
        "uganda",
        "ukraine",
        "uruguay",
        "uzbekistan",
        "venezuela",
        "vietnam",
        "yemen",
        "zambia",
        "zimbabwe",
        "america",
        "europe",
        "asia",
        "africa",
        "pyongyang",
        "seoul",
        "beijing",
        "tokyo",
        "moscow",
        "washington",
        "london",
        "paris",
        "geneva",
        "brussels",
        "berlin",
        "kaesong",
        "sinuiju",
        "hyesan",
        "dandong",
        "shenyang",
        "vatican",
        "crimea",
        "gaza",
        "kabul",
        "kyiv",
        "kiev",
        "hanoi",
        "bangkok",
        "delhi",
        "manila",
        "jakarta",
        "tehran",
        "baghdad",
        "damascus",
        "cairo",
        "istanbul",
        "ankara",
    ]
)
_MULTIWORD_PLACES = (
    "north korea",
    "south korea",
    "united states",
    "united kingdom",
    "hong kong",
    "new york",
    "dprk",
    "rok",
    "us",
    "usa",
    "uk",
    "eu",
    "sri lanka",
    "saudi arabia",
    "south africa",
    "new zealand",
)
_DOCUMENT_WORDS = frozenset(
    [
        "convention",
        "treaty",
        "act",
        "law",
        "report",
        "covenant",
        "protocol",
        "resolution",
        "declaration",
        "charter",
        "paper",
        "review",
        "index",
        "survey",
        "plan",
        "strategy",
        "program",
        "initiative",
        "campaign",
        "award",
        "prize",
        "day",
        "week",
        "year",
        "olympics",
        "games",
        "summit",
        "conference",
        "session",
    ]
)
_PERSON_TITLES = re.compile(
    r"(?:President|Mr|Mrs|Ms|Dr|Prof|Professor|Ambassador|Minister|Secretary|Chairman|Leader|"
    r"leader|director|Director|rapporteur|Rapporteur|General|Gen|Colonel|Lt|Lieutenant|"
    r"lieutenant|Senator|Rep|Judge|Justice|Pastor|Father|Sister|King|Queen|Prince|Premier|"
    r"Chancellor|spokesman|spokeswoman|spokesperson|official|envoy|Envoy|diplomat|author|"
    r"Author|named|certain)\.?\s+$"
)


def name_kind(text: str, item: Specific) -> str:
    """``"organisation"``, ``"place"``, ``"person"`` or ``"name"`` for a name specific.

    A light guess from the words of the name and the word before it (a title such as
    "President" or "Ambassador" marks a person); unknown one-word names stay ``"name"``.
    """
    words = item.value.replace(".", "").split()
    if not words:
        return "name"
    raw = item.text.replace(".", "")
    if any(w in _ORG_WORDS for w in words) or (
        raw.isupper() and 2 <= len(raw) <= 7 and raw.lower() not in _MULTIWORD_PLACES
    ):
        return "organisation"
    if any(w in _DOCUMENT_WORDS for w in words):
        return "name"  # a treaty, law or report: "Refugee Convention"
    if (
        item.value in _MULTIWORD_PLACES
        or item.value in _PLACES
        or any(w in _PLACE_WORDS for w in words[1:])
    ):
        return "place"
    before = text[max(0, item.start - 30) : item.start]
    if _PERSON_TITLES.search(before):
        return "person"
    if words[-1].endswith(("ans", "ese", "ish", "ians")) or item.value.endswith("korean"):
        return "name"  # a demonym: "North Koreans"
    if (
        2 <= len(words) <= 4
        and all(w.isalpha() or "'" in w for w in words)
        and not any(w in _PLACES for w in words)
    ):
        return "person"
    return "name"
