"""infra/deploy.sh, run offline.

Each test runs a copy of the script in a scratch checkout with a PATH it controls: without the
tools (prerequisite errors), or with stand-ins for cargo, sam and aws that log their calls and
play their part (a built site, a deployed stack). The `aws s3 sync` calls are then replayed with
the CLI's filter rules to see which file each pass uploads, with which headers, and what its
--delete would remove."""

from __future__ import annotations

import base64
import fnmatch
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import DEPLOY_SCRIPT, TEMPLATE_PATH, only
from test_site_function import run_function

BASH = shutil.which("bash")
# What the script and the stand-ins use besides the tools under test.
BASE_TOOLS = ["bash", "cat", "cp", "find", "mkdir", "chmod", "touch", "env", "rm", "ls", "sleep", "date"]
STAND_INS = ("aws", "sam", "cargo", "cargo-lambda", "curl")
WAF_ARN = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/campaign-waf-edge/" + "a" * 8 + "-bbbb-cccc-dddd-" + "e" * 12
SEP = "\x1f"
# The operator's public key, as `petition-fn keygen` prints it (base64 of 32 bytes).
OPERATOR_KEY = base64.b64encode(bytes(range(32))).decode()
# And the last line of the key file it writes: the private key, which must never be echoed.
PRIVATE_KEY_LINE = base64.b64encode(bytes(range(100, 132))).decode()
KEY_FILE_TEXT = (
    "# petition-fn operator key: it opens the signers' names and addresses. Keep it off the servers.\n"
    f"# public key (OPERATOR_PUBLIC_KEY): {OPERATOR_KEY}\n{PRIVATE_KEY_LINE}\n"
)

LOG_CALL = r"""
{ printf '%s' "${0##*/}"; for a in "$@"; do printf '\037%s' "$a"; done; printf '\n'; } >> "$STUB_LOG"
"""

STUBS = {
    "cargo": LOG_CALL
    + r"""
case "$1" in
  run) mkdir -p public && cp -R "$STUB_SITE/." public/ ;;
  lambda)
    if [ "$2" = "--version" ]; then echo "cargo-lambda 1.9.2"; exit 0; fi
    mkdir -p target/lambda/petition-fn
    printf 'ELF' > target/lambda/petition-fn/bootstrap
    chmod +x target/lambda/petition-fn/bootstrap ;;
esac
""",
    "cargo-lambda": LOG_CALL,
    "sam": LOG_CALL
    + r"""
if [ "$1" = deploy ]; then touch "$STUB_STATE/deployed"; fi
""",
    "aws": LOG_CALL
    + r"""
case "$1 ${2:-}" in
  "--version "*) echo "aws-cli/2.17.0 Python/3.12.6 Linux/6.1 exe/x86_64" ;;
  "lambda get-account-settings") echo "${STUB_LAMBDA_LIMIT:-1000}" ;;
  "cloudformation deploy") touch "$STUB_STATE/waf-deployed" ;;
  "sts get-caller-identity")
    if [ -n "${STUB_STS_FAIL:-}" ]; then
      echo "Unable to locate credentials. You can configure credentials by running \"aws configure\"." >&2
      exit 255
    fi
    echo 123456789012 ;;
  "cloudformation describe-stacks")
    if [ "$4" = campaign-waf ] && [ -f "$STUB_STATE/waf-deployed" ]; then
      echo "$STUB_WAF_ARN"
    elif [ "$4" = campaign ] && [ -f "$STUB_STATE/deployed" ]; then
      printf 'SiteBucketName\tcampaign-sitebucket-1a2b3c\nDistributionId\tE2EXAMPLE\nSiteUrl\t%s\nDistributionDomainName\td111111abcdef8.cloudfront.net\n' "${STUB_SITE_URL:-https://d111111abcdef8.cloudfront.net}"
    else
      echo "An error occurred (ValidationError): Stack with id campaign does not exist" >&2
      exit 254
    fi ;;
  "configure get") exit 1 ;;
esac
""",
    # Answers as the deployed site would: STUB_CURL_<CHECK>=STATUS makes one check fail. With
    # REAL_CURL, a loopback URL (a stand-in server's) goes to the real curl.
    "curl": LOG_CALL
    + r"""
for url in "$@"; do :; done
case "$url" in
  http://127.0.0.1:*) if [ -n "${REAL_CURL:-}" ]; then exec "$REAL_CURL" "$@"; fi ;;
esac
case "$url" in
  */api/health) status="${STUB_CURL_HEALTH:-200}"; printf '{"status":"ok","store":"dynamodb"}\n%s application/json' "$status" ;;
  */api/petitions/*) status="${STUB_CURL_COUNT:-200}"; printf '{"id":"free-them","count":12,"by_country":{},"goal":1000,"open":true}\n%s application/json' "$status" ;;
  */) status="${STUB_CURL_HOME:-200}"; printf '<!doctype html>\n%s text/html; charset=utf-8' "$status" ;;
  *) echo "curl: (6) Could not resolve host" >&2; exit 6 ;;
esac
""",
}

