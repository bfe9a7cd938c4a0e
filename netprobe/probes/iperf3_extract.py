"""The first complete iperf3 JSON document inside noisy tool output (pure)."""

import json
import re

# iperf3 prints C's printf("%f") of a NaN or infinity bare (nan, -nan, inf); Python's json
# only knows NaN and Infinity. Strings are matched first so that words inside them stay.
_NONFINITE = re.compile(
    r'("(?:[^"\\]|\\.)*")|(?<![\w.])(-?)(nan|inf(?:inity)?)(?!\w)', re.IGNORECASE
)
_DECODER = json.JSONDecoder(strict=False)  # terminal junk may hold control characters


def extract(text: str) -> tuple[dict | None, str]:
    """Find the first complete iperf3 document in text.

    Args:
        text: whatever iperf3 printed, junk included.

    Returns:
        (the document, or None when there is none; the text after it, stripped — or the
        whole text when no document was found).
    """
    clean = _NONFINITE.sub(_finite_token, text)
    for match in re.finditer(r"\{", clean):
        try:
            doc, end = _DECODER.raw_decode(clean, match.start())
        except json.JSONDecodeError:
            continue
        # An inner object of a cut-off document decodes too: only a top-level one has these.
        if isinstance(doc, dict) and _is_document(doc):
            return doc, clean[end:].strip()
    return None, text.strip()


def _is_document(obj: dict) -> bool:
    """True for an iperf3 top-level object (interval blocks also have numeric start/end)."""
    return (
        isinstance(obj.get("start"), dict)
        or isinstance(obj.get("end"), dict)
        or isinstance(obj.get("intervals"), list)
        or isinstance(obj.get("error"), str)
    )


def _finite_token(match: re.Match) -> str:
    if match.group(1):
        return match.group(1)
    if match.group(3).lower() == "nan":
        return "NaN"
    return f"{match.group(2)}Infinity"
