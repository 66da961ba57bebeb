"""Reading a password a command needs — never from its command line.

A value given as ``--password X`` is visible to every user of the machine in ``ps`` and stays
in shell history, so commands take it from (in order): a file (``--password-file``, checked
0600 like every secret file), an environment variable, or an interactive prompt when a
terminal is attached. A script without any of them gets a sentence saying how to give one,
never a hang on a prompt nobody will answer.
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from ev_common.pki import InsecureFileError, read_secret


class MissingSecret(RuntimeError):
    """No password given and nobody to ask (the message says how to give one)."""


def add_password_file_arg(parser: argparse.ArgumentParser, env: str, what: str = "password") -> None:
    parser.add_argument("--password-file", type=Path, default=None, metavar="FILE",
                        help=f"file (mode 0600) holding the {what}; or env {env}; or asked for "
                             "when a terminal is attached. Never a command-line value")


def read_password(password_file: Path | None, env: str, prompt: str, *, confirm: bool = False) -> str:
    """The password from *password_file*, else env *env*, else the terminal (asked twice when
    *confirm*). Raises :class:`MissingSecret` or :class:`InsecureFileError` with the fix."""
    if password_file is not None:
        value = read_secret(Path(password_file).expanduser())
        if not value:
            raise MissingSecret(f"{password_file} está vacío")
        return value
    value = os.environ.get(env, "")
    if value:
        return value
    if not sys.stdin.isatty():
        raise MissingSecret(f"Falta la contraseña: use --password-file FICHERO (0600) o la variable {env}")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repítala: ") != first:
        raise MissingSecret("Las contraseñas no coinciden")
    if not first:
        raise MissingSecret("La contraseña no puede estar vacía")
    return first


__all__ = ["InsecureFileError", "MissingSecret", "add_password_file_arg", "read_password"]
