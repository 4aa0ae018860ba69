//! The router held to its OpenAPI description, `petition-fn/openapi.json` (served at
//! `GET /api/openapi.json`).
//!
//! The document's paths are `contract::api::route::ALL` and its request bodies the fields of
//! `contract::api::Form`, read from the code rather than copied. Every answer the router gives
//! to the requests below, valid and invalid ones, is one the document gives for that operation:
//! its status, its content type, its required headers (and their values' schemas), and a JSON
//! body valid against the documented schema. And the other way: every status the document
//! gives is answered to some request here, but for those in [`UNEXERCISED`].

use std::collections::{BTreeMap, BTreeSet};

use contract::api::{ACTION_KINDS, Form, route};

use super::*;

/// The document in the repository.
const DOCUMENT_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

/// Documented answers no request here can cause, with why: (method, path, status).
const UNEXERCISED: &[(&str, &str, &str)] = &[
    // A failure of the system's random source.
    ("get", route::CHALLENGE, "500"),
    // The 8-second deadline (`layers::bounds`), which only a handler that waits can reach:
    // these wait on nothing.
    ("get", route::CONFIRM, "503"),
    ("get", route::UNSUBSCRIBE, "503"),
    ("get", route::CHALLENGE, "503"),
    ("get", route::OPENAPI, "503"),
];

/// The HTTP methods an OpenAPI path item may hold.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A JSON pointer's reference token for `key`.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The document, parsed.
struct Spec {
    doc: Value,
}

impl Spec {
    fn load() -> Self {
        let text = std::fs::read_to_string(DOCUMENT_FILE)
            .unwrap_or_else(|e| panic!("reads {DOCUMENT_FILE}: {e}"));
        let doc = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{DOCUMENT_FILE} is not JSON: {e}"));
        Self { doc }
    }

    /// The value at `pointer`, `$ref`s followed, with the pointer where it was found.
    fn resolve(&self, pointer: &str) -> Option<(String, &Value)> {
        let mut pointer = pointer.to_owned();
        for _ in 0..8 {
            let value = self.doc.pointer(&pointer)?;
            match value.get("$ref").and_then(Value::as_str) {
                Some(target) => {
                    pointer = target
                        .strip_prefix('#')
                        .unwrap_or_else(|| panic!("{target}: only local references"))
                        .to_owned();
                }
                None => return Some((pointer, value)),
            }
        }
        panic!("{pointer}: a loop of references")
    }

