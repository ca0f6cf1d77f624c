#!/usr/bin/env bash
# Installs cxtrain for the GitHub Action from the source the action ships with.
#   install.sh key    compute the cache key and paths (step outputs)
#   install.sh build  cargo install unless this exact build is already there
# hashFiles() only sees files inside the workspace, and the action's own
# checkout lives outside it, so the key is hashed here instead.
set -euo pipefail

: "${ACTION_PATH:?ACTION_PATH must point at the action checkout}"
: "${GITHUB_OUTPUT:?}"

cargo_home="${CARGO_HOME:-$HOME/.cargo}"
install_root="$cargo_home/cxtrain-action"

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -c1-16
    else
        shasum -a 256 | cut -c1-16
    fi
}

# Hashes the names and contents of everything that goes into the binary, in a
# stable order, so an edited source file means a new build.
source_hash() {
    (
        cd "$ACTION_PATH"
        {
            printf '%s\n' Cargo.toml Cargo.lock
            if [[ -f build.rs ]]; then printf '%s\n' build.rs; fi
            find src -type f | LC_ALL=C sort
        } | while IFS= read -r file; do
            printf '%s\n' "$file"
            cat -- "$file"
        done
    ) | sha256
}

key() {
    local lock_hash src_hash prefix
    lock_hash="$(sha256 <"$ACTION_PATH/Cargo.lock")"
    src_hash="$(source_hash)"
    prefix="cxtrain-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-${ImageOS:-unknown}"
    {
        printf 'cargo-home=%s\n' "$cargo_home"
        printf 'install-root=%s\n' "$install_root"
        printf 'key=%s-lock-%s-src-%s\n' "$prefix" "$lock_hash" "$src_hash"
        # Older builds still carry the right registry crates.
        printf 'restore-prefix<<CXTRAIN_EOF\n%s-lock-%s-\n%s-\nCXTRAIN_EOF\n' \
            "$prefix" "$lock_hash" "$prefix"
    } >>"$GITHUB_OUTPUT"
}

build() {
    local bin="$install_root/bin"
    local stamp="$install_root/cxtrain-action-key"
    : "${CXTRAIN_KEY:?CXTRAIN_KEY must be the key install.sh key computed}"
    # The stamp says which sources built the binary in the install root, be it
    # restored from the cache or left by an earlier step of the same job.
    if [[ -f "$stamp" && "$(cat -- "$stamp")" == "$CXTRAIN_KEY" ]]; then
        echo "cxtrain already built from these sources"
    else
        if ! command -v cargo >/dev/null 2>&1; then
            echo "::error title=cxtrain::cargo not found: install a Rust toolchain before this action (e.g. dtolnay/rust-toolchain@stable), or set install: false with cxtrain on PATH"
            exit 1
        fi
        # Keep build output out of the action checkout: with `uses: ./` that
        # checkout is the repository being validated.
        CARGO_TARGET_DIR="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cxtrain-target" \
            cargo install --locked --force --path "$ACTION_PATH" --root "$install_root"
        printf '%s\n' "$CXTRAIN_KEY" >"$stamp"
    fi
    if [[ -n "${GITHUB_PATH:-}" ]]; then
        printf '%s\n' "$bin" >>"$GITHUB_PATH"
    fi
    "$bin/cxtrain" --version
}

case "${1:-}" in
    key) key ;;
    build) build ;;
    *)
        echo "usage: install.sh key|build" >&2
        exit 64
        ;;
esac
