"""``ev-desktop``: the PySide6 app (driver panel + operator dashboard) on a qasync event loop.

    ev-desktop --bootstrap-servers pc2.local:9092 --central pc2.local:7000 [--role driver] [--lang en]

Command-line values win over the saved settings (``<data dir>/desktop-settings.json``), which
win over the environment/config-file defaults. Errors never show a traceback: they are logged
and the user gets one plain sentence.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
from dataclasses import replace
from pathlib import Path

from ev_common.heap import settle_heap
from ev_common.logsetup import setup_logging
from ev_common.settings import default_data_dir, setting
from ev_common.tls_links import add_client_tls_args, link_tls_from_args

log = logging.getLogger("ev_desktop")

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ev-desktop", description="EVCharging: the driver panel and the operator dashboard")
    p.add_argument("--bootstrap-servers", default=None,
                   help="Kafka HOST:PORT[,HOST:PORT] (default: saved setting, env EV_BOOTSTRAP_SERVERS, 127.0.0.1:9092)")
    p.add_argument("--central", default=None, help="Central's socket HOST:PORT (default: saved, EV_CENTRAL, 127.0.0.1:7000)")
    p.add_argument("--topic-prefix", default=None, help="topic prefix (default: saved, EV_TOPIC_PREFIX, ev)")
    p.add_argument("--data-dir", type=Path, default=None, help="outboxes and saved settings (default: EV_DATA_DIR or the user data dir)")
    p.add_argument("--role", choices=("driver", "operator"), default=None,
                   help="driver: only the driver panel; operator: driver panel + dashboard (after operator sign-in). "
                        "For this run only: not saved")
    p.add_argument("--lang", choices=("es", "en"), default=None,
                   help="interface language (default: saved, else es). For this run only: not saved")
    p.add_argument("--kafka-credentials", type=Path, default=setting("kafka_credentials", "") or None,
                   help="Kafka credentials file of this app (TOML, 0600; env EV_KAFKA_CREDENTIALS; "
                        "default: saved setting, else the operator/driver file of the local broker)")
    p.add_argument("--kafka-plaintext", action="store_true",
                   default=setting("kafka_plaintext", "").lower() in ("1", "true", "yes", "on"),
                   help="legacy Kafka without TLS/authentication (env EV_KAFKA_PLAINTEXT=1)")
    p.add_argument("--log-level", default=setting("log_level", "INFO"))
    add_client_tls_args(p)
    return p


def apply_socket_tls(args: argparse.Namespace) -> None:
    """--ca-file / --plaintext-socket for every link this app opens to Central: the clients read
    EV_CA_FILE / EV_PLAINTEXT_SOCKET (LinkTLS.from_env), so the options are set there."""
    if args.ca_file:
        os.environ["EV_CA_FILE"] = str(args.ca_file)
    if args.plaintext_socket:
        os.environ["EV_PLAINTEXT_SOCKET"] = "1"
        link_tls_from_args(args, "desktop")  # the warning in the log


def resolve_settings(args: argparse.Namespace, store) -> object:
    saved = store.load()
    overrides = {k: v for k, v in {
        "bootstrap_servers": args.bootstrap_servers, "central": args.central,
        "topic_prefix": args.topic_prefix, "role": args.role, "lang": args.lang,
        "kafka_credentials": str(args.kafka_credentials) if getattr(args, "kafka_credentials", None) else None,
    }.items() if v}
    return replace(saved, **overrides)


LOG_FILE = "ev-desktop.log"


def add_log_file(data_dir: Path) -> Path:
    """Also log to ``<data dir>/ev-desktop.log`` (rotated, 3 × 2 MB): support asks for it, and
    Help ▸ About says where it is."""
    import logging.handlers

    path = Path(data_dir) / LOG_FILE
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2 * 2**20, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return path


def settings_for_run(args: argparse.Namespace, store) -> object:
    """This run's settings. Connection values from the command line are remembered; --role and
    --lang are for this run only (a run with --lang en must not make every later start English)."""
    saved = store.load()
    settings = resolve_settings(args, store)
    store.save(replace(settings, role=saved.role, lang=saved.lang))
    return settings


def install_qt_translator(app, lang: str) -> object | None:
    """Qt's own strings (Yes/No, the file dialog) in *lang* — Spanish too: without it a Spanish
    window asks "Yes / No" in English."""
    from PySide6.QtCore import QLibraryInfo, QTranslator

    qt_tr = QTranslator(app)
    if qt_tr.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_tr)
        return qt_tr
    log.warning("Qt's own translation qtbase_%s not found", lang)
    return None


def install_translator(app, lang: str) -> object | None:
    """Load ``assets/i18n/ev_desktop_<lang>.qm`` (Spanish is the source language: nothing to load)
    and Qt's own translation for *lang*."""
    from PySide6.QtCore import QTranslator

    install_qt_translator(app, lang)
    if lang == "es":
        return None
    translator = QTranslator(app)
    if translator.load(str(ASSETS / "i18n" / f"ev_desktop_{lang}.qm")):
        app.installTranslator(translator)
    else:
        log.warning("no translation for %s in %s", lang, ASSETS / "i18n")
        return None
    return translator


