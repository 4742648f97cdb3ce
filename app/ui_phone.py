"""Phone-first layout: secondary sections that fold on a narrow screen, key numbers two a row
and never cut short.

Streamlit renders the page on the server without knowing the screen's width, so a section
that should fold on a phone is drawn in an expander that starts open, and a small script
folds it once when the screen is narrower than :data:`NARROW_PX` (a laptop keeps it open; a
phone user opens it with one tap, nothing is lost).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st

#: Below this width (CSS px) Streamlit stacks columns: the phone layout.
NARROW_PX = 640
FOLD_PREFIX = "phonefold"

PHONE_CSS = f"""<style>
/* a key number's change wraps instead of ending in "..." (its words carry the verdict) */
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {{
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; height: auto !important; }}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {{
  white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }}
@media (max-width: {NARROW_PX}px) {{
  /* the key numbers two a row instead of one below the other */
  [class*='st-key-glance'] [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; gap: 0.5rem; }}
  [class*='st-key-glance'] [data-testid="stColumn"] {{ min-width: calc(50% - 0.25rem) !important;
    flex: 1 1 calc(50% - 0.25rem) !important; width: calc(50% - 0.25rem) !important; }}
}}
</style>"""

# Fold each marked expander once (marked so that one the user opened stays open across
# reruns); tried again while the page is still drawing its lower part.
FOLD_JS = f"""<script>
(() => {{
  if (window.innerWidth >= {NARROW_PX}) return;
  const fold = () => document.querySelectorAll(
      "[class*='st-key-{FOLD_PREFIX}'] details:not([data-phone-folded])").forEach(d => {{
    d.setAttribute("data-phone-folded", "1");
    if (d.open) d.querySelector("summary").click();
  }});
  for (const ms of [0, 300, 1000, 2500, 5000]) setTimeout(fold, ms);
}})();
</script>"""


def phone_css() -> None:
    """The phone layout rules (a style block; takes no room on the page)."""
    st.html(PHONE_CSS)


@contextlib.contextmanager
def folds_on_phone(label: str, key: str) -> Iterator[None]:
    """A section open on a wide screen and folded on a phone (by :func:`fold_on_phone`)."""
    with st.container(key=f"{FOLD_PREFIX}_{key}"), st.expander(label, expanded=True):
        yield


def fold_on_phone(key: str) -> None:
    """Fold the sections of :func:`folds_on_phone` on a narrow screen (once per result;
    ``key`` names the result so that a new one folds again)."""
    st.html(f"<!-- {key} -->{FOLD_JS}", unsafe_allow_javascript=True)
