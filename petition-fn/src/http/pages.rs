//! The HTML pages the function answers plain form posts with: the site's own page shell with
//! a theme component inside (the signature form with its errors, or a notice).
//!
//! The components are compiled once per bundle ([`Pages::compile`]). If the theme's source
//! does not compile, or a component fails to render, the page falls back to plain built-in
//! markup (and says so on stderr) so that a person still sees what to fix: a theme mistake must
//! never turn bad input into a 500.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tera::{Context, Kwargs, State, Tera};

use crate::bundle::{
    LetterCampaign, Petition, SHELL_CONTENT_MARKER, SHELL_TITLE_MARKER, Senator, SiteBundle,
    UsState,
};
use crate::domain::FieldError;

/// The template name the components source is registered under.
const COMPONENTS: &str = "components.html";

/// The compiled components of one bundle.
pub(crate) struct Pages {
    tera: Option<Tera>,
}

impl Pages {
    /// Compiles the bundle's components source.
    pub(crate) fn compile(bundle: &SiteBundle) -> Self {
        Self::compile_with_strings(bundle, interface_strings(bundle))
    }

    /// Compiles the components with a `t(key=…)` function over `strings` (the theme's
    /// components call it for their interface text, as in site-gen).
    pub(crate) fn compile_with_strings(
        bundle: &SiteBundle,
        strings: BTreeMap<String, String>,
    ) -> Self {
        if bundle.pages.components.trim().is_empty() {
            return Self { tera: None };
        }
        let mut tera = Tera::new();
        let strings = Arc::new(strings);
        tera.register_function(
            "t",
            move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
                let key: &str = kwargs.must_get("key")?;
                strings.get(key).cloned().ok_or_else(|| {
                    tera::Error::message(format!(
                        "t(key=\"{key}\"): the site bundle carries no interface string `{key}`"
                    ))
                })
            },
        );
        match tera.add_raw_template(COMPONENTS, &bundle.pages.components) {
            Ok(()) => Self { tera: Some(tera) },
            Err(e) => {
                log_problem("compile", COMPONENTS, &e);
                Self { tera: None }
            }
        }
    }

    /// Renders a component with the arguments it declares (others are left out, since Tera
    /// refuses unknown arguments). `None` when it is missing or fails.
    fn component(
        &self,
        bundle: &SiteBundle,
        name: &str,
        args: Map<String, Value>,
    ) -> Option<String> {
        let tera = self.tera.as_ref()?;
        let info = tera.get_component_definition(name)?;
        let mut ctx = Context::new();
        for arg in info.args().iter().filter(|a| !a.is_implicit()) {
            if let Some(value) = args.get(arg.name()) {
                ctx.insert(arg.name().to_owned(), value);
            }
        }
        let mut implicits = Context::new();
        implicits.insert("lang", &bundle.language);
        implicits.insert(
            "config",
            &json!({
                "title": bundle.site_title,
                "base_url": bundle.base_url,
                "language": bundle.language,
                "api_base": "/api",
            }),
        );
        match tera.render_component_with_implicits(name, &ctx, &implicits, None, true) {
            Ok(html) => Some(html),
            Err(e) => {
                log_problem("render", name, &e);
                None
            }
        }
    }

    /// A whole page: the shell with the title and content filled in.
    pub(crate) fn page(bundle: &SiteBundle, title: &str, content: &str) -> String {
        let full_title = if bundle.site_title.is_empty() {
            title.to_owned()
        } else {
            format!("{title} – {}", bundle.site_title)
        };
        let shell = &bundle.pages.shell;
        if shell.contains(SHELL_CONTENT_MARKER) {
            shell
                .replace(SHELL_TITLE_MARKER, &escape(&full_title))
                .replace(SHELL_CONTENT_MARKER, content)
        } else {
            format!(
                "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>{title}</title></head><body><main id=\"main\">{content}</main></body></html>\n",
                lang = escape(&bundle.language),
                title = escape(&full_title),
            )
        }
    }

    /// The signature form again, with the values kept and the errors tied to their fields.
    pub(crate) fn form_page(
        &self,
        bundle: &SiteBundle,
        petition: &Petition,
        open: bool,
        values: &FormValues,
        errors: &[FieldError],
    ) -> String {
        let mut args = Map::new();
        args.insert("petition".into(), petition_value(petition, open));
        args.insert("countries".into(), json!(bundle.countries));
        args.insert("action".into(), json!(signature_action(&petition.id)));
        args.insert("values".into(), json!(values));
        args.insert("errors".into(), json!(errors));
        let content = self
            .component(bundle, "petition_form", args)
            .map(|form| self.framed(bundle, &petition.title, &form))
            .unwrap_or_else(|| fallback_form(bundle, petition, values, errors));
        Self::page(bundle, "Correct your signature", &content)
    }

    /// Puts a form under the page's heading, in the theme's `app_page` frame when it has one.
    fn framed(&self, bundle: &SiteBundle, title: &str, body: &str) -> String {
        let Some(tera) = self
            .tera
            .as_ref()
            .filter(|t| t.contains_component("app_page"))
        else {
            return format!("<h1>{}</h1>\n{body}", escape(title));
        };
        let mut ctx = Context::new();
        ctx.insert("title", title);
        let mut implicits = Context::new();
        implicits.insert("lang", &bundle.language);
        match tera.render_component_with_implicits("app_page", &ctx, &implicits, Some(body), true) {
            Ok(html) => html,
            Err(e) => {
                log_problem("render", "app_page", &e);
                format!("<h1>{}</h1>\n{body}", escape(title))
            }
        }
    }

    /// The letter form again, with the values kept and the errors tied to their fields.
    pub(crate) fn letter_form_page(
        &self,
        bundle: &SiteBundle,
        campaign: &LetterCampaign,
        values: &LetterValues,
        errors: &[FieldError],
    ) -> String {
        let mut by_state: BTreeMap<&str, Vec<&Senator>> = BTreeMap::new();
        for s in &bundle.senators {
            by_state.entry(s.state.as_str()).or_default().push(s);
        }
        let mut args = Map::new();
        args.insert("action".into(), json!(LETTER_ACTION));
        args.insert("states".into(), json!(bundle.states));
        args.insert("senators".into(), json!(by_state));
        args.insert("letter".into(), json!(campaign.default_letter));
        args.insert("bill".into(), json!(campaign.bill));
        args.insert("as_of".into(), json!(bundle.senators_as_of));
        args.insert("values".into(), json!(values));
        args.insert("errors".into(), json!(errors));
        let content = self
            .component(bundle, "letter_form", args)
            .map(|form| self.framed(bundle, LETTER_HEADING, &form))
            .unwrap_or_else(|| fallback_letter_form(bundle, campaign, values, errors));
        Self::page(bundle, "Correct your letter", &content)
    }

    /// The answer to a letter: the state's senators, how to reach them, and the letter.
    pub(crate) fn letter_sent_page(
        &self,
        bundle: &SiteBundle,
        state: &UsState,
        senators: &[&Senator],
        letter: &str,
    ) -> String {
        let mut args = Map::new();
        args.insert(
            "state".into(),
            json!({ "code": state.code, "name": state.name }),
        );
        args.insert("senators".into(), json!(senators));
        args.insert("letter".into(), json!(letter));
        let content = self
            .component(bundle, "letter_sent", args)
            .unwrap_or_else(|| fallback_letter_sent(state, senators, letter));
        let title = format!("Your letter to the senators of {}", state.name);
        Self::page(bundle, &title, &content)
    }

    /// A notice page (refusals: not found, closed, busy).
    pub(crate) fn notice_page(&self, bundle: &SiteBundle, notice: &Notice<'_>) -> String {
        let mut args = Map::new();
        args.insert("title".into(), json!(notice.title));
        args.insert("message".into(), json!(notice.message));
        args.insert("link".into(), json!(notice.link.map(|(url, _)| url)));
        args.insert(
            "link_text".into(),
            json!(notice.link.map(|(_, text)| text).unwrap_or("")),
        );
        let content = self
            .component(bundle, "notice", args)
            .unwrap_or_else(|| fallback_notice(notice));
        Self::page(bundle, notice.title, &content)
    }
}

