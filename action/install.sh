#!/usr/bin/env bash
# Installs cxtrain for the GitHub Action.
#   install.sh release      the release binary for this action's version and
#                           the runner, SHA-256 checked; when there is none
#                           (a branch, a commit after the release, `install:
#                           source`), the step outputs for a source build
#   install.sh build        cargo install from the action's source, unless the
#                           build for these sources is already there
#   install.sh source-hash  the hash of everything compiled into the binary
#                           (release.yml publishes it with each release)
#
# A release is used only when its published source hash equals this
# checkout's: an action pinned to a tag or to the tagged commit downloads,
# any other commit builds what it is. A checksum mismatch refuses to install
# (exit 1) rather than fall back. Environment: ACTION_PATH (the action's
# checkout; default: this script's parent), CXTRAIN_INSTALL (auto | release
# | source), CXTRAIN_RELEASE_BASE_URL (default
# https://github.com/OWNER/REPO/releases/download of the action's own
# repository; tests serve releases from 127.0.0.1), ACTION_REPOSITORY.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=action/lib.sh
source "$here/lib.sh"
ACTION_PATH="${ACTION_PATH:-$(dirname "$here")}"

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
install_root="$cargo_home/cxtrain-action"

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$@" | cut -c1-64
    else
        shasum -a 256 "$@" | cut -c1-64
    fi
}

# The package version from Cargo.toml: the release tag is v<version>.
version() {
    sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$ACTION_PATH/Cargo.toml" | head -1
}

# Every file that goes into the binary, relative to ACTION_PATH, sorted:
# the manifests, src/, and what src/ pulls in with include_str!/include_bytes!
# (such as the example workflow `cxtrain init` writes).
compiled_files() {
    (
        cd "$ACTION_PATH"
        {
            printf '%s\n' Cargo.toml Cargo.lock
            for file in build.rs rust-toolchain rust-toolchain.toml .cargo/config.toml .cargo/config; do
                [[ ! -f "$file" ]] || printf '%s\n' "$file"
            done
            find src -type f
            grep -rEo --include='*.rs' 'include_(str|bytes)!\([[:space:]]*"[^"]+"' src |
                while IFS= read -r hit; do
                    normalize_path "$(dirname "${hit%%:*}")/$(sed -E 's/.*"([^"]+)"$/\1/' <<<"${hit#*:}")"
                    echo
                done
        } | LC_ALL=C sort -u
    )
}

# Names, sizes and contents of the compiled files, hashed in a stable order:
# an edit to any of them is another build.
source_hash() {
    local files file
    files="$(compiled_files)"
    while IFS= read -r file; do
        if [[ ! -f "$ACTION_PATH/$file" ]]; then
            echo "install.sh: the source includes $file, which is missing" >&2
            return 1
        fi
    done <<<"$files"
    while IFS= read -r file; do
        printf '%s\n%s\n' "$file" "$(wc -c <"$ACTION_PATH/$file" | tr -d ' ')"
        cat -- "$ACTION_PATH/$file"
    done <<<"$files" | sha256
}

# The release target for this runner, or nothing when there is none.
target() {
    case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
        Linux/X64 | Linux/x86_64) echo x86_64-unknown-linux-musl ;;
        Linux/ARM64 | Linux/aarch64) echo aarch64-unknown-linux-musl ;;
        macOS/X64 | Darwin/x86_64) echo x86_64-apple-darwin ;;
        macOS/ARM64 | Darwin/arm64) echo aarch64-apple-darwin ;;
        # Windows on Arm runs x86_64 binaries.
        Windows/X64 | Windows/ARM64 | MINGW*/x86_64 | MSYS*/x86_64) echo x86_64-pc-windows-msvc ;;
    esac
}

# The repository publishing this action: github.action_repository, which
# the runner leaves empty inside composite actions, else the owner/name in
# the runner's action path (_actions/OWNER/NAME/REF), else (`uses: ./`) the
# repository being built.
repository() {
    local path="${ACTION_PATH%/}" name owner
    if [[ -n "${ACTION_REPOSITORY:-}" ]]; then
        printf '%s' "$ACTION_REPOSITORY"
        return
    fi
    path="${path%/*}"
    name="${path##*/}"
    path="${path%/*}"
    owner="${path##*/}"
    if [[ "${path%/*}" == */_actions ]]; then
        printf '%s/%s' "$owner" "$name"
    else
        printf '%s' "${GITHUB_REPOSITORY:-}"
    fi
}

# fetch URL FILE: prints the HTTP status (000 when the download failed).
fetch() {
    curl -sS -L --retry 3 --connect-timeout 10 --max-time 300 \
        -o "$2" -w '%{http_code}' "$1" 2>/dev/null || true
}

