"""infra/README.md on the operator's key pair: how it is made, where the private key lives, how
it is rotated, and deploy command lines that work now that deploy.sh requires the public key."""

from __future__ import annotations

import re

from conftest import INFRA

README = (INFRA / "README.md").read_text(encoding="utf-8")


def section(title):
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    # One space for each run of whitespace, so that a line break never splits a phrase.
    return " ".join(README[start : end if end != -1 else len(README)].split())


def deploy_commands():
    """Every `infra/deploy.sh --...` command the README shows: in sh blocks (with their `\\`
    continuation lines) and inline in backticks."""
    commands = []
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    for block in blocks:
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if "infra/deploy.sh --" not in line:
                continue
            command = line[line.index("infra/deploy.sh") :]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            commands.append(command)
    prose = re.sub(r"```sh\n.*?```", "", README, flags=re.S)
    commands += [" ".join(c.split()) for c in re.findall(r"`(infra/deploy\.sh --[^`]*)`", prose)]
    return commands


def test_operator_key_section():
    text = section("Operator key")
    for needed in ("OperatorPublicKey", "OPERATOR_PUBLIC_KEY", "petition-fn keygen --out",
                   "--operator-key", "OPERATOR_KEY_FILE", "SIGNER_HMAC_KEY"):
        assert needed in text, needed
    # Where the private key lives: on the operator's machine and a backup, never on AWS.
    assert "own machine" in text and "backup" in text and "never goes to AWS" in text
    # Rotation: new values to the new key, old ones still need the old private key.
    rotation = text[text.index("**Rotation.**") :]
    assert "new public" in rotation and "old private" in rotation and "Keep both files" in rotation


def test_deploy_commands_pass_the_operator_public_key():
    commands = deploy_commands()
    assert len(commands) >= 5, commands
    for command in commands:
        # --upload-only needs no key; "..." marks a command shown in part.
        if "--upload-only" in command or "..." in command:
            continue
        assert "--operator-public-key" in command, command


def test_first_deploy_makes_the_key_pair_first():
    text = section("First deploy")
    keygen = text.index("petition-fn keygen --out")
    assert keygen < text.index("infra/deploy.sh --dry-run")
    assert "--operator-public-key" in text and "OPERATOR_PUBLIC_KEY" in text
    assert re.search(r"\| `--operator-public-key KEY` \| `OperatorPublicKey` \| required", text)