def load_style(app) -> None:
    qss = ASSETS / "styles" / "app.qss"
    try:
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    except OSError:
        pass


def install_error_handlers(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Unexpected errors: full details in the log, one plain sentence on screen, the app goes on."""
    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    showing = {"on": False}

    def show(exc: BaseException) -> None:
        app = QApplication.instance()
        if app is None or showing["on"]:
            return
        def popup() -> None:
            showing["on"] = True
            try:
                QMessageBox.warning(None, QCoreApplication.translate("App", "Error inesperado"),
                                    QCoreApplication.translate("App", "Se ha producido un error inesperado: {e}\n\nLa aplicación sigue "
                                              "funcionando; los detalles están en el registro.").format(e=exc))
            finally:
                showing["on"] = False
        QTimer.singleShot(0, popup)

    def excepthook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        show(exc)

    def thread_hook(hook_args) -> None:
        log.error("unexpected error in thread %s", getattr(hook_args.thread, "name", "?"),
                  exc_info=(hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback))

    def loop_handler(_loop, context) -> None:
        exc = context.get("exception")
        log.error("asyncio: %s", context.get("message"), exc_info=exc)
        if exc is not None:
            show(exc)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    if loop is not None:
        loop.set_exception_handler(loop_handler)


def _close_on_signals(window) -> None:
    """Ctrl+C / SIGTERM close the window like the user would (a clean shutdown follows)."""
    import signal

    from PySide6.QtCore import QTimer

    def handler(signum, _frame) -> None:
        log.info("signal %s: closing", signum)
        window.close()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread / not supported
            pass
    # Python only runs signal handlers when it gets control: wake it up regularly
    window._signal_timer = QTimer(window)
    window._signal_timer.timeout.connect(lambda: None)
    window._signal_timer.start(250)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging("ev-desktop", args.log_level)
    apply_socket_tls(args)
    import qasync
    from PySide6.QtWidgets import QApplication

    from ev_desktop.settings_store import SettingsStore

    data_dir = Path(args.data_dir or default_data_dir()).expanduser()
    data_dir.mkdir(parents=True, exist_ok=True)
    store = SettingsStore(data_dir)
    settings = settings_for_run(args, store)
    log_path = add_log_file(data_dir)
    log.info("log file %s", log_path)
    from ev_common.kafka.security import CredentialsError, configure_process
    try:  # who this app is on Kafka: the operator principal, or the driver one with --role driver
        configure_process(args.kafka_credentials or settings.kafka_credentials or None,
                          plaintext=args.kafka_plaintext, role=settings.role)
    except CredentialsError as exc:
        print(str(exc), file=sys.stderr)
        return 2

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("EVCharging")
    app.setQuitOnLastWindowClosed(False)  # closing awaits a clean shutdown first
    install_translator(app, settings.lang)
    load_style(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_error_handlers(loop)

    from ev_desktop.main_window import MainWindow

    async def run() -> None:
        window = MainWindow(settings, data_dir, store=store)
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        _close_on_signals(window)
        window.show()
        settle_heap("ev-desktop")  # the window is up: ev_common/heap.py
        log.info("ev-desktop up: kafka %s, central %s, prefix %s, role %s, data %s", settings.bootstrap_servers,
                 settings.central, settings.topic_prefix, settings.role, data_dir)
        await closed.wait()
        await window.shutdown()

    try:
        with loop:
            loop.run_until_complete(run())
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