# try_release VERSION TARGET: installs the release binary. Returns 0 when
# installed, 2 when there is no release to use (a source build follows);
# exits 1 when a release is there but fails its checksum.
try_release() {
    local version=$1 target=$2 base url status published ours ext=tar.gz archive expected actual
    local tmp dest bin
    base="${CXTRAIN_RELEASE_BASE_URL:-https://github.com/$(repository)/releases/download}"
    url="$base/v$version"
    tmp="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cxtrain-download.XXXXXX")"

    status="$(fetch "$url/cxtrain-$version-source.sha256" "$tmp/source.sha256")"
    case "$status" in
        200) ;;
        404)
            echo "no release v$version: building cxtrain from source"
            return 2
            ;;
        *)
            annotate warning "could not reach release v$version (HTTP $status): building cxtrain from source"
            return 2
            ;;
    esac
    published="$(head -c 64 "$tmp/source.sha256")"
    ours="$(source_hash)" || exit 1
    if [[ "$published" != "$ours" ]]; then
        echo "release v$version was built from other sources (this action runs from a branch or a commit after it): building cxtrain from source"
        return 2
    fi

    [[ "$target" != *windows* ]] || ext=zip
    archive="cxtrain-$version-$target.$ext"
    status="$(fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS")"
    if [[ "$status" != 200 ]]; then
        annotate error "release v$version has no SHA256SUMS (HTTP $status): refusing to install an unverified binary"
        exit 1
    fi
    expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")"
    if [[ ! "$expected" =~ ^[0-9a-f]{64}$ ]]; then
        annotate error "SHA256SUMS of release v$version lists no $archive: refusing to install an unverified binary"
        exit 1
    fi
    status="$(fetch "$url/$archive" "$tmp/$archive")"
    if [[ "$status" != 200 ]]; then
        annotate warning "release v$version has no $archive (HTTP $status): building cxtrain from source"
        return 2
    fi
    actual="$(sha256 "$tmp/$archive")"
    if [[ "$actual" != "$expected" ]]; then
        annotate error "checksum mismatch for $archive: SHA256SUMS says $expected, the download is $actual; refusing to install it"
        exit 1
    fi

    dest="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cxtrain-$version-$target"
    rm -rf -- "$dest"
    mkdir -p "$dest"
    if [[ "$ext" == zip ]]; then
        if command -v unzip >/dev/null 2>&1; then
            unzip -q "$tmp/$archive" -d "$dest"
        else
            7z x -y -o"$dest" "$tmp/$archive" >/dev/null
        fi
        bin="$dest/cxtrain-$version-$target/cxtrain.exe"
    else
        tar -xzf "$tmp/$archive" -C "$dest"
        bin="$dest/cxtrain-$version-$target/cxtrain"
    fi
    rm -rf -- "$tmp"
    if [[ ! -f "$bin" ]] || ! "$bin" --version; then
        annotate error "the $archive of release v$version holds no working cxtrain"
        exit 1
    fi
    [[ -z "${GITHUB_PATH:-}" ]] || printf '%s\n' "$(dirname "$bin")" >>"$GITHUB_PATH"
    echo "installed cxtrain $version ($target) from the release, sha256 $actual"
}

release() {
    local mode="${CXTRAIN_INSTALL:-auto}" version target="" status=2 lock_hash prefix hash
    : "${GITHUB_OUTPUT:?}"
    case "$mode" in
        auto | true | release | source) ;;
        *)
            annotate error "install must be auto, release, source or none, not '$mode'"
            exit 64
            ;;
    esac
    version="$(version)"
    if [[ "$mode" != source ]]; then
        target="$(target)"
        if [[ -z "$target" ]]; then
            echo "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: building cxtrain from source"
        else
            status=0
            try_release "$version" "$target" || status=$?
        fi
        if [[ "$status" == 0 ]]; then
            output installed true
            return
        fi
        if [[ "$mode" == release ]]; then
            annotate error "install: release, but there is no release v$version to use for ${target:-this runner}"
            exit 1
        fi
    fi

    hash="$(source_hash)" || exit 1
    lock_hash="$(sha256 <"$ACTION_PATH/Cargo.lock" | cut -c1-16)"
    prefix="cxtrain-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-${ImageOS:-unknown}"
    output installed false
    output cargo-home "$cargo_home"
    output install-root "$install_root"
    output key "$prefix-lock-$lock_hash-src-$hash"
    # Older builds still carry the right registry crates.
    output restore-prefix "$prefix-lock-$lock_hash-
$prefix-"
}

build() {
    local bin="$install_root/bin"
    local stamp="$install_root/cxtrain-action-key"
    : "${CXTRAIN_KEY:?CXTRAIN_KEY must be the key install.sh release computed}"
    # The stamp says which sources built the binary in the install root, be it
    # restored from the cache or left by an earlier step of the same job.
    if [[ -f "$stamp" && "$(cat -- "$stamp")" == "$CXTRAIN_KEY" ]]; then
        echo "cxtrain already built from these sources"
    else
        if ! command -v cargo >/dev/null 2>&1; then
            annotate error "cargo not found: install a Rust toolchain before this action, or use a release of the action (install: auto), or set install: none with cxtrain on PATH"
            exit 1
        fi
        # Keep build output out of the action checkout: with `uses: ./` that
        # checkout is the repository being validated.
        CARGO_TARGET_DIR="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cxtrain-target" \
            cargo install --locked --force --path "$ACTION_PATH" --root "$install_root"
        printf '%s\n' "$CXTRAIN_KEY" >"$stamp"
    fi
    [[ -z "${GITHUB_PATH:-}" ]] || printf '%s\n' "$bin" >>"$GITHUB_PATH"
    "$bin/cxtrain" --version
}

case "${1:-}" in
    release) release ;;
    build) build ;;
    source-hash) source_hash ;;
    *)
        echo "usage: install.sh release|build|source-hash" >&2
        exit 64
        ;;
esac
