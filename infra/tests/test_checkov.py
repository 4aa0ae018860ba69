"""checkov, the policy scanner, on the templates (template.yaml and the web ACL's waf.yaml).

Offline (--skip-download: no platform, no network). Every failed check must be accepted, with
its reason, in infra/README.md's section "checkov findings we accept"; an accepted finding that
no longer fails must leave that list too, so that it stays short and true."""

from __future__ import annotations

import json
import re
import subprocess

from conftest import INFRA, venv_tool

SECTION = "## checkov findings we accept"
TEMPLATES = ("template.yaml", "waf.yaml")


def accepted() -> dict[tuple[str, str], str]:
    text = (INFRA / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"infra/README.md has no section {SECTION!r}"
    start = text.index(SECTION)
    end = text.find("\n## ", start + 1)
    found = {}
    for line in text[start : end if end != -1 else len(text)].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        match = re.match(r"`?(CKV2?_[A-Z0-9_]+)\b", cells[0]) if len(cells) == 3 else None
        if not match:
            continue
        check = match.group(1)
        reason = cells[2]
        assert len(reason) >= 30, f"{check}: give the reason, not a word"
        for resource in re.findall(r"`([A-Za-z0-9]+)`", cells[1]):
            found[(check, resource)] = reason
    assert found, "the section lists no finding in its table"
    return found


def failed_checks() -> set[tuple[str, str]]:
    checkov = venv_tool("checkov")
    assert checkov, "checkov is not installed: pip install -r infra/requirements.txt"
    args = [checkov, "--framework", "cloudformation", "--skip-download", "--quiet", "--compact",
            "--output", "json"]
    for name in TEMPLATES:
        args += ["--file", name]
    result = subprocess.run(args, cwd=INFRA, capture_output=True, text=True, timeout=600)
    # 0: nothing failed, 1: something failed; anything else is checkov itself failing.
    assert result.returncode in (0, 1), result.stdout + result.stderr
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = set()
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, report["summary"]
        assert report["summary"]["passed"] > 0, "checkov checked nothing"
        for check in report["results"]["failed_checks"]:
            failed.add((check["check_id"], check["resource"].split(".", 1)[1]))
    return failed


def test_checkov_finds_nothing_we_have_not_accepted():
    failed = failed_checks()
    ok = accepted()
    new = sorted(failed - set(ok))
    assert not new, (
        "checkov failed checks that infra/README.md does not accept (fix them, or add them with "
        f"an honest reason to '{SECTION[3:]}'): {new}"
    )
    stale = sorted(set(ok) - failed)
    assert not stale, f"accepted in infra/README.md but no longer failing (remove them): {stale}"
