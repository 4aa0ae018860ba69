"""The CloudFront Function (viewer request of the site behaviour), run for real in Node.

The FunctionCode is taken from the template, CloudFormation's `${RedirectMap}` substituted as
`sam deploy` would, and executed through a small harness with a few URIs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conftest import only

HARNESS = r"""
const fs = require('fs');
const code = fs.readFileSync(process.argv[2], 'utf8');
const uris = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
// CloudFront Functions run a top-level `handler(event)`; give it a scope of its own.
const handler = new Function(code + '\nreturn handler;')();
const out = uris.map((uri) => {
  const event = {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '192.0.2.1' },
    request: { method: 'GET', uri: uri, querystring: {}, headers: {}, cookies: {} },
  };
  const r = handler(event);
  return r.statusCode
    ? { status: r.statusCode, location: r.headers.location.value, description: r.statusDescription }
    : { uri: r.uri };
});
process.stdout.write(JSON.stringify(out));
"""

MAX_FUNCTION_BYTES = 10 * 1024  # CloudFront Functions' code size limit


@pytest.fixture(scope="module")
def function_source(resources):
    _, fn = only(resources, "AWS::CloudFront::Function")
    code = fn["Properties"]["FunctionCode"]
    assert set(code) == {"Fn::Sub"} and isinstance(code["Fn::Sub"], str)
    source = code["Fn::Sub"]
    # The only substitution is the redirect map; anything else in ${...} would be a mistake.
    assert re.findall(r"\$\{[^}]*\}", source) == ["${RedirectMap}"]
    return source


def render(source: str, redirect_map: str) -> str:
    return source.replace("${RedirectMap}", redirect_map)


def run_function(tmp_path, source: str, redirect_map: str, uris: list[str]) -> dict:
    node = shutil.which("node")
    assert node, "node is needed to run the CloudFront Function (apt-get install nodejs)"
    code = tmp_path / "function.js"
    code.write_text(render(source, redirect_map), encoding="utf-8")
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS, encoding="utf-8")
    data = tmp_path / "uris.json"
    data.write_text(json.dumps(uris), encoding="utf-8")
    result = subprocess.run(
        [node, str(harness), str(code), str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(zip(uris, json.loads(result.stdout)))


def test_directory_uris_map_to_index_html(tmp_path, function_source):
    got = run_function(
        tmp_path,
        function_source,
        "",
        [
            "/",
            "/petition/",
            "/petition",
            "/about/team",
            "/tags/human-rights/",
            "/css/site.0123abcd.css",
            "/js/site.89abcdef01.js",
            "/404.html",
            "/atom.xml",
            "/images/logo.v2.png",
            "/.well-known/security.txt",
            "/robots.txt",
        ],
    )
    assert got == {
        "/": {"uri": "/index.html"},
        "/petition/": {"uri": "/petition/index.html"},
        "/petition": {"uri": "/petition/index.html"},
        "/about/team": {"uri": "/about/team/index.html"},
        "/tags/human-rights/": {"uri": "/tags/human-rights/index.html"},
        "/css/site.0123abcd.css": {"uri": "/css/site.0123abcd.css"},
        "/js/site.89abcdef01.js": {"uri": "/js/site.89abcdef01.js"},
        "/404.html": {"uri": "/404.html"},
        "/atom.xml": {"uri": "/atom.xml"},
        "/images/logo.v2.png": {"uri": "/images/logo.v2.png"},
        "/.well-known/security.txt": {"uri": "/.well-known/security.txt"},
        "/robots.txt": {"uri": "/robots.txt"},
    }


def test_redirect_map_answers_real_redirects(tmp_path, function_source):
    redirect_map = "/old/>/new/|/x>https://example.org/y>302|/legacy.html>/new/"
    got = run_function(
        tmp_path,
        function_source,
        redirect_map,
        ["/old/", "/old", "/old/index.html", "/x", "/x/", "/legacy.html", "/new/", "/constructor", "/__proto__"],
    )
    moved = {"status": 301, "location": "/new/", "description": "Moved Permanently"}
    found = {"status": 302, "location": "https://example.org/y", "description": "Found"}
    assert got["/old/"] == moved
    assert got["/old"] == moved
    assert got["/old/index.html"] == moved
    assert got["/x"] == found
    assert got["/x/"] == found
    assert got["/legacy.html"] == moved
    assert got["/new/"] == {"uri": "/new/index.html"}
    # Object prototype names are no redirects.
    assert got["/constructor"] == {"uri": "/constructor/index.html"}
    assert got["/__proto__"] == {"uri": "/__proto__/index.html"}


def test_largest_redirect_map_fits_the_function_size_limit(template, function_source):
    max_len = template["Parameters"]["RedirectMap"]["MaxLength"]
    assert max_len <= 4096
    code = render(function_source, "a" * max_len)
    assert len(code.encode("utf-8")) <= MAX_FUNCTION_BYTES


def test_redirect_map_parameter_cannot_break_out_of_the_js_string(template):
    pattern = template["Parameters"]["RedirectMap"]["AllowedPattern"]
    assert re.fullmatch(pattern, "/old/>/new/|/x>https://example.org/y?a=1&b=2#top>302")
    for bad in ("/a>'/b", "/a>/b\\", "/a>/b c", '/a>"b"', "/a>/b\n", "/a></script>"):
        assert not re.fullmatch(pattern, bad), bad
