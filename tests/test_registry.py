"""Registries (`crossmusim.registry`): built-in names, entry points of an installed package, and the
one-line errors for an unknown name or a plugin that does not load."""

from __future__ import annotations

import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.baselines import BASELINES
from crossmusim.model.audio.towers import AUDIO_TOWERS, audio_tower_kind
from crossmusim.model.text import TEXT_TOWERS, text_tower_kind
from crossmusim.registry import Registry
from tests.support.plugin_package import write_plugin_package


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(write_plugin_package(tmp_path / "site")))
    for registry in (AUDIO_TOWERS, TEXT_TOWERS, BASELINES):
        registry.reload()
    yield
    monkeypatch.undo()
    for registry in (AUDIO_TOWERS, TEXT_TOWERS, BASELINES):
        registry.reload()


def test_built_in_names_come_first_and_an_unknown_name_lists_them():
    registry: Registry[int] = Registry("widget", "crossmusim.no_such_group", "--widget")
    registry.register("one", 1)
    registry.register("two", 2)
    assert registry.names() == ["one", "two"] and registry.get("two") == 2 and "one" in registry
    with pytest.raises(UserError, match=r"--widget 'three': no such widget; choose one, two"):
        registry.get("three")
    with pytest.raises(ValueError, match="twice"):
        registry.register("one", 3)


def test_the_shipped_registries_hold_the_built_ins():
    assert AUDIO_TOWERS.names()[:2] == ["musicnn", "mtt"]
    assert TEXT_TOWERS.names()[:3] == ["use-multilingual", "sentence-transformers", "hashed-ngrams"]
    assert BASELINES.names()[:6] == ["random", "untrained", "musicnn", "musicnn-std", "probe", "dsp"]
    assert audio_tower_kind("musicnn-mtt") == "musicnn" and audio_tower_kind("mtt") == "mtt"
    assert text_tower_kind("hashed-ngrams") == "hashed-ngrams"
    assert text_tower_kind("sentence-transformers/all-MiniLM-L6-v2") == "sentence-transformers"
    with pytest.raises(UserError, match=r"--audio-encoder 'wavenet': choose musicnn-msd, musicnn-mtt, mtt"):
        audio_tower_kind("wavenet")


def test_an_installed_package_adds_entries_by_name(plugin):
    assert "plug-energy" in AUDIO_TOWERS and audio_tower_kind("plug-energy") == "plug-energy"
    assert text_tower_kind("plug-chars") == "plug-chars" and "plug-loudness" in BASELINES.names()
    assert AUDIO_TOWERS.get("plug-energy").__name__ == "build_audio"
    spec = BASELINES.get("plug-loudness")  # a Baseline object, not adapted
    assert not spec.uses_run and spec.build(None).name == "plug-loudness"


def test_a_plugin_cannot_replace_a_built_in(plugin):
    from crossmusim.model.audio.towers import _musicnn

    assert AUDIO_TOWERS.get("musicnn") is _musicnn  # the plugin's `musicnn` points at a function that raises
    assert AUDIO_TOWERS.shadowed == ["musicnn"] and AUDIO_TOWERS.names().count("musicnn") == 1


def test_a_plugin_that_does_not_load_names_itself_in_one_line(plugin):
    with pytest.raises(UserError) as caught:
        BASELINES.get("plug-missing")
    message = str(caught.value)
    assert "plug-missing" in message and "plug_towers:no_such_name" in message and "plug-towers" in message
    assert "\n" not in message
