"""The pScheduler engine against a loopback lead (tests/pscheduler_server.py) serving real
merged results: pScheduler's own iperf3 parser output for real iperf3 runs, its rtt test's
result input and its trace-result.json (provenance in tests/fixtures/perfsonar/README.md).
"""

import json
import signal
from dataclasses import replace
from pathlib import Path

import pytest
from pscheduler_server import Lead as FakeLead
from pscheduler_server import merged_result, serve

from netprobe.errors import Interrupted
from netprobe.model import (
    Direction,
    Endpoint,
    Lead,
    ProbeSpec,
    RttOptions,
    Status,
    ThroughputOptions,
    TraceOptions,
)
from netprobe.probes import PROBES, module_for, pscheduler
from netprobe.probes.iperf3_json import parse as parse_iperf3
from netprobe.probes.pscheduler_task import task

FIXTURES = Path(__file__).parent / "fixtures"
TCP_OUTPUT = FIXTURES / "iperf3" / "3.1.3" / "perfsonar-tcp-1stream-lan.json"
SCHEMAS = FIXTURES / "perfsonar" / "pscheduler"
FAR = Endpoint(name="far", host="ps.far.example.org", family="ipv4", engine="pscheduler")


def spec_for(url: str, options=None, test="throughput", **lead) -> ProbeSpec:
    return ProbeSpec(
        name=f"far-{test}",
        test=test,
        endpoint=FAR,
        options=options or ThroughputOptions(duration=10.0),
        site="ps.example.org",
        lead=Lead(url=url, **{"timeout": 5.0, **lead}),
    )


def test_contract():
    assert PROBES["pscheduler"] is pscheduler
    assert pscheduler.NAME == "pscheduler" and pscheduler.TESTS == ("throughput", "rtt", "trace")
    spec = spec_for("https://ps.example.org")
    assert module_for("iperf3", spec) is pscheduler
    assert module_for("iperf3", replace(spec, lead=None)) is PROBES["iperf3"]
    assert pscheduler.can_run(spec) == []
    assert pscheduler.duration(spec) > 10.0
    assert pscheduler.duration(replace(spec, lead=Lead("https://x", slip=300))) > 310.0


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (ThroughputOptions(bidir=True), "bidir has no pScheduler equivalent"),
        (ThroughputOptions(processes=4), "processes = 4 is netprobe's own parallel-process mode"),
    ],
)
def test_options_without_pscheduler_equivalent_are_refused(options, reason):
    spec = spec_for("https://ps.example.org", options)  # never reached: can_run says no first
    assert any(reason in r for r in pscheduler.can_run(spec))
    results = pscheduler.run(spec)
    assert {r.status for r in results} == {Status.TOOL_ERROR}
    assert all(reason in r.reason and r.throughput_bps is None for r in results)


def test_a_spec_without_lead_cannot_run():
    spec = replace(spec_for("https://ps.example.org"), lead=None)
    (reason,) = pscheduler.can_run(spec)
    assert reason == "probe far-throughput: no pScheduler lead ([pscheduler] url)"


def schema_properties(kind: str) -> set[str]:
    document = json.loads((SCHEMAS / f"{kind}-spec-schema.json").read_text())
    local = document.get("SPEC_SCHEMA", document)["local"]
    return set(local.get("throughput_v1", local.get("v1", {})).get("properties", {}))


def test_throughput_spec_uses_the_probe_options_and_only_schema_1_keys():
    options = ThroughputOptions(
        duration=20.0,
        omit=2.0,
        parallel=4,
        reverse=True,
        window=4194304,
        congestion="bbr",
        mss=8948,
        zerocopy=True,
        interval=0.5,
        tos=32,
    )
    body = task(spec_for("https://ps.example.org", options, slip=300))
    spec = body["test"]["spec"]
    assert body["schedule"] == {"slip": "PT300S"}
    assert body["reference"] == {"netprobe": {"probe": "far-throughput", "site": "ps.example.org"}}
    assert spec == {
        "schema": 1,
        "dest": "ps.far.example.org",
        "ip-version": 4,
        "duration": "PT20S",
        "omit": "PT2S",
        "interval": "PT0.5S",
        "parallel": 4,
        "reverse": True,
        "window-size": 4194304,
        "congestion": "bbr",
        "mss": 8948,
        "zero-copy": True,
        "ip-tos": 32,
    }
    assert set(spec) <= schema_properties("throughput")
    udp = task(spec_for("https://x", ThroughputOptions(udp=True, bandwidth=2e9)))["test"]["spec"]
    assert udp["udp"] is True and udp["bandwidth"] == 2_000_000_000
    assert set(udp) <= schema_properties("throughput")


