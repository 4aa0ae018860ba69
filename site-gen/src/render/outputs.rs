//! The machine outputs, every one made here: `sitemap.xml`, `robots.txt`, `_redirects`, the
//! sections' Atom feeds, from what the page stage recorded (their formats are in [`feeds`]),
//! and [`DEPLOY_FILE`], what `infra/deploy.sh` needs to know of the site.

use contract::bundle::Petition;

use crate::config::SiteConfig;
use crate::output::Files;
use crate::render::feeds::{self, FeedEntry, SitemapUrl};

/// What the page stage records for the machine outputs.
#[derive(Debug, Default)]
pub(crate) struct MachineInputs {
    /// The sitemap's pages.
    pub(crate) sitemap: Vec<SitemapUrl>,
    /// (from, to) of every alias, for the redirects file.
    pub(crate) redirects: Vec<(String, String)>,
    /// The feeds of sections with `feed = true`.
    pub(crate) feeds: Vec<Feed>,
}

/// A section's feed.
#[derive(Debug)]
pub(crate) struct Feed {
    /// The feed's URL path (`/updates/atom.xml`).
    pub(crate) path: String,
    /// The section's title.
    pub(crate) title: String,
    /// Its language.
    pub(crate) lang: String,
    /// The section's absolute URL.
    pub(crate) url: String,
    /// Its latest dated pages, newest first.
    pub(crate) entries: Vec<FeedEntry>,
}

/// The machine outputs, in two sets because they yield differently where a path collides.
#[derive(Debug, Default)]
pub(crate) struct Machine {
    /// The feeds, which a page or static file of the same path replaces.
    pub(crate) feeds: Files,
    /// `sitemap.xml`, `robots.txt` and `_redirects`, which replace any file of the same path.
    pub(crate) site_files: Files,
}

/// Where the build writes what `infra/deploy.sh` reads: under `_app/`, which is never
/// uploaded to the site bucket.
pub(crate) const DEPLOY_FILE: &str = "_app/deploy.txt";

/// The text of [`DEPLOY_FILE`]: one `embed-allow ORIGIN ...` line (`[embed] allow`, for the
/// stack's EmbedAllowOrigins) and a `petition ID` line per petition (whose counts deploy.sh
/// reads before the build). Neither an origin nor an id can hold a space or a line break
/// (both are checked where they are read).
pub(crate) fn deploy_file(config: &SiteConfig, petitions: &[Petition]) -> String {
    let mut text = String::from(
        "# Written by site-gen for infra/deploy.sh: who may frame the embed pages, and the petitions.\n",
    );
    let allow = format!("embed-allow {}", config.embed.origins());
    text.push_str(allow.trim_end());
    text.push('\n');
    for p in petitions {
        text.push_str(&format!("petition {}\n", p.id));
    }
    text
}

/// Makes every machine output.
pub(crate) fn machine(
    config: &SiteConfig,
    petitions: &[Petition],
    inputs: MachineInputs,
) -> Machine {
    let MachineInputs {
        mut sitemap,
        redirects,
        feeds: sections,
    } = inputs;
    let feeds = sections
        .iter()
        .map(|f| {
            let xml = feeds::atom(
                &format!("{} — {}", f.title, config.title_in(&f.lang)),
                &f.lang,
                &config.absolute(&f.path),
                &f.url,
                &f.entries,
            );
            (f.path.trim_start_matches('/').to_string(), xml.into_bytes())
        })
        .collect();
    sitemap.sort();
    let site_files = Files::from([
        (
            "sitemap.xml".to_string(),
            feeds::sitemap(&sitemap).into_bytes(),
        ),
        (
            "robots.txt".to_string(),
            feeds::robots(&config.base_url).into_bytes(),
        ),
        (
            "_redirects".to_string(),
            feeds::redirects(&redirects).into_bytes(),
        ),
        (
            DEPLOY_FILE.to_string(),
            deploy_file(config, petitions).into_bytes(),
        ),
    ]);
    Machine { feeds, site_files }
}
