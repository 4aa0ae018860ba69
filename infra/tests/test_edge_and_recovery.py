"""Issue 14, "The edge and the day after": the web ACL, the budget, the backups, the signer
key's replica and the restored-table switch, in the template, in infra/waf.yaml and in the
README that tells the operator about them."""

from __future__ import annotations

import json
import re

import pytest
from cfnlint.decode import cfn_yaml

from conftest import INFRA, of_type, only, plain

README = (INFRA / "README.md").read_text(encoding="utf-8")
WAF_TEMPLATE = INFRA / "waf.yaml"


def ref(name):
    return {"Ref": name}


def section(title):
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


@pytest.fixture(scope="module")
def waf_template():
    return plain(cfn_yaml.load(str(WAF_TEMPLATE)))


# --- WAF -------------------------------------------------------------------------------------


def test_waf_parameters_and_conditions(template):
    params, conds = template["Parameters"], template["Conditions"]
    assert params["EnableWaf"]["Default"] == "true"
    assert params["EnableWaf"]["AllowedValues"] == ["true", "false"]
    assert params["WebAclArn"]["Default"] == ""
    arn = params["WebAclArn"]["AllowedPattern"]
    good = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/campaign-edge/3f8e2a6c-1b4d-4e5f-9a0b-7c6d5e4f3a2b"
    assert re.fullmatch(arn, "") and re.fullmatch(arn, good)
    assert not re.fullmatch(arn, good.replace("us-east-1", "eu-west-1"))
    assert not re.fullmatch(arn, good.replace("global", "regional"))
    assert conds["InUsEast1"] == {"Fn::Equals": [ref("AWS::Region"), "us-east-1"]}
    assert conds["CreateWebAcl"] == {
        "Fn::And": [
            {"Condition": "WafOn"},
            {"Condition": "InUsEast1"},
            {"Fn::Not": [{"Condition": "HasWebAclArn"}]},
        ]
    }
    # Outside us-east-1, EnableWaf without an ARN is refused before anything changes.
    rule = template["Rules"]["WafOutsideUsEast1NeedsWebAcl"]
    assert rule["Assertions"] == [
        {"Assert": {"Fn::Not": [{"Fn::Equals": [ref("WebAclArn"), ""]}]}, "AssertDescription": rule["Assertions"][0]["AssertDescription"]}
    ]
    assert "us-east-1" in rule["Assertions"][0]["AssertDescription"]


def web_acl_rules(acl):
    return {r["Name"]: r for r in acl["Properties"]["Rules"]}


