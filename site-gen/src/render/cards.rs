//! Share cards: a 1200×630 PNG for each page, its title drawn on the theme's card design, for
//! the `og:image` that chat apps and social sites show with a shared link.
//!
//! A card's file name is a hash of everything drawn on it (title, language, site name, design,
//! font), so a card whose title did not change keeps its name (and browsers' and CDNs' copies),
//! and a cache folder keeps it from being drawn again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec, GlyphId, PxScale, ScaleFont, point};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::error::Diagnostic;
use crate::output::Files;

/// Card width in pixels (the size Open Graph consumers expect for large images).
pub(crate) const WIDTH: u32 = 1200;
/// Card height in pixels.
pub(crate) const HEIGHT: u32 = 630;
/// The output folder of the cards.
const DIR: &str = "_cards";
/// The theme's card design file.
pub(crate) const DESIGN_FILE: &str = "card.toml";
/// Part of every card's name: change it when the drawing below changes what a card looks like.
const DRAWING_VERSION: u32 = 2;
/// Where cards are kept between builds, under the site root.
pub(crate) const CACHE_DIR: &str = ".cache/site-gen/cards";

/// The theme's card design (`themes/<theme>/card.toml`): colours as `#rrggbb`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Design {
    /// The card's background.
    background: String,
    /// The title's colour.
    text: String,
    /// The band along the bottom that carries the site's name.
    accent: String,
    /// The site's name on the band.
    on_accent: String,
    /// A PNG drawn on the band before the site's name, relative to the theme folder.
    #[serde(default)]
    logo: Option<PathBuf>,
}

/// A decoded logo: 8-bit RGBA rows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Logo {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

/// The design's colours, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Colours {
    background: [u8; 3],
    text: [u8; 3],
    accent: [u8; 3],
    on_accent: [u8; 3],
}

/// What every card of a build shares: the design, the font's place, the site's name.
#[derive(Debug)]
pub(crate) struct Cards {
    colours: Colours,
    logo: Option<Logo>,
    font: PathBuf,
    face: u32,
    site: String,
    /// A hash of the design, the font and the drawing code, part of every card's name.
    design_key: String,
}

/// A card a page refers to, as templates see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct CardRef {
    /// Absolute URL of the PNG.
    pub(crate) url: String,
    /// Output path (`_cards/….png`).
    pub(crate) file: String,
    /// Pixels.
    pub(crate) width: u32,
    /// Pixels.
    pub(crate) height: u32,
}

/// What one card shows: the title, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CardJob {
    /// The page's title, as drawn.
    pub(crate) title: String,
    /// The page's language.
    pub(crate) lang: String,
    /// A line under the title: a petition's count and its date, when the build knows them.
    pub(crate) note: Option<String>,
}

/// Where drawn cards are kept between builds.
pub(crate) trait CardCache: Sync {
    /// A card drawn before under this file name.
    fn get(&self, name: &str) -> Option<Vec<u8>>;
    /// Keeps a card; a cache that cannot be written only costs time, so errors are ignored.
    fn put(&self, name: &str, png: &[u8]);
}

/// The cache folder ([`CACHE_DIR`] under the site root).
pub(crate) struct DiskCache(pub(crate) PathBuf);

impl CardCache for DiskCache {
    fn get(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.0.join(name))
            .ok()
            .filter(|png| png_size(png) == Some((WIDTH, HEIGHT)))
    }

    fn put(&self, name: &str, png: &[u8]) {
        let _ = std::fs::create_dir_all(&self.0).and_then(|()| {
            contract::fs::write_atomic(&self.0.join(name), png, contract::fs::Access::Shared)
        });
    }
}

/// What making the cards did.
#[derive(Debug, Default)]
pub(crate) struct Made {
    /// Output path → PNG.
    pub(crate) files: Files,
    /// Cards drawn in this build.
    pub(crate) drawn: usize,
    /// Cards taken from the cache.
    pub(crate) cached: usize,
}

