#!/usr/bin/env bash
# Makes the base image that the image test builds the services' images on (README, Images), as a
# `docker save` tarball Jib reads with `tar://`: no registry is reachable from the test machines,
# so the default base (a maintained JRE 17 image) cannot be pulled there.
#
# The image holds what a JRE image holds, made from this machine: a runtime cut from the running
# JDK with jlink at /opt/java/openjdk (where Eclipse Temurin's images keep theirs), the shared
# libraries it links against copied from this machine, PATH and JAVA_HOME set, a `nonroot` user
# (uid 65532) and /tmp. Its files are sorted and dated 1970, so the same JDK gives the same layer
# and Jib's cache keeps it between builds.
#
# Usage: make-test-base.sh <output directory> <java home>
set -euo pipefail
out=$1
java_home=$2
work="$out/work"
root="$work/root"
rm -rf "$work"
mkdir -p "$root"

# The modules the services and the command line use (java.desktop: java.beans, used by libraries).
"$java_home/bin/jlink" \
  --add-modules java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,java.desktop,jdk.unsupported,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files \
  --output "$root/opt/java/openjdk"

# Every shared library the runtime's binaries resolve on this machine, and the dynamic loader.
libs=$(ldd "$root"/opt/java/openjdk/bin/* "$root"/opt/java/openjdk/lib/*.so \
  "$root"/opt/java/openjdk/lib/server/*.so 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' \
  | grep -v "^$root" | sort -u)
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

mkdir -p "$root/etc" "$root/tmp" "$root/proc" "$root/home/nonroot"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
  > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
chown 65532:65532 "$root/home/nonroot" 2>/dev/null || chmod 1777 "$root/home/nonroot"
chmod -R a+rX "$root"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java/openjdk"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]}}
JSON
printf '[{"Config":"config.json","RepoTags":["wan-pipeline/test-base:17"],"Layers":["layer.tar"]}]\n' \
  > "$work/manifest.json"
tar --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" \
  -cf "$out/test-base.tar" manifest.json config.json layer.tar
rm -rf "$work"
echo "test base image: $out/test-base.tar (layer sha256:$diff_id)"
