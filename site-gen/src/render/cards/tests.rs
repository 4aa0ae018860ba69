use std::sync::Mutex;

use super::*;

const DESIGN: &str = r##"background = "#ffffff"
text = "#1c1c1e"
accent = "#8e1b1b"
on_accent = "#ffffff"
"##;

fn config(extra: &str) -> SiteConfig {
    SiteConfig::parse(
        &format!("title = \"Site\"\nbase_url = \"https://example.org\"\n{extra}"),
        Path::new("site.toml"),
    )
    .expect("config")
}

/// What `Cards::load` answers.
type Loaded = Result<(Option<Cards>, Option<String>), Diagnostic>;

fn setup(design: &str, config: &SiteConfig) -> (tempfile::TempDir, Loaded) {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join(DESIGN_FILE), design).expect("write");
    let loaded = Cards::load(tmp.path(), tmp.path(), config);
    (tmp, loaded)
}

fn cards() -> (tempfile::TempDir, Cards) {
    let (tmp, loaded) = setup(DESIGN, &config(""));
    let (cards, warning) = loaded.expect("design");
    assert_eq!(
        warning, None,
        "the card font is installed (apt-get install fonts-noto-cjk)"
    );
    (tmp, cards.expect("cards"))
}

fn job(title: &str, lang: &str) -> CardJob {
    CardJob {
        title: title.into(),
        lang: lang.into(),
        note: None,
    }
}

/// The decoded RGB pixels.
fn pixels(png: &[u8]) -> Vec<u8> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .expect("png");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    reader.next_frame(&mut buf).expect("frame");
    buf
}

/// Pixels in the title's area (above the band) that are not the background.
fn inked(png: &[u8]) -> usize {
    let px = pixels(png);
    px[..(WIDTH * (HEIGHT - BAND) * 3) as usize]
        .chunks_exact(3)
        .filter(|p| *p != [0xff, 0xff, 0xff])
        .count()
}

struct Memory(Mutex<BTreeMap<String, Vec<u8>>>, Mutex<usize>);

impl CardCache for Memory {
    fn get(&self, name: &str) -> Option<Vec<u8>> {
        self.0.lock().expect("lock").get(name).cloned()
    }
    fn put(&self, name: &str, png: &[u8]) {
        *self.1.lock().expect("lock") += 1;
        self.0
            .lock()
            .expect("lock")
            .insert(name.into(), png.to_vec());
    }
}

fn make_one(cards: &Cards, title: &str, lang: &str, cache: &dyn CardCache) -> (String, Made) {
    let c = config("");
    let j = job(title, lang);
    let file = cards.card(&c, &j).file;
    let made = cards
        .make(&BTreeMap::from([(file.clone(), j)]), cache)
        .expect("make");
    (file, made)
}

#[test]
fn a_card_is_a_1200_by_630_png_with_the_title_drawn() {
    let (_tmp, cards) = cards();
    let cache = Memory(Mutex::default(), Mutex::default());
    let (file, made) = make_one(&cards, "Sign the petition", "en", &cache);
    let png = &made.files[&file];
    assert_eq!(png_size(png), Some((1200, 630)));
    assert!(inked(png) > 2_000, "the title is drawn");
    let band = pixels(png);
    let at = ((HEIGHT - 5) * WIDTH * 3) as usize;
    assert_eq!(
        &band[at..at + 3],
        &[0x8e, 0x1b, 0x1b],
        "the band has the accent colour"
    );
}

#[test]
fn chinese_titles_are_drawn_with_real_glyphs() {
    let (_tmp, cards) = cards();
    let font = cards.read_font().expect("font");
    for c in "停止强制摘取器官".chars() {
        assert_ne!(font.glyph_id(c).0, 0, "the font has a glyph for {c}");
    }
    let cache = Memory(Mutex::default(), Mutex::default());
    let (a, made_a) = make_one(&cards, "停止强制摘取器官", "zh", &cache);
    let (b, made_b) = make_one(&cards, "请签署请愿书", "zh", &cache);
    assert!(
        inked(&made_a.files[&a]) > 2_000,
        "the Chinese title is drawn"
    );
    assert_ne!(
        made_a.files[&a], made_b.files[&b],
        "each title gives its own card"
    );
}

#[test]
fn an_unchanged_title_is_taken_from_the_cache_not_drawn_again() {
    let (tmp, cards) = cards();
    let cache = DiskCache(tmp.path().join("cache"));
    let (file, first) = make_one(&cards, "Contact your senator", "en", &cache);
    assert_eq!((first.drawn, first.cached), (1, 0));
    let (same, second) = make_one(&cards, "Contact your senator", "en", &cache);
    assert_eq!(same, file, "an unchanged title keeps its file name");
    assert_eq!((second.drawn, second.cached), (0, 1));
    assert_eq!(first.files[&file], second.files[&file]);
    let (other, third) = make_one(&cards, "Contact your senators", "en", &cache);
    assert_ne!(other, file, "a changed title gets a new name");
    assert_eq!((third.drawn, third.cached), (1, 0));
    std::fs::write(cache.0.join(file.trim_start_matches("_cards/")), b"broken").expect("write");
    let (_, after) = make_one(&cards, "Contact your senator", "en", &cache);
    assert_eq!(after.drawn, 1, "a damaged cached card is drawn again");
}

