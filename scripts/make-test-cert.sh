#!/usr/bin/env bash
# Generates the self-signed certificate the fake Discord's voice gateway serves over wss.
# @discordjs/voice hard-codes wss:// for the voice endpoint, so tests need a certificate that
# Node accepts for 127.0.0.1. The output is committed: tests never need openssl themselves.
# Run once (or again to rotate): scripts/make-test-cert.sh
set -euo pipefail

cert_dir="$(cd "$(dirname "$0")/.." && pwd)/test/harness/discord/certs"
mkdir -p "$cert_dir"

# P-256 keeps the handshake cheap; 36_500 days = 100 years so the committed files never expire.
# CA:TRUE lets the same self-signed certificate act as the trust anchor handed to
# tls.setDefaultCACertificates / NODE_EXTRA_CA_CERTS.
openssl req -x509 -new -nodes \
  -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$cert_dir/voice-key.pem" \
  -out "$cert_dir/voice-cert.pem" \
  -days 36500 \
  -subj "/CN=127.0.0.1/O=Parley test fake Discord" \
  -addext "subjectAltName=IP:127.0.0.1" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign" \
  -addext "extendedKeyUsage=serverAuth"

chmod 644 "$cert_dir/voice-key.pem" "$cert_dir/voice-cert.pem"
openssl x509 -in "$cert_dir/voice-cert.pem" -noout -subject -enddate -ext subjectAltName
