"""The template as `sam deploy` turns it into CloudFormation (the SAM translator, offline)."""

from __future__ import annotations

import copy
import json

import pytest
from samtranslator.translator.transform import transform  # aws-sam-translator (requirements.txt)

from conftest import only


class _ManagedPolicies:
    """The translator looks managed policy ARNs up in IAM; offline we give the one it needs."""

    def load(self):
        return {
            "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        }


@pytest.fixture(scope="module")
def transformed(template, monkeypatch_module):
    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")
    doc = copy.deepcopy(template)
    fn_name, _ = only(doc["Resources"], "AWS::Serverless::Function")
    # `sam deploy` uploads CodeUri first and hands the translator the S3 location.
    doc["Resources"][fn_name]["Properties"]["CodeUri"] = "s3://artifacts/petition-fn.zip"
    return transform(doc, {}, _ManagedPolicies())


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_transform_yields_plain_cloudformation(transformed):
    types = {r["Type"] for r in transformed["Resources"].values()}
    assert not any(t.startswith("AWS::Serverless::") for t in types)
    assert {"AWS::Lambda::Function", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"} <= types


def test_stage_settings_name_existing_routes(transformed):
    _, api = only(transformed["Resources"], "AWS::ApiGatewayV2::Api")
    _, stage = only(transformed["Resources"], "AWS::ApiGatewayV2::Stage")
    route_keys = {
        f"{method.upper()} {path}"
        for path, methods in api["Properties"]["Body"]["paths"].items()
        for method in methods
        if method != "x-amazon-apigateway-any-method"
    }
    assert {
        "POST /api/petitions/{id}/signatures",
        "GET /api/petitions/{id}",
        "POST /api/letters",
        "GET /api/health",
    } <= route_keys
    props = stage["Properties"]
    assert props["StageName"] == "$default" and props["AutoDeploy"] is True
    # A RouteSettings key that names no route would fail the deploy.
    assert set(props["RouteSettings"]) <= route_keys
    assert "POST /api/petitions/{id}/signatures" in props["RouteSettings"]
    assert "sourceIp" not in props["AccessLogSettings"]["Format"]
    assert "ThrottlingRateLimit" in props["DefaultRouteSettings"]


def test_every_integration_is_the_function_with_payload_2(transformed):
    _, api = only(transformed["Resources"], "AWS::ApiGatewayV2::Api")
    fn_name, _ = only(transformed["Resources"], "AWS::Lambda::Function")
    for path, methods in api["Properties"]["Body"]["paths"].items():
        for method, op in methods.items():
            integration = op["x-amazon-apigateway-integration"]
            assert integration["payloadFormatVersion"] == "2.0", (path, method)
            assert f"${{{fn_name}.Arn}}" in json.dumps(integration["uri"])


def test_role_has_only_the_declared_statements(transformed):
    roles = {
        n: r
        for n, r in transformed["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and "lambda.amazonaws.com" in json.dumps(r)
    }
    assert len(roles) == 1
    role = next(iter(roles.values()))["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    # A statement that exists only under a condition (mail, with MailDomain) stays an Fn::If.
    statements = [
        s["Fn::If"][1] if "Fn::If" in s else s
        for p in role["Policies"]
        for s in p["PolicyDocument"]["Statement"]
    ]
    actions = {
        a
        for s in statements
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert actions == {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:Query",
        "secretsmanager:GetSecretValue",
        "ses:SendEmail",
        "ses:SendRawEmail",
    }


def test_function_gets_the_operator_public_key(transformed):
    _, fn = only(transformed["Resources"], "AWS::Lambda::Function")
    env = fn["Properties"]["Environment"]["Variables"]
    assert env["OPERATOR_PUBLIC_KEY"] == {"Ref": "OperatorPublicKey"}
    assert "OperatorPublicKey" in transformed["Parameters"]
