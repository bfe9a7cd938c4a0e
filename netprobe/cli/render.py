"""How results are shown: an aligned table for people, JSON for scripts, CSV for sheets."""

import csv
import io
import json
from datetime import UTC

from netprobe.model import Result
from netprobe.store.records import CSV_COLUMNS, result_to_dict, result_to_row
from netprobe.units import format_rate

_REASON_WIDTH = 60


def results_json(found: list[Result]) -> str:
    """A JSON list, one object per result (see records.result_to_dict)."""
    return json.dumps([result_to_dict(r) for r in found], indent=2, ensure_ascii=False)


def results_csv(found: list[Result]) -> str:
    """CSV with a header row, one line per result."""
    text = io.StringIO()
    writer = csv.DictWriter(text, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result_to_row(r) for r in found)
    return text.getvalue()


def results_table(found: list[Result]) -> str:
    """Aligned columns: time, probe, endpoint, direction, status, throughput, RTT, reason."""
    header = ("TIME (UTC)", "PROBE", "ENDPOINT", "DIRECTION", "STATUS", "THROUGHPUT", "RETR")
    rows = [(*header, "RTT", "REASON")]
    for r in found:
        rtt = r.metrics.get("rtt_ms", r.metrics.get("rtt_avg_ms"))
        retransmits = r.metrics.get("retransmits")
        reason = " ".join((r.reason or "").split())
        if len(reason) > _REASON_WIDTH:
            reason = reason[: _REASON_WIDTH - 1] + "…"
        rows.append(
            (
                r.started.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                r.probe,
                r.endpoint,
                r.direction.value,
                r.status.value,
                format_rate(r.throughput_bps),
                "-" if retransmits is None else str(int(retransmits)),
                "-" if rtt is None else f"{rtt:.3g} ms",
                reason,
            )
        )
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
