"""A small FNC-1-format data set written in code: headlines against bodies with all four
stances, so the stance pipeline can be trained and evaluated end to end in a test."""

from __future__ import annotations

import csv
from pathlib import Path

TOPICS = [
    (
        "meteorite",
        "A meteorite crashed near the airport in Managua",
        "A small meteorite crashed into a wooded area near the airport in Managua overnight.",
    ),
    (
        "spider",
        "A spider burrowed into a tourist's stomach",
        "Doctors said a spider burrowed through the stomach of a tourist returning from Bali.",
    ),
    (
        "dams",
        "Israel opened dams and flooded Gaza villages",
        "Hundreds of Palestinians fled their homes after Israel opened dams near Gaza.",
    ),
    (
        "apple",
        "Apple will launch a streaming service in April",
        "Apple plans to launch a television streaming service for fifteen dollars in April.",
    ),
    (
        "bale",
        "Christian Bale will play Steve Jobs",
        "Christian Bale has been cast to play Steve Jobs in the new biopic of the founder.",
    ),
    (
        "isis",
        "Militants captured the border town of Kobani",
        "Militants captured the border town of Kobani after days of heavy fighting.",
    ),
    (
        "tiger",
        "A tiger escaped from the city zoo",
        "A tiger escaped from the city zoo on Tuesday and roamed the streets for hours.",
    ),
    (
        "ebola",
        "A nurse in Madrid tested positive for Ebola",
        "A nurse in Madrid tested positive for Ebola after treating a missionary.",
    ),
]

AGREE = " Officials confirmed the report on Monday and released photos as evidence."
DISAGREE = (
    " But the story is a hoax: officials denied it and said the claims were false and fabricated."
)
DISCUSS = (
    " The report could not be verified; it was reportedly based on claims from a single "
    "unnamed source, and officials may comment later."
)


def write_fnc(folder: Path, copies: int = 3) -> tuple[Path, Path]:
    """Write ``bodies.csv`` and ``stances.csv``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    bodies: list[tuple[int, str]] = []
    stances: list[tuple[str, int, str]] = []
    body_id = 0
    for copy in range(copies):
        for t, (_, headline, lead) in enumerate(TOPICS):
            for stance, tail in (("agree", AGREE), ("disagree", DISAGREE), ("discuss", DISCUSS)):
                text = f"{lead}{tail} Witnesses number {copy + 1} spoke to reporters."
                bodies.append((body_id, text))
                stances.append((headline, body_id, stance))
                other = TOPICS[(t + 3) % len(TOPICS)][1]
                stances.append((other, body_id, "unrelated"))
                body_id += 1
    bodies_file = folder / "bodies.csv"
    stances_file = folder / "stances.csv"
    with open(bodies_file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Body ID", "articleBody"])
        writer.writerows(bodies)
    with open(stances_file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Headline", "Body ID", "Stance"])
        writer.writerows(stances)
    return bodies_file, stances_file