/// The interface strings the components are rendered with: the theme's, in the site's
/// default language, carried by the bundle.
fn interface_strings(bundle: &SiteBundle) -> BTreeMap<String, String> {
    bundle.pages.strings.clone()
}

/// A refusal shown to a person: a title, what happened and what to do, and where to go next.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Notice<'a> {
    pub title: &'a str,
    pub message: &'a str,
    /// `(url, text)`.
    pub link: Option<(&'a str, &'a str)>,
}

/// The values a form is filled in again with.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct FormValues {
    pub name: String,
    pub email: String,
    pub country: String,
    pub consent: bool,
    pub updates: bool,
}

/// The values the letter form is filled in again with.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct LetterValues {
    pub name: String,
    pub email: String,
    pub street: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub message: String,
    pub consent: bool,
}

/// The POST URL of letters.
pub(crate) const LETTER_ACTION: &str = "/api/letters";

/// The heading of the letter form's page when the function shows it again.
const LETTER_HEADING: &str = "Write to your senators";

/// The POST URL of a petition's signatures.
pub(crate) fn signature_action(id: &str) -> String {
    format!("/api/petitions/{id}/signatures")
}

/// A petition as the components receive it (with `open`).
pub(crate) fn petition_value(p: &Petition, open: bool) -> Value {
    json!({
        "id": p.id,
        "title": p.title,
        "addressee": p.addressee,
        "goal": p.goal,
        "opens": p.opens,
        "closes": p.closes,
        "page": p.page,
        "thank_you": p.thank_you,
        "open": open,
    })
}

