"""The template's properties, one by one (infra/template.yaml, issue 5)."""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re

import pytest

from conftest import INFRA, REPO, TEMPLATE_PATH, of_type, only

TEMPLATE_TEXT = TEMPLATE_PATH.read_text(encoding="utf-8")
README_TEXT = (INFRA / "README.md").read_text(encoding="utf-8")

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
HMAC_SECRET = "SignerHmacSecret"
ORIGIN_SECRET = "OriginVerifySecret"
API_PATTERNS = ("/api/petitions/*/signatures", "/api/petitions/*", "/api/*")
EXPECTED_CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
TABLE_ACTIONS = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
}
CONTRACT_ROUTES = {
    ("POST", "/api/petitions/{id}/signatures"),
    ("GET", "/api/petitions/{id}"),
    ("POST", "/api/letters"),
    ("POST", "/api/actions"),
    ("GET", "/api/confirm"),
    ("POST", "/api/confirm"),
    ("GET", "/api/unsubscribe"),
    ("POST", "/api/unsubscribe"),
    ("GET", "/api/challenge"),
    ("GET", "/api/health"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/petitions/{id}/badge.svg"),
    ("GET", "/api/petitions/{id}/history"),
    ("GET", "/api/petitions/{id}/history.csv"),
}


def ref(name):
    return {"Ref": name}


# The table the stack uses: PetitionTable, or the existing (restored) one ExistingTableName names.
TABLE_NAME_VALUE = {"Fn::If": ["CreateTable", {"Ref": "PetitionTable"}, {"Ref": "ExistingTableName"}]}
TABLE_ARN_VALUE = {
    "Fn::If": [
        "CreateTable",
        {"Fn::GetAtt": ["PetitionTable", "Arn"]},
        {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingTableName}"},
    ]
}


def as_list(value):
    return value if isinstance(value, list) else [value]


# --- helpers over the distribution -----------------------------------------------------------


@pytest.fixture(scope="module")
def dist_config(resources):
    _, dist = only(resources, "AWS::CloudFront::Distribution")
    return dist["Properties"]["DistributionConfig"]


@pytest.fixture(scope="module")
def behaviours(dist_config):
    return {b["PathPattern"]: b for b in dist_config["CacheBehaviors"]}


def origin(dist_config, origin_id):
    return next(o for o in dist_config["Origins"] if o["Id"] == origin_id)


def cache_policy(resources, policy_id):
    """The CachePolicyConfig a behaviour's CachePolicyId points at (a Ref in this template)."""
    assert isinstance(policy_id, dict) and "Ref" in policy_id, policy_id
    res = resources[policy_id["Ref"]]
    assert res["Type"] == "AWS::CloudFront::CachePolicy"
    return res["Properties"]["CachePolicyConfig"]


def all_behaviours(dist_config):
    return [dist_config["DefaultCacheBehavior"], *dist_config["CacheBehaviors"]]


# --- the site bucket -------------------------------------------------------------------------


def test_site_bucket_is_private_encrypted_versioned_owner_enforced(resources):
    name, bucket = only(resources, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rules = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules and all(
        r["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms", "aws:kms:dsse")
        for r in rules
    )
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    # Served only through CloudFront: no website endpoint, no ACL.
    assert "WebsiteConfiguration" not in props and "AccessControl" not in props


def test_bucket_policy_allows_only_this_distribution_and_only_tls(resources):
    _, policy = only(resources, "AWS::S3::BucketPolicy")
    bucket_name, _ = only(resources, "AWS::S3::Bucket")
    dist_name, _ = only(resources, "AWS::CloudFront::Distribution")
    assert policy["Properties"]["Bucket"] == ref(bucket_name)
    statements = policy["Properties"]["PolicyDocument"]["Statement"]

    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1, "one Allow only: CloudFront reading objects"
    allow = allows[0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    # GetObject only: no ListBucket, so a missing key answers 403 (mapped to the 404 page).
    assert as_list(allow["Action"]) == ["s3:GetObject"]
    source_arn = allow["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert "Fn::Sub" in source_arn and f"distribution/${{{dist_name}}}" in source_arn["Fn::Sub"]

    tls = [
        s
        for s in statements
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert len(tls) == 1
    assert tls[0]["Principal"] == "*" and as_list(tls[0]["Action"]) == ["s3:*"]
    covered = json.dumps(tls[0]["Resource"])
    assert f'"{bucket_name}", "Arn"' in covered and f"${{{bucket_name}.Arn}}/*" in covered


def test_s3_origin_uses_origin_access_control_not_oai(resources, dist_config):
    _, oac = only(resources, "AWS::CloudFront::OriginAccessControl")
    cfg = oac["Properties"]["OriginAccessControlConfig"]
    assert cfg["OriginAccessControlOriginType"] == "s3"
    assert cfg["SigningProtocol"] == "sigv4"
    assert cfg["SigningBehavior"] == "always"
    assert not of_type(resources, "AWS::CloudFront::CloudFrontOriginAccessIdentity")
    bucket_name, _ = only(resources, "AWS::S3::Bucket")
    s3 = origin(dist_config, dist_config["DefaultCacheBehavior"]["TargetOriginId"])
    assert s3["DomainName"] == {"Fn::GetAtt": [bucket_name, "RegionalDomainName"]}
    oac_name, _ = only(resources, "AWS::CloudFront::OriginAccessControl")
    assert s3["OriginAccessControlId"] in ({"Fn::GetAtt": [oac_name, "Id"]}, ref(oac_name))
    assert s3["S3OriginConfig"] == {"OriginAccessIdentity": ""}


# --- the distribution ------------------------------------------------------------------------


def test_distribution_protocols_and_price_class(template, dist_config):
    assert dist_config["Enabled"] is True
    assert dist_config["HttpVersion"] == "http2and3"
    assert dist_config["IPV6Enabled"] is True
    assert dist_config["PriceClass"] == ref("PriceClass")
    assert template["Parameters"]["PriceClass"]["AllowedValues"] == [
        "PriceClass_100",
        "PriceClass_200",
        "PriceClass_All",
    ]
    for b in all_behaviours(dist_config):
        assert b["Compress"] is True, b.get("PathPattern", "default")
        assert b["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    # No access logs: they would hold visitors' IP addresses.
    assert "Logging" not in dist_config


def test_behaviour_order_signatures_then_count_then_api(dist_config):
    patterns = [b["PathPattern"] for b in dist_config["CacheBehaviors"]]
    api = [p for p in patterns if p.startswith("/api/")]
    assert api == ["/api/petitions/*/signatures", "/api/petitions/*", "/api/*"]
    # The first match wins, so each more specific pattern must come before the broader one.
    assert patterns.index("/api/petitions/*/signatures") < patterns.index("/api/petitions/*")
    assert patterns.index("/api/petitions/*") < patterns.index("/api/*")
    assert {"/css/*", "/js/*"} <= set(patterns)


def test_api_behaviours_target_the_http_api_over_https_without_cookies(
    resources, dist_config, behaviours
):
    api_name, _ = only(resources, "AWS::Serverless::HttpApi")
    for pattern in ("/api/petitions/*/signatures", "/api/petitions/*", "/api/*"):
        b = behaviours[pattern]
        o = origin(dist_config, b["TargetOriginId"])
        assert o["DomainName"] == {
            "Fn::Sub": f"${{{api_name}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
        }
        assert o["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
        assert o["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
        # Every method reaches the function (POST for forms; others get its own 405).
        assert {"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"} == set(
            b["AllowedMethods"]
        )
        assert "FunctionAssociations" not in b, "the directory-index function is for S3 only"

        orp_id = b["OriginRequestPolicyId"]
        orp = resources[orp_id["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
        assert orp["CookiesConfig"]["CookieBehavior"] == "none"
        headers = orp["HeadersConfig"]
        assert headers["HeaderBehavior"] == "whitelist"
        names = {h.lower() for h in headers["Headers"]}
        assert {"content-type", "accept"} <= names
        assert "host" not in names and "cookie" not in names
        # The only CloudFront-added header is the viewer's address (the per-client limits' key).
        viewer = {n for n in names if n.startswith("cloudfront-")}
        assert viewer == {"cloudfront-viewer-address"}
        # Never a viewer's own X-Origin-Verify: only the origin's custom header carries it.
        assert "x-origin-verify" not in names


def test_api_gets_the_viewer_address_and_sec_fetch_site(resources, behaviours):
    policies = {json.dumps(behaviours[p]["OriginRequestPolicyId"]) for p in API_PATTERNS}
    assert len(policies) == 1, "one origin request policy for every API behaviour"
    orp = resources[behaviours["/api/*"]["OriginRequestPolicyId"]["Ref"]]
    cfg = orp["Properties"]["OriginRequestPolicyConfig"]
    names = {h.lower() for h in cfg["HeadersConfig"]["Headers"]}
    # Sec-Fetch-Site: the cross-site guard's fallback when Origin is missing or `null`.
    assert {"cloudfront-viewer-address", "sec-fetch-site", "origin", "referer"} <= names
    assert cfg["CookiesConfig"] == {"CookieBehavior": "none"}
    assert "host" not in names


def dynamic_reference(value):
    """The text of a header value given as !Sub (a Ref would not resolve the secret)."""
    assert set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str), value
    return value["Fn::Sub"]


def test_origin_verify_secret_is_generated(resources):
    secret = resources["OriginVerifySecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    p = secret["Properties"]
    gen = p["GenerateSecretString"]
    assert gen["PasswordLength"] == 48
    assert gen["ExcludePunctuation"] is True
    assert gen.get("IncludeSpace", False) is False
    assert "SecretString" not in p, "generated, never written in the template"
    assert "X-Origin-Verify" in p["Description"] and "CloudFront" in p["Description"]


def test_api_origin_sends_the_secret_in_x_origin_verify(template, dist_config):
    api = origin(dist_config, "api")
    (header,) = api["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    cond, pinned, current = header["HeaderValue"]["Fn::If"]
    assert cond == "HasOriginSecretVersion"
    assert template["Conditions"][cond] == {
        "Fn::Not": [{"Fn::Equals": [ref("OriginSecretVersionId"), ""]}]
    }
    assert template["Parameters"]["OriginSecretVersionId"]["Default"] == ""
    # A CloudFormation dynamic reference to the secret's string, resolved at deploy time:
    # the value itself is in no file and no parameter.
    assert dynamic_reference(current) == (
        "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString}}"
    )
    assert dynamic_reference(pinned) == (
        "{{resolve:secretsmanager:${OriginVerifySecret}:SecretString:::${OriginSecretVersionId}}}"
    )
    # The site origin (S3) gets no such header.
    assert "OriginCustomHeaders" not in origin(dist_config, "site")
    version = template["Parameters"]["OriginSecretVersionId"]["AllowedPattern"]
    assert re.fullmatch(version, "") and re.fullmatch(version, "3f8e2a6c-1b4d-4e5f-9a0b-7c6d5e4f3a2b")
    assert not re.fullmatch(version, "x}}{{resolve:ssm:other}}")


def test_function_reads_the_origin_secret_and_only_that_one(function):
    _, fn = function
    p = fn["Properties"]
    assert p["Environment"]["Variables"]["ORIGIN_SECRET_ARN"] == ref("OriginVerifySecret")
    statements = [s for pol in p["Policies"] for s in pol["Statement"] if "Fn::If" not in s]
    reading = [s for s in statements if "secretsmanager:GetSecretValue" in as_list(s["Action"])]
    by_resource = {json.dumps(s["Resource"]): s for s in reading}
    assert set(by_resource) == {
        json.dumps(ref("SignerHmacSecret")),
        json.dumps(ref("OriginVerifySecret")),
    }
    statement = by_resource[json.dumps(ref("OriginVerifySecret"))]
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
    assert "Condition" not in statement


def test_api_cache_policies(resources, behaviours):
    assert behaviours["/api/petitions/*/signatures"]["CachePolicyId"] == CACHING_DISABLED
    assert behaviours["/api/*"]["CachePolicyId"] == CACHING_DISABLED
    count = cache_policy(resources, behaviours["/api/petitions/*"]["CachePolicyId"])
    assert (count["MinTTL"], count["DefaultTTL"], count["MaxTTL"]) == (0, 5, 10)
    key = count["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["CookiesConfig"]["CookieBehavior"] == "none"


def test_site_cache_policies(resources, dist_config, behaviours):
    html = cache_policy(resources, dist_config["DefaultCacheBehavior"]["CachePolicyId"])
    assert html["MinTTL"] == 0 and html["DefaultTTL"] <= 60 and html["MaxTTL"] <= 300
    for pattern in ("/css/*", "/js/*"):
        b = behaviours[pattern]
        assert origin(dist_config, b["TargetOriginId"]).get("S3OriginConfig") is not None
        assets = cache_policy(resources, b["CachePolicyId"])
        # Honours the origin's `max-age=31536000, immutable` (MinTTL 0 lets shorter ones win).
        assert assets["MinTTL"] == 0 and assets["MaxTTL"] >= 31536000
    for cfg in (html, cache_policy(resources, behaviours["/css/*"]["CachePolicyId"])):
        key = cfg["ParametersInCacheKeyAndForwardedToOrigin"]
        assert key["EnableAcceptEncodingGzip"] and key["EnableAcceptEncodingBrotli"]
        assert key["CookiesConfig"]["CookieBehavior"] == "none"


def test_directory_index_function_is_on_the_site_behaviour_only(resources, dist_config):
    fn_name, fn = only(resources, "AWS::CloudFront::Function")
    assert fn["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert fn["Properties"]["AutoPublish"] is True
    default = dist_config["DefaultCacheBehavior"]
    assert default["FunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {"Fn::GetAtt": [fn_name, "FunctionMetadata.FunctionARN"]},
        }
    ]
    for b in dist_config["CacheBehaviors"]:
        assert "FunctionAssociations" not in b or b["TargetOriginId"] == default["TargetOriginId"]


BUSY_PAGE = {"ResponseCode": 503, "ResponsePagePath": "/busy/index.html", "ErrorCachingMinTTL": 0}


def test_only_s3_403_becomes_the_404_page(dist_config):
    errors = {e["ErrorCode"]: e for e in dist_config["CustomErrorResponses"]}
    assert len(errors) == len(dist_config["CustomErrorResponses"]), "one entry per code"
    assert errors[403] == {
        "ErrorCode": 403, "ResponseCode": 404, "ResponsePagePath": "/404.html", "ErrorCachingMinTTL": 60
    }
    # The API's 404 (unknown petition) keeps its own body.
    assert 404 not in errors


def test_502_and_504_become_the_busy_page(dist_config):
    errors = {e["ErrorCode"]: e for e in dist_config["CustomErrorResponses"]}
    # petition-fn never answers them: a crashed or timed-out function, an unreachable API.
    for code in (502, 504):
        assert errors[code] == {"ErrorCode": code, **BUSY_PAGE}
    # The page comes from the site bucket (the default behaviour), not from the API.
    assert not BUSY_PAGE["ResponsePagePath"].startswith("/api/")


def test_the_functions_own_429_500_and_503_reach_the_visitor(dist_config):
    errors = {e["ErrorCode"]: e for e in dist_config["CustomErrorResponses"]}
    # 429: a per-client limit with its proof-of-work challenge; 503: paused, store busy, mail
    # failed; 500: an internal error. Themed pages of the function: never replaced.
    for code in (429, 500, 503):
        entry = errors.get(code, {})
        assert "ResponsePagePath" not in entry and "ResponseCode" not in entry, code
        assert entry.get("ErrorCachingMinTTL", 0) == 0, code
    mapped = {code for code, e in errors.items() if "ResponsePagePath" in e}
    assert mapped == {403, 502, 504}


def test_error_mapping_comment_is_current():
    text = TEMPLATE_TEXT
    comment = text[text.index("# Custom error responses apply") : text.index("CustomErrorResponses:")]
    assert "never answers 403" not in comment, "petition-fn answers 403 to a cross-site POST"
    assert "cross-site POST" in comment


def test_security_headers_on_every_behaviour(resources, dist_config):
    name = "SecurityHeadersPolicy"
    policy = resources[name]
    assert sorted(of_type(resources, "AWS::CloudFront::ResponseHeadersPolicy")) == [
        "EmbedHeadersPolicy",
        name,
    ]
    cfg = policy["Properties"]["ResponseHeadersPolicyConfig"]
    sec = cfg["SecurityHeadersConfig"]
    assert sec["ContentSecurityPolicy"]["ContentSecurityPolicy"] == EXPECTED_CSP
    assert sec["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": 63072000,
        "IncludeSubdomains": True,
        "Preload": True,
        "Override": True,
    }
    assert sec["ContentTypeOptions"]["Override"] is True  # X-Content-Type-Options: nosniff
    assert sec["FrameOptions"]["FrameOption"] == "DENY"
    assert sec["ReferrerPolicy"]["ReferrerPolicy"] in ("strict-origin-when-cross-origin", "no-referrer")
    custom = {i["Header"]: i for i in cfg["CustomHeadersConfig"]["Items"]}
    assert "Permissions-Policy" in custom and "camera=()" in custom["Permissions-Policy"]["Value"]
    for b in all_behaviours(dist_config):
        if b.get("PathPattern") == EMBED_PATTERN:
            continue  # its own policy, below
        assert b["ResponseHeadersPolicyId"] == ref(name), b.get("PathPattern", "default")


# --- the embed pages (issue 12) ---------------------------------------------------------------


def embed_path():
    """site-gen's EMBED_PATH, read from its source: the path the embed pages are built under."""
    src = (REPO / "site-gen/src/render/embed.rs").read_text(encoding="utf-8")
    found = re.search(r'const EMBED_PATH: &str = "([^"]+)";', src)
    assert found, "EMBED_PATH not found in site-gen/src/render/embed.rs"
    return found.group(1)


EMBED_PATTERN = embed_path() + "*"


def test_embed_behaviour_serves_the_pages_with_their_own_policy(resources, dist_config, behaviours):
    assert EMBED_PATTERN == "/embed/*"
    embed = behaviours[EMBED_PATTERN]
    default = dist_config["DefaultCacheBehavior"]
    # A page of the site like any other: the bucket, the pages' cache, the directory index.
    for key in ("TargetOriginId", "CachePolicyId", "FunctionAssociations", "AllowedMethods", "ViewerProtocolPolicy"):
        assert embed[key] == default[key], key
    # Framed only when there are partners; without them, the site's DENY everywhere.
    assert embed["ResponseHeadersPolicyId"] == {
        "Fn::If": ["HasEmbedOrigins", ref("EmbedHeadersPolicy"), ref("SecurityHeadersPolicy")]
    }
    assert resources["EmbedHeadersPolicy"]["Condition"] == "HasEmbedOrigins"
    # No API pattern could take its requests first.
    patterns = [b["PathPattern"] for b in dist_config["CacheBehaviors"]]
    assert all(not fnmatch.fnmatchcase("/embed/x/", p) for p in patterns if p != EMBED_PATTERN)


def test_embed_policy_is_the_sites_with_framing_for_the_partners(template, resources):
    site = resources["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    embed = resources["EmbedHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    sec, esec = site["SecurityHeadersConfig"], embed["SecurityHeadersConfig"]
    csp = esec["ContentSecurityPolicy"]
    assert csp["Override"] is True
    assert csp["ContentSecurityPolicy"] == {
        "Fn::Sub": EXPECTED_CSP.replace("frame-ancestors 'none'", "frame-ancestors ${EmbedAllowOrigins}")
    }
    # X-Frame-Options: DENY would refuse every frame whatever the CSP says: not on embed pages.
    assert "FrameOptions" not in esec
    # Everything else as on the rest of the site.
    for key in set(sec) - {"ContentSecurityPolicy", "FrameOptions"}:
        assert esec[key] == sec[key], key
    assert set(esec) == set(sec) - {"FrameOptions"}
    assert embed["CustomHeadersConfig"] == site["CustomHeadersConfig"]
    assert embed["Name"] == {"Fn::Sub": "${AWS::StackName}-embed-headers"}


EMBED_ORIGINS_OK = ["", "https://partner.example", "https://a.example http://127.0.0.2:8080"]
EMBED_ORIGINS_BAD = [
    "*",
    "https://*.partner.example",
    "https://partner.example/",
    "https://partner.example/news",
    "https://a.example  https://b.example",
    "https://a.example,https://b.example",
    "'none'",
    "partner.example",
    "https://partner.example; script-src *",
]


def test_embed_origins_parameter(template):
    param = template["Parameters"]["EmbedAllowOrigins"]
    assert param["Type"] == "String" and param["Default"] == ""
    assert template["Conditions"]["HasEmbedOrigins"] == {
        "Fn::Not": [{"Fn::Equals": [ref("EmbedAllowOrigins"), ""]}]
    }
    pattern = re.compile(param["AllowedPattern"])
    for value in EMBED_ORIGINS_OK:
        assert pattern.fullmatch(value), value
    for value in EMBED_ORIGINS_BAD:
        assert not pattern.fullmatch(value), value


def test_custom_domain_only_with_both_parameters(template, dist_config):
    params = template["Parameters"]
    assert params["DomainName"]["Default"] == "" and params["CertificateArn"]["Default"] == ""
    assert "us-east-1" in params["CertificateArn"]["AllowedPattern"]
    cond = template["Conditions"]["HasCustomDomain"]
    assert cond == {
        "Fn::And": [
            {"Fn::Not": [{"Fn::Equals": [ref("DomainName"), ""]}]},
            {"Fn::Not": [{"Fn::Equals": [ref("CertificateArn"), ""]}]},
        ]
    }
    assert dist_config["Aliases"] == {
        "Fn::If": ["HasCustomDomain", [ref("DomainName")], ref("AWS::NoValue")]
    }
    cond_name, with_cert, without = dist_config["ViewerCertificate"]["Fn::If"]
    assert cond_name == "HasCustomDomain"
    assert with_cert == {
        "AcmCertificateArn": ref("CertificateArn"),
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert without == {"CloudFrontDefaultCertificate": True}


# --- the function ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def function(resources):
    return only(resources, "AWS::Serverless::Function")


def test_function_runtime_and_sizing(template, function):
    _, fn = function
    p = fn["Properties"]
    assert p["Runtime"] == "provided.al2023"
    assert p["Architectures"] == ["arm64"]
    assert p["Handler"] == "bootstrap"
    assert p["CodeUri"].rstrip("/") == "../target/lambda/petition-fn"
    assert p["MemorySize"] == 256
    assert p["Timeout"] == 10
    conc = p["ReservedConcurrentExecutions"]
    assert conc == ref("ReservedConcurrency")
    assert template["Parameters"]["ReservedConcurrency"]["Default"] == 20


def test_function_environment(resources, function):
    _, fn = function
    env = fn["Properties"]["Environment"]["Variables"]
    table, _ = only(resources, "AWS::DynamoDB::Table")
    assert table == "PetitionTable"
    assert env["TABLE_NAME"] == TABLE_NAME_VALUE
    assert env["SIGNER_HMAC_KEY_SECRET_ARN"] == ref(HMAC_SECRET)
    assert env["ORIGIN_SECRET_ARN"] == ref(ORIGIN_SECRET)
    assert "RUST_LOG" in env
    assert env["OPERATOR_PUBLIC_KEY"] == ref("OperatorPublicKey")
    # The secrets' values themselves never sit in the function's configuration, nor does any
    # private key (the operator's stays on the operator's machine).
    assert "SIGNER_HMAC_KEY" not in env and "ORIGIN_SECRET" not in env
    assert "OPERATOR_KEY_FILE" not in env
    assert "resolve:secretsmanager" not in json.dumps(fn)


# An X25519 public key as petition-fn keygen prints it: base64 (standard, padded) of 32 bytes.
OPERATOR_PUBLIC_KEY = base64.b64encode(bytes(range(32))).decode()


def rust_env_constants():
    """`pub const NAME_ENV: &str = "VARIABLE";` of petition-fn's sources: the variables it reads."""
    found = {}
    for path in (REPO / "petition-fn" / "src").rglob("*.rs"):
        for name, value in re.findall(r'pub const ([A-Z0-9_]+_ENV): &str = "([A-Z0-9_]+)";', path.read_text()):
            found[name] = value
    return found


def test_operator_public_key_parameter(template):
    param = template["Parameters"]["OperatorPublicKey"]
    assert param["Type"] == "String"
    assert "Default" not in param, "required: the function refuses to start without it"
    assert param["AllowedPattern"] == "^[A-Za-z0-9+/]{43}=$"
    assert "petition-fn keygen" in param["Description"]
    assert "petition-fn keygen" in param["ConstraintDescription"]
    pattern = param["AllowedPattern"]
    assert len(OPERATOR_PUBLIC_KEY) == 44 and re.fullmatch(pattern, OPERATOR_PUBLIC_KEY)
    for _ in range(20):
        assert re.fullmatch(pattern, base64.b64encode(os.urandom(32)).decode())
    for bad in (
        "",
        OPERATOR_PUBLIC_KEY[:-1],  # padding missing
        OPERATOR_PUBLIC_KEY + "A",
        base64.b64encode(bytes(33)).decode(),
        base64.urlsafe_b64encode(b"\xfb" * 32).decode(),  # the URL-safe alphabet
        bytes(range(32)).hex(),
        " " + OPERATOR_PUBLIC_KEY,
        OPERATOR_PUBLIC_KEY + "\n",
        "-----BEGIN PUBLIC KEY-----",
    ):
        assert not re.fullmatch(pattern, bad), bad


def test_function_environment_names_what_petition_fn_reads(function):
    """The template's variable names are the constants petition-fn reads them under, so that a
    rename on either side fails here and not at a cold start on AWS."""
    _, fn = function
    env = fn["Properties"]["Environment"]["Variables"]
    constants = rust_env_constants()
    assert constants["OPERATOR_PUBLIC_ENV"] == "OPERATOR_PUBLIC_KEY"
    assert constants["OPERATOR_PUBLIC_ENV"] in env
    # RUST_LOG is tracing's own variable; every other one is petition-fn's.
    assert set(env) - {"RUST_LOG"} <= set(constants.values()), set(env) - set(constants.values())


def test_function_iam_is_least_privilege(resources, function):
    _, fn = function
    table, _ = only(resources, "AWS::DynamoDB::Table")
    policies = fn["Properties"]["Policies"]
    assert all(isinstance(p, dict) and "Statement" in p for p in policies), (
        "inline statements only (no SAM policy templates such as DynamoDBCrudPolicy)"
    )
    # The mail statement exists only with MailDomain (test_mail_sending_is_least_privilege).
    statements = [s for p in policies for s in p["Statement"] if "Fn::If" not in s]
    assert all(s["Effect"] == "Allow" for s in statements)
    dynamo = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    query = [s for s in dynamo if as_list(s["Action"]) == ["dynamodb:Query"]]
    # Query only on the counter partitions (the count read) and the snapshot partitions (the
    # count history), never on signatures.
    assert len(query) == 1
    assert query[0]["Condition"] == {
        "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CNT#*", "HIST#*"]}
    }
    actions = {a for s in dynamo if s not in query for a in as_list(s["Action"])}
    assert actions == TABLE_ACTIONS
    assert not {"dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:*"} & actions
    assert table == "PetitionTable"
    for s in dynamo:
        assert as_list(s["Resource"]) == [TABLE_ARN_VALUE]
    others = [s for s in statements if s not in dynamo]
    # One statement per secret, each naming exactly that secret.
    assert others == [
        {
            "Sid": s.get("Sid"),
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": ref(name),
        }
        for s, name in zip(others, (HMAC_SECRET, ORIGIN_SECRET))
    ]
    assert len(others) == 2
    assert '"*"' not in json.dumps([s["Resource"] for s in statements])


# --- the HTTP API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http_api(resources):
    return only(resources, "AWS::Serverless::HttpApi")


def routes(function, api_name):
    _, fn = function
    found = {}
    for name, ev in fn["Properties"]["Events"].items():
        assert ev["Type"] == "HttpApi", name
        p = ev["Properties"]
        assert p["ApiId"] == ref(api_name), f"{name} must be on the one HttpApi"
        assert p["PayloadFormatVersion"] == "2.0"
        found[(p["Method"].upper(), p["Path"])] = name
    return found


def contract_paths():
    """The route paths of petition-fn's contract (`contract::api::route`), read from the source
    so that a route added there and not here fails this test."""
    import pathlib
    import re

    api = pathlib.Path(__file__).resolve().parents[2] / "petition-fn/contract/src/api.rs"
    return {"/api" + p for p in re.findall(r'under_base!\("([^"]+)"\)', api.read_text())}


def test_every_contract_route_reaches_the_function():
    assert {path for _, path in CONTRACT_ROUTES} == contract_paths()


def test_api_routes_are_the_contract(function, http_api):
    api_name, _ = http_api
    found = routes(function, api_name)
    assert CONTRACT_ROUTES <= set(found)
    # Besides them: only ANY on the same paths (so the function answers 405), no $default and
    # no catch-all path.
    extra = set(found) - CONTRACT_ROUTES
    assert extra == {("ANY", path) for _, path in CONTRACT_ROUTES}
    assert all("$default" not in path and "proxy+" not in path for _, path in found)


def test_api_throttling(template, http_api):
    _, api = http_api
    p = api["Properties"]
    params = template["Parameters"]

    def value(v):
        return params[v["Ref"]]["Default"] if isinstance(v, dict) else v

    default = p["DefaultRouteSettings"]
    assert default["ThrottlingBurstLimit"] == ref("ApiThrottleBurst")
    assert default["ThrottlingRateLimit"] == ref("ApiThrottleRate")
    assert value(default["ThrottlingBurstLimit"]) == 80
    assert value(default["ThrottlingRateLimit"]) == 80
    for route in ("POST /api/petitions/{id}/signatures", "POST /api/letters"):
        write = p["RouteSettings"][route]
        assert write["ThrottlingRateLimit"] == ref("WriteThrottleRate"), route
        assert write["ThrottlingBurstLimit"] == ref("WriteThrottleBurst"), route
    assert value(p["RouteSettings"]["POST /api/letters"]["ThrottlingRateLimit"]) == 250
    assert value(p["RouteSettings"]["POST /api/letters"]["ThrottlingBurstLimit"]) == 80


# The capacity figures of infra/README.md, "Capacity and the global ceiling".
LATENCY_SLOW, LATENCY_FAST = 0.060, 0.030  # seconds per signing request, 256 MB arm64
WRU_PER_SIGNATURE = 8  # the upper end of 6-8
NEW_TABLE_WRU_PER_SECOND = 4000  # what a new on-demand table takes at once


def defaults(template):
    return {name: p.get("Default") for name, p in template["Parameters"].items()}


def test_throttles_fit_the_reserved_concurrency_and_the_table(template):
    d = defaults(template)
    concurrency = d["ReservedConcurrency"]
    # Little's law: what the reserved executions serve at the slow end.
    capacity = concurrency / LATENCY_SLOW
    # One POST route at its ceiling, burst included, fits the executions in its first second;
    # its steady rate leaves room for one other route at its own rate.
    assert d["WriteThrottleRate"] + d["WriteThrottleBurst"] <= capacity
    assert (d["WriteThrottleRate"] + d["ApiThrottleRate"]) * LATENCY_SLOW <= concurrency
    # Below what a new on-demand table writes without throttling, burst second included.
    assert (d["WriteThrottleRate"] + d["WriteThrottleBurst"]) * WRU_PER_SIGNATURE <= NEW_TABLE_WRU_PER_SECOND
    # The throttle trips before the reserved concurrency does at either end of the latency.
    assert d["WriteThrottleRate"] < concurrency / LATENCY_FAST


def readme_section(title):
    text = README_TEXT
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def number(n):
    """A number as the README writes it: 4,000 or 250 or 0.06."""
    return f"{n:,}" if isinstance(n, int) else str(n)


def test_readme_capacity_figures_are_the_template_defaults(template):
    section = readme_section("Capacity and the global ceiling")
    d = defaults(template)
    for name in (
        "ReservedConcurrency",
        "ApiThrottleRate",
        "ApiThrottleBurst",
        "WriteThrottleRate",
        "WriteThrottleBurst",
    ):
        assert f"`{name}`" in section, name
        assert re.search(rf"`{name}`[^|\n]*\| *{re.escape(number(d[name]))}\b", section), (
            f"the README's table gives {name} a value other than the template's {d[name]}"
        )
    # The figures derived from them.
    capacity_slow = d["ReservedConcurrency"] / LATENCY_SLOW
    capacity_fast = d["ReservedConcurrency"] / LATENCY_FAST
    assert f"≈ {round(capacity_slow)}" in section and f"≈ {round(capacity_fast)}" in section
    per_hour = d["WriteThrottleRate"] * 3600
    assert number(per_hour) in section
    assert number(d["WriteThrottleRate"] * WRU_PER_SIGNATURE) in section
    # Current public us-east-1 prices, said as such.
    assert "us-east-1" in section
    for price in ("$1.00", "$0.0000133334", "$0.20", "$0.625", "$0.125", "$0.10 per 1,000"):
        assert price in section, price
    assert "per-client limits" in section and "defence" in section


def test_api_access_log_has_no_ip_address(resources, http_api):
    _, api = http_api
    settings = api["Properties"]["AccessLogSettings"]
    log_group = settings["DestinationArn"]["Fn::GetAtt"][0]
    assert resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    fmt = settings["Format"]
    fields = json.loads(fmt)  # a JSON line per request
    values = set(fields.values())
    for needed in ("requestId", "routeKey", "status", "responseLatency", "integrationLatency"):
        assert f"$context.{needed}" in values
    assert "sourceIp" not in fmt and "$context.identity" not in fmt and "userAgent" not in fmt


# --- data ------------------------------------------------------------------------------------


def test_table_schema_is_petition_fn_table_json(resources, table_schema):
    _, table = only(resources, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert set(table_schema) == {
        "AttributeDefinitions",
        "KeySchema",
        "BillingMode",
        "TimeToLiveSpecification",
    }
    for key, expected in table_schema.items():
        assert props[key] == expected, f"{key} differs from petition-fn/table.json"
    # No index or key the single source does not declare.
    assert not {"GlobalSecondaryIndexes", "LocalSecondaryIndexes", "TableName"} & set(props)


def test_table_protection(resources):
    _, table = only(resources, "AWS::DynamoDB::Table")
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_exactly_the_two_secrets(resources):
    assert set(of_type(resources, "AWS::SecretsManager::Secret")) == {HMAC_SECRET, ORIGIN_SECRET}


def test_hmac_secret(resources):
    secret = resources[HMAC_SECRET]
    gen = secret["Properties"]["GenerateSecretString"]
    assert gen["PasswordLength"] == 64
    assert gen["ExcludePunctuation"] is True
    # Letters and digits, a multiple of 4 long: valid base64 of 48 bytes, and petition-fn takes
    # a key as base64 (or hex) of at least 32 bytes.
    assert gen["PasswordLength"] % 4 == 0 and gen["PasswordLength"] * 3 // 4 >= 32
    assert gen.get("IncludeSpace", False) is False
    assert "SecretString" not in secret["Properties"], "generated, never written in the template"
    assert secret["DeletionPolicy"] == "Retain"
    assert secret["UpdateReplacePolicy"] == "Retain"


# --- logs and alarms -------------------------------------------------------------------------


def test_log_groups_have_retention(template, resources, function, http_api):
    groups = of_type(resources, "AWS::Logs::LogGroup")
    assert len(groups) == 2
    for g in groups.values():
        assert g["Properties"]["RetentionInDays"] == ref("LogRetentionDays")
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    _, fn = function
    fn_group = fn["Properties"]["LoggingConfig"]["LogGroup"]
    assert fn_group["Ref"] in groups
    _, api = http_api
    assert api["Properties"]["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0] in groups


def alarm_metrics(alarm):
    """(namespace, metric name, dimensions) of a plain or a metric-math alarm; a namespace
    built with !Sub as its JSON text."""
    p = alarm["Properties"]
    if "MetricName" in p:
        ns = p["Namespace"]
        ns = ns if isinstance(ns, str) else json.dumps(ns, sort_keys=True)
        return [(ns, p["MetricName"], p.get("Dimensions", []))]
    return [
        (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
         m["MetricStat"]["Metric"]["Dimensions"])
        for m in p["Metrics"]
        if "MetricStat" in m
    ]


def test_alarms(resources, function, http_api):
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    metrics = {(ns, name): dims for a in alarms.values() for ns, name, dims in alarm_metrics(a)}
    api_name, _ = http_api
    fn_name, _ = function
    table, _ = only(resources, "AWS::DynamoDB::Table")
    assert metrics[("AWS/ApiGateway", "5xx")] == [{"Name": "ApiId", "Value": ref(api_name)}]
    assert metrics[("AWS/Lambda", "Errors")] == [{"Name": "FunctionName", "Value": ref(fn_name)}]
    assert metrics[("AWS/Lambda", "Throttles")] == [{"Name": "FunctionName", "Value": ref(fn_name)}]
    dynamo = {name: dims for (ns, name), dims in metrics.items() if ns == "AWS/DynamoDB"}
    assert dynamo, "an alarm on DynamoDB throttling"
    assert table == "PetitionTable"
    assert all({"Name": "TableName", "Value": TABLE_NAME_VALUE} in dims for dims in dynamo.values())
    assert set(dynamo) & {"ThrottledRequests", "ReadThrottleEvents", "WriteThrottleEvents"}

    topics = of_type(resources, "AWS::SNS::Topic")
    topic_name = next(n for n, t in topics.items() if t.get("Condition") == "HasAlarmEmail")
    topic = topics[topic_name]
    assert topic["Properties"]["Subscription"] == [{"Protocol": "email", "Endpoint": ref("AlarmEmail")}]
    for a in alarms.values():
        assert a["Properties"]["AlarmActions"] == {
            "Fn::If": ["HasAlarmEmail", [ref(topic_name)], ref("AWS::NoValue")]
        }


def test_outputs(template):
    assert {
        "SiteBucketName",
        "DistributionId",
        "DistributionDomainName",
        "ApiEndpoint",
        "TableName",
        "FunctionName",
    } <= set(template["Outputs"])


# --- mail ------------------------------------------------------------------------------------

MAIL_CONDITION = "HasMail"
IDENTITY_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}"
}
CONFIGURATION_SET_ARN = {
    "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${MailConfigurationSet}"
}


def mail_resources(resources):
    return {n: r for n, r in resources.items() if r.get("Condition") == MAIL_CONDITION}


def test_mail_parameters_and_condition(template):
    params = template["Parameters"]
    assert params["MailDomain"]["Default"] == "", "mail is opt-in: the stack deploys without it"
    assert params["MailFromLocalPart"]["Default"] == "noreply"
    assert template["Conditions"][MAIL_CONDITION] == {
        "Fn::Not": [{"Fn::Equals": [ref("MailDomain"), ""]}]
    }
    name = params["MailFromName"]["AllowedPattern"]
    assert re.fullmatch(name, "人权运动 Campaign")
    for bad in ['a"b', "a<b>", "a\\b", "a\nBcc: x@y.z", "a\rb"]:
        assert not re.fullmatch(name, bad), bad


def test_mail_identity_has_dkim_and_the_configuration_set(resources):
    (ident_name, ident), = of_type(resources, "AWS::SES::EmailIdentity").items()
    (set_name, conf_set), = of_type(resources, "AWS::SES::ConfigurationSet").items()
    assert ident["Condition"] == conf_set["Condition"] == MAIL_CONDITION
    p = ident["Properties"]
    assert p["EmailIdentity"] == ref("MailDomain")
    assert p["DkimAttributes"] == {"SigningEnabled": True}
    assert p["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert p["ConfigurationSetAttributes"] == {"ConfigurationSetName": ref(set_name)}
    cs = conf_set["Properties"]
    assert cs["DeliveryOptions"]["TlsPolicy"] == "REQUIRE"
    assert set(cs["SuppressionOptions"]["SuppressedReasons"]) == {"BOUNCE", "COMPLAINT"}


def test_function_gets_mail_from(function):
    _, fn = function
    env = fn["Properties"]["Environment"]["Variables"]
    cond, configured, empty = env["MAIL_FROM"]["Fn::If"]
    assert (cond, empty) == (MAIL_CONDITION, "")
    name_cond, with_name, bare = configured["Fn::If"]
    assert name_cond == "HasMailFromName"
    assert with_name == {"Fn::Sub": "${MailFromName} <${MailFromLocalPart}@${MailDomain}>"}
    assert bare == {"Fn::Sub": "${MailFromLocalPart}@${MailDomain}"}


def test_mail_sending_is_least_privilege(function):
    _, fn = function
    conditional = [
        s["Fn::If"] for p in fn["Properties"]["Policies"] for s in p["Statement"] if "Fn::If" in s
    ]
    assert len(conditional) == 1
    cond, statement, otherwise = conditional[0]
    assert (cond, otherwise) == (MAIL_CONDITION, ref("AWS::NoValue"))
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == {"ses:SendEmail", "ses:SendRawEmail"}
    assert statement["Resource"] == [IDENTITY_ARN, CONFIGURATION_SET_ARN]
    assert statement["Condition"] == {
        "StringEquals": {"ses:FromAddress": {"Fn::Sub": "${MailFromLocalPart}@${MailDomain}"}}
    }


def test_bounces_and_complaints_reach_the_function(resources, function):
    fn_name, _ = function
    (dest_name, dest), = of_type(resources, "AWS::SES::ConfigurationSetEventDestination").items()
    (set_name, _), = of_type(resources, "AWS::SES::ConfigurationSet").items()
    topics = of_type(resources, "AWS::SNS::Topic")
    topic_name = next(n for n, t in topics.items() if t.get("Condition") == MAIL_CONDITION)
    p = dest["Properties"]
    assert p["ConfigurationSetName"] == ref(set_name)
    ev = p["EventDestination"]
    assert ev["Enabled"] is True
    assert set(ev["MatchingEventTypes"]) == {"bounce", "complaint"}
    assert ev["SnsDestination"] == {"TopicARN": ref(topic_name)}

    (_, policy), = of_type(resources, "AWS::SNS::TopicPolicy").items()
    assert dest["DependsOn"] == next(
        n for n, r in resources.items() if r["Type"] == "AWS::SNS::TopicPolicy"
    )
    (stmt,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert stmt["Principal"] == {"Service": "ses.amazonaws.com"}
    assert stmt["Action"] == "sns:Publish" and stmt["Resource"] == ref(topic_name)
    assert stmt["Condition"]["StringEquals"]["AWS:SourceArn"] == CONFIGURATION_SET_ARN

    (_, sub), = of_type(resources, "AWS::SNS::Subscription").items()
    assert sub["Properties"] == {
        "TopicArn": ref(topic_name),
        "Protocol": "lambda",
        "Endpoint": {"Fn::GetAtt": [fn_name, "Arn"]},
    }
    (perm,) = [
        r
        for r in of_type(resources, "AWS::Lambda::Permission").values()
        if r["Properties"]["Principal"] == "sns.amazonaws.com"
    ]
    assert perm["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [fn_name, "Arn"]},
        "Principal": "sns.amazonaws.com",
        "SourceArn": ref(topic_name),
    }
    assert set(mail_resources(resources)) == {
        "MailConfigurationSet",
        "MailIdentity",
        topic_name,
        "MailEventsTopicPolicy",
        dest_name,
        "MailEventsSubscription",
        "MailEventsInvokePermission",
    }, "every mail resource exists only with MailDomain"


def test_failed_mails_raise_an_alarm(resources, function):
    _, fn = function
    fn_group = fn["Properties"]["LoggingConfig"]["LogGroup"]
    metric_filter = resources["MailFailedMetricFilter"]
    p = metric_filter["Properties"]
    assert p["LogGroupName"] == fn_group
    assert p["FilterPattern"] == '{ $.event = "mail_failed" }'
    (transform,) = p["MetricTransformations"]
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")
    mail_alarms = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"].get("MetricName") == transform["MetricName"]
    ]
    assert len(mail_alarms) == 1
    (alarm,) = mail_alarms
    assert alarm["Namespace"] == transform["MetricNamespace"]
    assert transform["MetricValue"] == "1"
    assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"



# --- count history --------------------------------------------------------------------------


def test_an_hourly_schedule_invokes_the_function_for_the_snapshots(resources, function):
    fn_name, _ = function
    fn_arn = {"Fn::GetAtt": [fn_name, "Arn"]}
    (rule_name, rule), = of_type(resources, "AWS::Events::Rule").items()
    p = rule["Properties"]
    assert p["ScheduleExpression"] == "rate(1 hour)"
    assert p["State"] == "ENABLED"
    assert "Condition" not in rule, "the history is taken on every stack"
    (target,) = p["Targets"]
    assert target["Arn"] == fn_arn
    assert "Input" not in target, "the function is sent the scheduled event itself"
    (perm,) = [
        r
        for r in of_type(resources, "AWS::Lambda::Permission").values()
        if r["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert perm["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": fn_arn,
        "Principal": "events.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": [rule_name, "Arn"]},
    }


# --- limit trips ----------------------------------------------------------------------------


def test_limit_trips_are_counted(resources, function):
    assert set(of_type(resources, "AWS::Logs::MetricFilter")) == {
        "MailFailedMetricFilter",
        "LimitTripsMetricFilter",
    }
    _, fn = function
    p = resources["LimitTripsMetricFilter"]["Properties"]
    assert p["LogGroupName"] == fn["Properties"]["LoggingConfig"]["LogGroup"]
    assert p["FilterPattern"] == '{ $.event = "limit_trip" }'
    (transform,) = p["MetricTransformations"]
    (mail,) = resources["MailFailedMetricFilter"]["Properties"]["MetricTransformations"]
    assert transform == {
        "MetricNamespace": mail["MetricNamespace"],
        "MetricName": "LimitTrips",
        "MetricValue": "1",
        "Unit": "Count",
    }


def test_limit_trip_surge_alarm(template, resources):
    alarm = resources["LimitTripSurgeAlarm"]
    assert alarm["Type"] == "AWS::CloudWatch::Alarm"
    p = alarm["Properties"]
    (transform,) = resources["LimitTripsMetricFilter"]["Properties"]["MetricTransformations"]
    assert p["Namespace"] == transform["MetricNamespace"]
    assert p["MetricName"] == "LimitTrips"
    assert (p["Statistic"], p["Period"], p["EvaluationPeriods"]) == ("Sum", 300, 1)
    assert p["Threshold"] == ref("LimitTripAlarmThreshold")
    assert template["Parameters"]["LimitTripAlarmThreshold"]["Default"] == 500
    assert p["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert p["TreatMissingData"] == "notBreaching"
    mail = resources["MailFailedAlarm"]["Properties"]
    assert p["AlarmActions"] == mail["AlarmActions"]
    assert p["OKActions"] == mail["OKActions"]


def test_readme_says_how_to_read_limit_trips_per_day():
    text = README_TEXT
    command = text[text.index("aws cloudwatch get-metric-statistics") :]
    command = command[: command.index("```")]
    for part in (
        "--namespace",
        "/petition-fn",
        "--metric-name LimitTrips",
        "--statistics Sum",
        "--period 86400",
        "--start-time",
        "--end-time",
        "--region",
    ):
        assert part in command, part
