"""The executor contract (``contract.py``) and one subclass of it per executor."""

import pytest

# The contract's asserts live outside test modules: have pytest explain them all the same.
pytest.register_assert_rewrite("tests.executors.contract")