impl Cards {
    /// Reads the theme's design (`theme_dir` relative to `root`) and checks that the font is there. `Ok(None)` with a warning
    /// when the font is missing (pages then have no card); an error when the design is wrong.
    pub(crate) fn load(
        root: &Path,
        theme_dir: &Path,
        config: &SiteConfig,
    ) -> Result<(Option<Self>, Option<String>), Diagnostic> {
        // Read under the root, named as the theme names its files (relative to the root).
        let design_file = theme_dir.join(DESIGN_FILE);
        let Ok(text) = std::fs::read_to_string(root.join(&design_file)) else {
            return Ok((None, None));
        };
        let design: Design = toml::from_str(&text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((0, 0), |s| crate::error::line_col(&text, s.start));
            Diagnostic::at(
                &design_file,
                line,
                column,
                e.message().trim().to_string(),
                "the card design takes background, text, accent and on_accent, each a colour like \"#8e1b1b\"",
            )
        })?;
        let colours = design.colours().map_err(|(key, value)| {
            Diagnostic::file(
                &design_file,
                format!("`{key}` is `{value}`, which is not a colour"),
                format!("write it as six hex digits after #, like {key} = \"#8e1b1b\""),
            )
        })?;
        let logo = match &design.logo {
            Some(rel) => {
                let shown = theme_dir.join(rel);
                let bytes = std::fs::read(root.join(&shown)).map_err(|e| {
                    Diagnostic::file(
                        &design_file,
                        format!("cannot read the card logo {}: {e}", shown.display()),
                        "set `logo` to a PNG in the theme folder (relative to it), or remove the line",
                    )
                })?;
                Some(decode_logo(&bytes).map_err(|why| {
                    Diagnostic::file(
                        &shown,
                        format!("the card logo cannot be used: {why}"),
                        format!("save it as an 8-bit PNG at most {BAND} pixels high"),
                    )
                })?)
            }
            None => None,
        };
        let font = root.join(&config.cards.font);
        let Ok(meta) = std::fs::metadata(&font) else {
            return Ok((
                None,
                Some(format!(
                    "share cards were not made: the font {} is missing. Install it (Debian: `apt-get install fonts-noto-cjk`) or set [cards] font in site.toml to a font that has the pages' scripts",
                    font.display()
                )),
            ));
        };
        let mut h = Sha256::new();
        h.update(DRAWING_VERSION.to_le_bytes());
        h.update(text.as_bytes());
        h.update(font.to_string_lossy().as_bytes());
        h.update(meta.len().to_le_bytes());
        h.update(config.cards.face.to_le_bytes());
        if let Some(logo) = &logo {
            h.update(&logo.rgba);
        }
        Ok((
            Some(Self {
                colours,
                logo,
                font,
                face: config.cards.face,
                site: config.title.clone(),
                design_key: hex(&h.finalize()),
            }),
            None,
        ))
    }

    /// The card of a page with this title and language.
    pub(crate) fn card(&self, config: &SiteConfig, job: &CardJob) -> CardRef {
        let mut h = Sha256::new();
        let note = job.note.as_deref().unwrap_or_default();
        for part in [&self.design_key, &self.site, &job.lang, &job.title, note] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let file = format!("{DIR}/{}.png", &hex(&h.finalize())[..20]);
        CardRef {
            url: config.absolute(&format!("/{file}")),
            file,
            width: WIDTH,
            height: HEIGHT,
        }
    }

    /// Makes every card, taking those drawn before from `cache`; the font is read only when
    /// a card must be drawn.
    pub(crate) fn make(
        &self,
        jobs: &BTreeMap<String, CardJob>,
        cache: &dyn CardCache,
    ) -> Result<Made, Diagnostic> {
        let mut made = Made::default();
        let mut to_draw = Vec::new();
        for (file, job) in jobs {
            let name = file.trim_start_matches(&format!("{DIR}/")).to_string();
            match cache.get(&name) {
                Some(png) => {
                    made.files.insert(file.clone(), png);
                    made.cached += 1;
                }
                None => to_draw.push((file, name, job)),
            }
        }
        if to_draw.is_empty() {
            return Ok(made);
        }
        let font = self.read_font()?;
        let drawn: Vec<(String, Vec<u8>)> = to_draw
            .par_iter()
            .map(|(file, name, job)| {
                let png = draw(&font, self, job).map_err(|e| {
                    Diagnostic::file(
                        *file,
                        format!("cannot encode the share card of “{}”: {e}", job.title),
                        "report this as a bug in site-gen",
                    )
                })?;
                cache.put(name, &png);
                Ok(((*file).clone(), png))
            })
            .collect::<Result<_, Diagnostic>>()?;
        made.drawn = drawn.len();
        made.files.extend(drawn);
        Ok(made)
    }

    fn read_font(&self) -> Result<FontVec, Diagnostic> {
        let help = "set [cards] font in site.toml to a TrueType or OpenType font (or collection) and [cards] face to its face number";
        let bytes = std::fs::read(&self.font).map_err(|e| {
            Diagnostic::file(&self.font, format!("cannot read the card font: {e}"), help)
        })?;
        FontVec::try_from_vec_and_index(bytes, self.face).map_err(|_| {
            Diagnostic::file(
                &self.font,
                format!("this is not a font, or it has no face {}", self.face),
                help,
            )
        })
    }
}