fn log_problem(what: &str, name: &str, err: &tera::Error) {
    let mut detail = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    eprintln!(
        "{}",
        json!({"level": "error", "event": "theme_component", "action": what, "component": name, "detail": detail})
    );
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn fallback_notice(notice: &Notice<'_>) -> String {
    let link = notice
        .link
        .map(|(url, text)| format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(text)))
        .unwrap_or_default();
    format!(
        "<section class=\"notice\"><h1>{}</h1><p>{}</p>{link}</section>",
        escape(notice.title),
        escape(notice.message)
    )
}

/// Plain accessible markup following the theme contract (error summary, `aria-invalid`,
/// `aria-describedby`), used only when the theme's component cannot be rendered.
fn fallback_form(
    bundle: &SiteBundle,
    petition: &Petition,
    values: &FormValues,
    errors: &[FieldError],
) -> String {
    let error_of = |field: &str| errors.iter().find(|e| e.field == field);
    let mut html = format!(
        "<h1>{}</h1><form data-enhance=\"petition\" action=\"{}\" method=\"post\" novalidate>",
        escape(&petition.title),
        escape(&signature_action(&petition.id))
    );
    if !errors.is_empty() {
        html.push_str(
            "<div data-error-summary tabindex=\"-1\" role=\"alert\"><h2>There is a problem</h2><ul>",
        );
        for e in errors {
            html.push_str(&format!(
                "<li><a href=\"#{}\">{}</a></li>",
                e.field,
                escape(&e.message)
            ));
        }
        html.push_str("</ul></div>");
    }
    let field_attrs = |field: &str| match error_of(field) {
        Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error\""),
        None => String::new(),
    };
    let field_error = |field: &str| match error_of(field) {
        Some(e) => format!(
            "<p id=\"{field}-error\" class=\"error\">{}</p>",
            escape(&e.message)
        ),
        None => String::new(),
    };
    for (field, label, kind, value) in [
        ("name", "Your name", "text", &values.name),
        ("email", "Your email address", "email", &values.email),
    ] {
        html.push_str(&format!(
            "<p><label for=\"{field}\">{label}</label>{}<input id=\"{field}\" name=\"{field}\" type=\"{kind}\" value=\"{}\"{}></p>",
            field_error(field),
            escape(value),
            field_attrs(field)
        ));
    }
    html.push_str(&format!(
        "<p><label for=\"country\">Your country</label>{}<select id=\"country\" name=\"country\"{}><option value=\"\">Choose</option>",
        field_error("country"),
        field_attrs("country")
    ));
    for c in &bundle.countries {
        let selected = if c.code.eq_ignore_ascii_case(&values.country) {
            " selected"
        } else {
            ""
        };
        html.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            escape(&c.code),
            escape(&c.name)
        ));
    }
    html.push_str("</select></p>");
    for (field, label, checked) in [
        ("consent", "I agree to sign this petition", values.consent),
        (
            "updates",
            "Send me campaign updates by email",
            values.updates,
        ),
    ] {
        html.push_str(&format!(
            "<p>{}<input id=\"{field}\" name=\"{field}\" type=\"checkbox\" value=\"true\"{}{}> <label for=\"{field}\">{label}</label></p>",
            field_error(field),
            if checked { " checked" } else { "" },
            field_attrs(field)
        ));
    }
    html.push_str(
        "<p class=\"visually-hidden\" aria-hidden=\"true\"><label for=\"website\">Leave this empty</label>\
         <input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></p>\
         <p><button type=\"submit\">Sign</button></p></form>",
    );
    html
}

