"""load_services_file: comments, blank lines, clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from ev_desktop.core.services import ServicesFileError, load_services_file

REPO = Path(__file__).resolve().parents[2]


def test_demo_file_has_at_least_ten_services():
    cps = load_services_file(REPO / "assets" / "services_demo.txt")
    assert len(cps) >= 10
    assert set(cps) <= {f"CP00{i}" for i in range(1, 6)}


def test_comments_and_blank_lines(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("\ufeff# header\nCP001\n\n  CP002  # trailing comment\n\t\nCP-3_x.y\n", encoding="utf-8")
    assert load_services_file(f) == ["CP001", "CP002", "CP-3_x.y"]


def test_invalid_id_names_the_line(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("CP001\nCP 002\n")
    with pytest.raises(ServicesFileError, match=r"línea 2: 'CP 002'"):
        load_services_file(f)


def test_empty_and_missing(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("# nothing\n\n")
    with pytest.raises(ServicesFileError, match="ningún punto"):
        load_services_file(f)
    with pytest.raises(ServicesFileError, match="No se puede leer"):
        load_services_file(tmp_path / "missing.txt")
