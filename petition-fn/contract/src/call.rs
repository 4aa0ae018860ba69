//! The call script: the editor's partial `content/contact-your-senator/_call.md`, a Tera
//! template rendered for each senator on the letter's answer page. Written once here, so that
//! `site-gen` refuses a broken script at build time exactly as the function would render it.

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::bundle::Bill;

/// What a call script may use: `{{ name }}` (the caller), `{{ city }}`, `{{ state }}` (the
/// state's name), `{{ senator }}` (the senator's full name), `{{ senator_last }}`, the
/// `{{ bill.number }}`, `{{ bill.title }}`, and `{{ ordinal(n=bill.congress) }}`.
#[derive(Debug, Clone, Serialize)]
pub struct CallFacts<'a> {
    /// The caller's name.
    pub name: &'a str,
    /// The caller's city.
    pub city: &'a str,
    /// The state's name.
    pub state: &'a str,
    /// The senator's full name.
    pub senator: &'a str,
    /// The senator's last name.
    pub senator_last: &'a str,
    /// The bill.
    pub bill: &'a Bill,
}

/// The placeholders a script may use, for error messages.
pub const PLACEHOLDERS: &str = "{{ name }}, {{ city }}, {{ state }}, {{ senator }}, {{ senator_last }}, {{ bill.number }}, {{ bill.title }} and {{ ordinal(n=bill.congress) }}";

/// Renders the script `template` with `facts` (plain text; the page escapes it).
pub fn render(template: &str, facts: &CallFacts<'_>) -> Result<String, tera::Error> {
    let mut tera = Tera::new();
    tera.register_function(
        "ordinal",
        |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            Ok(crate::strings::english_ordinal(kwargs.must_get("n")?))
        },
    );
    tera.add_raw_template("_call.md", template)?;
    let ctx = Context::from_serialize(facts)?;
    Ok(tera.render("_call.md", &ctx)?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_names_the_senator_the_caller_and_the_bill() -> Result<(), tera::Error> {
        let bill = Bill {
            number: "S.Res.1".into(),
            congress: 121,
            title: "A resolution".into(),
            ..Bill::default()
        };
        let facts = CallFacts {
            name: "Ada",
            city: "Fresno",
            state: "California",
            senator: "Ann Able",
            senator_last: "Able",
            bill: &bill,
        };
        let text = render(
            "I'm {{ name }} from {{ city }}, {{ state }}. Please ask Senator {{ senator_last }} to support {{ bill.number }} ({{ ordinal(n=bill.congress) }} Congress).\n",
            &facts,
        )?;
        assert_eq!(
            text,
            "I'm Ada from Fresno, California. Please ask Senator Able to support S.Res.1 (121st Congress)."
        );
        assert!(render("{{ nope }}", &facts).is_err());
        Ok(())
    }
}
