"""End to end: examples/python deployed through the Automation API with the SDK installed as a user installs it
(language_suite.py says how and what is checked). Its own module, so it gets a fresh moto server."""

from __future__ import annotations

import pytest

# Tests run in the order they are imported here (the last one destroys the stack).
from language_suite import (  # noqa: F401, I001  (fixtures and tests of this module)
    artifacts,
    deployed,
    stack,
    test_outputs_match_the_emulator,
    test_one_orderapi_provider,
    test_secret_is_never_in_plaintext_state,
    test_second_up_changes_nothing,
    test_destroy_leaves_nothing,
)


@pytest.fixture(scope="module")
def language() -> str:
    return "python"
