"""deploy.sh's upload steps for real: the AWS CLI (from infra/requirements.txt) against moto's
server, through AWS_ENDPOINT_URL.

moto cannot run the SAM deploy, so the stack is a small CloudFormation stack in moto whose
outputs name a real (moto) bucket and distribution, and the script runs as `--upload-only`:
the stack's outputs read with `aws cloudformation describe-stacks`, the `aws s3 sync` passes,
the removal of what is not the site, the CloudFront invalidation. A small public/ is built
here (site-gen is not run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from conftest import DEPLOY_SCRIPT, TEMPLATE_PATH, venv_tool

REGION = "eu-west-1"
BUCKET = "campaign-site-moto"
PAGE_CACHE = "public, max-age=60, must-revalidate"
ASSET_CACHE = "public, max-age=31536000, immutable"

SITE = {
    "index.html": "<!doctype html><title>home</title>",
    "petition/index.html": "<!doctype html><title>petition</title>",
    "css/site.0123abcd.css": "body{color:#111}",
    "js/site.89abcdef01.js": "void 0;",
    "img/logo.png": "PNG",
    "atom.xml": "<feed/>",
    "sitemap.xml": '<?xml version="1.0"?><urlset/>',
    "robots.txt": "User-agent: *",
    # Not the site:
    ".site-gen": "site-gen output folder",
    ".hidden/notes.txt": "not the site",
    "_app/bundle.json": '{"petitions":[]}',
    "_redirects": "/old/ /new/\n",
}
NOT_SITE = {".site-gen", ".hidden/notes.txt", "_app/bundle.json", "_redirects"}
# In the bucket before the deploy: an earlier deploy's asset (kept for cached pages), a page
# that is gone (deleted), and what an older script uploaded by mistake (removed).
BEFORE = {
    "css/site.0badc0de.css": "old",
    "gone/index.html": "<!doctype html>",
    ".site-gen": "old marker",
    "_app/bundle.json": "{}",
}


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def client(name, url):
    return boto3.client(
        name, endpoint_url=url, region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )


def test_upload_steps_against_moto(tmp_path, moto_url):
    aws = venv_tool("aws")
    assert aws, "the AWS CLI is not installed: pip install -r infra/requirements.txt (awscli)"

    cf = client("cloudfront", moto_url)
    dist = cf.create_distribution(
        DistributionConfig={
            "CallerReference": "deploy-test",
            "Comment": "campaign",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site", "DomainName": f"{BUCKET}.s3.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]
    # The stack deploy.sh reads: its bucket and the distribution's id, as the real one's outputs.
    stack_template = {
        "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}}},
        "Outputs": {
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
            "DistributionId": {"Value": dist["Id"]},
            "DistributionDomainName": {"Value": dist["DomainName"]},
            "SiteUrl": {"Value": "https://" + dist["DomainName"]},
        },
    }
    client("cloudformation", moto_url).create_stack(
        StackName="campaign", TemplateBody=json.dumps(stack_template)
    )
    s3 = client("s3", moto_url)
    for key, body in BEFORE.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())

    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    shutil.copy2(DEPLOY_SCRIPT, repo / "infra" / "deploy.sh")
    shutil.copy2(TEMPLATE_PATH, repo / "infra" / "template.yaml")
    for rel, text in SITE.items():
        path = repo / "public" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    env = {
        "PATH": f"{Path(aws).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_PAGER": "",
    }
    result = subprocess.run(
        ["bash", str(repo / "infra" / "deploy.sh"), "--upload-only", "--stack", "campaign", "--region", REGION],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    site = set(SITE) - NOT_SITE
    assert keys == site | {"css/site.0badc0de.css"}, (
        "every page and file of the site, an earlier deploy's asset kept, the gone page deleted,"
        " and nothing that is not the site (.site-gen, dotfiles, _app/, _redirects)"
    )
    assert not {k for k in keys if k.startswith((".", "_app/")) or "/." in k}

    def head(key):
        h = s3.head_object(Bucket=BUCKET, Key=key)
        return h["ContentType"], h.get("CacheControl")

    assert head("index.html") == ("text/html; charset=utf-8", PAGE_CACHE)
    assert head("petition/index.html") == ("text/html; charset=utf-8", PAGE_CACHE)
    assert head("css/site.0123abcd.css") == ("text/css", ASSET_CACHE)
    assert head("js/site.89abcdef01.js")[1] == ASSET_CACHE
    assert head("js/site.89abcdef01.js")[0] in ("application/javascript", "text/javascript")
    sitemap_type, sitemap_cache = head("sitemap.xml")
    assert sitemap_type in ("application/xml", "text/xml") and sitemap_cache == PAGE_CACHE
    assert head("atom.xml") == ("application/atom+xml; charset=utf-8", PAGE_CACHE)
    assert s3.get_object(Bucket=BUCKET, Key="css/site.0123abcd.css")["Body"].read() == b"body{color:#111}"

    invalidations = cf.list_invalidations(DistributionId=dist["Id"])["InvalidationList"]
    assert invalidations["Quantity"] == 1
    inv = cf.get_invalidation(DistributionId=dist["Id"], Id=invalidations["Items"][0]["Id"])
    assert inv["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]
