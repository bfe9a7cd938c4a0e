import json
import sys

import numpy as np
import pytest

from netprobe.cli import main
from netprobe.detect.synthetic import scenario


def run_main(monkeypatch, capsys, *args):
    """Run `netprobe ARGS` through main(), as the installed command does: (code, out, err)."""
    monkeypatch.setattr(sys, "argv", ["netprobe", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def write_csv(path, times, values):
    rows = ["time,value"]
    rows += [
        f"{t},{'' if np.isnan(v) else repr(float(v))}" for t, v in zip(times, values, strict=True)
    ]
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_json_reports_the_drop_counting_rows_with_missing_ones(tmp_path, run_cli):
    s = scenario("drop", seed=3)
    values = s.values.copy()
    values[10:20] = np.nan  # failed probes still count as rows
    path = write_csv(tmp_path / "link.csv", s.times.astype(int), values)
    report = json.loads(run_cli("detect", path, "--json").stdout)
    assert set(report) == {"n", "change_points", "segments"}
    assert report["n"] == len(values)
    (cp,) = report["change_points"]
    assert abs(cp["index"] - s.breakpoints[0]) <= 2
    assert cp["kind"] == "drop"
    assert cp["time"].endswith("Z")
    assert cp["ci"][0] < cp["change"] < cp["ci"][1]
    assert cp["after"] < cp["before"]
    assert [seg["start"] for seg in report["segments"]] == [0, cp["index"]]
    assert report["segments"][0]["missing"] >= 10


def test_iso_times_and_table_for_people(tmp_path, run_cli):
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(10, 1, 60), rng.normal(20, 1, 60)])
    lines = ["time,value"] + [
        f"2026-01-01T{i // 60:02d}:{i % 60:02d}:00,{v}" for i, v in enumerate(values)
    ]
    path = tmp_path / "naive.csv"
    path.write_text("\n".join(lines) + "\n")
    out = run_cli("detect", str(path)).stdout
    assert "rise" in out
    assert "2026-01-01T01:00:00Z" in out  # a naive time is UTC


def test_times_with_an_offset_are_reported_in_utc(tmp_path, run_cli):
    rng = np.random.default_rng(2)
    values = np.concatenate([rng.normal(10, 0.5, 40), rng.normal(5, 0.5, 40)])
    lines = ["time,value"] + [
        f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00+02:00,{v}" for i, v in enumerate(values)
    ]
    path = tmp_path / "paris.csv"
    path.write_text("\n".join(lines) + "\n")
    (cp,) = json.loads(run_cli("detect", str(path), "--json").stdout)["change_points"]
    assert cp["index"] == 40
    assert cp["time"] == "2026-02-28T22:40:00Z"


def test_transform_none_accepts_negative_values(tmp_path, run_cli):
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.normal(-5, 1, 80), rng.normal(5, 1, 80)])
    path = write_csv(tmp_path / "temp.csv", np.arange(160), values)
    report = json.loads(run_cli("detect", path, "--json", "--transform", "none").stdout)
    assert [c["index"] for c in report["change_points"]] == [80]
    assert report["change_points"][0]["change"] is None  # relative change of a negative median


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty file"),
        ("t,v\n1,2\n", ":1: expected the header 'time,value'"),
        ("1,2\n2,3\n", ":1: expected the header"),
        ("time,value\n1,2\n2,fast\n", ":3: value 'fast' is not a number"),
        ("time,value\n1,2\n2,inf\n", ":3: value 'inf' is not a finite number"),
        ("time,value\n1,2\nyesterday,3\n", ":3: time 'yesterday' is neither"),
        ("time,value\n2,2\n1,3\n", ":3: time '1' is not after"),
        ("time,value\n1,2\n1,3\n", ":3: time '1' is not after"),
        ("time,value\n1,2,3\n", ":2: expected 2 fields"),
        ("time,value\n" + "".join(f"{i},{i + 1}\n" for i in range(9)), "at least 10 needed"),
        (
            "time,value\n" + "".join(f"{i},{i % 3 - 1}\n" for i in range(30)),
            ":2: value -1 is not > 0, which --transform log needs",
        ),
    ],
)
def test_bad_files_are_one_line_errors_with_exit_2(tmp_path, monkeypatch, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    args = ["detect", str(path)]
    if "--transform log" in message:
        args += ["--transform", "log"]
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 2
    assert message in err
    assert str(path) in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_missing_file_is_exit_2(tmp_path, monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "detect", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "no such file" in err


def test_importing_the_cli_does_not_import_scipy():
    import subprocess

    code = "import sys, netprobe.cli; print('scipy' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"
