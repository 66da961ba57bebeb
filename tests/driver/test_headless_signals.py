"""ev-driver with Kafka unreachable: the request waits in the outbox; Ctrl+C exits cleanly."""
from __future__ import annotations

from ev_common.ports import free_port
from ev_common.topics import Topics
from tests.driver.driver_facing_central import DriverFacingCentral
from tests.helpers import Proc


def test_ctrl_c_while_kafka_is_down_is_clean(tmp_path, data_dir):
    fake = DriverFacingCentral(Topics("sig"), data_dir)
    fake.start_socket()
    proc = Proc("ev-driver-sigint", [
        "-m", "ev_desktop.headless", "--bootstrap-servers", f"127.0.0.1:{free_port()}",
        "--central", f"127.0.0.1:{fake.port}", "--topic-prefix", "sig", "--data-dir", str(data_dir),
        "--driver-id", "driver1", "--demo", "--cp", "CP001"], tmp_path)
    try:
        proc.wait_output("Solicitud en cola para CP001 (esperando a Kafka — se enviará)", timeout=60)
        proc.wait_output("Kafka no disponible", timeout=60)
        assert proc.interrupt(timeout=30) == 130
        out = proc.output()
        assert "Interrumpido por el usuario" in out and "outcome=stopped" in out
        assert "Traceback" not in out
    finally:
        proc.stop()
        fake.stop()