def test_web_acl_rules(resources):
    name, acl = only(resources, "AWS::WAFv2::WebACL")
    assert acl["Condition"] == "CreateWebAcl"
    p = acl["Properties"]
    assert p["Scope"] == "CLOUDFRONT"
    assert p["DefaultAction"] == {"Allow": {}}
    rules = web_acl_rules(acl)
    managed = {
        r["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for r in rules.values()
        if "ManagedRuleGroupStatement" in r["Statement"]
    }
    assert managed == {"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"}
    for r in rules.values():
        if "ManagedRuleGroupStatement" in r["Statement"]:
            assert r["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
            assert r["OverrideAction"] == {"None": {}}, "the groups' own actions (block) apply"
    rate = rules["api-post-rate"]
    stmt = rate["Statement"]["RateBasedStatement"]
    assert stmt["AggregateKeyType"] == "IP", "per viewer address (CloudFront-scoped WAF sees it)"
    assert stmt["Limit"] == ref("WafPostRateLimit")
    assert stmt["EvaluationWindowSec"] == 300
    (method, path) = stmt["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["FieldToMatch"] == {"Method": {}}
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    assert method["ByteMatchStatement"]["PositionalConstraint"] == "EXACTLY"
    assert path["ByteMatchStatement"]["FieldToMatch"] == {"UriPath": {}}
    assert path["ByteMatchStatement"]["SearchString"] == "/api/"
    assert path["ByteMatchStatement"]["PositionalConstraint"] == "STARTS_WITH"
    # A 429 with its own page: CloudFront maps 403 to the 404 page, but never maps 429.
    block = rate["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    assert block["CustomResponseBodyKey"] in p["CustomResponseBodies"]
    assert {"Name": "Retry-After", "Value": "300"} in block["ResponseHeaders"]
    priorities = [r["Priority"] for r in p["Rules"]]
    assert len(set(priorities)) == len(priorities)


def test_distribution_uses_the_web_acl(resources):
    _, dist = only(resources, "AWS::CloudFront::Distribution")
    assert dist["Properties"]["DistributionConfig"]["WebACLId"] == {
        "Fn::If": [
            "UseGivenWebAcl",
            ref("WebAclArn"),
            {"Fn::If": ["CreateWebAcl", {"Fn::GetAtt": ["EdgeWebAcl", "Arn"]}, ref("AWS::NoValue")]},
        ]
    }


def test_waf_companion_is_the_same_web_acl(template, resources, waf_template):
    """infra/waf.yaml (deployed in us-east-1 for a stack elsewhere) holds the same web ACL."""
    ours = dict(resources["EdgeWebAcl"])
    ours.pop("Condition")
    assert waf_template["Resources"] == {"EdgeWebAcl": ours}
    assert waf_template["Parameters"] == {"WafPostRateLimit": template["Parameters"]["WafPostRateLimit"]}
    assert waf_template["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["EdgeWebAcl", "Arn"]}


def test_readme_explains_the_waf_and_its_cost():
    text = section("WAF at the edge")
    for word in ("EnableWaf", "WebAclArn", "WafPostRateLimit", "us-east-1", "infra/waf.yaml",
                 "--no-waf", "--web-acl-arn", "AWSManagedRulesKnownBadInputsRuleSet",
                 "AWSManagedRulesAmazonIpReputationList", "429"):
        assert word in text, word
    for price in ("$5.00", "$1.00", "$0.60"):
        assert price in text, price
    assert re.search(r"prices? (as )?(of|shown|published)[^.]*20\d\d", text), "the price date"


# --- alarms that reach a person ---------------------------------------------------------------


def test_mail_and_limit_alarms_notify_the_topic(resources):
    topic = {"Fn::If": ["HasAlarmEmail", [ref("AlarmTopic")], ref("AWS::NoValue")]}
    for name in ("MailFailedAlarm", "LimitTripSurgeAlarm"):
        p = resources[name]["Properties"]
        assert p["AlarmActions"] == topic, name
        assert p["OKActions"] == topic, name
    assert resources["AlarmTopic"]["Properties"]["Subscription"] == [
        {"Protocol": "email", "Endpoint": ref("AlarmEmail")}
    ]


def test_monthly_budget(template, resources):
    name, budget = only(resources, "AWS::Budgets::Budget")
    assert budget["Condition"] == "HasAlarmEmail", "only with an address to tell"
    assert template["Parameters"]["MonthlyBudgetUsd"]["Default"] == 50
    b = budget["Properties"]["Budget"]
    assert (b["BudgetType"], b["TimeUnit"]) == ("COST", "MONTHLY")
    assert b["BudgetLimit"] == {"Amount": ref("MonthlyBudgetUsd"), "Unit": "USD"}
    notes = {
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"]): n
        for n in budget["Properties"]["NotificationsWithSubscribers"]
    }
    assert set(notes) == {("ACTUAL", 80), ("FORECASTED", 100)}
    for n in notes.values():
        assert n["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert n["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert n["Subscribers"] == [{"SubscriptionType": "EMAIL", "Address": ref("AlarmEmail")}]


# --- backups and recovery ---------------------------------------------------------------------

TABLE_ARN = {
    "Fn::If": [
        "CreateTable",
        {"Fn::GetAtt": ["PetitionTable", "Arn"]},
        {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingTableName}"},
    ]
}


def test_signer_secret_is_replicated_and_described_as_what_it_is(template, resources):
    secret = resources["SignerHmacSecret"]
    p = secret["Properties"]
    assert p["ReplicaRegions"] == {
        "Fn::If": ["HasSecretReplica", [{"Region": ref("SecretReplicaRegion")}], ref("AWS::NoValue")]
    }
    assert template["Parameters"]["SecretReplicaRegion"]["Default"] == ""
    rule = template["Rules"]["SecretReplicaInAnotherRegion"]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [ref("SecretReplicaRegion"), ref("AWS::Region")]}]
    }
    description = p["Description"].lower()
    assert "deduplication" in description and "encryption" in description


def test_readme_never_calls_the_signer_key_dedup_only():
    lowered = README.lower()
    assert "dedup only" not in lowered and "for deduplication only" not in lowered
    secrets = section("Secrets model")
    assert "encrypt" in secrets and "unreadable" in secrets and "sign again" in secrets


def test_backup_plan_vault_selection_and_role(template, resources):
    _, vault = only(resources, "AWS::Backup::BackupVault")
    assert vault["DeletionPolicy"] == "Retain"
    _, plan = only(resources, "AWS::Backup::BackupPlan")
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["TargetBackupVault"] == ref("TableBackupVault")
    assert rule["ScheduleExpression"].startswith("cron(") and "* * ? *" in rule["ScheduleExpression"]
    assert rule["Lifecycle"] == {"DeleteAfterDays": ref("BackupRetentionDays")}
    assert rule["CopyActions"] == {
        "Fn::If": [
            "HasBackupCopy",
            [{"DestinationBackupVaultArn": ref("BackupCopyVaultArn"),
              "Lifecycle": {"DeleteAfterDays": ref("BackupRetentionDays")}}],
            ref("AWS::NoValue"),
        ]
    }
    assert template["Parameters"]["BackupCopyVaultArn"]["Default"] == ""
    _, selection = only(resources, "AWS::Backup::BackupSelection")
    sel = selection["Properties"]["BackupSelection"]
    assert selection["Properties"]["BackupPlanId"] == ref("TableBackupPlan")
    assert sel["Resources"] == [TABLE_ARN]
    role = resources[sel["IamRoleArn"]["Fn::GetAtt"][0]]
    assert role["Type"] == "AWS::IAM::Role"
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "backup.amazonaws.com"}
    managed = json.dumps(role["Properties"]["ManagedPolicyArns"])
    assert "service-role/AWSBackupServiceRolePolicyForBackup" in managed
    assert "service-role/AWSBackupServiceRolePolicyForRestores" in managed
    assert "Policies" not in role["Properties"]


def test_existing_table_replaces_the_created_one_everywhere(template, resources):
    assert template["Parameters"]["ExistingTableName"]["Default"] == ""
    assert template["Conditions"]["CreateTable"] == {"Fn::Equals": [ref("ExistingTableName"), ""]}
    table = resources["PetitionTable"]
    assert table["Condition"] == "CreateTable" and table["DeletionPolicy"] == "Retain"
    # No reference to PetitionTable outside an !If on CreateTable.
    def walk(node, guarded):
        if isinstance(node, dict):
            if "Fn::If" in node and node["Fn::If"][0] == "CreateTable":
                return
            if node in ({"Ref": "PetitionTable"}, {"Fn::GetAtt": ["PetitionTable", "Arn"]}):
                raise AssertionError(f"unguarded reference to PetitionTable in {guarded}")
            for v in node.values():
                walk(v, guarded)
        elif isinstance(node, list):
            for v in node:
                walk(v, guarded)
    for name, res in resources.items():
        if name != "PetitionTable":
            walk(res, name)
    walk(template["Outputs"], "Outputs")


def test_readme_restore_procedure_names_the_real_things(template, resources):
    text = section("Backups and recovery")
    for name in ("ExistingTableName", "SecretReplicaRegion", "BackupCopyVaultArn", "BackupRetentionDays",
                 "TableBackupVault", "SignerHmacSecret", "PetitionTable"):
        assert name in text, name
        assert name in template["Parameters"] or name in resources, name
    for command in ("aws dynamodb restore-table-to-point-in-time", "aws backup start-restore-job",
                    "aws dynamodb update-continuous-backups", "aws dynamodb update-time-to-live",
                    "aws dynamodb update-table", "--deletion-protection-enabled"):
        assert command in text, command
    # The stack is re-pointed with the parameter the template declares, and a recount ends it.
    assert re.search(r"--parameter-overrides[^\n]*ExistingTableName=", text)
    recount = text.index("petition-fn recount --petition")
    assert "--fix" in text[recount:]
    # Parameters' names in the README's override lines are all the template's.
    for line in re.findall(r"--parameter-overrides([^\n`]*)", README):
        for key in re.findall(r"\b([A-Z][A-Za-z0-9]+)=", line):
            assert key in template["Parameters"], key


def test_readme_costs_of_the_day_after():
    text = section("Cost estimate")
    for item in ("WAF", "AWS Backup", "replica"):
        assert item in text, item
    assert "$0.40" in text and "$0.10 per GB-month" in text


def test_readme_says_direct_api_calls_are_refused():
    text = README
    assert "403" in text and "X-Origin-Verify" in text
    assert re.search(r"execute-api[^\n]*\n?[^\n]*403|403[^\n]*execute-api|answers 403 to direct", text)
