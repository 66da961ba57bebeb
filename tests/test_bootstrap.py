"""The one bootstrap-list parser: IPv4, IPv6 with and without brackets, host names, lists, bad input."""
from __future__ import annotations

import pytest

from ev_common.bootstrap import DEFAULT_PORT, format_address, parse_bootstrap


@pytest.mark.parametrize("value,expected", [
    ("127.0.0.1:9092", [("127.0.0.1", 9092)]),
    ("10.0.0.5", [("10.0.0.5", DEFAULT_PORT)]),
])
def test_ipv4_with_and_without_a_port(value, expected):
    assert parse_bootstrap(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("[::1]:9093", [("::1", 9093)]),
    ("[::1]", [("::1", DEFAULT_PORT)]),
    ("[fe80::1:2]:19092", [("fe80::1:2", 19092)]),
])
def test_ipv6_in_brackets_with_and_without_a_port(value, expected):
    assert parse_bootstrap(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("::1", [("::1", DEFAULT_PORT)]),
    ("fe80::1:9092", [("fe80::1:9092", DEFAULT_PORT)]),  # all of it is the address, not a port
    ("2001:db8::7", [("2001:db8::7", DEFAULT_PORT)]),
])
def test_a_bare_ipv6_address_is_a_host_on_the_default_port(value, expected):
    assert parse_bootstrap(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("pc2", [("pc2", DEFAULT_PORT)]),
    ("kafka.example.org:19093", [("kafka.example.org", 19093)]),
    ("localhost:1", [("localhost", 1)]),
])
def test_host_names(value, expected):
    assert parse_bootstrap(value) == expected


def test_a_list_keeps_its_order_and_ignores_blanks_and_empty_entries():
    assert parse_bootstrap(" a:1 , [::1]:2,,b ,::2 ") == [("a", 1), ("::1", 2), ("b", DEFAULT_PORT),
                                                          ("::2", DEFAULT_PORT)]


def test_the_default_port_can_be_chosen():
    assert parse_bootstrap("h,[::1]", default_port=29092) == [("h", 29092), ("::1", 29092)]


@pytest.mark.parametrize("value", [
    "", " , ", "host:port", "host:0", "host:70000", ":9092", "host:", "[::1", "[::1]x", "[::1]:",
    "[nothost]:9092", "a:b:c", "ho st:9092", "host:９０９２",
])
def test_bad_input_is_a_value_error(value):
    with pytest.raises(ValueError):
        parse_bootstrap(value)


@pytest.mark.parametrize("host,port,text", [
    ("h", 1, "h:1"), ("127.0.0.1", 9092, "127.0.0.1:9092"), ("::1", 9092, "[::1]:9092"),
])
def test_format_address_brackets_ipv6_only(host, port, text):
    assert format_address(host, port) == text
    assert parse_bootstrap(text) == [(host, port)]


def test_clients_get_no_address_but_no_exception_from_a_bad_list():
    """A client's constructor must not raise on a bad setting: it stays offline with the reason."""
    from ev_common.kafka.probe import split_bootstrap, unreachable_reason

    assert split_bootstrap("host:notaport") == []
    assert "no valid Kafka address" in unreachable_reason(split_bootstrap(""))
    assert split_bootstrap("::1,h:1") == [("::1", DEFAULT_PORT), ("h", 1)]


def test_kafka_clients_get_ipv6_addresses_in_brackets():
    from ev_common.kafka.probe import client_bootstrap

    assert client_bootstrap(parse_bootstrap("::1,[fe80::2]:9093,h:1")) == ["[::1]:9092", "[fe80::2]:9093", "h:1"]


def test_the_settings_dialog_accepts_exactly_what_the_kafka_clients_accept():
    from ev_desktop.settings_store import AppSettings, validate

    ok = AppSettings(bootstrap_servers="[::1]:9092, pc2 ,::1", central="127.0.0.1:7000", topic_prefix="t")
    assert validate(ok) == []
    problems = validate(AppSettings(bootstrap_servers="pc2:x,h:1", central="127.0.0.1:7000", topic_prefix="t"))
    assert problems == ["Kafka: 'pc2:x' no es una dirección HOST:PUERTO válida"]
