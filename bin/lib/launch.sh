# Shared by the launchers in bin/: builds a module and only what it needs once when needed, then runs
# the module's main class from its recorded runtime classpath (target/classpath.txt). No AWS
# credentials are set here on purpose.
# Usage (after sourcing): launch MODULE MAIN_CLASS [JAVA_OPTION...] -- [ARG...]

launcher_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

needs_build() {
  local module="$1" cp_file="$launcher_root/$1/target/classpath.txt"
  [[ -f "$cp_file" && -d "$launcher_root/$module/target/classes" ]] || return 0
  # Any jar on the recorded classpath gone (e.g. a cleaned module or ~/.m2)?
  local entry
  IFS=':' read -r -a entries < "$cp_file"
  for entry in "${entries[@]}"; do
    [[ -e "$entry" ]] || return 0
  done
  # Any source, resource or pom newer than the last build?
  local newer
  newer="$(find "$launcher_root/pom.xml" "$launcher_root/template.yaml" "$launcher_root"/*/pom.xml \
            "$launcher_root"/*/src/main -newer "$cp_file" -type f -print -quit 2>/dev/null || true)"
  [[ -n "$newer" ]]
}

launch() {
  local module="$1" main="$2" name
  name="$(basename "$0")"
  shift 2
  local java_opts=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    java_opts+=("$1")
    shift
  done
  [[ $# -gt 0 ]] && shift
  local cp_file="$launcher_root/$module/target/classpath.txt"
  if needs_build "$module"; then
    # Only the module and what it depends on (-am), packaged in place: nothing is installed into
    # ~/.m2, and the classpath file points at the modules' target/ folders.
    local build=(mvn -B -DskipTests -pl "$module" -am package)
    echo "$name: building (${build[*]}) — first run or sources changed..." >&2
    (cd "$launcher_root" && "${build[@]}" -q) || {
      echo "$name: build failed; run '${build[*]}' in $launcher_root to see why" >&2
      exit 1
    }
    touch "$cp_file"
  fi
  # No cd: relative file arguments stay relative to the caller's folder.
  exec java "${java_opts[@]}" ${USER_STREAMS_JAVA_OPTS:-} -Duser-streams.root="$launcher_root" \
    -cp "$launcher_root/$module/target/classes:$(cat "$cp_file")" "$main" "$@"
}
