"""`netprobe report --check`: what a report lacks from the list a support desk asks for.

Pure: the report's facts in, one `CheckItem` per checklist entry out (``facts.CHECKLIST``).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from netprobe.report.facts import CHECKLIST, MISSING, NOT_NEEDED, PRESENT, Fact


@dataclass(frozen=True)
class CheckItem:
    """One entry of the checklist: what is asked, whether the report has it, and why not.

    ``details`` are the facts behind it as ``label: value`` lines (the value says why
    when the item is missing or not needed).
    """

    item: str
    asked: str
    status: str  # PRESENT, MISSING or NOT_NEEDED
    details: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain values for ``--json``."""
        return {
            "item": self.item,
            "asked": self.asked,
            "status": self.status,
            "details": list(self.details),
        }


def check_report(facts: Sequence[Fact]) -> list[CheckItem]:
    """Fold the facts into the checklist, in its order.

    An item is missing when one of its facts is (a direction without a rate before, say)
    or when no fact answers it; not needed when all its facts say so; else present.
    """
    items = []
    for item, asked in CHECKLIST.items():
        mine = [f for f in facts if f.item == item]
        statuses = {f.status for f in mine}
        if not mine or MISSING in statuses:
            status = MISSING
        elif statuses == {NOT_NEEDED}:
            status = NOT_NEEDED
        else:
            status = PRESENT
        details = tuple(f"{f.label}: {f.value}" for f in mine) or ("not in the report",)
        items.append(CheckItem(item, asked, status, details))
    return items


def missing(items: Sequence[CheckItem]) -> list[CheckItem]:
    """The items the report lacks."""
    return [i for i in items if i.status == MISSING]