impl Design {
    fn colours(&self) -> Result<Colours, (&'static str, String)> {
        let parse = |key: &'static str, value: &str| {
            parse_colour(value).ok_or_else(|| (key, value.to_string()))
        };
        Ok(Colours {
            background: parse("background", &self.background)?,
            text: parse("text", &self.text)?,
            accent: parse("accent", &self.accent)?,
            on_accent: parse("on_accent", &self.on_accent)?,
        })
    }
}

fn parse_colour(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#').filter(|h| h.len() == 6)?;
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a logo PNG of any 8-bit (or smaller) colour type into RGBA, no higher than the band.
fn decode_logo(bytes: &[u8]) -> Result<Logo, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(
        png::Transformations::normalize_to_color8() | png::Transformations::ALPHA,
    );
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader.output_buffer_size().ok_or("it is too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf[..info.buffer_size()].to_vec(),
        png::ColorType::GrayscaleAlpha => buf[..info.buffer_size()]
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        other => return Err(format!("its colours ({other:?}) are not supported")),
    };
    if info.height > BAND || info.width > WIDTH / 2 {
        return Err(format!("it is {}×{} pixels", info.width, info.height));
    }
    Ok(Logo {
        width: info.width,
        height: info.height,
        rgba,
    })
}

/// The width and height in a PNG's header, if it is one.
pub(crate) fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if png.get(..8)? != SIGNATURE || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

const MARGIN: f32 = 80.0;
const BAND: u32 = 110;
const LARGEST: f32 = 84.0;
const SMALLEST: f32 = 44.0;
const LINE_HEIGHT: f32 = 1.25;
/// The size of the line under the title, and the space above it.
const NOTE_SIZE: f32 = 40.0;
const NOTE_GAP: f32 = 24.0;

/// Draws a card: the title as large as fits above the band, the site's name on the band.
fn draw(font: &FontVec, cards: &Cards, job: &CardJob) -> Result<Vec<u8>, png::EncodingError> {
    let (title, colours) = (job.title.as_str(), cards.colours);
    let mut canvas = Canvas::new(colours.background);
    canvas.fill_rows(HEIGHT - BAND, HEIGHT, colours.accent);
    let note_height = if job.note.is_some() {
        NOTE_SIZE * LINE_HEIGHT + NOTE_GAP
    } else {
        0.0
    };
    let room = (HEIGHT - BAND) as f32 - 2.0 * MARGIN * 0.75 - note_height;
    let width = WIDTH as f32 - 2.0 * MARGIN;
    let mut size = LARGEST;
    let lines = loop {
        let scaled = font.as_scaled(PxScale::from(size));
        let lines = wrap(&scaled, title, width);
        let fits = lines.len() as f32 * size * LINE_HEIGHT <= room;
        if fits || size <= SMALLEST {
            let most = (room / (size * LINE_HEIGHT)).floor().max(1.0) as usize;
            break truncate(&scaled, lines, most, width);
        }
        size -= 4.0;
    };
    let scaled = font.as_scaled(PxScale::from(size));
    let block = lines.len() as f32 * size * LINE_HEIGHT + note_height;
    let mut baseline = ((HEIGHT - BAND) as f32 - block) / 2.0 + scaled.ascent();
    for line in &lines {
        canvas.text(&scaled, line, MARGIN, baseline, colours.text);
        baseline += size * LINE_HEIGHT;
    }
    if let Some(note) = &job.note {
        let small = font.as_scaled(PxScale::from(NOTE_SIZE));
        let line = truncate(&small, vec![note.clone()], 1, width);
        let baseline =
            baseline - size * LINE_HEIGHT + scaled.descent().abs() + NOTE_GAP + small.ascent();
        canvas.text(&small, &line[0], MARGIN, baseline, colours.accent);
    }
    let small = font.as_scaled(PxScale::from(40.0));
    let band_baseline =
        (HEIGHT - BAND) as f32 + (BAND as f32 + small.ascent() + small.descent()) / 2.0;
    let mut x = MARGIN;
    if let Some(logo) = &cards.logo {
        canvas.image(
            logo,
            MARGIN as u32,
            HEIGHT - BAND + (BAND - logo.height) / 2,
        );
        x += logo.width as f32 + 24.0;
    }
    let site = truncate(
        &small,
        vec![cards.site.clone()],
        1,
        WIDTH as f32 - MARGIN - x,
    );
    canvas.text(&small, &site[0], x, band_baseline, colours.on_accent);
    canvas.png()
}

