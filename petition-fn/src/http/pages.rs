//! The HTML pages the function answers plain form posts with: the site's own page shell with a
//! theme component inside (a form again with its errors, the letter's answer, a notice).
//!
//! The theme's components are compiled once per bundle and language ([`Pages::compile`], held
//! by the language's [`Local`], which builds the pages), with `t(key=…)` over that language's
//! strings: a component's `t` reads the language it was compiled for (only the components that
//! declare the implicit `@lang` see the page's language, so the language cannot come from the
//! render alone). A component the theme lacks, or one that does not compile or render, comes
//! from the built-in components (`templates/builtin.html`, compiled into the binary) and the
//! problem is logged: a theme mistake must never turn bad input into a 500.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use contract::bundle::{
    LetterCampaign, Petition, SHELL_CONTENT_MARKER, SHELL_TITLE_MARKER, SiteBundle, UsState,
};
use contract::html::escape;
use contract::strings::Strings;
use contract::views::{self, Args, LetterFacts};
use serde_json::json;
use tera::{Context, Tera};

use super::lang::Local;
use crate::domain::FieldError;

/// The template name the theme's components are registered under.
const COMPONENTS: &str = "components.html";

/// The built-in components, compiled once per process.
static BUILTIN: LazyLock<Option<Tera>> = LazyLock::new(|| {
    let mut tera = Tera::new();
    match tera.add_raw_template("builtin.html", include_str!("templates/builtin.html")) {
        Ok(()) => Some(tera),
        Err(e) => {
            log_problem("compile", "builtin.html", &e);
            None
        }
    }
});

/// The compiled components of one bundle in one language.
pub(crate) struct Pages {
    theme: Option<Tera>,
}

/// A refusal shown to a person: a title, what happened and what to do, and where to go next.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) title: String,
    pub(crate) message: String,
    /// `(url, text)`.
    pub(crate) link: Option<(String, String)>,
}

/// The values the signature form is filled in again with.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct FormValues {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) country: String,
    pub(crate) consent: bool,
    pub(crate) updates: bool,
}

impl FormValues {
    /// The fields a form post would send with these values.
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("name", self.name.clone()),
            ("email", self.email.clone()),
            ("country", self.country.clone()),
        ];
        for (field, on) in [("consent", self.consent), ("updates", self.updates)] {
            if on {
                out.push((field, "true".into()));
            }
        }
        out
    }
}

impl LetterValues {
    /// The fields a form post would send with these values.
    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("name", self.name.clone()),
            ("email", self.email.clone()),
            ("street", self.street.clone()),
            ("city", self.city.clone()),
            ("state", self.state.clone()),
            ("zip", self.zip.clone()),
            ("message", self.message.clone()),
        ];
        for (field, on) in [("consent", self.consent), ("updates", self.updates)] {
            if on {
                out.push((field, "true".into()));
            }
        }
        out
    }
}

/// The values the letter form is filled in again with.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct LetterValues {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) street: String,
    pub(crate) city: String,
    pub(crate) state: String,
    pub(crate) zip: String,
    pub(crate) message: String,
    pub(crate) consent: bool,
    pub(crate) updates: bool,
}

impl Pages {
    /// Compiles a localized bundle's components with `t(key=…)` over its language's strings
    /// (which `SiteBundle::localized` completed from the default language's).
    pub(crate) fn compile(bundle: &SiteBundle) -> Self {
        if bundle.pages.components.trim().is_empty() {
            return Self { theme: None };
        }
        let lang = &bundle.language;
        let strings = bundle.pages.strings.get(lang).cloned().unwrap_or_default();
        let mut tera = Tera::new();
        Arc::new(Strings::new(
            lang,
            BTreeMap::from([(lang.clone(), strings)]),
        ))
        .register(&mut tera);
        match tera.add_raw_template(COMPONENTS, &bundle.pages.components) {
            Ok(()) => Self { theme: Some(tera) },
            Err(e) => {
                log_problem("compile", COMPONENTS, &e);
                Self { theme: None }
            }
        }
    }

    /// Renders a component, the theme's when it has one that renders, else the built-in one,
    /// with the arguments it declares (Tera refuses others).
    fn component(
        &self,
        bundle: &SiteBundle,
        name: &str,
        args: &Args,
        body: Option<&str>,
    ) -> Option<String> {
        let from_theme = self
            .theme
            .as_ref()
            .filter(|t| t.contains_component(name))
            .and_then(|t| render(t, bundle, name, args, body));
        from_theme.or_else(|| {
            BUILTIN
                .as_ref()
                .and_then(|t| render(t, bundle, name, args, body))
        })
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
}

/// The pages in this language.
impl Local {
    /// Component `name` in this language ([`Pages::component`]).
    fn component(&self, name: &str, args: &Args, body: Option<&str>) -> Option<String> {
        self.pages().component(&self.bundle, name, args, body)
    }

    /// A whole page in this language's shell.
    fn page(&self, title: &str, content: &str) -> String {
        Pages::page(&self.bundle, title, content)
    }

