import pytest

from crossmusim.errors import MissingExtraError
from crossmusim.extras import require


def test_missing_optional_dependency_names_the_install_line():
    with pytest.raises(MissingExtraError) as info:
        require("surely_not_installed_pkg.sub", "render")
    assert str(info.value) == (
        "this needs the optional package 'surely_not_installed_pkg': pip install \"crossmusim[render]\""
    )


def test_present_module_is_returned():
    assert require("json", "dev").dumps([1]) == "[1]"