    fn paths(&self) -> BTreeSet<&str> {
        self.doc["paths"]
            .as_object()
            .map(|paths| paths.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The methods the document gives for `path`, lower case.
    fn methods(&self, path: &str) -> BTreeSet<&'static str> {
        let item = &self.doc["paths"][path];
        METHODS
            .iter()
            .copied()
            .filter(|m| item.get(*m).is_some())
            .collect()
    }

    fn operation(path: &str, method: &str) -> String {
        format!("/paths/{}/{method}", token(path))
    }

    /// The statuses the document gives for an operation.
    fn statuses(&self, path: &str, method: &str) -> BTreeSet<String> {
        self.doc
            .pointer(&format!("{}/responses", Self::operation(path, method)))
            .and_then(Value::as_object)
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// A validator of `schema`, whose references point into the document's components.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let root = json!({
            "$ref": "#/$defs/answer",
            "$defs": { "answer": schema },
            "components": self.doc["components"],
        });
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("the schema {schema} does not compile: {e}"))
    }

    fn assert_valid(&self, what: &str, schema: &Value, instance: &Value) {
        let validator = self.validator(schema);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} (at {})", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: not as the document says: {errors:?}\n{instance}"
        );
    }

    /// Checks an answer against the documented response at `pointer`.
    fn check_response(&self, what: &str, pointer: &str, reply: &Reply) {
        let (pointer, response) = self
            .resolve(pointer)
            .unwrap_or_else(|| panic!("{what}: the document gives no such answer"));
        if let Some(headers) = response.get("headers").and_then(Value::as_object) {
            for name in headers.keys() {
                let (_, header) = self
                    .resolve(&format!("{pointer}/headers/{}", token(name)))
                    .unwrap_or_else(|| panic!("{pointer}: header {name} does not resolve"));
                let value = reply.headers.get(name.as_str()).map(|v| {
                    v.to_str()
                        .unwrap_or_else(|_| panic!("{what}: {name} as text"))
                });
                let Some(value) = value else {
                    assert_ne!(
                        header["required"],
                        json!(true),
                        "{what}: without its {name} header"
                    );
                    continue;
                };
                let schema = &header["schema"];
                let instance =
                    if schema["type"] == "integer" {
                        json!(value.trim().parse::<i64>().unwrap_or_else(|_| panic!(
                            "{what}: {name} is not an integer: {value}"
                        )))
                    } else {
                        json!(value)
                    };
                self.assert_valid(&format!("{what}, header {name}"), schema, &instance);
            }
        }
        let content_type = reply
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            });
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            assert!(
                reply.body.is_empty(),
                "{what}: the document gives no body, but it has one: {}",
                reply.body
            );
            return;
        };
        let essence =
            content_type.unwrap_or_else(|| panic!("{what}: a body without a content type"));
        let media = content.get(&essence).unwrap_or_else(|| {
            panic!(
                "{what}: {essence} is not among the documented {:?}: {}",
                content.keys().collect::<Vec<_>>(),
                reply.body
            )
        });
        match essence.as_str() {
            "application/json" => {
                let body: Value = serde_json::from_str(&reply.body)
                    .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", reply.body));
                self.assert_valid(what, &media["schema"], &body);
            }
            "text/html" => assert!(
                reply
                    .body
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("<!doctype html"),
                "{what}: not a page: {}",
                reply.body
            ),
            "image/svg+xml" => assert!(
                reply
                    .body
                    .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
                    && reply.body.ends_with("</svg>"),
                "{what}: not an SVG image: {}",
                reply.body
            ),
            "text/csv" => assert!(
                reply.body.starts_with("petition,at,country,count\r\n")
                    && reply.body.ends_with("\r\n"),
                "{what}: not the history CSV: {}",
                reply.body
            ),
            other => panic!("{what}: no check for {other}"),
        }
    }

    /// Checks the answer to `method path` (a route template) against the document.
    fn check(&self, path: &str, method: &Method, reply: &Reply) {
        let method = method.as_str().to_ascii_lowercase();
        let status = reply.status.as_str();
        let what = format!("{} {path} answered {status}", method.to_ascii_uppercase());
        let operation = Self::operation(path, &method);
        assert!(
            self.doc.pointer(&operation).is_some(),
            "{what}: the document has no such operation"
        );
        assert!(
            self.statuses(path, &method).contains(status),
            "{what}, which the document does not give for it: {}",
            reply.body
        );
        self.check_response(&what, &format!("{operation}/responses/{status}"), reply);
    }
}

/// Sends requests through a router, checks each answer against the document, and keeps which
/// statuses each operation answered.
struct Checked {
    spec: Spec,
    seen: BTreeMap<(String, &'static str), BTreeSet<String>>,
}

impl Checked {
    fn new() -> Self {
        Self {
            spec: Spec::load(),
            seen: BTreeMap::new(),
        }
    }

    /// `request` to `app`, for the operation of `route` (a template of `contract::api::route`);
    /// the answer is checked and returned.
    async fn send(&mut self, app: &Router, route: &str, request: Request<Body>) -> Reply {
        let method = request.method().clone();
        let reply = send(app, request).await;
        self.spec.check(route, &method, &reply);
        let key = METHODS
            .iter()
            .copied()
            .find(|m| m.eq_ignore_ascii_case(method.as_str()))
            .unwrap_or("other");
        self.seen
            .entry((route.to_owned(), key))
            .or_default()
            .insert(reply.status.as_str().to_owned());
        reply
    }

    /// `send`, and the answer must have `status`.
    async fn expect(
        &mut self,
        app: &Router,
        route: &str,
        request: Request<Body>,
        status: StatusCode,
    ) -> Reply {
        let uri = request.uri().to_string();
        let reply = self.send(app, route, request).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.body);
        reply
    }

