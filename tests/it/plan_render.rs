//! Snapshots of the three plan renderings (human, markdown, json) on a
//! realistic plan built by the real planner, plus the markdown escaping and
//! truncation guarantees.

use cxtrain::model::{Channel, Training, TrainingType};
use cxtrain::plan::Plan;
use cxtrain::remote::api;
use cxtrain::remote::managed::ManagedTraining;
use cxtrain::render::{plan_human, plan_json, plan_markdown};

use crate::common::fixtures::{self, applied, plan};

/// The remote as the last apply of `t` left it, then `edit`ed.
fn remote(id: &str, t: &Training, edit: impl FnOnce(&mut api::Training)) -> ManagedTraining {
    let mut r = api::Training {
        current_version: Some(3),
        published_at: Some("2025-05-02T10:00:00Z".into()),
        created_at: Some("2025-04-01T09:00:00Z".into()),
        updated_at: Some("2025-05-02T10:00:00Z".into()),
        ..applied(id, t, "support-bot")
    };
    edit(&mut r);
    ManagedTraining::from_api(&r).expect("tagged")
}

const REFUND: &str = "Refunds requested after 30 days: apologise, explain the 30-day policy, \
and offer store credit.\nEscalate to a human if the customer mentions a chargeback.\n\n\
Never promise a cash refund.";

/// A plan touching every action and flag, with hostile text in it.
fn realistic() -> Plan {
    let mut refund = Training::scenario(
        "billing/refund-after-30-days",
        "Customer asks for a refund after 30 days",
        REFUND,
    );
    refund.directory_id = Some("dir_billing".into());
    refund.channels = [Channel::Web, Channel::Email].into();
    let mut refund_new = refund.clone();
    refund_new.content = REFUND.replace("offer store credit", "offer store credit or an exchange");
    refund_new.channels = [Channel::Web, Channel::Email, Channel::Whatsapp].into();

    let tone = Training::scenario(
        "tone-and-style",
        "Tone and style",
        "Be warm, concise and never sarcastic.\nUse the customer's name once.",
    );
    let mut tone_new = tone.clone();
    tone_new.kind = TrainingType::Behavioral;

    let customs_old = Training::scenario(
        "customs",
        "Customs fees",
        "International orders may incur customs fees, paid by the recipient on delivery; we cannot predict the amount.",
    );
    let mut customs = customs_old.clone();
    customs.key = "shipping/international/customs-fees".into();
    customs.directory_id = Some("dir_intl".into());

    let mut plans = Training::scenario(
        "billing/change-plan",
        "Customer wants to change plan",
        "Explain how to switch plans from Account → Billing. Proration applies.",
    );
    plans.directory_id = Some("dir_billing".into());
    let mut plans_draft = plans.clone();
    plans_draft.draft = true;

    let mut promo = Training::scenario(
        "promo/black-friday",
        "Black Friday promotion",
        "Mention the 20% Black Friday discount when relevant.",
    );
    promo.draft = true;
    let mut promo_live = promo.clone();
    promo_live.draft = false;

    let mut hostile = Training::scenario(
        "edge/markup",
        "Title with | pipes, <b>tags</b> & `ticks`",
        "Say hello.\n````\n</details>\n<script>alert(1)</script>\n\u{1b}[31mred\u{1b}[0m",
    );
    hostile.segments = ["vip".to_owned()].into();
    hostile.metadata = [("team".to_owned(), "edge".to_owned())].into();

    let escalation = Training::scenario(
        "support/escalation",
        "Escalation",
        "Hand over to a human when the customer is angry.",
    );
    let mut escalation_new = escalation.clone();
    escalation_new.content =
        "Hand over to a human when the customer is angry or asks twice.".into();

    let gone = Training::scenario(
        "legacy/old-faq",
        "Old FAQ",
        "This FAQ is obsolete.\nIt has two lines.",
    );
    let drafted = Training::scenario(
        "support/hours",
        "Opening hours",
        "We are open 9 to 5 on weekdays.",
    );

    let locals = [
        refund_new,
        tone_new,
        customs,
        plans_draft,
        promo_live,
        hostile,
        escalation_new,
        drafted.clone(),
    ];
    let remotes = [
        remote("trn_refund", &refund, |_| {}),
        remote("trn_tone", &tone, |_| {}),
        remote("trn_customs", &customs_old, |_| {}),
        remote("trn_plans", &plans, |_| {}),
        remote("trn_promo", &promo, |_| {}),
        remote("trn_escalation", &escalation, |r| {
            r.title = "Escalation (edited in dashboard)".into()
        }),
        remote("trn_old", &gone, |_| {}),
        remote("trn_hours", &drafted, |r| {
            r.draft_content = Some("We are open 9 to 6 on weekdays.".into())
        }),
    ];
    plan(&locals, &remotes, 42, "support-bot")
}