    /// A form under its heading, in the `app_page` frame.
    fn framed(&self, title: &str, name: &str, args: &Args) -> String {
        let form = self.component(name, args, None).unwrap_or_default();
        let mut frame = Args::new();
        frame.insert("title".into(), json!(title));
        self.component("app_page", &frame, Some(&form))
            .unwrap_or(form)
    }

    /// The signature form again, with the values kept and the errors tied to their fields.
    pub(crate) fn form_page(
        &self,
        petition: &Petition,
        today: &str,
        values: &FormValues,
        errors: &[FieldError],
    ) -> String {
        let mut args = views::petition_form(petition, today, &self.bundle.countries);
        args.insert("values".into(), json!(values));
        args.insert("errors".into(), json!(self.errors(errors)));
        let content = self.framed(&petition.title, "petition_form", &args);
        self.page(self.text("title_correct_signature"), &content)
    }

    /// The letter form again, with the values kept and the errors tied to their fields.
    pub(crate) fn letter_form_page(
        &self,
        campaign: &LetterCampaign,
        values: &LetterValues,
        errors: &[FieldError],
    ) -> String {
        let bundle = &self.bundle;
        let mut args = views::letter_form(LetterFacts {
            bill: &campaign.bill,
            letter: &campaign.default_letter,
            states: &bundle.states,
            senators: &bundle.senators,
            as_of: &bundle.senators_as_of,
        });
        args.insert("values".into(), json!(values));
        args.insert("errors".into(), json!(self.errors(errors)));
        let content = self.framed(self.text("letter_form_heading"), "letter_form", &args);
        self.page(self.text("title_correct_letter"), &content)
    }

    /// The answer to a letter: the state's senators, how to reach them, and the letter.
    pub(crate) fn letter_sent_page(
        &self,
        state: &UsState,
        senators: &[serde_json::Value],
        letter: &str,
    ) -> String {
        let mut args = Args::new();
        args.insert(
            "state".into(),
            json!({ "code": state.code, "name": state.name }),
        );
        args.insert("senators".into(), json!(senators));
        args.insert("letter".into(), json!(letter));
        args.insert("actions".into(), json!(contract::api::ACTIONS_PATH));
        let content = self
            .component("letter_sent", &args, None)
            .unwrap_or_else(|| format!("<pre>{}</pre>", escape(letter)));
        let title = self.format("letter_sent_title", &[("state", &state.name)]);
        self.page(&title, &content)
    }

    /// The page a confirmation link opens: one button that posts the token back (with the
    /// page's language, which its form sends).
    pub(crate) fn confirm_page(&self, token: &str, updates: bool) -> String {
        let (component, title) = if updates {
            ("confirm_updates_form", "confirm_updates_title")
        } else {
            ("confirm_form", "confirm_title")
        };
        self.button_page(component, contract::api::CONFIRM_PATH, token, title)
    }

    /// The page an unsubscribe link opens: one button that posts the token back.
    pub(crate) fn unsubscribe_page(&self, token: &str) -> String {
        self.button_page(
            "unsubscribe_form",
            contract::api::UNSUBSCRIBE_PATH,
            token,
            "unsubscribe_title",
        )
    }

    /// A page whose one button posts `token` to `action`: what a link in a mail opens, so
    /// that following the link (as mail scanners do) changes nothing.
    fn button_page(
        &self,
        component: &str,
        action: &str,
        token: &str,
        title: &'static str,
    ) -> String {
        let mut args = Args::new();
        args.insert("action".into(), json!(action));
        args.insert("token".into(), json!(token));
        let content = self.component(component, &args, None).unwrap_or_default();
        self.page(self.text(title), &content)
    }