    /// Every documented status was answered, but for [`UNEXERCISED`].
    fn assert_every_status_seen(&self) {
        let mut missing = Vec::new();
        for path in self.spec.paths() {
            for method in self.spec.methods(path) {
                let seen = self.seen.get(&(path.to_owned(), method));
                for status in self.spec.statuses(path, method) {
                    let exempt = UNEXERCISED
                        .iter()
                        .any(|&(m, p, s)| (m, p, s) == (method, path, status.as_str()));
                    if !exempt && !seen.is_some_and(|s| s.contains(&status)) {
                        missing.push(format!("{} {path} {status}", method.to_ascii_uppercase()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "documented, but no request here was answered so: {missing:?}"
        );
    }
}

fn accept_html(request: Request<Body>) -> Request<Body> {
    with_header(request, "accept", "text/html,application/xhtml+xml")
}

fn cross_site(request: Request<Body>) -> Request<Body> {
    with_header(request, "origin", "https://evil.example")
}

/// The same state on a clock `days` later.
fn days_later(state: &AppState, days: u64) -> Router {
    let later = TODAY + days * 24 * 60 * 60;
    standalone_app(
        state
            .clone()
            .with_clock(Arc::new(move || UNIX_EPOCH + Duration::from_secs(later))),
    )
}

/// The letter bundle with every hourly limit at one.
fn limited_letter_bundle() -> SiteBundle {
    let mut bundle = letter_bundle();
    bundle.limits.signatures_per_hour = 1;
    bundle.limits.letters_per_hour = 1;
    bundle.limits.actions_per_hour = 1;
    bundle
}

/// A valid unsubscribe token of `state`'s keys.
fn unsubscribe_token(state: &AppState, email: &str) -> String {
    let keys = state.keys();
    keys.unsubscribe_token(
        &keys.dedup_hash(&crate::domain::normalise_email(email).expect("a valid address")),
    )
}

/// The one confirmation token mailed since the outbox held `before`.
fn new_token(h: &Harness, before: &[String]) -> String {
    let new: Vec<String> = mailed_tokens(h)
        .into_iter()
        .filter(|t| !before.contains(t))
        .collect();
    assert_eq!(new.len(), 1, "one new mail: {new:?}");
    new.into_iter().next().unwrap_or_default()
}

fn action_json(kind: &str, senator: &str) -> Value {
    json!({ "kind": kind, "state": "CA", "senator": senator })
}

/// The refusals every POST route shares, for one of them: `uri` (with its template `route`),
/// a valid JSON body of its form and the name of one of its fields.
async fn shared_refusals(c: &mut Checked, app: &Router, route: &str, uri: &str, field: &str) {
    let c415 = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    c.expect(app, route, post(uri, "text/plain", "hello"), c415)
        .await;
    c.expect(
        app,
        route,
        post(uri, "multipart/form-data; boundary=x", "--x--"),
        c415,
    )
    .await;
    c.expect(
        app,
        route,
        post(uri, "application/json; charset=latin1", "{}"),
        c415,
    )
    .await;
    for body in ["{", "[1]", "\"text\"", "null"] {
        c.expect(
            app,
            route,
            post(uri, "application/json", body),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let big = "x".repeat(BODY_LIMIT + 1);
    c.expect(
        app,
        route,
        post(uri, "application/json", big.clone()),
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    c.expect(app, route, form(uri, &big), StatusCode::PAYLOAD_TOO_LARGE)
        .await;
    let wrong = json!({ field: ["a list"] });
    c.expect(
        app,
        route,
        json_req(uri, &wrong),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    c.expect(
        app,
        route,
        form(uri, &format!("{field}=Caf%E9")),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    c.expect(
        app,
        route,
        cross_site(json_req(uri, &json!({}))),
        StatusCode::FORBIDDEN,
    )
    .await;
    let page = c
        .expect(app, route, cross_site(form(uri, "")), StatusCode::FORBIDDEN)
        .await;
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
}

#[tokio::test]
async fn the_documents_paths_are_the_routes() {
    let spec = Spec::load();
    let documented: BTreeSet<&str> = spec.paths();
    let routes: BTreeSet<&str> = route::ALL.iter().copied().collect();
    assert_eq!(documented, routes);
    assert_eq!(spec.doc["openapi"], "3.1.0");
}

#[tokio::test]
async fn the_documents_request_bodies_are_the_forms() {
    let spec = Spec::load();
    for path in spec.paths() {
        let form = Form::of_action(path).map(|(form, _)| form);
        for method in spec.methods(path) {
            let operation = Spec::operation(path, method);
            let body = spec.resolve(&format!("{operation}/requestBody"));
            let Some(form) = form.filter(|_| method == "post") else {
                assert!(body.is_none(), "{method} {path} takes no body");
                continue;
            };
            let (pointer, body) =
                body.unwrap_or_else(|| panic!("POST {path} takes {form:?}'s fields"));
            let media: BTreeSet<&str> = body["content"]
                .as_object()
                .map(|c| c.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(
                media,
                BTreeSet::from(["application/json", "application/x-www-form-urlencoded"]),
                "{path}"
            );
            for media in media {
                let (_, schema) = spec
                    .resolve(&format!("{pointer}/content/{}/schema", token(media)))
                    .unwrap_or_else(|| panic!("{path} {media}: a schema"));
                let properties: BTreeSet<&str> = schema["properties"]
                    .as_object()
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let fields: BTreeSet<&str> = form.fields().iter().copied().collect();
                assert_eq!(properties, fields, "{path} {media}: the fields of {form:?}");
                let required = schema["required"].as_array().into_iter().flatten();
                for name in required {
                    let name = name.as_str().unwrap_or_default();
                    assert!(fields.contains(name), "{path}: required {name} is no field");
                }
            }
        }
    }
    let (_, kind) = spec
        .resolve("/components/schemas/ActionFields/properties/kind")
        .expect("the action's kind");
    assert_eq!(kind["enum"], json!(ACTION_KINDS));
}

#[tokio::test]
async fn the_documents_error_codes_are_the_codes() {
    let spec = Spec::load();
    let (_, code) = spec
        .resolve("/components/schemas/FieldError/properties/code")
        .expect("a field error's code");
    let documented: BTreeSet<&str> = code["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut codes: BTreeSet<&str> = crate::domain::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let refusals = [
        refusal::Refusal::CrossSite,
        refusal::Refusal::UnknownToken,
        refusal::Refusal::ExpiredToken { page: None },
        refusal::Refusal::BadUnsubscribe,
    ];
    codes.extend(
        refusals
            .iter()
            .filter_map(|r| r.field_error().map(|(_, code)| code)),
    );
    assert_eq!(documented, codes);
}

#[tokio::test]
async fn every_reference_resolves_and_every_schema_compiles() {
    fn walk<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    refs.push(r);
                }
                map.values().for_each(|v| walk(v, refs));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let spec = Spec::load();
    let mut refs = Vec::new();
    walk(&spec.doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let pointer = r.strip_prefix('#').unwrap_or(r);
        assert!(spec.doc.pointer(pointer).is_some(), "{r} resolves");
    }
    let schemas = spec.doc["components"]["schemas"]
        .as_object()
        .expect("component schemas");
    for (name, schema) in schemas {
        assert!(
            jsonschema::draft202012::meta::is_valid(schema),
            "{name} is a JSON Schema (2020-12)"
        );
        spec.validator(schema);
    }
}

#[tokio::test]
async fn the_served_document_is_the_file() {
    let h = harness().await;
    let mut c = Checked::new();
    let r = c
        .expect(&h.app, route::OPENAPI, get(route::OPENAPI), StatusCode::OK)
        .await;
    let file = std::fs::read_to_string(DOCUMENT_FILE).expect("reads the file");
    assert!(
        r.body == file,
        "the served document differs from {DOCUMENT_FILE}"
    );
    assert_eq!(r.header(header::CONTENT_TYPE), "application/json");
    assert!(
        r.header(header::CACHE_CONTROL)
            .starts_with("public, max-age=")
    );
    assert_security_headers(&r);
}

#[tokio::test]
async fn other_methods_are_405_with_the_documented_ones_allowed() {
    let h = harness().await;
    let spec = Spec::load();
    let all = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
    for path in spec.paths() {
        let uri = path.replace("{id}", "free-them");
        let documented: BTreeSet<String> = spec
            .methods(path)
            .iter()
            .map(|m| m.to_ascii_uppercase())
            .collect();
        let mut allowed = documented.clone();
        if documented.contains("GET") {
            allowed.insert("HEAD".into());
        }
        for method in all.iter().filter(|m| !documented.contains(**m)) {
            let request = Request::builder()
                .method(*method)
                .uri(&uri)
                .body(Body::empty())
                .expect("request");
            let r = send(&h.app, request).await;
            let what = format!("{method} {path}");
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
            let allow: BTreeSet<String> = r
                .header(header::ALLOW)
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect();
            assert_eq!(allow, allowed, "{what}: Allow is the documented methods");
            spec.check_response(&what, "/components/responses/WrongMethod", &r);
        }
    }
    let r = send(&h.app, get("/api/nothing-here")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    spec.check_response(
        "GET /api/nothing-here",
        "/components/responses/NotFound",
        &r,
    );
}

#[tokio::test]
async fn every_answer_is_documented_and_every_documented_answer_is_given() {
    let mut c = Checked::new();
    let (created, see_other) = (StatusCode::CREATED, StatusCode::SEE_OTHER);
    let (ok, not_found) = (StatusCode::OK, StatusCode::NOT_FOUND);

    // The site with its letter campaign, on the embedded store.
    let h = harness_with(letter_bundle()).await;
    let app = &h.app;
    let s = route::SIGNATURES;
    c.expect(app, s, json_req(SIGN, &good_json("a@example.org")), created)
        .await;
    let r = c.expect(app, s, form(SIGN, GOOD_FORM), see_other).await;
    assert_eq!(r.header(header::LOCATION), "/petition/thanks/");
    c.expect(
        app,
        s,
        json_req(CONFIRMING, &good_json("c@example.org")),
        StatusCode::ACCEPTED,
    )
    .await;
    c.expect(app, s, form(CONFIRMING, GOOD_FORM), see_other)
        .await;
    let unknown = "/api/petitions/nope/signatures";
    c.expect(
        app,
        s,
        json_req(unknown, &good_json("a@example.org")),
        not_found,
    )
    .await;
    c.expect(app, s, form(unknown, GOOD_FORM), not_found).await;
    let closed = "/api/petitions/old/signatures";
    c.expect(
        app,
        s,
        json_req(closed, &good_json("a@example.org")),
        StatusCode::CONFLICT,
    )
    .await;
    c.expect(app, s, form(closed, GOOD_FORM), StatusCode::CONFLICT)
        .await;
    let invalid = "name=&email=ada%40example&country=ZZ";
    let page = c
        .expect(
            app,
            s,
            form(SIGN, invalid),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    c.expect(
        app,
        s,
        json_req(SIGN, &json!({"email": "nobody", "consent": "maybe"})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // A filled-in honeypot is answered as a success.
    let mut bot = good_json("bot@example.org");
    bot["website"] = json!("https://spam.example");
    c.expect(app, s, json_req(SIGN, &bot), created).await;
    shared_refusals(&mut c, app, s, SIGN, "name").await;

    let p = route::PETITION;
    let r = c.expect(app, p, get("/api/petitions/free-them"), ok).await;
    assert_eq!(r.json()["count"], 2);
    c.expect(app, p, get("/api/petitions/old"), ok).await;
    c.expect(app, p, get("/api/petitions/nope"), not_found)
        .await;
    c.expect(app, p, accept_html(get("/api/petitions/nope")), not_found)
        .await;
    let b = route::BADGE;
    let r = c
        .expect(app, b, get("/api/petitions/free-them/badge.svg"), ok)
        .await;
    assert!(r.body.contains(">2</text>"), "{}", r.body);
    c.expect(app, b, get("/api/petitions/nope/badge.svg"), not_found)
        .await;
    crate::history::take(
        h.state.store().as_ref(),
        &h.state.bundle().petition_ids(),
        h.state.now(),
    )
    .await
    .expect("a snapshot");
    for (route, uri) in [
        (route::HISTORY, "/api/petitions/free-them/history"),
        (route::HISTORY_CSV, "/api/petitions/free-them/history.csv"),
    ] {
        let r = c.expect(app, route, get(uri), ok).await;
        assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
        assert!(
            r.body.contains(",2") || r.body.contains("\"count\":2"),
            "{}",
            r.body
        );
        let unknown = uri.replace("free-them", "nope");
        c.expect(app, route, get(&unknown), not_found).await;
    }

    let l = route::LETTERS;
    let body = letter_form_body("ada@example.org", "CA", "94103", SUGGESTED);
    c.expect(app, l, form(LETTERS, &body), ok).await;
    let r = c
        .expect(
            app,
            l,
            json_req(LETTERS, &letter_json("bob@example.org", "NY", "10001")),
            created,
        )
        .await;
    assert_eq!(r.json()["senators"].as_array().map(Vec::len), Some(2));
    let wrong_zip = letter_form_body("ada@example.org", "CA", "10001", SUGGESTED);
    c.expect(
        app,
        l,
        form(LETTERS, &wrong_zip),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    c.expect(
        app,
        l,
        json_req(LETTERS, &letter_json("ada@example.org", "DC", "20001")),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    shared_refusals(&mut c, app, l, LETTERS, "street").await;

    let a = route::ACTIONS;
    let senator = h.state.bundle().senators_of("CA")[0].bioguide.clone();
    c.expect(
        app,
        a,
        form(
            route::ACTIONS,
            &format!("kind=called&state=CA&senator={senator}"),
        ),
        ok,
    )
    .await;
    c.expect(
        app,
        a,
        json_req(route::ACTIONS, &action_json("letter_sent", &senator)),
        created,
    )
    .await;
    c.expect(
        app,
        a,
        json_req(route::ACTIONS, &action_json("emailed", "X000000")),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    shared_refusals(&mut c, app, a, route::ACTIONS, "kind").await;

    // Confirmation: the tokens mailed above (confirm-me twice, then the updates list).
    let cf = route::CONFIRM;
    let tokens = mailed_tokens(&h);
    assert_eq!(tokens.len(), 2, "two addresses signed confirm-me");
    let shape = json!({ "$ref": "#/components/schemas/ConfirmToken" });
    for token in &tokens {
        c.spec.assert_valid("a mailed token", &shape, &json!(token));
    }
    let link = |token: &str| get(&format!("/api/confirm?token={token}"));
    c.expect(app, cf, link(&tokens[0]), ok).await;
    c.expect(
        app,
        cf,
        get(&format!("/api/confirm?token={}&for=updates", tokens[0])),
        ok,
    )
    .await;
    c.expect(app, cf, get("/api/confirm"), not_found).await;
    c.expect(
        app,
        cf,
        accept_html(get("/api/confirm?token=short")),
        not_found,
    )
    .await;
    let r = c
        .expect(app, cf, json_req(cf, &json!({ "token": tokens[0] })), ok)
        .await;
    assert_eq!(r.json()["count"], 1);
    let r = c.expect(app, cf, confirm_form(&tokens[1]), see_other).await;
    assert_eq!(r.header(header::LOCATION), "/confirm-me/thanks/");
    let never = "b".repeat(43);
    c.expect(app, cf, json_req(cf, &json!({ "token": never })), not_found)
        .await;
    c.expect(app, cf, confirm_form(&never), not_found).await;
    c.expect(app, cf, json_req(cf, &json!({})), not_found).await;
    let ticked = format!(
        "{}&updates=true",
        letter_form_body("carol@example.org", "NY", "10001", SUGGESTED)
    );
    let before = mailed_tokens(&h);
    c.expect(app, l, form(LETTERS, &ticked), ok).await;
    let updates = new_token(&h, &before);
    let r = c
        .expect(app, cf, json_req(cf, &json!({ "token": updates })), ok)
        .await;
    assert_eq!(r.json()["status"], "confirmed");
    let r = c.expect(app, cf, confirm_form(&updates), ok).await;
    assert!(r.header(header::CONTENT_TYPE).starts_with("text/html"));
    shared_refusals(&mut c, app, cf, cf, "token").await;

    // A week and more later, an unconfirmed signature's link has expired.
    let before = mailed_tokens(&h);
    c.expect(
        app,
        s,
        json_req(CONFIRMING, &good_json("late@example.org")),
        StatusCode::ACCEPTED,
    )
    .await;
    let late = new_token(&h, &before);
    let later = days_later(&h.state, 8);
    c.expect(
        &later,
        cf,
        json_req(cf, &json!({ "token": late })),
        StatusCode::GONE,
    )
    .await;
    c.expect(&later, cf, confirm_form(&late), StatusCode::GONE)
        .await;

    // Unsubscribing.
    let u = route::UNSUBSCRIBE;
    let valid = unsubscribe_token(&h.state, "a@example.org");
    c.expect(app, u, get(&format!("/api/unsubscribe?token={valid}")), ok)
        .await;
    c.expect(
        app,
        u,
        get("/api/unsubscribe?token=forged.token"),
        not_found,
    )
    .await;
    c.expect(app, u, accept_html(get("/api/unsubscribe")), not_found)
        .await;
    let r = c
        .expect(app, u, json_req(u, &json!({ "token": valid })), ok)
        .await;
    assert_eq!(r.json()["status"], "unsubscribed");
    c.expect(app, u, form(u, &format!("token={valid}")), ok)
        .await;
    c.expect(
        app,
        u,
        form(&format!("{u}?token={valid}"), "List-Unsubscribe=One-Click"),
        ok,
    )
    .await;
    c.expect(
        app,
        u,
        json_req(u, &json!({ "token": "forged.token" })),
        not_found,
    )
    .await;
    c.expect(app, u, form(u, "token=forged"), not_found).await;
    shared_refusals(&mut c, app, u, u, "token").await;

    let ch = route::CHALLENGE;
    let r = c.expect(app, ch, get(ch), ok).await;
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    c.expect(app, route::HEALTH, get(route::HEALTH), ok).await;
    c.expect(app, route::OPENAPI, get(route::OPENAPI), ok).await;

    // The site without a letter campaign.
    let bare = harness().await;
    for (route, json) in [
        (l, letter_json("ada@example.org", "CA", "94103")),
        (a, action_json("called", &senator)),
    ] {
        c.expect(&bare.app, route, json_req(route, &json), not_found)
            .await;
        c.expect(&bare.app, route, form(route, "kind=called"), not_found)
            .await;
    }
    // A confirmed token of a petition the site no longer lists.
    c.expect(
        &bare.app,
        s,
        json_req(CONFIRMING, &good_json("gone@example.org")),
        StatusCode::ACCEPTED,
    )
    .await;
    let gone = new_token(&bare, &[]);
    let mut without = test_bundle();
    without.petitions.retain(|p| p.id != "confirm-me");
    bare.state.replace_bundle(without);
    let r = c
        .expect(
            &bare.app,
            cf,
            json_req(cf, &json!({ "token": gone })),
            not_found,
        )
        .await;
    assert!(r.json()["message"].is_string(), "{}", r.body);

    // Over the hourly limits: 429 with a challenge.
    let tight = harness_with(limited_letter_bundle()).await;
    let app = &tight.app;
    let limited = StatusCode::TOO_MANY_REQUESTS;
    c.expect(
        app,
        s,
        json_req(SIGN, &good_json("t1@example.org")),
        created,
    )
    .await;
    let r = c
        .expect(
            app,
            s,
            json_req(SIGN, &good_json("t2@example.org")),
            limited,
        )
        .await;
    assert!(r.json()["challenge"]["maxnumber"].is_u64());
    c.expect(app, s, form(SIGN, GOOD_FORM), limited).await;
    c.expect(app, l, form(LETTERS, &body), ok).await;
    c.expect(app, l, form(LETTERS, &body), limited).await;
    c.expect(
        app,
        l,
        json_req(LETTERS, &letter_json("t@example.org", "CA", "94103")),
        limited,
    )
    .await;
    c.expect(
        app,
        a,
        json_req(a, &action_json("called", &senator)),
        created,
    )
    .await;
    c.expect(
        app,
        a,
        json_req(a, &action_json("letter_sent", &senator)),
        limited,
    )
    .await;
    c.expect(
        app,
        a,
        form(a, &format!("kind=called&state=CA&senator={senator}")),
        limited,
    )
    .await;

    // Signing paused by the operator; a confirmation mail that cannot be sent.
    let store = h.state.store();
    crate::fair::operator::pause(
        store.as_ref(),
        "free-them",
        None,
        "2026-03-01T10:00:00Z".into(),
    )
    .await
    .expect("pauses");
    let paused = standalone_app(h.state.clone().with_clock(fixed_clock()));
    let unavailable = StatusCode::SERVICE_UNAVAILABLE;
    let r = c
        .expect(
            &paused,
            s,
            json_req(SIGN, &good_json("p@example.org")),
            unavailable,
        )
        .await;
    assert_eq!(r.header(header::RETRY_AFTER), "600");
    c.expect(&paused, s, form(SIGN, GOOD_FORM), unavailable)
        .await;
    let no_mail = standalone_app(h.state.clone().with_mailer(Arc::new(FailingMailer)));
    let r = c
        .expect(
            &no_mail,
            s,
            json_req(CONFIRMING, &good_json("m@example.org")),
            unavailable,
        )
        .await;
    assert_eq!(r.header(header::RETRY_AFTER), "300");

    // A store that is down (503), and one that is broken (500).
    for (broken, status) in [
        (false, unavailable),
        (true, StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let state = down_state(
            DownStore {
                stall: false,
                broken,
            },
            letter_bundle(),
        );
        let app = &standalone_app(state.clone());
        let valid = unsubscribe_token(&state, "a@example.org");
        c.expect(app, s, json_req(SIGN, &good_json("d@example.org")), status)
            .await;
        c.expect(app, s, form(SIGN, GOOD_FORM), status).await;
        c.expect(
            app,
            route::BADGE,
            get("/api/petitions/free-them/badge.svg"),
            status,
        )
        .await;
        c.expect(app, p, get("/api/petitions/free-them"), status)
            .await;
        for route in [route::HISTORY, route::HISTORY_CSV] {
            let uri = route.replace("{id}", "free-them");
            c.expect(app, route, get(&uri), status).await;
        }
        c.expect(app, p, accept_html(get("/api/petitions/free-them")), status)
            .await;
        c.expect(
            app,
            l,
            json_req(LETTERS, &letter_json("d@example.org", "CA", "94103")),
            status,
        )
        .await;
        c.expect(app, l, form(LETTERS, &body), status).await;
        c.expect(
            app,
            a,
            json_req(a, &action_json("called", &senator)),
            status,
        )
        .await;
        c.expect(app, cf, json_req(cf, &json!({ "token": never })), status)
            .await;
        c.expect(app, cf, confirm_form(&never), status).await;
        c.expect(app, u, json_req(u, &json!({ "token": valid })), status)
            .await;
        let health = c
            .expect(app, route::HEALTH, get(route::HEALTH), unavailable)
            .await;
        assert_eq!(health.json()["status"], "unavailable");
    }

    // Behind CloudFront, a request that went around it is refused, on every route.
    let behind = standalone_app(h.state.clone().with_origin_secret("cdn-secret"));
    let spec = Spec::load();
    for path in spec.paths() {
        let uri = path.replace("{id}", "free-them");
        for method in spec.methods(path) {
            let request = if method == "post" {
                json_req(&uri, &json!({}))
            } else {
                get(&uri)
            };
            let r = c
                .expect(&behind, path, request, StatusCode::FORBIDDEN)
                .await;
            assert!(r.json()["message"].is_string());
        }
    }

    c.assert_every_status_seen();
}
