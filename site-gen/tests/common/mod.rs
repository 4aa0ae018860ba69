//! The fixture site shared by the integration tests: the project's theme and data with a few
//! pages of every kind, in a temp dir.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for item in walkdir::WalkDir::new(from) {
        let item = item.expect("walk");
        let rel = item.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if item.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(item.path(), &dest).expect("copy");
        }
    }
}

pub(crate) struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&repo().join("themes"), &dir.path().join("themes"));
        copy_dir(
            &repo().join("content/data"),
            &dir.path().join("content/data"),
        );
        let f = Self { dir };
        f.write(
            "site.toml",
            "title = \"Fixture\"\ndescription = \"A fixture site for tests.\"\nbase_url = \"https://fixture.example\"\n\n[[menu]]\nname = \"Home\"\nurl = \"@/_index.md\"\n\n[letter]\nnumber = \"S.Res.1\"\ncongress = 119\ntitle = \"A test resolution\"\n\n[documentary]\ntitle = \"Film\"\nurl = \"\"\n",
        );
        f.write("content/_index.md", "+++\ntitle = \"Home\"\ndescription = \"The home page of the fixture.\"\n+++\nWelcome. See [the news](@/updates/_index.md) and [a post](@/updates/b.md#details).\n");
        f.write("content/updates/_index.md", "+++\ntitle = \"News\"\ndescription = \"All the news.\"\nsort_by = \"date\"\npaginate_by = 2\nfeed = true\n+++\n");
        f.write("content/updates/a.md", "+++\ntitle = \"Alpha\"\ndescription = \"The first post.\"\ndate = 2026-01-01\ntags = [\"History\"]\naliases = [\"/old-alpha/\"]\n+++\nFirst.\n");
        f.write("content/updates/b.md", "+++\ntitle = \"Beta\"\ndescription = \"The second post.\"\ndate = 2026-02-01\ntags = [\"History\", \"Petition\"]\n+++\nSecond.\n\n## Details\n\nMore.\n");
        f.write("content/updates/c.md", "+++\ntitle = \"Gamma\"\ndescription = \"The third post.\"\ndate = 2026-03-01\n+++\nThird.\n");
        f.write("content/updates/draft.md", "+++\ntitle = \"Unfinished\"\ndescription = \"Not yet.\"\ndraft = true\ndate = 2026-04-01\n+++\nSoon.\n");
        f.write(
            "content/sign.md",
            "+++\ntitle = \"Sign\"\ndescription = \"Sign the petition.\"\n[petition]\nid = \"test-petition\"\ntitle = \"Test petition\"\naddressee = \"Someone\"\ngoal = 1000\nopens = 2026-01-01\nthank_you = \"@/thanks.md\"\ncheck_inbox = \"@/inbox.md\"\n+++\n{{ signature_counter(petition=\"test-petition\") }}\n\n{{ petition_form(petition=\"test-petition\") }}\n\n{% callout(kind=\"warning\", title=\"Careful\") %}\nSome **bold** advice.\n{% end %}\n",
        );
        f.write(
            "content/thanks.md",
            "+++\ntitle = \"Thanks\"\ndescription = \"Thank you for signing.\"\n+++\nThank you.\n",
        );
        f.write(
            "content/inbox.md",
            "+++\ntitle = \"Check your inbox\"\ndescription = \"Confirm your signature.\"\n+++\nA mail is on its way.\n",
        );
        f.write(
            "content/privacy.md",
            "+++\ntitle = \"Privacy\"\ndescription = \"What we keep.\"\n+++\nLittle.\n",
        );
        f
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join("public").join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub(crate) fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_site-gen"))
            .args(args)
            .arg("--root")
            .arg(self.path())
            .output()
            .expect("run site-gen");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub(crate) fn build(&self) -> (bool, String, String) {
        self.run(&["build"])
    }
}