SITE_FILES = {
    "index.html": "<!doctype html><title>home</title>",
    "404.html": "<!doctype html><title>not found</title>",
    "petition/index.html": "<!doctype html><title>petition</title>",
    "petition/thanks/index.html": "<!doctype html><title>thanks</title>",
    "old-petition/index.html": "<!doctype html><meta http-equiv=refresh content='0; url=/petition/'>",
    "css/site.0123abcd.css": "body{}",
    "js/site.89abcdef01.js": "void 0;",
    "css/print.css": "@media print{}",
    "css/vendor.deadbeef00.min.css": "a{}",
    "img/logo.png": "PNG",
    "atom.xml": "<feed/>",
    "tags/human-rights/atom.xml": "<feed/>",
    "sitemap.xml": "<urlset/>",
    "robots.txt": "User-agent: *",
    "_app/bundle.json": '{"site_title":"t","base_url":"https://example.org","language":"en","petitions":[{"id":"free-them","title":"Free them"}]}',
    "_app/deploy.txt": "# Written by site-gen for infra/deploy.sh.\nembed-allow https://partner.example http://127.0.0.2:8080\npetition free-them\n",
    ".site-gen": "site-gen output folder",
    ".hidden/notes.txt": "not the site",
    "_redirects": "# from to status\n/old-petition/ /petition/ 301\n\n/press /news/ 302\n/2017/ /news/\n",
}
FINGERPRINTED = {"css/site.0123abcd.css", "js/site.89abcdef01.js"}
PRIVATE = {"_app/bundle.json", "_app/deploy.txt", "_redirects", ".site-gen", ".hidden/notes.txt"}


class Sandbox:
    """A scratch checkout (infra/ only) and the PATH and environment to run the script with."""

    def __init__(self, root: Path, with_tools: bool, site_files: dict[str, str] | None = None):
        self.root = root
        self.repo = root / "repo"
        (self.repo / "infra").mkdir(parents=True)
        shutil.copy2(DEPLOY_SCRIPT, self.repo / "infra" / "deploy.sh")
        shutil.copy2(TEMPLATE_PATH, self.repo / "infra" / "template.yaml")
        shutil.copy2(TEMPLATE_PATH.parent / "waf.yaml", self.repo / "infra" / "waf.yaml")
        self.base_bin = root / "bin"
        self.base_bin.mkdir()
        for tool in BASE_TOOLS:
            found = shutil.which(tool)
            assert found, f"{tool} is needed by the test sandbox"
            (self.base_bin / tool).symlink_to(found)
        self.stub_bin = root / "stubs"
        self.stub_bin.mkdir()
        self.log = root / "calls.log"
        self.log.touch()
        self.state = root / "state"
        self.state.mkdir()
        self.site = root / "site"
        for rel, text in (site_files or SITE_FILES).items():
            path = self.site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if with_tools:
            for name in STAND_INS:
                stub = self.stub_bin / name
                stub.write_text(f"#!{BASH}\n" + STUBS[name], encoding="utf-8")
                stub.chmod(0o755)
        self.path = f"{self.stub_bin}{os.pathsep}{self.base_bin}"

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        environment = {
            "PATH": self.path,
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "STUB_LOG": str(self.log),
            "STUB_STATE": str(self.state),
            "STUB_SITE": str(self.site),
            "STUB_WAF_ARN": WAF_ARN,
            "ALARM_EMAIL": "ops@example.org",
            "OPERATOR_PUBLIC_KEY": OPERATOR_KEY,
            "SMOKE_WAIT": "0",
            **env,
        }
        return subprocess.run(
            [BASH, str(self.repo / "infra" / "deploy.sh"), *args],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def calls(self) -> list[list[str]]:
        text = self.log.read_text(encoding="utf-8")
        return [line.split(SEP) for line in text.splitlines() if line]

    def snapshot(self) -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(self.repo)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in self.repo.rglob("*")
        }


def for_tool(calls, tool, *prefix):
    return [c for c in calls if c[0] == tool and c[1 : 1 + len(prefix)] == list(prefix)]


def index_of(calls, tool, *prefix):
    for i, c in enumerate(calls):
        if c[0] == tool and c[1 : 1 + len(prefix)] == list(prefix):
            return i
    raise AssertionError(f"no call {tool} {' '.join(prefix)} in {calls}")


def option(args, name):
    return args[args.index(name) + 1] if name in args else None


# --- aws s3 sync, replayed -------------------------------------------------------------------


def sync_filters(args):
    filters = []
    for i, a in enumerate(args):
        if a in ("--exclude", "--include"):
            filters.append((a[2:], args[i + 1]))
    return filters


def passes_filters(rel: str, filters) -> bool:
    # The AWS CLI's rule: every file starts included; each matching filter, in order, sets
    # include or exclude (fnmatch, where * also matches /), so the last match wins.
    included = True
    for kind, pattern in filters:
        if fnmatch.fnmatchcase(rel, pattern):
            included = kind == "include"
    return included


def local_files(site: Path) -> set[str]:
    return {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}


def parse_overrides(value: str) -> dict[str, str]:
    # SAM CLI's form: space-separated Key="value" (double quotes, no escapes needed here).
    pairs = re.findall(r'(?:^| )([A-Za-z0-9]+)="([^"\\]*)"', value)
    assert " ".join(f'{k}="{v}"' for k, v in pairs) == value, value
    return dict(pairs)


# --- tests -----------------------------------------------------------------------------------


