"""The docstring examples of ``tracing/`` and ``cli/`` run with the test
suite (``--doctest-modules``, ``testpaths`` in pyproject.toml), so the
examples the docs show are kept true. Each runs in English and leaves the
environment as it found it (an example may pin ``$TRACING_TODAY``)."""
import os

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_environment(request):
    if not isinstance(request.node, DoctestItem):
        yield
        return
    from tracing import i18n

    saved = dict(os.environ)
    os.environ["TRACING_LANG"] = "en"
    i18n.set_language("en")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        i18n.set_language("en")