/// The letter form in plain accessible markup, used only when the theme's component cannot be
/// rendered (same fields, error summary, `aria-invalid`, `aria-describedby`).
fn fallback_letter_form(
    bundle: &SiteBundle,
    campaign: &LetterCampaign,
    values: &LetterValues,
    errors: &[FieldError],
) -> String {
    let error_of = |field: &str| errors.iter().find(|e| e.field == field);
    let attrs = |field: &str| match error_of(field) {
        Some(_) => format!(" aria-invalid=\"true\" aria-describedby=\"{field}-error\""),
        None => String::new(),
    };
    let error = |field: &str| match error_of(field) {
        Some(e) => format!(
            "<p id=\"{field}-error\" class=\"error\">{}</p>",
            escape(&e.message)
        ),
        None => String::new(),
    };
    let mut html = format!(
        "<h1>{LETTER_HEADING}</h1><form data-enhance=\"letter\" action=\"{LETTER_ACTION}\" method=\"post\" novalidate>"
    );
    if !errors.is_empty() {
        html.push_str(
            "<div data-error-summary tabindex=\"-1\" role=\"alert\"><h2>There is a problem</h2><ul>",
        );
        for e in errors {
            html.push_str(&format!(
                "<li><a href=\"#{}\">{}</a></li>",
                e.field,
                escape(&e.message)
            ));
        }
        html.push_str("</ul></div>");
    }
    for (field, label, value) in [
        ("name", "Your name", &values.name),
        ("email", "Your email address", &values.email),
        ("street", "Street address", &values.street),
        ("city", "City", &values.city),
    ] {
        html.push_str(&format!(
            "<p><label for=\"{field}\">{label}</label>{}<input id=\"{field}\" name=\"{field}\" value=\"{}\"{}></p>",
            error(field),
            escape(value),
            attrs(field)
        ));
    }
    html.push_str(&format!(
        "<p><label for=\"state\">State</label>{}<select id=\"state\" name=\"state\"{}><option value=\"\">Choose your state</option>",
        error("state"),
        attrs("state")
    ));
    for s in &bundle.states {
        let selected = if s.code.eq_ignore_ascii_case(&values.state) {
            " selected"
        } else {
            ""
        };
        html.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            escape(&s.code),
            escape(&s.name)
        ));
    }
    html.push_str("</select></p>");
    html.push_str(&format!(
        "<p><label for=\"zip\">ZIP code</label>{}<input id=\"zip\" name=\"zip\" value=\"{}\"{}></p>",
        error("zip"),
        escape(&values.zip),
        attrs("zip")
    ));
    let message = if values.message.is_empty() {
        &campaign.default_letter
    } else {
        &values.message
    };
    html.push_str(&format!(
        "<p><label for=\"message\">Your letter</label>{}<textarea id=\"message\" name=\"message\" rows=\"14\"{}>{}</textarea></p>",
        error("message"),
        attrs("message"),
        escape(message)
    ));
    html.push_str(&format!(
        "<p>{}<input id=\"consent\" name=\"consent\" type=\"checkbox\" value=\"true\"{}{}> <label for=\"consent\">I agree that my name and address are used to find my senators and prepare my letter</label></p>",
        error("consent"),
        if values.consent { " checked" } else { "" },
        attrs("consent")
    ));
    html.push_str(
        "<p class=\"visually-hidden\" aria-hidden=\"true\"><label for=\"website\">Leave this empty</label>\
         <input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></p>\
         <p><button type=\"submit\">Find my senators and prepare my letter</button></p></form>",
    );
    html
}

