//! Every folder holding scenarios must map to an OpenCX directory — in every
//! environment the scenario lives in, since each organisation has its own
//! directory ids (the API can neither list nor create directories).

use crate::config::Config;
use crate::workspace::parse::ParsedFile;
use crate::workspace::problem::{Code, Problem};

/// The unmapped-folder problems of one file, one per environment (of
/// `environments`: [`Config::every_environment`]) that lacks its folder.
pub fn check(file: &ParsedFile, environments: &[Config]) -> Vec<Problem> {
    let scope = &file.local.scope;
    if scope.folder.is_top() {
        return Vec::new();
    }
    let folder = scope.folder.as_str();
    environments
        .iter()
        .filter(|c| scope.includes(c.environment.as_deref()))
        .filter(|c| !c.directories.contains_key(folder))
        .map(|c| match c.environment.as_deref() {
            None => Problem::new(
                Code::UnmappedFolder,
                0..0,
                format!("folder `{folder}` is not mapped to an OpenCX directory"),
                "in an unmapped folder",
            )
            .help(format!(
                "add `\"{folder}\" = \"<directory id>\"` under `[directories]` in cxtrain.toml \
                 (the API cannot create directories; `cxtrain pull` fills this table)"
            )),
            Some(env) => Problem::new(
                Code::UnmappedFolder,
                0..0,
                format!(
                    "folder `{folder}` is not mapped to an OpenCX directory in environment `{env}`"
                ),
                "in an unmapped folder",
            )
            .help(format!(
                "add `\"{folder}\" = \"<directory id>\"` under \
                 `[environments.{env}.directories]` in cxtrain.toml (or under `[directories]` \
                 for every environment); `cxtrain pull --env {env}` fills it"
            )),
        })
        .collect()
}
