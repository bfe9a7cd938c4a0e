"""`netprobe analyze` over a real SQLite store holding two months of hourly results."""

import json
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from netprobe.cli import main
from netprobe.detect.synthetic import NoiseModel, link_series
from netprobe.model import Direction, Result, Status
from netprobe.store import SqliteStore

G = 1e9
START = datetime(2026, 1, 1, tzinfo=UTC)  # link_series' first probe
N = 1440  # hourly for 60 days
DROP = 1000  # forward loses 40 % here (2026-02-11T16:00Z)
UNTIL = "2026-03-02"


def hourly(levels, seed):
    values, _ = link_series(
        np.asarray(levels, dtype=float),
        [NoiseModel()],
        np.zeros(len(levels), dtype=int),
        capacity=np.full(len(levels), 20 * G),
        period=3600.0,
        rng=np.random.default_rng(seed),
    )
    return values


def results(direction, values):
    out = []
    for i, bps in enumerate(values):
        at = START + timedelta(hours=i)
        ok = not np.isnan(bps)
        out.append(
            Result(
                probe=f"ncsa-{direction.value}",
                test="throughput",
                tool="iperf3",
                endpoint="ncsa",
                direction=direction,
                status=Status.OK if ok else Status.BUSY,
                started=at,
                ended=at + timedelta(seconds=10),
                metrics={"throughput_bps": float(bps)} if ok else {},
                reason=None if ok else "the server is busy running a test",
            )
        )
    return out


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A config with one link (20 Gbit/s: 16 expected) and a store: forward drops, reverse fine."""
    root = tmp_path_factory.mktemp("analyze")
    forward = np.full(N, 17 * G)
    forward[DROP:] *= 0.6
    with SqliteStore(root / "netprobe.sqlite") as store:
        store.write(results(Direction.FORWARD, hourly(forward, seed=1)))
        store.write(results(Direction.REVERSE, hourly(np.full(N, 17 * G), seed=2)))
    config = root / "site.toml"
    config.write_text(
        "schema = 1\n\n"
        f'[site]\nname = "cc-in2p3"\nstate_dir = "{root}"\n\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n\n'
        '[[endpoints]]\nname = "starlight"\nhost = "ps.starlight.example.org"\n\n'
        '[[links]]\nname = "lyon-ncsa"\nendpoint = "ncsa"\n'
        'plan = [{ from = 2025-06-01, capacity = "20Gbps" }]\n'
    )
    return str(config)


def test_json_gives_verdicts_per_link_and_direction(run_cli, deployment):
    out = json.loads(run_cli("analyze", "--config", deployment, "--until", UNTIL, "--json").stdout)
    assert [(a["link"], a["endpoint"], a["direction"]) for a in out] == [
        ("lyon-ncsa", "ncsa", "forward"),
        ("lyon-ncsa", "ncsa", "reverse"),
    ]
    forward, reverse = out
    assert forward["n"] == N and forward["completeness"]["slots"] == N
    assert 0.97 < forward["completeness"]["share"] < 1
    assert forward["completeness"]["by_status"]["busy"] == forward["completeness"]["failed"]
    (drop,) = forward["change_points"]
    assert set(drop) == {"index", "time", "kind", "before", "after", "change", "ci", "p_value"}
    assert drop["kind"] == "drop" and abs(drop["index"] - DROP) <= 2
    assert [s["expected_bps"] for s in forward["segments"]] == [16 * G, 16 * G]
    assert forward["segments"][1]["parts"][0]["start"] == drop["index"]
    kinds = [v["kind"] for v in forward["verdicts"]]
    assert kinds == ["degraded", "below-plan"]
    degraded = forward["verdicts"][0]
    assert degraded["since"] == drop["time"] and degraded["numbers"]["ongoing"] == 1
    assert -0.45 < degraded["numbers"]["change"] < -0.35
    assert "lyon-ncsa (forward) dropped 40%" in degraded["summary"]
    assert [v["kind"] for v in reverse["verdicts"]] == ["ok"] and reverse["change_points"] == []


def test_table_for_people(run_cli, deployment):
    lines = run_cli("analyze", "--config", deployment, "--until", UNTIL).stdout.splitlines()
    assert lines[0].startswith("lyon-ncsa forward: 1440 slots from 2026-01-01T00:00:00Z")
    header = next(i for i, line in enumerate(lines) if line.startswith("LINK"))
    assert lines[header].split() == ["LINK", "DIRECTION", "VERDICT", "SINCE", "NUMBERS"]
    assert lines[header + 1].split()[:3] == ["lyon-ncsa", "forward", "degraded"]
    assert "Gbit/s" in lines[header + 1] and "p=" in lines[header + 1]
    assert any(line.split()[:3] == ["lyon-ncsa", "reverse", "ok"] for line in lines)
    assert any("dropped 40% on 2026-02-11T1" in line for line in lines)


def test_endpoint_and_since_filter(run_cli, deployment):
    args = ("analyze", "--config", deployment, "--endpoint", "ncsa", "--json")
    out = json.loads(run_cli(*args, "--since", "2026-02-20", "--until", UNTIL).stdout)
    assert [a["n"] for a in out] == [24 * 10, 24 * 10]
    assert out[0]["change_points"] == [] and out[0]["verdicts"][0]["kind"] == "below-plan"


def test_upgrade_grace_comes_from_the_option(run_cli, deployment, tmp_path):
    # 10 -> 20 Gbit/s on 2026-02-20; forward runs at about 10 Gbit/s since its drop.
    with open(deployment) as file:
        text = file.read()
    text = text.replace(
        'plan = [{ from = 2025-06-01, capacity = "20Gbps" }]',
        'plan = [{ from = 2025-06-01, capacity = "10Gbps" }, '
        '{ from = 2026-02-20, capacity = "20Gbps" }]',
    )
    config = tmp_path / "upgrade.toml"
    config.write_text(text)
    args = ("analyze", "--config", str(config), "--until", UNTIL, "--json")
    forward, reverse = json.loads(run_cli(*args).stdout)
    assert "upgrade-not-delivered" not in [v["kind"] for v in forward["verdicts"]]
    forward, reverse = json.loads(run_cli(*args, "--grace", "3d").stdout)
    assert [v["kind"] for v in forward["verdicts"]] == ["degraded", "upgrade-not-delivered"]
    verdict = forward["verdicts"][1]
    assert verdict["numbers"]["grace_days"] == 3
    assert verdict["since"] == "2026-02-20T00:00:00Z"
    assert [v["kind"] for v in reverse["verdicts"]] == ["ok"]  # 17 Gbit/s delivers the 16


def run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["netprobe", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_a_store_that_does_not_exist_is_one_line_exit_1(monkeypatch, capsys, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text(
        f'schema = 1\n[site]\nname = "x"\nstate_dir = "{tmp_path / "nothing"}"\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "h"\n'
        '[[links]]\nname = "l"\nendpoint = "ncsa"\n'
        'plan = [{ from = 2026-01-01, capacity = "1Gbps" }]\n'
    )
    code, out, err = run_main(monkeypatch, capsys, "analyze", "--config", str(config))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("Error: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "Invalid value for '--since'"),
        (["--grace", "two weeks"], "Invalid value for '--grace'"),
        (["--endpoint", "starlight"], "has no [[links]] entry"),
    ],
)
def test_bad_arguments_exit_2(monkeypatch, capsys, deployment, args, message):
    code, _, err = run_main(monkeypatch, capsys, "analyze", "--config", deployment, *args)
    assert code == 2 and message in err