/// The answer to a letter in plain markup, used only when the theme's component cannot be
/// rendered.
fn fallback_letter_sent(state: &UsState, senators: &[&Senator], letter: &str) -> String {
    let mut html = format!(
        "<h1>Your letter to the senators of {}</h1>\
         <p>Your letter is ready. This site has not sent it: send it yourself to each of your senators, through their official contact form. Senators’ offices answer only their own constituents.</p><ul>",
        escape(&state.name)
    );
    for s in senators {
        let link = s.contact_form.as_deref().unwrap_or(&s.url);
        html.push_str(&format!(
            "<li><h2>{name}</h2><p>{party}. Phone: {phone}. Office: {address}.</p><p><a href=\"{link}\">Write to {name}</a></p></li>",
            name = escape(&s.name),
            party = escape(&s.party),
            phone = escape(&s.phone),
            address = escape(&s.address),
            link = escape(link),
        ));
    }
    html.push_str(&format!(
        "</ul><h2>Your letter</h2><pre id=\"letter-text\">{}</pre>",
        escape(letter)
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn shell_markers_are_replaced_and_title_escaped() {
        let mut bundle = SiteBundle {
            site_title: "Site".into(),
            ..SiteBundle::default()
        };
        bundle.pages.shell =
            format!("<title>{SHELL_TITLE_MARKER}</title><main>{SHELL_CONTENT_MARKER}</main>");
        let page = Pages::page(&bundle, "A <b>", "<p>x</p>");
        assert_eq!(
            page,
            "<title>A &lt;b&gt; – Site</title><main><p>x</p></main>"
        );
    }

    /// The default theme's real components (written beside this crate) render the form with
    /// its interface strings, when both files are there.
    #[test]
    fn default_theme_components_render_with_their_strings() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default");
        let (Ok(components), Ok(en)) = (
            std::fs::read_to_string(root.join("templates/components.html")),
            std::fs::read_to_string(root.join("i18n/en.toml")),
        ) else {
            println!("SKIPPED: the default theme is not there");
            return;
        };
        let strings: BTreeMap<String, String> = toml::from_str(&en).expect("en.toml is flat");
        let mut bundle = SiteBundle::from_json(include_bytes!("../../tests/fixtures/bundle.json"))
            .expect("bundle");
        bundle.pages.components = components;
        let pages = Pages::compile_with_strings(&bundle, strings);
        let petition = bundle.petitions[0].clone();
        let values = FormValues {
            name: "Ada <b>".into(),
            email: "ada@example".into(),
            country: "US".into(),
            consent: false,
            updates: true,
        };
        let errors = [FieldError {
            field: "email",
            message: "Fix the <email>.".into(),
        }];
        let args = |open: bool| {
            let mut args = Map::new();
            args.insert("petition".into(), petition_value(&petition, open));
            args.insert("countries".into(), json!(bundle.countries));
            args.insert("action".into(), json!(signature_action(&petition.id)));
            args.insert("values".into(), json!(values));
            args.insert("errors".into(), json!(errors));
            args
        };
        let html = pages
            .component(&bundle, "petition_form", args(true))
            .expect("the theme's petition_form renders");
        assert!(html.contains("value=\"Ada &lt;b&gt;\""), "{html}");
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("Fix the &lt;email&gt;."));
        assert!(html.contains("<option value=\"US\" selected>"));
        let notice = pages.component(
            &bundle,
            "notice",
            serde_json::from_value(
                json!({"title": "T", "message": "M", "link": null, "link_text": ""}),
            )
            .expect("map"),
        );
        assert!(notice.is_some_and(|h| h.contains("<h1>T</h1>")));
    }

    #[test]
    fn broken_theme_falls_back_to_plain_markup() {
        let mut bundle = SiteBundle::default();
        bundle.pages.components = "{% component notice(title %}".into();
        let pages = Pages::compile(&bundle);
        let html = pages.notice_page(
            &bundle,
            &Notice {
                title: "Closed",
                message: "It <closed>.",
                link: Some(("/p/", "Back")),
            },
        );
        assert!(html.contains("<h1>Closed</h1>"));
        assert!(html.contains("It &lt;closed&gt;."));
        assert!(html.contains("<a href=\"/p/\">Back</a>"));
    }
}
