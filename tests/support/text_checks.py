"""What no sentence a person reads may contain: template placeholders, internal codes, a
parenthetical said twice, "(s)" plurals or a number with the wrong plural.

Used by the message tests (CLI, findings, quality flags, PDF) and the app test.
"""

from __future__ import annotations

import re

#: File names (clip names are shown as they are) are not codes.
_FILE = re.compile(r"[\w\-]+\.(?:mp4|mov|json|csv|pdf|npz|sqlite|png)\b", re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([^\w\s]|_)")
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6} ", re.MULTILINE)
_CODE = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_PLACEHOLDER = re.compile(r"#|\{|\}|%s|%d|%\(|\bnan\b|\bNone\b")
_TWICE = re.compile(r"[(\[]([^()\[\]]+)[)\]]\s*[(\[]\1[)\]]")
_S_HACK = re.compile(r"\w\(s\)")
_NOUNS = ("stride", "frame", "finding", "note", "session", "warning", "item", "clip", "step",
          "contact")
_ONE_MANY = re.compile(r"(?<![\d.,])1 (?:" + "|".join(_NOUNS) + r")s\b")
_MANY_ONE = re.compile(r"(?<![\d.,])(?:0|[2-9]|\d{2,}) (?:" + "|".join(_NOUNS) + r")\b(?!s)")
_ONLY_ZERO = re.compile(r"\bonly 0\b", re.IGNORECASE)


def problems(text: str) -> list[str]:
    """Every fault found in ``text`` (empty when it reads cleanly)."""
    unescaped = _MD_ESCAPE.sub(r"\1", text)  # the app escapes markdown in names and notes
    plain = _MARKDOWN_HEADING.sub("", _FILE.sub("FILE", unescaped))
    found = []
    for name, rx in (("placeholder", _PLACEHOLDER), ("code", _CODE), ("said twice", _TWICE),
                     ("(s) plural", _S_HACK), ("1 with a plural", _ONE_MANY),
                     ("plural missing", _MANY_ONE), ("only 0", _ONLY_ZERO)):
        found += [f"{name}: {m.group(0)!r} in {_around(plain, m)!r}" for m in rx.finditer(plain)]
    return found


def _around(text: str, m: re.Match) -> str:
    return text[max(0, m.start() - 50):m.end() + 50]


def assert_reads_cleanly(texts: list[str]) -> None:
    """Fail with every fault of every text."""
    faults = [p for t in texts for p in problems(t)]
    assert not faults, "\n".join(faults)
