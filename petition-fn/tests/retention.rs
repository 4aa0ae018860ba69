//! One retention rule: the periods live in the code (`store::RETENTION_SECS`,
//! `store::PENDING_SECS`, `fair::NOTE_SECS`), and the privacy notice, the check-your-inbox
//! page and the function's own words (its strings) say the same. A change on one side without
//! the other fails here.

use petition_fn::store::{PENDING_SECS, RETENTION_SECS};

const DAY: i64 = 24 * 60 * 60;

fn words(n: i64) -> &'static str {
    match n {
        1 => "one",
        2 => "two",
        3 => "three",
        5 => "five",
        10 => "ten",
        _ => panic!("write {n} in words here"),
    }
}

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_privacy_notice_states_the_periods_the_code_applies() {
    let notice = read("content/privacy.md");
    let years = words(RETENTION_SECS / (365 * DAY));
    for phrase in [
        format!("**petition signatures:** {years} years after you confirm them"),
        format!("**letters:** {years} years after you submit them"),
        format!(
            "{} days after you sign, unless you confirm them",
            PENDING_SECS / DAY
        ),
        format!(
            "the note beside a signature after {} day",
            words(petition_fn::fair::NOTE_SECS / DAY)
        ),
        "never more than 48 hours".to_owned(),
    ] {
        assert!(
            notice.contains(&phrase),
            "content/privacy.md should say {phrase:?}"
        );
    }
    // The function's own words about it, in the default theme's strings.
    let strings = read("themes/default/i18n/en.toml");
    let days = PENDING_SECS / DAY;
    for phrase in [
        format!("mail_confirm_expiry = \"The link works for {days} days.\""),
        format!("Confirmation links work for {days} days"),
    ] {
        assert!(
            strings.contains(&phrase),
            "themes/default/i18n/en.toml should say {phrase:?}"
        );
    }
    let inbox = read("content/petition/check-your-inbox.md");
    let pending = format!("deleted after {} days", PENDING_SECS / DAY);
    assert!(
        inbox.contains(&pending),
        "check-your-inbox.md should say {pending:?}"
    );
}
