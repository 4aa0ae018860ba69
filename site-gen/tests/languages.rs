//! Languages: translations linked (switcher, `hreflang`, sitemap alternates, feeds,
//! `og:locale`), pages missing in a language, fallbacks, right-to-left, interface strings a
//! language lacks, and what `site-gen check` lists, on the fixture site.

mod common;

use common::Fixture;

/// The fixture in English and French: the home page, the petition page (its words in French),
/// the news section and one post translated; the rest English only.
fn bilingual(extra_fr: &str) -> Fixture {
    let f = Fixture::new();
    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("site.toml");
    f.write(
        "site.toml",
        &settings.replace(
            "\n[[menu]]",
            &format!(
                "\n[languages.en]\nname = \"English\"\nlocale = \"en_US\"\n\n[languages.fr]\nname = \"Français\"\nlocale = \"fr_FR\"\ntitle = \"Fixture FR\"\n{extra_fr}\n[languages.fr.menu]\n\"@/_index.md\" = \"Accueil\"\n\n[[menu]]"
            ),
        ),
    );
    f.write("content/_index.fr.md", "+++\ntitle = \"Accueil\"\ndescription = \"L’accueil.\"\nreviewed = true\n+++\nBienvenue. Lire [la confidentialité](@/privacy.md) et [les nouvelles](@/updates/_index.md).\n");
    f.write(
        "content/sign.fr.md",
        "+++\ntitle = \"Signer\"\ndescription = \"Signer la pétition.\"\nreviewed = false\n[petition]\nid = \"test-petition\"\ntitle = \"Pétition d’essai\"\naddressee = \"à Quelqu’un\"\n+++\n{{ petition_form(petition=\"test-petition\") }}\n",
    );
    f.write("content/updates/_index.fr.md", "+++\ntitle = \"Nouvelles\"\ndescription = \"Toutes les nouvelles.\"\nsort_by = \"date\"\nfeed = true\nreviewed = false\n+++\n");
    f.write("content/updates/b.fr.md", "+++\ntitle = \"Bêta\"\ndescription = \"Le deuxième billet.\"\ndate = 2026-02-01\nreviewed = false\n+++\nDeuxième.\n\n## Détails {#details}\n\nPlus.\n");
    f
}

fn built(f: &Fixture) {
    let (ok, out, err) = f.build();
    assert!(ok, "build failed:\n{out}\n{err}");
}

