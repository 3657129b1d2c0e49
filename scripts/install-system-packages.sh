#!/usr/bin/env bash
# Installs Debian packages the tests need (chromium; nodejs + npm where missing), as root or via sudo.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "$@" >/dev/null
