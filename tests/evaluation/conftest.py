"""The evaluation tests' shared fixtures (the small built dataset and a tiny trained run) live in
tests/conftest.py: the listening-test tests use the same ones."""