#[test]
fn translations_are_linked_for_people_and_search_engines() {
    let f = bilingual("");
    built(&f);
    let fr = f.read("fr/index.html");
    assert!(fr.contains("<html lang=\"fr\" dir=\"ltr\">"), "{fr}");
    assert!(
        fr.contains("<title>Fixture FR</title>"),
        "the home page has the site's title in French"
    );
    // hreflang for each translation and x-default, the default language's address.
    for link in [
        "<link rel=\"alternate\" hreflang=\"en\" href=\"https://fixture.example/\">",
        "<link rel=\"alternate\" hreflang=\"fr\" href=\"https://fixture.example/fr/\">",
        "<link rel=\"alternate\" hreflang=\"x-default\" href=\"https://fixture.example/\">",
        "<meta property=\"og:locale\" content=\"fr_FR\">",
        "<meta property=\"og:locale:alternate\" content=\"en_US\">",
    ] {
        assert!(fr.contains(link), "{link} in\n{fr}");
    }
    // The switcher: each language by its own name, the current one marked.
    assert!(fr.contains("<nav class=\"lang-switch\" aria-label=\"Langues\">"));
    assert!(fr.contains("<a href=\"/\" lang=\"en\" hreflang=\"en\">English</a>"));
    assert!(fr.contains(
        "<a href=\"/fr/\" lang=\"fr\" hreflang=\"fr\" aria-current=\"page\">Français</a>"
    ));
    // The menu in French; links go to the French page where there is one.
    assert!(fr.contains(">Accueil</a></li>"));
    assert!(fr.contains("href=\"/fr/updates/\""));
    assert!(
        fr.contains("<a href=\"/privacy/\">la confidentialité</a>"),
        "no French privacy page: the English one"
    );
    // The form: French words, the petition's French addressee, the page's language sent.
    let sign = f.read("fr/sign/index.html");
    assert!(
        sign.contains("<input type=\"hidden\" name=\"lang\" value=\"fr\">"),
        "{sign}"
    );
    assert!(sign.contains("à Quelqu’un"));
    assert!(sign.contains(">Choisissez votre pays</option>"));
    let en_sign = f.read("sign/index.html");
    assert!(en_sign.contains("<input type=\"hidden\" name=\"lang\" value=\"en\">"));
    assert!(en_sign.contains("Someone") && !en_sign.contains("Quelqu’un"));
    // French country names, in French order (Afrique du Sud before Albanie).
    let (za, al) = (sign.find(">Afrique du Sud<"), sign.find(">Albanie<"));
    assert!(za.is_some() && za < al, "French names sorted for French");
    // The sitemap: alternates on translated pages only.
    let sitemap = f.read("sitemap.xml");
    assert!(sitemap.contains("<loc>https://fixture.example/fr/</loc><xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://fixture.example/\"/><xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://fixture.example/fr/\"/><xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://fixture.example/\"/></url>"), "{sitemap}");
    assert!(sitemap.contains("<loc>https://fixture.example/thanks/</loc></url>"));
    // One feed per language.
    let feed = f.read("fr/updates/atom.xml");
    assert!(feed.contains("xml:lang=\"fr\""));
    assert!(feed.contains("<title>Bêta</title>") && !feed.contains("Alpha"));
    assert!(f.read("updates/atom.xml").contains("xml:lang=\"en\""));
    assert!(fr.contains("href=\"https://fixture.example/fr/updates/atom.xml\""));
}

#[test]
fn a_page_missing_in_a_language_is_left_out_and_check_lists_it() {
    let f = bilingual("");
    built(&f);
    assert!(!f.path().join("public/fr/thanks/index.html").exists());
    let thanks = f.read("thanks/index.html");
    assert!(!thanks.contains("lang-switch"), "one language: no switcher");
    assert!(!thanks.contains("hreflang"), "one language: no hreflang");
    let (ok, out, err) = f.run(&["check"]);
    assert!(!ok, "check fails on an untranslated page:\n{out}\n{err}");
    assert!(
        err.contains("content/thanks.md: not translated into `fr`: write content/thanks.fr.md"),
        "{err}"
    );
    assert!(
        out.contains("notice: content/sign.fr.md: not reviewed"),
        "{out}"
    );
    assert!(
        !out.contains("content/_index.fr.md: not reviewed"),
        "reviewed = true: {out}"
    );
    assert!(out.contains("fr: 4 pages (0 fallback)"), "{out}");
}

