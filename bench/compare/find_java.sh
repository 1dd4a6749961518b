# Sourced by the comparison scripts: sets $java to the first JDK >= 25 ($JAVA_HOME first, then /usr/lib/jvm/*),
# since the machine's default java may be older. Each script changes to the repository root before sourcing it.
java=""
for home in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
  v=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1) || true
  if [ "${v:-0}" -ge 25 ] 2>/dev/null; then java="$home/bin/java"; break; fi
done
[ -n "$java" ] || { echo "error: no JDK >= 25 found" >&2; exit 1; }