#[test]
fn the_name_follows_title_language_and_design() {
    let c = config("");
    let (_t1, cards) = cards();
    let base = cards.card(&c, &job("Title", "en"));
    assert_eq!(base, cards.card(&c, &job("Title", "en")));
    assert!(base.file.starts_with("_cards/") && base.file.ends_with(".png"));
    assert_eq!(base.url, format!("https://example.org/{}", base.file));
    assert_ne!(base.file, cards.card(&c, &job("Title", "fr")).file);
    assert_ne!(base.file, cards.card(&c, &job("Title 2", "en")).file);
    let (_t2, loaded) = setup(&DESIGN.replace("#8e1b1b", "#123456"), &c);
    let redesigned = loaded.expect("design").0.expect("cards");
    assert_ne!(base.file, redesigned.card(&c, &job("Title", "en")).file);
}

#[test]
fn a_missing_font_is_a_warning_that_says_how_to_fix_it() {
    let (_tmp, loaded) = setup(DESIGN, &config("[cards]\nfont = \"no-such-font.ttf\"\n"));
    let (cards, warning) = loaded.expect("design");
    assert!(cards.is_none());
    let warning = warning.expect("warning");
    assert!(
        warning.contains("no-such-font.ttf") && warning.contains("fonts-noto-cjk"),
        "{warning}"
    );
}

#[test]
fn a_bad_colour_names_the_setting() {
    let (_tmp, loaded) = setup(&DESIGN.replace("#8e1b1b", "red"), &config(""));
    let err = loaded.expect_err("bad colour");
    assert!(err.message.contains("`accent` is `red`"), "{}", err.message);
    let (_tmp, loaded) = setup("background = 1", &config(""));
    assert!(loaded.is_err());
}

#[test]
fn lines_break_at_spaces_and_between_chinese_characters() {
    let (_tmp, cards) = cards();
    let font = cards.read_font().expect("font");
    let scaled = font.as_scaled(PxScale::from(80.0));
    let english = wrap(
        &scaled,
        "Call on the High Commissioner to investigate",
        700.0,
    );
    assert!(english.len() > 1);
    assert_eq!(
        english.join(" "),
        "Call on the High Commissioner to investigate"
    );
    assert!(english.iter().all(|l| advance(&scaled, l) <= 700.0));
    let chinese = wrap(&scaled, "停止强制摘取良心犯器官的罪行", 500.0);
    assert!(chinese.len() > 1);
    assert_eq!(chinese.concat(), "停止强制摘取良心犯器官的罪行");
    let long = wrap(&scaled, "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 500.0);
    assert!(
        long.iter().all(|l| advance(&scaled, l) <= 500.0),
        "{long:?}"
    );
    let cut = truncate(&scaled, english, 1, 700.0);
    assert_eq!(cut.len(), 1);
    assert!(cut[0].ends_with('…'));
}

#[test]
fn png_size_reads_the_header_and_refuses_other_bytes() {
    assert_eq!(png_size(b"not a png at all, no"), None);
    assert_eq!(png_size(b""), None);
}

#[test]
fn the_theme_logo_is_drawn_on_the_band_and_a_broken_one_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let logo = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default/card-logo.png"),
    )
    .expect("the default theme's logo");
    std::fs::write(tmp.path().join("logo.png"), &logo).expect("write");
    std::fs::write(
        tmp.path().join(DESIGN_FILE),
        format!("{DESIGN}logo = \"logo.png\"\n"),
    )
    .expect("write");
    let c = config("");
    let (with_logo, _) = Cards::load(tmp.path(), tmp.path(), &c).expect("design");
    let with_logo = with_logo.expect("cards");
    let (_t, plain) = cards();
    let cache = Memory(Mutex::default(), Mutex::default());
    let (a, made_a) = make_one(&with_logo, "Title", "en", &cache);
    let (b, made_b) = make_one(&plain, "Title", "en", &cache);
    assert_ne!(a, b, "the logo is part of the design, so of the name");
    let (pa, pb) = (pixels(&made_a.files[&a]), pixels(&made_b.files[&b]));
    let band = |px: &[u8]| {
        px[(WIDTH * (HEIGHT - BAND) * 3) as usize..]
            .chunks_exact(3)
            .filter(|p| *p == [0xff, 0xff, 0xff])
            .count()
    };
    assert!(
        band(&pa) > band(&pb) + 300,
        "the logo's white shapes are on the band"
    );

    std::fs::write(tmp.path().join("logo.png"), b"not a png").expect("write");
    let err = Cards::load(tmp.path(), tmp.path(), &c).expect_err("broken logo");
    assert!(
        err.message.contains("the card logo cannot be used"),
        "{}",
        err.message
    );
    std::fs::remove_file(tmp.path().join("logo.png")).expect("remove");
    let err = Cards::load(tmp.path(), tmp.path(), &c).expect_err("missing logo");
    assert!(
        err.message.contains("cannot read the card logo"),
        "{}",
        err.message
    );
}

#[test]
fn a_petition_card_draws_its_count_under_the_title() {
    let (_tmp, cards) = cards();
    let c = config("");
    let plain = job("Sign the petition", "en");
    let counted = CardJob {
        note: Some("1,234 signatures as of 2 December 2026".into()),
        ..plain.clone()
    };
    let (a, b) = (cards.card(&c, &plain).file, cards.card(&c, &counted).file);
    assert_ne!(a, b, "a new count is a new card");
    let cache = Memory(Mutex::default(), Mutex::default());
    let made = cards
        .make(
            &BTreeMap::from([(a.clone(), plain), (b.clone(), counted)]),
            &cache,
        )
        .expect("make");
    assert!(
        inked(&made.files[&b]) > inked(&made.files[&a]) + 1_000,
        "the count is drawn"
    );
}