def test_help(tmp_path):
    box = Sandbox(tmp_path, with_tools=False)
    result = box.run("--help")
    assert result.returncode == 0
    for opt in ("--stack", "--region", "--domain", "--certificate-arn", "--alarm-email", "--dry-run",
                "--operator-public-key KEY", "OPERATOR_PUBLIC_KEY", "petition-fn keygen --out operator.key"):
        assert opt in result.stdout


def test_dry_run_without_aws_or_sam_prints_every_step_and_touches_nothing(tmp_path):
    box = Sandbox(tmp_path, with_tools=False)
    before = box.snapshot()
    result = box.run("--dry-run", "--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    steps = re.findall(r"^==> Step \d+: (.*)$", out, re.M)
    assert len(steps) == 11, steps
    # The tools it would need are named, as a real run would stop on them.
    for tool in ("cargo-lambda", "sam", "aws", "curl"):
        assert f"{tool} is not installed" in out
    expected_in_order = [
        "$ aws sts get-caller-identity",
        "$ aws lambda get-account-settings --region eu-west-1 --query AccountLimit.ConcurrentExecutions",
        "$ cargo run --release -p site-gen -- build",
        "$ cargo run --release -p site-gen -- build --counts target/deploy/counts.json",
        "$ cargo lambda build --profile release-lambda --arm64 -p petition-fn --features dynamodb,lambda",
        "$ cp public/_app/bundle.json target/lambda/petition-fn/bundle.json",
        "$ aws cloudformation deploy --template-file infra/waf.yaml --stack-name campaign-waf --region us-east-1",
        "$ sam deploy --template-file infra/template.yaml --stack-name campaign --region eu-west-1"
        " --capabilities CAPABILITY_IAM --resolve-s3",
        "$ aws cloudformation describe-stacks --stack-name campaign",
        "--cache-control 'public, max-age=31536000, immutable'",
        "$ aws s3 sync public/ 's3://<SiteBucketName>/' --delete",
        "$ aws s3 rm 's3://<SiteBucketName>/' --recursive --exclude '*' --include '.*'",
        "$ aws cloudfront create-invalidation --distribution-id '<DistributionId>' --paths '/*'",
        "https://<DistributionDomainName>/api/health",
        "https://<DistributionDomainName>/",
        "https://<DistributionDomainName>/api/petitions/<first petition id of public/_app/deploy.txt>",
    ]
    position = 0
    for fragment in expected_in_order:
        found = out.find(fragment, position)
        assert found >= 0, f"missing or out of order: {fragment}\n{out}"
        position = found
    assert "--no-fail-on-empty-changeset" in out and "--exclude '_app/*'" in out
    assert "--exclude '.*' --exclude '*/.*'" in out
    assert "RedirectMap=" in out
    assert "nothing was done" in out
    assert box.snapshot() == before, "a dry run changed files"


def test_dry_run_calls_no_tool_even_when_installed(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    before = box.snapshot()
    result = box.run("--dry-run", "--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert box.calls() == [], "a dry run ran aws, sam or cargo"
    assert box.snapshot() == before
    assert "A real run would stop here" not in result.stdout


def test_missing_tools_stop_before_anything(tmp_path):
    box = Sandbox(tmp_path, with_tools=False)
    before = box.snapshot()
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode != 0
    err = result.stderr
    assert "nothing was built or changed" in err
    assert "cargo is not installed" in err and "rustup" in err
    assert "cargo-lambda is not installed" in err and "pip install cargo-lambda" in err
    assert "sam is not installed" in err and "pip install aws-sam-cli" in err
    assert "aws is not installed" in err and "AWS CLI v2" in err
    assert "Step 2" not in result.stdout
    assert box.snapshot() == before
    assert not (box.repo / "public").exists() and not (box.repo / "target").exists()


def test_missing_settings_are_named(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run()
    assert result.returncode != 0
    assert "--stack" in result.stderr and "--region" in result.stderr
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--domain", "www.example.org")
    assert result.returncode != 0 and "--certificate-arn" in result.stderr
    result = box.run(
        "--stack", "campaign", "--region", "eu-west-1", "--domain", "www.example.org",
        "--certificate-arn", "arn:aws:acm:eu-west-1:123456789012:certificate/" + "0" * 36,
    )
    assert result.returncode != 0 and "us-east-1" in result.stderr
    assert not any(c[0] in ("cargo", "sam") for c in box.calls())


def test_invalid_credentials_stop_before_the_build(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", STUB_STS_FAIL="1")
    assert result.returncode != 0
    assert "no valid AWS credentials" in result.stderr and "aws configure" in result.stderr
    calls = box.calls()
    assert [c[:3] for c in calls] == [["aws", "--version"], ["aws", "sts", "get-caller-identity"]]
    assert not (box.repo / "public").exists()


def test_full_run_in_order(tmp_path, template, resources):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()

    # Checks, then the site, the function, the stack, the upload, the invalidation.
    i_sts = index_of(calls, "aws", "sts", "get-caller-identity")
    i_site = index_of(calls, "cargo", "run", "--release", "-p", "site-gen", "--", "build")
    i_fn = index_of(calls, "cargo", "lambda", "build", "--profile", "release-lambda", "--arm64", "-p", "petition-fn")
    i_sam = index_of(calls, "sam", "deploy")
    i_quota = index_of(calls, "aws", "lambda", "get-account-settings")
    i_waf = index_of(calls, "aws", "cloudformation", "deploy")
    syncs = [i for i, c in enumerate(calls) if c[:3] == ["aws", "s3", "sync"]]
    i_rm = index_of(calls, "aws", "s3", "rm")
    i_inv = index_of(calls, "aws", "cloudfront", "create-invalidation")
    curls = [i for i, c in enumerate(calls) if c[0] == "curl"]
    assert i_sts < i_quota < i_site < i_fn < i_waf < i_sam < min(syncs)
    assert max(syncs) < i_rm < i_inv < min(curls)
    assert max(curls) == len(calls) - 1

    # Outside us-east-1 the web ACL comes from the companion stack there.
    waf = calls[i_waf][1:]
    assert option(waf, "--template-file") == "infra/waf.yaml"
    assert option(waf, "--stack-name") == "campaign-waf" and option(waf, "--region") == "us-east-1"

    # The smoke test, through the distribution's own name, last.
    urls = [calls[i][-1] for i in curls]
    assert urls == [
        "https://d111111abcdef8.cloudfront.net/api/health",
        "https://d111111abcdef8.cloudfront.net/",
        "https://d111111abcdef8.cloudfront.net/api/petitions/free-them",
    ]
    assert "ok: https://d111111abcdef8.cloudfront.net/api/health answered 200" in result.stdout

    # First deploy: no stack yet, so no base URL from it, and a hint to deploy once more.
    assert "--base-url" not in calls[i_site]
    assert "Run this command" in result.stdout

    fn_args = calls[i_fn]
    assert option(fn_args, "--features") == "dynamodb,lambda"
    bundle = box.repo / "target/lambda/petition-fn/bundle.json"
    assert bundle.read_text() == (box.repo / "public/_app/bundle.json").read_text()

    sam = calls[i_sam][1:]
    assert option(sam, "--template-file") == "infra/template.yaml"
    assert option(sam, "--stack-name") == "campaign"
    assert option(sam, "--region") == "eu-west-1"
    assert option(sam, "--capabilities") == "CAPABILITY_IAM"
    assert "--resolve-s3" in sam and "--no-fail-on-empty-changeset" in sam
    params = parse_overrides(option(sam, "--parameter-overrides"))
    assert params["OperatorPublicKey"] == OPERATOR_KEY
    assert params["DomainName"] == "" and params["CertificateArn"] == ""
    assert params["AlarmEmail"] == "ops@example.org" and params["MonthlyBudgetUsd"] == "50"
    assert params["EnableWaf"] == "true" and params["WebAclArn"] == WAF_ARN
    assert params["SecretReplicaRegion"] == "eu-central-1" and params["BackupCopyVaultArn"] == ""
    assert "ExistingTableName" not in params, "never passed: a forgotten option must not swap the table"
    for name, value in params.items():
        pattern = template["Parameters"][name].get("AllowedPattern")
        assert pattern is None or re.fullmatch(pattern, value), (name, value)
    assert params["PriceClass"] == "PriceClass_100"
    assert params["ReservedConcurrency"] == "20" and params["LogRetentionDays"] == "30"
    assert set(params) <= set(template["Parameters"]), "only parameters the template declares"
    required = {name for name, p in template["Parameters"].items() if "Default" not in p}
    assert required <= set(params), "every parameter without a default, or sam deploy fails"
    assert params["RedirectMap"] == "/old-petition/>/petition/|/press>/news/>302|/2017/>/news/"
    assert re.fullmatch(template["Parameters"]["RedirectMap"]["AllowedPattern"], params["RedirectMap"])

    # The redirects reach the CloudFront Function as real redirects.
    _, cf_function = only(resources, "AWS::CloudFront::Function")
    got = run_function(
        tmp_path, cf_function["Properties"]["FunctionCode"]["Fn::Sub"], params["RedirectMap"],
        ["/old-petition/", "/press", "/2017/", "/petition/"],
    )
    assert got["/old-petition/"]["status"] == 301 and got["/old-petition/"]["location"] == "/petition/"
    assert got["/press"]["status"] == 302
    assert got["/2017/"]["location"] == "/news/"
    assert got["/petition/"] == {"uri": "/petition/index.html"}

    # The uploads, replayed.
    site = local_files(box.repo / "public")
    uploaded: dict[str, tuple[str | None, str | None]] = {}
    old_remote = {"css/site.0badc0de.css", "js/site.0badc0de11.js"}  # an earlier deploy's assets
    stale_remote = {"gone/index.html", "gone.png", "tags/gone/atom.xml"}
    deleted: set[str] = set()
    for n, i in enumerate(syncs):
        args = calls[i][3:]
        assert args[0] == "public/" and args[1] == "s3://campaign-sitebucket-1a2b3c/"
        assert option(args, "--region") == "eu-west-1"
        filters = sync_filters(args)
        chosen = {f for f in site if passes_filters(f, filters)}
        if n == 0:
            # (a) the fingerprinted assets, first, immutable, nothing deleted.
            assert chosen == FINGERPRINTED
            assert option(args, "--cache-control") == "public, max-age=31536000, immutable"
            assert "--delete" not in args
        else:
            assert option(args, "--cache-control") == "public, max-age=60, must-revalidate"
            assert "--delete" in args
            deleted |= {f for f in old_remote | stale_remote | PRIVATE if passes_filters(f, filters)}
        for f in chosen:
            assert f not in uploaded, f"{f} uploaded twice"
            uploaded[f] = (option(args, "--cache-control"), option(args, "--content-type"))

    assert set(uploaded) == site - PRIVATE, "every public file once, never _app/ or _redirects"
    for f, (cache, ctype) in uploaded.items():
        if f in FINGERPRINTED:
            assert "immutable" in cache
        else:
            assert cache == "public, max-age=60, must-revalidate", f
        if f.endswith(".html"):
            assert ctype == "text/html; charset=utf-8", f
        elif f.endswith("atom.xml"):
            assert ctype == "application/atom+xml; charset=utf-8", f
        else:
            assert ctype is None, f  # left to the CLI's guess (text/css, image/png, ...)
    assert deleted == stale_remote, "old assets and private files are never deleted, stale pages are"

    # (c) what is not the site is removed from the bucket, and nothing else.
    rm = calls[i_rm][3:]
    assert rm[0] == "s3://campaign-sitebucket-1a2b3c/" and "--recursive" in rm
    rm_filters = sync_filters(rm)
    remote = site | old_remote | stale_remote
    assert {f for f in remote if passes_filters(f, rm_filters)} == PRIVATE

    inv = calls[i_inv][1:]
    assert option(inv, "--distribution-id") == "E2EXAMPLE" and option(inv, "--paths") == "/*"


def test_custom_domain_and_alarm_email_reach_the_stack(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/" + "1" * 8 + "-2222-3333-4444-" + "5" * 12
    result = box.run(
        "--stack", "campaign", "--region", "us-east-1", "--domain", "www.example.org",
        "--certificate-arn", cert, "--alarm-email", "ops@example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    site = calls[index_of(calls, "cargo", "run")]
    assert option(site, "--base-url") == "https://www.example.org"
    sam = calls[index_of(calls, "sam", "deploy")]
    params = parse_overrides(option(sam, "--parameter-overrides"))
    assert params["DomainName"] == "www.example.org"
    assert params["CertificateArn"] == cert
    assert params["AlarmEmail"] == "ops@example.org"
    # In us-east-1 the stack makes its own web ACL: no companion stack, no ARN passed.
    assert not for_tool(calls, "aws", "cloudformation", "deploy")
    assert params["EnableWaf"] == "true" and params["WebAclArn"] == ""
    assert params["SecretReplicaRegion"] == "us-west-2"


def test_redeploy_builds_with_the_stack_address(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    (box.state / "deployed").touch()
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    site = calls[index_of(calls, "cargo", "run")]
    assert option(site, "--base-url") == "https://d111111abcdef8.cloudfront.net"
    assert "Run this command" not in result.stdout


@pytest.mark.parametrize(
    "line, message",
    [
        ("/a /b 307", "status '307'"),
        ("/a", "expected 'FROM TO"),
        ("a /b", "is not a site path"),
        ("/a /b'c", "is not a path or an http(s) URL"),
    ],
)
def test_bad_redirects_stop_before_the_stack_changes(tmp_path, line, message):
    files = dict(SITE_FILES)
    files["_redirects"] = f"/ok/ /fine/\n{line}\n"
    box = Sandbox(tmp_path, with_tools=True, site_files=files)
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode != 0
    assert "public/_redirects:2" in result.stderr and message in result.stderr
    assert not for_tool(box.calls(), "sam") and not for_tool(box.calls(), "aws", "s3")


# --- issue 14: alarms, pre-checks, the web ACL, the smoke test -------------------------------


def test_refuses_to_deploy_without_an_alarm_address(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", ALARM_EMAIL="")
    assert result.returncode != 0
    err = result.stderr
    assert "no alarm address" in err and "--alarm-email ADDRESS" in err and "--no-alarms" in err
    assert not any(c[0] in ("cargo", "sam") for c in box.calls())
    assert not (box.repo / "public").exists()


def test_no_alarms_deploys_without_an_address_and_says_so(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--no-alarms", ALARM_EMAIL="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING: --no-alarms" in result.stdout
    calls = box.calls()
    params = parse_overrides(option(calls[index_of(calls, "sam", "deploy")], "--parameter-overrides"))
    assert params["AlarmEmail"] == ""
    # Both at once is a contradiction, named as such.
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--no-alarms")
    assert result.returncode != 0 and "contradict" in result.stderr


@pytest.mark.parametrize("limit, concurrency, ok", [("10", "20", False), ("29", "20", False), ("30", "20", True), ("1000", "20", True)])
def test_lambda_concurrency_quota_must_leave_ten_unreserved(tmp_path, limit, concurrency, ok):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run(
        "--stack", "campaign", "--region", "eu-west-1",
        STUB_LAMBDA_LIMIT=limit, RESERVED_CONCURRENCY=concurrency,
    )
    calls = box.calls()
    assert for_tool(calls, "aws", "lambda", "get-account-settings")
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
        return
    assert result.returncode != 0
    err = result.stderr
    assert f"quota in eu-west-1 is {limit}" in err and "at least 10" in err
    assert "Service Quotas" in err and "L-B99A9384" in err
    assert "aws service-quotas request-service-quota-increase --service-code lambda" in err
    assert not any(c[0] in ("cargo", "sam") for c in calls), "stopped before building anything"


def test_no_waf_and_a_given_web_acl(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--no-waf")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    assert not for_tool(calls, "aws", "cloudformation", "deploy")
    params = parse_overrides(option(calls[index_of(calls, "sam", "deploy")], "--parameter-overrides"))
    assert params["EnableWaf"] == "false" and params["WebAclArn"] == ""

    box = Sandbox(tmp_path / "given", with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--web-acl-arn", WAF_ARN)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    assert not for_tool(calls, "aws", "cloudformation", "deploy")
    params = parse_overrides(option(calls[index_of(calls, "sam", "deploy")], "--parameter-overrides"))
    assert params["EnableWaf"] == "true" and params["WebAclArn"] == WAF_ARN

    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--web-acl-arn",
                     WAF_ARN.replace("us-east-1", "eu-west-1"))
    assert result.returncode != 0 and "us-east-1" in result.stderr


def test_secret_replica_region_and_backup_copy(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    # No partner region known for ap-south-1: the operator must choose.
    result = box.run("--stack", "campaign", "--region", "ap-south-1")
    assert result.returncode != 0 and "--secret-replica-region REGION" in result.stderr
    assert "--no-secret-replica" in result.stderr
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--secret-replica-region", "eu-west-1")
    assert result.returncode != 0 and "own region" in result.stderr
    vault = "arn:aws:backup:eu-central-1:123456789012:backup-vault:campaign-copy"
    result = box.run(
        "--stack", "campaign", "--region", "ap-south-1", "--secret-replica-region", "ap-southeast-1",
        "--backup-copy-vault-arn", vault, "--monthly-budget", "120",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    params = parse_overrides(option(calls[index_of(calls, "sam", "deploy")], "--parameter-overrides"))
    assert params["SecretReplicaRegion"] == "ap-southeast-1"
    assert params["BackupCopyVaultArn"] == vault and params["MonthlyBudgetUsd"] == "120"
    result = box.run("--stack", "campaign", "--region", "eu-central-1", "--backup-copy-vault-arn", vault)
    assert result.returncode != 0 and "another one" in result.stderr
    result = box.run("--stack", "campaign", "--region", "ap-south-1", "--no-secret-replica")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = box.calls()
    sams = [c for c in calls if c[:2] == ["sam", "deploy"]]
    assert parse_overrides(option(sams[-1], "--parameter-overrides"))["SecretReplicaRegion"] == ""


@pytest.mark.parametrize(
    "env, failing",
    [
        ({"STUB_CURL_HEALTH": "503"}, "/api/health answered 503"),
        ({"STUB_CURL_HOME": "403"}, "cloudfront.net/ answered 403"),
        ({"STUB_CURL_COUNT": "404"}, "/api/petitions/free-them answered 404"),
    ],
)
def test_smoke_test_fails_the_deploy_loudly(tmp_path, env, failing):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", SMOKE_TRIES="2", **env)
    assert result.returncode == 1, result.stdout + result.stderr
    err = result.stderr
    assert "SMOKE TEST FAILED" in err and failing in err, err
    assert "deployed" in err and "Rollback" in err
    # Tried twice, SMOKE_TRIES; the others passed once each.
    curls = [c for c in box.calls() if c[0] == "curl"]
    assert len(curls) == 4
    assert "Step 11: Done" not in result.stdout


def test_smoke_test_petition_can_be_named(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--smoke-petition", "other-one")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [c[-1] for c in box.calls() if c[0] == "curl"][-1].endswith("/api/petitions/other-one")


def test_upload_only_dry_run_builds_and_deploys_nothing(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--upload-only", "--dry-run", "--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "sam deploy" not in out and "cargo" not in out and "curl" not in out
    assert "$ aws s3 sync public/" in out and "create-invalidation" in out
    assert box.calls() == []


# --- the operator's public key ---------------------------------------------------------------


def test_refuses_to_deploy_without_the_operator_public_key(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    before = box.snapshot()
    result = box.run("--stack", "campaign", "--region", "eu-west-1", OPERATOR_PUBLIC_KEY="")
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr
    assert "nothing was built or changed" in err
    assert "no operator public key" in err
    assert "--operator-public-key KEY" in err and "OPERATOR_PUBLIC_KEY" in err
    assert "petition-fn keygen --out operator.key" in err and "own machine" in err
    assert "never on a server" in err
    assert not any(c[0] in ("cargo", "sam") for c in box.calls())
    assert box.snapshot() == before


@pytest.mark.parametrize(
    "bad",
    [
        OPERATOR_KEY[:-1],  # the padding lost
        OPERATOR_KEY.rstrip("=") + "A=",  # 45 characters
        base64.urlsafe_b64encode(b"\xfb" * 32).decode(),  # the URL-safe alphabet
        bytes(range(32)).hex(),
        " " + OPERATOR_KEY,
        KEY_FILE_TEXT,  # the whole key file pasted, private key included
    ],
    ids=["no-padding", "45-characters", "url-safe", "hex", "leading-space", "key-file"],
)
def test_refuses_a_malformed_operator_public_key_without_echoing_it(tmp_path, bad):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1", "--operator-public-key", bad)
    assert result.returncode == 2, result.stdout + result.stderr
    err = result.stderr
    assert "--operator-public-key is not an operator public key" in err
    assert f"({len(bad)} characters;" in err and "44 characters of base64" in err
    assert "petition-fn keygen --out operator.key" in err and "private key" in err
    assert not any(c[0] in ("cargo", "sam") for c in box.calls())
    for shown in (result.stdout, result.stderr):
        assert bad.strip() not in shown and PRIVATE_KEY_LINE not in shown
    # A dry run names the problem and shows the plan, still without the value.
    result = box.run("--dry-run", "--stack", "campaign", "--region", "eu-west-1", OPERATOR_PUBLIC_KEY=bad)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "A real run would stop here" in result.stdout
    assert "--operator-public-key is not an operator public key" in result.stdout
    assert "OperatorPublicKey=\"<not shown" in result.stdout
    assert bad.strip() not in result.stdout and PRIVATE_KEY_LINE not in result.stdout


@pytest.mark.parametrize(
    "how",
    [("--operator-public-key", OPERATOR_KEY), (f"--operator-public-key={OPERATOR_KEY}",), ()],
    ids=["option", "option=value", "environment"],
)
def test_dry_run_passes_the_operator_public_key_to_sam_deploy(tmp_path, how, template):
    box = Sandbox(tmp_path, with_tools=False)
    env = {} if how else {"OPERATOR_PUBLIC_KEY": OPERATOR_KEY}
    if how:
        env["OPERATOR_PUBLIC_KEY"] = ""
    result = box.run("--dry-run", "--stack", "campaign", "--region", "eu-west-1", *how, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "no operator public key" not in out
    (sam_line,) = [line for line in out.splitlines() if line.lstrip().startswith("$ sam deploy")]
    overrides = re.search(r"--parameter-overrides '([^']*)'", sam_line).group(1)
    params = parse_overrides(overrides)
    assert params["OperatorPublicKey"] == OPERATOR_KEY
    assert re.fullmatch(template["Parameters"]["OperatorPublicKey"]["AllowedPattern"], OPERATOR_KEY)
    assert f"sealed to the operator public key {OPERATOR_KEY}" in out


def test_dry_run_without_the_key_says_a_real_run_would_stop(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--dry-run", "--stack", "campaign", "--region", "eu-west-1", OPERATOR_PUBLIC_KEY="")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    stop = out.index("A real run would stop here")
    assert "no operator public key" in out[stop:] and "petition-fn keygen --out operator.key" in out[stop:]
    # The rest of the plan is still printed, with a placeholder for the key.
    assert "OperatorPublicKey=\"<public key from petition-fn keygen>\"" in out
    assert "nothing was done" in out
    assert box.calls() == []


def test_upload_only_needs_no_operator_public_key(tmp_path):
    box = Sandbox(tmp_path, with_tools=True)
    (box.state / "deployed").touch()
    (box.repo / "public").mkdir()
    shutil.copytree(box.site, box.repo / "public", dirs_exist_ok=True)
    result = box.run("--upload-only", "--stack", "campaign", "--region", "eu-west-1", OPERATOR_PUBLIC_KEY="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "operator public key" not in result.stdout + result.stderr
    calls = box.calls()
    assert not for_tool(calls, "sam") and for_tool(calls, "aws", "s3", "sync")
    result = box.run("--upload-only", "--dry-run", "--stack", "campaign", "--region", "eu-west-1",
                     OPERATOR_PUBLIC_KEY="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "A real run would stop here" not in result.stdout
    assert "operator public key" not in result.stdout


# --- the live counts and the embed origins (issue 12) ------------------------------------------

COUNT_BODIES = {
    "free-them": '{"id":"free-them","count":1234,"by_country":{"GB":1000,"FR":234},"goal":100000,"open":true}',
    "other-one": '{"id":"other-one","count":7,"by_country":{},"goal":500,"open":false}',
}
TWO_PETITIONS = {
    **SITE_FILES,
    "_app/deploy.txt": "# Written by site-gen for infra/deploy.sh.\n"
    "embed-allow https://partner.example\npetition free-them\npetition other-one\n",
}


class StandIn:
    """The deployed site's API on a loopback port: each petition's count as JSON, or `broken`'s
    failure for one of them. Records the paths it was asked for."""

    def __init__(self, broken: str | None = None):
        import http.server
        import threading

        self.paths: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                outer.paths.append(self.path)
                pid = self.path.removeprefix("/api/petitions/")
                status, ctype, body = 200, "application/json", COUNT_BODIES.get(pid)
                if body is None:
                    status, body = 404, '{"error":"not_found"}'
                elif pid == "other-one" and broken == "503":
                    status, body = 503, '{"error":"busy"}'
                elif pid == "other-one" and broken == "html":
                    ctype, body = "text/html; charset=utf-8", "<!doctype html><title>busy</title>"
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def site_builds(calls):
    return [c for c in calls if c[:7] == ["cargo", "run", "--release", "-p", "site-gen", "--", "build"]]


def test_counts_are_read_from_the_deployed_site_and_built_into_the_pages(tmp_path):
    import datetime
    import json

    box = Sandbox(tmp_path, with_tools=True, site_files=TWO_PETITIONS)
    (box.state / "deployed").touch()
    site = StandIn()
    try:
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        result = box.run(
            "--stack", "campaign", "--region", "eu-west-1",
            STUB_SITE_URL=site.url, REAL_CURL=shutil.which("curl"),
        )
        after = datetime.datetime.now(datetime.timezone.utc)
    finally:
        site.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert site.paths == ["/api/petitions/free-them", "/api/petitions/other-one"]

    counts_file = box.repo / "target/deploy/counts.json"
    text = counts_file.read_text(encoding="utf-8")
    counts = json.loads(text)
    assert set(counts) == {"as_of", "petitions"}
    # Each answer exactly as the API gave it.
    assert counts["petitions"] == {k: json.loads(v) for k, v in COUNT_BODIES.items()}
    for body in COUNT_BODIES.values():
        assert body in text
    as_of = datetime.datetime.strptime(counts["as_of"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert before <= as_of <= after

    # A first build gives the petitions; the second, after the reading, has the counts.
    calls = box.calls()
    builds = site_builds(calls)
    assert len(builds) == 2, builds
    first, final = builds
    assert option(first, "--counts") is None
    assert final == first + ["--counts", "target/deploy/counts.json"]
    assert option(first, "--base-url") == site.url
    readings = [i for i, c in enumerate(calls) if c[0] == "curl" and "/api/petitions/" in c[-1]]
    assert calls.index(first) < readings[0] and readings[1] < calls.index(final)
    assert calls.index(final) < index_of(calls, "cargo", "lambda", "build")
    assert "counts of 2 petition(s) as of" in result.stdout


@pytest.mark.parametrize(
    "broken, said",
    [
        ("503", "other-one answered 503 application/json, not a count"),
        ("html", "other-one answered 200 text/html; charset=utf-8, not a count"),
        ("down", "could not be fetched"),
    ],
)
def test_a_failed_reading_builds_without_counts_and_says_so(tmp_path, broken, said):
    box = Sandbox(tmp_path, with_tools=True, site_files=TWO_PETITIONS)
    (box.state / "deployed").touch()
    # An earlier deploy's counts: never used for this one.
    (box.repo / "target/deploy").mkdir(parents=True)
    (box.repo / "target/deploy/counts.json").write_text('{"as_of":"2020-01-01T00:00:00Z","petitions":{}}')
    site = StandIn(broken=broken)
    url = site.url
    if broken == "down":
        site.close()
    try:
        result = box.run(
            "--stack", "campaign", "--region", "eu-west-1",
            STUB_SITE_URL=url, REAL_CURL=shutil.which("curl"),
        )
    finally:
        if broken != "down":
            site.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert said in result.stdout and "the site is built without counts" in result.stdout, result.stdout
    # The first build stands: no second one, no counts file; the deploy goes on.
    assert len(site_builds(box.calls())) == 1
    assert not (box.repo / "target/deploy/counts.json").exists()
    assert for_tool(box.calls(), "sam", "deploy")


def test_first_deploy_builds_without_counts(tmp_path):
    box = Sandbox(tmp_path, with_tools=True, site_files=TWO_PETITIONS)
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no stack yet: the site is built without counts" in result.stdout
    calls = box.calls()
    assert len(site_builds(calls)) == 1
    # No count was asked for before the smoke test, which reads the first petition's.
    smoke = index_of(calls, "aws", "cloudfront", "create-invalidation")
    assert not [c for c in calls[:smoke] if c[0] == "curl"]
    assert calls[-1][-1] == "https://d111111abcdef8.cloudfront.net/api/petitions/free-them"


def test_embed_origins_reach_the_stack_from_the_built_site(tmp_path, template):
    box = Sandbox(tmp_path, with_tools=True)
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    sam = box.calls()[index_of(box.calls(), "sam", "deploy")]
    params = parse_overrides(option(sam, "--parameter-overrides"))
    assert params["EmbedAllowOrigins"] == "https://partner.example http://127.0.0.2:8080"
    assert re.fullmatch(template["Parameters"]["EmbedAllowOrigins"]["AllowedPattern"], params["EmbedAllowOrigins"])
    assert "embed pages framed by: https://partner.example http://127.0.0.2:8080" in result.stdout

    # Nobody named: the parameter is cleared (the stack then serves /embed/* with DENY).
    nobody = Sandbox(tmp_path / "nobody", with_tools=True, site_files={
        **SITE_FILES, "_app/deploy.txt": "embed-allow\npetition free-them\n"})
    result = nobody.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode == 0, result.stdout + result.stderr
    sam = nobody.calls()[index_of(nobody.calls(), "sam", "deploy")]
    assert parse_overrides(option(sam, "--parameter-overrides"))["EmbedAllowOrigins"] == ""
    assert "framed by: nobody" in result.stdout


@pytest.mark.parametrize(
    "deploy_txt, message",
    [
        ("embed-allow https://partner.example/news\npetition a\n", "_app/deploy.txt:1: 'https://partner.example/news' is not an origin"),
        ("embed-allow\npetition Bad_Id\n", "_app/deploy.txt:2: 'Bad_Id' is not a petition id"),
        ("embed-allow\nshare-card x\n", "_app/deploy.txt:2: unknown line 'share-card x'"),
        ("petition a\n", "has no 'embed-allow' line"),
    ],
)
def test_a_bad_deploy_file_stops_before_the_stack(tmp_path, deploy_txt, message):
    box = Sandbox(tmp_path, with_tools=True, site_files={**SITE_FILES, "_app/deploy.txt": deploy_txt})
    result = box.run("--stack", "campaign", "--region", "eu-west-1")
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert not for_tool(box.calls(), "sam", "deploy")
