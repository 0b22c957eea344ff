#!/usr/bin/env bash
# Makes a minimal Java 17 base image on this machine, without a Docker daemon or a registry:
# a jlinked JRE in /opt/java/openjdk (where the eclipse-temurin images keep theirs, so the same app
# layers run on either base), the shared libraries it links against (copied from this host), an
# unprivileged user 65532 ("nonroot") and /tmp. Output: a `docker save`-format tar that Jib reads
# as `tar://...` base image. Production builds use a public JRE image instead (-Dimage.base=...).
#
# usage: base-image.sh OUT.tar [JAVA_HOME]
set -euo pipefail
out=$1
java_home=${2:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
if [ -s "$out" ] && [ "$out" -nt "$0" ]; then
  echo "base image $out is up to date"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/opt/java" "$root/etc" "$root/tmp" "$root/home/nonroot" "$root/app"

# Modules of a Micronaut/Netty/JDBC/Kafka server; jdeps on shaded jars misses reflective uses.
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.management.rmi,java.naming,java.net.http,java.prefs,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.transaction.xa,java.xml,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.httpserver,jdk.jfr,jdk.localedata,jdk.management,jdk.management.agent,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.unsupported,jdk.zipfs,jdk.jcmd
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --include-locales=en --compress=2 --output "$root/opt/java/openjdk" 2>&1 | grep -v "deprecated" || true
[ -x "$root/opt/java/openjdk/bin/java" ] || { echo "jlink failed" >&2; exit 1; }

# Shared libraries of the runtime (glibc, zlib, ...), at the paths the loader looks for them.
# The AWT/sound/font libraries of java.desktop (kept for java.beans) are not loaded headless: their
# X11 and ALSA dependencies are left out.
find "$root/opt/java/openjdk" -type f \( -name '*.so' -o -path '*/bin/*' \) \
  ! -name 'libawt_xawt.so' ! -name 'libsplashscreen.so' ! -name 'libjawt.so' ! -name 'libjsound.so' \
  ! -name 'libfontmanager.so' ! -name 'liblcms.so' ! -name 'libjavajpeg.so' ! -name 'libmlib_image.so' -print0 \
  | xargs -0 ldd 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u | while read -r lib; do
    case "$lib" in "$root"*) continue ;; esac
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
# libnss for user/host lookups by name (getpwuid, /etc/hosts), loaded with dlopen so ldd misses it.
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -e "$lib" ] && { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
done

cat > "$root/etc/passwd" <<P
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
P
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
chmod 1777 "$root/tmp"

layer=$work/layer.tar
(cd "$root" && tar --sort=name --mtime='1970-01-01 00:00:01' --owner=0 --group=0 --numeric-owner \
  --exclude=./home/nonroot -cf "$layer" . && tar --owner=65532 --group=65532 --numeric-owner \
  --mtime='1970-01-01 00:00:01' -rf "$layer" ./home/nonroot)
diff_id=sha256:$(sha256sum "$layer" | cut -d' ' -f1)
arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
cat > "$work/config.json" <<C
{"architecture":"$arch","os":"linux",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java/openjdk","LANG=C.UTF-8"],"User":"65532:65532","WorkingDir":"/app"},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created_by":"deploy/image/base-image.sh (jlink of $("$java_home/bin/java" -version 2>&1 | head -1 | tr -d '"'))"}]}
C
echo '[{"Config":"config.json","RepoTags":["service-manager/jre-base:17"],"Layers":["layer.tar"]}]' > "$work/manifest.json"
mkdir -p "$(dirname "$out")"
(cd "$work" && tar --owner=0 --group=0 -cf "$out.tmp" manifest.json config.json layer.tar)
mv "$out.tmp" "$out"
echo "base image $out: $(du -h "$out" | cut -f1), layer $diff_id"
