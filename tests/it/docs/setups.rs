//! The starting points of the documented examples. A page names one with
//! an HTML comment, `<!-- setup: NAME -->`, and the `console` blocks after
//! it (up to the next such comment) run in a fresh copy of that folder:
//! a repository, and the embedded local remote's state in
//! `.cxtrain/local-state.json` (`--local`), prepared here the way a reader
//! would get there (an apply, an edit in the dashboard, a removed file).

use std::path::Path;

use cxtrain::emulator::EmulatorConfig;
use serde_json::json;

use crate::common::{Remote, copy_example, hand_made};

/// Every setup: its name and what it is, for the docs' contributors.
pub const SETUPS: &[(&str, &str)] = &[
    ("empty", "an empty folder"),
    (
        "example",
        "a copy of examples/support-bot, nothing applied yet",
    ),
    (
        "broken",
        "a copy of examples/broken (one file per validation problem)",
    ),
    (
        "unformatted",
        "examples/support-bot with two files' front matter written by hand, out of canonical form",
    ),
    (
        "bad-config",
        "examples/support-bot with a misspelt key and a zero timeout in cxtrain.toml",
    ),
    (
        "applied",
        "examples/support-bot, applied to the local remote",
    ),
    (
        "edited",
        "`applied`, then the refund training's 250 USD made 500 USD",
    ),
    (
        "changes",
        "`applied`, then an edit, a rename, a move, a publish and a delete",
    ),
    (
        "drift",
        "`applied`, then lost-package retitled in the dashboard",
    ),
    ("conflict", "`drift`, and the lost-package file edited too"),
    (
        "dashboard-draft",
        "`applied`, then an unpublished dashboard draft on escalation",
    ),
    (
        "inventory",
        "`applied`, then a file edit, a dashboard edit, both on one training, a removed file, \
         a new file, a dashboard draft, and trainings made by hand or by another workspace",
    ),
    ("many-deletes", "`applied`, then 12 training files removed"),
    ("all-deleted", "`applied`, then every training file removed"),
    (
        "tampered-plan",
        "`edited` with a saved plan.json whose content was changed by hand",
    ),
    (
        "dashboard",
        "an empty folder; the local remote holds hand-made trainings",
    ),
    (
        "dashboard-mapped",
        "`dashboard` after `cxtrain init`, with its directory ids mapped",
    ),
    (
        "environments",
        "examples/support-bot with a staging and a production environment",
    ),
];

/// Prepares setup `name` in the empty folder `dir`.
pub fn prepare(name: &str, dir: &Path) {
    match name {
        "empty" => {}
        "example" => copy_example("support-bot", dir),
        "broken" => copy_example("broken", dir),
        "unformatted" => {
            copy_example("support-bot", dir);
            edit(
                dir,
                "trainings/billing/refund-after-30-days.md",
                "channels: [web, email]\nkey: billing/refund-late\n",
                "key: billing/refund-late\nchannels: [web, email]\n",
            );
            edit(
                dir,
                "trainings/shipping/label-not-printing.md",
                "title: \"Labels come out blank, cut off or the wrong size\"",
                "title: Labels come out blank, cut off or the wrong size",
            );
        }
        "bad-config" => {
            copy_example("support-bot", dir);
            edit(dir, "cxtrain.toml", "max_deletes = 10", "max_delete = 10");
            edit(
                dir,
                "cxtrain.toml",
                "ignore = []",
                "ignore = []\n\n[api]\ntimeout_secs = 0",
            );
        }
        "applied" => applied(dir),
        "edited" => edited(dir),
        "changes" => changes(dir),
        "drift" => drift(dir),
        "conflict" => {
            drift(dir);
            edit(
                dir,
                "trainings/shipping/lost-package.md",
                "resolve this quickly",
                "resolve this within one business day",
            );
        }
        "dashboard-draft" => {
            applied(dir);
            local_remote(dir).dashboard_edit(
                "escalation",
                json!({"draft_content": "Hand over to a human at once when the customer asks."}),
            );
        }
        "inventory" => inventory(dir),
        "many-deletes" => {
            applied(dir);
            for folder in ["account", "billing", "integrations"] {
                std::fs::remove_dir_all(dir.join("trainings").join(folder)).expect("rm");
            }
        }
        "all-deleted" => {
            applied(dir);
            std::fs::remove_dir_all(dir.join("trainings")).expect("rm");
            std::fs::create_dir(dir.join("trainings")).expect("mkdir");
        }
        "tampered-plan" => tampered_plan(dir),
        "dashboard" => dashboard(dir),
        "dashboard-mapped" => {
            dashboard(dir);
            cxtrain(dir, &["init", "--workspace", "support-bot"]);
            edit(
                dir,
                "cxtrain.toml",
                "# \"billing\" = \"dir_2f9c1\"\n# \"shipping/international\" = \"dir_77aa0\"",
                "\"billing\" = \"dir_billing_02\"\n\"shipping\" = \"dir_shipping_04\"",
            );
        }
        "environments" => environments(dir),
        other => panic!(
            "unknown docs setup `{other}`; the known ones are in {}",
            file!()
        ),
    }
}

/// The embedded local remote's emulator, on its state file in `dir`
/// (once the one a previous step stopped has let go of it).
fn local_remote(dir: &Path) -> Remote {
    let state = dir.join(cxtrain::connect::LOCAL_STATE);
    std::fs::create_dir_all(state.parent().expect("state folder")).expect("mkdir");
    Remote::reopen(EmulatorConfig {
        state_file: Some(state),
        ..EmulatorConfig::default()
    })
}

