#!/usr/bin/env bash
# Installs whatever is missing for Tiaojie to run and test on Debian: system packages, a
# virtualenv with the pinned Python packages, and a local secret key. Idempotent: when nothing is
# missing it only checks, in well under a second.
# `scripts/bootstrap.sh --browser` also installs Debian's chromium for the browser tests
# (`make test-browser`; Playwright's own `playwright install` cannot download browsers here);
# `--nginx` Debian's nginx for the two-node suite and the load test (`make test-services`,
# `make bench-load`), never started as a service: each run starts its own on a loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono
              poppler-utils gettext)
NGINX=""
for arg in "$@"; do
  case "$arg" in
    --browser) APT_PACKAGES+=(chromium) ;;
    --nginx) APT_PACKAGES+=(nginx); NGINX=1 ;;
    *) printf 'bootstrap: unknown option %s (--browser, --nginx)\n' "$arg" >&2; exit 2 ;;
  esac
done
# Debian's own python3 when it is 3.11+: the interpreter production runs (docs/DEPLOY.md), built
# with profile-guided and link-time optimisation — a page costs about 15 % less CPU on it than on
# a plain source build such as pyenv's (bench/bench_requests.py, 2026-12-04). PYTHON=… overrides.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PYTHON=/usr/bin/python3
  fi
fi
VENV=.venv

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[bootstrap] %s\033[0m\n' "$*" >&2; exit 1; }

# --- Python 3.11+ ---------------------------------------------------------------------------
command -v "$PYTHON" >/dev/null || die "Python 3.11+ is required: install it (apt-get install python3)."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "Python 3.11+ is required, found $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11."
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null || APT_PACKAGES+=(python3-venv)

# --- Debian packages ------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null ||
    die "Missing system packages: ${missing[*]}. This script installs them with apt-get (Debian/Ubuntu); install them by hand on other systems."
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    die "Missing system packages: ${missing[*]}. Run as root or install sudo, or: apt-get install ${missing[*]}"
  fi
  say "installing system packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq ||
    die "apt-get update failed; install by hand: apt-get install ${missing[*]}"
  guard=""  # nginx's package would start a system nginx on port 80: keep its postinst from it
  if [ -n "$NGINX" ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d && guard=1
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  [ -z "$guard" ] || "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install failed; install by hand: apt-get install ${missing[*]}"
fi

# --- virtualenv -----------------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Reinstall only when the pins change: the stamp is the hash of pyproject.toml.
stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing Python packages (pyproject.toml changed or first run)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# --- local secret ---------------------------------------------------------------------------
if [ ! -s .secret_key ]; then
  say "generating a local secret key in .secret_key (git-ignored)"
  (umask 077; "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key)
fi
mkdir -p var/media
