"""The diagnostics dialog's verdict line is coloured by what the verdict means."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ev_desktop.diagnostics.report import Diagnosis, DiagnosticsReport
from ev_desktop.diagnostics.runner import StepStatus
from ev_desktop.views.diagnostics_dialog import STATUS_COLORS, headline_color

FIXED = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)  # any instant: the colour ignores it


def _report(code: str, step_id: str | None = None) -> DiagnosticsReport:
    return DiagnosticsReport("127.0.0.1:9092", FIXED, [], Diagnosis(code, {}, step_id), 1.0)


@pytest.mark.parametrize("code", ["ok", "ok.no_roundtrip"])
def test_every_healthy_verdict_is_green_also_without_the_send_test(code):
    assert headline_color(_report(code)) == STATUS_COLORS[StepStatus.OK]


def test_a_verdict_with_warnings_is_amber_not_green():
    assert headline_color(_report("ok.warnings")) not in (STATUS_COLORS[StepStatus.OK],
                                                         STATUS_COLORS[StepStatus.FAILED])


def test_a_failed_step_is_red_and_a_cancelled_run_grey():
    assert headline_color(_report("tcp.refused", "tcp")) == STATUS_COLORS[StepStatus.FAILED]
    assert headline_color(_report("cancelled")) == STATUS_COLORS[StepStatus.SKIPPED]
