"""Shared fixtures of the offline infrastructure checks (no AWS account, no network)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

INFRA = Path(__file__).resolve().parents[1]
REPO = INFRA.parent
TEMPLATE_PATH = INFRA / "template.yaml"
DEPLOY_SCRIPT = INFRA / "deploy.sh"
TABLE_SCHEMA_PATH = REPO / "petition-fn" / "table.json"


def venv_tool(name: str) -> str | None:
    """A console script installed beside this interpreter (the venv), else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def plain(value):
    """The decoded template as plain dicts, lists and strings (cfn-lint's nodes are subclasses)."""
    return json.loads(json.dumps(value))


@pytest.fixture(scope="session")
def template() -> dict:
    # cfn-lint's decoder understands the short CloudFormation tags (!Ref, !Sub, !If, ...) and
    # turns them into their long forms ({"Ref": ...}, {"Fn::Sub": ...}).
    return plain(cfn_yaml.load(str(TEMPLATE_PATH)))


@pytest.fixture(scope="session")
def resources(template) -> dict:
    return template["Resources"]


@pytest.fixture(scope="session")
def table_schema() -> dict:
    return json.loads(TABLE_SCHEMA_PATH.read_text(encoding="utf-8"))


def of_type(resources: dict, cfn_type: str) -> dict:
    return {name: r for name, r in resources.items() if r["Type"] == cfn_type}


def only(resources: dict, cfn_type: str) -> tuple[str, dict]:
    found = of_type(resources, cfn_type)
    assert len(found) == 1, f"expected exactly one {cfn_type}, found {sorted(found)}"
    return next(iter(found.items()))
