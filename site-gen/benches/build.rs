//! Build benchmark (not a test): synthetic sites of 1,000 and 10,000 pages, and the real site.
//!
//! `cargo bench -p site-gen --bench build` — sites are generated under `$BENCH_DIR` (default:
//! `/dev/shm` when it exists, so that output sits on tmpfs). Figures go in BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use site_gen::site::{self, BuildOptions};

// The same allocator as the `site-gen` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SECTIONS: usize = 20;
const TAGS: usize = 50;

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let base = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            if Path::new("/dev/shm").is_dir() {
                PathBuf::from("/dev/shm")
            } else {
                std::env::temp_dir()
            }
        });
    println!("threads: {}", rayon::current_num_threads());
    bench_site("real site", &repo, &base.join("site-gen-bench-real"), 10);
    for pages in [1_000, 10_000] {
        let dir = tempfile::Builder::new()
            .prefix("site-gen-bench-")
            .tempdir_in(&base)
            .expect("tempdir");
        generate(&repo, dir.path(), pages);
        bench_site(
            &format!("{pages} pages"),
            dir.path(),
            &dir.path().join("public"),
            3,
        );
    }
}

fn bench_site(name: &str, root: &Path, out: &Path, runs: usize) {
    let _ = std::fs::remove_dir_all(out);
    let opts = BuildOptions {
        root: root.to_path_buf(),
        ..BuildOptions::default()
    };
    let mut cold = Vec::new();
    let mut cpu = Vec::new();
    let mut again = Vec::new();
    for _ in 0..runs {
        let _ = std::fs::remove_dir_all(out);
        let t = Instant::now();
        let c = cpu_time();
        let first = site::build_to(&opts, out).expect("build");
        cpu.push(cpu_time().saturating_sub(c));
        cold.push(t.elapsed());
        assert!(matches!(first, site::Rebuild::Built { .. }));
        let t = Instant::now();
        let second = site::build_to(&opts, out).expect("rebuild");
        again.push(t.elapsed());
        assert!(matches!(second, site::Rebuild::Unchanged { .. }));
    }
    println!(
        "{name:>12}: cold build median {:>6.1} ms (min {:.1}, CPU {:.0} ms); no-change rebuild median {:>6.1} ms (min {:.1})",
        ms(median(&mut cold)),
        ms(*cold.iter().min().expect("runs")),
        ms(median(&mut cpu)),
        ms(median(&mut again)),
        ms(*again.iter().min().expect("runs")),
    );
}

/// User + system CPU time of this process so far (Linux), to tell work from waiting when
/// the machine is busy.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A site like the real one: the real theme and data, `pages` pages of about 2 KB of Markdown
/// in 20 sections, each page with three of 50 tags.
fn generate(repo: &Path, root: &Path, pages: usize) {
    copy_dir(&repo.join("themes"), &root.join("themes"));
    copy_dir(&repo.join("content/data"), &root.join("content/data"));
    std::fs::copy(repo.join("site.toml"), root.join("site.toml")).expect("site.toml");
    let content = root.join("content");
    std::fs::write(
        content.join("_index.md"),
        "+++\ntitle = \"Home\"\ndescription = \"Synthetic home.\"\n+++\nHello.\n",
    )
    .expect("home");
    for s in 0..SECTIONS {
        let dir = content.join(format!("section-{s}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(
            dir.join("_index.md"),
            format!("+++\ntitle = \"Section {s}\"\ndescription = \"Section {s} of the synthetic site.\"\nsort_by = \"date\"\npaginate_by = 20\n+++\nPages of section {s}.\n"),
        )
        .expect("section");
    }
    std::fs::write(
        content.join("privacy.md"),
        "+++\ntitle = \"Privacy\"\ndescription = \"Privacy.\"\n+++\nNothing.\n",
    )
    .expect("privacy");
    // The updates section the theme's home page lists.
    let updates = content.join("updates");
    std::fs::create_dir_all(&updates).expect("mkdir");
    std::fs::write(
        updates.join("_index.md"),
        "+++\ntitle = \"Updates\"\ndescription = \"News.\"\nsort_by = \"date\"\nfeed = true\n+++\n",
    )
    .expect("updates");
    let paragraph = "Forced organ harvesting from prisoners of conscience is a grave abuse. *Doctors*, \
lawmakers and citizens can act: sign the petition, write to [your senators](@/section-0/page-0.md), \
and share what you learn with others who have not yet heard of it.\n\n";
    for i in 0..pages {
        let s = i % SECTIONS;
        let tags: Vec<String> = (0..3)
            .map(|k| format!("\"tag {}\"", (i + k * 7) % TAGS))
            .collect();
        let mut body = format!("## Part one of {i}\n\n");
        while body.len() < 1_900 {
            body.push_str(paragraph);
            if body.len() > 900 && !body.contains("## Part two") {
                body.push_str("## Part two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n");
            }
        }
        let text = format!(
            "+++\ntitle = \"Page {i}\"\ndescription = \"Synthetic page {i}.\"\ndate = 2026-{:02}-{:02}\ntags = [{}]\n+++\n{body}",
            1 + i % 12,
            1 + i % 28,
            tags.join(", ")
        );
        std::fs::write(content.join(format!("section-{s}/page-{i}.md")), text).expect("page");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for item in walkdir::WalkDir::new(from) {
        let item = item.expect("walk");
        let dest = to.join(item.path().strip_prefix(from).expect("prefix"));
        if item.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(item.path(), &dest).expect("copy");
        }
    }
}
