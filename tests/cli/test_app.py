import pytest

from crossmusim import __version__
from tests.conftest import run_cli


def test_help_lists_the_crawl_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "crawl" in proc.stdout and "Harvest song pages" in proc.stdout


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"crossmusim {__version__}"


def test_crawl_help_documents_the_options():
    proc = run_cli("crawl", "--help")
    for option in (
        "--out",
        "--base-url",
        "--terms",
        "--max-pages",
        "--resume",
        "--cache",
        "--render",
        "--user-agent",
        "--demo",
    ):
        assert option in proc.stdout, option


def test_user_errors_are_one_line_without_traceback(tmp_path):
    missing = tmp_path / "nope.txt"
    proc = run_cli("crawl", "--out", str(tmp_path / "o"), "--terms", str(missing))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"crossmusim: error: {missing}: terms file not found (give a file with one term per line, or 'default')"
    )
    proc = run_cli("crawl", "--out", str(tmp_path / "o"), "--render", "webkit")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "crossmusim: error: --render 'webkit' is not supported: use --render js"


def test_debug_shows_the_traceback(tmp_path):
    proc = run_cli("--debug", "crawl", "--out", str(tmp_path / "o"), "--render", "webkit")
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "UserError" in proc.stderr


def test_unknown_site_and_missing_chromium(tmp_path):
    proc = run_cli("crawl", "--out", str(tmp_path / "o"), "--site", "wikipedia")
    assert proc.returncode == 1 and "unknown site 'wikipedia'" in proc.stderr
    proc = run_cli("crawl", "--out", str(tmp_path / "o"), "--render", "js", "--chromium", "/no/chromium")
    assert proc.returncode == 1  # the dev extras include [render], so the browser is what is missing
    assert proc.stderr.strip() == (
        "crossmusim: error: no Chromium at /no/chromium: install it (Debian: apt-get install chromium) "
        "or pass --chromium PATH"
    )


@pytest.mark.slow  # a whole crawl (tests/crawlers covers its parts); the default suite keeps under 10 minutes
def test_demo_crawls_the_bundled_site(tmp_path):
    proc = run_cli("crawl", "--demo", "--out", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr
    assert "crawl finished: 11 new songs" in proc.stdout
    assert (tmp_path / "demo" / "songs.jsonl").read_text(encoding="utf-8").count("\n") == 11


def test_help_is_never_cut_when_piped_or_narrow():
    """Every command's help names every option in full and never ends a text with an ellipsis."""
    import typer
    from typer.testing import CliRunner

    from crossmusim.cli.app import app

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "40"}, terminal_width=40)
        assert result.exit_code == 0, name
        assert "…" not in result.output, f"{name} --help is cut"
        for param in command.params:
            for option in param.opts:
                if option.startswith("--"):
                    assert option in result.output, f"{name} --help lacks {option}"