fn advance<F: Font>(font: &impl ScaleFont<F>, text: &str) -> f32 {
    let mut width = 0.0;
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            width += font.kern(p, id);
        }
        width += font.h_advance(id);
        prev = Some(id);
    }
    width
}

/// Whether a line may break before this character even without a space (CJK scripts).
fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32, 0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Breaks `text` into lines no wider than `max`: at spaces, or between CJK characters, or
/// (for a word longer than a line) anywhere.
fn wrap<F: Font>(font: &impl ScaleFont<F>, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in words(text) {
        let candidate = format!("{line}{word}");
        if !line.is_empty() && advance(font, candidate.trim_end()) > max {
            lines.push(line.trim_end().to_string());
            line = word.trim_start().to_string();
        } else {
            line = candidate;
        }
        while advance(font, line.trim_end()) > max && line.chars().count() > 1 {
            let mut head = String::new();
            for c in line.chars() {
                if !head.is_empty() && advance(font, &format!("{head}{c}")) > max {
                    break;
                }
                head.push(c);
            }
            line = line[head.len()..].to_string();
            lines.push(head);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// The pieces a line may break between: a word with its trailing spaces, or one CJK character.
fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut after_space = false;
    for (i, c) in text.char_indices() {
        let cut = i > start && (breaks_anywhere(c) || (after_space && !c.is_whitespace()));
        if cut {
            out.push(&text[start..i]);
            start = i;
        }
        after_space = c.is_whitespace();
        if breaks_anywhere(c) {
            out.push(&text[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Keeps at most `most` lines, ending the last kept one with an ellipsis when text was cut.
fn truncate<F: Font>(
    font: &impl ScaleFont<F>,
    mut lines: Vec<String>,
    most: usize,
    max: f32,
) -> Vec<String> {
    let cut = lines.len() > most || lines.iter().any(|l| advance(font, l) > max);
    if !cut {
        return lines;
    }
    lines.truncate(most);
    if let Some(last) = lines.last_mut() {
        while !last.is_empty() && advance(font, &format!("{last}…")) > max {
            last.pop();
        }
        last.push('…');
    }
    lines
}

/// An RGB image being drawn.
struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(colour: [u8; 3]) -> Self {
        Self {
            pixels: colour.repeat((WIDTH * HEIGHT) as usize),
        }
    }

    fn fill_rows(&mut self, from: u32, to: u32, colour: [u8; 3]) {
        let row = (WIDTH * 3) as usize;
        for px in self.pixels[from as usize * row..to as usize * row].chunks_exact_mut(3) {
            px.copy_from_slice(&colour);
        }
    }

    /// Draws `logo` with its top left corner at (`x`, `y`), blending by its alpha.
    fn image(&mut self, logo: &Logo, x: u32, y: u32) {
        for (row, line) in logo.rgba.chunks_exact(logo.width as usize * 4).enumerate() {
            for (col, px) in line.chunks_exact(4).enumerate() {
                let (px_x, px_y) = (x as usize + col, y as usize + row);
                if px_x >= WIDTH as usize || px_y >= HEIGHT as usize {
                    continue;
                }
                let at = (px_y * WIDTH as usize + px_x) * 3;
                let a = f32::from(px[3]) / 255.0;
                for (channel, source) in self.pixels[at..at + 3].iter_mut().zip(&px[..3]) {
                    *channel =
                        (f32::from(*channel) * (1.0 - a) + f32::from(*source) * a).round() as u8;
                }
            }
        }
    }

    fn text<F: Font>(
        &mut self,
        font: &impl ScaleFont<F>,
        text: &str,
        x: f32,
        baseline: f32,
        colour: [u8; 3],
    ) {
        let mut caret = x;
        let mut prev: Option<GlyphId> = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += font.kern(p, id);
            }
            let glyph = id.with_scale_and_position(font.scale(), point(caret, baseline));
            caret += font.h_advance(id);
            prev = Some(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if (0..i64::from(WIDTH)).contains(&px) && (0..i64::from(HEIGHT)).contains(&py) {
                    let at = ((py as usize) * WIDTH as usize + px as usize) * 3;
                    let c = coverage.clamp(0.0, 1.0);
                    for (channel, target) in self.pixels[at..at + 3].iter_mut().zip(colour) {
                        *channel =
                            (f32::from(*channel) * (1.0 - c) + f32::from(target) * c).round() as u8;
                    }
                }
            });
        }
    }

    fn png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.pixels)?;
        writer.finish()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