fn human(plan: &Plan, color: bool) -> String {
    let mut out = Vec::new();
    plan_human::render(plan, cxtrain::render::Paint(color), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn human_plain() {
    insta::assert_snapshot!(human(&realistic(), false));
}

#[test]
fn human_colored() {
    let text = human(&realistic(), true);
    assert!(text.contains("\x1b[32m"), "green present");
    assert!(
        !text.contains("\x1b[31mred"),
        "file escapes are neutralised"
    );
    insta::assert_snapshot!(text.replace('\x1b', "␛"));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(plan_markdown::to_string(&realistic()));
}

#[test]
fn json() {
    let mut out = Vec::new();
    plan_json::render(&realistic(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format_version"], 1);
    insta::assert_snapshot!(text);
}

#[test]
fn no_changes_renders_briefly() {
    let a = Training::scenario("a", "Title a", "Content of a");
    let plan = fixtures::plan(
        std::slice::from_ref(&a),
        &[remote("1", &a, |_| {})],
        5,
        "ws",
    );
    assert_eq!(
        human(&plan, false),
        format!(
            "Plan for workspace ws\n\nNo changes. 1 training up to date, 5 unmanaged \
             ignored.\nFingerprint: {}\n",
            plan.fingerprint()
        )
    );
    assert!(plan_markdown::to_string(&plan).contains("**No changes.** 1 training up to date"));
}

#[test]
fn every_format_carries_the_fingerprint_and_environment() {
    let mut plan = realistic();
    let fingerprint = plan.fingerprint().to_string();
    assert!(human(&plan, false).ends_with(&format!("\nFingerprint: {fingerprint}\n")));
    let md = plan_markdown::to_string(&plan);
    assert_eq!(
        md.lines().nth(1),
        Some(format!("<!-- cxtrain:fingerprint {fingerprint} -->").as_str())
    );
    let json = |plan: &Plan| {
        let mut out = Vec::new();
        plan_json::render(plan, &mut out).unwrap();
        serde_json::from_slice::<serde_json::Value>(&out).unwrap()
    };
    assert_eq!(json(&plan)["fingerprint"], fingerprint.as_str());
    assert_eq!(json(&plan)["environment"], serde_json::Value::Null);

    plan.environment = Some("staging".into());
    let fingerprint = plan.fingerprint().to_string();
    let md = plan_markdown::to_string(&plan);
    assert_eq!(
        md.lines().nth(1),
        Some(format!("<!-- cxtrain:fingerprint env=staging {fingerprint} -->").as_str())
    );
    assert_eq!(json(&plan)["fingerprint"], fingerprint.as_str());
    assert_eq!(json(&plan)["environment"], "staging");
    // An environment name from a hand-edited plan file cannot end the
    // comment early (`cxtrain show`).
    plan.environment = Some("x --> <b>".into());
    let md = plan_markdown::to_string(&plan);
    assert!(
        md.lines()
            .nth(1)
            .unwrap()
            .starts_with("<!-- cxtrain:fingerprint env=x --&gt; &lt;b&gt; "),
        "{md}"
    );
}

#[test]
fn markdown_fences_outlast_backtick_runs() {
    let md = plan_markdown::to_string(&realistic());
    // The hostile content holds a run of four backticks: its diff block
    // must be fenced with five.
    assert!(md.contains("`````diff\n"), "{md}");
}

#[test]
fn markdown_file_text_cannot_inject_markup() {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
    let md = plan_markdown::to_string(&realistic());
    let mut html = String::new();
    let mut code_blocks = Vec::new();
    let mut in_code = None::<String>;
    for event in Parser::new(&md) {
        match event {
            Event::Html(s) | Event::InlineHtml(s) => html.push_str(&s),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                assert_eq!(&*lang, "diff");
                in_code = Some(String::new());
            }
            Event::Text(t) if in_code.is_some() => in_code.as_mut().unwrap().push_str(&t),
            Event::End(TagEnd::CodeBlock) => code_blocks.push(in_code.take().unwrap()),
            _ => {}
        }
    }
    // Only cxtrain's own tags are HTML; everything from files is text.
    let mut rest = html.clone();
    let marker = format!("<!-- cxtrain:fingerprint {} -->", realistic().fingerprint());
    for tag in [
        "<!-- cxtrain-plan -->",
        &marker,
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<code>",
        "</code>",
        "<b>",
        "</b>",
    ] {
        rest = rest.replace(tag, "");
    }
    assert!(!rest.contains('<'), "stray markup: {rest}");
    assert_eq!(html.matches("<details>").count(), 8);
    assert_eq!(html.matches("</details>").count(), 8);
    // The hostile content arrives whole inside its diff block.
    assert!(
        code_blocks
            .iter()
            .any(|b| b.contains("+````\n+</details>\n+<script>alert(1)</script>\n")),
        "{code_blocks:?}"
    );
}

/// A plan creating 200 trainings of about 1 KB each: more than a comment holds.
fn bulk_plan() -> Plan {
    let big: Vec<Training> = (0..200)
        .map(|i| {
            let body = format!("Paragraph {i}: ") + &"lorem ipsum dolor sit amet ".repeat(40);
            Training::scenario(&format!("bulk/t{i:03}"), &format!("Training {i}"), &body)
        })
        .collect();
    plan(&big, &[], 0, "ws")
}

#[test]
fn markdown_truncates_under_the_comment_limit() {
    let md = plan_markdown::to_string(&bulk_plan());
    assert!(md.chars().count() <= plan_markdown::COMMENT_LIMIT);
    assert!(md.len() > 60_000, "fills the comment: {}", md.len());
    let note = md.rfind("**Truncated:**").expect("visible truncation note");
    assert!(md[note..].contains("see the workflow run"));
    assert!(md[note..].contains("of 200 changed trainings are not shown"));
    // Every <details> opened is closed.
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
}

#[test]
fn markdown_without_a_limit_keeps_every_change() {
    let plan = bulk_plan();
    let md = plan_markdown::document(&[&plan], None);
    assert!(md.len() > plan_markdown::COMMENT_LIMIT, "{}", md.len());
    assert!(!md.contains("**Truncated:**"));
    assert_eq!(md.matches("<details>").count(), plan.changes.len());
    let smaller = plan_markdown::document(&[&plan], Some(20_000));
    assert!(smaller.len() <= 20_000, "{}", smaller.len());
    assert!(smaller.contains("**Truncated:**"));
}

#[test]
fn several_environments_share_one_comment_and_its_limit() {
    let plan_for = |env: &str| Plan {
        environment: Some(env.to_owned()),
        ..bulk_plan()
    };
    let (staging, production) = (plan_for("staging"), plan_for("production"));
    let md = plan_markdown::document(&[&staging, &production], Some(plan_markdown::COMMENT_LIMIT));
    assert!(md.len() <= plan_markdown::COMMENT_LIMIT, "{}", md.len());
    assert!(md.len() > 60_000, "fills the comment: {}", md.len());
    assert_eq!(md.matches(plan_markdown::MARKER).count(), 1);
    let production_at = md
        .find("### cxtrain plan for workspace <code>ws</code> in <code>production</code>")
        .expect("a production section");
    let (first, second) = md.split_at(production_at);
    assert!(first.contains("in <code>staging</code>"));
    for section in [first, second] {
        assert!(section.len() < 33_000, "each gets half: {}", section.len());
        assert!(section.contains("of 200 changed trainings are not shown"));
        assert_eq!(
            section.matches("<details>").count(),
            section.matches("</details>").count()
        );
    }
}
