"""Shared setup of the pytest-lsp suite: the server binary comes from the
GREYHAVEN_LSP_BIN environment variable (set by .ci/run after `cargo build`);
without it the run stops with an error instead of passing vacuously."""

import os

import pytest


def pytest_configure(config):
    binary = os.environ.get("GREYHAVEN_LSP_BIN", "")
    if not binary or not os.path.isfile(binary):
        raise pytest.UsageError(
            "GREYHAVEN_LSP_BIN must name the built greyhaven-lsp binary"
        )