def test_rtt_and_trace_specs_use_only_schema_1_keys():
    rtt = task(spec_for("https://x", RttOptions(count=5, interval=0.2, size=1400), "rtt"))
    assert rtt["test"] == {
        "type": "rtt",
        "spec": {
            "schema": 1,
            "dest": "ps.far.example.org",
            "ip-version": 4,
            "count": 5,
            "interval": "PT0.2S",
            "length": 1400,
        },
    }
    assert set(rtt["test"]["spec"]) <= schema_properties("rtt")
    trace = task(spec_for("https://x", TraceOptions(max_hops=20, queries=3, wait=1.0), "trace"))
    assert trace["test"]["spec"]["hops"] == 20 and trace["test"]["spec"]["wait"] == "PT1S"
    assert set(trace["test"]["spec"]) <= schema_properties("trace")
    assert task(spec_for("https://x"))["schedule"] == {}


def test_pending_running_finished_gives_the_same_result_as_the_local_parser():
    lead = FakeLead(result=merged_result("throughput-result-iperf3-3.1.3-tcp.json"))
    with serve(lead) as url:
        (result,) = pscheduler.run(spec_for(url))
    assert result.status is Status.OK, result.reason
    (local,) = parse_iperf3(TCP_OUTPUT.read_text(), spec_for(url))
    for key in ("throughput_bps", "sender_bps", "retransmits"):
        assert result.metrics[key] == pytest.approx(local.metrics[key])
    assert result.metrics["rtt_ms"] == pytest.approx(local.metrics["rtt_ms"], rel=0.05)
    assert [i.bps for i in result.intervals] == pytest.approx([i.bps for i in local.intervals])
    assert [i.retransmits for i in result.intervals] == [i.retransmits for i in local.intervals]
    assert (result.probe, result.endpoint) == ("far-throughput", "far")
    assert result.site == "ps.example.org"
    assert result.tool == "iperf3" and result.direction is Direction.FORWARD
    assert result.context["engine"] == "pscheduler" and result.context["lead"] == url
    assert result.context["task_href"].startswith(f"{url}/pscheduler/tasks/")
    assert result.context["streams"] == 1
    # The flow: POST the task, read it with detail, the first run, then wait-merged.
    (post, detail, first, *waits) = lead.requests
    assert post[:2] == ("POST", "/pscheduler/tasks")
    assert post[2]["test"]["spec"]["dest"] == "ps.far.example.org"
    assert detail[2] == {"detail": "true"}
    assert first[1].endswith("/runs/first")
    assert len(waits) == 2 and all(w[2]["wait-merged"] == "true" for w in waits)
    assert all(1 <= int(w[2]["wait"]) < 5 for w in waits)


def test_udp_result_has_loss_and_jitter():
    udp = merged_result("throughput-result-iperf3-3.12-udp.json")
    lead = FakeLead(states=["finished"], result=udp)
    with serve(lead) as url:
        (result,) = pscheduler.run(spec_for(url, ThroughputOptions(udp=True, bandwidth=1e8)))
    assert result.ok
    assert result.metrics["packets_sent"] == 25891 and result.metrics["loss_ratio"] == 0.0
    assert "jitter_ms" in result.metrics


def test_failed_run_carries_the_tools_reason_never_a_number():
    refused = merged_result("throughput-result-iperf3-3.12-refused.json")
    lead = FakeLead(states=["running", "failed"], result=refused)
    with serve(lead) as url:
        (result,) = pscheduler.run(spec_for(url))
    assert result.status is Status.TOOL_ERROR
    assert result.reason == (
        "pScheduler run failed: Iperf3 failed: unable to connect to server: Connection refused"
    )
    assert result.metrics == {} and result.throughput_bps is None


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("missed", Status.MISSED),
        ("nonstart", Status.MISSED),
        ("overdue", Status.TIMEOUT),
        ("preempted", Status.ABORTED),
        ("canceled", Status.ABORTED),
    ],
)
def test_every_other_final_state_is_a_failure(state, status):
    lead = FakeLead(states=["pending", state], errors=f"Run was {state} (test)")
    with serve(lead) as url:
        (result,) = pscheduler.run(spec_for(url))
    assert result.status is status
    assert result.reason == f"pScheduler run {state}: Run was {state} (test)"
    assert result.metrics == {}


