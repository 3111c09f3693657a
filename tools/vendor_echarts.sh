#!/usr/bin/env bash
# Refresh the vendored Apache ECharts (charts on the dashboards; served from static/, so the
# site works offline). The version and the registry's sha512 are pinned here: change both
# together, run `make vendor-echarts`, and commit the result.
set -euo pipefail
VERSION=5.6.0
INTEGRITY=sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==
DEST="$(dirname "$0")/../core/web/static/vendor/echarts"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
curl -fsSL "https://registry.npmjs.org/echarts/-/echarts-$VERSION.tgz" -o "$TMP/echarts.tgz"
GOT="sha512-$(openssl dgst -sha512 -binary "$TMP/echarts.tgz" | base64 -w0)"
[ "$GOT" = "$INTEGRITY" ] || { echo "echarts-$VERSION.tgz: checksum mismatch ($GOT)" >&2; exit 1; }
tar -xzf "$TMP/echarts.tgz" -C "$TMP" package/dist/echarts.min.js package/LICENSE package/NOTICE
mkdir -p "$DEST"
cp "$TMP/package/dist/echarts.min.js" "$TMP/package/LICENSE" "$TMP/package/NOTICE" "$DEST/"
echo "$VERSION" > "$DEST/VERSION"
echo "vendored Apache ECharts $VERSION into $DEST"
