#!/usr/bin/env bash
# Makes sure a pinned cfn-lint is installed in a private venv under .cache/tools/cfn-lint and
# prints the path of its binary as the last line of stdout:
#
#   CFN_LINT="$(scripts/ensure-cfn-lint.sh | tail -n 1)"
#
# Idempotent: silent when the pinned version is already installed; otherwise (re)creates the venv
# from scratch with `python3 -m venv` and installs it from PyPI, saying so in one line on stderr.
# Needs python3 with its venv module (Debian/Ubuntu: `apt-get install python3-venv`).
set -euo pipefail

CFN_LINT_VERSION="1.58.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.cache/tools"
venv="$tools_dir/cfn-lint"
bin="$venv/bin/cfn-lint"
stamp="$venv/.installed-version"

# True when the venv holds exactly the pinned version, installed to completion by this script.
installed() {
  [[ -x "$bin" && -f "$stamp" && "$(<"$stamp")" == "$CFN_LINT_VERSION" ]] || return 1
  local actual
  actual="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("cfn-lint"))' 2>/dev/null)" || return 1
  [[ "$actual" == "$CFN_LINT_VERSION" ]]
}

if ! installed; then
  mkdir -p "$tools_dir"
  # Serialise concurrent runs (two test workers, a developer and an editor plugin...).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$tools_dir/cfn-lint.lock"
    flock 9
  fi
  # Another run may have finished the install while this one waited for the lock.
  if ! installed; then
    if ! command -v python3 >/dev/null 2>&1; then
      echo "error: python3 is not installed; cfn-lint needs it (Debian/Ubuntu: apt-get install python3 python3-venv)" >&2
      exit 1
    fi
    # Debian splits venv's pip bootstrap (ensurepip) into the python3-venv package.
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
      echo "error: python3's venv module is missing; cfn-lint needs it (Debian/Ubuntu: apt-get install python3-venv)" >&2
      exit 1
    fi
    echo "Installing cfn-lint $CFN_LINT_VERSION into ${venv#"$repo_root"/} ..." >&2
    log="$tools_dir/cfn-lint-install.log"
    rm -rf "$venv"
    if ! {
      python3 -m venv "$venv" &&
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --no-input \
          "cfn-lint==$CFN_LINT_VERSION"
    } >"$log" 2>&1; then
      cat "$log" >&2
      echo "error: installing cfn-lint $CFN_LINT_VERSION failed (log above, also in $log)" >&2
      rm -rf "$venv"
      exit 1
    fi
    rm -f "$log"
    echo "$CFN_LINT_VERSION" >"$stamp"
    if ! installed; then
      echo "error: cfn-lint $CFN_LINT_VERSION was installed but $bin does not report that version" >&2
      exit 1
    fi
  fi
fi

echo "$bin"