#[test]
fn a_language_that_falls_back_shows_the_original_with_a_notice() {
    let f = bilingual("fallback = true\n");
    built(&f);
    let page = f.read("fr/thanks/index.html");
    assert!(page.contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(
        page.contains("<main id=\"main\" tabindex=\"-1\" lang=\"en\">"),
        "{page}"
    );
    assert!(page.contains(
        "<p class=\"notice fallback-notice\" lang=\"fr\">Cette page n’a pas encore été traduite"
    ));
    assert!(page.contains("<link rel=\"canonical\" href=\"https://fixture.example/thanks/\">"));
    assert!(page.contains(
        "<link rel=\"alternate\" hreflang=\"en\" href=\"https://fixture.example/thanks/\">"
    ));
    assert!(
        !page.contains("hreflang=\"fr\" href"),
        "a fallback is no translation"
    );
    assert!(page.contains("Thank you."));
    // The English page's switcher offers the fallback; its hreflang does not.
    let en = f.read("thanks/index.html");
    assert!(en.contains("<a href=\"/fr/thanks/\" lang=\"fr\" hreflang=\"fr\">Français</a>"));
    assert!(!en.contains("<link rel=\"alternate\" hreflang=\"fr\""));
    assert!(!f.read("sitemap.xml").contains("/fr/thanks/"));
    let (ok, out, err) = f.run(&["check"]);
    assert!(ok, "everything is covered:\n{out}\n{err}");
}

#[test]
fn a_section_can_fall_back_on_its_own() {
    let f = bilingual("");
    f.write("content/updates/_index.md", "+++\ntitle = \"News\"\ndescription = \"All the news.\"\nsort_by = \"date\"\nfeed = true\nfallback = true\n+++\n");
    built(&f);
    assert!(f.path().join("public/fr/updates/a/index.html").exists());
    assert!(!f.path().join("public/fr/thanks/index.html").exists());
}

#[test]
fn a_missing_interface_string_fails_the_build_and_names_the_file() {
    let f = bilingual("");
    let fr = std::fs::read_to_string(f.path().join("themes/default/i18n/fr.toml")).expect("fr");
    let without: String = fr
        .lines()
        .filter(|l| !l.starts_with("field_email ") && !l.starts_with("toc "))
        .map(|l| format!("{l}\n"))
        .collect();
    f.write("themes/default/i18n/fr.toml", &without);
    let (ok, _, err) = f.build();
    assert!(!ok);
    assert!(err.contains("themes/default/i18n/fr.toml"), "{err}");
    assert!(
        err.contains("2 interface string(s): field_email, toc"),
        "{err}"
    );
    let (ok, _, err) = f.run(&["check"]);
    assert!(!ok, "check fails too: {err}");
}

#[test]
fn a_translation_gives_only_the_petitions_words() {
    let f = bilingual("");
    f.write(
        "content/sign.fr.md",
        "+++\ntitle = \"Signer\"\ndescription = \"Signer.\"\n[petition]\nid = \"test-petition\"\ntitle = \"T\"\naddressee = \"A\"\ngoal = 5\n+++\n",
    );
    let (ok, _, err) = f.build();
    assert!(!ok);
    assert!(err.contains("content/sign.fr.md"), "{err}");
    assert!(
        err.contains("only its words, but this one sets goal"),
        "{err}"
    );
}

#[test]
fn check_refuses_a_form_whose_lang_is_not_its_pages() {
    let f = bilingual("fallback = true\n");
    f.write("content/updates/c.fr.md", "+++\ntitle = \"Gamma\"\ndescription = \"Le troisième.\"\ndate = 2026-03-01\n+++\n<form method=\"post\" action=\"/api/actions\"><input type=\"hidden\" name=\"lang\" value=\"en\"><button>Go</button></form>\n");
    built(&f);
    let (ok, _, err) = f.run(&["check"]);
    assert!(!ok);
    assert!(
        err.contains(
            "fr/updates/c/index.html: a form posting to /api/actions sends lang=en on a page in fr"
        ),
        "{err}"
    );
}

#[test]
fn right_to_left_pages_say_so() {
    let f = bilingual("");
    let settings = std::fs::read_to_string(f.path().join("site.toml")).expect("site.toml");
    f.write(
        "site.toml",
        &settings.replace(
            "\n[languages.fr]",
            "\n[languages.ar]\nname = \"العربية\"\ndir = \"rtl\"\nfallback = true\n\n[languages.fr]",
        ),
    );
    let en = std::fs::read_to_string(f.path().join("themes/default/i18n/en.toml")).expect("en");
    f.write(
        "themes/default/i18n/ar.toml",
        &en.replace(
            "skip_link = \"Skip to main content\"",
            "skip_link = \"انتقل إلى المحتوى\"",
        ),
    );
    f.write("content/sign.ar.md", "+++\ntitle = \"وقّع\"\ndescription = \"وقّع العريضة.\"\n[petition]\nid = \"test-petition\"\ntitle = \"عريضة\"\naddressee = \"إلى أحدهم\"\n+++\n{{ petition_form(petition=\"test-petition\") }}\n");
    built(&f);
    let page = f.read("ar/sign/index.html");
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{page}");
    assert!(page.contains("انتقل إلى المحتوى"));
    assert!(page.contains("<input type=\"hidden\" name=\"lang\" value=\"ar\">"));
    assert!(page.contains(">مصر<"), "Arabic country names");
}
