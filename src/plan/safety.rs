//! The guards between a plan and the customers: the delete budget, the
//! delete-everything refusal and the conflict refusal (SPEC §4).

use super::{Change, Flag, Plan, shell_word};

/// How the guards are configured for one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafetyOptions {
    /// How many deletes are allowed.
    pub delete_budget: DeleteBudget,
    /// What to do about conflicts.
    pub conflicts: ConflictPolicy,
}

/// The delete budget and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteBudget {
    /// `safety.max_deletes` from the config.
    Config(usize),
    /// `--allow-deletes N`: a deliberate decision, which also lifts the
    /// delete-everything refusal when N covers every delete.
    Explicit(usize),
}

impl DeleteBudget {
    fn limit(self) -> usize {
        match self {
            Self::Config(n) | Self::Explicit(n) => n,
        }
    }
}

/// `--force` or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Refuse a plan with conflicts.
    Refuse,
    /// Overwrite the dashboard edits (`--force`).
    Overwrite,
}

/// Why a plan is refused (exit 4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum Refusal {
    /// Every managed training would be deleted.
    #[error("refusing to delete all {count} managed trainings of workspace `{workspace}`")]
    #[diagnostic(
        code(cxtrain::deletes_everything),
        help(
            "this usually means the trainings root is empty or wrong (check `root` in \
             cxtrain.toml and --dir). If you really mean it, pass --allow-deletes {count}"
        )
    )]
    DeletesEverything {
        /// The workspace.
        workspace: String,
        /// How many would go.
        count: usize,
    },
    /// More deletes than the budget allows.
    #[error("the plan deletes {count} trainings, more than the {limit} allowed")]
    #[diagnostic(
        code(cxtrain::delete_budget),
        help(
            "review the deletes, then pass --allow-deletes {count} (or raise \
             safety.max_deletes); --no-delete keeps them all"
        )
    )]
    TooManyDeletes {
        /// How many the plan deletes.
        count: usize,
        /// The budget.
        limit: usize,
    },
    /// File and dashboard both changed.
    #[error(
        "{} changed both in the files and in the dashboard since the last apply: {}",
        plural(keys.len(), "training"),
        keys.join(", ")
    )]
    #[diagnostic(code(cxtrain::conflict), help("{}", conflict_help(keys)))]
    Conflicts {
        /// The conflicting trainings' keys.
        keys: Vec<String>,
    },
}

/// What to do about conflicts on `keys`: take the dashboard's version into
/// the files with the exact `pull` command, or keep the files' with --force.
fn conflict_help(keys: &[String]) -> String {
    let words: Vec<String> = keys.iter().map(|k| shell_word(k)).collect();
    let command = if keys.iter().any(|k| k.starts_with('-')) {
        format!("cxtrain pull --force -- {}", words.join(" "))
    } else {
        format!("cxtrain pull {} --force", words.join(" "))
    };
    format!(
        "to keep the dashboard's version, run `{command}` (it overwrites just those files and \
         shows what it replaced), then review and commit; to keep the files' version, pass \
         --force to apply"
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Checks a plan against the guards; the first refusal wins, worst first.
pub fn check_safety(plan: &Plan, options: &SafetyOptions) -> Result<(), Refusal> {
    let deletes = plan
        .changes
        .iter()
        .filter(|c| matches!(c, Change::Delete(_)))
        .count();
    let explicitly_allowed =
        matches!(options.delete_budget, DeleteBudget::Explicit(n) if n >= deletes);
    if deletes > 0 && deletes >= plan.managed && !explicitly_allowed {
        return Err(Refusal::DeletesEverything {
            workspace: plan.workspace.clone(),
            count: deletes,
        });
    }
    if deletes > options.delete_budget.limit() {
        return Err(Refusal::TooManyDeletes {
            count: deletes,
            limit: options.delete_budget.limit(),
        });
    }
    let conflicts: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.flags().contains(&Flag::Conflict))
        .map(|c| c.key().to_owned())
        .collect();
    if !conflicts.is_empty() && options.conflicts == ConflictPolicy::Refuse {
        return Err(Refusal::Conflicts { keys: conflicts });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_help_names_the_exact_pull_command() {
        let keys = |k: &[&str]| k.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
        let help = conflict_help(&keys(&["billing/refund-late", "faq"]));
        assert!(
            help.starts_with(
                "to keep the dashboard's version, run `cxtrain pull billing/refund-late faq --force`"
            ),
            "{help}"
        );
        let help = conflict_help(&keys(&["it's here", "-x"]));
        assert!(
            help.contains("`cxtrain pull --force -- 'it'\\''s here' -x`"),
            "{help}"
        );
    }
}
