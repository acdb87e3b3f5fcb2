"""The knowledge package's names, loaded from their modules on first use."""

from __future__ import annotations

import importlib

import pytest

import knowledge


@pytest.mark.parametrize("name", knowledge.__all__)
def test_every_public_name_is_its_modules_own(name):
    value = getattr(knowledge, name)
    home = importlib.import_module(f"knowledge.{knowledge._HOME_OF[name]}")
    assert value is getattr(home, name)
    assert name in dir(knowledge)


def test_a_module_of_the_package_is_reached_by_its_name_and_a_wrong_name_is_an_attribute_error():
    assert knowledge.lint.ERROR == "fel"
    with pytest.raises(AttributeError, match="no attribute 'Artikel'"):
        knowledge.Artikel  # noqa: B018 - the lookup itself is what is tested
    assert not hasattr(knowledge, "_nothing_here")