def test_http_error_is_a_failure_with_the_status():
    with serve(FakeLead(status=500)) as url:
        (result,) = pscheduler.run(spec_for(url))
    assert result.status is Status.TOOL_ERROR
    assert result.reason.startswith(f"pScheduler lead: POST {url}/pscheduler/tasks: HTTP 500")
    assert result.throughput_bps is None


def test_slow_answer_past_the_timeout_is_a_timeout():
    with serve(FakeLead(delay=3.0)) as url:
        (result,) = pscheduler.run(spec_for(url, timeout=1.0))
    assert result.status is Status.TIMEOUT
    assert "no answer within 1 s" in result.reason and "[pscheduler] timeout" in result.reason


def test_run_never_final_before_the_deadline_is_a_timeout(monkeypatch):
    monkeypatch.setattr(pscheduler, "SCHEDULING", 0.0)
    lead = FakeLead(states=["pending", "running"])
    with serve(lead) as url:
        spec = spec_for(url, RttOptions(count=1, interval=0.2), "rtt", timeout=1.0)
        (result,) = pscheduler.run(spec)
    assert result.status is Status.TIMEOUT
    assert "still 'running'" in result.reason and "/runs/" in result.reason
    # given up on: canceled, so that the lead does not run it for nobody
    assert result.reason.endswith("; the task was canceled on the lead")
    assert lead.canceled == list(lead.tasks) and result.context["canceled"] is True


def test_stopped_netprobe_cancels_the_task_on_the_lead():
    lead = FakeLead(run_delay=3.0)

    def stop(signum, frame):
        raise Interrupted("stopped by SIGALRM (test)")

    previous = signal.signal(signal.SIGALRM, stop)
    try:
        with serve(lead) as url:
            signal.setitimer(signal.ITIMER_REAL, 0.5)  # while the lead holds the run back
            with pytest.raises(Interrupted):
                pscheduler.run(spec_for(url))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(lead.tasks) == 1 and lead.canceled == list(lead.tasks)


def test_lead_that_is_not_there_is_a_failure():
    with serve(FakeLead()) as url:
        pass  # the port is free again
    (result,) = pscheduler.run(spec_for(url))
    assert result.status is Status.TOOL_ERROR and "connection refused" in result.reason


def test_self_signed_lead_needs_its_ca_file(certificate):
    cert, key = certificate
    iperf2 = merged_result("throughput-result-example-iperf2.json")
    lead = FakeLead(states=["finished"], result=iperf2)
    with serve(lead, cert=cert, key=key) as url:
        (refused,) = pscheduler.run(spec_for(url))
        (trusted,) = pscheduler.run(spec_for(url, ca_file=cert))
        (insecure,) = pscheduler.run(spec_for(url, insecure=True))
    assert url.startswith("https://")
    assert refused.status is Status.TOOL_ERROR
    assert "TLS certificate not trusted" in refused.reason
    assert "[pscheduler] ca_file" in refused.reason
    assert trusted.ok and "tls_verified" not in trusted.context
    # iperf2 reports one side: the sender's rate, said so.
    assert trusted.throughput_bps == pytest.approx(1.76e9, rel=0.01)
    assert trusted.context["throughput_side"] == "sender"
    assert insecure.ok and insecure.context["tls_verified"] is False


def test_rtt_and_trace_through_the_lead():
    rtt_lead = FakeLead(tool="ping", result=merged_result("rtt-result-format.json"))
    trace_lead = FakeLead(tool="traceroute", result=merged_result("trace-result-example.json"))
    with serve(rtt_lead) as rtt_url, serve(trace_lead) as trace_url:
        (rtt,) = pscheduler.run(spec_for(rtt_url, RttOptions(count=5), "rtt"))
        (trace,) = pscheduler.run(spec_for(trace_url, TraceOptions(), "trace"))
    assert rtt.ok and rtt.tool == "ping" and rtt.test == "rtt"
    assert rtt.metrics["rtt_min_ms"] == pytest.approx(0.008)
    assert rtt.metrics["rtt_max_ms"] == pytest.approx(0.012)
    assert rtt.metrics["packets_received"] == 5
    assert trace.ok and trace.tool == "traceroute" and trace.hops
    assert trace.hops[0].address == "10.0.2.2" and trace.hops[0].rtt_ms == pytest.approx(0.2)
