"""Refresh the English translation of ev-desktop: lupdate → fill known strings → lrelease.

    .venv/bin/python scripts/i18n_en.py

Spanish is the source language. The English lives in scripts/i18n_en_app.py (the app's tr()
strings) and scripts/i18n_en_diagnostics.py (the diagnostics' catalogue); new strings without an
entry there stay "unfinished" in the .ts file (Qt then shows the Spanish text): add their
English and re-run.
"""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TS = REPO / "assets" / "i18n" / "ev_desktop_en.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the catalogue modules beside this script
from i18n_en_app import EN  # noqa: E402
from i18n_en_diagnostics import EN_DIAG_MESSAGES, EN_DIAG_REPORT, EN_DIAG_STEPS  # noqa: E402


def _fields(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)", template))


def add_diagnostics_contexts(root: ET.Element) -> list[str]:
    """(Re)write the Diagnostics* contexts (steps, messages, report) from the engine's own
    catalogue; returns the Spanish sources still without English."""
    sys.path.insert(0, str(REPO))
    from ev_desktop.diagnostics.report import CTX_MESSAGES, CTX_REPORT, CTX_STEPS, catalogue

    english = {CTX_STEPS: EN_DIAG_STEPS, CTX_MESSAGES: EN_DIAG_MESSAGES, CTX_REPORT: EN_DIAG_REPORT}
    contexts = {name: (sources, english[name]) for name, sources in catalogue().items()}
    missing: list[str] = []
    for name, (sources, english) in contexts.items():
        for old in [c for c in root.findall("context") if c.findtext("name") == name]:
            root.remove(old)
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = name
        for src in dict.fromkeys(sources):   # unique, in the engine's order
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = src
            tr = ET.SubElement(msg, "translation")
            text = english.get(src)
            if text is not None and _fields(text) != _fields(src):
                raise SystemExit(f"placeholders differ: {src!r} → {text!r}")
            if text is None:
                tr.attrib["type"] = "unfinished"
                missing.append(src)
            else:
                tr.text = text
        ET.indent(ctx, space="    ", level=0)
        ctx.tail = "\n"
        for stale in set(english) - set(sources):
            print(f"no longer in the engine: {stale!r}")
    return missing


def main() -> int:
    sources = sorted(str(p.relative_to(REPO)) for p in (REPO / "ev_desktop").rglob("*.py") if "core" not in p.parts)
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources, "-ts", str(TS), "-target-language", "en_GB",
                    "-no-obsolete"], cwd=REPO, check=True)
    tree = ET.parse(TS)
    missing = []
    for msg in tree.getroot().iter("message"):
        src = msg.find("source").text or ""
        tr = msg.find("translation")
        if src in EN:
            tr.text = EN[src]
            tr.attrib.pop("type", None)
        elif tr.attrib.get("type") == "unfinished":
            missing.append(src)
    missing += add_diagnostics_contexts(tree.getroot())
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], cwd=REPO, check=True)
    for m in missing:
        print(f"untranslated: {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