    /// A notice with a form that sends `fields` to `action` again (a limit's wait page: what
    /// the visitor typed is kept, to be sent with one press once the wait is over, or at once
    /// by the site's script with `challenge` solved).
    pub(crate) fn resend_page(
        &self,
        notice: &Notice,
        action: &str,
        fields: &[(&'static str, String)],
        challenge: &crate::fair::Challenge,
    ) -> String {
        let mut args = notice.args();
        args.insert("action".into(), json!(action));
        args.insert("button".into(), json!(self.text("resend_button")));
        // For the site's script, which solves it and sends the form again by itself.
        args.insert("challenge".into(), json!(json!(challenge).to_string()));
        let fields: Vec<_> = fields
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        args.insert("fields".into(), json!(fields));
        self.notice_in(notice, "resend_form", &args)
    }

    /// A notice page (refusals: not found, closed, busy; thanks).
    pub(crate) fn notice_page(&self, notice: &Notice) -> String {
        self.notice_in(notice, "notice", &notice.args())
    }

    /// `notice` rendered by `component` with `args`, as a whole page.
    fn notice_in(&self, notice: &Notice, component: &str, args: &Args) -> String {
        let content = self
            .component(component, args, None)
            .unwrap_or_else(|| format!("<p>{}</p>", escape(&notice.message)));
        self.page(&notice.title, &content)
    }
}

impl Notice {
    /// The arguments every notice component takes: title, message, link and its text.
    fn args(&self) -> Args {
        let mut args = Args::new();
        args.insert("title".into(), json!(self.title));
        args.insert("message".into(), json!(self.message));
        args.insert("link".into(), json!(self.link.as_ref().map(|(url, _)| url)));
        args.insert(
            "link_text".into(),
            json!(self.link.as_ref().map_or("", |(_, text)| text.as_str())),
        );
        args
    }
}

/// Renders component `name` of `tera`, logging (and answering `None` for) a failure.
fn render(
    tera: &Tera,
    bundle: &SiteBundle,
    name: &str,
    args: &Args,
    body: Option<&str>,
) -> Option<String> {
    let info = tera.get_component_definition(name)?;
    let mut ctx = Context::new();
    for arg in info.args().iter().filter(|a| !a.is_implicit()) {
        if let Some(value) = args.get(arg.name()) {
            ctx.insert(arg.name().to_owned(), value);
        }
    }
    let mut implicits = Context::new();
    implicits.insert("lang", &bundle.language);
    implicits.insert("home", bundle.home());
    implicits.insert(
        "config",
        &json!({
            "title": bundle.site_title,
            "base_url": bundle.base_url,
            "language": bundle.language,
            "api_base": contract::api::BASE,
        }),
    );
    match tera.render_component_with_implicits(name, &ctx, &implicits, body, true) {
        Ok(html) => Some(html),
        Err(e) => {
            log_problem("render", name, &e);
            None
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Code;

    /// The fixture bundle with `strings` as its English strings.
    fn bundle_with(strings: &[(&str, &str)]) -> SiteBundle {
        let mut bundle = SiteBundle::from_json(include_bytes!("../../tests/fixtures/bundle.json"))
            .expect("bundle");
        let en = strings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        bundle.pages.strings = BTreeMap::from([("en".to_owned(), en)]);
        bundle
    }

    #[test]
    fn the_builtin_components_compile() {
        assert!(BUILTIN.is_some());
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
            panic!("the default theme is not beside the crate");
        };
        let mut strings: BTreeMap<String, String> = toml::from_str(&en).expect("en.toml is flat");
        strings.insert("error_email_domain".into(), "Fix the <email>.".into());
        let mut bundle = bundle_with(&[]);
        bundle.pages.strings.insert("en".into(), strings);
        bundle.pages.components = components;
        let local = Local::new(&bundle, "en");
        let petition = bundle.petitions[0].clone();
        let values = FormValues {
            name: "Ada <b>".into(),
            email: "ada@example".into(),
            country: "US".into(),
            consent: false,
            updates: true,
        };
        let errors = [FieldError::new("email", Code::EmailDomain)];
        let mut args = views::petition_form(&petition, "2026-03-01", &bundle.countries);
        args.insert("values".into(), json!(values));
        args.insert("errors".into(), json!(local.errors(&errors)));
        let html = local
            .component("petition_form", &args, None)
            .expect("the theme's petition_form renders");
        assert!(html.contains("value=\"Ada &lt;b&gt;\""), "{html}");
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(html.contains("Fix the &lt;email&gt;."));
        assert!(html.contains("<option value=\"US\" selected>"));
        assert!(html.contains("<input type=\"hidden\" name=\"lang\" value=\"en\">"));
        let notice: Args = serde_json::from_value::<serde_json::Value>(
            json!({"title": "T", "message": "M", "link": null, "link_text": ""}),
        )
        .ok()
        .and_then(|v| v.as_object().cloned())
        .expect("map");
        let notice = local.component("notice", &notice, None);
        assert!(notice.is_some_and(|h| h.contains("<h1>T</h1>")));
    }

    #[test]
    fn broken_theme_falls_back_to_the_builtin_components() {
        let mut bundle = SiteBundle::default();
        bundle.pages.components = "{% component notice(title %}".into();
        let html = Local::new(&bundle, "").notice_page(&Notice {
            title: "Closed".into(),
            message: "It <closed>.".into(),
            link: Some(("/p/".into(), "Back".into())),
        });
        assert!(html.contains("<h1>Closed</h1>"), "{html}");
        assert!(html.contains("It &lt;closed&gt;."));
        assert!(html.contains("<a href=\"/p/\">Back</a>"));
    }

    #[test]
    fn builtin_form_ties_errors_to_fields_and_keeps_values() {
        let bundle = bundle_with(&[("error_email_empty", "Enter your <email>.")]);
        let values = FormValues {
            name: "Ada <b>".into(),
            country: "US".into(),
            ..FormValues::default()
        };
        let errors = [FieldError::new("email", Code::EmailEmpty)];
        let html = Local::new(&bundle, "en").form_page(
            &bundle.petitions[0],
            "2026-03-01",
            &values,
            &errors,
        );
        assert!(html.contains("value=\"Ada &lt;b&gt;\""), "{html}");
        assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"email-error\""));
        assert!(html.contains("<a href=\"#email\">Enter your &lt;email&gt;.</a>"));
        assert!(html.contains("<option value=\"US\" selected>"));
        assert!(html.contains("action=\"/api/petitions/"));
        assert!(html.contains("<input type=\"hidden\" name=\"lang\" value=\"en\">"));
        assert!(html.contains("<title>Correct your signature – Free Them</title>"));
    }
}
