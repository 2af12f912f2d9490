#!/usr/bin/env bash
# Installs the system packages the test suite needs, when missing (Debian/Ubuntu):
#   chromium       the real browser Playwright drives in the UI tests
#   poppler-utils  pdftotext, to read the PDFs we produce in tests
#   docker-compose validates docker-compose.yml (no engine needed)
#   libpango       WeasyPrint's text layout
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps docker-compose from pulling the whole engine (286 MB).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