fn applied(dir: &Path) {
    copy_example("support-bot", dir);
    local_remote(dir).seed_dir(dir);
}

fn edited(dir: &Path) {
    applied(dir);
    edit(
        dir,
        "trainings/billing/refund-after-30-days.md",
        "\n250 USD.",
        "\n500 USD.",
    );
}

fn changes(dir: &Path) {
    applied(dir);
    slower_reset_link(dir);
    let t = |rel: &str| format!("trainings/{rel}");
    rename(
        dir,
        &t("shipping/label-not-printing.md"),
        &t("shipping/label-printing-problems.md"),
    );
    rename(
        dir,
        &t("shipping/address-correction.md"),
        &t("account/address-correction.md"),
    );
    edit(
        dir,
        &t("integrations/webhook-failures.md"),
        "draft: true\n",
        "",
    );
    std::fs::remove_file(dir.join(t("integrations/api-rate-limits.md"))).expect("rm");
}

/// The reset-password training's file edited: the link takes five minutes.
fn slower_reset_link(dir: &Path) {
    edit(
        dir,
        "trainings/account/reset-password.md",
        "within two minutes",
        "within five minutes",
    );
}

fn drift(dir: &Path) {
    applied(dir);
    local_remote(dir).dashboard_edit(
        "shipping/lost-package",
        json!({"title": "Parcel marked delivered but not received"}),
    );
}

/// Every state `status` tells apart, in one repository.
fn inventory(dir: &Path) {
    edited(dir);
    slower_reset_link(dir);
    let t = |rel: &str| format!("trainings/{rel}");
    std::fs::remove_file(dir.join(t("integrations/api-rate-limits.md"))).expect("rm");
    std::fs::write(
        dir.join(t("billing/gift-cards.md")),
        "---\ntitle: Customer wants to pay with a gift card\n---\nGift cards cannot pay \
         for a Parcelly subscription; they work only in the postage shop.\n",
    )
    .expect("new file");
    let remote = local_remote(dir);
    remote.dashboard_edit(
        "shipping/lost-package",
        json!({"title": "Parcel marked delivered but not received"}),
    );
    remote.dashboard_edit(
        "account/reset-password",
        json!({"content": "Send the customer a reset link; it stays valid for one hour."}),
    );
    remote.dashboard_edit(
        "escalation",
        json!({"draft_content": "Hand over to a human at once when the customer asks."}),
    );
    let mut promo = hand_made(
        "Customer asks about the spring promotion",
        "The spring promotion gives 20% off the first three months of any plan.",
        &[],
    );
    promo.directory_id = Some("dir_marketing_07".to_owned());
    remote.create(&promo);
    let mut other = hand_made(
        "Merchant asks about reseller pricing",
        "Reseller pricing is handled by the partnerships team; collect the company name.",
        &[
            ("cxtrain_workspace", "partner-bot"),
            ("cxtrain_key", "resellers"),
        ],
    );
    other.directory_id = Some("dir_billing_02".to_owned());
    remote.create(&other);
}

fn tampered_plan(dir: &Path) {
    edited(dir);
    cxtrain(dir, &["plan", "--local", "--out", "plan.json"]);
    edit(dir, "plan.json", "500 USD.", "5000 USD.");
}

/// Runs the binary in `dir`, which must succeed, with a cache of its own
/// that is removed afterwards.
fn cxtrain(dir: &Path, args: &[&str]) {
    let cache = tempfile::tempdir().expect("cache");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cxtrain"))
        .current_dir(dir)
        .env(cxtrain::remote::CACHE_DIR_ENV, cache.path())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("cxtrain runs");
    assert!(status.success(), "cxtrain {args:?} in a docs setup");
}

fn dashboard(dir: &Path) {
    let remote = local_remote(dir);
    let made = |title: &str, content: &str, directory: Option<&str>| {
        let mut input = hand_made(title, content, &[]);
        input.directory_id = directory.map(str::to_owned);
        remote.create(&input);
    };
    made(
        "Always answer in the customer's language",
        "Reply in the language the customer writes in; if unsure, use English.",
        None,
    );
    made(
        "Customer wants a refund",
        "Refunds within 30 days go back to the original payment method.",
        Some("dir_billing_02"),
    );
    made(
        "Customer asks for an invoice",
        "Invoices are under Settings → Billing → Invoices as PDF.",
        Some("dir_billing_02"),
    );
    made(
        "Package is late",
        "Share the tracking link and the carrier's expected delivery date.",
        Some("dir_shipping_04"),
    );
}

fn environments(dir: &Path) {
    copy_example("support-bot", dir);
    let config = std::fs::read_to_string(dir.join("cxtrain.toml")).expect("config");
    let mut envs =
        String::from("\n[environments.staging]\napi_key_env = \"OPENCX_API_KEY_STAGING\"\n");
    envs.push_str("\n[environments.production]\napi_key_env = \"OPENCX_API_KEY_PRODUCTION\"\n");
    envs.push_str("\n[environments.production.safety]\nmax_deletes = 3\n");
    std::fs::write(dir.join("cxtrain.toml"), config + &envs).expect("config");
}

/// Replaces `from` with `to` in a file, failing when it is not there.
fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{rel} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn rename(dir: &Path, from: &str, to: &str) {
    let to = dir.join(to);
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::rename(dir.join(from), to).expect("rename");
}
